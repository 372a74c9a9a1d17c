#include "eval/target_pragmas.hpp"
#include "normsys_sweep.hpp"

#include "cpu_features.hpp"

#if HFX_ENABLE_X86
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <utility>

// The Lanes helpers below are internal and always inlined; GCC's note that passing a
// 32-byte vector by value depends on AVX (-Wpsabi) concerns only external calls.
#pragma GCC diagnostic ignored "-Wpsabi"

// libmvec's four-lane exp (vector function ABI name; AVX2).
#if HFX_ENABLE_X86
HFX_TARGET_PUSH("avx2,fma")
extern "C" __m256d _ZGVdN4v_exp(__m256d);
HFX_TARGET_POP
#endif  // HFX_ENABLE_X86

namespace hfx::detail {

namespace {

// Four doubles (GCC/Clang vector extension) for the baseline (SSE2) variants: two SSE2
// registers; lane-wise IEEE arithmetic.
using Lanes = double __attribute__((vector_size(32)));
static_assert(kNormsysLanes == 4);

inline Lanes load(const double* p) {
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(double* p, Lanes v) { std::memcpy(p, &v, sizeof v); }

// Entries e..e+3 with some |alpha| >= 1: those get the exponential branch, up^alpha or
// down^-alpha. Out of line, so the common all-inside path keeps its registers.
__attribute__((noinline)) void outside_lanes(const ModelData& d, const double* alpha, std::size_t e, double* value,
                                             double* grad, double* dlog) {
  for (std::size_t l = 0; l < 4; ++l) {
    if (std::fabs(alpha[l]) < 1) continue;
    const auto& c = d.normsys[e + l].c4;
    const double log_base = alpha[l] >= 1 ? c.log_up : -c.log_down;
    const double v = std::exp(alpha[l] * log_base);
    value[e + l] = v;
    if (grad != nullptr) {
      grad[e + l] = v * log_base;
      dlog[e + l] = log_base;
    }
  }
}

// The sweep's structure-of-arrays view of the code4 table (ModelData::normsys_poly and
// normsys_logs): n entries (a multiple of 4), their parameters, coefficient rows a[k] of
// alpha^(k + 1), and the exponential branch's logs.
struct Code4Rows {
  std::size_t n;
  const std::uint32_t* par;
  const double* a[6];
  const double* log_up;
  const double* log_down;
};

Code4Rows code4_rows(const ModelData& d) {
  Code4Rows r{d.normsys.size(), d.normsys_par.data(), {}, d.normsys_logs.data(), d.normsys_logs.data() + d.normsys.size()};
  for (std::size_t k = 0; k < 6; ++k) r.a[k] = d.normsys_poly.data() + k * r.n;
  return r;
}

// Baseline (SSE2): the polynomial from powers of alpha in three independent pairs.
void sweep_baseline(const ModelData& d, const double* x, double* value, double* grad, double* dlog) {
  const Code4Rows r = code4_rows(d);
  const std::uint32_t* par = r.par;
  const double *a1 = r.a[0], *a2 = r.a[1], *a3 = r.a[2], *a4 = r.a[3], *a5 = r.a[4], *a6 = r.a[5];
  for (std::size_t e = 0; e < r.n; e += 4) {
    const double alpha[4] = {x[par[e]], x[par[e + 1]], x[par[e + 2]], x[par[e + 3]]};
    const Lanes p1 = load(alpha);
    const Lanes p2 = p1 * p1, p3 = p2 * p1, p4 = p2 * p2, p5 = p4 * p1, p6 = p3 * p3;
    const Lanes v = 1.0 + ((load(a1 + e) * p1 + load(a2 + e) * p2) + (load(a3 + e) * p3 + load(a4 + e) * p4) +
                           (load(a5 + e) * p5 + load(a6 + e) * p6));
    store(value + e, v);
    if (grad != nullptr) {
      const Lanes g = (load(a1 + e) + load(a2 + e) * (2.0 * p1)) + (load(a3 + e) * (3.0 * p2) + load(a4 + e) * (4.0 * p3)) +
                      (load(a5 + e) * (5.0 * p4) + load(a6 + e) * (6.0 * p5));
      store(grad + e, g);
      store(dlog + e, g / v);
    }
    // Not short-circuited: one well-predicted branch per four entries.
    const bool inside = (std::fabs(alpha[0]) < 1) & (std::fabs(alpha[1]) < 1) & (std::fabs(alpha[2]) < 1) &
                        (std::fabs(alpha[3]) < 1);
    if (!inside) outside_lanes(d, alpha, e, value, grad, dlog);
  }
}

#if HFX_ENABLE_X86
// AVX2+FMA: whether every normsys parameter has |alpha| < 1 (false for a NaN), through
// ModelData::normsys_par_mask: the other parameters in the span read as 0.
__attribute__((target("avx2,fma"))) bool all_inside_avx2(const ModelData& d, const double* x) {
  const __m256d one = _mm256_set1_pd(1.0);
  const double* xs = x + d.normsys_par_lo;
  const std::uint64_t* mask = d.normsys_par_mask.data();
  const std::size_t n = d.normsys_par_mask.size();
  __m256d inside = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
  std::size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    const __m256d abs = _mm256_and_pd(_mm256_loadu_pd(xs + k), _mm256_loadu_pd(reinterpret_cast<const double*>(mask + k)));
    inside = _mm256_and_pd(inside, _mm256_cmp_pd(abs, one, _CMP_LT_OQ));
  }
  bool all = _mm256_movemask_pd(inside) == 0xF;
  for (; k < n; ++k) all &= mask[k] == 0 || std::fabs(xs[k]) < 1;
  return all;
}

// AVX2+FMA: Horner's rule in fused multiply-adds (six per value, five more for the
// derivative, which the same recurrence yields: d <- d alpha + p before p <- p alpha +
// a_k). Each group of four is a dependent chain, but the groups are independent, so the
// out-of-order core overlaps them; fewer instructions than the powers form, which needs
// eleven multiplies and six adds. Lanes with |alpha| >= 1 take exp(alpha log base) from
// libmvec's four-lane exp, blended in: fits meet many such lanes (pulled nuisance
// parameters), and four scalar exp calls cost several times the polynomial. Block by
// block (each block's run is whole lanes), the values are multiplied lane-wise into the
// block's product while they are in registers (kScale): no second pass over them; the
// even and the odd groups of a block in two products, multiplied at the end.
// kChecked = false when every alpha is known to lie inside (-1, 1) (all_inside_avx2):
// the polynomial alone, no per-group range test. kGrad = false: value may be null.
template <bool kGrad, bool kScale, bool kChecked>
__attribute__((target("avx2,fma"))) void sweep_avx2(const ModelData& d, const double* x, double* value, double* grad,
                                                    double* dlog, double* scale) {
  const Code4Rows r = code4_rows(d);
  const std::uint32_t* par = r.par;
  const double *a1 = r.a[0], *a2 = r.a[1], *a3 = r.a[2], *a4 = r.a[3], *a5 = r.a[4], *a6 = r.a[5];
  const double* log_up = r.log_up;
  const double* log_down = r.log_down;
  const std::uint32_t* block_begin = d.normsys_block_begin.data();
  const std::size_t nblocks = d.blocks.size();
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7FFFFFFFFFFFFFFFLL));
  for (std::size_t b = 0; b < nblocks; ++b) {
    // Two products, of the block's even and of its odd groups of four: independent
    // chains, associated as the portable sweep's.
    __m256d product = one, other = one;  // this group's product and the next one's
    for (std::size_t e = block_begin[b], end = block_begin[b + 1]; e < end; e += 4) {
      const __m256d a = _mm256_setr_pd(x[par[e]], x[par[e + 1]], x[par[e + 2]], x[par[e + 3]]);
      __m256d p = _mm256_loadu_pd(a6 + e);
      __m256d g = p;
      p = _mm256_fmadd_pd(p, a, _mm256_loadu_pd(a5 + e));
      if constexpr (kGrad) g = _mm256_fmadd_pd(g, a, p);
      p = _mm256_fmadd_pd(p, a, _mm256_loadu_pd(a4 + e));
      if constexpr (kGrad) g = _mm256_fmadd_pd(g, a, p);
      p = _mm256_fmadd_pd(p, a, _mm256_loadu_pd(a3 + e));
      if constexpr (kGrad) g = _mm256_fmadd_pd(g, a, p);
      p = _mm256_fmadd_pd(p, a, _mm256_loadu_pd(a2 + e));
      if constexpr (kGrad) g = _mm256_fmadd_pd(g, a, p);
      p = _mm256_fmadd_pd(p, a, _mm256_loadu_pd(a1 + e));
      if constexpr (kGrad) g = _mm256_fmadd_pd(g, a, p);
      __m256d v = _mm256_fmadd_pd(p, a, one);
      __m256d dl;
      if constexpr (kGrad) dl = _mm256_div_pd(g, v);
      if constexpr (kChecked) {
        const __m256d inside = _mm256_cmp_pd(_mm256_and_pd(a, abs_mask), one, _CMP_LT_OQ);
        if (_mm256_movemask_pd(inside) != 0xF) {
          // up^alpha above +1, down^-alpha below -1 (and NaN alpha: a NaN either way).
          const __m256d above = _mm256_cmp_pd(a, one, _CMP_GE_OQ);
          const __m256d log_base = _mm256_blendv_pd(
              _mm256_sub_pd(_mm256_setzero_pd(), _mm256_loadu_pd(log_down + e)), _mm256_loadu_pd(log_up + e), above);
          const __m256d ex = _ZGVdN4v_exp(_mm256_mul_pd(a, log_base));
          v = _mm256_blendv_pd(ex, v, inside);
          if constexpr (kGrad) {
            g = _mm256_blendv_pd(_mm256_mul_pd(ex, log_base), g, inside);
            dl = _mm256_blendv_pd(log_base, dl, inside);
          }
        }
      }
      if constexpr (kGrad) {
        _mm256_storeu_pd(value + e, v);
        _mm256_storeu_pd(grad + e, g);
        _mm256_storeu_pd(dlog + e, dl);
      }
      if constexpr (kScale) {
        product = _mm256_mul_pd(product, v);
        std::swap(product, other);
      }
    }
    if constexpr (kScale) {
      const __m256d p = _mm256_mul_pd(product, other);
      const __m128d h = _mm_mul_pd(_mm256_castpd256_pd128(p), _mm256_extractf128_pd(p, 1));
      scale[b] = _mm_cvtsd_f64(_mm_mul_sd(h, _mm_unpackhi_pd(h, h)));
    }
  }
}
#endif  // HFX_ENABLE_X86

