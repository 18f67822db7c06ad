// Statistics for experiments: see stats.h.
#include "seqc/support/stats.h"

#include <cmath>

namespace seqc::stats {

// Acklam's rational approximation (relative error 1.15e-9), then one Halley step on
// erfc, which brings it to double precision.
double normalQuantile(double p) {
  if (!(p > 0 && p < 1)) return std::nan("");
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01,  -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double low = 0.02425, high = 1 - low;
  double x;
  if (p < low) {
    double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= high) {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

int64_t recordsPerVariant(double baseline, double mde, double alpha, double power, int variants) {
  if (!(baseline > 0 && mde > 0 && baseline + mde < 1 && alpha > 0 && alpha < 1 && power > 0 && power < 1 &&
        variants >= 2))
    return 0;
  double p1 = baseline, p2 = baseline + mde, pbar = (p1 + p2) / 2;
  double a = alpha / (variants - 1);
  double n = normalQuantile(1 - a / 2) * std::sqrt(2 * pbar * (1 - pbar)) +
             normalQuantile(power) * std::sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  // A hair below an integer is that integer (the formula's check value lands on 685.6).
  return static_cast<int64_t>(std::ceil(n * n / (mde * mde) - 1e-9));
}

}  // namespace seqc::stats
