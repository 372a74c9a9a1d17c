// hfx's eight-lane log and log1p (src/eval/log8.hpp) against long double references:
// the error in ulp of the double result over the whole normal range, near 1 (where the
// Poisson constraints' u - log1p(u) needs full relative accuracy), at the table's
// interval edges and at the ends of the domain.
#include "eval/cpu_features.hpp"
#include "eval/log8.hpp"
#include "eval/target_pragmas.hpp"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <functional>
#include <random>
#include <string>

namespace hfx {
namespace {

// |got - want| in units of the last place of want rounded to double.
double ulps(double got, long double want) {
  const double w = std::fabs(static_cast<double>(want));
  const double ulp = std::nextafter(w, INFINITY) - w;
  return static_cast<double>(std::fabs(static_cast<long double>(got) - want) / ulp);
}

HFX_TARGET_PUSH("avx512f,avx512dq")
// GCC 12's AVX-512 headers build some intrinsics on undefined vectors, which its
// uninitialized-use warnings then report (a known false positive).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
void log8_lanes(const double* in, double* out) { _mm512_storeu_pd(out, detail::log8(_mm512_loadu_pd(in))); }
void log1p8_lanes(const double* in, double* out) { _mm512_storeu_pd(out, detail::log1p8(_mm512_loadu_pd(in))); }
#pragma GCC diagnostic pop
HFX_TARGET_POP

// The worst error of f over `count` arguments drawn by gen, against ref.
struct Worst {
  double ulps = 0, at = 0;
};
Worst worst_error(void (*f)(const double*, double*), long double (*ref)(long double), const std::function<double()>& gen,
                  int count) {
  Worst w;
  double in[8], out[8];
  for (int i = 0; i < count; i += 8) {
    for (double& v : in) v = gen();
    f(in, out);
    for (int l = 0; l < 8; ++l) {
      const double e = ulps(out[l], ref(in[l]));
      if (!(e <= w.ulps)) w = {e, in[l]};  // NaN counts as worst
    }
  }
  return w;
}

long double ref_log(long double v) { return std::log(v); }
long double ref_log1p(long double v) { return std::log1p(v); }

class Log8 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!detail::cpu_has_avx512()) GTEST_SKIP() << "no AVX-512 F+DQ (or HFX_NO_AVX512 set)";
  }
  std::mt19937_64 rng{17};
  std::uniform_real_distribution<double> u{-1.0, 1.0};
};

TEST_F(Log8, WithinOneUlpOverTheNormalRange) {
  struct Range {
    std::string name;
    std::function<double()> gen;
  };
  const Range ranges[] = {
      {"log-uniform over the normal range", [&] { return std::exp2(u(rng) * 1021.5); }},
      {"0.5 to 1e4", [&] { return 0.5 + std::fabs(u(rng)) * 1e4; }},
      {"1 +- 2^-60..1", [&] { return 1.0 + u(rng) * std::exp2(-60.0 * std::fabs(u(rng))); }},
      // Mantissas near the interval edges 1 + (j + 1/2)/16 and the carry at 1 + 31/32.
      {"interval edges",
       [&] { return std::ldexp(1.0 + (std::floor(std::fabs(u(rng)) * 16) + 0.5 + u(rng) * 1e-9) / 16, static_cast<int>(u(rng) * 40)); }},
      {"just above DBL_MIN", [&] { return DBL_MIN * (1.0 + std::fabs(u(rng))); }},
      {"just below DBL_MAX", [&] { return DBL_MAX * (1.0 - 0.5 * std::fabs(u(rng))); }},
  };
  for (const auto& range : ranges) {
    const Worst w = worst_error(log8_lanes, ref_log, range.gen, 400000);
    EXPECT_LE(w.ulps, 1.0) << range.name << ": worst at x = " << w.at;
  }
}

TEST_F(Log8, ExactAtOneAndPowersOfTwoCorrectlyRounded) {
  double in[8], out[8];
  for (int e = -1022; e + 7 <= 1023; e += 8) {
    for (int l = 0; l < 8; ++l) in[l] = std::ldexp(1.0, e + l);
    log8_lanes(in, out);
    for (int l = 0; l < 8; ++l)
      EXPECT_EQ(out[l], static_cast<double>((e + l) * std::log(2.0L))) << "x = 2^" << e + l;
  }
}

TEST_F(Log8, Log1pKeepsFullRelativeAccuracy) {
  // Down to |u| = 2^-70, where 1 + u rounds to 1 and the result is u from the lost part
  // alone, up to u = 3; and from -1 + 2^-40 up.
  const Worst small = worst_error(
      log1p8_lanes, ref_log1p, [&] { const double s = u(rng) < 0 ? -0.99 : 3.0; return s * std::exp2(-70.0 * std::fabs(u(rng))); },
      400000);
  EXPECT_LE(small.ulps, 2.0) << "worst at u = " << small.at;
  const Worst near_minus_one =
      worst_error(log1p8_lanes, ref_log1p, [&] { return -1.0 + std::exp2(-40.0 * std::fabs(u(rng))); }, 100000);
  EXPECT_LE(near_minus_one.ulps, 2.0) << "worst at u = " << near_minus_one.at;
}

}  // namespace
}  // namespace hfx
