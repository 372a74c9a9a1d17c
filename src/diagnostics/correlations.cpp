// The post-fit correlation matrix, pruned to the parameters that are correlated.
#include "hfx/diagnostics.hpp"
#include "converged_fit.hpp"

#include <cmath>

namespace hfx {

Correlations correlations(const Model& model, std::span<const double> data, const FitProblem& problem, double min_abs,
                          const FitOptions& options) {
  FitOptions o = options;
  o.uncertainties = o.correlations = true;
  Correlations c;
  c.fit = detail::converged_fit(model, data, problem, o, "fit");
  const std::size_t n = model.npars();
  const auto rho = [&](std::size_t i, std::size_t j) { return c.fit.correlations[i * n + j]; };
  for (std::size_t i = 0; i < n; ++i) {
    if (problem.fixed[i]) continue;
    bool keep = min_abs <= 0;
    for (std::size_t j = 0; j < n && !keep; ++j) keep = j != i && !problem.fixed[j] && std::abs(rho(i, j)) >= min_abs;
    if (keep) c.indices.push_back(i);
  }
  for (std::size_t i : c.indices) {
    c.names.push_back(model.par_names()[i]);
    for (std::size_t j : c.indices) c.matrix.push_back(rho(i, j));
  }
  return c;
}

}  // namespace hfx
