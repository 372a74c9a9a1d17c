// hfx's own eight-lane natural log for the fits' Poisson sums (internal; AVX-512 F+DQ).
//
// Why not libmvec's _ZGVeN8v_log: the log of the main bins' rates is the last step of
// every NLL, so its latency, not its throughput, is what an NLL waits for. libmvec's
// call takes about 67 cycles from argument to result on the Zen 5 this was written on;
// log8 is inlined into the sums and is a short dependency chain (a table lookup, one
// multiply-add, a degree-11 polynomial in Estrin's scheme and a compensated final sum).
//
// Method: x = 2^k m' with m' within 1/32 of a table point c_j = 1 + j/16 (j < 16; c_0 = 1
// also takes the mantissas just below 2, as m' = m/2 just below 1). With invc_j = 1/c_j
// rounded, r = m' invc_j - 1 (one rounding, |r| <= 1/32) and
//   log x = k ln2 - log(invc_j) + log1p(r),
// log1p by its Taylor series to r^11 (truncation below 2^-58 relative). log(invc_j) is
// tabulated as a pair of doubles, and k ln2 - log(invc_j) and its sum with r are kept as
// value + exact rounding error: for x just below 1 (k = -1, j = 15) the two first terms
// nearly cancel, and a single-double table there gave errors of 8 ulp. The table point
// at 1 is exactly 1 (invc = 1, log = 0): near x = 1 the result is log1p of an exact r,
// so it keeps full relative accuracy there, which the Poisson constraints' u - log1p(u)
// needs.
//
// Domain: positive, normal, finite x (DBL_MIN <= x < inf). Callers check their lanes and
// send anything else to a scalar path; for such lanes log8 returns an unspecified value.
#pragma once

#include "eval/target_pragmas.hpp"
#include <immintrin.h>

#include <cstdint>

