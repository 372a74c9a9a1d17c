// The fits' code4p kernels (internal): the histosys deltas of one block summed into its
// nominal, with code4p written as delta = c_S S + c_A A for every alpha (see
// ModelData::histo_SA) and (c_S, c_A) computed once per parameter and sweep; and their
// derivatives, d delta / d alpha = S + slope A, in the gradient's reverse sweep.
#pragma once

#include "../compile/model_data.hpp"

#include <cstdint>

namespace hfx::detail {

// base[j] += sum over entries h in [h0, h1) of coef[2 p] S_hj + coef[2 p + 1] A_hj, with
// p = histos[h].par and (S_hj, A_hj) at sa[2 (histos[h].data + j)], for the nb bins j of
// the block, 1 <= nb <= 4. AVX2+FMA when the CPU has it (the sums then round
// differently, by ulps, from the baseline variant's); allocation-free.
void add_packed_code4p(const HistoEntry* histos, std::uint32_t h0, std::uint32_t h1, const double* sa,
                       const double* coef, std::uint32_t nb, double* base);

// The reverse sweep of the same entries: grad[p] += s * sum_j (S_hj + slope[p] A_hj) pw[j]
// for each entry h in [h0, h1) (p = histos[h].par), with pw[j] = d nll / d(block-bin j's
// delta) / s, for nb <= 4 bins. Same dispatch and rounding remarks as above.
void add_packed_code4p_grad(const HistoEntry* histos, std::uint32_t h0, std::uint32_t h1, const double* sa,
                            const double* slope, const double* pw, std::uint32_t nb, double s, double* grad);

}  // namespace hfx::detail
