#include "eval/target_pragmas.hpp"
#include "panel_code4p.hpp"

#if HFX_ENABLE_X86
#include <immintrin.h>
#endif

#include <type_traits>
#include <utility>

namespace hfx::detail {

namespace {

#if HFX_ENABLE_X86
HFX_TARGET_PUSH("avx2,fma")

// One panel of G lane groups. Up to 6 groups the S and A parts have separate
// accumulators (2 G chains of one multiply-add per parameter each), beyond that one per
// group (G chains of two, the 16 vector registers' limit): either way the FMA units, not
// their latency, set the pace from G = 2 on.
// kAOnly: the panel stores A alone (4 G doubles per parameter), one accumulator per
// group.
template <int G, bool kAOnly>
void panel_forward(const double* coef, const std::uint32_t* par, const std::uint32_t* end, const double* col,
                   double* base, std::uint32_t nbins) {
  constexpr bool split = G <= 6 && !kAOnly;
  constexpr int NA = split ? G : 1;
  __m256d s[G], a[NA];
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) s[g] = _mm256_setzero_pd();
#pragma GCC unroll 16
  for (int g = 0; g < NA; ++g) a[g] = _mm256_setzero_pd();
  if constexpr (kAOnly) {
    for (; par != end; ++par, col += 4 * G) {
      const __m256d ca = _mm256_broadcast_sd(coef + 2 * static_cast<std::size_t>(*par) + 1);
#pragma GCC unroll 16
      for (int g = 0; g < G; ++g) s[g] = _mm256_fmadd_pd(ca, _mm256_loadu_pd(col + 4 * g), s[g]);
    }
  } else {
    for (; par != end; ++par, col += 8 * G) {
      const __m256d cs = _mm256_broadcast_sd(coef + 2 * static_cast<std::size_t>(*par));
      const __m256d ca = _mm256_broadcast_sd(coef + 2 * static_cast<std::size_t>(*par) + 1);
#pragma GCC unroll 16
      for (int g = 0; g < G; ++g) {
        s[g] = _mm256_fmadd_pd(cs, _mm256_loadu_pd(col + 8 * g), s[g]);
        if constexpr (split)
          a[g] = _mm256_fmadd_pd(ca, _mm256_loadu_pd(col + 8 * g + 4), a[g]);
        else
          s[g] = _mm256_fmadd_pd(ca, _mm256_loadu_pd(col + 8 * g + 4), s[g]);
      }
    }
  }
  if constexpr (split) {
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) s[g] = _mm256_add_pd(s[g], a[g]);
  }
  // Whole groups added four bins at a time; the last, partial one lane by lane.
#pragma GCC unroll 16
  for (int g = 0; g + 1 < G; ++g) _mm256_storeu_pd(base + 4 * g, _mm256_add_pd(_mm256_loadu_pd(base + 4 * g), s[g]));
  alignas(32) double last[4];
  _mm256_store_pd(last, s[G - 1]);
  for (std::uint32_t j = 4 * (G - 1); j < nbins; ++j) base[j] += last[j - 4 * (G - 1)];
}

// Per parameter: the dot products of its S and A columns with the panel's weights (held
// in registers across the parameters), reduced to (sum S g, sum A g); in an A-only panel
// the A column's alone.
template <int G, bool kAOnly>
void panel_backward(const double* slope, const std::uint32_t* par, const std::uint32_t* end, const double* col,
                    const double* gw, double* grad) {
  __m256d w[G];
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) w[g] = _mm256_loadu_pd(gw + 4 * g);
  if constexpr (kAOnly) {
    for (; par != end; ++par, col += 4 * G) {
      __m256d a = _mm256_mul_pd(_mm256_loadu_pd(col), w[0]);
#pragma GCC unroll 16
      for (int g = 1; g < G; ++g) a = _mm256_fmadd_pd(_mm256_loadu_pd(col + 4 * g), w[g], a);
      const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
      grad[*par] += slope[*par] * _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
    }
  } else {
    for (; par != end; ++par, col += 8 * G) {
      __m256d s = _mm256_mul_pd(_mm256_loadu_pd(col), w[0]);
      __m256d a = _mm256_mul_pd(_mm256_loadu_pd(col + 4), w[0]);
#pragma GCC unroll 16
      for (int g = 1; g < G; ++g) {
        s = _mm256_fmadd_pd(_mm256_loadu_pd(col + 8 * g), w[g], s);
        a = _mm256_fmadd_pd(_mm256_loadu_pd(col + 8 * g + 4), w[g], a);
      }
      const __m256d h = _mm256_hadd_pd(s, a);  // (s0 + s1, a0 + a1, s2 + s3, a2 + a3)
      const __m128d r = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
      grad[*par] += _mm_cvtsd_f64(r) + slope[*par] * _mm_cvtsd_f64(_mm_unpackhi_pd(r, r));
    }
  }
}

HFX_TARGET_POP

// Calls f(std::integral_constant<int, G>) for a panel of G lane groups (1 <= G <=
// kMaxGroups): each G is its own kernel, unrolled.
constexpr int kMaxGroups = static_cast<int>(panel_lane_groups(kPanelBins));
template <class F>
void with_groups(std::uint32_t nbins, F&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) {
    const int G = static_cast<int>(panel_lane_groups(nbins));
    ((G == I + 1 ? (f(std::integral_constant<int, I + 1>{}), true) : false) || ...);
  }(std::make_integer_sequence<int, kMaxGroups>{});
}

#endif  // HFX_ENABLE_X86

}  // namespace

#if HFX_ENABLE_X86
void add_panel_code4p(const ModelData& d, const double* coef, double* base) {
  const std::uint32_t* pars = d.panel_par.data();
  for (const HistoPanel& q : d.histo_panels) {
    const double* col = d.panel_SA.data() + q.data;
    const std::uint32_t* p0 = pars + q.par_begin;
    const std::uint32_t* p1 = pars + q.par_end;
    with_groups(q.nbins, [&](auto G) {
      if (q.a_only)
        panel_forward<G(), true>(coef, p0, p1, col, base + q.bin_begin, q.nbins);
      else
        panel_forward<G(), false>(coef, p0, p1, col, base + q.bin_begin, q.nbins);
    });
  }
}
#endif  // HFX_ENABLE_X86

std::size_t panel_grad_size(const ModelData& d) {
  std::size_t n = 0;
  for (const HistoPanel& q : d.histo_panels) n += 4 * panel_lane_groups(q.nbins);
  return n;
}

void gather_panel_weights(const ModelData& d, const double* weight, double* g) {
  for (const HistoPanel& q : d.histo_panels) {
    for (std::uint32_t j = 0; j < q.nbins; ++j) g[j] = weight[q.bin_begin + j];
    g += 4 * panel_lane_groups(q.nbins);
  }
}

#if HFX_ENABLE_X86
void add_panel_code4p_grad(const ModelData& d, const double* slope, const double* g, double* grad) {
  const std::uint32_t* pars = d.panel_par.data();
  for (const HistoPanel& q : d.histo_panels) {
    const double* col = d.panel_SA.data() + q.data;
    const std::uint32_t* p0 = pars + q.par_begin;
    const std::uint32_t* p1 = pars + q.par_end;
    with_groups(q.nbins, [&](auto G) {
      if (q.a_only)
        panel_backward<G(), true>(slope, p0, p1, col, g, grad);
      else
        panel_backward<G(), false>(slope, p0, p1, col, g, grad);
    });
    g += 4 * panel_lane_groups(q.nbins);
  }
}
#endif  // HFX_ENABLE_X86

}  // namespace hfx::detail
