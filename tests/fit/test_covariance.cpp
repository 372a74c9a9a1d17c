// Uncertainties from the sparse Hessian: the coloured differences of the channel
// Jacobian equal the dense differences of the gradient, Takahashi's selected inverse
// equals the dense inverse, and the uncertainties agree with Minuit's (pyhf with
// iminuit) on the published likelihoods.
#include "fit/covariance.hpp"
#include "hfx/infer.hpp"
#include "hfx/workspace.hpp"
#include "test_util.hpp"

#include <Eigen/Dense>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

namespace hfx {
namespace {

struct Case {
  Model model;
  std::vector<double> data;
  FitProblem problem;
};

Case load_case(const std::string& dir) {
  Workspace ws = Workspace::load(test::data_path(dir + "/workspace.json"));
  Model m = compile(ws);
  auto data = observed_data(ws, m);
  FitProblem p = FitProblem::from_model(m);
  return {std::move(m), std::move(data), std::move(p)};
}

// The oracle: central differences of the whole NLL gradient, one parameter at a time.
Eigen::MatrixXd dense_hessian(Evaluator& ev, const std::vector<double>& x, const std::vector<std::size_t>& free) {
  const std::size_t n = x.size();
  std::vector<double> xp = x, gp(n), gm(n);
  Eigen::MatrixXd h(free.size(), free.size());
  for (std::size_t a = 0; a < free.size(); ++a) {
    const std::size_t i = free[a];
    const double step = 1e-5 * std::max(1.0, std::abs(x[i]));
    xp[i] = x[i] + step;
    ev.nll_and_grad(xp, gp);
    xp[i] = x[i] - step;
    ev.nll_and_grad(xp, gm);
    xp[i] = x[i];
    for (std::size_t b = 0; b < free.size(); ++b) h(b, a) = (gp[free[b]] - gm[free[b]]) / (2 * step);
  }
  return 0.5 * (h + h.transpose());
}

class Covariance : public ::testing::TestWithParam<const char*> {};

TEST_P(Covariance, SparseHessianEqualsDenseDifferences) {
  Case c = load_case(GetParam());
  Evaluator ev(c.model, Evaluator::Arithmetic::stable);
  ev.set_data(c.data);
  const FitResult r = minimize(ev, c.problem);
  ASSERT_TRUE(r.converged());
  std::vector<std::size_t> free;
  for (std::size_t i = 0; i < r.x.size(); ++i)
    if (!c.problem.fixed[i]) free.push_back(i);
  const Eigen::MatrixXd sparse = Eigen::MatrixXd(detail::sparse_hessian(ev, r.x, free));
  const Eigen::MatrixXd dense = dense_hessian(ev, r.x, free);
  for (Eigen::Index a = 0; a < dense.rows(); ++a)
    for (Eigen::Index b = 0; b < dense.cols(); ++b) {
      const double scale = std::sqrt(std::abs(dense(a, a) * dense(b, b))) + 1e-300;
      EXPECT_NEAR(sparse(a, b) / scale, dense(a, b) / scale, 1e-6) << GetParam() << " " << a << "," << b;
    }
}

TEST_P(Covariance, UncertaintiesAgreeWithMinuit) {
  const std::string dir = GetParam();
  const std::string path = test::data_path(dir + "/reference-minuit.json");
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no Minuit reference for " << dir;
  const Json ref = test::load(dir + "/reference-minuit.json");
  if (!ref.contains("mle_fit")) GTEST_SKIP() << "no Minuit fit in the reference for " << dir;
  Case c = load_case(dir);
  FitOptions o;
  o.uncertainties = true;
  const FitResult r = fit(c.model, c.data, c.problem, o);
  ASSERT_TRUE(r.converged());
  const auto& unc = ref["mle_fit"]["uncertainties"];
  ASSERT_EQ(unc.size(), r.uncertainties.size());
  for (std::size_t i = 0; i < r.uncertainties.size(); ++i) {
    const double m = unc[i].get<double>();
    // Minuit transforms bounded parameters; next to a bound (sbottom's mu at 3e-7 >= 0)
    // its errors are those of the transformed variable.
    const auto [lo, hi] = c.problem.bounds[i];
    if (c.problem.fixed[i] || r.x[i] - lo < 1e-3 * (hi - lo) || hi - r.x[i] < 1e-3 * (hi - lo)) continue;
    // Minuit's errors come from its own numerical Hessian at a minimum found to
    // tolerance 0.1 (edm 2e-4): they agree to a few per cent, not to rounding.
    EXPECT_NEAR(r.uncertainties[i], m, 0.03 * m + 1e-9) << dir << " " << c.model.par_names()[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Reference, Covariance,
                         ::testing::Values("reference/1Lbb-simplified", "reference/3L-eRJR",
                                           "reference/sbottom-multib-regionA", "reference/staus-highmass",
                                           "reference/pyhf-validation/1bin_shapesys",
                                           "reference/pyhf-validation/2bin_2channel_coupledhistosys",
                                           "reference/small/litehf-staterror-shapesys"));

// A random sparse symmetric positive definite matrix shaped like a combination's
// Hessian: blocks of local parameters plus a few dense "global" rows and columns.
Eigen::SparseMatrix<double> combination_like(int blocks, int block_size, int globals, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  const int n = blocks * block_size + globals;
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(n, n);
  for (int b = 0; b < blocks; ++b)
    for (int i = 0; i < block_size; ++i)
      for (int j = 0; j < block_size; ++j) a(b * block_size + i, b * block_size + j) = u(rng);
  for (int g = 0; g < globals; ++g)
    for (int i = 0; i < n; ++i) a(n - 1 - g, i) = u(rng);
  Eigen::MatrixXd spd = a * a.transpose() + 0.1 * Eigen::MatrixXd::Identity(n, n);
  return spd.sparseView();
}

TEST(SparseInverse, DiagonalEqualsDenseInverse) {
  for (unsigned seed = 1; seed <= 5; ++seed) {
    const auto a = combination_like(12, 4, 3, seed);
    std::vector<double> diag;
    Eigen::MatrixXd inv;
    ASSERT_TRUE(detail::sparse_inverse(a, diag, &inv));
    const Eigen::MatrixXd want = Eigen::MatrixXd(a).inverse();
    for (Eigen::Index i = 0; i < a.rows(); ++i) {
      EXPECT_NEAR(diag[i], want(i, i), 1e-9 * want(i, i)) << seed << " " << i;
      for (Eigen::Index j = 0; j < a.rows(); ++j) EXPECT_NEAR(inv(i, j), want(i, j), 1e-9 * want.norm());
    }
  }
}

TEST(SparseInverse, MostlyFilledMatrixEqualsDenseInverse) {
  // Every parameter in one channel: the dense branch.
  const auto a = combination_like(1, 30, 0, 3);
  ASSERT_GT(a.nonZeros(), 0.25 * 30 * 30);
  std::vector<double> diag;
  ASSERT_TRUE(detail::sparse_inverse(a, diag));
  const Eigen::MatrixXd want = Eigen::MatrixXd(a).inverse();
  for (Eigen::Index i = 0; i < a.rows(); ++i) EXPECT_NEAR(diag[i], want(i, i), 1e-9 * want(i, i)) << i;
  Eigen::MatrixXd d = Eigen::MatrixXd(a);
  d(3, 3) = -100;
  EXPECT_FALSE(detail::sparse_inverse(d.sparseView(), diag));
}

TEST(SparseInverse, RefusesMatricesThatAreNotPositiveDefinite) {
  auto a = combination_like(5, 3, 2, 7);
  std::vector<double> diag;
  ASSERT_TRUE(detail::sparse_inverse(a, diag));
  // Indefinite: one strongly negative eigen-direction.
  Eigen::MatrixXd d = Eigen::MatrixXd(a);
  d(3, 3) = -100;
  EXPECT_FALSE(detail::sparse_inverse(d.sparseView(), diag));
  for (double v : diag) EXPECT_TRUE(std::isnan(v));
  // Singular: a zero row and column.
  d = Eigen::MatrixXd(a);
  d.row(4).setZero();
  d.col(4).setZero();
  EXPECT_FALSE(detail::sparse_inverse(d.sparseView(), diag));
  // Not finite.
  d = Eigen::MatrixXd(a);
  d(0, 0) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_FALSE(detail::sparse_inverse(d.sparseView(), diag));
}

TEST(SparseInverse, EmptyMatrix) {
  std::vector<double> diag{1.0};
  EXPECT_TRUE(detail::sparse_inverse(Eigen::SparseMatrix<double>(0, 0), diag));
  EXPECT_TRUE(diag.empty());
}

}  // namespace
}  // namespace hfx
