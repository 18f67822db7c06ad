// The statistics of A/B experiments: see experiment.h and docs/experiments-statistics.md
// for each formula and its source.
#include "seqc/stats/experiment.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace seqc::stats {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Horner's rule for c[0] + c[1]·x + … + c[7]·x⁷.
double poly(const double (&c)[8], double x) {
  double v = c[7];
  for (int i = 6; i >= 0; --i) v = v * x + c[i];
  return v;
}

bool validArm(Arm a) { return a.trials >= 0 && a.successes >= 0 && a.successes <= a.trials; }

}  // namespace

double normalCdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Wichura, M. J. (1988), "Algorithm AS 241: The percentage points of the normal
// distribution", Applied Statistics 37(3):477–484 (PPND16, the double-precision
// version). Three rational approximations: |p−½| ≤ 0.425, then r = √(−ln min(p,1−p))
// up to 5, and beyond.
double normalQuantile(double p) {
  static constexpr double a[8] = {3.3871328727963666080e0, 1.3314166789178437745e+2,
                                  1.9715909503065514427e+3, 1.3731693765509461125e+4,
                                  4.5921953931549871457e+4, 6.7265770927008700853e+4,
                                  3.3430575583588128105e+4, 2.5090809287301226727e+3};
  static constexpr double b[8] = {1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2,
                                  5.3941960214247511077e+3, 2.1213794301586595867e+4,
                                  3.9307895800092710610e+4, 2.8729085735721942674e+4,
                                  5.2264952788528545610e+3};
  static constexpr double c[8] = {1.42343711074968357734e0, 4.63033784615654529590e0,
                                  5.76949722146069140550e0, 3.64784832476320460504e0,
                                  1.27045825245236838258e0, 2.41780725177450611770e-1,
                                  2.27238449892691845833e-2, 7.74545014278341407640e-4};
  static constexpr double d[8] = {1.0, 2.05319162663775882187e0, 1.67638483018380384940e0,
                                  6.89767334985100004550e-1, 1.48103976427480074590e-1,
                                  1.51986665636164571966e-2, 5.47593808499534494600e-4,
                                  1.05075007164441684324e-9};
  static constexpr double e[8] = {6.65790464350110377720e0, 5.46378491116411436990e0,
                                  1.78482653991729133580e0, 2.96560571828504891230e-1,
                                  2.65321895265761230930e-2, 1.24266094738807843860e-3,
                                  2.71155556874348757815e-5, 2.01033439929228813265e-7};
  static constexpr double f[8] = {1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1,
                                  1.48753612908506148525e-2, 7.86869131145613259100e-4,
                                  1.84631831751005468180e-5, 1.42151175831644588870e-7,
                                  2.04426310338993978564e-15};
  if (!(p >= 0.0 && p <= 1.0)) return kNaN;  // NaN fails both comparisons
  if (p == 0.0) return -kInf;
  if (p == 1.0) return kInf;
  const double q = p - 0.5;
  if (std::fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q * poly(a, r) / poly(b, r);
  }
  double r = std::sqrt(-std::log(q < 0 ? p : 1.0 - p));
  double v;
  if (r <= 5.0) {
    r -= 1.6;
    v = poly(c, r) / poly(d, r);
  } else {
    r -= 5.0;
    v = poly(e, r) / poly(f, r);
  }
  return q < 0 ? -v : v;
}

// Press, Teukolsky, Vetterling & Flannery, Numerical Recipes (3rd ed., 2007), §6.2:
// the series for P(a, x) when x < a + 1, else Lentz's continued fraction for Q(a, x).
// Both converge quickly there; the iteration bound only guards against bad input.
double gammaQ(double a, double x) {
  if (!(a > 0) || !(x >= 0) || std::isinf(a)) return kNaN;
  if (x == 0) return 1.0;
  if (std::isinf(x)) return 0.0;
  constexpr double kEps = 1e-15;
  constexpr double kTiny = 1e-300;
  constexpr int kMaxIterations = 100000;
  // std::lgamma sets the global signgam; Γ(a) > 0 for a > 0, so the sign is never read.
  const double logPrefix = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1.0) {
    double ap = a, del = 1.0 / a, sum = del;
    for (int i = 0; i < kMaxIterations; ++i) {
      ap += 1.0;
      del *= x / ap;
      sum += del;
      if (std::fabs(del) < std::fabs(sum) * kEps) break;
    }
    return std::clamp(1.0 - sum * std::exp(logPrefix), 0.0, 1.0);
  }
  double b = x + 1.0 - a, cc = 1.0 / kTiny, dd = 1.0 / b, h = dd;
  for (int i = 1; i < kMaxIterations; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    dd = an * dd + b;
    if (std::fabs(dd) < kTiny) dd = kTiny;
    cc = b + an / cc;
    if (std::fabs(cc) < kTiny) cc = kTiny;
    dd = 1.0 / dd;
    const double del = dd * cc;
    h *= del;
    if (std::fabs(del - 1.0) < kEps) break;
  }
  return std::clamp(std::exp(logPrefix) * h, 0.0, 1.0);
}

