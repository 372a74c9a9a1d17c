// Modifier kinds as units (src/modifiers) and the quadratic EFT kind ("hfx_eft").
#include "hfx/errors.hpp"
#include "hfx/evaluator.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"
#include "modifiers/modifier_kind.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <random>

namespace hfx {
namespace {

// A workspace where the EFT factors meet every other kind: two channels, a signal with
// two coefficients (and a third, cW, only in channel B), lumi, a normfactor and a
// histosys; a background with normsys, staterror and a shapesys on the same bins (two
// per-bin factors); a second background with a shapefactor and a second EFT term.
Json eft_workspace() {
  return Json::parse(R"({
  "channels": [
    {"name": "A", "samples": [
      {"name": "signal", "data": [5.0, 3.0, 1.5], "modifiers": [
        {"name": "eft", "type": "hfx_eft", "data": {"parameters": ["cHq", "ctG"],
          "linear": [[0.3, 0.5, 0.8], [-0.1, 0.2, 0.4]],
          "quadratic": [[0.05, 0.1, 0.3], [0.02, -0.03, 0.05], [0.01, 0.04, 0.2]]}},
        {"name": "lumi", "type": "lumi", "data": null},
        {"name": "mu_sig", "type": "normfactor", "data": null},
        {"name": "jes", "type": "histosys", "data": {"hi_data": [5.5, 3.1, 1.4], "lo_data": [4.6, 2.8, 1.6]}}]},
      {"name": "bkg", "data": [50.0, 20.0, 5.0], "modifiers": [
        {"name": "bkg_norm", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}},
        {"name": "staterror_A", "type": "staterror", "data": [2.0, 1.5, 1.0]},
        {"name": "bkg_shape", "type": "shapesys", "data": [3.0, 2.0, 1.0]},
        {"name": "jes", "type": "histosys", "data": {"hi_data": [52.0, 21.0, 5.2], "lo_data": [48.0, 19.5, 4.9]}}]}]},
    {"name": "B", "samples": [
      {"name": "signal", "data": [2.0, 4.0], "modifiers": [
        {"name": "eft", "type": "hfx_eft", "data": {"parameters": ["ctG", "cW", "cHq"],
          "linear": [[0.2, 0.1], [0.5, -0.2], [0.1, 0.3]],
          "quadratic": [[0.1, 0.0], [0.0, 0.02], [0.03, 0.01], [0.2, 0.3], [0.0, 0.01], [0.04, 0.05]]}},
        {"name": "lumi", "type": "lumi", "data": null}]},
      {"name": "other", "data": [10.0, 8.0], "modifiers": [
        {"name": "free_shape", "type": "shapefactor", "data": null},
        {"name": "eft_bkg", "type": "hfx_eft", "data": {"parameters": ["cW"], "linear": [[0.05, 0.1]]}}]}]}],
  "observations": [{"name": "A", "data": [58, 24, 9]}, {"name": "B", "data": [13, 11]}],
  "measurements": [{"name": "meas", "config": {"poi": "cHq", "parameters": [
    {"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "bounds": [[0.5, 1.5]], "inits": [1.0]},
    {"name": "mu_sig", "fixed": false, "inits": [1.0]}]}}],
  "version": "1.0.0"})");
}

Model eft_model() { return compile(Workspace(eft_workspace())); }

// The same with the additive unit kinds too: a simplified-likelihood background (SLv2)
// on channel B's "other" sample and per-bin yields on channel A's signal.
Json all_kinds_workspace() {
  Json doc = eft_workspace();
  doc["channels"][1]["samples"][1]["modifiers"].push_back(Json::parse(R"({"name": "sl", "type": "hfx_simplified",
      "data": {"covariance": [[4.0, 1.5], [1.5, 3.0]], "third_moments": [1.5, -0.8]}})"));
  doc["channels"][0]["samples"][0]["modifiers"].push_back(Json::parse(R"({"name": "yields", "type": "hfx_yields", "data": null})"));
  return doc;
}

// The expected rates written out from the document's numbers: the nominal, the
// histosys delta (code4p), the normsys factor (code4) and the per-bin factors by the
// Model's per-sample yields without EFT, times the EFT polynomials evaluated here.
double eft_factor(const Json& data, const std::map<std::string, double>& c, std::size_t j) {
  const auto& names = data["parameters"];
  const std::size_t P = names.size();
  double f = 1.0;
  for (std::size_t k = 0; k < P; ++k) f += data["linear"][k][j].get<double>() * c.at(names[k]);
  if (!data.contains("quadratic")) return f;
  std::size_t q = 0;
  for (std::size_t k = 0; k < P; ++k)
    for (std::size_t l = k; l < P; ++l, ++q) f += data["quadratic"][q][j].get<double>() * c.at(names[k]) * c.at(names[l]);
  return f;
}

std::vector<double> random_point(const Model& m, std::mt19937_64& rng, double cscale) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  auto x = m.suggested_init();
  for (const auto& p : m.parameter_sets())
    for (std::size_t i = 0; i < p.size; ++i) {
      double& v = x[p.offset + i];
      if (p.type == ModifierType::extension) v = cscale * u(rng);
      else if (p.type == ModifierType::histosys || p.type == ModifierType::normsys) v = 1.5 * u(rng);
      else v *= 1.0 + 0.1 * u(rng);
    }
  return x;
}