// scale[b] *= x[p] for every direct factor (normfactor, lumi) p of block b, after its
// normsys product, in table order: one flat pass (a block has one or two, and a loop
// per block cost more than its multiplies).
void multiply_direct_factors(const ModelData& d, const double* x, double* scale) {
  const std::uint32_t* dp = d.direct_par.data();
  const std::uint32_t* dblock = d.direct_block.data();
  for (std::size_t k = 0, n = d.direct_par.size(); k < n; ++k) scale[dblock[k]] *= x[dp[k]];
}

// Baseline: each block's product of its normsys values, four partial products.
void products_baseline(const ModelData& d, const double* value, double* scale) {
  const std::size_t nblocks = d.blocks.size();
  const std::uint32_t* nb = d.normsys_block_begin.data();
  for (std::size_t b = 0; b < nblocks; ++b) {
    Lanes acc = {1.0, 1.0, 1.0, 1.0};
    for (std::size_t e = nb[b]; e < nb[b + 1]; e += 4) acc *= load(value + e);
    scale[b] = (acc[0] * acc[1]) * (acc[2] * acc[3]);
  }
}

}  // namespace

void code4_normsys_sweep(const ModelData& d, const double* x, double* value, double* grad, double* dlog, double* scale) {
  if (d.normsys.empty()) {
    // No normsys factors (e.g. simplified likelihoods): the direct factors alone.
    if (scale != nullptr) {
      std::fill(scale, scale + d.blocks.size(), 1.0);
      multiply_direct_factors(d, x, scale);
    }
    return;
  }
#if HFX_ENABLE_X86
  if (!cpu_has_avx2_fma()) {
    sweep_baseline(d, x, value, grad, dlog);
    if (scale != nullptr) products_baseline(d, value, scale);
  } else {
    // Fits spend most evaluations with every nuisance parameter inside +-1: one check
    // here spares each group of four its range test.
    const bool inside = all_inside_avx2(d, x);
    if (grad == nullptr) {
      if (inside)
        sweep_avx2<false, true, false>(d, x, nullptr, nullptr, nullptr, scale);
      else
        sweep_avx2<false, true, true>(d, x, nullptr, nullptr, nullptr, scale);
    } else if (scale != nullptr) {
      if (inside)
        sweep_avx2<true, true, false>(d, x, value, grad, dlog, scale);
      else
        sweep_avx2<true, true, true>(d, x, value, grad, dlog, scale);
    } else {
      if (inside)
        sweep_avx2<true, false, false>(d, x, value, grad, dlog, nullptr);
      else
        sweep_avx2<true, false, true>(d, x, value, grad, dlog, nullptr);
    }
  }
#else
  sweep_baseline(d, x, value, grad, dlog);
  if (scale != nullptr) products_baseline(d, value, scale);
#endif
  if (scale != nullptr) multiply_direct_factors(d, x, scale);
}

}  // namespace hfx::detail
