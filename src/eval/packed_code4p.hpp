// The fits' code4p kernels (internal): the histosys deltas of the blocks summed into
// their nominals, with code4p written as delta = c_S S + c_A A for every alpha (see
// ModelData::histo_SA) and (c_S, c_A) computed once per parameter and sweep; and their
// derivatives, d delta / d alpha = S + slope A, in the gradient's reverse sweep.
#pragma once

#include "../compile/model_data.hpp"

#include <cstddef>
#include <cstdint>

namespace hfx::detail {

// For every block b of d with 1 <= nbins <= 4 (other blocks are left alone):
// base[bin_begin + j] += sum over b's histosys entries h of coef[2 p] S_hj +
// coef[2 p + 1] A_hj, with p = histos[h].par and (S_hj, A_hj) read from d.histo_SA (a
// block's entries are consecutive there, see ModelData::histos). base is indexed by
// block-bin. One call for the whole model: the per-block call and dispatch cost was a
// visible part of an NLL. AVX2+FMA when the CPU has it (the sums then round differently,
// by ulps, from the baseline variant's); allocation-free.
void add_packed_code4p(const ModelData& d, const double* coef, double* base);

// For every histosys parameter p (d.histo_pars): when coef is not null, coef[2 p] =
// alpha and coef[2 p + 1] = code4p's c_A (poly(alpha) inside |alpha| <= 1, +-8 alpha
// outside); when slope is not null, slope[p] = d c_A / d alpha (dpoly inside, +-8
// outside), alpha = x[p]. Four parameters at a time with AVX2, in the scalar form's
// operation order without fused multiply-adds, so the values are bit for bit those of
// code4p_poly and code4p_dpoly (the pyhf arithmetic's gradient uses the slopes too).
void histo_coefficients(const ModelData& d, const double* x, double* coef, double* slope);

// The reverse sweep of block b's entries (1 <= nbins <= 4): grad[p] += s * sum_j (S_hj +
// slope[p] A_hj) pw[j] for each entry h (p = histos[h].par), with pw[j] = d nll / d(block-
// bin j's delta) / s. Same dispatch and rounding remarks as above.
void add_packed_code4p_grad(const ModelData& d, std::size_t b, const double* slope, const double* pw, double s,
                            double* grad);

}  // namespace hfx::detail
