// The compiled model against pyhf: structure, expected data and logpdf on every
// reference workspace (reference.json for the published ones, interp.json for every
// case under every interpolation-code combination).
#include "hfx/evaluator.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

namespace hfx {
namespace {

void expect_close_rel(double got, double want, double rel, const std::string& what) {
  const double tol = rel * std::max(1.0, std::abs(want));
  EXPECT_NEAR(got, want, tol) << what;
}

void expect_vec_rel(const std::vector<double>& got, const Json& want, double rel, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double w = want[i].get<double>();
    const double tol = rel * std::max(std::abs(w), 1e-300);
    EXPECT_NEAR(got[i], w, tol == 0 ? 1e-300 : tol) << what << " [" << i << "]";
  }
}

class RealCase : public ::testing::TestWithParam<std::string> {};

TEST_P(RealCase, StructureMatchesPyhf) {
  const std::string dir = "reference/" + GetParam();
  const Workspace ws = Workspace::load(test::data_path(dir + "/workspace.json"));
  const Json ref = test::load(dir + "/reference.json");
  const Model m = compile(ws);
  const auto& st = ref["structure"];
  EXPECT_EQ(Json(m.par_order()), st["par_order"]);
  EXPECT_EQ(Json(m.par_names()), st["par_names"]);
  EXPECT_EQ(Json(m.channels()), st["channels_pyhf_order"]);
  EXPECT_EQ(Json(m.samples()), st["samples_pyhf_order"]);
  EXPECT_EQ(m.poi_name().value(), st["poi_name"].get<std::string>());
  EXPECT_EQ(m.poi_index().value(), st["poi_index"].get<std::size_t>());
  EXPECT_EQ(m.nauxdata(), st["n_auxdata"].get<std::size_t>());
  EXPECT_EQ(Json(m.suggested_init()), ref["suggested_init"]);
  Json bounds = Json::array();
  for (auto [lo, hi] : m.suggested_bounds()) bounds.push_back({lo, hi});
  EXPECT_EQ(bounds, ref["suggested_bounds"]);
  EXPECT_EQ(Json(m.suggested_fixed()), ref["suggested_fixed"]);
  expect_vec_rel(m.auxdata(), ref["data"]["auxdata"], 1e-12, "auxdata");
  expect_vec_rel(observed_data(ws, m, false), ref["data"]["observed_main"], 0, "observed");
  for (const auto& [name, ps] : st["parsets"].items()) {
    const auto& p = m.param_set(name);
    EXPECT_EQ(p.offset, ps["slice"][0].get<std::size_t>()) << name;
    EXPECT_EQ(std::string(to_string(p.constraint)), ps["paramset_type"].get<std::string>()) << name;
  }
}

TEST_P(RealCase, ExpectedDataAndLogpdfMatchPyhf) {
  const std::string dir = "reference/" + GetParam();
  const Workspace ws = Workspace::load(test::data_path(dir + "/workspace.json"));
  const Json ref = test::load(dir + "/reference.json");
  const Model m = compile(ws);
  const auto data = observed_data(ws, m);
  const auto init = m.suggested_init();
  expect_vec_rel(m.expected_actualdata(init), ref["expected_data_at_init"]["main"], 1e-12, "main@init");
  expect_vec_rel(m.expected_auxdata(init), ref["expected_data_at_init"]["aux"], 1e-12, "aux@init");
  expect_close_rel(m.logpdf(init, data), ref["logpdf_at_init"].get<double>(), 1e-10, "logpdf@init");
  const auto shifted = ref["shifted_point"]["pars"].get<std::vector<double>>();
  expect_vec_rel(m.expected_actualdata(shifted), ref["shifted_point"]["expected_main"], 1e-12, "main@shifted");
  expect_vec_rel(m.expected_auxdata(shifted), ref["shifted_point"]["expected_aux"], 1e-12, "aux@shifted");
  expect_close_rel(m.logpdf(shifted, data), ref["shifted_point"]["logpdf"].get<double>(), 1e-10, "logpdf@shifted");
}

INSTANTIATE_TEST_SUITE_P(Reference, RealCase, ::testing::ValuesIn(test::real_cases()),
                         [](const auto& param_info) { return test::case_name(param_info.param); });

class InterpCase : public ::testing::TestWithParam<std::string> {};

TEST_P(InterpCase, EveryInterpolationCodeMatchesPyhf) {
  const std::string dir = "reference/" + GetParam();
  if (!std::filesystem::exists(test::data_path(dir + "/interp.json"))) GTEST_SKIP() << "no interp.json";
  const Workspace ws = Workspace::load(test::data_path(dir + "/workspace.json"));
  const Json ref = test::load_lenient(dir + "/interp.json");
  ASSERT_GE(ref["cases"].size(), 1u);
  for (const auto& c : ref["cases"]) {
    ModelOptions opts;
    opts.normsys_interp = interp_code_from_string(c["normsys_interpcode"].get<std::string>());
    opts.histosys_interp = interp_code_from_string(c["histosys_interpcode"].get<std::string>());
    const std::string what = c["normsys_interpcode"].get<std::string>() + "/" + c["histosys_interpcode"].get<std::string>();
    const Model m = compile(ws, opts);
    EXPECT_EQ(Json(m.par_names()), c["par_names"]) << what;
    const auto data = observed_data(ws, m);
    for (const auto& pt : c["points"]) {
      const auto pars = pt["pars"].get<std::vector<double>>();
      const std::string label = what + " " + pt["label"].get<std::string>();
      expect_vec_rel(m.expected_data(pars), pt["expected_data"], 1e-12, label);
      if (pt["logpdf"].is_null()) {
        // pyhf gives NaN where an expected rate is negative; hfx reports a non-finite value.
        EXPECT_FALSE(std::isfinite(m.logpdf(pars, data))) << label;
      } else {
        expect_close_rel(m.logpdf(pars, data), pt["logpdf"].get<double>(), 1e-10, label);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Reference, InterpCase, ::testing::ValuesIn(test::reference_cases()),
                         [](const auto& param_info) { return test::case_name(param_info.param); });

}  // namespace
}  // namespace hfx