double chiSquareSurvival(double x, int df) {
  if (df < 1 || !(x >= 0)) return kNaN;
  return gammaQ(df / 2.0, x / 2.0);
}

double comparisonAlpha(double alpha, int variants) {
  if (variants < 2) return kNaN;
  return alpha / (variants - 1);
}

std::optional<std::int64_t> recordsPerVariant(const Plan& plan) {
  const double p1 = plan.baseline, mde = plan.mde, p2 = p1 + mde;
  if (!(p1 > 0 && p1 < 1 && mde > 0 && p2 < 1 && plan.alpha > 0 && plan.alpha < 1 &&
        plan.power > 0 && plan.power < 1 && plan.variants >= 2))
    return std::nullopt;
  const double alpha = comparisonAlpha(plan.alpha, plan.variants);
  const double zAlpha = normalQuantile(1 - alpha / 2);
  const double zBeta = normalQuantile(plan.power);
  const double pBar = (p1 + p2) / 2;
  const double root = zAlpha * std::sqrt(2 * pBar * (1 - pBar)) +
                      zBeta * std::sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  const double n = std::ceil(root * root / (mde * mde));
  // A negative root (power < ½ and a huge alpha) still squares to a size; a size past
  // 2⁵³ (an mde of 1e-8) is not a plan anyone runs.
  if (!(n >= 1 && n <= 9007199254740992.0)) return std::nullopt;
  return static_cast<std::int64_t>(n);
}

std::optional<std::int64_t> projectedDays(std::int64_t perVariant, double arrivalsPerDay,
                                          std::span<const double> weights) {
  if (perVariant < 0 || !(arrivalsPerDay > 0) || std::isinf(arrivalsPerDay) || weights.empty())
    return std::nullopt;
  double total = 0, smallest = kInf;
  for (double w : weights) {
    if (!(w > 0) || std::isinf(w)) return std::nullopt;
    total += w;
    smallest = std::min(smallest, w);
  }
  const double days = std::ceil(perVariant / (arrivalsPerDay * smallest / total));
  if (!(days <= 9007199254740992.0)) return std::nullopt;
  return static_cast<std::int64_t>(days);
}

std::optional<Interval> wilsonInterval(Arm arm, double level) {
  if (!validArm(arm) || !(level > 0 && level < 1)) return std::nullopt;
  if (arm.trials == 0) return Interval{0, 1};
  const double n = static_cast<double>(arm.trials);
  const double p = arm.successes / n;
  const double z = normalQuantile(1 - (1 - level) / 2);
  const double z2 = z * z;
  const double centre = p + z2 / (2 * n);
  const double half = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  const double denominator = 1 + z2 / n;
  // At x = 0 (x = n) the lower (upper) limit is exactly 0 (1); rounding would leave 1e-17.
  return Interval{arm.successes == 0 ? 0.0 : std::max(0.0, (centre - half) / denominator),
                  arm.successes == arm.trials ? 1.0 : std::min(1.0, (centre + half) / denominator)};
}

double defaultMixingVariance(double mde) { return mde * mde; }

std::optional<Look> msprtLook(Arm control, Arm treatment, double tau2) {
  if (!validArm(control) || !validArm(treatment) || !(tau2 > 0) || std::isinf(tau2))
    return std::nullopt;
  Look look;
  if (control.trials == 0 || treatment.trials == 0) return look;
  const double nA = static_cast<double>(control.trials);
  const double nB = static_cast<double>(treatment.trials);
  const double pA = control.successes / nA, pB = treatment.successes / nB;
  look.difference = pB - pA;
  look.variance = pA * (1 - pA) / nA + pB * (1 - pB) / nB;
  // Both rates 0 or 1: the plug-in variance says nothing, so the look is no evidence.
  if (!(look.variance > 0)) return look;
  const double v = look.variance, theta = look.difference;
  // In logs: Λ itself overflows for a large effect on many records.
  const double logLambda =
      0.5 * std::log(v / (v + tau2)) + theta * theta * tau2 / (2 * v * (v + tau2));
  look.likelihoodRatio = std::exp(logLambda);
  look.pValue = std::min(1.0, std::exp(-logLambda));
  return look;
}

