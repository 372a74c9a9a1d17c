// The fits' block-factor kernel (internal): every code4 normsys factor of the model in
// one vectorised sweep over the normsys table (see ModelData::normsys), and each block's
// product of factors along with it.
#pragma once

#include "../compile/model_data.hpp"

namespace hfx::detail {

// When grad is not null: value[e] = the code4 factor of normsys entry e at x for every
// entry, padding included, grad[e] = its derivative and dlog[e] = grad[e] / value[e]
// (the derivative of its log, which the reverse sweeps multiply by a block's scale: for
// the exponential branch exactly log up or -log down). Four entries at a time: their
// parameters' values gathered, the polynomial 1 + sum_k a_k alpha^k evaluated for all
// four, and lanes outside |alpha| < 1 given exp(alpha log up) or exp(-alpha log down)
// instead. The values agree with code4_factor() to rounding (ulps), not bit for bit:
// the pyhf arithmetic keeps code4_factor().
//
// When scale is not null, also scale[b] = the product of block b's factors: its normsys
// values (see ModelData::normsys_block_begin), multiplied four lanes at a time as they
// are computed, times its direct parameters' values x[p]. The same product as the pyhf
// arithmetic's up to the order of the multiplications (ulps). grad and scale are not
// both null; value always has room for every entry (with grad null its contents are
// unspecified afterwards: the kernel may use it as scratch). Requires d.normsys_code ==
// code4 when d has normsys entries; allocation-free.
void code4_normsys_sweep(const ModelData& d, const double* x, double* value, double* grad, double* dlog, double* scale);

}  // namespace hfx::detail
