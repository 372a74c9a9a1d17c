// Pulls of the fitted parameters against their constraints (cabinetry's pull plot data).
#include "hfx/diagnostics.hpp"
#include "converged_fit.hpp"

#include <cmath>
#include <limits>

namespace hfx {

std::vector<double> prefit_uncertainties(const Model& model, const FitProblem& problem) {
  std::vector<double> out(model.npars(), 0.0);
  for (const auto& p : model.parameter_sets()) {
    for (std::size_t i = 0; i < p.size; ++i) {
      const std::size_t k = p.offset + i;
      if (problem.fixed[k]) continue;
      if (p.constraint == ConstraintType::normal) out[k] = p.sigmas[i];
      else if (p.constraint == ConstraintType::poisson) out[k] = 1.0 / std::sqrt(p.factors[i]);
    }
  }
  return out;
}

PullsResult pulls(const Model& model, std::span<const double> data, const FitProblem& problem,
                  const FitOptions& options) {
  FitOptions o = options;
  o.uncertainties = true;
  PullsResult r;
  r.fit = detail::converged_fit(model, data, problem, o, "fit");
  const std::vector<double> widths = prefit_uncertainties(model, problem);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const auto& p : model.parameter_sets()) {
    for (std::size_t i = 0; i < p.size; ++i) {
      const std::size_t k = p.offset + i;
      PullEntry e;
      e.name = model.par_names()[k];
      e.constrained = p.constraint != ConstraintType::unconstrained;
      e.fixed = problem.fixed[k];
      e.prefit = problem.init[k];
      e.prefit_uncertainty = widths[k];
      e.bestfit = r.fit.x[k];
      e.uncertainty = r.fit.uncertainties[k];
      const bool pulled = e.constrained && !e.fixed && widths[k] > 0;
      e.pull = pulled ? (e.bestfit - e.prefit) / widths[k] : nan;
      e.constraint = pulled ? e.uncertainty / widths[k] : nan;
      r.parameters.push_back(std::move(e));
    }
  }
  return r;
}

}  // namespace hfx
