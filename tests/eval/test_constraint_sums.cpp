// The fits' vectorised constraint sums against term-by-term formulas, for every length
// up to a few lane groups (full groups, tails, the scalar path below four terms).
#include "hfx/evaluator.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"
#include "compile/model_data.hpp"
#include "eval/poisson_constraints.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace hfx {
namespace {

TEST(PoissonConstraintSum, MatchesTermByTermForEveryLength) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.5, 1.5), la(0.0, 12.0);
  for (std::size_t n = 0; n <= 13; ++n) {
    // Parameters shuffled relative to the terms, aux counts from ~1 to ~1e5.
    std::vector<double> x(n + 3);
    for (auto& v : x) v = u(rng);
    std::vector<std::uint32_t> par(n);
    std::vector<double> r(n), a(n);
    double want = 0;
    for (std::size_t k = 0; k < n; ++k) {
      par[k] = static_cast<std::uint32_t>((k * 7 + 2) % x.size());
      a[k] = std::round(std::exp(la(rng))) + 1.0;
      const double tau = a[k] * u(rng);
      r[k] = tau / a[k];
      const double uk = x[par[k]] * r[k] - 1.0;
      want += a[k] * (uk - std::log1p(uk));
    }
    const double got = detail::poisson_constraint_sum(par.data(), r.data(), a.data(), n, x.data());
    EXPECT_NEAR(got, want, 1e-12 * std::max(1.0, std::abs(want))) << "n = " << n;
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

}  // namespace
}  // namespace hfx
