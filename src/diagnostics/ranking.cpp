// Impacts of the nuisance parameters on the POI (cabinetry's ranking): four refits per
// parameter with it fixed at its best fit shifted by its pre- and post-fit uncertainty.
#include "hfx/diagnostics.hpp"
#include "converged_fit.hpp"
#include "hfx/errors.hpp"

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hfx {

double ImpactEntry::max_postfit_impact() const { return std::max(std::abs(postfit_up), std::abs(postfit_down)); }

RankingResult ranking(const Model& model, std::span<const double> data, const FitProblem& problem,
                      const FitOptions& options, unsigned threads) {
  if (!model.poi_index()) throw UnspecifiedPOI("a ranking of impacts on the POI needs a model with a POI");
  const std::size_t poi = *model.poi_index();
  FitOptions with_unc = options;
  with_unc.uncertainties = true;
  with_unc.correlations = false;
  RankingResult r;
  r.poi = model.par_names()[poi];
  r.nominal = detail::converged_fit(model, data, problem, with_unc, "nominal fit");
  const std::vector<double> widths = prefit_uncertainties(model, problem);
  FitOptions refit_options = options;
  refit_options.uncertainties = false;
  refit_options.correlations = false;

  std::vector<std::size_t> ranked;
  for (std::size_t k = 0; k < model.npars(); ++k)
    if (k != poi && !problem.fixed[k]) ranked.push_back(k);
  r.impacts.resize(ranked.size());
  const double nominal_poi = r.nominal.x[poi];
  const auto one = [&](std::size_t j) {
    const std::size_t k = ranked[j];
    ImpactEntry& e = r.impacts[j];
    e.name = model.par_names()[k];
    e.prefit = problem.init[k];
    e.bestfit = r.nominal.x[k];
    e.uncertainty = r.nominal.uncertainties[k];
    e.prefit_uncertainty = widths[k];
    const double lo = problem.bounds[k].first, hi = problem.bounds[k].second;
    const auto impact = [&](double shift, const char* which) {
      if (shift == 0 || !std::isfinite(shift)) return std::isfinite(shift) ? 0.0 : std::numeric_limits<double>::quiet_NaN();
      const double value = std::clamp(e.bestfit + shift, lo, hi);
      if (value == e.bestfit) return 0.0;
      const FitResult f = detail::refit(model, data, problem.with_fixed(k, value), refit_options, r.nominal.x);
      if (!f.converged()) {
        if (!e.problem.empty()) e.problem += "; ";
        e.problem += fmt::format("{} refit: {}", which, to_string(f.status));
        return std::numeric_limits<double>::quiet_NaN();
      }
      return f.x[poi] - nominal_poi;
    };
    e.prefit_up = impact(widths[k], "pre-fit up");
    e.prefit_down = impact(-widths[k], "pre-fit down");
    e.postfit_up = impact(e.uncertainty, "post-fit up");
    e.postfit_down = impact(-e.uncertainty, "post-fit down");
  };
  tbb::task_arena arena(threads ? static_cast<int>(threads) : tbb::info::default_concurrency());
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, ranked.size()), [&](const tbb::blocked_range<std::size_t>& range) {
      for (std::size_t j = range.begin(); j != range.end(); ++j) one(j);
    });
  });
  // NaN impacts (failed refits) last; ties keep the parameter order.
  std::stable_sort(r.impacts.begin(), r.impacts.end(), [](const ImpactEntry& a, const ImpactEntry& b) {
    const double x = a.max_postfit_impact(), y = b.max_postfit_impact();
    if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
    return x > y;
  });
  return r;
}

}  // namespace hfx
