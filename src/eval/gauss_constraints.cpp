#include "gauss_constraints.hpp"

#include "cpu_features.hpp"

#include <immintrin.h>

namespace hfx::detail {

namespace {

double sum_scalar(const std::uint32_t* par, const double* aux, const double* inv_sigma, std::size_t n,
                  const double* x) {
  double s0 = 0, s1 = 0;  // two independent add chains
  std::size_t k = 0;
  for (; k + 1 < n; k += 2) {
    const double z0 = (aux[k] - x[par[k]]) * inv_sigma[k];
    const double z1 = (aux[k + 1] - x[par[k + 1]]) * inv_sigma[k + 1];
    s0 += z0 * z0;
    s1 += z1 * z1;
  }
  if (k < n) {
    const double z = (aux[k] - x[par[k]]) * inv_sigma[k];
    s0 += z * z;
  }
  return 0.5 * (s0 + s1);
}

#pragma GCC push_options
#pragma GCC target("avx2,fma")

double sum_avx2(const std::uint32_t* par, const double* aux, const double* inv_sigma, std::size_t n,
                const double* x) {
  // Two accumulators: the fused multiply-add's latency would otherwise bound the loop.
  __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
  std::size_t k = 0;
  auto lanes = [&](std::size_t i) {
    const __m256d v = _mm256_setr_pd(x[par[i]], x[par[i + 1]], x[par[i + 2]], x[par[i + 3]]);
    return _mm256_mul_pd(_mm256_sub_pd(_mm256_loadu_pd(aux + i), v), _mm256_loadu_pd(inv_sigma + i));
  };
  for (; k + 8 <= n; k += 8) {
    const __m256d z0 = lanes(k), z1 = lanes(k + 4);
    acc0 = _mm256_fmadd_pd(z0, z0, acc0);
    acc1 = _mm256_fmadd_pd(z1, z1, acc1);
  }
  if (k + 4 <= n) {
    const __m256d z = lanes(k);
    acc0 = _mm256_fmadd_pd(z, z, acc0);
    k += 4;
  }
  const __m256d acc = _mm256_add_pd(acc0, acc1);
  const __m128d half = _mm_add_pd(_mm256_castpd256_pd128(acc), _mm256_extractf128_pd(acc, 1));
  double s = _mm_cvtsd_f64(_mm_add_sd(half, _mm_unpackhi_pd(half, half)));
  for (; k < n; ++k) {
    const double z = (aux[k] - x[par[k]]) * inv_sigma[k];
    s += z * z;
  }
  return 0.5 * s;
}

#pragma GCC pop_options

}  // namespace

double gauss_constraint_sum(const std::uint32_t* par, const double* aux, const double* inv_sigma, std::size_t n,
                            const double* x) {
  // A few terms (small models) are cheaper without the lanes' setup.
  return n >= 8 && cpu_has_avx2_fma() ? sum_avx2(par, aux, inv_sigma, n, x) : sum_scalar(par, aux, inv_sigma, n, x);
}

}  // namespace hfx::detail
