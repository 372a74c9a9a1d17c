// Pulls and ranking (cabinetry's definitions) against the definitions recomputed here
// with plain fits from the suggested start.
#include "hfx/diagnostics.hpp"
#include "hfx/errors.hpp"
#include "hfx/infer.hpp"
#include "hfx/workspace.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hfx {
namespace {

struct Loaded {
  std::unique_ptr<Workspace> ws;
  std::unique_ptr<Model> model;
  std::vector<double> data;
};

Loaded load(const std::string& c) {
  Loaded l;
  l.ws = std::make_unique<Workspace>(Workspace::load(test::data_path("reference/" + c + "/workspace.json")));
  l.model = std::make_unique<Model>(compile(*l.ws));
  l.data = observed_data(*l.ws, *l.model);
  return l;
}

std::size_t index_of(const Model& m, const std::string& name) {
  const auto& n = m.par_names();
  return static_cast<std::size_t>(std::find(n.begin(), n.end(), name) - n.begin());
}

TEST(Ranking, ImpactsAreThePoiShiftsOfFitsWithTheParameterFixed) {
  const Loaded l = load("3L-eRJR");
  const Model& m = *l.model;
  const FitProblem problem = FitProblem::from_model(m);
  const RankingResult r = ranking(m, l.data, problem);
  const std::size_t poi = *m.poi_index();
  ASSERT_EQ(r.poi, m.par_names()[poi]);
  std::size_t free = 0;
  for (std::size_t k = 0; k < m.npars(); ++k) free += k != poi && !problem.fixed[k];
  ASSERT_EQ(r.impacts.size(), free);
  for (std::size_t j = 1; j < r.impacts.size(); ++j)
    EXPECT_GE(r.impacts[j - 1].max_postfit_impact(), r.impacts[j].max_postfit_impact()) << j;
  EXPECT_GT(r.impacts.front().max_postfit_impact(), 0.05);
  const std::vector<double> widths = prefit_uncertainties(m, problem);
  // the five largest, recomputed from cold starts
  for (std::size_t j = 0; j < 5; ++j) {
    const ImpactEntry& e = r.impacts[j];
    EXPECT_TRUE(e.problem.empty()) << e.name << ": " << e.problem;
    const std::size_t k = index_of(m, e.name);
    ASSERT_NE(k, poi);
    EXPECT_EQ(e.prefit_uncertainty, widths[k]);
    const auto shifted = [&](double shift) {
      const auto [lo, hi] = problem.bounds[k];
      const FitResult f = fit(m, l.data, problem.with_fixed(k, std::clamp(e.bestfit + shift, lo, hi)));
      EXPECT_TRUE(f.converged());
      return f.x[poi] - r.nominal.x[poi];
    };
    EXPECT_NEAR(e.postfit_up, shifted(e.uncertainty), 1e-5) << e.name;
    EXPECT_NEAR(e.postfit_down, shifted(-e.uncertainty), 1e-5) << e.name;
    if (widths[k] > 0) {
      EXPECT_NEAR(e.prefit_up, shifted(widths[k]), 1e-5) << e.name;
    } else {
      EXPECT_EQ(e.prefit_up, 0.0) << e.name;  // unconstrained: no pre-fit impact
      EXPECT_EQ(e.prefit_down, 0.0) << e.name;
    }
  }
  // the same result on one thread
  const RankingResult serial = ranking(m, l.data, problem, {}, 1);
  ASSERT_EQ(serial.impacts.size(), r.impacts.size());
  for (std::size_t j = 0; j < r.impacts.size(); ++j) {
    EXPECT_EQ(serial.impacts[j].name, r.impacts[j].name);
    EXPECT_EQ(serial.impacts[j].postfit_up, r.impacts[j].postfit_up);
  }
}

TEST(Ranking, NeedsAPoiAndLeavesFixedParametersOut) {
  Loaded l = load("3L-eRJR");
  const Model no_poi = l.model->with_poi("");
  EXPECT_THROW(ranking(no_poi, l.data, FitProblem::from_model(no_poi)), UnspecifiedPOI);
  FitProblem problem = FitProblem::from_model(*l.model);
  const std::size_t k = index_of(*l.model, "SigPDF");
  problem.fixed[k] = true;
  const RankingResult r = ranking(*l.model, l.data, problem);
  for (const auto& e : r.impacts) EXPECT_NE(e.name, "SigPDF");
}

TEST(Pulls, ConstrainedParametersArePulledInUnitsOfTheirConstraint) {
  const Loaded l = load("small/litehf-staterror-shapesys");
  const Model& m = *l.model;
  const FitProblem problem = FitProblem::from_model(m);
  const PullsResult r = pulls(m, l.data, problem);
  ASSERT_EQ(r.parameters.size(), m.npars());
  FitOptions o;
  o.uncertainties = true;
  const FitResult f = fit(m, l.data, problem, o);
  std::size_t normal = 0, poisson = 0;
  for (const auto& p : m.parameter_sets()) {
    for (std::size_t i = 0; i < p.size; ++i) {
      const std::size_t k = p.offset + i;
      const PullEntry& e = r.parameters[k];
      EXPECT_EQ(e.name, m.par_names()[k]);
      EXPECT_NEAR(e.bestfit, f.x[k], 1e-9);
      double width = 0;
      if (p.constraint == ConstraintType::normal) width = p.sigmas[i], ++normal;
      if (p.constraint == ConstraintType::poisson) width = 1 / std::sqrt(p.factors[i]), ++poisson;
      if (width > 0 && !problem.fixed[k]) {
        EXPECT_DOUBLE_EQ(e.prefit_uncertainty, width);
        EXPECT_NEAR(e.pull, (f.x[k] - problem.init[k]) / width, 1e-7) << e.name;
        EXPECT_NEAR(e.constraint, f.uncertainties[k] / width, 1e-7) << e.name;
      } else {
        EXPECT_TRUE(std::isnan(e.pull)) << e.name;
      }
    }
  }
  EXPECT_GT(normal, 0u);
  EXPECT_GT(poisson, 0u);
}

TEST(Profile, ScanPointsAndIntervalEndsAreFixedFits) {
  const Loaded l = load("3L-eRJR");
  const Model& m = *l.model;
  const FitProblem problem = FitProblem::from_model(m);
  const std::size_t poi = *m.poi_index();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const ProfileScan s = profile_scan(m, l.data, problem, poi, nan, nan, 9);
  const FitResult best = fit(m, l.data, problem);
  EXPECT_NEAR(s.best.twice_nll(), best.twice_nll(), 1e-8);
  ASSERT_EQ(s.values.size(), 9u);
  EXPECT_EQ(s.values.front(), 0.0);  // best fit - 3 sigma is below the POI's bound 0
  EXPECT_NEAR(s.values.back(), s.best.x[poi] + 3 * s.best.uncertainties[poi], 1e-12);
  const auto delta = [&](double x) {
    const FitResult f = fit(m, l.data, problem.with_fixed(poi, x));
    EXPECT_TRUE(f.converged());
    return f.twice_nll() - best.twice_nll();
  };
  for (std::size_t i = 0; i < s.values.size(); ++i) EXPECT_NEAR(s.delta_twice_nll[i], delta(s.values[i]), 1e-6) << i;
  ASSERT_EQ(s.intervals.size(), 2u);
  const ProfileInterval& one = s.intervals[0];
  EXPECT_FALSE(one.low_open || one.high_open);
  EXPECT_NEAR(delta(one.low), 1.0, 1e-6);
  EXPECT_NEAR(delta(one.high), 1.0, 1e-6);
  EXPECT_LT(one.low, s.best.x[poi]);
  EXPECT_GT(one.high, s.best.x[poi]);
  const ProfileInterval& two = s.intervals[1];
  EXPECT_TRUE(two.low_open);  // -2 dlnL at the bound mu = 0 stays below 3.84
  EXPECT_LT(delta(0.0), 3.84);
  EXPECT_NEAR(delta(two.high), 3.841458820694124, 1e-6);
  // a nuisance parameter with a unit Gaussian constraint and little else: about +-1 and +-1.96
  const std::size_t k = index_of(m, "SigPDF");
  const ProfileScan n = profile_scan(m, l.data, problem, k, -3, 3, 7);
  EXPECT_NEAR(n.intervals[0].high - n.intervals[0].low, 2.0, 0.05);
  EXPECT_NEAR(n.intervals[1].high - n.intervals[1].low, 3.92, 0.1);
  EXPECT_THROW(profile_scan(m, l.data, problem, k, 1, -1, 7), InvalidPdfParameters);
}

TEST(Correlations, PrunedToTheCorrelatedParameters) {
  const Loaded l = load("3L-eRJR");
  const Model& m = *l.model;
  const FitProblem problem = FitProblem::from_model(m);
  const Correlations all = correlations(m, l.data, problem, 0.0);
  std::size_t free = 0;
  for (std::size_t k = 0; k < m.npars(); ++k) free += !problem.fixed[k];
  ASSERT_EQ(all.names.size(), free);
  const Correlations c = correlations(m, l.data, problem, 0.3);
  const std::size_t n = c.names.size(), na = all.names.size();
  ASSERT_GE(n, 2u);
  ASSERT_LT(n, free);
  const auto in_all = [&](std::size_t index) {
    return static_cast<std::size_t>(std::find(all.indices.begin(), all.indices.end(), index) - all.indices.begin());
  };
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_DOUBLE_EQ(c.matrix[i * n + i], 1.0);
    double strongest = 0;
    for (std::size_t j = 0; j < na; ++j)
      if (all.indices[j] != c.indices[i]) strongest = std::max(strongest, std::abs(all.matrix[in_all(c.indices[i]) * na + j]));
    EXPECT_GE(strongest, 0.3) << c.names[i];
    for (std::size_t j = 0; j < n; ++j)
      EXPECT_EQ(c.matrix[i * n + j], all.matrix[in_all(c.indices[i]) * na + in_all(c.indices[j])]);
  }
  // a parameter left out has no |correlation| >= 0.3 with any free parameter
  for (std::size_t i = 0; i < na; ++i) {
    if (std::find(c.indices.begin(), c.indices.end(), all.indices[i]) != c.indices.end()) continue;
    for (std::size_t j = 0; j < na; ++j) {
      if (j != i) {
        EXPECT_LT(std::abs(all.matrix[i * na + j]), 0.3) << all.names[i] << " " << all.names[j];
      }
    }
  }
}

