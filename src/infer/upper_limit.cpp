// Upper limits on the POI: TOMS748 root finding of CLs(mu) = level, or a scan.
#include "hfx/errors.hpp"
#include "hfx/infer.hpp"

#include <boost/math/tools/roots.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace hfx {

namespace {

// Finds mu in [lo, hi] with f(mu) = level for a decreasing f, by TOMS748.
template <class F>
double solve(F&& f, double lo, double hi, double flo, double fhi, double level, double rtol) {
  if (flo == level) return lo;
  if (fhi == level) return hi;
  auto g = [&](double mu) { return f(mu) - level; };
  boost::uintmax_t max_iter = 100;
  auto tol = [rtol](double a, double b) { return std::abs(b - a) <= rtol * std::max(std::abs(a), std::abs(b)); };
  const auto [a, b] = boost::math::tools::toms748_solve(g, lo, hi, flo - level, fhi - level, tol, max_iter);
  return 0.5 * (a + b);
}

}  // namespace

UpperLimitResult upper_limit(const Model& model, std::span<const double> data, double level, TestStatistic ts,
                             double rtol) {
  if (!model.poi_index()) throw UnspecifiedPOI("upper limits need a model with a parameter of interest");
  const auto [poi_lo, poi_hi] = model.suggested_bounds()[*model.poi_index()];
  AsymptoticCalculator calc(model, std::vector<double>(data.begin(), data.end()), ts);
  UpperLimitResult out;
  std::map<double, HypotestResult> cache;
  auto at = [&](double mu) -> const HypotestResult& {
    auto it = cache.find(mu);
    if (it != cache.end()) return it->second;
    ++out.hypotests;
    return cache.emplace(mu, calc.hypotest(mu)).first->second;
  };
  auto below = [&](const HypotestResult& h) {
    return h.cls < level || std::any_of(h.cls_expected.begin(), h.cls_expected.end(), [&](double v) { return v < level; });
  };
  auto above = [&](const HypotestResult& h) {
    return h.cls > level || std::any_of(h.cls_expected.begin(), h.cls_expected.end(), [&](double v) { return v > level; });
  };
  // Bracket as pyhf does: shrink the lower end, grow the upper end.
  double lo = poi_lo, hi = poi_hi;
  for (int i = 0; i < 60 && below(at(lo)); ++i) lo /= 2;
  for (int i = 0; i < 60 && above(at(hi)); ++i) hi *= 2;
  if (above(at(hi)) || below(at(lo)))
    throw FailedMinimization(fmt::format("could not bracket CLs = {} between mu = {} and {}", level, lo, hi));
  // For each curve, the tightest bracket among the points already evaluated.
  auto bracket_for = [&](auto value) {
    double a = lo, b = hi;
    for (const auto& [mu, h] : cache) {
      const double v = value(h);
      if (v >= level && mu > a) a = mu;
      if (v < level && mu < b) b = mu;
    }
    return std::make_pair(a, b);
  };
  {
    auto value = [](const HypotestResult& h) { return h.cls; };
    const auto [a, b] = bracket_for(value);
    out.observed = solve([&](double mu) { return at(mu).cls; }, a, b, at(a).cls, at(b).cls, level, rtol);
  }
  for (int k = 0; k < 5; ++k) {
    auto value = [k](const HypotestResult& h) { return h.cls_expected[k]; };
    const auto [a, b] = bracket_for(value);
    out.expected[k] = solve([&](double mu) { return at(mu).cls_expected[k]; }, a, b, at(a).cls_expected[k],
                            at(b).cls_expected[k], level, rtol);
  }
  for (const auto& [mu, h] : cache) out.scan.emplace_back(mu, h.cls);
  return out;
}

UpperLimitResult upper_limit_scan(const Model& model, std::span<const double> data, std::span<const double> mus,
                                  double level, TestStatistic ts) {
  if (mus.size() < 2) throw Unsupported("an upper-limit scan needs at least two POI values");
  std::vector<double> grid(mus.begin(), mus.end());
  std::sort(grid.begin(), grid.end());
  AsymptoticCalculator calc(model, std::vector<double>(data.begin(), data.end()), ts);
  std::vector<HypotestResult> res;
  for (double mu : grid) res.push_back(calc.hypotest(mu));
  UpperLimitResult out;
  out.hypotests = static_cast<int>(grid.size());
  auto crossing = [&](auto value) {
    for (std::size_t i = 1; i < grid.size(); ++i) {
      const double v0 = value(res[i - 1]), v1 = value(res[i]);
      if ((v0 - level) * (v1 - level) <= 0 && v0 != v1)
        return grid[i - 1] + (level - v0) * (grid[i] - grid[i - 1]) / (v1 - v0);
    }
    return std::nan("");
  };
  out.observed = crossing([](const HypotestResult& h) { return h.cls; });
  for (int k = 0; k < 5; ++k) out.expected[k] = crossing([k](const HypotestResult& h) { return h.cls_expected[k]; });
  for (std::size_t i = 0; i < grid.size(); ++i) out.scan.emplace_back(grid[i], res[i].cls);
  return out;
}

}  // namespace hfx