TEST(UnitKinds, TheRegistryFindsTheEftKind) {
  ASSERT_NE(detail::find_modifier_kind("hfx_eft"), nullptr);
  EXPECT_EQ(detail::find_modifier_kind("histosys"), nullptr);  // the seven are not units
  EXPECT_EQ(detail::find_modifier_kind("nosuchkind"), nullptr);
  for (const auto* k : detail::modifier_kinds()) EXPECT_EQ(detail::find_modifier_kind(k->type()), k);
}

TEST(UnitKinds, EftParametersComeAfterTheSevenKinds) {
  const Model m = eft_model();
  const auto& sets = m.parameter_sets();
  ASSERT_GE(sets.size(), 3u);
  EXPECT_EQ(sets[sets.size() - 3].name, "cHq");  // first appearance: channel A's term
  EXPECT_EQ(sets[sets.size() - 2].name, "ctG");
  EXPECT_EQ(sets[sets.size() - 1].name, "cW");
  for (std::size_t i = sets.size() - 3; i < sets.size(); ++i) {
    EXPECT_EQ(sets[i].type, ModifierType::extension);
    EXPECT_EQ(sets[i].constraint, ConstraintType::unconstrained);
    EXPECT_EQ(sets[i].inits, std::vector<double>{0.0});
    EXPECT_EQ(sets[i].bounds.front(), std::make_pair(-10.0, 10.0));
  }
  EXPECT_EQ(*m.poi_name(), "cHq");
}

TEST(UnitKinds, EftRatesAreThePolynomialTimesTheOtherFactors) {
  const Json doc = eft_workspace();
  Json plain = doc;  // the same workspace without its EFT modifiers
  for (auto& c : plain["channels"])
    for (auto& s : c["samples"]) {
      Json kept = Json::array();
      for (auto& mod : s["modifiers"])
        if (mod["type"] != "hfx_eft") kept.push_back(mod);
      s["modifiers"] = kept;
    }
  plain["measurements"][0]["config"]["poi"] = "mu_sig";
  const Model m = compile(Workspace(doc));
  const Model p = compile(Workspace(plain));
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    const auto x = random_point(m, rng, 3.0);
    std::map<std::string, double> c;
    std::vector<double> xp(p.npars());
    for (std::size_t i = 0; i < m.npars(); ++i) {
      const auto& name = m.par_names()[i];
      const auto& pn = p.par_names();
      const auto it = std::find(pn.begin(), pn.end(), name);
      if (it == pn.end()) c[name] = x[i];
      else xp[static_cast<std::size_t>(it - pn.begin())] = x[i];
    }
    const auto by_sample = p.expected_by_sample(xp);
    std::vector<double> want(m.nmaindata(), 0.0);
    for (const auto& y : by_sample) {
      const std::string& ch = p.channels()[y.channel];
      const std::string& sample = p.samples()[y.sample];
      const Json* eft[2] = {nullptr, nullptr};
      int n = 0;
      for (const auto& cj : doc["channels"])
        if (cj["name"] == ch)
          for (const auto& sj : cj["samples"])
            if (sj["name"] == sample)
              for (const auto& mod : sj["modifiers"])
                if (mod["type"] == "hfx_eft") eft[n++] = &mod["data"];
      for (std::size_t j = 0; j < y.yields.size(); ++j) {
        double f = 1.0;
        for (int k = 0; k < n; ++k) f *= eft_factor(*eft[k], c, j);
        std::size_t offset = 0;
        for (std::size_t cc = 0; cc < y.channel; ++cc) offset += p.channel_nbins()[cc];
        want[offset + j] += y.yields[j] * f;
      }
    }
    for (const auto arithmetic : {Evaluator::Arithmetic::pyhf, Evaluator::Arithmetic::stable}) {
      Evaluator ev(m, arithmetic);
      const auto got = ev.expected_main(x);
      for (std::size_t g = 0; g < want.size(); ++g) EXPECT_NEAR(got[g], want[g], 1e-12 * std::abs(want[g])) << g;
    }
    const auto model_rates = m.expected_actualdata(x);
    for (std::size_t g = 0; g < want.size(); ++g) EXPECT_NEAR(model_rates[g], want[g], 1e-12 * std::abs(want[g]));
  }
}

