// The generated rates pass (JitKernels::rates) against the Evaluator's formula written
// plainly: bit for bit on every reference workspace and on a model whose bins carry
// several per-bin factors, no factor, and more main bins than the code keeps in
// registers. The generated Gaussian constraint sum (JitKernels::gauss) against
// gauss_constraint_sum, bit for bit. The generated panels (JitKernels::panels) against
// histo_coefficients + add_panel_code4p, bit for bit. (The normsys block products:
// test_normsys_sweep; the panels on a forced split layout: test_histo_panels.)
#include "hfx/json.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"
#include "compile/model_data.hpp"
#include "eval/cpu_features.hpp"
#include "eval/gauss_constraints.hpp"
#include "eval/jit_kernels.hpp"
#include "eval/jit_panel_check.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace hfx {
namespace {

// bin_factor[i] = 1 x (its factors' parameters, in table order); rate[m] = sum over the
// block-bins of m, in order, of base x scale x bin_factor.
void plain_rates(const detail::ModelData& d, const std::vector<double>& x, const std::vector<double>& base,
                 const std::vector<double>& scale, std::vector<double>& bin_factor, std::vector<double>& rate) {
  rate.assign(d.nmain, 0.0);
  for (std::size_t b = 0; b < d.blocks.size(); ++b) {
    for (std::uint32_t j = 0; j < d.blocks[b].nbins; ++j) {
      const std::size_t i = d.blocks[b].bin_begin + j;
      double p = 1.0;
      for (std::uint32_t k = d.binfactor_begin[i]; k < d.binfactor_begin[i + 1]; ++k) p *= x[d.binfactor_par[k]];
      bin_factor[i] = p;
      rate[d.bb_main[i]] += base[i] * scale[b] * p;
    }
  }
}

// The generated rates (jit, built from d) against plain_rates at random points.
void expect_code_rates_match(const detail::ModelData& d, const detail::JitKernels& jit, const std::string& what) {
  std::mt19937 gen(3);
  std::uniform_real_distribution<double> u(-1.0, 3.0);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> x(d.npars), base(d.nominal.size()), scale(d.blocks.size());
    for (auto& v : x) v = u(gen);
    for (auto& v : base) v = 100 * u(gen);
    for (auto& v : scale) v = u(gen);
    std::vector<double> bf(d.nominal.size(), -1.0), bf_want(d.nominal.size()), rate(d.nmain, -1.0), rate_want;
    jit.rates(x.data(), base.data(), scale.data(), bf.data(), rate.data());
    plain_rates(d, x, base, scale, bf_want, rate_want);
    for (std::size_t i = 0; i < bf.size(); ++i) ASSERT_EQ(bf[i], bf_want[i]) << what << ", block-bin " << i;
    for (std::size_t g = 0; g < rate.size(); ++g) ASSERT_EQ(rate[g], rate_want[g]) << what << ", main bin " << g;
  }
}

// The rates code of each width the CPU runs, built from d (the eight-lane one serves
// d's channels of 3 bins or more when its per-bin factors are regular).
void expect_rates_match(const detail::ModelData& d, const std::string& what) {
  using Width = detail::JitKernels::Width;
  for (const Width width : {Width::avx2, Width::avx512}) {
    if (width == Width::avx512 && !detail::cpu_has_avx512()) continue;
    const auto jit = detail::JitKernels::build(d, width);
    ASSERT_TRUE(jit != nullptr && jit->has_rates()) << what;
    expect_code_rates_match(d, *jit, what + (width == Width::avx512 ? " (AVX-512)" : " (AVX2)"));
  }
}

void expect_rates_match(const Model& m, const std::string& what) { expect_rates_match(m.data(), what); }

// Channel "wide": 14 bins (beyond the 12 sums kept in registers), sample s1 with
// staterror, shapesys and shapefactor on every bin (three factors), s2 with none.
// Channel "one": a bin whose samples carry one factor or none.
Workspace rates_workspace() {
  std::vector<double> nom(14), err(14), up(14);
  for (int i = 0; i < 14; ++i) {
    nom[i] = 10.0 + i;
    err[i] = 1.0 + 0.1 * i;
    up[i] = 0.5 + 0.05 * i;
  }
  Json wide = {{"name", "wide"},
               {"samples",
                {{{"name", "s1"},
                  {"data", nom},
                  {"modifiers",
                   {{{"name", "mu"}, {"type", "normfactor"}, {"data", nullptr}},
                    {{"name", "stat_wide"}, {"type", "staterror"}, {"data", err}},
                    {{"name", "shp"}, {"type", "shapesys"}, {"data", up}},
                    {{"name", "free"}, {"type", "shapefactor"}, {"data", nullptr}}}}},
                 {{"name", "s2"}, {"data", nom}, {"modifiers", Json::array()}}}}};
  Json one = {{"name", "one"},
              {"samples",
               {{{"name", "s1"},
                 {"data", {5.0}},
                 {"modifiers", {{{"name", "stat_one"}, {"type", "staterror"}, {"data", {0.5}}}}}},
                {{"name", "s2"}, {"data", {7.0}}, {"modifiers", Json::array()}}}}};
  std::vector<double> obs(14, 20.0);
  Json doc = {{"channels", {wide, one}},
              {"observations", {{{"name", "wide"}, {"data", obs}}, {{"name", "one"}, {"data", {12.0}}}}},
              {"measurements", {{{"name", "m"}, {"config", {{"poi", "mu"}, {"parameters", Json::array()}}}}}},
              {"version", "1.0.0"}};
  return Workspace(doc);
}

