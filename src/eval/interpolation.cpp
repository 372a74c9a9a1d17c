#include "hfx/interpolation.hpp"

#include "hfx/errors.hpp"
#include "kernels.hpp"

#include <fmt/format.h>

#include <cmath>

namespace hfx {

InterpCode interp_code_from_string(std::string_view s) {
  if (s.substr(0, 4) == "code") s.remove_prefix(4);
  if (s == "0") return InterpCode::code0;
  if (s == "1") return InterpCode::code1;
  if (s == "2") return InterpCode::code2;
  if (s == "4") return InterpCode::code4;
  if (s == "4p") return InterpCode::code4p;
  throw InvalidInterpCode(fmt::format("unknown interpolation code '{}' (expected code0, code1, code2, code4 or code4p)", s));
}

std::string_view to_string(InterpCode code) {
  switch (code) {
    case InterpCode::code0: return "code0";
    case InterpCode::code1: return "code1";
    case InterpCode::code2: return "code2";
    case InterpCode::code4: return "code4";
    case InterpCode::code4p: return "code4p";
  }
  return "?";
}

ValueGrad additive_delta(InterpCode code, double alpha, double down, double nom, double up) {
  const double d_up = up - nom;
  const double d_dn = nom - down;
  switch (code) {
    case InterpCode::code0:
      // At the kink (alpha = 0) the value is 0 either way; the derivative returned is the
      // right-hand one, which is what a forward difference -- pyhf's SciPy fits, ROOT's
      // Minuit -- sees, so fits leave alpha = 0 in the same direction as theirs.
      return alpha >= 0 ? ValueGrad{d_up * alpha, d_up} : ValueGrad{d_dn * alpha, d_dn};
    case InterpCode::code2: {
      const double a = 0.5 * (up + down) - nom;
      const double b = 0.5 * (up - down);
      if (alpha > 1) return {(b + 2 * a) * (alpha - 1), b + 2 * a};
      if (alpha < -1) return {(b - 2 * a) * (alpha + 1), b - 2 * a};
      return {a * alpha * alpha + b * alpha, 2 * a * alpha + b};
    }
    case InterpCode::code4p:
      return detail::code4p_delta(alpha, down, nom, up);
    default:
      throw InvalidInterpCode(fmt::format("{} is not an additive interpolation code", to_string(code)));
  }
}

Code4Coefficients code4_coefficients(double down_ratio, double up_ratio) {
  // Solve for the polynomial 1 + sum a_i alpha^i that matches value, first and second
  // derivative of the exponential branches at alpha = +-1 (alpha0 = 1); the inverse of
  // the 6x6 system is closed-form (CERN-OPEN-2012-016, and pyhf's code4 docstring).
  Code4Coefficients c;
  c.up = up_ratio;
  c.down = down_ratio;
  c.log_up = std::log(up_ratio);
  c.log_down = std::log(down_ratio);
  const double b[6] = {up_ratio - 1.0,
                       down_ratio - 1.0,
                       c.log_up * up_ratio,
                       -c.log_down * down_ratio,
                       c.log_up * c.log_up * up_ratio,
                       c.log_down * c.log_down * down_ratio};
  static constexpr double inv[6][6] = {
      {15.0 / 16, -15.0 / 16, -7.0 / 16, -7.0 / 16, 1.0 / 16, -1.0 / 16},
      {3.0 / 2, 3.0 / 2, -9.0 / 16, 9.0 / 16, 1.0 / 16, 1.0 / 16},
      {-5.0 / 8, 5.0 / 8, 5.0 / 8, 5.0 / 8, -1.0 / 8, 1.0 / 8},
      {3.0 / -2, 3.0 / -2, -7.0 / -8, 7.0 / -8, -1.0 / 8, -1.0 / 8},
      {3.0 / 16, -3.0 / 16, -3.0 / 16, -3.0 / 16, 1.0 / 16, -1.0 / 16},
      {1.0 / 2, 1.0 / 2, -5.0 / 16, 5.0 / 16, 1.0 / 16, 1.0 / 16}};
  for (int r = 0; r < 6; ++r) {
    double s = 0;
    for (int k = 0; k < 6; ++k) s += inv[r][k] * b[k];
    c.a[r] = s;
  }
  return c;
}

ValueGrad multiplicative_factor(InterpCode code, double alpha, double down_ratio, double up_ratio,
                                const Code4Coefficients* c4) {
  switch (code) {
    case InterpCode::code1:
      if (alpha >= 0) {  // right-hand derivative at the kink, as for code0
        const double v = std::pow(up_ratio, alpha);
        return {v, v * std::log(up_ratio)};
      } else {
        const double v = std::pow(down_ratio, -alpha);
        return {v, -v * std::log(down_ratio)};
      }
    case InterpCode::code4:
      return detail::code4_factor(*c4, alpha);
    default:
      throw InvalidInterpCode(fmt::format("{} is not a multiplicative interpolation code", to_string(code)));
  }
}

}  // namespace hfx
