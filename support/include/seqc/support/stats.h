// Statistics for experiments (docs/language.md, "Experiments"). A stub holding only what
// `seqc build` needs until the statistics library (Wilson interval, mSPRT, SRM) lands:
// then these move there.
#pragma once

#include <cstdint>

namespace seqc::stats {

// The standard normal quantile: z with P(Z <= z) = p, for 0 < p < 1.
double normalQuantile(double p);

// Records needed per variant to detect an absolute lift of `mde` over `baseline` with a
// two-sided two-proportion z test (no continuity correction) at `alpha`, Bonferroni-split
// over the `variants` − 1 comparisons with the control, with `power`:
//   n = ceil((z(1−α'/2)·√(2p̄(1−p̄)) + z(power)·√(p1(1−p1)+p2(1−p2)))² / mde²)
// p1 = baseline, p2 = baseline + mde, p̄ = (p1+p2)/2, α' = α/(variants−1).
// 0 when the parameters are outside their ranges.
int64_t recordsPerVariant(double baseline, double mde, double alpha, double power, int variants);

}  // namespace seqc::stats