// Yields linear in two normfactors: the one-sigma variations are exact, so the standard
// deviations are the closed form, with and without their correlation.
TEST(YieldStdev, LinearYieldsGiveTheClosedForm) {
  const Workspace ws(Json::parse(R"({"channels": [
      {"name": "SR", "samples": [
        {"name": "A", "data": [10.0, 20.0], "modifiers": [{"name": "a", "type": "normfactor", "data": null}]},
        {"name": "B", "data": [30.0, 5.0], "modifiers": [{"name": "b", "type": "normfactor", "data": null}]}]},
      {"name": "CR", "samples": [{"name": "B", "data": [100.0], "modifiers": [{"name": "b", "type": "normfactor", "data": null}]}]}],
    "observations": [{"name": "SR", "data": [40, 25]}, {"name": "CR", "data": [100]}],
    "measurements": [{"name": "m", "config": {"poi": "a", "parameters": []}}], "version": "1.0.0"})"));
  const Model m = compile(ws);
  const std::size_t ia = index_of(m, "a"), ib = index_of(m, "b");
  std::vector<double> pars(2, 1.0), sigma(2);
  sigma[ia] = 0.1;
  sigma[ib] = 0.2;
  std::vector<double> rho = {1, 0.5, 0.5, 1};
  const auto samples = m.samples();
  const std::size_t sa = static_cast<std::size_t>(std::find(samples.begin(), samples.end(), "A") - samples.begin());
  const std::size_t sb = 1 - sa;
  const auto channels = m.channels();  // pyhf's order: CR before SR
  const std::size_t sr = static_cast<std::size_t>(std::find(channels.begin(), channels.end(), "SR") - channels.begin());
  const std::size_t cr = 1 - sr;
  for (const bool correlated : {false, true}) {
    const auto sd = yield_stdev(m, pars, sigma, correlated ? std::span<const double>(rho) : std::span<const double>());
    ASSERT_EQ(sd.size(), 2u);
    const double r = correlated ? 0.5 : 0.0;
    const double nA[2] = {10, 20}, nB[2] = {30, 5};
    double sum_a = 0, sum_b = 0;
    for (int bin = 0; bin < 2; ++bin) {
      EXPECT_NEAR(sd[sr].samples[sa][bin], 0.1 * nA[bin], 1e-12);
      EXPECT_NEAR(sd[sr].samples[sb][bin], 0.2 * nB[bin], 1e-12);
      const double x = 0.1 * nA[bin], y = 0.2 * nB[bin];
      EXPECT_NEAR(sd[sr].total[bin], std::sqrt(x * x + y * y + 2 * r * x * y), 1e-12);
      sum_a += x;
      sum_b += y;
    }
    EXPECT_NEAR(sd[sr].sum, std::sqrt(sum_a * sum_a + sum_b * sum_b + 2 * r * sum_a * sum_b), 1e-12);
    EXPECT_EQ(sd[cr].samples[sa][0], 0.0);  // CR has no sample A
    EXPECT_NEAR(sd[cr].total[0], 20.0, 1e-12);
  }
  EXPECT_THROW(yield_stdev(m, pars, std::vector<double>(3, 0.1), {}), InvalidPdfParameters);
}

