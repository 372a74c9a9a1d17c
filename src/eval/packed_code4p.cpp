#include "packed_code4p.hpp"

#include "cpu_features.hpp"

#include <immintrin.h>

#include <cstddef>
#include <cstring>

namespace hfx::detail {

namespace {

// Two doubles in one SIMD register (GCC/Clang vector extension: SSE2 on x86-64);
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
void packed_sse(const HistoEntry* histos, std::uint32_t h0, std::uint32_t h1, const double* sa, const double* coef,
                double* base) {
  Pair acc0[NB] = {}, acc1[NB] = {};
  auto add = [&](std::uint32_t h, Pair* acc) {
    const HistoEntry& e = histos[h];
    const Pair c = load_pair(coef + 2 * e.par);
    const double* p = sa + 2 * static_cast<std::size_t>(e.data);
    for (int j = 0; j < NB; ++j) acc[j] += c * load_pair(p + 2 * j);
  };
  std::uint32_t h = h0;
  for (; h + 1 < h1; h += 2) {
    add(h, acc0);
    add(h + 1, acc1);
  }
  if (h < h1) add(h, acc0);
  for (int j = 0; j < NB; ++j) base[j] += (acc0[j][0] + acc1[j][0]) + (acc0[j][1] + acc1[j][1]);
}

// Baseline reverse sweep: per entry the two-lane sum of (S, A) pw over the bins, then
// S-part + slope A-part.
template <int NB>
void packed_grad_sse(const HistoEntry* histos, std::uint32_t h0, std::uint32_t h1, const double* sa,
                     const double* slope, const double* pw, double s, double* grad) {
  Pair w[NB];
  for (int j = 0; j < NB; ++j) w[j] = Pair{pw[j], pw[j]};
  for (std::uint32_t h = h0; h < h1; ++h) {
    const HistoEntry& e = histos[h];
    const double* p = sa + 2 * static_cast<std::size_t>(e.data);
    Pair acc = load_pair(p) * w[0];
    for (int j = 1; j < NB; ++j) acc += load_pair(p + 2 * j) * w[j];
    grad[e.par] += (acc[0] + slope[e.par] * acc[1]) * s;
  }
}

#pragma GCC push_options
#pragma GCC target("avx2,fma")

// AVX2: an entry's (S, A) pairs of two bins fill one 256-bit register, so a 3-bin entry
// is one 256-bit and one 128-bit fused multiply-add against the broadcast (c_S, c_A).
// Four accumulator sets hide the FMA latency (a block has tens of entries).
template <int NB>
struct Acc {
  __m256d two[NB / 2 > 0 ? NB / 2 : 1];
  __m128d one;
};

template <int NB>
inline void fma_entry(const HistoEntry& e, const double* sa, const double* coef, Acc<NB>& acc) {
  const double* c = coef + 2 * e.par;
  const double* p = sa + 2 * static_cast<std::size_t>(e.data);
  if constexpr (NB >= 2) {
    const __m256d c4 = _mm256_broadcast_pd(reinterpret_cast<const __m128d*>(c));
    for (int k = 0; k < NB / 2; ++k) acc.two[k] = _mm256_fmadd_pd(c4, _mm256_loadu_pd(p + 4 * k), acc.two[k]);
  }
  if constexpr (NB % 2 == 1) acc.one = _mm_fmadd_pd(_mm_loadu_pd(c), _mm_loadu_pd(p + 2 * (NB - 1)), acc.one);
}

template <int NB>
void packed_avx2(const HistoEntry* histos, std::uint32_t h0, std::uint32_t h1, const double* sa, const double* coef,
                 double* base) {
  Acc<NB> a0{}, a1{}, a2{}, a3{};
  std::uint32_t h = h0;
  for (; h + 4 <= h1; h += 4) {
    fma_entry<NB>(histos[h], sa, coef, a0);
    fma_entry<NB>(histos[h + 1], sa, coef, a1);
    fma_entry<NB>(histos[h + 2], sa, coef, a2);
    fma_entry<NB>(histos[h + 3], sa, coef, a3);
  }
  for (; h < h1; ++h) fma_entry<NB>(histos[h], sa, coef, a0);
  double sum[2 * NB + 2];  // (S part, A part) per bin
  if constexpr (NB >= 2)
    for (int k = 0; k < NB / 2; ++k)
      _mm256_storeu_pd(sum + 4 * k, _mm256_add_pd(_mm256_add_pd(a0.two[k], a1.two[k]),
                                                  _mm256_add_pd(a2.two[k], a3.two[k])));
  if constexpr (NB % 2 == 1)
    _mm_storeu_pd(sum + 2 * (NB - 1), _mm_add_pd(_mm_add_pd(a0.one, a1.one), _mm_add_pd(a2.one, a3.one)));
  for (int j = 0; j < NB; ++j) base[j] += sum[2 * j] + sum[2 * j + 1];
}

template <int NB>
void packed_grad_avx2(const HistoEntry* histos, std::uint32_t h0, std::uint32_t h1, const double* sa,
                      const double* slope, const double* pw, double s, double* grad) {
  // Weights laid out as the (S, A) pairs: (pw0, pw0, pw1, pw1), (pw2, pw2, pw3, pw3).
  __m256d w2[NB / 2 > 0 ? NB / 2 : 1];
  for (int k = 0; k < NB / 2; ++k) w2[k] = _mm256_setr_pd(pw[2 * k], pw[2 * k], pw[2 * k + 1], pw[2 * k + 1]);
  const __m128d w1 = _mm_set1_pd(pw[NB - 1]);
  for (std::uint32_t h = h0; h < h1; ++h) {
    const HistoEntry& e = histos[h];
    const double* p = sa + 2 * static_cast<std::size_t>(e.data);
    __m128d acc = _mm_setzero_pd();  // (sum S pw, sum A pw)
    if constexpr (NB >= 2) {
      __m256d v = _mm256_mul_pd(_mm256_loadu_pd(p), w2[0]);
      if constexpr (NB >= 4) v = _mm256_fmadd_pd(_mm256_loadu_pd(p + 4), w2[1], v);
      acc = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    }
    if constexpr (NB % 2 == 1) acc = _mm_fmadd_pd(_mm_loadu_pd(p + 2 * (NB - 1)), w1, acc);
    const double gs = _mm_cvtsd_f64(acc), ga = _mm_cvtsd_f64(_mm_unpackhi_pd(acc, acc));
    grad[e.par] += (gs + slope[e.par] * ga) * s;
  }
}

#pragma GCC pop_options

}  // namespace

void add_packed_code4p(const HistoEntry* histos, std::uint32_t h0, std::uint32_t h1, const double* sa,
                       const double* coef, std::uint32_t nb, double* base) {
  if (h0 == h1) return;
  if (cpu_has_avx2_fma()) {
    switch (nb) {
      case 1: return packed_avx2<1>(histos, h0, h1, sa, coef, base);
      case 2: return packed_avx2<2>(histos, h0, h1, sa, coef, base);
      case 3: return packed_avx2<3>(histos, h0, h1, sa, coef, base);
      case 4: return packed_avx2<4>(histos, h0, h1, sa, coef, base);
    }
    return;
  }
  switch (nb) {
    case 1: return packed_sse<1>(histos, h0, h1, sa, coef, base);
    case 2: return packed_sse<2>(histos, h0, h1, sa, coef, base);
    case 3: return packed_sse<3>(histos, h0, h1, sa, coef, base);
    case 4: return packed_sse<4>(histos, h0, h1, sa, coef, base);
  }
}

void add_packed_code4p_grad(const HistoEntry* histos, std::uint32_t h0, std::uint32_t h1, const double* sa,
                            const double* slope, const double* pw, std::uint32_t nb, double s, double* grad) {
  if (h0 == h1) return;
  if (cpu_has_avx2_fma()) {
    switch (nb) {
      case 1: return packed_grad_avx2<1>(histos, h0, h1, sa, slope, pw, s, grad);
      case 2: return packed_grad_avx2<2>(histos, h0, h1, sa, slope, pw, s, grad);
      case 3: return packed_grad_avx2<3>(histos, h0, h1, sa, slope, pw, s, grad);
      case 4: return packed_grad_avx2<4>(histos, h0, h1, sa, slope, pw, s, grad);
    }
    return;
  }
  switch (nb) {
    case 1: return packed_grad_sse<1>(histos, h0, h1, sa, slope, pw, s, grad);
    case 2: return packed_grad_sse<2>(histos, h0, h1, sa, slope, pw, s, grad);
    case 3: return packed_grad_sse<3>(histos, h0, h1, sa, slope, pw, s, grad);
    case 4: return packed_grad_sse<4>(histos, h0, h1, sa, slope, pw, s, grad);
  }
}

}  // namespace hfx::detail
