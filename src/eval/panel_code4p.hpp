// The fits' code4p kernels over the dense histosys panels (internal; ModelData::
// histo_panels): the deltas of every panel's bins as sum_i c_S S_i + c_A A_i over its
// parameters, and the reverse sweep's per-parameter dot products. AVX2+FMA only (built
// with HFX_ENABLE_X86): the caller checks cpu_has_avx2_fma() and otherwise uses the
// per-entry kernels (packed_code4p.hpp), which cover the same entries.
#pragma once

#include "../compile/model_data.hpp"

namespace hfx::detail {

// base[bin] += the panel's delta for every bin of every panel; coef as for
// add_packed_code4p ((c_S, c_A) of parameter p at coef[2 p]). Allocation-free.
#if HFX_ENABLE_X86
void add_panel_code4p(const ModelData& d, const double* coef, double* base);
#endif

// The number of doubles add_panel_code4p_grad's g needs: 4 G per panel.
std::size_t panel_grad_size(const ModelData& d);

// Fills g (panel_grad_size doubles; padding lanes must be zero and are left alone) with
// weight[bin] for each panel bin, in panel order.
void gather_panel_weights(const ModelData& d, const double* weight, double* g);

// grad[p] += sum over p's panels and their bins of (S + slope[p] A) g, with g from
// gather_panel_weights (d nll / d delta per bin).
#if HFX_ENABLE_X86
void add_panel_code4p_grad(const ModelData& d, const double* slope, const double* g, double* grad);
#endif

}  // namespace hfx::detail
