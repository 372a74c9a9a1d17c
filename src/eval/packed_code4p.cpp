#include "eval/target_pragmas.hpp"
#include "packed_code4p.hpp"

#include "cpu_features.hpp"
#include "kernels.hpp"

#if HFX_ENABLE_X86
#include <immintrin.h>
#endif

#include <cstring>

namespace hfx::detail {

namespace {

// The entries of one block: their parameters (entries[i].par) and their (S, A) pairs,
// entry i's at sa + 2 NB i (consecutive, see ModelData::histos).
struct BlockEntries {
  const HistoEntry* entries;
  std::uint32_t n;
  const double* sa;
};

BlockEntries block_entries(const ModelData& d, std::size_t b) {
  const std::uint32_t h0 = d.histo_begin[b], h1 = d.histo_begin[b + 1];
  if (h0 == h1) return {nullptr, 0, nullptr};
  return {d.histos.data() + h0, h1 - h0, d.histo_SA.data() + 2 * static_cast<std::size_t>(d.histos[h0].data)};
}

// Two doubles in one SIMD register (GCC/Clang vector extension: SSE2 on x86-64, NEON on
// aarch64);
// arithmetic on it is lane-wise IEEE, exactly as on two scalars.
using Pair = double __attribute__((vector_size(16)));
inline Pair load_pair(const double* p) {
  Pair v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Baseline: (c_S, c_A) times (S, A) is one two-lane multiply and add per bin (the
// compiler does not pair the lanes of the scalar form by itself). Two accumulator sets,
// even and odd entries, for independent add chains.
template <int NB>
void packed_portable(const BlockEntries& be, const double* coef, double* base) {
  Pair acc0[NB] = {}, acc1[NB] = {};
  auto add = [&](std::uint32_t i, Pair* acc) {
    const Pair c = load_pair(coef + 2 * be.entries[i].par);
    const double* p = be.sa + 2 * NB * static_cast<std::size_t>(i);
    for (int j = 0; j < NB; ++j) acc[j] += c * load_pair(p + 2 * j);
  };
  std::uint32_t i = 0;
  for (; i + 1 < be.n; i += 2) {
    add(i, acc0);
    add(i + 1, acc1);
  }
  if (i < be.n) add(i, acc0);
  for (int j = 0; j < NB; ++j) base[j] += (acc0[j][0] + acc1[j][0]) + (acc0[j][1] + acc1[j][1]);
}

// Baseline reverse sweep: per entry the two-lane sum of (S, A) pw over the bins, then
// S-part + slope A-part.
template <int NB>
void packed_grad_portable(const BlockEntries& be, const double* slope, const double* pw, double s, double* grad) {
  Pair w[NB];
  for (int j = 0; j < NB; ++j) w[j] = Pair{pw[j], pw[j]};
  const double* p = be.sa;
  for (std::uint32_t i = 0; i < be.n; ++i, p += 2 * NB) {
    const std::uint32_t par = be.entries[i].par;
    Pair acc = load_pair(p) * w[0];
    for (int j = 1; j < NB; ++j) acc += load_pair(p + 2 * j) * w[j];
    grad[par] += (acc[0] + slope[par] * acc[1]) * s;
  }
}

#if HFX_ENABLE_X86
HFX_TARGET_PUSH("avx2,fma")

// AVX2: an entry's (S, A) pairs of two bins fill one 256-bit register, so a 3-bin entry
// is one 256-bit and one 128-bit fused multiply-add against the broadcast (c_S, c_A).
// Four accumulator sets hide the FMA latency (a block has tens of entries).
template <int NB>
struct Acc {
  __m256d two[NB / 2 > 0 ? NB / 2 : 1];
  __m128d one;
};

// c points at the entry's parameter's (c_S, c_A).
template <int NB>
inline void fma_entry(const __m128d* c, const double* p, Acc<NB>& acc) {
  if constexpr (NB >= 2) {
    const __m256d c4 = _mm256_broadcast_pd(c);
    for (int k = 0; k < NB / 2; ++k) acc.two[k] = _mm256_fmadd_pd(c4, _mm256_loadu_pd(p + 4 * k), acc.two[k]);
    if constexpr (NB % 2 == 1)
      acc.one = _mm_fmadd_pd(_mm256_castpd256_pd128(c4), _mm_loadu_pd(p + 2 * (NB - 1)), acc.one);
  } else {
    acc.one = _mm_fmadd_pd(_mm_loadu_pd(reinterpret_cast<const double*>(c)), _mm_loadu_pd(p), acc.one);
  }
}

template <int NB>
void packed_avx2(const BlockEntries& be, const double* coef, double* base) {
  Acc<NB> a0{}, a1{}, a2{}, a3{};
  // Pointer walks (no 32-bit index to widen per entry); (c_S, c_A) of parameter p is
  // pairs[p].
  const auto* pairs = reinterpret_cast<const __m128d*>(coef);
  const HistoEntry* e = be.entries;
  const HistoEntry* const end = e + be.n;
  const HistoEntry* const end4 = e + (be.n & ~3u);
  const double* p = be.sa;
  for (; e != end4; e += 4, p += 8 * NB) {
    fma_entry<NB>(pairs + e[0].par, p, a0);
    fma_entry<NB>(pairs + e[1].par, p + 2 * NB, a1);
    fma_entry<NB>(pairs + e[2].par, p + 4 * NB, a2);
    fma_entry<NB>(pairs + e[3].par, p + 6 * NB, a3);
  }
  for (; e != end; ++e, p += 2 * NB) fma_entry<NB>(pairs + e->par, p, a0);
  double sum[2 * NB + 2];  // (S part, A part) per bin
  if constexpr (NB >= 2)
    for (int k = 0; k < NB / 2; ++k)
      _mm256_storeu_pd(sum + 4 * k, _mm256_add_pd(_mm256_add_pd(a0.two[k], a1.two[k]),
                                                  _mm256_add_pd(a2.two[k], a3.two[k])));
  if constexpr (NB % 2 == 1)
    _mm_storeu_pd(sum + 2 * (NB - 1), _mm_add_pd(_mm_add_pd(a0.one, a1.one), _mm_add_pd(a2.one, a3.one)));
  for (int j = 0; j < NB; ++j) base[j] += sum[2 * j] + sum[2 * j + 1];
}

void all_blocks_avx2(const ModelData& d, const double* coef, double* base) {
  for (std::size_t b = 0; b < d.blocks.size(); ++b) {
    const BlockEntries be = block_entries(d, b);
    if (be.n == 0) continue;
    double* out = base + d.blocks[b].bin_begin;
    switch (d.blocks[b].nbins) {
      case 1: packed_avx2<1>(be, coef, out); break;
      case 2: packed_avx2<2>(be, coef, out); break;
      case 3: packed_avx2<3>(be, coef, out); break;
      case 4: packed_avx2<4>(be, coef, out); break;
      default: break;
    }
  }
}

template <int NB>
void packed_grad_avx2(const BlockEntries& be, const double* slope, const double* pw, double s, double* grad) {
  // Weights laid out as the (S, A) pairs: (pw0, pw0, pw1, pw1), (pw2, pw2, pw3, pw3).
  __m256d w2[NB / 2 > 0 ? NB / 2 : 1];
  for (int k = 0; k < NB / 2; ++k) w2[k] = _mm256_setr_pd(pw[2 * k], pw[2 * k], pw[2 * k + 1], pw[2 * k + 1]);
  const __m128d w1 = _mm_set1_pd(pw[NB - 1]);
  const double* p = be.sa;
  for (std::uint32_t i = 0; i < be.n; ++i, p += 2 * NB) {
    const std::uint32_t par = be.entries[i].par;
    __m128d acc = _mm_setzero_pd();  // (sum S pw, sum A pw)
    if constexpr (NB >= 2) {
      __m256d v = _mm256_mul_pd(_mm256_loadu_pd(p), w2[0]);
      if constexpr (NB >= 4) v = _mm256_fmadd_pd(_mm256_loadu_pd(p + 4), w2[1], v);
      acc = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    }
    if constexpr (NB % 2 == 1) acc = _mm_fmadd_pd(_mm_loadu_pd(p + 2 * (NB - 1)), w1, acc);
    const double gs = _mm_cvtsd_f64(acc), ga = _mm_cvtsd_f64(_mm_unpackhi_pd(acc, acc));
    grad[par] += (gs + slope[par] * ga) * s;
  }
}

HFX_TARGET_POP
#endif  // HFX_ENABLE_X86

void all_blocks_portable(const ModelData& d, const double* coef, double* base) {
  for (std::size_t b = 0; b < d.blocks.size(); ++b) {
    const BlockEntries be = block_entries(d, b);
    if (be.n == 0) continue;
    double* out = base + d.blocks[b].bin_begin;
    switch (d.blocks[b].nbins) {
      case 1: packed_portable<1>(be, coef, out); break;
      case 2: packed_portable<2>(be, coef, out); break;
      case 3: packed_portable<3>(be, coef, out); break;
      case 4: packed_portable<4>(be, coef, out); break;
      default: break;
    }
  }
}

// One parameter's coefficients (the pair in one 16-byte store, see below) and slope.
inline void coefficients_one(std::uint32_t p, const double* x, double* coef, double* slope) {
  const double alpha = x[p];
  if (coef != nullptr) {
    const Pair c = {alpha, alpha > 1 ? 8.0 * alpha : alpha < -1 ? -8.0 * alpha : code4p_poly(alpha)};
    std::memcpy(coef + 2 * p, &c, sizeof c);
  }
  if (slope != nullptr) slope[p] = alpha > 1 ? 8.0 : alpha < -1 ? -8.0 : code4p_dpoly(alpha);
}

#if HFX_ENABLE_X86
// Without "fma": no contraction of the multiplies and adds below, whose order is
// code4p_poly's and code4p_dpoly's.
__attribute__((target("avx2"))) void coefficients_avx2(const ModelData& d, const double* x, double* coef,
                                                       double* slope) {
  const std::uint32_t* par = d.histo_pars.data();
  const std::size_t n = d.histo_pars.size();
  const __m256d one = _mm256_set1_pd(1.0), minus_one = _mm256_set1_pd(-1.0), eight = _mm256_set1_pd(8.0);
  const __m256d c3 = _mm256_set1_pd(3.0), c10 = _mm256_set1_pd(10.0), c15 = _mm256_set1_pd(15.0);
  const __m256d c18 = _mm256_set1_pd(18.0), c40 = _mm256_set1_pd(40.0), c30 = _mm256_set1_pd(30.0);
  std::size_t k = 0;
  for (; k + 4 <= n; k += 4) {
    const __m256d a = _mm256_setr_pd(x[par[k]], x[par[k + 1]], x[par[k + 2]], x[par[k + 3]]);
    const __m256d a2 = _mm256_mul_pd(a, a);
    const __m256d above = _mm256_cmp_pd(a, one, _CMP_GT_OQ), below = _mm256_cmp_pd(a, minus_one, _CMP_LT_OQ);
    const __m256d outside = _mm256_or_pd(above, below);
    // +-8 by the side: 8 above, -8 below.
    const __m256d side = _mm256_blendv_pd(eight, _mm256_sub_pd(_mm256_setzero_pd(), eight), below);
    alignas(32) double sl[4];
    if (coef != nullptr) {
      const __m256d poly = _mm256_mul_pd(a2, _mm256_add_pd(_mm256_mul_pd(a2, _mm256_sub_pd(_mm256_mul_pd(a2, c3), c10)), c15));
      const __m256d ca = _mm256_blendv_pd(poly, _mm256_mul_pd(side, a), outside);
      // Each (c_S, c_A) pair in one 16-byte store: the packed kernel reads it back with
      // one 16-byte load soon after, which a store buffer forwards only from a store
      // that covers it.
      const __m256d lo = _mm256_unpacklo_pd(a, ca), hi = _mm256_unpackhi_pd(a, ca);  // lanes 0, 2 and 1, 3
      _mm_storeu_pd(coef + 2 * par[k], _mm256_castpd256_pd128(lo));
      _mm_storeu_pd(coef + 2 * par[k + 1], _mm256_castpd256_pd128(hi));
      _mm_storeu_pd(coef + 2 * par[k + 2], _mm256_extractf128_pd(lo, 1));
      _mm_storeu_pd(coef + 2 * par[k + 3], _mm256_extractf128_pd(hi, 1));
    }
    if (slope != nullptr) {
      const __m256d dpoly = _mm256_mul_pd(a, _mm256_add_pd(_mm256_mul_pd(a2, _mm256_sub_pd(_mm256_mul_pd(a2, c18), c40)), c30));
      _mm256_store_pd(sl, _mm256_blendv_pd(dpoly, side, outside));
      for (int l = 0; l < 4; ++l) slope[par[k + l]] = sl[l];
    }
  }
  for (; k < n; ++k) coefficients_one(par[k], x, coef, slope);
}
#endif  // HFX_ENABLE_X86

void coefficients_scalar(const ModelData& d, const double* x, double* coef, double* slope) {
  for (const std::uint32_t p : d.histo_pars) coefficients_one(p, x, coef, slope);
}

}  // namespace

void histo_coefficients(const ModelData& d, const double* x, double* coef, double* slope) {
#if HFX_ENABLE_X86
  if (d.histo_pars.size() >= 4 && cpu_has_avx2_fma()) return coefficients_avx2(d, x, coef, slope);
#endif
  coefficients_scalar(d, x, coef, slope);
}

void add_packed_code4p(const ModelData& d, const double* coef, double* base) {
  if (d.histos.empty()) return;
#if HFX_ENABLE_X86
  if (cpu_has_avx2_fma()) return all_blocks_avx2(d, coef, base);
#endif
  all_blocks_portable(d, coef, base);
}

void add_packed_code4p_grad(const ModelData& d, std::size_t b, const double* slope, const double* pw, double s,
                            double* grad) {
  const BlockEntries be = block_entries(d, b);
  if (be.n == 0) return;
#if HFX_ENABLE_X86
  if (cpu_has_avx2_fma()) {
    switch (d.blocks[b].nbins) {
      case 1: return packed_grad_avx2<1>(be, slope, pw, s, grad);
      case 2: return packed_grad_avx2<2>(be, slope, pw, s, grad);
      case 3: return packed_grad_avx2<3>(be, slope, pw, s, grad);
      case 4: return packed_grad_avx2<4>(be, slope, pw, s, grad);
    }
    return;
  }
#endif
  switch (d.blocks[b].nbins) {
    case 1: return packed_grad_portable<1>(be, slope, pw, s, grad);
    case 2: return packed_grad_portable<2>(be, slope, pw, s, grad);
    case 3: return packed_grad_portable<3>(be, slope, pw, s, grad);
    case 4: return packed_grad_portable<4>(be, slope, pw, s, grad);
  }
}

}  // namespace hfx::detail
