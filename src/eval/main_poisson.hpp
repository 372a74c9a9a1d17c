// The fits' sum of the main bins' Poisson terms (internal), four or eight bins at a time.
#pragma once

#include <cstddef>

namespace hfx::detail {

// When every rate[g] (g < n) is positive and finite and the CPU has AVX2+FMA: sets *sum
// = sum_g (rate[g] - count[g] log rate[g] + c[g]) -- -log Pois(count | rate) with
// c[g] = lgamma(count[g] + 1) -- and returns true. From 2 bins on with AVX-512, eight
// at a time with hfx's eight-lane log (log8.hpp, within about one ulp; the last n % 8
// masked); else from 4 bins on four at a time with libmvec's four-lane log (within 4
// ulp), the last n % 4 with libm's; fewer bins one by one with libm's. So it rounds
// differently from the `pyhf` arithmetic's term-by-term sum.
// Otherwise returns false and leaves *sum alone: the caller's scalar loop handles zero,
// negative and non-finite rates (and the baseline CPU), and subnormal ones on the
// AVX-512 path. Allocation-free.
bool main_poisson_sum(const double* rate, const double* count, const double* c, std::size_t n, double* sum);

// The variant main_poisson_sum takes for n bins on this CPU (one that always returns
// false on the baseline CPU), for a caller that sums the same number of bins many times:
// an Evaluator picks it once instead of dispatching on every NLL.
using MainPoissonSumFn = bool (*)(const double* rate, const double* count, const double* c, std::size_t n,
                                  double* sum);
MainPoissonSumFn main_poisson_sum_for(std::size_t n);

}  // namespace hfx::detail
