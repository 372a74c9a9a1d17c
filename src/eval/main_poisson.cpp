#include "eval/target_pragmas.hpp"
#include "main_poisson.hpp"

#include "cpu_features.hpp"

#if HFX_ENABLE_X86
#include <immintrin.h>
#endif

#include <cmath>
#include <limits>

// libmvec's four-lane log (vector function ABI name; AVX2).
#if HFX_ENABLE_X86
HFX_TARGET_PUSH("avx2,fma")
extern "C" __m256d _ZGVdN4v_log(__m256d);
HFX_TARGET_POP
#endif  // HFX_ENABLE_X86

namespace hfx::detail {

namespace {

#if HFX_ENABLE_X86
HFX_TARGET_PUSH("avx2,fma")

// total += the terms of bins [g, n) one by one with libm's log; whether their rates
// are all positive and finite.
bool add_terms_scalar(const double* rate, const double* count, const double* c, std::size_t g, std::size_t n,
                      double& total) {
  bool ok = true;
  for (; g < n; ++g) {
    const double lam = rate[g];
    ok &= lam > 0 && lam < std::numeric_limits<double>::infinity();
    total += std::fma(-count[g], std::log(lam), lam) + c[g];
  }
  return ok;
}

// Few bins: the one-by-one terms alone, without the vector set-up.
bool sum_scalar(const double* rate, const double* count, const double* c, std::size_t n, double* sum) {
  double total = 0;
  if (!add_terms_scalar(rate, count, c, 0, n, total)) return false;
  *sum = total;
  return true;
}

bool sum_avx2(const double* rate, const double* count, const double* c, std::size_t n, double* sum) {
  const __m256d zero = _mm256_setzero_pd();
  const __m256d inf = _mm256_set1_pd(std::numeric_limits<double>::infinity());
  __m256d acc = zero;
  __m256d ok = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
  // lam - count log(lam) + c for four bins; a rate outside (0, inf) clears its lane of ok.
  auto terms = [&](__m256d lam, __m256d cnt, __m256d cc) {
    ok = _mm256_and_pd(ok, _mm256_and_pd(_mm256_cmp_pd(lam, zero, _CMP_GT_OQ), _mm256_cmp_pd(lam, inf, _CMP_LT_OQ)));
    return _mm256_add_pd(_mm256_fnmadd_pd(cnt, _ZGVdN4v_log(lam), lam), cc);
  };
  std::size_t g = 0;
  for (; g + 4 <= n; g += 4)
    acc = _mm256_add_pd(acc, terms(_mm256_loadu_pd(rate + g), _mm256_loadu_pd(count + g), _mm256_loadu_pd(c + g)));
  // The last 1-3 bins one by one with libm's log: cheaper than a masked four-lane call
  // (docs/benchmarks.md, "Performance notes from the kernels").
  const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(acc), _mm256_extractf128_pd(acc, 1));
  double total = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
  const bool tail_ok = add_terms_scalar(rate, count, c, g, n, total);
  if (_mm256_movemask_pd(ok) != 0xF || !tail_ok) return false;
  *sum = total;
  return true;
}

HFX_TARGET_POP
#endif  // HFX_ENABLE_X86


bool no_vector_sum(const double*, const double*, const double*, std::size_t, double*) { return false; }

}  // namespace

MainPoissonSumFn main_poisson_sum_for(std::size_t n) {
#if HFX_ENABLE_X86
  if (cpu_has_avx2_fma()) return n >= 4 ? sum_avx2 : sum_scalar;
#endif
  (void)n;
  return no_vector_sum;
}

bool main_poisson_sum(const double* rate, const double* count, const double* c, std::size_t n, double* sum) {
  return main_poisson_sum_for(n)(rate, count, c, n, sum);
}

}  // namespace hfx::detail