std::optional<Interval> msprtDifferenceInterval(Arm control, Arm treatment, double tau2,
                                                double alpha) {
  if (!(alpha > 0 && alpha < 1)) return std::nullopt;
  const auto look = msprtLook(control, treatment, tau2);
  if (!look) return std::nullopt;
  if (!(look->variance > 0)) return Interval{-1, 1};
  const double v = look->variance;
  const double half =
      std::sqrt(v * (v + tau2) / tau2 * (2 * std::log(1 / alpha) + std::log((v + tau2) / v)));
  return Interval{std::max(-1.0, look->difference - half), std::min(1.0, look->difference + half)};
}

std::string_view verdictName(Verdict v) {
  switch (v) {
    case Verdict::Better: return "better";
    case Verdict::Worse: return "worse";
    case Verdict::Undecided: break;
  }
  return "no decision yet";
}

Verdict verdictAt(double pValue, double difference, double alpha) {
  if (!(pValue <= alpha)) return Verdict::Undecided;
  if (difference > 0) return Verdict::Better;
  if (difference < 0) return Verdict::Worse;
  return Verdict::Undecided;
}

bool SequentialTest::look(Arm control, Arm treatment) {
  const auto l = msprtLook(control, treatment, tau2_);
  if (!l) return false;
  p_ = std::min(p_, l->pValue);
  if (!decidedAt_) {
    verdict_ = verdictAt(p_, l->difference, alpha_);
    if (verdict_ != Verdict::Undecided) decidedAt_ = looks_;
  }
  ++looks_;
  return true;
}

std::optional<std::vector<double>> msprtPValues(std::span<const Arm> control,
                                                std::span<const Arm> treatment, double tau2) {
  if (control.size() != treatment.size()) return std::nullopt;
  SequentialTest test(tau2, 0.0);
  std::vector<double> out;
  out.reserve(control.size());
  for (std::size_t i = 0; i < control.size(); ++i) {
    if (!test.look(control[i], treatment[i])) return std::nullopt;
    out.push_back(test.pValue());
  }
  return out;
}

std::optional<Decision> daysToDecision(std::span<const std::vector<Arm>> looks, double tau2,
                                       double alpha) {
  if (looks.empty() || looks.front().size() < 2) return std::nullopt;
  const std::size_t k = looks.front().size();
  std::vector<SequentialTest> tests(k, SequentialTest(tau2, alpha));
  for (const auto& look : looks) {
    if (look.size() != k) return std::nullopt;
    for (std::size_t v = 1; v < k; ++v)
      if (!tests[v].look(look[0], look[v])) return std::nullopt;
  }
  Decision d;
  d.perVariant.resize(k);
  d.verdicts.resize(k, Verdict::Undecided);
  for (std::size_t v = 1; v < k; ++v) {
    d.perVariant[v] = tests[v].decidedAt();
    d.verdicts[v] = tests[v].verdict();
    if (d.perVariant[v] && (!d.first || *d.perVariant[v] < *d.first)) d.first = d.perVariant[v];
  }
  return d;
}

std::optional<SampleRatio> sampleRatioMismatch(std::span<const std::int64_t> assigned,
                                               std::span<const double> weights) {
  if (assigned.size() < 2 || assigned.size() != weights.size()) return std::nullopt;
  double total = 0, weightSum = 0;
  for (std::size_t i = 0; i < assigned.size(); ++i) {
    if (assigned[i] < 0 || !(weights[i] > 0) || std::isinf(weights[i])) return std::nullopt;
    total += static_cast<double>(assigned[i]);
    weightSum += weights[i];
  }
  SampleRatio s;
  s.degreesOfFreedom = static_cast<int>(assigned.size()) - 1;
  if (total == 0) return s;
  for (std::size_t i = 0; i < assigned.size(); ++i) {
    const double expected = total * weights[i] / weightSum;
    const double diff = static_cast<double>(assigned[i]) - expected;
    s.chiSquare += diff * diff / expected;
  }
  s.pValue = chiSquareSurvival(s.chiSquare, s.degreesOfFreedom);
  s.alarm = s.pValue < kSampleRatioAlarm;
  return s;
}

}  // namespace seqc::stats
