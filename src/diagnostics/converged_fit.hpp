// The fit every diagnostic starts from, and the refits around it.
#pragma once

#include "hfx/errors.hpp"
#include "hfx/fit.hpp"

#include <fmt/format.h>

#include <span>
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

}  // namespace hfx::detail
