// Profile likelihood scans of one parameter, and the intervals read off them.
#include "hfx/diagnostics.hpp"
#include "converged_fit.hpp"
#include "hfx/errors.hpp"

#include <boost/math/tools/roots.hpp>
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <tuple>

namespace hfx {
namespace {

struct Profile {
  const Model& model;
  std::span<const double> data;
  const FitProblem& problem;
  const FitOptions& options;
  std::size_t parameter;
  const FitResult& best;
  std::string last_problem;

  // -2 Delta log L at value, NaN when its fit does not converge.
  double operator()(double value) {
    const FitResult f = detail::refit(model, data, problem.with_fixed(parameter, value), options, best.x);
    if (!f.converged()) {
      last_problem = fmt::format("the fit at {} did not converge ({})", value, to_string(f.status));
      return std::numeric_limits<double>::quiet_NaN();
    }
    return std::max(0.0, f.twice_nll() - best.twice_nll());
  }
};

// The end of the interval on one side of the best fit: the value between `inside` (below
// the level) and `outside` where the profile crosses `level`.
double crossing(Profile& profile, double level, double inside, double outside, double f_outside) {
  const auto g = [&](double x) { return profile(x) - level; };
  boost::uintmax_t max_iter = 100;
  const auto tol = boost::math::tools::eps_tolerance<double>(40);
  const bool rising = inside < outside;  // toms748 wants the bracket in increasing order
  const auto [a, b] = rising ? boost::math::tools::toms748_solve(g, inside, outside, -level, f_outside - level, tol, max_iter)
                             : boost::math::tools::toms748_solve(g, outside, inside, f_outside - level, -level, tol, max_iter);
  return (a + b) / 2;
}

}  // namespace

ProfileScan profile_scan(const Model& model, std::span<const double> data, const FitProblem& problem,
                         std::size_t parameter, double lo, double hi, std::size_t points, const FitOptions& options) {
  if (parameter >= model.npars()) throw InvalidModel(fmt::format("profile: no parameter {} in the model", parameter));
  FitOptions with_unc = options;
  with_unc.uncertainties = true;
  with_unc.correlations = false;
  ProfileScan s;
  s.parameter = model.par_names()[parameter];
  FitProblem free = problem;
  free.fixed[parameter] = false;
  s.best = detail::converged_fit(model, data, free, with_unc, "free fit");
  std::tie(lo, hi) = detail::scan_range(problem, s.best, parameter, s.parameter, lo, hi, points);
  FitOptions refit = options;
  refit.uncertainties = refit.correlations = false;
  Profile profile{model, data, free, refit, parameter, s.best, {}};
  for (std::size_t i = 0; i < points; ++i) {
    const double x = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(points - 1);
    s.values.push_back(x);
    profile.last_problem.clear();
    s.delta_twice_nll.push_back(profile(x));
    if (!profile.last_problem.empty()) s.problems.push_back(profile.last_problem);
  }
  const double xhat = s.best.x[parameter];
  for (const auto& level_cl : {std::pair{1.0, 0.682689492137086}, std::pair{3.841458820694124, 0.95}}) {
    const double level = level_cl.first, cl = level_cl.second;  // captured below: no structured binding
    ProfileInterval iv;
    iv.level = level;
    iv.cl = cl;
    // each side: the nearest scanned value beyond the level brackets the crossing
    const auto side = [&](int direction, double& end, bool& open) {
      double inside = xhat;
      for (std::size_t n = 0; n < points; ++n) {
        const std::size_t i = direction > 0 ? n : points - 1 - n;
        const double x = s.values[i], d = s.delta_twice_nll[i];
        if ((x - xhat) * direction <= 0) continue;
        if (!std::isfinite(d)) {
          // No fit at x (often: the model ends there, a rate below zero). The profile can
          // still cross the level before that: bisect towards x while it is defined, to a
          // millionth of the range; no crossing there leaves this end open.
          double a = inside, b = x;
          while (std::abs(b - a) > 1e-6 * (hi - lo)) {
            const double m = (a + b) / 2, v = profile(m);
            if (!std::isfinite(v)) {
              b = m;
            } else if (v >= level) {
              end = crossing(profile, level, a, m, v);
              return;
            } else {
              a = m;
            }
          }
          break;
        }
        if (d < level) {
          inside = x;
          continue;
        }
        end = crossing(profile, level, inside, x, d);
        return;
      }
      open = true;
      end = std::numeric_limits<double>::quiet_NaN();
    };
    side(-1, iv.low, iv.low_open);
    side(+1, iv.high, iv.high_open);
    s.intervals.push_back(iv);
  }
  return s;
}

}  // namespace hfx
