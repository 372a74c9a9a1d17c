// The fit every diagnostic starts from, and the refits around it.
#pragma once

#include "hfx/errors.hpp"
#include "hfx/fit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <utility>
#include <string_view>

namespace hfx::detail {

// fit(), or FailedMinimization "the WHAT did not converge (status: message)".
inline FitResult converged_fit(const Model& model, std::span<const double> data, const FitProblem& problem,
                               const FitOptions& options, std::string_view what) {
  FitResult r = fit(model, data, problem, options);
  if (!r.converged())
    throw FailedMinimization(fmt::format("the {} did not converge ({}: {})", what, to_string(r.status), r.message));
  return r;
}

// A fit with one parameter moved from `start` (the free fit): warm-started from it, and
// from problem.init when that does not converge, since moving one parameter can put the
// warm start where a rate is negative (as with a negative POI).
inline FitResult refit(const Model& model, std::span<const double> data, const FitProblem& problem,
                       const FitOptions& options, std::span<const double> start) {
  FitResult r = fit(model, data, problem, options, start);
  return r.converged() ? r : fit(model, data, problem, options);
}

// The values a profile scan of parameter p covers: [lo, hi], a NaN end replaced by the
// best fit +- 3 uncertainties within the parameter's bounds (cabinetry's default range).
// Throws InvalidPdfParameters unless lo < hi and there are at least 2 points.
inline std::pair<double, double> scan_range(const FitProblem& problem, const FitResult& best, std::size_t p, const std::string& name,
                                            double lo, double hi, std::size_t points) {
  const auto [bound_lo, bound_hi] = problem.bounds[p];
  if (std::isnan(lo)) lo = std::max(bound_lo, best.x[p] - 3 * best.uncertainties[p]);
  if (std::isnan(hi)) hi = std::min(bound_hi, best.x[p] + 3 * best.uncertainties[p]);
  if (!(lo < hi) || points < 2)
    throw InvalidPdfParameters(
        fmt::format("profile of '{}': expected low < high and at least 2 points, got [{}, {}] and {}", name, lo, hi, points));
  return {lo, hi};
}

}  // namespace hfx::detail