TEST(JitRates, BitIdenticalToThePlainSum) {
  if (!detail::cpu_has_avx2_fma()) GTEST_SKIP() << "the generated code needs AVX2+FMA";
  const Model wide = compile(rates_workspace(), ModelOptions{});
  // The premise: a bin with three factors, a bin with none, more than 12 main bins.
  const auto& d = wide.data();
  bool three = false, none = false;
  for (std::size_t i = 0; i < d.nominal.size(); ++i) {
    three = three || d.binfactor_begin[i + 1] - d.binfactor_begin[i] == 3;
    none = none || d.binfactor_begin[i + 1] == d.binfactor_begin[i];
  }
  ASSERT_TRUE(three && none && d.nmain > 12);
  expect_rates_match(wide, "test model");
  // Irregular per-bin factors (two bins' staterror parameters swapped): the eight-lane
  // code leaves such models to the one-bin-at-a-time pass.
  detail::ModelData swapped = d;
  swapped.jit.reset();
  const std::uint32_t i0 = swapped.blocks[0].bin_begin;
  std::swap(swapped.binfactor_par[swapped.binfactor_begin[i0]], swapped.binfactor_par[swapped.binfactor_begin[i0 + 1]]);
  expect_rates_match(swapped, "test model, factors swapped");
  for (const auto& name : test::reference_cases())
    expect_rates_match(compile(Workspace(test::load("reference/" + name + "/workspace.json")), ModelOptions{}), name);
}

void expect_gauss_matches(const Model& m, const detail::JitKernels& jit, const std::string& what) {
  const auto& d = m.data();
  std::vector<std::uint32_t> par, runs;
  for (const auto& c : d.normal) par.push_back(c.par);
  detail::append_param_runs(par.data(), par.size(), runs);
  std::mt19937 gen(7);
  std::uniform_real_distribution<double> u(-3.0, 3.0), s(0.01, 2.0);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> x(m.npars()), aux(d.normal.size()), inv_sigma(d.normal.size());
    for (auto& v : x) v = u(gen);
    for (auto& v : aux) v = u(gen);
    for (auto& v : inv_sigma) v = s(gen);
    const double want = detail::gauss_constraint_sum(runs.data(), runs.size() / 3, aux.data(), inv_sigma.data(), x.data());
    ASSERT_EQ(jit.gauss(x.data(), aux.data(), inv_sigma.data()), want) << what << ", trial " << trial;
  }
}

// The Gaussian sum of each width the CPU runs.
void expect_gauss_matches(const Model& m, const std::string& what) {
  using Width = detail::JitKernels::Width;
  for (const Width width : {Width::avx2, Width::avx512}) {
    if (width == Width::avx512 && !detail::cpu_has_avx512()) continue;
    const auto jit = detail::JitKernels::build(m.data(), width);
    ASSERT_TRUE(jit != nullptr && jit->has_gauss()) << what;
    expect_gauss_matches(m, *jit, what + (width == Width::avx512 ? " (AVX-512)" : " (AVX2)"));
  }
}

