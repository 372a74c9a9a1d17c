// Interpolation codes for normsys and histosys modifiers.
//
// Formulas: CERN-OPEN-2012-016 (HistFactory), with pyhf's conventions for the branch
// points (pyhf/interpolators): code0 piecewise linear, code1 piecewise exponential,
// code2 quadratic inside |alpha| <= 1 with linear extrapolation, code4 6th-order
// polynomial inside |alpha| < 1 with exponential extrapolation, code4p 6th-order
// polynomial inside |alpha| <= 1 with linear extrapolation.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace hfx {

enum class InterpCode { code0, code1, code2, code4, code4p };

// Parses "code0", "0", "code4p", "4p", ... Throws InvalidInterpCode.
InterpCode interp_code_from_string(std::string_view s);
std::string_view to_string(InterpCode code);
// code1 and code4 interpolate a multiplicative factor; the others an additive delta.
constexpr bool is_multiplicative(InterpCode c) { return c == InterpCode::code1 || c == InterpCode::code4; }

// A value and its derivative with respect to alpha.
struct ValueGrad {
  double value;
  double grad;
};

// Additive codes (0, 2, 4p): the delta added to `nom` at `alpha`, given the variations
// `down` (alpha = -1) and `up` (alpha = +1).
ValueGrad additive_delta(InterpCode code, double alpha, double down, double nom, double up);

// Coefficients of code4's polynomial, precomputed once per (down, up) ratio pair.
struct Code4Coefficients {
  std::array<double, 6> a{};  // alpha^1 .. alpha^6
  double log_up = 0, log_down = 0;
  double up = 1, down = 1;
};
Code4Coefficients code4_coefficients(double down_ratio, double up_ratio);

// Multiplicative codes (1, 4): the factor at `alpha` given the ratios down/nom and up/nom.
// For code4 pass the precomputed coefficients (ignored for code1).
ValueGrad multiplicative_factor(InterpCode code, double alpha, double down_ratio, double up_ratio,
                                const Code4Coefficients* c4);

}  // namespace hfx