TEST(Brazil, EachPointIsAHypotestAndTheLimitsAreUpperLimits) {
  const Loaded l = load("3L-eRJR");
  const std::vector<double> mus = {0.0, 0.4, 0.9, 1.3};
  const BrazilBand b = brazil_band(*l.model, l.data, mus);
  ASSERT_EQ(b.mu, mus);
  EXPECT_TRUE(b.problems.empty());
  for (std::size_t i = 0; i < mus.size(); ++i) {
    const HypotestResult h = hypotest(mus[i], *l.model, l.data);
    EXPECT_NEAR(b.cls_observed[i], h.cls, 1e-7) << mus[i];
    for (int k = 0; k < 5; ++k) EXPECT_NEAR(b.cls_expected[i][k], h.cls_expected[k], 1e-7) << mus[i] << " " << k;
  }
  const UpperLimitResult ul = upper_limit(*l.model, l.data);
  EXPECT_NEAR(b.limits.observed, ul.observed, 1e-9);
  for (int k = 0; k < 5; ++k) EXPECT_NEAR(b.limits.expected[k], ul.expected[k], 1e-9);
  auto [code, text] = test::run_hfx({"brazil", test::data_path("reference/3L-eRJR/workspace.json"), "--scan", "0", "2", "5"});
  ASSERT_EQ(code, 0) << text;
  const Json j = Json::parse(text);
  EXPECT_EQ(j["mu"], Json::parse("[0.0, 0.5, 1.0, 1.5, 2.0]"));
  EXPECT_EQ(j["CLs_exp"].size(), 5u);
  EXPECT_NEAR(j["obs"].get<double>(), ul.observed, 1e-6);
}

