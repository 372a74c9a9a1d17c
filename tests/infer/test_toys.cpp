// Toy-based hypothesis tests: agreement with pyhf's ToyCalculator (statistically), with
// the asymptotic formulae on a high-count model, thread-count independence, failure
// accounting, and the building blocks (sampler, p-value, numpy percentile).
#include "hfx/errors.hpp"
#include "hfx/toys.hpp"
#include "hfx/workspace.hpp"
#include "test_util.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

namespace hfx {
namespace {

Workspace simple_workspace(const std::vector<double>& sig, const std::vector<double>& bkg,
                           const std::vector<double>& unc, const std::vector<double>& obs) {
  return Workspace(parse_json(
      fmt::format(R"({{"channels": [{{"name": "singlechannel", "samples": [
        {{"name": "signal", "data": [{}], "modifiers": [{{"name": "mu", "type": "normfactor", "data": null}}]}},
        {{"name": "background", "data": [{}], "modifiers": [{{"name": "uncorr_bkguncrt", "type": "shapesys", "data": [{}]}}]}}]}}],
      "observations": [{{"name": "singlechannel", "data": [{}]}}],
      "measurements": [{{"name": "meas", "config": {{"poi": "mu", "parameters": []}}}}], "version": "1.0.0"}})",
                  fmt::join(sig, ", "), fmt::join(bkg, ", "), fmt::join(unc, ", "), fmt::join(obs, ", ")),
      "test"));
}

// Binomial standard error of a tail fraction, from the pooled estimate of two samples.
double pooled_sigma(double p1, std::size_t n1, double p2, std::size_t n2) {
  const double p = (p1 * n1 + p2 * n2) / static_cast<double>(n1 + n2);
  const double pp = std::clamp(p, 1.0 / static_cast<double>(n1 + n2), 1.0 - 1.0 / static_cast<double>(n1 + n2));
  return std::sqrt(pp * (1 - pp) * (1.0 / n1 + 1.0 / n2));
}

// --- building blocks ---

TEST(ToyBlocks, PercentileIsNumpysLinear) {
  const std::vector<double> v = {1, 2, 3, 4};
  // np.percentile([1, 2, 3, 4], [2.27501319, 50, 84.13447461, 100])
  EXPECT_DOUBLE_EQ(percentile_linear(v, 2.27501319), 1.0682503957);
  EXPECT_DOUBLE_EQ(percentile_linear(v, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile_linear(v, 84.13447461), 3.5240342383);
  EXPECT_EQ(percentile_linear(v, 100), 4.0);
  EXPECT_EQ(percentile_linear(std::vector<double>{7}, 97.7), 7.0);
}

TEST(ToyBlocks, EmpiricalPvalueCountsTiesAsAtLeast) {
  const std::vector<double> v = {0, 0, 1, 2, 2, 5};
  EXPECT_DOUBLE_EQ(empirical_pvalue(v, 0), 1.0);
  EXPECT_DOUBLE_EQ(empirical_pvalue(v, 2), 3.0 / 6);
  EXPECT_DOUBLE_EQ(empirical_pvalue(v, 2.5), 1.0 / 6);
  EXPECT_DOUBLE_EQ(empirical_pvalue(v, 6), 0.0);
}

TEST(ToyBlocks, VariatesHaveTheRightMoments) {
  for (double mean : {0.7, 4.0, 9.99, 10.0, 55.0, 2500.0}) {
    std::mt19937_64 rng = toy_rng(1, static_cast<std::uint64_t>(mean * 100), 0);
    const int n = 20000;
    double s = 0, s2 = 0;
    for (int i = 0; i < n; ++i) {
      const double k = sample_poisson(rng, mean);
      ASSERT_EQ(k, std::floor(k));
      ASSERT_GE(k, 0);
      s += k, s2 += k * k;
    }
    const double m = s / n, var = s2 / n - m * m;
    EXPECT_NEAR(m, mean, 5 * std::sqrt(mean / n)) << mean;
    EXPECT_NEAR(var, mean, 5 * mean * std::sqrt(2.0 / n) + 0.02) << mean;
  }
  std::mt19937_64 rng = toy_rng(2, 0, 1);
  double s = 0, s2 = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const double z = sample_standard_normal(rng);
    s += z, s2 += z * z;
  }
  EXPECT_NEAR(s / n, 0.0, 5 / std::sqrt(n));
  EXPECT_NEAR(s2 / n, 1.0, 5 * std::sqrt(2.0 / n));
}

