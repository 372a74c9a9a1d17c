// Profile-likelihood test statistics with pyhf's clipping conventions.
#include "hfx/errors.hpp"
#include "hfx/infer.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hfx {

TestStatistic test_statistic_from_string(std::string_view s) {
  if (s == "q0") return TestStatistic::q0;
  if (s == "q" || s == "qmu") return TestStatistic::q;
  if (s == "qtilde" || s == "qmu_tilde") return TestStatistic::qtilde;
  if (s == "t" || s == "tmu") return TestStatistic::t;
  if (s == "ttilde" || s == "tmu_tilde") return TestStatistic::ttilde;
  throw Unsupported(fmt::format("unknown test statistic '{}' (expected q0, q, qtilde, t or ttilde)", s));
}

std::string_view to_string(TestStatistic t) {
  switch (t) {
    case TestStatistic::q0: return "q0";
    case TestStatistic::q: return "q";
    case TestStatistic::qtilde: return "qtilde";
    case TestStatistic::t: return "t";
    case TestStatistic::ttilde: return "ttilde";
  }
  return "?";
}

namespace detail {

// Test statistic from a free and a conditional fit (both already made).
double test_statistic_value(TestStatistic ts, double mu, double muhat, double nll_fixed, double nll_free) {
  const double tmu = std::max(0.0, 2.0 * (nll_fixed - nll_free));
  switch (ts) {
    case TestStatistic::q0: return muhat < mu ? 0.0 : tmu;
    case TestStatistic::q:
    case TestStatistic::qtilde: return muhat > mu ? 0.0 : tmu;
    case TestStatistic::t:
    case TestStatistic::ttilde: return tmu;
  }
  return tmu;
}

}  // namespace detail

TestStatResult test_statistic(TestStatistic ts, double mu, const Model& model, std::span<const double> data,
                              const FitProblem& problem, const FitOptions& options) {
  if (!model.poi_index()) throw UnspecifiedPOI("test statistics need a model with a parameter of interest");
  const std::size_t poi = *model.poi_index();
  Evaluator ev(model, Evaluator::Arithmetic::stable);
  ev.set_data(data);
  TestStatResult r;
  r.free_fit = minimize(ev, problem, options);
  const FitProblem fixed = problem.with_fixed(poi, mu);
  r.fixed_fit = minimize(ev, fixed, options);
  r.value = detail::test_statistic_value(ts, mu, r.free_fit.x[poi], r.fixed_fit.nll, r.free_fit.nll);
  return r;
}

}  // namespace hfx
