#include "normsys_sweep.hpp"

#include "cpu_features.hpp"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>

// The Lanes helpers below are internal and always inlined; GCC's note that passing a
// 32-byte vector by value depends on AVX (-Wpsabi) concerns only external calls.
#pragma GCC diagnostic ignored "-Wpsabi"

// libmvec's four-lane exp (vector function ABI name; AVX2).
#pragma GCC push_options
#pragma GCC target("avx2,fma")
extern "C" __m256d _ZGVdN4v_exp(__m256d);
#pragma GCC pop_options

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

// The sweep's view of the code4 table (ModelData::normsys_poly and normsys_logs): n
// entries (a multiple of 4), their parameters, the coefficients of alpha^1 .. alpha^6
// four entries at a time (group e / 4 at poly + 6 e: a_1 of its four entries, then a_2,
// ..., a_6), and the exponential branch's logs.
struct Code4Rows {
  std::size_t n;
  const std::uint32_t* par;
  const double* poly;
  const double* log_up;
  const double* log_down;
};

Code4Rows code4_rows(const ModelData& d) {
  return {d.normsys.size(), d.normsys_par.data(), d.normsys_poly.data(), d.normsys_logs.data(),
          d.normsys_logs.data() + d.normsys.size()};
}

// Baseline (SSE2): the polynomial from powers of alpha in three independent pairs.
void sweep_baseline(const ModelData& d, const double* x, double* value, double* grad, double* dlog) {
  const Code4Rows r = code4_rows(d);
  const std::uint32_t* par = r.par;
  for (std::size_t e = 0; e < r.n; e += 4) {
    const double* c = r.poly + 6 * e;
    const Lanes a1 = load(c), a2 = load(c + 4), a3 = load(c + 8), a4 = load(c + 12), a5 = load(c + 16),
                a6 = load(c + 20);
    const double alpha[4] = {x[par[e]], x[par[e + 1]], x[par[e + 2]], x[par[e + 3]]};
    const Lanes p1 = load(alpha);
    const Lanes p2 = p1 * p1, p3 = p2 * p1, p4 = p2 * p2, p5 = p4 * p1, p6 = p3 * p3;
    const Lanes v = 1.0 + ((a1 * p1 + a2 * p2) + (a3 * p3 + a4 * p4) + (a5 * p5 + a6 * p6));
    store(value + e, v);
    if (grad != nullptr) {
      const Lanes g = (a1 + a2 * (2.0 * p1)) + (a3 * (3.0 * p2) + a4 * (4.0 * p3)) + (a5 * (5.0 * p4) + a6 * (6.0 * p5));
      store(grad + e, g);
      store(dlog + e, g / v);
    }
    // Not short-circuited: one well-predicted branch per four entries.
    const bool inside = (std::fabs(alpha[0]) < 1) & (std::fabs(alpha[1]) < 1) & (std::fabs(alpha[2]) < 1) &
                        (std::fabs(alpha[3]) < 1);
    if (!inside) outside_lanes(d, alpha, e, value, grad, dlog);
  }
}

#pragma GCC push_options
#pragma GCC target("avx2,fma")

// The AVX2 sweep's lanes of alpha outside |alpha| < 1 (or NaN): up^alpha above +1,
// down^-alpha below -1 (a NaN alpha gives a NaN either way), blended into the
// polynomial's value v and, for the gradient variant, its derivative g and log
// derivative dl. Out of line: the hot loop keeps its registers; the call's saves and
// restores stay on this path.
struct OutsideLanes {
  __m256d inside, log_base, ex;
};
__attribute__((target("avx2,fma"), always_inline)) inline OutsideLanes outside_lanes(__m256d a, const double* log_up,
                                                                                     const double* log_down) {
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7FFFFFFFFFFFFFFFLL));
  const __m256d above = _mm256_cmp_pd(a, one, _CMP_GE_OQ);
  const __m256d log_base = _mm256_blendv_pd(_mm256_sub_pd(_mm256_setzero_pd(), _mm256_loadu_pd(log_down)),
                                            _mm256_loadu_pd(log_up), above);
  return {_mm256_cmp_pd(_mm256_and_pd(a, abs_mask), one, _CMP_LT_OQ), log_base,
          _ZGVdN4v_exp(_mm256_mul_pd(a, log_base))};
}
__attribute__((noinline, target("avx2,fma"))) __m256d outside_value(__m256d a, __m256d v, const double* log_up,
                                                                    const double* log_down) {
  const OutsideLanes o = outside_lanes(a, log_up, log_down);
  return _mm256_blendv_pd(o.ex, v, o.inside);
}
struct ValueGradLanes {
  __m256d v, g, dl;
};
__attribute__((noinline, target("avx2,fma"))) ValueGradLanes outside_value_grad(__m256d a, ValueGradLanes in,
                                                                                const double* log_up,
                                                                                const double* log_down) {
  const OutsideLanes o = outside_lanes(a, log_up, log_down);
  return {_mm256_blendv_pd(o.ex, in.v, o.inside), _mm256_blendv_pd(_mm256_mul_pd(o.ex, o.log_base), in.g, o.inside),
          _mm256_blendv_pd(o.log_base, in.dl, o.inside)};
}

