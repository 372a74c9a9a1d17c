// CLs observed and expected versus the POI, with the upper limits: the Brazil band.
#include "hfx/diagnostics.hpp"
#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hfx {
namespace {

// The default POI values: n from the lower bound to 1.5 times the largest finite limit.
std::vector<double> default_mus(const Model& model, const UpperLimitResult& limits, int n) {
  const auto [start, upper] = model.suggested_bounds()[*model.poi_index()];
  double largest = limits.observed;
  for (double v : limits.expected)
    if (std::isfinite(v) && !(v <= largest)) largest = v;
  double stop = std::isfinite(largest) ? std::min(upper, 1.5 * largest) : upper;
  if (!(start < stop)) stop = upper;
  std::vector<double> mus;
  for (int i = 0; i < n; ++i) mus.push_back(start + (stop - start) * i / (n - 1));
  return mus;
}

}  // namespace

BrazilBand brazil_band(const Model& model, std::span<const double> data, std::span<const double> mus, double level,
                       TestStatistic ts, const FitOptions& options) {
  if (!model.poi_index()) throw UnspecifiedPOI("a Brazil band needs a model with a POI");
  BrazilBand b;
  b.level = level;
  b.limits = upper_limit(model, data, level, ts, 1e-5, options);
  const std::vector<double> grid = mus.empty() ? default_mus(model, b.limits, 31) : std::vector<double>(mus.begin(), mus.end());
  AsymptoticCalculator calc(model, std::vector<double>(data.begin(), data.end()), ts, FitProblem::from_model(model), options);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const double mu : grid) {
    const HypotestResult h = calc.hypotest(mu);
    b.mu.push_back(mu);
    if (h.all_converged()) {
      b.cls_observed.push_back(h.cls);
      b.cls_expected.push_back(h.cls_expected);
    } else {
      b.cls_observed.push_back(nan);
      b.cls_expected.push_back(Band{nan, nan, nan, nan, nan});
      b.problems.push_back(fmt::format("mu = {}: {}", mu, h.fit_problem()));
    }
  }
  return b;
}

}  // namespace hfx
