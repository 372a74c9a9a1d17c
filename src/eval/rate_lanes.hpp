// The main bins' rates as eight lanes for the fits' AVX-512 Poisson sums (internal).
//
// The generated rates pass stores the rates of channels of one or two bins one bin at a
// time (wider ones eight lanes at a time). A load wider than such a store, spanning
// several of them, is not forwarded from the store buffer: it waits for the stores to
// reach the cache (pyhf-validation/1bin_lumi's NLL: 41 ns instead of 29 when its group
// was one eight-lane load). So the lanes are built from eight-byte loads.
#pragma once

#include "eval/target_pragmas.hpp"
#include <immintrin.h>

#include <cstddef>

namespace hfx::detail {

HFX_TARGET_PUSH("avx512f,avx512dq")
// GCC 12's AVX-512 headers build the casts on undefined registers, which its
// -W(maybe-)uninitialized then reports in every caller (a known false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// lo[0] and hi[0] as two lanes, from two eight-byte loads. GCC would merge a load_sd and a
// loadh_pd of adjacent addresses into one sixteen-byte load, which waits as a wider load
// does (pyhf-docs-2bin-1channel's NLL: 49 ns instead of 24); the empty asm hides the first
// value from it.
[[gnu::always_inline]] inline __m128d load_apart(const double* lo, const double* hi) {
  __m128d v = _mm_load_sd(lo);
  asm("" : "+v"(v));
  return _mm_loadh_pd(v, hi);
}

// The rates p[0], ..., p[n - 1] (1 <= n <= 8) in lanes 0 to n - 1, from eight-byte loads.
// Lanes from n up to the next of 2, 4 or 8 repeat p[n - 1]; the lanes above that (from 2
// when n <= 2, from 4 when n <= 4) are unspecified: callers mask them out. Loading only
// what is used: with all eight lanes built, 2bin_2channel's joint sum took 30.5 ns
// instead of 26.1, pyhf-docs-2bin-1channel's 28.5 instead of 23.9.
[[gnu::always_inline]] inline __m512d rate_lanes(const double* p, std::size_t n) {
  auto at = [&](std::size_t i) { return p + (i < n ? i : n - 1); };
  const __m128d a = load_apart(at(0), at(1));
  if (n <= 2) return _mm512_castpd128_pd512(a);
  const __m256d ab = _mm256_insertf128_pd(_mm256_castpd128_pd256(a), load_apart(at(2), at(3)), 1);
  if (n <= 4) return _mm512_castpd256_pd512(ab);
  const __m256d cd = _mm256_insertf128_pd(_mm256_castpd128_pd256(load_apart(at(4), at(5))), load_apart(at(6), at(7)), 1);
  return _mm512_insertf64x4(_mm512_castpd256_pd512(ab), cd, 1);
}

#pragma GCC diagnostic pop
HFX_TARGET_POP

}  // namespace hfx::detail