// Every evaluation path (both arithmetics, the x86 and portable kernels when the test
// runs again with HFX_NO_AVX2): value, gradient and both Jacobians against five-point
// finite differences of the NLL and of the rates, at points with small and large
// coefficients (where the quadratic terms dominate).
class UnitKindGradients : public ::testing::TestWithParam<bool> {};

TEST_P(UnitKindGradients, GradientAndJacobiansMatchFiniteDifferences) {
  const Workspace ws(GetParam() ? all_kinds_workspace() : eft_workspace());
  const Model m = compile(ws);
  const auto data = observed_data(ws, m, true);
  std::mt19937_64 rng(11);
  const std::size_t n = m.npars();
  int checked = 0;
  for (const double cscale : {0.5, 4.0})
    for (int trial = 0; trial < 6; ++trial) {
      auto x = random_point(m, rng, cscale);
      for (const auto arithmetic : {Evaluator::Arithmetic::pyhf, Evaluator::Arithmetic::stable}) {
        Evaluator ev(m, arithmetic);
        ev.set_data(data);
        std::vector<double> g(n), g2(n);
        const double f = ev.nll_and_grad(x, g);
        if (!std::isfinite(f)) continue;  // a negative EFT factor: a rate below 0
        ++checked;
        EXPECT_NEAR(f, -m.logpdf(x, data), 1e-10 * std::abs(f));
        std::vector<double> full(m.nmaindata() * n);
        ev.jacobian(x, full);
        std::vector<double> blocks;
        ev.channel_jacobian(x, blocks, g2);
        for (std::size_t i = 0; i < n; ++i) {
          const double h = 1e-4 * std::max(1.0, std::abs(x[i]));
          auto at = [&](double dx) {
            auto y = x;
            y[i] += dx;
            return y;
          };
          Evaluator fd(m, arithmetic);
          fd.set_data(data);
          const double d = (-fd.nll(at(2 * h)) + 8 * fd.nll(at(h)) - 8 * fd.nll(at(-h)) + fd.nll(at(-2 * h))) / (12 * h);
          const double tol = 1e-6 * std::max(1.0, std::abs(d));
          EXPECT_NEAR(g[i], d, tol) << m.par_names()[i] << " trial " << trial;
          EXPECT_NEAR(g2[i], d, tol) << m.par_names()[i] << " (channel Jacobian) trial " << trial;
          const auto up = std::vector<double>(fd.expected_main(at(h)).begin(), fd.expected_main(at(h)).end());
          const auto dn = std::vector<double>(fd.expected_main(at(-h)).begin(), fd.expected_main(at(-h)).end());
          for (std::size_t r = 0; r < m.nmaindata(); ++r) {
            const double dr = (up[r] - dn[r]) / (2 * h);
            EXPECT_NEAR(full[r * n + i], dr, 1e-6 * std::max(1.0, std::abs(dr))) << m.par_names()[i] << " bin " << r;
          }
        }
      }
    }
  EXPECT_GE(checked, 16);  // most points have positive rates
}

INSTANTIATE_TEST_SUITE_P(UnitKinds, UnitKindGradients, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "AllKinds" : "Eft"; });

// The fast paths that cannot hold a unit kind's factor decline a model that has one;
// without the EFT modifiers the same model takes them (so the check is not vacuous).
TEST(UnitKinds, FastPathsThatDoNotCoverAKindDeclineIt) {
  const Json doc = Json::parse(R"({
    "channels": [{"name": "SR", "samples": [
      {"name": "s1", "data": [3.0, 2.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null},
        {"name": "staterror_SR", "type": "staterror", "data": [0.3, 0.2]}]},
      {"name": "s2", "data": [4.0, 1.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null},
        {"name": "staterror_SR", "type": "staterror", "data": [0.4, 0.1]}]}]}],
    "observations": [{"name": "SR", "data": [8, 4]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}], "version": "1.0.0"})");
  Json with_eft = doc;
  with_eft["channels"][0]["samples"][1]["modifiers"].push_back(
      Json::parse(R"({"name": "eft", "type": "hfx_eft", "data": {"parameters": ["c"], "linear": [[0.5, 1.0]]}})"));
  const Model plain = compile(Workspace(doc));
  const Model eft = compile(Workspace(with_eft));
  auto has = [](const std::vector<std::string>& v, const char* name) { return std::find(v.begin(), v.end(), name) != v.end(); };
  const auto plain_paths = Evaluator(plain, Evaluator::Arithmetic::stable).fast_paths();
  EXPECT_TRUE(has(plain_paths, "single per-bin factor"));
  EXPECT_TRUE(has(plain_paths, "merged blocks"));
  const auto eft_paths = Evaluator(eft, Evaluator::Arithmetic::stable).fast_paths();
  EXPECT_FALSE(has(eft_paths, "single per-bin factor"));
  EXPECT_FALSE(has(eft_paths, "merged blocks"));
  // The cost measure that decides parallel fits counts the term: 2 bins x 1 parameter.
  EXPECT_EQ(eft.table_entries(), plain.table_entries() + 2);
  // And the rates the remaining paths compute include the EFT factor.
  std::vector<double> x = eft.suggested_init();
  x[eft.par_slice("c").first] = 0.8;
  for (const auto arithmetic : {Evaluator::Arithmetic::pyhf, Evaluator::Arithmetic::stable}) {
    Evaluator ev(eft, arithmetic);
    const auto r = ev.expected_main(x);
    EXPECT_DOUBLE_EQ(r[0], 3.0 + 4.0 * 1.4);
    EXPECT_DOUBLE_EQ(r[1], 2.0 + 1.0 * 1.8);
  }
}