TEST(ToyBlocks, SamplerDrawsConstraintsFromTheirOwnDistributions) {
  // shapesys: auxdata ~ Poisson(gamma * tau); main ~ Poisson(rate).
  const Workspace ws = simple_workspace({12, 11}, {50, 52}, {3, 7}, {51, 48});
  const Model m = compile(ws);
  std::vector<double> pars = m.suggested_init();
  pars[*m.poi_index()] = 1.0;
  const ToySampler sampler(m, pars);
  const auto aux = m.auxdata();  // tau per bin (gamma = 1)
  const auto rate = m.expected_actualdata(pars);
  std::vector<double> toy(sampler.size()), sum(sampler.size(), 0.0);
  const int n = 4000;
  for (int i = 0; i < n; ++i) {
    std::mt19937_64 rng = toy_rng(3, static_cast<std::uint64_t>(i), 0);
    sampler.sample(rng, toy);
    for (std::size_t k = 0; k < toy.size(); ++k) sum[k] += toy[k];
  }
  for (std::size_t k = 0; k < rate.size(); ++k) EXPECT_NEAR(sum[k] / n, rate[k], 5 * std::sqrt(rate[k] / n));
  for (std::size_t k = 0; k < aux.size(); ++k)
    EXPECT_NEAR(sum[rate.size() + k] / n, aux[k], 5 * std::sqrt(aux[k] / n));
}

// --- against pyhf's ToyCalculator (tests/data/golden/toys.json, 2000 toys each) ---

class ToyGolden : public ::testing::TestWithParam<int> {};

TEST_P(ToyGolden, AgreesWithPyhfWithinToyStatistics) {
  const Json golden = test::load("golden/toys.json");
  const Json& c = golden["cases"][static_cast<std::size_t>(GetParam())];
  const std::string name = c["case"].get<std::string>();
  std::unique_ptr<Workspace> ws;
  if (c["input"].is_null()) ws = std::make_unique<Workspace>(simple_workspace({12, 11}, {50, 52}, {3, 7}, {51, 48}));
  else ws = std::make_unique<Workspace>(Workspace::load(test::data_path(c["input"].get<std::string>().substr(11))));
  const Model m = compile(*ws);
  const std::vector<double> data = c["data"].get<std::vector<double>>();
  ASSERT_EQ(data, observed_data(*ws, m));

  ToyOptions opt;
  opt.ntoys = 1000;
  opt.seed = 12345;
  const ToyResult r = toy_hypotest(c["poi"].get<double>(), m, data, opt);
  ASSERT_TRUE(r.observed_fits_converged()) << name;
  EXPECT_EQ(r.n_failed(), 0u) << name;
  const std::size_t np = c["ntoys"].get<std::size_t>(), nb = r.b_teststats.size(), ns = r.sb_teststats.size();
  const double clsb = c["CLsb"].get<double>(), clb = c["CLb"].get<double>(), cls = c["CLs_obs"].get<double>();
  const double s_sb = pooled_sigma(r.clsb, ns, clsb, np), s_b = pooled_sigma(r.clb, nb, clb, np);
  EXPECT_NEAR(r.clsb, clsb, 4 * s_sb) << name;
  EXPECT_NEAR(r.clb, clb, 4 * s_b) << name;
  const double s_cls = cls * std::hypot(s_sb / std::max(clsb, 1e-3), s_b / clb);
  EXPECT_NEAR(r.cls, cls, 4 * s_cls + 1e-3) << name;
  // The median expected CLs: a percentile of CLs values; its toy spread is a few
  // binomial errors of the tail fraction near the median.
  const double med = c["CLs_exp"][2].get<double>();
  EXPECT_NEAR(r.cls_expected[2], med, 4 * pooled_sigma(med / 2, nb, med / 2, np) * 2 + 0.01) << name;
  for (int k = 0; k < 4; ++k) EXPECT_LE(r.cls_expected[k], r.cls_expected[k + 1]) << name;
  std::printf("  %-40s CLs %.4f (pyhf %.4f)  CLsb %.4f (%.4f)  CLb %.4f (%.4f)  exp median %.4f (%.4f)\n", name.c_str(),
              r.cls, cls, r.clsb, clsb, r.clb, clb, r.cls_expected[2], med);
}

