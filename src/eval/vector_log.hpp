// Element-wise log of arrays: through glibc's vector math library (libmvec), four lanes,
// when built with the x86 kernels and the CPU has AVX2; libm's log one by one otherwise
// (the portable kernels). libmvec's
// results are within 4 ulp of the correctly rounded value (glibc's documented bound) --
// the Evaluator uses them for the `stable` arithmetic that fits run on, and keeps the
// scalar libm calls for the `pyhf` arithmetic that reproduces pyhf's bits.
#pragma once

#include <cstddef>

namespace hfx::detail {

// out[i] = log(x[i]) for i < n. x and out may alias exactly (in place). Non-positive or
// non-finite inputs give what std::log gives (-inf, NaN, inf).
void log_array(const double* x, double* out, std::size_t n);

}  // namespace hfx::detail
