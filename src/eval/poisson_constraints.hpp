// The fits' sum of Poisson constraint terms (internal), four terms at a time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace hfx::detail {

// sum_k a[k] (u_k - log1p(u_k)), u_k = x[par[k]] r[k] - 1, for k < n: the Poisson
// terms -log Pois(a | lam) with aux count a > 0 and lam = tau x, written as C + a (u -
// log1p(u)) with r = tau / a and the constant C = lgamma(a + 1) - a log a + a left to
// the caller. No cancellation between huge numbers when tau ~ 1e11 (see
// Evaluator::constraint_nll). Returns +infinity when some x[par[k]] is not > 0 (NaN
// included). AVX2+FMA with log1p from libmvec's four-lane log when built with the x86
// kernels, the CPU has them and n >= 5; else scalar. Allocation-free.
double poisson_constraint_sum(const std::uint32_t* par, const double* r, const double* a, std::size_t n,
                              const double* x);

}  // namespace hfx::detail
