// The fits' vectorised constraint and main-term sums against term-by-term formulas, for
// every length up to a few lane groups (full groups, tails, the scalar paths for a few
// terms).
#include "hfx/evaluator.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"
#include "compile/model_data.hpp"
#include "eval/cpu_features.hpp"
#include "eval/gauss_constraints.hpp"
#include "eval/main_poisson.hpp"
#include "eval/poisson_constraints.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace hfx {
namespace {

TEST(PoissonConstraintSum, MatchesTermByTermForEveryLength) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.5, 1.5), la(0.0, 12.0);
  // Parameters shuffled relative to the terms; consecutive; consecutive but for one term.
  for (const int layout : {0, 1, 2})
  for (std::size_t n = 0; n <= 17; ++n) {
    // Aux counts from ~1 to ~1e5.
    std::vector<double> x(n + 3);
    for (auto& v : x) v = u(rng);
    std::vector<std::uint32_t> par(n);
    std::vector<double> r(n), a(n);
    double want = 0;
    for (std::size_t k = 0; k < n; ++k) {
      par[k] = static_cast<std::uint32_t>(layout == 0 ? (k * 7 + 2) % x.size() : layout == 2 && k == 5 ? 0 : k + 2);
      a[k] = std::round(std::exp(la(rng))) + 1.0;
      const double tau = a[k] * u(rng);
      r[k] = tau / a[k];
      const double uk = x[par[k]] * r[k] - 1.0;
      want += a[k] * (uk - std::log1p(uk));
    }
    const double got = detail::poisson_constraint_sum(par.data(), r.data(), a.data(), n, x.data());
    EXPECT_NEAR(got, want, 1e-12 * std::max(1.0, std::abs(want))) << "layout " << layout << ", n = " << n;
    if (n == 0) continue;
    // Any non-positive (or NaN) parameter makes the sum infinite, whatever its lane.
    for (std::size_t k = 0; k < n; ++k) {
      for (const double bad : {0.0, -0.5, std::numeric_limits<double>::quiet_NaN()}) {
        std::vector<double> y = x;
        y[par[k]] = bad;
        EXPECT_EQ(detail::poisson_constraint_sum(par.data(), r.data(), a.data(), n, y.data()),
                  std::numeric_limits<double>::infinity())
            << "n = " << n << " term " << k << " x = " << bad;
      }
      // A positive parameter so small that x r - 1 rounds to -1 (1 + u = 0, outside the
      // vector log1p's domain): infinite, as term by term.
      std::vector<double> y = x;
      y[par[k]] = 1e-312;
      EXPECT_EQ(detail::poisson_constraint_sum(par.data(), r.data(), a.data(), n, y.data()),
                std::numeric_limits<double>::infinity())
          << "n = " << n << " term " << k;
    }
  }
}

// 3L-eRJR's 24 shapesys terms with some aux counts set to zero (a toy can draw 0) or
// to small counts: the fits' NLL, which takes the a = 0 terms one by one and the others
// in lanes, against the pyhf arithmetic's term-by-term sum.
TEST(PoissonConstraintSum, FitNllWithZeroAuxCountsMatchesPyhfArithmetic) {
  const Workspace ws = Workspace::load(test::data_path("reference/3L-eRJR/workspace.json"));
  const Model m = compile(ws, ModelOptions{});
  const auto& d = m.data();
  ASSERT_GE(d.poisson.size(), 8u);
  auto data = observed_data(ws, m);
  auto x = m.suggested_init();
  for (std::size_t k = 0; k < d.poisson.size(); ++k) {
    const auto& c = d.poisson[k];
    // Small taus so the terms are of order one; every third aux count zero.
    data[d.nmain + c.aux] = k % 3 == 0 ? 0.0 : static_cast<double>(k % 5 + 1);
    x[c.par] = 0.8 + 0.02 * static_cast<double>(k);
  }
  Evaluator fit(m, Evaluator::Arithmetic::stable), ref(m, Evaluator::Arithmetic::pyhf);
  fit.set_data(data);
  ref.set_data(data);
  const double want = ref.nll(x);
  ASSERT_TRUE(std::isfinite(want));
  EXPECT_NEAR(fit.nll(x), want, 1e-9 * std::abs(want));
  // A zero parameter under a zero-count term is still outside the Poisson's support.
  x[d.poisson[0].par] = 0.0;
  EXPECT_EQ(fit.nll(x), std::numeric_limits<double>::infinity());
}

