// The fits' sum of Gaussian constraint terms (internal), four terms at a time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hfx::detail {

// 0.5 * sum_k ((aux[k] - x[par[k]]) * inv_sigma[k])^2 for k < n: four lanes with
// AVX2+FMA when the CPU has it and n >= 8, else a scalar loop. It rounds differently (ulps) from a
// left-to-right sum of (aux - x) / sigma terms, which the `pyhf` arithmetic keeps.
// Allocation-free.
double gauss_constraint_sum(const std::uint32_t* par, const double* aux, const double* inv_sigma, std::size_t n,
                            const double* x);

}  // namespace hfx::detail
