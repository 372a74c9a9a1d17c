// Profile-likelihood test statistics with pyhf's clipping conventions.
#include "hfx/errors.hpp"
#include "hfx/infer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

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
  // The free minimum lies on the tested POI value (e.g. both at the POI's bound): both fits
  // solve one problem and their difference is rounding, which sqrt(q) would magnify.
  if (muhat == mu) return 0.0;
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

namespace detail {

std::size_t require_free_poi(const Model& model, const FitProblem& problem) {
  if (!model.poi_index()) throw UnspecifiedPOI("hypothesis tests need a model with a parameter of interest");
  const std::size_t poi = *model.poi_index();
  const auto [lo, hi] = problem.bounds.at(poi);
  const std::string& name = model.par_names().at(poi);
  if (problem.fixed.at(poi))
    throw InvalidModel(fmt::format("the POI '{}' is fixed (at {}); hypothesis tests and limits need a free POI", name,
                                   problem.init.at(poi)));
  if (!(lo < hi))
    throw InvalidModel(fmt::format("the POI '{}' has bounds [{}, {}]; hypothesis tests and limits need a POI that can move",
                                   name, lo, hi));
  return poi;
}

void require_valid_expected(const Model& model, std::span<const double> pars, std::string_view what) {
  const std::vector<double> expected = model.expected_actualdata(pars);
  std::size_t g = 0;
  for (std::size_t c = 0; c < model.channels().size(); ++c)
    for (std::size_t j = 0; j < model.channel_nbins()[c]; ++j, ++g)
      if (!(expected[g] >= 0) || !std::isfinite(expected[g]))
        throw InvalidModel(fmt::format("the expected rate at {} is {} in channel '{}' bin {}: no counts can be generated "
                                       "there (a sample with negative yields, or a modifier out of range?)",
                                       what, std::isfinite(expected[g]) ? fmt::format("{}", expected[g]) : "not a finite number",
                                       model.channels()[c], j));
}

void require_finite_poi_value(double mu) {
  if (!std::isfinite(mu)) throw InvalidPdfParameters(fmt::format("the tested POI value must be finite, got {}", mu));
}

}  // namespace detail

TestStatResult test_statistic(TestStatistic ts, double mu, const Model& model, std::span<const double> data,
                              const FitProblem& problem, const FitOptions& options) {
  detail::require_finite_poi_value(mu);
  const std::size_t poi = detail::require_free_poi(model, problem);
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
