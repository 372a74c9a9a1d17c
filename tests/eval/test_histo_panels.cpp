// The dense histosys panels (ModelData::histo_panels) on a model built to exercise their
// layout: a 60-bin block (cut into panels of 48 and 12 bins), blocks without histosys
// between blocks with it (runs broken), parameters shared across blocks and channels,
// three whose up and down templates are equal (an A-only panel) and one that moves only
// the first bins of the wide block (a panel over part of the run). The published models use panels too;
// their rates and gradients are checked in test_gradient.cpp.
#include "hfx/evaluator.hpp"
#include "hfx/json.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"
#include "compile/histo_panels.hpp"
#include "compile/model_data.hpp"
#include "eval/cpu_features.hpp"
#include "eval/packed_code4p.hpp"
#include "eval/panel_code4p.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <utility>

namespace hfx {
namespace {

Json histosys(const std::string& name, const std::vector<double>& nom, double lo, double hi, double tilt) {
  Json lo_data = Json::array(), hi_data = Json::array();
  for (std::size_t j = 0; j < nom.size(); ++j) {
    lo_data.push_back(nom[j] * (lo + tilt * static_cast<double>(j % 5)));
    hi_data.push_back(nom[j] * (hi - tilt * static_cast<double>(j % 3)));
  }
  return {{"name", name}, {"type", "histosys"}, {"data", {{"lo_data", lo_data}, {"hi_data", hi_data}}}};
}

// Moves bins [0, n) of nom by the factors lo and hi, leaves the others at nominal.
Json histosys_head(const std::string& name, const std::vector<double>& nom, std::size_t n, double lo, double hi) {
  Json lo_data = Json::array(), hi_data = Json::array();
  for (std::size_t j = 0; j < nom.size(); ++j) {
    lo_data.push_back(j < n ? nom[j] * lo : nom[j]);
    hi_data.push_back(j < n ? nom[j] * hi : nom[j]);
  }
  return {{"name", name}, {"type", "histosys"}, {"data", {{"lo_data", lo_data}, {"hi_data", hi_data}}}};
}

Json sample(const std::string& name, const std::vector<double>& nom, Json modifiers) {
  return {{"name", name}, {"data", nom}, {"modifiers", std::move(modifiers)}};
}

Workspace panel_workspace() {
  std::vector<double> wide(60), narrow = {20, 15, 9}, one = {40};
  for (std::size_t j = 0; j < wide.size(); ++j) wide[j] = 50.0 + 3.0 * static_cast<double>(j);
  std::vector<double> sig(60, 2.0);
  Json mu = {{"name", "mu"}, {"type", "normfactor"}, {"data", nullptr}};
  Json channels = Json::array();
  channels.push_back({{"name", "wide"},
                      {"samples",
                       {sample("bkg", wide,
                               {histosys("h1", wide, 0.9, 1.1, 0.01), histosys("h2", wide, 0.95, 1.08, 0.004),
                                histosys("h4", wide, 1.03, 1.03, 0.0), histosys("h6", wide, 0.98, 0.98, 0.0),
                                histosys("h7", wide, 1.01, 1.01, 0.0), histosys_head("h5", wide, 9, 0.9, 1.15),
                                {{"name", "n1"}, {"type", "normsys"}, {"data", {{"lo", 0.9}, {"hi", 1.12}}}}}),
                        sample("other", wide, Json::array({{{"name", "n1"}, {"type", "normsys"}, {"data", {{"lo", 0.95}, {"hi", 1.04}}}}})),
                        sample("sig", sig, {mu, histosys("h3", sig, 0.8, 1.3, 0.02)})}}});
  channels.push_back({{"name", "x_narrow"},
                      {"samples",
                       {sample("bkg", narrow, {histosys("h1", narrow, 0.92, 1.07, 0.0), histosys("h3", narrow, 0.9, 1.2, 0.01)}),
                        sample("other", narrow, Json::array()),
                        sample("sig", {1, 1, 1}, {mu, histosys("h2", {1, 1, 1}, 0.5, 1.6, 0.05)})}}});
  channels.push_back({{"name", "y_one"}, {"samples", {sample("bkg", one, Json::array({histosys("h2", one, 0.9, 1.1, 0.0)}))}}});
  std::vector<double> obs_wide(60);
  for (std::size_t j = 0; j < 60; ++j) obs_wide[j] = std::round(wide[j] * 2.05);
  Json doc = {{"channels", channels},
              {"observations",
               {{{"name", "wide"}, {"data", obs_wide}}, {{"name", "x_narrow"}, {"data", {45, 31, 20}}},
                {{"name", "y_one"}, {"data", {42}}}}},
              {"measurements", {{{"name", "m"}, {"config", {{"poi", "mu"}, {"parameters", Json::array()}}}}}},
              {"version", "1.0.0"}};
  return Workspace(doc);
}

TEST(HistoPanels, LayoutCoversEveryEntryBin) {
  const Model m = compile(panel_workspace(), ModelOptions{});
  // Panels as the builder makes them for large models (split by the bins each parameter
  // moves; this model's columns are below the size where compile splits them).
  detail::ModelData d = m.data();
  detail::build_histo_panels(d, detail::PanelChoice::always);
  ASSERT_FALSE(d.histo_panels.empty());
  // Every (parameter, block-bin) of a histosys entry is in exactly one panel; block-bins
  // of blocks without entries in a short gap between such blocks (x_narrow's 'other'
  // sample) may be in panels, as zero lanes, and the wide channel's 60-bin 'other'
  // block is not.
  std::map<std::pair<std::uint32_t, std::uint32_t>, int> par_bin;  // (parameter, block-bin) -> panels
  std::vector<int> covered(d.nominal.size(), 0);
  bool cut = false, a_only = false, part = false;
  for (const auto& q : d.histo_panels) {
    EXPECT_GE(q.nbins, 1u);
    EXPECT_LE(q.nbins, detail::kPanelBins);
    cut = cut || q.nbins == detail::kPanelBins;
    a_only = a_only || q.a_only;
    for (std::uint32_t j = 0; j < q.nbins; ++j) {
      covered[q.bin_begin + j] = 1;
      for (std::uint32_t i = q.par_begin; i < q.par_end; ++i) ++par_bin[{d.panel_par[i], q.bin_begin + j}];
    }
    // h5 moves bins 0-8 of the wide block: its panel there spans three lane groups.
    for (std::uint32_t i = q.par_begin; i < q.par_end; ++i) {
      if (d.par_names[d.panel_par[i]] != "h5") continue;
      EXPECT_EQ(q.bin_begin, 0u) << "h5 is stored where it moves nothing";
      part = q.nbins == 12;
    }
  }
  EXPECT_TRUE(cut) << "the 60-bin block should fill a whole panel";
  EXPECT_TRUE(a_only) << "h4, h6 and h7 (up = down) should be in a panel of A terms alone";
  EXPECT_TRUE(part) << "h5 (first 9 bins) should be in a panel over those bins alone";
  int bridged = 0;
  for (std::size_t b = 0; b < d.blocks.size(); ++b) {
    const bool entries = d.histo_begin[b + 1] > d.histo_begin[b];
    for (std::uint32_t j = 0; j < d.blocks[b].nbins; ++j) {
      const std::uint32_t bin = d.blocks[b].bin_begin + j;
      if (!entries) {
        EXPECT_LE(covered[bin], d.blocks[b].nbins <= 8 ? 1 : 0) << "block " << b << " bin " << j;
      }
      bridged += !entries && covered[bin] == 1;
    }
    for (std::uint32_t h = d.histo_begin[b]; h < d.histo_begin[b + 1]; ++h) {
      for (std::uint32_t j = 0; j < d.blocks[b].nbins; ++j) {
        const double* sa = d.histo_SA.data() + 2 * (static_cast<std::size_t>(d.histos[h].data) + j);
        if (sa[0] == 0 && sa[1] == 0) continue;  // a bin the entry does not move may be left out
        EXPECT_EQ((par_bin[{d.histos[h].par, d.blocks[b].bin_begin + j}]), 1)
            << "block " << b << " bin " << j << " parameter " << d.par_names[d.histos[h].par];
      }
    }
  }
  EXPECT_EQ(bridged, 3) << "x_narrow's 3-bin 'other' block should be bridged";
}

// The panels' rates and gradient against the pyhf arithmetic (per-entry code) and the
// per-entry kernels, at points inside and beyond +-1.
TEST(HistoPanels, RatesAndGradientMatchPerEntryKernels) {
  const Workspace ws = panel_workspace();
  const Model m = compile(ws, ModelOptions{});
  const auto data = observed_data(ws, m);
  std::mt19937_64 rng(99);
  std::uniform_real_distribution<double> u(-2.0, 2.0);
  for (int k = 0; k < 6; ++k) {
    auto x = m.suggested_init();
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = i == *m.poi_index() ? 1.0 + 0.4 * u(rng) : u(rng);
    Evaluator fit(m, Evaluator::Arithmetic::stable), ref(m, Evaluator::Arithmetic::pyhf);
    fit.set_data(data);
    ref.set_data(data);
    const auto rates = fit.expected_main(x);
    const auto expected = m.expected_actualdata(x);
    for (std::size_t g = 0; g < expected.size(); ++g)
      EXPECT_NEAR(rates[g], expected[g], 1e-12 * std::abs(expected[g])) << "point " << k << " bin " << g;
    std::vector<double> g_fit(m.npars()), g_ref(m.npars());
    const double f_fit = fit.nll_and_grad(x, g_fit), f_ref = ref.nll_and_grad(x, g_ref);
    EXPECT_NEAR(f_fit, f_ref, 1e-10 * std::abs(f_ref));
    for (std::size_t i = 0; i < m.npars(); ++i)
      EXPECT_NEAR(g_fit[i], g_ref[i], 1e-10 * std::max(1.0, std::abs(g_ref[i]))) << "point " << k << " d/d " << m.par_names()[i];
  }
}

#if HFX_ENABLE_X86
// The kernels themselves, on every panel layout the builder can make of this model
// (forced on), against the per-entry kernel (the baseline variant when no AVX2).
TEST(HistoPanels, KernelsAgreeWithPerEntryKernel) {
  if (!detail::cpu_has_avx2_fma()) GTEST_SKIP() << "the panel kernels need AVX2+FMA";
  const Model m = compile(panel_workspace(), ModelOptions{});
  detail::ModelData d = m.data();
  detail::build_histo_panels(d, detail::PanelChoice::always);
  detail::ModelData none = m.data();
  detail::build_histo_panels(none, detail::PanelChoice::never);
  ASSERT_TRUE(none.histo_panels.empty());
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  std::vector<double> coef(2 * d.npars), slope(d.npars);
  for (auto& c : coef) c = u(rng);
  for (auto& s : slope) s = u(rng);
  std::vector<double> base(d.nominal.size(), 1.0);
  std::vector<double> expect = base;
  detail::add_panel_code4p(d, coef.data(), base.data());
  // The per-entry reference: blocks of up to 4 bins by the packed kernel, wider ones here.
  detail::add_packed_code4p(d, coef.data(), expect.data());
  for (std::size_t b = 0; b < d.blocks.size(); ++b) {
    if (d.blocks[b].nbins <= 4) continue;
    for (std::uint32_t h = d.histo_begin[b]; h < d.histo_begin[b + 1]; ++h)
      for (std::uint32_t j = 0; j < d.blocks[b].nbins; ++j) {
        const double* sa = d.histo_SA.data() + 2 * (static_cast<std::size_t>(d.histos[h].data) + j);
        expect[d.blocks[b].bin_begin + j] += coef[2 * d.histos[h].par] * sa[0] + coef[2 * d.histos[h].par + 1] * sa[1];
      }
  }
  // Relative to the terms' size (tens), not to the sum: random coefficients can cancel.
  for (std::size_t i = 0; i < base.size(); ++i)
    EXPECT_NEAR(base[i], expect[i], 1e-13 * std::abs(expect[i]) + 1e-12) << "bin " << i;

  // Gradient: weight w per block-bin; grad[p] = sum over p's entries of (S + slope A) w.
  std::vector<double> w(d.nominal.size());
  for (auto& v : w) v = u(rng);
  std::vector<double> g(detail::panel_grad_size(d), 0.0);
  std::vector<double> grad(d.npars, 0.0);
  std::vector<double> want(d.npars, 0.0);
  detail::gather_panel_weights(d, w.data(), g.data());
  detail::add_panel_code4p_grad(d, slope.data(), g.data(), grad.data());
  for (std::size_t b = 0; b < d.blocks.size(); ++b)
    for (std::uint32_t h = d.histo_begin[b]; h < d.histo_begin[b + 1]; ++h) {
      const std::uint32_t p = d.histos[h].par;
      for (std::uint32_t j = 0; j < d.blocks[b].nbins; ++j) {
        const double* sa = d.histo_SA.data() + 2 * (static_cast<std::size_t>(d.histos[h].data) + j);
        want[p] += (sa[0] + slope[p] * sa[1]) * w[d.blocks[b].bin_begin + j];
      }
    }
  for (std::size_t p = 0; p < d.npars; ++p) EXPECT_NEAR(grad[p], want[p], 1e-12 * std::max(1.0, std::abs(want[p]))) << d.par_names[p];

}
#endif  // HFX_ENABLE_X86

}  // namespace
}  // namespace hfx
