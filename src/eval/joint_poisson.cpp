#include "eval/target_pragmas.hpp"
#include "joint_poisson.hpp"

#include "cpu_features.hpp"
#include "log8.hpp"
#include "rate_lanes.hpp"

#include <immintrin.h>

#include <limits>

namespace hfx::detail {

std::shared_ptr<const JointPoisson> make_joint_poisson(const double* count, const double* c, std::size_t nmain,
                                                       const std::uint32_t* par, const double* r, const double* a,
                                                       std::size_t npois) {
  if (!cpu_has_avx512() || nmain == 0 || npois == 0 || nmain + npois > 8) return nullptr;
  auto out = std::make_shared<JointPoisson>();
  JointPoisson& j = *out;
  j.nmain = static_cast<std::uint32_t>(nmain);
  j.npois = static_cast<std::uint32_t>(npois);
  for (std::size_t i = 0; i < 8; ++i) {
    j.q[i] = 0;
    j.c[i] = 0;
    j.r[i] = 1;
    j.par[i] = 0;
  }
  for (std::size_t g = 0; g < nmain; ++g) {
    j.q[g] = count[g];
    j.c[g] = c[g];
  }
  j.run = true;
  for (std::size_t k = 0; k < npois; ++k) {
    j.q[nmain + k] = a[k];
    j.r[nmain + k] = r[k];
    j.par[nmain + k] = par[k];
    j.run = j.run && par[k] == par[0] + k;
  }
  return out;
}

HFX_TARGET_PUSH("avx512f,avx512dq")
// GCC 12's AVX-512 headers build some intrinsics on _mm256_undefined_pd(), which its
// -Wmaybe-uninitialized then reports in every caller (a known false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

bool joint_poisson_sum(const JointPoisson& j, const double* rate, const double* x, double* sum) {
  const __m512d zero = _mm512_setzero_pd(), one = _mm512_set1_pd(1.0);
  const __m512d min_normal = _mm512_set1_pd(std::numeric_limits<double>::min());
  const __m512d inf = _mm512_set1_pd(std::numeric_limits<double>::infinity());
  const auto main_lanes = static_cast<__mmask8>((1u << j.nmain) - 1);
  const auto con_lanes = static_cast<__mmask8>(((1u << (j.nmain + j.npois)) - 1) & ~main_lanes);
  // The constraints' parameters: one expanding load when consecutive, else a gather.
  const __m512d v = j.run ? _mm512_maskz_expandloadu_pd(con_lanes, x + j.par[j.nmain])
                          : _mm512_mask_i64gather_pd(zero, con_lanes, _mm512_load_si512(j.par), x, 8);
  const __m512d u = _mm512_fmsub_pd(v, _mm512_load_pd(j.r), one);
  const __m512d w_con = _mm512_add_pd(one, u);
  const __m512d lam = rate_lanes(rate, j.nmain);
  // What a lane's log argument is: the rate, or 1 + u rounded plus what rounding lost.
  const __m512d w = _mm512_mask_blend_pd(con_lanes, lam, w_con);
  const __m512d extra = _mm512_maskz_sub_pd(con_lanes, u, _mm512_sub_pd(w_con, one));
  const auto all = static_cast<__mmask8>(main_lanes | con_lanes);
  const __mmask8 in_domain =
      _mm512_mask_cmp_pd_mask(all, w, min_normal, _CMP_GE_OQ) & _mm512_cmp_pd_mask(w, inf, _CMP_LT_OQ);
  const __mmask8 positive = _mm512_mask_cmp_pd_mask(con_lanes, v, zero, _CMP_GT_OQ) | main_lanes;
  if ((in_domain & positive) != all) return false;
  const __m512d log_w = log8_impl<true>(w, extra);
  const __m512d q = _mm512_load_pd(j.q);
  // Main lanes: rate - n log rate + lgamma(n + 1); constraints: a (u - log1p u).
  const __m512d t_main = _mm512_add_pd(_mm512_fnmadd_pd(q, log_w, lam), _mm512_load_pd(j.c));
  const __m512d t = _mm512_mask_mul_pd(t_main, con_lanes, q, _mm512_sub_pd(u, log_w));
  *sum = _mm512_mask_reduce_add_pd(all, t);
  return true;
}

#pragma GCC diagnostic pop
HFX_TARGET_POP

}  // namespace hfx::detail
