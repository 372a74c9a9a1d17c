// Upper limits on the POI: TOMS748 root finding of CLs(mu) = level, or a scan.
#include "hfx/errors.hpp"
#include "hfx/infer.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/tools/roots.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace hfx {

namespace {

// Finds a root of the increasing function f starting from a guess: steps out
// geometrically until the sign changes, then TOMS748. lo bounds the search from below.
template <class F>
double root_from_guess(F&& f, double guess, double lo, double rtol) {
  // A tight bracket around the guess first (the functions here are nearly linear in mu),
  // widened geometrically until the sign changes.
  if (!std::isfinite(guess)) return std::nan("");
  double delta = 0.03;
  double a = std::max(lo, guess * (1 - delta)), b = std::max(a + 1e-9, guess * (1 + delta));
  double fa = f(a), fb = f(b);
  for (int i = 0; i < 60 && fa > 0 && a > lo; ++i) {  // move down
    b = a;
    fb = fa;
    delta *= 2;
    a = std::max(lo, a * (1 - std::min(delta, 0.5)) - 1e-9);
    fa = f(a);
  }
  for (int i = 0; i < 60 && fb < 0; ++i) {  // move up, while mu stays a number
    const double next = b * (1 + 2 * delta) + 1e-6;
    if (!(next < 1e300)) return std::nan("");
    a = b;
    fa = fb;
    delta *= 2;
    b = next;
    fb = f(b);
  }
  if (!(fa <= 0 && fb >= 0)) return std::nan("");
  if (fa == 0) return a;
  if (fb == 0) return b;
  boost::uintmax_t max_iter = 100;
  auto tol = [rtol](double x, double y) { return std::abs(y - x) <= rtol * std::max(std::abs(x), std::abs(y)); };
  // A NaN inside the bracket (a fit that failed there, or an infinite statistic that
  // makes the next point NaN) stops the search: no root.
  struct NotANumber {};
  const auto checked = [&f](double x) {
    if (!std::isfinite(x)) throw NotANumber{};
    const double v = f(x);
    if (std::isnan(v)) throw NotANumber{};
    return v;
  };
  try {
    const auto [x, y] = boost::math::tools::toms748_solve(checked, a, b, fa, fb, tol, max_iter);
    return 0.5 * (x + y);
  } catch (const NotANumber&) {
    return std::nan("");
  }
}

}  // namespace

UpperLimitResult upper_limit(const Model& model, std::span<const double> data, double level, TestStatistic ts,
                             double rtol, const FitOptions& options) {
  detail::require_free_poi(model, FitProblem::from_model(model));
  if (!(level > 0 && level < 1)) throw Unsupported(fmt::format("the CLs level must lie between 0 and 1, got {}", level));
  if (!(rtol > 0 && rtol < 1)) throw Unsupported(fmt::format("the relative tolerance must lie between 0 and 1, got {}", rtol));
  if (ts == TestStatistic::q0) throw Unsupported("upper limits need the q or qtilde test statistic");
  const auto [poi_lo, poi_hi] = model.suggested_bounds()[*model.poi_index()];
  AsymptoticCalculator calc(model, std::vector<double>(data.begin(), data.end()), ts, FitProblem::from_model(model),
                            options);
  UpperLimitResult out;
  const double lo = std::max(0.0, poi_lo);
  // A first Asimov point gives the scale: sqrt(q_mu,A) ~ mu / sigma_mu.
  double mu0 = std::clamp(1.0, lo + 1e-3 * (poi_hi - lo), poi_hi);
  double s0 = calc.sqrt_qmu_asimov(mu0);
  for (int i = 0; i < 40 && !(s0 > 1e-6); ++i) s0 = calc.sqrt_qmu_asimov(mu0 *= 4);
  if (!(s0 > 1e-6)) throw FailedMinimization("the Asimov test statistic stays zero: the model has no sensitivity to the POI");
  const double sigma = (mu0 - lo) / s0;
  // Expected limits: CLs_k = Phi(-(n_k + a)) / Phi(-n_k) = level  <=>  a = a_k.
  const boost::math::normal unit;
  const double sig[5] = {2, 1, 0, -1, -2};
  for (int k = 0; k < 5; ++k) {
    const double a_k = -boost::math::quantile(unit, level * boost::math::cdf(unit, -sig[k])) - sig[k];
    out.expected[k] = root_from_guess([&](double mu) { return calc.sqrt_qmu_asimov(mu) - a_k; },
                                      lo + a_k * sigma, lo, rtol);
  }
  // Observed: CLs(mu) decreases through the level; start from the median expected limit.
  out.observed = root_from_guess(
      [&](double mu) {
        const double cls = calc.observed_cls(mu);
        out.scan.emplace_back(mu, cls);
        return level - cls;
      },
      std::isfinite(out.expected[2]) ? out.expected[2] : mu0, lo, rtol);
  std::sort(out.scan.begin(), out.scan.end());
  out.scan.erase(std::unique(out.scan.begin(), out.scan.end()), out.scan.end());
  out.hypotests = calc.fits_performed();
  out.poi_upper_bound = poi_hi;
  out.fit_problems = calc.fit_problems();
  return out;
}

std::string UpperLimitResult::problem(double limit, double level) const {
  if (std::isnan(limit))
    return from_scan ? "outside the scanned range: CLs does not cross the level there"
                     : "not found: CLs does not cross the level";
  if (above_bound(limit))
    return fmt::format("above the POI's upper bound {}: CLs stays above {} up to the bound", poi_upper_bound, level);
  return "";
}

UpperLimitResult upper_limit_scan(const Model& model, std::span<const double> data, std::span<const double> mus,
                                  double level, TestStatistic ts, const FitOptions& options) {
  if (mus.size() < 2) throw Unsupported("an upper-limit scan needs at least two POI values");
  if (!(level > 0 && level < 1)) throw Unsupported(fmt::format("the CLs level must lie between 0 and 1, got {}", level));
  for (double mu : mus) detail::require_finite_poi_value(mu);
  std::vector<double> grid(mus.begin(), mus.end());
  std::sort(grid.begin(), grid.end());
  AsymptoticCalculator calc(model, std::vector<double>(data.begin(), data.end()), ts, FitProblem::from_model(model),
                            options);
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
  out.poi_upper_bound = model.suggested_bounds()[*model.poi_index()].second;
  out.from_scan = true;
  out.fit_problems = calc.fit_problems();
  return out;
}

}  // namespace hfx
