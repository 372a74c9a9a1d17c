// The fits' normsys sweep (code4_normsys_sweep) against the scalar code4 factor, on a
// model whose normsys parameters are not consecutive: a parameter shared with histosys
// sits in the histosys group and a normfactor lies between them, so the span the sweep
// checks once per call (ModelData::normsys_par_mask) holds a parameter that is not a
// normsys one. Points with every alpha inside +-1 (the sweep's unchecked path, also with
// the normfactor far above 1), with one alpha outside or on the boundary (the checked
// path), and with a NaN.
#include "hfx/json.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"
#include "compile/model_data.hpp"
#include "eval/cpu_features.hpp"
#include "eval/kernels.hpp"
#include "eval/normsys_sweep.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace hfx {
namespace {

Json normsys(const std::string& name, double lo, double hi) {
  return {{"name", name}, {"type", "normsys"}, {"data", {{"lo", lo}, {"hi", hi}}}};
}

Workspace sweep_workspace() {
  const std::vector<double> nom = {30, 20};
  Json shared_h = {{"name", "shared"},
                   {"type", "histosys"},
                   {"data", {{"lo_data", {28.0, 19.0}}, {"hi_data", {33.0, 21.5}}}}};
  Json mu = {{"name", "mu"}, {"type", "normfactor"}, {"data", nullptr}};
  Json samples = Json::array();
  // Blocks with 0, 1, 3, 4, 5, 7, 9, 10 and 13 normsys entries: runs of whole and partial
  // lanes.
  // Samples g and h carry a normsys with up = down = 1 (factor exactly 1, like the padding
  // entries), alone and between others.
  samples.push_back({{"name", "a"}, {"data", nom}, {"modifiers", Json::array({mu})}});
  samples.push_back({{"name", "b"}, {"data", nom}, {"modifiers", {shared_h, normsys("shared", 0.9, 1.15)}}});
  samples.push_back({{"name", "c"},
                     {"data", nom},
                     {"modifiers", {normsys("n1", 0.8, 1.3), normsys("n2", 1.1, 0.95), normsys("n3", 0.97, 1.02)}}});
  samples.push_back({{"name", "d"},
                     {"data", nom},
                     {"modifiers", {mu, normsys("n1", 0.85, 1.2), normsys("n2", 0.7, 1.4), normsys("n4", 0.99, 1.01),
                                    normsys("shared", 1.05, 0.9)}}});
  samples.push_back({{"name", "e"},
                     {"data", nom},
                     {"modifiers", {normsys("n1", 0.9, 1.1), normsys("n2", 0.95, 1.05), normsys("n3", 0.6, 1.5),
                                    normsys("n4", 0.92, 1.06), normsys("n5", 1.02, 1.03)}}});
  samples.push_back({{"name", "f"},
                     {"data", nom},
                     {"modifiers", {normsys("n1", 0.9, 1.1), normsys("n2", 0.95, 1.05), normsys("n3", 0.6, 1.5),
                                    normsys("n4", 0.92, 1.06), normsys("n5", 1.02, 1.03), normsys("n6", 0.5, 2.0),
                                    normsys("shared", 0.93, 1.08)}}});
  samples.push_back({{"name", "g"}, {"data", nom}, {"modifiers", {mu, normsys("flat", 1.0, 1.0)}}});
  samples.push_back({{"name", "h"},
                     {"data", nom},
                     {"modifiers", {normsys("n2", 0.9, 1.2), normsys("flat", 1.0, 1.0), normsys("n5", 0.8, 1.1),
                                    normsys("n6", 0.95, 1.3), normsys("n1", 1.1, 0.8)}}});
  // Blocks of 4, 3 and 3 groups of four (even and odd group counts), with groups whose
  // entries all have up = down = 1 (q*): i's second group, k's first two.
  Json ij = Json::array({normsys("n1", 0.88, 1.12), normsys("n2", 0.93, 1.09), normsys("n3", 0.75, 1.3),
                         normsys("n4", 0.97, 1.04)});
  Json qs = Json::array();
  for (const char* q : {"q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8"}) qs.push_back(normsys(q, 1.0, 1.0));
  Json rs = Json::array({normsys("r1", 0.9, 1.15), normsys("r2", 0.8, 1.25), normsys("r3", 1.05, 0.92),
                         normsys("r4", 0.96, 1.07), normsys("r5", 0.7, 1.6)});
  Json i_mods = ij, j_mods = ij, k_mods = Json::array();
  for (int k = 0; k < 4; ++k) i_mods.push_back(qs[k]);
  for (const auto& r : rs) i_mods.push_back(r), j_mods.push_back(r);
  for (const auto& q : qs) k_mods.push_back(q);
  k_mods.push_back(rs[0]);
  k_mods.push_back(rs[1]);
  samples.push_back({{"name", "i"}, {"data", nom}, {"modifiers", i_mods}});
  samples.push_back({{"name", "j"}, {"data", nom}, {"modifiers", j_mods}});
  samples.push_back({{"name", "k"}, {"data", nom}, {"modifiers", k_mods}});
  Json doc = {{"channels", {{{"name", "c"}, {"samples", samples}}}},
              {"observations", {{{"name", "c"}, {"data", {150, 100}}}}},
              {"measurements", {{{"name", "m"}, {"config", {{"poi", "mu"}, {"parameters", Json::array()}}}}}},
              {"version", "1.0.0"}};
  return Workspace(doc);
}

// Block b's scale by the scalar formulas: its factors' product.
double expected_scale(const detail::ModelData& d, const std::vector<double>& x, std::size_t b) {
  double s = 1.0;
  for (std::uint32_t k = d.scalar_begin[b]; k < d.scalar_begin[b + 1]; ++k) {
    const auto& f = d.scalars[k];
    s *= f.normsys == detail::kNoEntry ? x[f.par] : detail::normsys_value(InterpCode::code4, x[f.par], d.normsys[f.normsys]);
  }
  return s;
}

void expect_sweep_matches(const Model& m, const std::vector<double>& x, const std::string& what) {
  const auto& d = m.data();
  std::vector<double> value(d.normsys.size()), grad(d.normsys.size()), dlog(d.normsys.size());
  std::vector<double> scale(d.blocks.size()), scale_nll(d.blocks.size());
  detail::code4_normsys_sweep(d, x.data(), value.data(), grad.data(), dlog.data(), scale.data());
  detail::code4_normsys_sweep(d, x.data(), value.data(), nullptr, nullptr, scale_nll.data());
  for (std::size_t b = 0; b < d.blocks.size(); ++b) {
    const double want = expected_scale(d, x, b);
    EXPECT_NEAR(scale[b], want, 1e-14 * std::fabs(want)) << what << ", block " << b;
    EXPECT_EQ(scale_nll[b], scale[b]) << what << ", block " << b << ": the NLL-only sweep differs";
  }
  for (const auto& f : d.scalars) {
    if (f.normsys == detail::kNoEntry) continue;
    const ValueGrad want = detail::normsys_factor(InterpCode::code4, x[f.par], d.normsys[f.normsys]);
    EXPECT_NEAR(value[f.normsys], want.value, 1e-14 * std::fabs(want.value)) << what << ", entry " << f.normsys;
    EXPECT_NEAR(grad[f.normsys], want.grad, 1e-13 * (std::fabs(want.grad) + 1e-3)) << what << ", entry " << f.normsys;
  }
}

TEST(NormsysSweep, MatchesScalarFactorsInsideOutsideAndAcrossNonNormsysParameters) {
  const Model m = compile(sweep_workspace(), ModelOptions{});
  const auto& d = m.data();
  const std::size_t mu = m.poi_index().value();
  // The premise: the normsys parameters are not consecutive and mu lies among them.
  ASSERT_LT(d.normsys_par_lo, mu);
  ASSERT_LT(mu, d.normsys_par_lo + d.normsys_par_mask.size());
  ASSERT_EQ(d.normsys_par_mask[mu - d.normsys_par_lo], 0u);

  // The normsys parameters, from the factors themselves.
  std::vector<bool> is_normsys(m.npars(), false);
  for (const auto& f : d.scalars) is_normsys[f.par] = is_normsys[f.par] || f.normsys != detail::kNoEntry;

  std::mt19937 gen(11);
  std::uniform_real_distribution<double> inside(-0.999, 0.999), outside(1.0, 2.5);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<double> x = m.suggested_init();
    for (std::size_t p = 0; p < x.size(); ++p) x[p] = inside(gen);
    x[mu] = 1.0 + 4.0 * (inside(gen) + 1.0);  // far above 1: not a normsys parameter
    expect_sweep_matches(m, x, "all inside, trial " + std::to_string(trial));
    // Each normsys parameter alone outside (either side) or exactly on the boundary.
    for (std::size_t q = 0; q < x.size(); ++q) {
      if (!is_normsys[q]) continue;
      std::vector<double> y = x;
      y[q] = trial % 5 == 0 ? 1.0 : (trial % 2 == 0 ? 1.0 : -1.0) * outside(gen);
      expect_sweep_matches(m, y, "parameter " + std::to_string(q) + " outside, trial " + std::to_string(trial));
    }
  }
  // A NaN parameter gives NaN factors, not the polynomial's value.
  std::vector<double> x = m.suggested_init();
  const std::size_t p = d.scalars[d.scalar_begin[2]].par;
  x[p] = std::nan("");
  std::vector<double> value(d.normsys.size()), scale(d.blocks.size());
  detail::code4_normsys_sweep(d, x.data(), value.data(), nullptr, nullptr, scale.data());
  EXPECT_TRUE(std::isnan(scale[2]));
  EXPECT_EQ(scale[0], 1.0);  // block a: mu alone
}

}  // namespace
}  // namespace hfx