namespace hfx::detail {

struct Log8Table {
  alignas(64) double invc[16];    // 1 / (1 + j/16), rounded; invc[0] = 1
  alignas(64) double neglog[16];  // -log(invc[j]), rounded; neglog[0] = 0
  alignas(64) double neglog_lo[16];  // -log(invc[j]) - neglog[j], rounded
  double ln2_hi;                  // ln 2 with its low 21 bits cleared: k ln2_hi is exact
  double ln2_lo;                  // ln 2 - ln2_hi, rounded
};

extern const Log8Table kLog8Table;

HFX_TARGET_PUSH("avx512f,avx512dq")

// log(x + extra) for each lane (x in the domain above). kExtra = false: a plain log of x.
// kExtra = true, for log1p: `extra` holds a small addend that x's rounding lost
// (|extra| <= ulp(x)), which the result then includes.
template <bool kExtra>
[[gnu::always_inline]] inline __m512d log8_impl(__m512d x, __m512d extra) {
  const Log8Table& t = kLog8Table;
  const __m512i bits = _mm512_castpd_si512(x);
  // Adding half an index step (2^47) rounds the top four mantissa bits to the nearest
  // table point; a carry out of the mantissa (m >= 1 + 31/32) bumps k and gives j = 0.
  const __m512i tmp = _mm512_add_epi64(bits, _mm512_set1_epi64(std::int64_t{1} << 47));
  const __m512i exp_field = _mm512_srli_epi64(tmp, 52);
  // m' = x 2^-k: x's bits with the exponent field k + 1023 replaced by 1023.
  const __m512i mbits = _mm512_sub_epi64(bits, _mm512_slli_epi64(_mm512_sub_epi64(exp_field, _mm512_set1_epi64(1023)), 52));
  const __m512d m = _mm512_castsi512_pd(mbits);
  const __m512d k = _mm512_cvtepi64_pd(_mm512_sub_epi64(exp_field, _mm512_set1_epi64(1023)));
  // Lanes' j = bits 48-51 of tmp; the two-table permute reads only an index's low 4 bits.
  const __m512i j = _mm512_srli_epi64(tmp, 48);
  const __m512d invc = _mm512_permutex2var_pd(_mm512_load_pd(t.invc), j, _mm512_load_pd(t.invc + 8));
  const __m512d neglog = _mm512_permutex2var_pd(_mm512_load_pd(t.neglog), j, _mm512_load_pd(t.neglog + 8));
  const __m512d neglog_lo = _mm512_permutex2var_pd(_mm512_load_pd(t.neglog_lo), j, _mm512_load_pd(t.neglog_lo + 8));
  // r = m' invc - 1, plus what `extra` adds to it (extra 2^-k invc, exact scaling by 2^-k).
  __m512d r = _mm512_fmsub_pd(m, invc, _mm512_set1_pd(1.0));
  if constexpr (kExtra) r = _mm512_fmadd_pd(_mm512_scalef_pd(extra, _mm512_sub_pd(_mm512_setzero_pd(), k)), invc, r);
  // hi = k ln2_hi + neglog (rounded) and its rounding error: |k ln2_hi| >= |neglog| when
  // k != 0 (neglog < ln 2), so the two-operation error formula is exact.
  const __m512d p = _mm512_mul_pd(k, _mm512_set1_pd(t.ln2_hi));
  const __m512d hi = _mm512_add_pd(p, neglog);
  const __m512d hi_err = _mm512_add_pd(_mm512_sub_pd(p, hi), neglog);
  // s = hi + r and its exact error: hi is 0 or at least 1/32 in size, |r| <= 1/32.
  const __m512d s = _mm512_add_pd(hi, r);
  const __m512d s_err = _mm512_add_pd(_mm512_sub_pd(hi, s), r);
  // log1p(r) - r = r^2 q(r), q(r) = sum_{i=0..9} (-1)^(i+1) r^i / (i + 2), by Estrin.
  const __m512d r2 = _mm512_mul_pd(r, r);
  const __m512d r4 = _mm512_mul_pd(r2, r2);
  const __m512d q01 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 3), r, _mm512_set1_pd(-1.0 / 2));
  const __m512d q23 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 5), r, _mm512_set1_pd(-1.0 / 4));
  const __m512d q45 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 7), r, _mm512_set1_pd(-1.0 / 6));
  const __m512d q67 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 9), r, _mm512_set1_pd(-1.0 / 8));
  const __m512d q89 = _mm512_fmadd_pd(_mm512_set1_pd(1.0 / 11), r, _mm512_set1_pd(-1.0 / 10));
  const __m512d q03 = _mm512_fmadd_pd(q23, r2, q01);
  const __m512d q47 = _mm512_fmadd_pd(q67, r2, q45);
  const __m512d q07 = _mm512_fmadd_pd(q47, r4, q03);
  const __m512d q = _mm512_fmadd_pd(_mm512_mul_pd(q89, r4), r4, q07);
  // The small parts: both rounding errors, neglog's low part, k ln2_lo, r^2 q.
  const __m512d lo = _mm512_fmadd_pd(k, _mm512_set1_pd(t.ln2_lo), _mm512_add_pd(_mm512_add_pd(hi_err, s_err), neglog_lo));
  return _mm512_add_pd(s, _mm512_fmadd_pd(r2, q, lo));
}

// log x, lane by lane.
[[gnu::always_inline]] inline __m512d log8(__m512d x) { return log8_impl<false>(x, x); }

// log1p(u), lane by lane, for u > -1 with 1 + u normal: log(w) with w = 1 + u rounded,
// plus what that rounding lost.
[[gnu::always_inline]] inline __m512d log1p8(__m512d u) {
  const __m512d one = _mm512_set1_pd(1.0);
  const __m512d w = _mm512_add_pd(one, u);
  return log8_impl<true>(w, _mm512_sub_pd(u, _mm512_sub_pd(w, one)));
}

HFX_TARGET_POP

}  // namespace hfx::detail