INSTANTIATE_TEST_SUITE_P(Pyhf, ToyGolden, ::testing::Values(0, 1, 2, 3));

// --- against the asymptotic formulae where they hold ---

TEST(Toys, AgreeWithAsymptoticsAtHighCounts) {
  const Workspace ws = simple_workspace({40, 35}, {1000, 900}, {20, 18}, {1000, 900});
  const Model m = compile(ws);
  const auto data = observed_data(ws, m);
  const double mu = 1.0;
  const HypotestResult a = hypotest(mu, m, data);
  ASSERT_TRUE(a.all_converged());
  ToyOptions opt;
  opt.ntoys = 600;
  opt.seed = 7;
  const ToyResult t = toy_hypotest(mu, m, data, opt);
  EXPECT_EQ(t.n_failed(), 0u);
  const double s_sb = std::sqrt(a.clsb * (1 - a.clsb) / t.sb_teststats.size());
  const double s_b = std::sqrt(a.clb * (1 - a.clb) / t.b_teststats.size());
  EXPECT_NEAR(t.clsb, a.clsb, 4 * s_sb + 0.01);
  EXPECT_NEAR(t.clb, a.clb, 4 * s_b + 0.01);
  EXPECT_NEAR(t.cls, a.cls, 4 * a.cls * std::hypot(s_sb / a.clsb, s_b / a.clb) + 0.01);
  EXPECT_NEAR(t.cls_expected[2], a.cls_expected[2], 0.05);
  std::printf("  high-count: toys CLs %.4f CLsb %.4f CLb %.4f exp %.4f | asymptotic %.4f %.4f %.4f %.4f\n", t.cls, t.clsb,
              t.clb, t.cls_expected[2], a.cls, a.clsb, a.clb, a.cls_expected[2]);
}

// --- reproducibility and robustness ---

TEST(Toys, SameSeedSameResultsWhateverTheThreadCount) {
  const Workspace ws = Workspace::load(test::data_path("reference/small/pyhf-docs-2bin-1channel/workspace.json"));
  const Model m = compile(ws);
  const auto data = observed_data(ws, m);
  ToyOptions opt;
  opt.ntoys = 120;
  opt.seed = 99;
  opt.threads = 1;
  const ToyResult one = toy_hypotest(1.0, m, data, opt);
  opt.threads = 2;
  std::size_t calls = 0, last = 0;
  opt.progress = [&](std::size_t done, std::size_t total) {
    ++calls;
    EXPECT_EQ(total, 240u);
    EXPECT_GT(done, last);
    last = done;
  };
  const ToyResult two = toy_hypotest(1.0, m, data, opt);
  EXPECT_EQ(last, 240u);
  EXPECT_GT(calls, 1u);
  EXPECT_EQ(one.sb_teststats, two.sb_teststats);
  EXPECT_EQ(one.b_teststats, two.b_teststats);
  EXPECT_EQ(one.cls, two.cls);
  EXPECT_EQ(one.cls_expected, two.cls_expected);
  opt.seed = 100;
  opt.progress = nullptr;
  const ToyResult other = toy_hypotest(1.0, m, data, opt);
  EXPECT_NE(one.sb_teststats, other.sb_teststats);
}

