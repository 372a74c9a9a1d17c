// Per-entry modifier kernels shared by the Evaluator and the by-sample breakdown (internal).
#pragma once

#include "../compile/model_data.hpp"
#include "hfx/interpolation.hpp"

#include <cmath>

namespace hfx::detail {

// code4p inside |alpha| <= 1: delta = alpha S + poly(alpha) A with S = (d_up + d_dn)/2,
// A = (d_up - d_dn)/16 and poly = alpha^2 (15 - 10 alpha^2 + 3 alpha^4); its derivative.
inline double code4p_poly(double alpha) {
  const double a2 = alpha * alpha;
  return a2 * (a2 * (a2 * 3.0 - 10.0) + 15.0);
}
inline double code4p_dpoly(double alpha) {
  const double a2 = alpha * alpha;
  return alpha * (a2 * (a2 * 18.0 - 40.0) + 30.0);
}

// Additive code4p, inlined: the default histosys interpolation and the hottest kernel.
inline ValueGrad code4p_delta(double alpha, double down, double nom, double up) {
  const double d_up = up - nom;
  const double d_dn = nom - down;
  if (alpha > 1) return {d_up * alpha, d_up};
  if (alpha < -1) return {d_dn * alpha, d_dn};
  const double S = 0.5 * (d_up + d_dn);
  const double A = 0.0625 * (d_up - d_dn);
  return {code4p_poly(alpha) * A + alpha * S, code4p_dpoly(alpha) * A + S};
}

// code4's polynomial (|alpha| < 1): 1 + sum_k a_k alpha^k, k = 1..6.
inline double code4_inner_value(const Code4Coefficients& c, double alpha) {
  const auto& a = c.a;
  return 1.0 + alpha * (a[0] + alpha * (a[1] + alpha * (a[2] + alpha * (a[3] + alpha * (a[4] + alpha * a[5])))));
}

// Multiplicative code4 (the default normsys interpolation): exponential outside
// |alpha| < 1, the polynomial (Horner form) and its derivative inside.
inline ValueGrad code4_factor(const Code4Coefficients& c, double alpha) {
  if (alpha >= 1) {
    const double v = std::pow(c.up, alpha);
    return {v, v * c.log_up};
  }
  if (alpha <= -1) {
    const double v = std::pow(c.down, -alpha);
    return {v, -v * c.log_down};
  }
  const auto& a = c.a;
  const double g = a[0] + alpha * (2 * a[1] + alpha * (3 * a[2] + alpha * (4 * a[3] + alpha * (5 * a[4] + alpha * 6 * a[5]))));
  return {code4_inner_value(c, alpha), g};
}

// The normsys factor of entry e at alpha (multiplicative codes directly; additive codes
// interpolate the factor around a nominal of 1).
inline ValueGrad normsys_factor(InterpCode code, double alpha, const NormSysEntry& e) {
  if (code == InterpCode::code4) return code4_factor(e.c4, alpha);
  if (is_multiplicative(code)) return multiplicative_factor(code, alpha, e.lo, e.hi, &e.c4);
  const ValueGrad d = additive_delta(code, alpha, e.lo, 1.0, e.hi);
  return {1.0 + d.value, d.grad};
}

// The normsys factor alone (no derivative): the same value as normsys_factor().value.
inline double normsys_value(InterpCode code, double alpha, const NormSysEntry& e) {
  if (code == InterpCode::code4 && alpha > -1 && alpha < 1) return code4_inner_value(e.c4, alpha);
  return normsys_factor(code, alpha, e).value;
}

// The histosys delta added to bin i of a block, for entry-bin t, at alpha.
inline ValueGrad histosys_delta(const ModelData& d, double alpha, std::size_t i, std::size_t t) {
  const double nom = d.nominal[i];
  const InterpCode code = d.histosys_code;
  if (code == InterpCode::code4p) return code4p_delta(alpha, d.histo_down[t], nom, d.histo_up[t]);
  if (is_multiplicative(code)) {
    const ValueGrad f = multiplicative_factor(code, alpha, d.histo_down[t] / nom, d.histo_up[t] / nom, &d.histo_c4[t]);
    return {nom * (f.value - 1.0), nom * f.grad};
  }
  return additive_delta(code, alpha, d.histo_down[t], nom, d.histo_up[t]);
}

}  // namespace hfx::detail
