#include "eval/target_pragmas.hpp"
#include "main_poisson.hpp"

#include "cpu_features.hpp"
#include "log8.hpp"
#include "rate_lanes.hpp"

#include <immintrin.h>

#include <cmath>
#include <limits>

// libmvec's four-lane log (vector function ABI name; AVX2).
HFX_TARGET_PUSH("avx2,fma")
extern "C" __m256d _ZGVdN4v_log(__m256d);
HFX_TARGET_POP

namespace hfx::detail {

namespace {

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
  // (pyhf-validation/1bin_lumi's NLL: 38 ns instead of 43).
  const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(acc), _mm256_extractf128_pd(acc, 1));
  double total = _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
  const bool tail_ok = add_terms_scalar(rate, count, c, g, n, total);
  if (_mm256_movemask_pd(ok) != 0xF || !tail_ok) return false;
  *sum = total;
  return true;
}

HFX_TARGET_POP

HFX_TARGET_PUSH("avx512f,avx512dq")
// GCC 12's AVX-512 headers build some intrinsics on _mm256_undefined_pd(), which its
// -Wmaybe-uninitialized then reports in every caller (a known false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// sum_avx2 eight bins at a time with hfx's eight-lane log (log8.hpp), the last n % 8
// through a mask (their lanes built by rate_lanes, their terms and checks dropped). log8 takes normal
// rates only: a positive subnormal rate is left to the caller's scalar loop too.
bool sum_avx512(const double* rate, const double* count, const double* c, std::size_t n, double* sum) {
  const __m512d min_normal = _mm512_set1_pd(std::numeric_limits<double>::min());
  const __m512d inf = _mm512_set1_pd(std::numeric_limits<double>::infinity());
  __m512d acc = _mm512_setzero_pd();
  __mmask8 bad = 0;
  for (std::size_t g = 0; g < n; g += 8) {
    const auto lanes = static_cast<__mmask8>(n - g >= 8 ? 0xFF : (1u << (n - g)) - 1);
    const __m512d lam = n - g >= 8 ? _mm512_loadu_pd(rate + g) : rate_lanes(rate + g, n - g);
    bad |= static_cast<__mmask8>(lanes & ~(_mm512_cmp_pd_mask(lam, min_normal, _CMP_GE_OQ) & _mm512_cmp_pd_mask(lam, inf, _CMP_LT_OQ)));
    const __m512d t = _mm512_add_pd(_mm512_fnmadd_pd(_mm512_maskz_loadu_pd(lanes, count + g), log8(lam), lam),
                                    _mm512_maskz_loadu_pd(lanes, c + g));
    acc = _mm512_mask_add_pd(acc, lanes, acc, t);
  }
  if (bad != 0) return false;
  const __m256d h = _mm256_add_pd(_mm512_castpd512_pd256(acc), _mm512_extractf64x4_pd(acc, 1));
  const __m128d q = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
  *sum = _mm_cvtsd_f64(_mm_add_sd(q, _mm_unpackhi_pd(q, q)));
  return true;
}

#pragma GCC diagnostic pop
HFX_TARGET_POP

bool no_vector_sum(const double*, const double*, const double*, std::size_t, double*) { return false; }

}  // namespace

MainPoissonSumFn main_poisson_sum_for(std::size_t n) {
  if (!cpu_has_avx2_fma()) return no_vector_sum;
  // With AVX-512 one eight-lane log from two bins on. Up to four bins took libm's log
  // one by one while rate_lanes's loads were merged by GCC into sixteen-byte loads that
  // waited for the rates' stores (see rate_lanes.hpp); with them kept apart, on an Intel Xeon
  // (family 6 model 207), interleaved min of 5, ns: couplednorm 71.0 -> 37.5,
  // coupledshapefactor 41.3 -> 25.4, pyhf-patchset-example 67.7 -> 43.3, 1bin_normsys
  // 49.9 -> 34.6, staus (3 bins) 240 -> 209 (min of 11), 3L (4 bins) 224 -> 198. One bin
  // stays with libm (1bin_lumi, litehf-lumi: 29.4 / 30.7 with it, 35.2 / 36.7 without).
  if (cpu_has_avx512()) return n >= 2 ? sum_avx512 : sum_scalar;
  return n >= 4 ? sum_avx2 : sum_scalar;
}

bool main_poisson_sum(const double* rate, const double* count, const double* c, std::size_t n, double* sum) {
  return main_poisson_sum_for(n)(rate, count, c, n, sum);
}

}  // namespace hfx::detail
