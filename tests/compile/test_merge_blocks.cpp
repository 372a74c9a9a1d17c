// The fits' merged tables (ModelData::fit, compile/merge_blocks.hpp): which blocks merge,
// and that the fits' arithmetic on them gives the rates, NLL and gradient of the
// unmerged model.
#include "hfx/evaluator.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"
#include "compile/model_data.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace hfx {
namespace {

// Channel "SR" (3 bins): bkg_a, bkg_b and bkg_c carry lumi, the channel's staterror and
// histosys (bkg_b also a second histosys bkg_a lacks, bkg_c a third on its own) and
// merge into one block; "sig" has the POI and "bkg_n" a normsys, so they stay. Channel
// "CR" (2 bins): two samples with a shapesys each (different per-bin factors) stay
// apart, two with only histosys merge. Negative and zero yields in single samples, as
// published likelihoods have.
Workspace merge_workspace() {
  const Json doc = Json::parse(R"({
    "channels": [
      {"name": "SR", "samples": [
        {"name": "sig", "data": [1.0, 2.0, 3.0], "modifiers": [
          {"name": "mu", "type": "normfactor", "data": null},
          {"name": "lumi", "type": "lumi", "data": null}]},
        {"name": "bkg_a", "data": [10.0, 20.0, -0.5], "modifiers": [
          {"name": "lumi", "type": "lumi", "data": null},
          {"name": "stat_SR", "type": "staterror", "data": [1.0, 2.0, 0.5]},
          {"name": "h1", "type": "histosys", "data": {"hi_data": [11.0, 22.0, -0.4], "lo_data": [9.5, 18.0, -0.7]}}]},
        {"name": "bkg_b", "data": [5.0, 0.0, 7.0], "modifiers": [
          {"name": "h1", "type": "histosys", "data": {"hi_data": [5.5, 0.5, 7.7], "lo_data": [4.0, 0.0, 6.0]}},
          {"name": "h2", "type": "histosys", "data": {"hi_data": [6.0, 0.2, 7.0], "lo_data": [4.5, 0.0, 6.5]}},
          {"name": "lumi", "type": "lumi", "data": null},
          {"name": "stat_SR", "type": "staterror", "data": [0.5, 0.1, 1.0]}]},
        {"name": "bkg_c", "data": [3.0, 4.0, 5.0], "modifiers": [
          {"name": "lumi", "type": "lumi", "data": null},
          {"name": "stat_SR", "type": "staterror", "data": [0.3, 0.4, 0.5]},
          {"name": "h3", "type": "histosys", "data": {"hi_data": [3.3, 4.1, 5.6], "lo_data": [2.5, 3.8, 4.7]}}]},
        {"name": "bkg_n", "data": [4.0, 4.0, 4.0], "modifiers": [
          {"name": "lumi", "type": "lumi", "data": null},
          {"name": "stat_SR", "type": "staterror", "data": [0.3, 0.4, 0.5]},
          {"name": "n1", "type": "normsys", "data": {"hi": 1.1, "lo": 0.85}},
          {"name": "h1", "type": "histosys", "data": {"hi_data": [4.2, 4.4, 4.1], "lo_data": [3.9, 3.5, 3.8]}}]}]},
      {"name": "CR", "samples": [
        {"name": "bkg_a", "data": [30.0, 40.0], "modifiers": [
          {"name": "sa", "type": "shapesys", "data": [3.0, 2.0]},
          {"name": "h1", "type": "histosys", "data": {"hi_data": [32.0, 41.0], "lo_data": [29.0, 37.0]}}]},
        {"name": "bkg_b", "data": [12.0, 8.0], "modifiers": [
          {"name": "sb", "type": "shapesys", "data": [1.0, 1.0]},
          {"name": "h2", "type": "histosys", "data": {"hi_data": [13.0, 8.5], "lo_data": [11.0, 7.0]}}]},
        {"name": "bkg_c", "data": [6.0, 9.0], "modifiers": [
          {"name": "h3", "type": "histosys", "data": {"hi_data": [6.6, 9.1], "lo_data": [5.5, 8.2]}}]},
        {"name": "bkg_n", "data": [2.0, 1.0], "modifiers": [
          {"name": "h1", "type": "histosys", "data": {"hi_data": [2.3, 1.2], "lo_data": [1.9, 0.7]}}]}]}
    ],
    "observations": [{"name": "SR", "data": [25.0, 31.0, 19.0]}, {"name": "CR", "data": [52.0, 60.0]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": [
      {"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "bounds": [[0.8, 1.2]], "inits": [1.0]}]}}],
    "version": "1.0.0"
  })");
  return Workspace(doc);
}

TEST(MergeBlocks, BlocksOfEqualScaleMerge) {
  const Workspace ws = merge_workspace();
  const Model m = compile(ws, ModelOptions{});
  const auto& d = m.data();
  ASSERT_EQ(d.blocks.size(), 9u);
  ASSERT_NE(d.fit, nullptr);
  // SR: sig, bkg_a+bkg_b+bkg_c, bkg_n; CR: bkg_a, bkg_b, bkg_c+bkg_n.
  EXPECT_EQ(d.fit->blocks.size(), 6u);
  EXPECT_EQ(d.fit->nominal.size(), 3u * 3 + 3u * 2);
  EXPECT_EQ(d.fit->fit, nullptr);
  EXPECT_EQ(d.fit->channel_pars, d.channel_pars);
  EXPECT_EQ(d.fit->par_local_bin, d.par_local_bin);
}

TEST(MergeBlocks, MultiplicativeHistosysKeepsTheBlocks) {
  // Two samples of equal scale, one histosys parameter on both (merged: one entry
  // instead of two), positive templates (the multiplicative codes need them).
  const Workspace ws(Json::parse(R"({
    "channels": [{"name": "SR", "samples": [
      {"name": "a", "data": [10.0, 20.0], "modifiers": [
        {"name": "mu", "type": "normfactor", "data": null},
        {"name": "h1", "type": "histosys", "data": {"hi_data": [11.0, 22.0], "lo_data": [9.5, 18.0]}}]},
      {"name": "b", "data": [5.0, 3.0], "modifiers": [
        {"name": "mu", "type": "normfactor", "data": null},
        {"name": "h1", "type": "histosys", "data": {"hi_data": [5.5, 3.5], "lo_data": [4.0, 2.0]}}]}]}],
    "observations": [{"name": "SR", "data": [16.0, 24.0]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
    "version": "1.0.0"
  })"));
  ModelOptions opts;
  opts.histosys_interp = InterpCode::code0;  // additive: merges
  EXPECT_NE(compile(ws, opts).data().fit, nullptr);
  opts.histosys_interp = InterpCode::code1;  // exponential in the templates' ratios: no
  EXPECT_EQ(compile(ws, opts).data().fit, nullptr);
}

// The fits' arithmetic (merged tables) against the pyhf arithmetic (the model's own)
// and the model's expected data, inside and outside the histosys parameters' +-1.
TEST(MergeBlocks, FitArithmeticMatchesTheUnmergedModel) {
  const Workspace ws = merge_workspace();
  for (const InterpCode code : {InterpCode::code4p, InterpCode::code0, InterpCode::code2}) {
    ModelOptions opts;
    opts.histosys_interp = code;
    const Model m = compile(ws, opts);
    ASSERT_NE(m.data().fit, nullptr);
    const auto data = observed_data(ws, m);
    Evaluator fit(m, Evaluator::Arithmetic::stable), ref(m, Evaluator::Arithmetic::pyhf);
    fit.set_data(data);
    ref.set_data(data);
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (int trial = 0; trial < 20; ++trial) {
      auto x = m.suggested_init();
      const double reach = trial < 10 ? 0.9 : 2.5;  // then past +-1: the extrapolations
      for (const auto& p : m.parameter_sets())
        for (std::size_t i = 0; i < p.size; ++i) {
          double& v = x[p.offset + i];
          if (p.type == ModifierType::histosys || p.type == ModifierType::normsys) v = reach * u(rng);
          else v *= 1.0 + 0.05 * u(rng);
        }
      const std::string what = std::string(to_string(code)) + " trial " + std::to_string(trial);
      const auto rates = fit.expected_main(x);
      const auto want = m.expected_actualdata(x);
      for (std::size_t g = 0; g < want.size(); ++g)
        EXPECT_NEAR(rates[g], want[g], 1e-12 * std::max(1.0, std::abs(want[g]))) << what << " bin " << g;
      const double f_ref = ref.nll(x);
      std::vector<double> g_fit(m.npars()), g_ref(m.npars());
      const double f_fit = fit.nll_and_grad(x, g_fit);
      (void)ref.nll_and_grad(x, g_ref);
      EXPECT_NEAR(fit.nll(x), f_ref, 1e-12 * std::abs(f_ref)) << what;
      EXPECT_NEAR(f_fit, f_ref, 1e-12 * std::abs(f_ref)) << what;
      for (std::size_t i = 0; i < m.npars(); ++i)
        EXPECT_NEAR(g_fit[i], g_ref[i], 1e-10 * std::max(1.0, std::abs(g_ref[i]))) << what << " d/d " << m.par_names()[i];
    }
  }
}

// sbottom-multib-regionA: each channel's diboson, W, Z, ttW and st merge (54 block-bins
// become 30), and the fits' NLL still equals the pyhf arithmetic's.
TEST(MergeBlocks, SbottomMergesItsFiveBackgroundsPerChannel) {
  const Workspace ws(test::load("reference/sbottom-multib-regionA/workspace.json"));
  const Model m = compile(ws, ModelOptions{});
  ASSERT_NE(m.data().fit, nullptr);
  EXPECT_EQ(m.data().nominal.size(), 54u);
  EXPECT_EQ(m.data().fit->nominal.size(), 30u);
  const auto data = observed_data(ws, m);
  Evaluator fit(m, Evaluator::Arithmetic::stable), ref(m, Evaluator::Arithmetic::pyhf);
  fit.set_data(data);
  ref.set_data(data);
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  for (int trial = 0; trial < 5; ++trial) {
    auto x = m.suggested_init();
    for (const auto& p : m.parameter_sets())
      if (p.type == ModifierType::histosys || p.type == ModifierType::normsys) x[p.offset] = u(rng);
    const double want = ref.nll(x);
    EXPECT_NEAR(fit.nll(x), want, 1e-12 * std::abs(want)) << "trial " << trial;
  }
}

}  // namespace
}  // namespace hfx
