// The statistics of A/B experiments (docs/experiments-statistics.md): pure functions
// over counts, with no dependency on the compiler, the interpreter or the workspace, so
// `seqc build`/`show`, `seqc stats` and the simulator all compute the same figures.
//
// Nothing here throws or crashes on bad input: a parameter outside its domain gives
// std::nullopt (or NaN where a double is documented to carry it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace seqc::stats {

// ---- The normal distribution -------------------------------------------------------

// Φ(x) = erfc(−x/√2)/2, the standard normal CDF.
double normalCdf(double x);

// Φ⁻¹(p), the standard normal quantile (Wichura, AS 241, 1988: |error| < 1e-16).
// −inf at p = 0, +inf at p = 1, NaN outside [0, 1] or for NaN.
double normalQuantile(double p);

// ---- The chi-square distribution ---------------------------------------------------

// Q(a, x) = Γ(a, x)/Γ(a), the regularized upper incomplete gamma function, for a > 0
// and x ≥ 0 (NaN otherwise). Series or continued fraction as in Numerical Recipes §6.2.
double gammaQ(double a, double x);

// P(X ≥ x) for X ~ χ²(df): Q(df/2, x/2). NaN for df < 1 or x < 0.
double chiSquareSurvival(double x, int df);

// ---- Planning: records needed per variant ------------------------------------------

struct Plan {
  double baseline = 0;  // p1, the control's expected rate
  double mde = 0;       // p2 − p1, the smallest absolute lift worth detecting
  double alpha = 0.05;  // two-sided, for the whole experiment
  double power = 0.80;
  int variants = 2;     // k, control included
};

// α' = α/(k−1): each of the k−1 variants is compared with the control (Bonferroni).
// NaN for k < 2.
double comparisonAlpha(double alpha, int variants);

// Records needed per variant for a two-sided two-proportion z test without continuity
// correction (Fleiss, Levin & Paik 2003, §4.2, eq. 4.14):
//   n = ⌈(z(1−α'/2)·√(2p̄(1−p̄)) + z(power)·√(p1(1−p1)+p2(1−p2)))² / mde²⌉,
//   p2 = p1 + mde, p̄ = (p1+p2)/2.
// nullopt unless 0<baseline<1, 0<mde, baseline+mde<1, 0<alpha<1, 0<power<1, 2≤k.
std::optional<std::int64_t> recordsPerVariant(const Plan& plan);

// Days until every variant has `perVariant` records, when `arrivalsPerDay` records
// enter the experiment per day and variant i takes weights[i]/Σweights of them:
// ⌈perVariant / (arrivalsPerDay · min_i share_i)⌉. nullopt for no arrivals, an empty
// or non-positive weight.
std::optional<std::int64_t> projectedDays(std::int64_t perVariant, double arrivalsPerDay,
                                          std::span<const double> weights);

// ---- Estimation ----------------------------------------------------------------------

// One variant's outcome so far: records decided (their window is over or they
// converted) and records converted among them.
struct Arm {
  std::int64_t trials = 0;
  std::int64_t successes = 0;
};

struct Interval {
  double low = 0;
  double high = 1;
};

// Wilson score interval (Wilson 1927; Newcombe 1998, method 3) for successes/trials at
// the two-sided level (0.95 by default): with p̂ = x/n and z = z(1−(1−level)/2),
//   (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n).
// {0, 1} for n = 0; nullopt for negative counts, x > n, or a level outside (0, 1).
std::optional<Interval> wilsonInterval(Arm arm, double level = 0.95);

// ---- Always-valid inference: mSPRT ------------------------------------------------------

// The default mixing variance of the mSPRT: τ² = mde² (a normal prior on the lift whose
// scale is the lift the experiment was planned for).
double defaultMixingVariance(double mde);

// One look at a treatment against the control (Johari, Pekelis & Walsh 2017, arXiv
// 1512.04922; Johari, Koomen, Pekelis & Walsh 2022, Operations Research 70(3):1806),
// normal approximation:
//   θ̂ = p̂B − p̂A,  V = p̂A(1−p̂A)/nA + p̂B(1−p̂B)/nB,
//   Λ = √(V/(V+τ²)) · exp(θ̂²τ² / (2V(V+τ²))),  p = min(1, 1/Λ).
// Λ = 1 (no evidence) when an arm has no trials or V = 0.
struct Look {
  double difference = 0;       // θ̂
  double variance = 0;         // V
  double likelihoodRatio = 1;  // Λ
  double pValue = 1;           // min(1, 1/Λ), this look alone
};

