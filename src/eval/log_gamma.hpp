// log Gamma(x) for the Poisson normalisation constants (internal).
#pragma once

#include <cmath>

namespace hfx::detail {

// For x >= 13 this evaluates the Stirling series in the same form and order as the
// Cephes `lgam` routine that SciPy's gammaln (and hence pyhf) uses, so that constants
// such as lgamma(1.9e11) -- which appear with very stiff shapesys constraints -- agree
// with pyhf to the last bit instead of differing by an ulp of ~1e-3. Below 13 the
// C library's lgamma is exact to rounding, which is all that matters there.
inline double log_gamma(double x) {
  if (!(x >= 13.0)) return std::lgamma(x);
  constexpr double kLogSqrt2Pi = 0.91893853320467274178;
  double q = (x - 0.5) * std::log(x) - x + kLogSqrt2Pi;
  if (x > 1.0e8) return q;
  const double p = 1.0 / (x * x);
  if (x >= 1000.0) {
    q += ((7.9365079365079365079365e-4 * p - 2.7777777777777777777778e-3) * p + 0.0833333333333333333333) / x;
  } else {
    // Stirling-series coefficients (minimax-adjusted) for 13 <= x < 1000.
    q += ((((8.11614167470508450300e-4 * p - 5.95061904284301438324e-4) * p + 7.93650340457716943945e-4) * p -
           2.77777777730099687205e-3) * p + 8.33333333333331927722e-2) / x;
  }
  return q;
}

}  // namespace hfx::detail