TEST(Toys, FailedFitsAreCountedAndExcluded) {
  const Workspace ws = Workspace::load(test::data_path("reference/small/pyhf-docs-2bin-1channel/workspace.json"));
  const Model m = compile(ws);
  const auto data = observed_data(ws, m);
  ToyOptions opt;
  opt.ntoys = 40;
  // An impossible budget: one L-BFGS iteration and tolerances no fit can reach.
  opt.fit_options.max_iterations = 1;
  opt.fit_options.max_restarts = 0;
  opt.fit_options.tolerance = 0;
  opt.fit_options.edm_tolerance = 0;
  const ToyResult r = toy_hypotest(1.0, m, data, opt);
  EXPECT_FALSE(r.observed_fits_converged());
  EXPECT_EQ(r.n_failed_sb, 40u);
  EXPECT_EQ(r.n_failed_b, 40u);
  EXPECT_TRUE(r.sb_teststats.empty());
  EXPECT_TRUE(std::isnan(r.cls));  // 0 / 0 toys, as pyhf's empty distribution would give

  // A budget some toys meet and some do not: failures are counted, the rest kept.
  opt.fit_options = {};
  opt.fit_options.max_iterations = 2;
  opt.fit_options.max_restarts = 0;
  opt.fit_options.edm_tolerance = 0;
  const ToyResult mixed = toy_hypotest(1.0, m, data, opt);
  EXPECT_EQ(mixed.sb_teststats.size() + mixed.n_failed_sb, 40u);
  EXPECT_EQ(mixed.b_teststats.size() + mixed.n_failed_b, 40u);
  for (double q : mixed.sb_teststats) EXPECT_TRUE(std::isfinite(q));
  std::printf("  mixed budget: %zu s+b and %zu b toys failed of 40 each\n", mixed.n_failed_sb, mixed.n_failed_b);
}

TEST(Toys, RejectsTestStatisticsPyhfDoesNotOffer) {
  const Workspace ws = Workspace::load(test::data_path("reference/small/pyhf-docs-2bin-1channel/workspace.json"));
  const Model m = compile(ws);
  ToyOptions opt;
  opt.test_stat = TestStatistic::ttilde;
  EXPECT_THROW(toy_hypotest(1.0, m, observed_data(ws, m), opt), Unsupported);
}

TEST(Toys, CliWritesPyhfKeysAndDistributions) {
  namespace fs = std::filesystem;
  const fs::path dir = test::scratch_dir();
  const std::string ws = test::data_path("reference/small/pyhf-docs-2bin-1channel/workspace.json");
  const std::string cmd = fmt::format("'{}' cls '{}' --calctype toybased --ntoys 30 --seed 5 --threads 2 --toys-output '{}' "
                                      "--output-file '{}' 2>&1",
                                      HFX_CLI_PATH, ws, (dir / "toys.json").string(), (dir / "cls.json").string());
  const auto [rc, out] = test::run_command(cmd);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "");  // no progress bar when stderr is not a terminal
  const Json cls = load_json_file((dir / "cls.json").string());
  EXPECT_EQ(cls["CLs_exp"].size(), 5u);
  EXPECT_TRUE(cls["CLs_obs"].is_number());
  EXPECT_EQ(cls["ntoys"].get<int>(), 30);
  EXPECT_EQ(cls["seed"].get<int>(), 5);
  EXPECT_EQ(cls["n_failed"].get<int>(), 0);
  const Json toys = load_json_file((dir / "toys.json").string());
  EXPECT_EQ(toys["sb_teststats"].size(), 30u);
  EXPECT_EQ(toys["b_teststats"].size(), 30u);
  EXPECT_TRUE(toys["teststat_obs"].is_number());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hfx
