// The generated panels (JitKernels::panels) against the table kernels they replace
// (histo_coefficients, then add_panel_code4p) at random points, each width of the code:
// bit for bit. Shared by
// test_jit_kernels (reference workspaces) and test_histo_panels (forced split layouts).
#pragma once

#include "compile/model_data.hpp"
#include "eval/cpu_features.hpp"
#include "eval/jit_kernels.hpp"
#include "eval/packed_code4p.hpp"
#include "eval/panel_code4p.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace hfx::test {

// x in [-1.6, 1.6) (code4p's polynomial and both linear branches), base in [0, 100).
inline ::testing::AssertionResult jit_panels_match(const detail::ModelData& d, const detail::JitKernels& jit,
                                                   int trials) {
  std::mt19937_64 rng(17);
  std::uniform_real_distribution<double> alpha(-1.6, 1.6), nominal(0.0, 100.0);
  for (int trial = 0; trial < trials; ++trial) {
    std::vector<double> x(d.npars), base(d.nominal.size());
    for (auto& v : x) v = alpha(rng);
    for (auto& v : base) v = nominal(rng);
    // got starts as NaN: the code must write every block-bin.
    std::vector<double> coef(2 * d.npars), want = base, got(base.size(), std::nan("")),
        scratch(jit.panel_scratch_size());
    detail::histo_coefficients(d, x.data(), coef.data(), nullptr);
    detail::add_panel_code4p(d, coef.data(), want.data());
    jit.panels(x.data(), scratch.data(), base.data(), got.data());
    for (std::size_t i = 0; i < base.size(); ++i)
      if (got[i] != want[i])
        return ::testing::AssertionFailure() << "trial " << trial << ", block-bin " << i << ": " << got[i]
                                             << " instead of " << want[i];
  }
  return ::testing::AssertionSuccess();
}

// jit_panels_match for the code of each width the CPU runs, built from d.
inline ::testing::AssertionResult jit_panels_match_each_width(const detail::ModelData& d, int trials) {
  using Width = detail::JitKernels::Width;
  for (const Width width : {Width::avx2, Width::avx512}) {
    if (width == Width::avx512 && !detail::cpu_has_avx512()) continue;
    const auto jit = detail::JitKernels::build(d, width);
    if (jit == nullptr || !jit->has_panels()) return ::testing::AssertionFailure() << "no generated panels";
    auto result = jit_panels_match(d, *jit, trials);
    if (!result) return result << (width == Width::avx512 ? " (AVX-512)" : " (AVX2)");
  }
  return ::testing::AssertionSuccess();
}

}  // namespace hfx::test
