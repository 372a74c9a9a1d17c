// profile_signal_yields: many signal hypotheses, two fits each, in parallel.
#include "hfx/reinterpret.hpp"

#include "hfx/errors.hpp"
#include "hfx/evaluator.hpp"

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <limits>

namespace hfx {

std::vector<SignalYieldsPoint> profile_signal_yields(const Model& model, std::span<const double> data,
                                                     const FitProblem& problem, std::span<const std::size_t> yield_pars,
                                                     std::span<const double> signals, const SignalYieldsOptions& options) {
  const auto poi = model.poi_index();
  if (!poi) throw InvalidPdfParameters("signal yields: the model has no parameter of interest");
  const std::size_t n = yield_pars.size();
  if (n == 0) throw InvalidPdfParameters("signal yields: no yield parameters");
  for (const std::size_t p : yield_pars)
    if (p >= model.npars() || !problem.fixed[p])
      throw InvalidPdfParameters(fmt::format("signal yields: parameter {} is not a fixed parameter of the model", p));
  if (signals.size() % n != 0)
    throw InvalidPdfParameters(fmt::format("signal yields: {} values are not whole rows of {} yields", signals.size(), n));
  const std::size_t K = signals.size() / n;
  std::vector<SignalYieldsPoint> out(K);
  FitOptions fit = options.fit;
  fit.uncertainties = fit.correlations = false;
  const double nan = std::numeric_limits<double>::quiet_NaN();

  const auto chunk = [&](const tbb::blocked_range<std::size_t>& range) {
    Evaluator ev(model, Evaluator::Arithmetic::stable);
    ev.set_data(data);
    FitProblem free = problem, cond = problem.with_fixed(*poi, options.poi_value);
    std::vector<double> free_start, cond_start, grad(options.gradients ? model.npars() : 0);
    for (std::size_t k = range.begin(); k < range.end(); ++k) {
      const double* s = signals.data() + k * n;
      for (std::size_t j = 0; j < n; ++j) free.init[yield_pars[j]] = cond.init[yield_pars[j]] = s[j];
      for (auto* start : {&free_start, &cond_start})
        for (std::size_t j = 0; j < n && !start->empty(); ++j) (*start)[yield_pars[j]] = s[j];
      SignalYieldsPoint& r = out[k];
      const FitResult f = minimize(ev, free, fit, free_start);
      const FitResult c = minimize(ev, cond, fit, cond_start);
      if (!f.converged() || !c.converged()) {
        r.status = f.converged() ? c.status : f.status;
        r.q = r.mu_hat = r.nll_conditional = r.nll_free = nan;
        if (options.gradients) r.gradient.assign(n, nan);
        continue;
      }
      free_start = f.x;
      cond_start = c.x;
      r.mu_hat = f.x[*poi];
      r.nll_free = f.nll;
      r.nll_conditional = c.nll;
      // The conditional fit's mu is the free fit's possible value: q >= 0 up to rounding.
      r.q = std::max(0.0, 2 * (c.nll - f.nll));
      if (options.gradients) {
        r.gradient.assign(n, 0.0);
        ev.nll_and_grad(c.x, grad);
        for (std::size_t j = 0; j < n; ++j) r.gradient[j] = 2 * grad[yield_pars[j]];
        ev.nll_and_grad(f.x, grad);
        for (std::size_t j = 0; j < n; ++j) r.gradient[j] -= 2 * grad[yield_pars[j]];
      }
    }
  };
  tbb::task_arena arena(options.threads ? static_cast<int>(options.threads) : tbb::info::default_concurrency());
  // Chunks of consecutive hypotheses: warm starts follow a grid's neighbours.
  const std::size_t grain = std::max<std::size_t>(1, K / (8 * static_cast<std::size_t>(arena.max_concurrency())));
  arena.execute([&] { tbb::parallel_for(tbb::blocked_range<std::size_t>(0, K, grain), chunk); });
  return out;
}

}  // namespace hfx