// nullopt for invalid counts (as wilsonInterval) or τ² ≤ 0 / not finite.
std::optional<Look> msprtLook(Arm control, Arm treatment, double tau2);

// The always-valid (1−alpha) confidence interval for θ = pB − pA at one look: the θ0
// that the mSPRT of "θ = θ0" would not reject (Johari et al. 2022, §3.2),
//   θ̂ ± √( V(V+τ²)/τ² · (2·ln(1/alpha) + ln((V+τ²)/V)) ),
// so it excludes 0 exactly when msprtLook's p ≤ alpha. [−1, 1] when the look is no
// evidence (no trials, V = 0); nullopt for invalid counts, τ² or alpha ∉ (0, 1).
std::optional<Interval> msprtDifferenceInterval(Arm control, Arm treatment, double tau2,
                                                double alpha);

enum class Verdict { Undecided, Better, Worse };
std::string_view verdictName(Verdict v);  // "no decision yet", "better", "worse"

// Better/worse when p ≤ alpha, by the sign of θ̂; else undecided.
Verdict verdictAt(double pValue, double difference, double alpha);

// The always-valid p-value over a sequence of looks: p_n = min(p_{n−1}, 1/Λ_n), p_0 = 1.
// The verdict is fixed at the first look where p_n ≤ alpha (the sign of θ̂ then).
class SequentialTest {
 public:
  SequentialTest(double tau2, double alpha) : tau2_(tau2), alpha_(alpha) {}
  // Adds a look at the cumulative counts; false (and no change) for invalid counts.
  bool look(Arm control, Arm treatment);
  double pValue() const { return p_; }
  Verdict verdict() const { return verdict_; }
  std::size_t looks() const { return looks_; }
  // The index (0-based) of the look that decided, if one did.
  std::optional<std::size_t> decidedAt() const { return decidedAt_; }

 private:
  double tau2_;
  double alpha_;
  double p_ = 1;
  Verdict verdict_ = Verdict::Undecided;
  std::size_t looks_ = 0;
  std::optional<std::size_t> decidedAt_;
};

// The running p-values of SequentialTest for cumulative looks (control[i], treatment[i]);
// nullopt for mismatched lengths or an invalid look.
std::optional<std::vector<double>> msprtPValues(std::span<const Arm> control,
                                                std::span<const Arm> treatment, double tau2);

// ---- Days to decision (the simulator) --------------------------------------------------

// Cumulative counts per variant at each look (typically one look per simulated day):
// looks[d][v], variant 0 the control, every look the same number (≥ 2) of variants.
struct Decision {
  // Per variant (index 0, the control, is always nullopt): the first look at which its
  // running mSPRT against the control reached p ≤ alpha.
  std::vector<std::optional<std::size_t>> perVariant;
  std::vector<Verdict> verdicts;           // per variant at that look (control: Undecided)
  std::optional<std::size_t> first;       // the earliest of perVariant
};
// alpha is used as given (pass comparisonAlpha(alpha, k) for k variants); nullopt for
// ragged or invalid input.
std::optional<Decision> daysToDecision(std::span<const std::vector<Arm>> looks, double tau2,
                                       double alpha);

// ---- Sample-ratio mismatch ---------------------------------------------------------------

struct SampleRatio {
  double chiSquare = 0;  // Σ (observed − expected)² / expected, expected = N·wᵢ/Σw
  int degreesOfFreedom = 0;  // k − 1
  double pValue = 1;     // chiSquareSurvival(chiSquare, k − 1)
  bool alarm = false;    // pValue < kSampleRatioAlarm
};
inline constexpr double kSampleRatioAlarm = 0.001;

// Chi-square goodness of fit of the records assigned per variant against the weights.
// No records at all: χ² = 0, p = 1. nullopt for fewer than 2 variants, mismatched
// lengths, negative counts, or a weight that is not positive and finite.
std::optional<SampleRatio> sampleRatioMismatch(std::span<const std::int64_t> assigned,
                                               std::span<const double> weights);

}  // namespace seqc::stats
