// The fits' sum of the main bins' Poisson terms (internal), four bins at a time.
#pragma once

#include <cstddef>

namespace hfx::detail {

// When every rate[g] (g < n) is positive and finite and the CPU has AVX2+FMA: sets *sum
// = sum_g (rate[g] - count[g] log rate[g] + c[g]) -- -log Pois(count | rate) with
// c[g] = lgamma(count[g] + 1) -- and returns true: from 4 bins on four at a time with
// libmvec's four-lane log (within 4 ulp), the last n % 4 with libm's; fewer bins one by
// one with libm's. So it rounds differently from the `pyhf` arithmetic's term-by-term
// sum. Otherwise (and always in the portable build, or without AVX2) returns false and
// leaves *sum alone: the caller's scalar loop handles zero, negative and non-finite
// rates. Allocation-free.
bool main_poisson_sum(const double* rate, const double* count, const double* c, std::size_t n, double* sum);

// The variant main_poisson_sum takes for n bins on this CPU (one that always returns
// false on the baseline CPU), for a caller that sums the same number of bins many times:
// an Evaluator picks it once instead of dispatching on every NLL.
using MainPoissonSumFn = bool (*)(const double* rate, const double* count, const double* c, std::size_t n,
                                  double* sum);
MainPoissonSumFn main_poisson_sum_for(std::size_t n);

}  // namespace hfx::detail
