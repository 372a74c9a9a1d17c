// FitMethod::scipy reproduces pyhf's default (SciPy SLSQP) fits, so hypotests agree with
// a default pyhf run at the level of SLSQP's stopping point, not only at the minimum.
#include "hfx/errors.hpp"
#include "hfx/infer.hpp"
#include "hfx/workspace.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace hfx {
namespace {

FitOptions scipy_options() {
  FitOptions o;
  o.method = FitMethod::scipy;
  return o;
}

struct Loaded {
  Workspace ws;
  Model model;
  std::vector<double> data;
  Json ref;
};

Loaded load_case(const std::string& name) {
  const std::string dir = "reference/" + name;
  Workspace ws = Workspace::load(test::data_path(dir + "/workspace.json"));
  Model m = compile(ws);
  auto data = observed_data(ws, m);
  return {std::move(ws), std::move(m), std::move(data), test::load(dir + "/reference.json")};
}

void expect_within_bounds(const FitResult& r, const FitProblem& p) {
  for (std::size_t i = 0; i < r.x.size(); ++i) {
    EXPECT_GE(r.x[i], p.bounds[i].first) << i;
    EXPECT_LE(r.x[i], p.bounds[i].second) << i;
  }
}

// On sbottom and 1Lbb the default Newton fits give a band 2-3e-5 away from default pyhf
// (its SLSQP stops ~1e-4 short of the minimum); the SLSQP reproduction is within 1e-5.
class ScipyHypotest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScipyHypotest, ClsAndBandMatchDefaultPyhfTo1e5) {
  const Loaded c = load_case(GetParam());
  const HypotestResult h = hypotest(1.0, c.model, c.data, TestStatistic::qtilde, nullptr, scipy_options());
  ASSERT_TRUE(h.all_converged());
  const auto& rh = c.ref["hypotest_mu1"];
  const double obs = rh["CLs_obs"].get<double>();
  EXPECT_NEAR(h.cls, obs, 1e-5 * obs);
  for (int k = 0; k < 5; ++k) {
    const double want = rh["CLs_exp_band"][k].get<double>();
    const double tol = want < 1e-2 ? std::max(1e-7, 1e-5 * want) : 1e-5 * want;
    EXPECT_NEAR(h.cls_expected[k], want, tol) << "band entry " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Published, ScipyHypotest, ::testing::Values("sbottom-multib-regionA", "1Lbb-simplified"),
                         [](const auto& p) { return test::case_name(p.param); });

// pyhf's regression values for sbottom 1300_205_60 (tests/test_regression.py), computed
// by pyhf on another numpy/SciPy build: SLSQP's stopping point moves with the rounding
// of the finite differences, so different pyhf installations differ at ~1e-6; the
// reproduction is within 1e-5 on every entry (measured: 2.1e-6 obs, 9.1e-6 band).
TEST(ScipyFit, SbottomRegressionValues) {
  const Loaded c = load_case("sbottom-multib-regionA");
  const HypotestResult h = hypotest(1.0, c.model, c.data, TestStatistic::qtilde, nullptr, scipy_options());
  ASSERT_TRUE(h.all_converged());
  EXPECT_NEAR(h.cls, 0.24443627759085326, 1e-5 * 0.24443627759085326);
  const double exp[5] = {0.09022509053507759, 0.1937839194960632, 0.38432344933992, 0.6557757334303531,
                         0.8910420971601081};
  for (int k = 0; k < 5; ++k) EXPECT_NEAR(h.cls_expected[k], exp[k], 1e-5 * exp[k]) << k;
}

// The fits stop where pyhf's do: same iterations, twice_nll within 5e-7 of pyhf's
// (measured 1e-9..1.6e-7; the true minimum is lower by up to ~1e-6), inside the bounds.
TEST(ScipyFit, FreeAndConditionalFitsStopWherePyhfStops) {
  for (const std::string name : {"sbottom-multib-regionA", "1Lbb-simplified", "staus-highmass"}) {
    const Loaded c = load_case(name);
    const FitProblem p = FitProblem::from_model(c.model);
    const FitResult free = fit(c.model, c.data, p, scipy_options());
    ASSERT_TRUE(free.converged()) << name << ": " << free.message;
    EXPECT_NEAR(free.twice_nll(), c.ref["mle_fit"]["twice_nll"].get<double>(), 5e-7) << name;
    expect_within_bounds(free, p);
    const FitResult fixed = fixed_poi_fit(c.model, 1.0, c.data, p, scipy_options());
    ASSERT_TRUE(fixed.converged()) << name << ": " << fixed.message;
    EXPECT_NEAR(fixed.twice_nll(), c.ref["fixed_poi_fit_mu1"]["twice_nll"].get<double>(), 5e-7) << name;
    EXPECT_EQ(fixed.x[*c.model.poi_index()], 1.0);
    // hfx's own fit reaches the minimum: at or below SLSQP's stopping point.
    EXPECT_LE(hfx::fit(c.model, c.data, p).twice_nll(), free.twice_nll() + 1e-9) << name;
  }
}

// pyhf's 3L-eRJR fit stops at its first iteration (the reference README): so does the
// reproduction, which hfx's own fit does not (272.30).
TEST(ScipyFit, ThreeLeptonStopsAtTheStartAsPyhf) {
  const Loaded c = load_case("3L-eRJR");
  const FitResult r = fit(c.model, c.data, FitProblem::from_model(c.model), scipy_options());
  EXPECT_EQ(r.iterations, 1);
  EXPECT_NEAR(r.twice_nll(), c.ref["mle_fit"]["twice_nll"].get<double>(), 1e-3);
}

// A bound that the minimum would cross: the POI of a background-only-like fit lands on
// its lower bound 0 and stays there.
TEST(ScipyFit, RespectsBounds) {
  const Loaded c = load_case("1Lbb-simplified");
  FitProblem p = FitProblem::from_model(c.model);
  const std::size_t poi = *c.model.poi_index();
  p.bounds[poi] = {2.0, 10.0};  // the best fit is below 1
  p.init[poi] = 3.0;
  const FitResult r = fit(c.model, c.data, p, scipy_options());
  ASSERT_TRUE(r.converged()) << r.message;
  EXPECT_NEAR(r.x[poi], 2.0, 1e-12);
  expect_within_bounds(r, p);
}

TEST(ScipyFit, MethodNames) {
  EXPECT_EQ(fit_method_from_string("scipy"), FitMethod::scipy);
  EXPECT_EQ(fit_method_from_string("newton"), FitMethod::newton);
  EXPECT_THROW(fit_method_from_string("slsqp2"), Unsupported);
}

}  // namespace
}  // namespace hfx