// AVX2+FMA: Horner's rule in fused multiply-adds (six per value, five more for the
// derivative, which the same recurrence yields: d <- d alpha + p before p <- p alpha +
// a_k). Each group of four is a dependent chain, but the groups are independent, so the
// out-of-order core overlaps them; fewer instructions than the powers form, which needs
// eleven multiplies and six adds. Lanes with |alpha| >= 1 take exp(alpha log base) from
// libmvec's four-lane exp, blended in: fits meet many such lanes (pulled nuisance
// parameters), and four scalar exp calls cost several times the polynomial. Block by
// block (each block's run is whole lanes), the values are multiplied lane-wise into the
// block's product while they are in registers (kScale): no second pass over them.
template <bool kGrad, bool kScale>
__attribute__((target("avx2,fma"))) void sweep_avx2(const ModelData& d, const double* x, double* value, double* grad,
                                                    double* dlog, double* scale) {
  const Code4Rows r = code4_rows(d);
  const std::uint32_t* par = r.par;
  const std::uint32_t* block_begin = d.normsys_block_begin.data();
  const std::size_t nblocks = d.blocks.size();
  const __m256d one = _mm256_set1_pd(1.0);
  const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7FFFFFFFFFFFFFFFLL));
  for (std::size_t b = 0; b < nblocks; ++b) {
    __m256d product = one;
    for (std::size_t e = block_begin[b], end = block_begin[b + 1]; e < end; e += 4) {
      const double* c = r.poly + 6 * e;
      const __m256d a = _mm256_setr_pd(x[par[e]], x[par[e + 1]], x[par[e + 2]], x[par[e + 3]]);
      __m256d p = _mm256_loadu_pd(c + 20);
      __m256d g = p;
      p = _mm256_fmadd_pd(p, a, _mm256_loadu_pd(c + 16));
      if constexpr (kGrad) g = _mm256_fmadd_pd(g, a, p);
      p = _mm256_fmadd_pd(p, a, _mm256_loadu_pd(c + 12));
      if constexpr (kGrad) g = _mm256_fmadd_pd(g, a, p);
      p = _mm256_fmadd_pd(p, a, _mm256_loadu_pd(c + 8));
      if constexpr (kGrad) g = _mm256_fmadd_pd(g, a, p);
      p = _mm256_fmadd_pd(p, a, _mm256_loadu_pd(c + 4));
      if constexpr (kGrad) g = _mm256_fmadd_pd(g, a, p);
      p = _mm256_fmadd_pd(p, a, _mm256_loadu_pd(c));
      if constexpr (kGrad) g = _mm256_fmadd_pd(g, a, p);
      __m256d v = _mm256_fmadd_pd(p, a, one);
      __m256d dl;
      if constexpr (kGrad) dl = _mm256_div_pd(g, v);
      const __m256d inside = _mm256_cmp_pd(_mm256_and_pd(a, abs_mask), one, _CMP_LT_OQ);
      if (_mm256_movemask_pd(inside) != 0xF) {
        if constexpr (kGrad) {
          const ValueGradLanes o = outside_value_grad(a, {v, g, dl}, r.log_up + e, r.log_down + e);
          v = o.v;
          g = o.g;
          dl = o.dl;
        } else {
          v = outside_value(a, v, r.log_up + e, r.log_down + e);
        }
      }
      _mm256_storeu_pd(value + e, v);
      if constexpr (kGrad) {
        _mm256_storeu_pd(grad + e, g);
        _mm256_storeu_pd(dlog + e, dl);
      }
      if constexpr (kScale) product = _mm256_mul_pd(product, v);
    }
    if constexpr (kScale) {
      const __m128d h = _mm_mul_pd(_mm256_castpd256_pd128(product), _mm256_extractf128_pd(product, 1));
      scale[b] = _mm_cvtsd_f64(_mm_mul_sd(h, _mm_unpackhi_pd(h, h)));
    }
  }
}

#pragma GCC pop_options

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

void code4_normsys_sweep(const ModelData& d, const double* x, double* value, double* grad, double* dlog,
                         double* scale) {
  if (d.normsys.empty()) {
    // No normsys factors (e.g. simplified likelihoods): the direct factors alone.
    if (scale != nullptr) {
      std::fill(scale, scale + d.blocks.size(), 1.0);
      multiply_direct_factors(d, x, scale);
    }
    return;
  }
  if (!cpu_has_avx2_fma()) {
    sweep_baseline(d, x, value, grad, dlog);
    if (scale != nullptr) products_baseline(d, value, scale);
  } else if (grad != nullptr) {
    if (scale != nullptr)
      sweep_avx2<true, true>(d, x, value, grad, dlog, scale);
    else
      sweep_avx2<true, false>(d, x, value, grad, dlog, nullptr);
  } else {
    sweep_avx2<false, true>(d, x, value, nullptr, nullptr, scale);
  }
  if (scale != nullptr) multiply_direct_factors(d, x, scale);
}

}  // namespace hfx::detail
