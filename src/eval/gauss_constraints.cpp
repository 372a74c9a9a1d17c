#include "eval/target_pragmas.hpp"
#include "gauss_constraints.hpp"

#include "cpu_features.hpp"

#if HFX_ENABLE_X86
#include <immintrin.h>
#endif

#include <cmath>

namespace hfx::detail {

void append_param_runs(const std::uint32_t* par, std::size_t n, std::vector<std::uint32_t>& runs) {
  const std::size_t first = runs.size();
  for (std::size_t k = 0; k < n; ++k) {
    const auto kk = static_cast<std::uint32_t>(k);
    std::uint32_t* last = runs.size() > first ? runs.data() + runs.size() - 3 : nullptr;  // the current run
    if (last != nullptr && par[k] == last[2] + (kk - last[0])) {
      last[1] = kk + 1;
    } else {
      runs.insert(runs.end(), {kk, kk + 1, par[k]});
    }
  }
}

namespace {

// One run's view: terms [begin, end), term k's parameter value at xr[k - begin].
struct Run {
  std::uint32_t begin, end;
  const double* xr;
};
Run run_at(const std::uint32_t* runs, std::size_t r, const double* x) {
  const std::uint32_t* t = runs + 3 * r;
  return {t[0], t[1], x + t[2]};
}

double sum_scalar(const std::uint32_t* runs, std::size_t nruns, const double* aux, const double* inv_sigma,
                  const double* x) {
  double s0 = 0, s1 = 0;  // two independent add chains
  for (std::size_t q = 0; q < nruns; ++q) {
    const Run r = run_at(runs, q, x);
    const double* xr = r.xr;
    std::uint32_t k = r.begin;
    for (; k + 1 < r.end; k += 2) {
      const double z0 = (aux[k] - xr[k - r.begin]) * inv_sigma[k];
      const double z1 = (aux[k + 1] - xr[k + 1 - r.begin]) * inv_sigma[k + 1];
      s0 += z0 * z0;
      s1 += z1 * z1;
    }
    if (k < r.end) {
      const double z = (aux[k] - xr[k - r.begin]) * inv_sigma[k];
      s0 += z * z;
    }
  }
  return 0.5 * (s0 + s1);
}

#if HFX_ENABLE_X86
HFX_TARGET_PUSH("avx2,fma")

double sum_avx2(const std::uint32_t* runs, std::size_t nruns, const double* aux, const double* inv_sigma,
                const double* x) {
  // Two accumulators: the fused multiply-add's latency would otherwise bound the loop.
  __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
  double tail = 0;
  for (std::size_t q = 0; q < nruns; ++q) {
    const Run r = run_at(runs, q, x);
    const double* xr = r.xr;
    std::uint32_t k = r.begin;
    auto lanes = [&](std::uint32_t i) {
      return _mm256_mul_pd(_mm256_sub_pd(_mm256_loadu_pd(aux + i), _mm256_loadu_pd(xr + (i - r.begin))),
                           _mm256_loadu_pd(inv_sigma + i));
    };
    for (; k + 8 <= r.end; k += 8) {
      const __m256d z0 = lanes(k), z1 = lanes(k + 4);
      acc0 = _mm256_fmadd_pd(z0, z0, acc0);
      acc1 = _mm256_fmadd_pd(z1, z1, acc1);
    }
    if (k + 4 <= r.end) {
      const __m256d z = lanes(k);
      acc0 = _mm256_fmadd_pd(z, z, acc0);
      k += 4;
    }
    for (; k < r.end; ++k) {
      const double z = (aux[k] - xr[k - r.begin]) * inv_sigma[k];
      tail = std::fma(z, z, tail);  // fused, as the four-lane variant does
    }
  }
  const __m256d acc = _mm256_add_pd(acc0, acc1);
  const __m128d half = _mm_add_pd(_mm256_castpd256_pd128(acc), _mm256_extractf128_pd(acc, 1));
  return 0.5 * (_mm_cvtsd_f64(_mm_add_sd(half, _mm_unpackhi_pd(half, half))) + tail);
}

void add_grad_avx2(const std::uint32_t* runs, std::size_t nruns, const double* aux, const double* inv_var,
                   const double* x, double* grad) {
  for (std::size_t q = 0; q < nruns; ++q) {
    const Run r = run_at(runs, q, x);
    double* gr = grad + (r.xr - x);
    std::uint32_t k = r.begin;
    for (; k + 4 <= r.end; k += 4) {
      const std::uint32_t i = k - r.begin;
      const __m256d z = _mm256_mul_pd(_mm256_sub_pd(_mm256_loadu_pd(r.xr + i), _mm256_loadu_pd(aux + k)),
                                      _mm256_loadu_pd(inv_var + k));
      _mm256_storeu_pd(gr + i, _mm256_add_pd(_mm256_loadu_pd(gr + i), z));
    }
    for (; k < r.end; ++k) gr[k - r.begin] += (r.xr[k - r.begin] - aux[k]) * inv_var[k];
  }
}

HFX_TARGET_POP
#endif  // HFX_ENABLE_X86

std::uint32_t term_count(const std::uint32_t* runs, std::size_t nruns) { return nruns > 0 ? runs[3 * nruns - 2] : 0; }

}  // namespace

double gauss_constraint_sum(const std::uint32_t* runs, std::size_t nruns, const double* aux, const double* inv_sigma,
                            const double* x) {
  // A few terms (small models) are cheaper without the lanes' setup.
#if HFX_ENABLE_X86
  if (term_count(runs, nruns) >= 8 && cpu_has_avx2_fma()) return sum_avx2(runs, nruns, aux, inv_sigma, x);
#endif
  return sum_scalar(runs, nruns, aux, inv_sigma, x);
}

void add_gauss_constraint_grad(const std::uint32_t* runs, std::size_t nruns, const double* aux, const double* inv_var,
                               const double* x, double* grad) {
#if HFX_ENABLE_X86
  if (term_count(runs, nruns) >= 8 && cpu_has_avx2_fma()) return add_grad_avx2(runs, nruns, aux, inv_var, x, grad);
#endif
  for (std::size_t q = 0; q < nruns; ++q) {
    const Run r = run_at(runs, q, x);
    double* gr = grad + (r.xr - x);
    for (std::uint32_t k = r.begin; k < r.end; ++k) gr[k - r.begin] += (r.xr[k - r.begin] - aux[k]) * inv_var[k];
  }
}

}  // namespace hfx::detail
