// The fit every diagnostic starts from.
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

}  // namespace hfx::detail