void expect_invalid(const std::string& data, const std::string& what) {
  Json doc = Json::parse(R"({
    "channels": [{"name": "SR", "samples": [{"name": "s", "data": [3.0, 2.0], "modifiers": [
      {"name": "mu", "type": "normfactor", "data": null}]}]}],
    "observations": [{"name": "SR", "data": [3, 2]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}], "version": "1.0.0"})");
  doc["channels"][0]["samples"][0]["modifiers"].push_back(
      Json{{"name", "eft"}, {"type", "hfx_eft"}, {"data", Json::parse(data)}});
  try {
    Workspace ws(doc);
    ADD_FAILURE() << "accepted " << data;
  } catch (const InvalidModifier& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  } catch (const InvalidSpecification& e) {
    EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
  }
}

TEST(UnitKinds, EftDataIsValidatedWithItsPath) {
  const std::string at = "/channels/0/samples/0/modifiers/1/data";
  expect_invalid(R"({"parameters": ["a"], "linear": [[1, 2, 3]]})",
                 at + "/linear/0: expected 2 numbers (channel 'SR' has 2 bins), got 3");
  expect_invalid(R"({"parameters": ["a", "b"], "linear": [[1, 2]]})", at + "/linear: expected 2 rows (one per parameter), got 1");
  expect_invalid(R"({"parameters": ["a", "b"], "linear": [[1, 2], [3, 4]], "quadratic": [[1, 2], [3, 4]]})",
                 at + "/quadratic: expected 3 rows");
  expect_invalid(R"({"parameters": ["a", "a"], "linear": [[1, 2], [3, 4]]})", at + "/parameters/1: 'a' is listed twice");
  expect_invalid(R"({"parameters": [], "linear": []})", at + "/parameters: expected at least 1 item");
  expect_invalid(R"({"parameters": [""], "linear": [[1, 2]]})", at + "/parameters/0: a Wilson coefficient needs a non-empty name");
  expect_invalid(R"({"parameters": ["a"], "linear": [[1, 2]], "cubic": []})", at + "/cubic: unknown key 'cubic'");
  expect_invalid(R"({"parameters": ["a"]})", at + ": missing required key 'linear'");
  expect_invalid(R"({"parameters": ["a"], "linear": [[1, "x"]]})", at + "/linear/0/1");
  expect_invalid(R"([1, 2])", at + ": expected an object");
}

TEST(UnitKinds, UnknownTypesNameTheExtensionKinds) {
  Json doc = Json::parse(R"({
    "channels": [{"name": "SR", "samples": [{"name": "s", "data": [3.0], "modifiers": [
      {"name": "x", "type": "hfx_eftt", "data": null}]}]}],
    "observations": [{"name": "SR", "data": [3]}],
    "measurements": [{"name": "m", "config": {"poi": "x", "parameters": []}}], "version": "1.0.0"})");
  try {
    Workspace ws(doc);
    ADD_FAILURE();
  } catch (const InvalidModifier& e) {
    EXPECT_NE(std::string(e.what()).find("unknown modifier type 'hfx_eftt' (expected one of histosys"), std::string::npos);
    for (const auto* k : detail::modifier_kinds())
      EXPECT_NE(std::string(e.what()).find(std::string(k->type()) + " (hfx extension)"), std::string::npos) << e.what();
  }
}

TEST(UnitKinds, ACoefficientNamedLikeAnotherKindsParameterIsRefused) {
  Json doc = Json::parse(R"({
    "channels": [{"name": "SR", "samples": [{"name": "s", "data": [3.0], "modifiers": [
      {"name": "mu", "type": "normfactor", "data": null},
      {"name": "eft", "type": "hfx_eft", "data": {"parameters": ["mu"], "linear": [[0.5]]}}]}]}],
    "observations": [{"name": "SR", "data": [3]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}], "version": "1.0.0"})");
  EXPECT_THROW(compile(Workspace(doc)), InvalidNameReuse);
}

}  // namespace
}  // namespace hfx