// Gaussian terms whose parameters come in runs of consecutive parameters (lengths 0-13
// in one run, and split at every point into two runs with a gap and out of order): the
// sum and its gradient against the term-by-term formulas.
TEST(GaussConstraintSum, RunsMatchTermByTerm) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(-2.0, 2.0), s(0.1, 3.0);
  for (std::size_t n = 0; n <= 13; ++n) {
    for (std::size_t cut = 0; cut <= n; ++cut) {
      // Terms [0, cut) constrain parameters 20.. and terms [cut, n) parameters 3..: two
      // runs (one when cut is 0 or n), the second before the first in x.
      std::vector<std::uint32_t> par(n);
      for (std::size_t k = 0; k < n; ++k)
        par[k] = static_cast<std::uint32_t>(k < cut ? 20 + k : 3 + (k - cut));
      std::vector<std::uint32_t> runs;
      detail::append_param_runs(par.data(), n, runs);
      ASSERT_EQ(runs.size() / 3, static_cast<std::size_t>((cut > 0) + (cut < n)));
      std::vector<double> x(40), aux(n), inv_sigma(n), inv_var(n);
      for (auto& v : x) v = u(rng);
      double want = 0;
      std::vector<double> want_grad(x.size(), 0.5), grad(x.size(), 0.5);
      for (std::size_t k = 0; k < n; ++k) {
        aux[k] = u(rng);
        const double sigma = s(rng);
        inv_sigma[k] = 1.0 / sigma;
        inv_var[k] = 1.0 / (sigma * sigma);
        const double z = (aux[k] - x[par[k]]) / sigma;
        want += 0.5 * z * z;
        want_grad[par[k]] += (x[par[k]] - aux[k]) / (sigma * sigma);
      }
      const double got = detail::gauss_constraint_sum(runs.data(), runs.size() / 3, aux.data(), inv_sigma.data(), x.data());
      EXPECT_NEAR(got, want, 1e-13 * std::max(1.0, want)) << "n = " << n << " cut = " << cut;
      detail::add_gauss_constraint_grad(runs.data(), runs.size() / 3, aux.data(), inv_var.data(), x.data(), grad.data());
      for (std::size_t i = 0; i < x.size(); ++i)
        EXPECT_NEAR(grad[i], want_grad[i], 1e-13 * std::max(1.0, std::abs(want_grad[i])))
            << "n = " << n << " cut = " << cut << " parameter " << i;
    }
  }
}

// The main bins' Poisson terms, one by one or four at a time:
// every length 0-13 against -log Pois term by term (zero counts included); a rate that is zero,
// negative, infinite or NaN in any lane hands the sum back to the caller.
TEST(MainPoissonSum, MatchesTermByTermForEveryLength) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0.5, 50.0);
  for (std::size_t n = 0; n <= 13; ++n) {
    std::vector<double> rate(n), count(n), c(n);
    double want = 0;
    for (std::size_t g = 0; g < n; ++g) {
      rate[g] = u(rng);
      count[g] = g % 4 == 1 ? 0.0 : std::round(u(rng));
      c[g] = std::lgamma(count[g] + 1.0);
      want += rate[g] - (count[g] > 0 ? count[g] * std::log(rate[g]) : 0.0) + c[g];
    }
    double got = -1.0;
    const bool vector = detail::main_poisson_sum(rate.data(), count.data(), c.data(), n, &got);
    if (!detail::cpu_has_avx2_fma()) {
      EXPECT_FALSE(vector);
      continue;
    }
    ASSERT_TRUE(vector) << "n = " << n;
    EXPECT_NEAR(got, want, 1e-13 * std::max(1.0, std::abs(want))) << "n = " << n;
    for (std::size_t g = 0; g < n; ++g) {
      for (const double bad : {0.0, -1.0, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
        std::vector<double> r = rate;
        r[g] = bad;
        double untouched = 7.0;
        EXPECT_FALSE(detail::main_poisson_sum(r.data(), count.data(), c.data(), n, &untouched))
            << "n = " << n << " bin " << g << " rate = " << bad;
        EXPECT_EQ(untouched, 7.0);
      }
      // A positive subnormal rate: summed, or handed back untouched.
      std::vector<double> r = rate;
      r[g] = 1e-310;
      const double want_sub = want - rate[g] + (count[g] > 0 ? count[g] * std::log(rate[g]) : 0.0) + r[g] -
                              (count[g] > 0 ? count[g] * std::log(r[g]) : 0.0);
      double sub = 7.0;
      if (detail::main_poisson_sum(r.data(), count.data(), c.data(), n, &sub))
        EXPECT_NEAR(sub, want_sub, 1e-13 * std::abs(want_sub)) << "n = " << n << " bin " << g;
      else
        EXPECT_EQ(sub, 7.0);
    }
  }
}

// The fits' NLL of small models with shapesys terms against the pyhf arithmetic's, at
// the suggested init, at a point away from it, and with a negative rate (the NLL is
// infinite where data > 0).
TEST(FitArithmetic, NllMatchesPyhfArithmeticOnSmallModels) {
  for (const char* name : {"pyhf-validation/2bin_2channel", "pyhf-validation/1bin_shapesys",
                           "small/pyhf-docs-2bin-1channel", "small/litehf-staterror-shapesys"}) {
    const Workspace ws = Workspace::load(test::data_path(std::string("reference/") + name + "/workspace.json"));
    const Model m = compile(ws, ModelOptions{});
    Evaluator fit(m, Evaluator::Arithmetic::stable), ref(m, Evaluator::Arithmetic::pyhf);
    const auto data = observed_data(ws, m);
    fit.set_data(data);
    ref.set_data(data);
    auto x = m.suggested_init();
    EXPECT_NEAR(fit.nll(x), ref.nll(x), 1e-12 * std::abs(ref.nll(x))) << name;
    for (std::size_t i = 0; i < x.size(); ++i) x[i] *= 1.0 + 0.05 * static_cast<double>(i % 3) - 0.04;
    EXPECT_NEAR(fit.nll(x), ref.nll(x), 1e-12 * std::abs(ref.nll(x))) << name;
    x[m.poi_index().value()] = -1e6;  // a negative signal that makes a main rate negative
    EXPECT_EQ(fit.nll(x), std::numeric_limits<double>::infinity()) << name;
    EXPECT_EQ(ref.nll(x), std::numeric_limits<double>::infinity()) << name;
    // Both name the first such bin by channel and bin.
    EXPECT_NE(fit.nonfinite_reason().find("<= 0 in channel '"), std::string::npos) << fit.nonfinite_reason();
    EXPECT_EQ(fit.nonfinite_reason(), ref.nonfinite_reason()) << name;
  }
}

}  // namespace
}  // namespace hfx
