// Profile likelihood scans of two parameters on a grid, and their confidence contours.
#include "converged_fit.hpp"
#include "hfx/contour.hpp"
#include "hfx/diagnostics.hpp"
#include "hfx/errors.hpp"

#include <fmt/format.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <limits>
#include <tuple>

namespace hfx {

ProfileScan2D profile_scan_2d(const Model& model, std::span<const double> data, const FitProblem& problem,
                              std::array<std::size_t, 2> parameters, std::array<double, 2> lo, std::array<double, 2> hi,
                              std::array<std::size_t, 2> points, const FitOptions& options, unsigned threads) {
  for (const std::size_t p : parameters)
    if (p >= model.npars()) throw InvalidModel(fmt::format("profile: no parameter {} in the model", p));
  if (parameters[0] == parameters[1])
    throw InvalidPdfParameters(fmt::format("profile: '{}' given twice; a 2-D scan needs two parameters", model.par_names()[parameters[0]]));
  ProfileScan2D s;
  FitOptions with_unc = options;
  with_unc.uncertainties = true;
  with_unc.correlations = false;
  FitProblem free = problem;
  for (const std::size_t p : parameters) free.fixed[p] = false;
  s.best = detail::converged_fit(model, data, free, with_unc, "free fit");
  std::array<std::vector<double>*, 2> axes{&s.x, &s.y};
  for (int a = 0; a < 2; ++a) {
    const std::size_t p = parameters[a];
    s.parameters[a] = model.par_names()[p];
    s.index[a] = p;
    std::tie(lo[a], hi[a]) = detail::scan_range(problem, s.best, p, s.parameters[a], lo[a], hi[a], points[a]);
    for (std::size_t i = 0; i < points[a]; ++i)
      axes[a]->push_back(lo[a] + (hi[a] - lo[a]) * static_cast<double>(i) / static_cast<double>(points[a] - 1));
  }
  const std::size_t nx = points[0], ny = points[1];
  s.delta_twice_nll.assign(nx * ny, std::numeric_limits<double>::quiet_NaN());
  std::vector<std::string> row_problems(ny);
  FitOptions refit = options;
  refit.uncertainties = refit.correlations = false;
  // One row of fixed y per task; along it each fit starts where the previous one ended.
  const auto row = [&](std::size_t j) {
    std::vector<double> start = s.best.x;
    for (std::size_t i = 0; i < nx; ++i) {
      const FitProblem fixed = free.with_fixed(parameters[0], s.x[i]).with_fixed(parameters[1], s.y[j]);
      const FitResult f = detail::refit(model, data, fixed, refit, start);
      if (!f.converged()) {
        if (row_problems[j].empty())
          row_problems[j] = fmt::format("the fit at ({}, {}) did not converge ({})", s.x[i], s.y[j], to_string(f.status));
        continue;
      }
      s.delta_twice_nll[j * nx + i] = std::max(0.0, f.twice_nll() - s.best.twice_nll());
      start = f.x;
    }
  };
  tbb::task_arena arena(threads ? static_cast<int>(threads) : tbb::info::default_concurrency());
  arena.execute([&] { tbb::parallel_for(std::size_t{0}, ny, row); });
  for (std::string& p : row_problems)
    if (!p.empty()) s.problems.push_back(std::move(p));
  // chi-square quantiles for two degrees of freedom: -2 ln(1 - CL)
  for (const double cl : {0.682689492137086, 0.95}) {
    const double level = -2 * std::log1p(-cl);
    s.contours.push_back(ProfileContour{level, cl, grid_level_lines(s.x, s.y, s.delta_twice_nll, level)});
  }
  return s;
}

}  // namespace hfx