// Gaussian constraints in three runs of consecutive parameters, which pyhf's order
// (grouped by modifier type) makes 12 histosys + lumi = 13 (eight, four, one),
// 7 normsys (four, three) and 3 staterror (three): every branch of the vector sum. A
// normfactor and a shapefactor separate the runs.
Workspace gauss_workspace() {
  const std::vector<double> nom = {10.0, 20.0, 30.0};
  Json mods = Json::array({{{"name", "mu"}, {"type", "normfactor"}, {"data", nullptr}},
                           {{"name", "lumi"}, {"type", "lumi"}, {"data", nullptr}},
                           {{"name", "free"}, {"type", "shapefactor"}, {"data", nullptr}},
                           {{"name", "stat"}, {"type", "staterror"}, {"data", {1.0, 2.0, 3.0}}}});
  for (int i = 0; i < 12; ++i) {
    const std::string name = std::string("h") + static_cast<char>('a' + i);
    mods.push_back({{"name", name},
                    {"type", "histosys"},
                    {"data", {{"lo_data", {9.0, 19.0, 29.0 - i}}, {"hi_data", {11.0, 21.5, 31.0 + i}}}}});
  }
  for (int i = 0; i < 7; ++i) {
    const std::string name = std::string("n") + static_cast<char>('a' + i);
    mods.push_back({{"name", name}, {"type", "normsys"}, {"data", {{"lo", 0.9 - 0.01 * i}, {"hi", 1.1}}}});
  }
  Json sample = {{"name", "s"}, {"data", nom}, {"modifiers", mods}};
  Json channel = {{"name", "c"}, {"samples", Json::array({sample})}};
  Json lumi = {{"name", "lumi"}, {"auxdata", {1.0}}, {"sigmas", {0.02}}, {"bounds", {{0.5, 1.5}}}, {"inits", {1.0}}};
  Json doc = {{"channels", Json::array({channel})},
              {"observations", {{{"name", "c"}, {"data", {12.0, 22.0, 28.0}}}}},
              {"measurements", {{{"name", "m"}, {"config", {{"poi", "mu"}, {"parameters", Json::array({lumi})}}}}}},
              {"version", "1.0.0"}};
  return Workspace(doc);
}

TEST(JitGauss, BitIdenticalToTheVectorSum) {
  if (!detail::cpu_has_avx2_fma()) GTEST_SKIP() << "the generated code needs AVX2+FMA";
  const Model runs = compile(gauss_workspace(), ModelOptions{});
  // The premise: runs of 13, 7 and 3 consecutive parameters.
  std::vector<std::size_t> lengths;
  for (std::size_t k = 0; k < runs.data().normal.size(); ++k) {
    if (k == 0 || runs.data().normal[k].par != runs.data().normal[k - 1].par + 1) lengths.push_back(0);
    ++lengths.back();
  }
  ASSERT_EQ(lengths, (std::vector<std::size_t>{13, 7, 3}));
  expect_gauss_matches(runs, "test model");
  for (const auto& name : test::reference_cases()) {
    const Model m = compile(Workspace(test::load("reference/" + name + "/workspace.json")), ModelOptions{});
    if (m.data().normal.empty()) {
      EXPECT_FALSE(m.data().jit != nullptr && m.data().jit->has_gauss()) << name;
      continue;
    }
    expect_gauss_matches(m, name);  // from one constraint on
  }
}

TEST(JitPanels, BitIdenticalToTheTableKernels) {
  if (!detail::cpu_has_avx2_fma()) GTEST_SKIP() << "the generated code needs AVX2+FMA";
  int with_panels = 0;
  for (const auto& name : test::reference_cases()) {
    const Model m = compile(Workspace(test::load("reference/" + name + "/workspace.json")), ModelOptions{});
    const auto& d = m.data();
    if (d.histo_panels.empty()) {
      EXPECT_FALSE(d.jit != nullptr && d.jit->has_panels()) << name;
      continue;
    }
    ++with_panels;
    ASSERT_TRUE(d.jit != nullptr && d.jit->has_panels()) << name;
    EXPECT_TRUE(test::jit_panels_match_each_width(d, 30)) << name;
  }
  EXPECT_GE(with_panels, 5);  // the published models and litehf-single-channel-big at least
}

// HFX_PERF_MAP: one "start size name" line per generated function in /tmp/perf-PID.map,
// each inside the code (the functions are consecutive: starts and sizes chain).
TEST(JitPerfMap, NamesEveryGeneratedFunction) {
  if (!detail::cpu_has_avx2_fma()) GTEST_SKIP() << "the generated code needs AVX2+FMA";
  const std::string path = "/tmp/perf-" + std::to_string(::getpid()) + ".map";
  std::remove(path.c_str());
  const Model m = compile(Workspace(test::load("reference/sbottom-multib-regionA/workspace.json")), ModelOptions{});
  ::setenv("HFX_PERF_MAP", "1", 1);
  const auto jit = detail::JitKernels::build(m.data(), detail::JitKernels::Width::avx2);
  ::unsetenv("HFX_PERF_MAP");
  ASSERT_TRUE(jit != nullptr);
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << path;
  std::vector<std::string> names;
  std::uintptr_t start = 0, size = 0, prev_end = 0;
  std::string name;
  while (in >> std::hex >> start >> size >> name) {
    EXPECT_GT(size, 0u) << name;
    if (!names.empty()) {
      EXPECT_EQ(start, prev_end) << name;
    }
    prev_end = start + size;
    names.push_back(name);
  }
  std::remove(path.c_str());
  const std::vector<std::string> want = {"hfx_jit_scales", "hfx_jit_scales_grad", "hfx_jit_rates", "hfx_jit_gauss",
                                         "hfx_jit_panels"};
  EXPECT_EQ(names, want);
}

}  // namespace
}  // namespace hfx