TEST(CliDiagnostics, RankingAndPullsAsJson) {
  const std::string ws = test::data_path("reference/3L-eRJR/workspace.json");
  auto [code, text] = test::run_hfx({"ranking", ws, "--top", "3", "--threads", "2"});
  ASSERT_EQ(code, 0) << text;
  const Json r = Json::parse(text);
  ASSERT_EQ(r["parameters"].size(), 3u);
  EXPECT_EQ(r["poi"], "mu_SIG");
  EXPECT_GE(std::abs(r["parameters"][0]["postfit_up"].get<double>()), std::abs(r["parameters"][2]["postfit_up"].get<double>()) - 1e-12);
  std::tie(code, text) = test::run_hfx({"pulls", ws});
  ASSERT_EQ(code, 0) << text;
  const Json p = Json::parse(text);
  EXPECT_EQ(p["status"], "converged");
  EXPECT_FALSE(p["parameters"].empty());
  std::tie(code, text) = test::run_hfx({"ranking", ws, "--top", "-1"});
  EXPECT_EQ(code, 2) << text;
  std::tie(code, text) = test::run_hfx({"profile", ws, "--points", "5", "--range", "0", "2"});
  ASSERT_EQ(code, 0) << text;
  const Json scan = Json::parse(text);
  EXPECT_EQ(scan["values"], Json::parse("[0.0, 0.5, 1.0, 1.5, 2.0]"));
  EXPECT_EQ(scan["intervals"][1]["low"], nullptr);
  EXPECT_TRUE(scan["intervals"][1]["low_open"].get<bool>());
  std::tie(code, text) = test::run_hfx({"yields", ws, "--postfit"});
  ASSERT_EQ(code, 0) << text;
  const Json y = Json::parse(text);
  EXPECT_EQ(y["fit"]["status"], "converged");
  for (const auto& ch : y["channels"]) {
    EXPECT_GT(ch["sum_stdev"].get<double>(), 0.0);
    EXPECT_EQ(ch["total_stdev"].size(), ch["total"].size());
    for (const auto& s : ch["samples"]) EXPECT_EQ(s["stdev"].size(), s["yields"].size());
  }
  std::tie(code, text) = test::run_hfx({"yields", ws, "--postfit", "--pars", ws});
  EXPECT_EQ(code, 2) << text;
  std::tie(code, text) = test::run_hfx({"yields", ws, "--postfit", "--uncertainties"});
  EXPECT_EQ(code, 2) << text;
  std::tie(code, text) = test::run_hfx({"profile", ws, "--par", "nosuch"});
  EXPECT_EQ(code, 2) << text;
  EXPECT_NE(text.find("--par: no parameter 'nosuch'"), std::string::npos) << text;
}

}  // namespace
}  // namespace hfx
