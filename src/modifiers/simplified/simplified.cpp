// The simplified-likelihood background ("hfx_simplified"): a sample whose nominal yields
// are the expected background m1 of N signal regions (the channel's bins) gets their
// correlated uncertainty from the published covariance m2 and, optionally, the third
// moments m3 (CMS-NOTE-2017-001 for SLv1, arXiv:1809.05548 for SLv2):
//   background_i = a_i + b_i theta_i + c_i theta_i^2,  theta ~ N(0, rho),
// with c_i, b_i, a_i = m1_i - c_i and rho from (m2, m3) in closed form (SLv1: m3 = 0, so
// c = 0, b_i = sqrt(m2_ii), rho the correlation matrix). The fit's parameters are
// z = L^-1 theta (rho = L L^T), with unit Gaussian constraints, so the term adds
//   delta_i(z) = -c_i + b_i theta_i + c_i theta_i^2,  theta = L z
// to the nominal m1_i. Schema: docs/reinterpretation.md.
#include "../modifier_kind.hpp"
#include "../../spec/validate.hpp"
#include "hfx/errors.hpp"

#include <Eigen/Eigenvalues>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace hfx::detail {

namespace {

struct SimplifiedData : KindData {
  std::size_t n = 0, r = 0;  // regions, and the rank of rho (parameters)
  std::vector<double> b, c;
  // rho = L L^T, L row-major n x r: the Cholesky factor (r = n) when rho is positive
  // definite, else V sqrt(Lambda) over rho's r eigenvalues above rounding (a degenerate
  // Gaussian, e.g. regions that one uncertainty moves together).
  std::vector<double> L;
};

class SimplifiedTerm final : public KindTerm {
 public:
  SimplifiedTerm(std::shared_ptr<const SimplifiedData> d, std::span<const std::uint32_t> par)
      : d_(std::move(d)), pars_(par.begin(), par.end()) {}
  bool additive() const override { return true; }
  std::span<const std::uint32_t> parameters() const override { return pars_; }

  double theta(const double* x, std::size_t i) const {
    const double* row = d_->L.data() + i * d_->r;
    double t = 0;
    for (std::size_t k = 0; k < d_->r; ++k) t += row[k] * x[pars_[k]];
    return t;
  }

  void factors(const double* x, double* delta) const override {
    for (std::size_t i = 0; i < d_->n; ++i) {
      const double t = theta(x, i);
      delta[i] = d_->b[i] * t + d_->c[i] * (t * t - 1.0);
    }
  }

  void derivatives(const double* x, std::size_t j, double* deriv) const override {
    const double slope = d_->b[j] + 2.0 * d_->c[j] * theta(x, j);
    const double* row = d_->L.data() + j * d_->r;
    for (std::size_t k = 0; k < d_->r; ++k) deriv[k] = slope * row[k];
  }

 private:
  std::shared_ptr<const SimplifiedData> d_;
  std::vector<std::uint32_t> pars_;
};

[[noreturn]] void invalid(const std::string& path, const std::string& what) {
  throw InvalidModifier(fmt::format("{}: {}", path, what));
}

class SimplifiedKind final : public ModifierKind {
 public:
  std::string_view type() const override { return "hfx_simplified"; }

  std::shared_ptr<const KindData> parse(const Json& data, const std::string& path, std::size_t nbins,
                                        const std::string& channel) const override {
    require_object(data, path);
    reject_unknown_keys(data, {"covariance", "third_moments"}, path);
    const std::size_t n = nbins;
    const std::string cpath = path + "/covariance";
    const Json& cov = require_key(data, "covariance", path);
    require_array(cov, cpath);
    if (cov.size() != n)
      invalid(cpath, fmt::format("expected {} rows (channel '{}' has {} bins, one per signal region), got {}", n, channel, n,
                                 cov.size()));
    std::vector<double> m2(n * n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::string rpath = fmt::format("{}/{}", cpath, i);
      const auto row = require_numbers(cov[i], rpath, 1);
      if (row.size() != n) invalid(rpath, fmt::format("expected {} numbers (an {} x {} matrix), got {}", n, n, n, row.size()));
      for (std::size_t j = 0; j < n; ++j) m2[i * n + j] = row[j];
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!(m2[i * n + i] > 0)) invalid(fmt::format("{}/{}/{}", cpath, i, i), fmt::format("a variance must be > 0, got {}", m2[i * n + i]));
    }
    // Symmetric up to the rounding of a computed matrix; the two halves' mean is used.
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < i; ++j) {
        double& a = m2[i * n + j];
        double& b = m2[j * n + i];
        if (std::abs(a - b) > 1e-9 * std::sqrt(m2[i * n + i] * m2[j * n + j]))
          invalid(fmt::format("{}/{}/{}", cpath, i, j),
                  fmt::format("the covariance must be symmetric: {} here, {} at [{}][{}]", a, b, j, i));
        a = b = 0.5 * (a + b);
      }
    std::vector<double> m3(n, 0.0);
    if (data.contains("third_moments")) {
      const std::string tpath = path + "/third_moments";
      m3 = require_numbers(data["third_moments"], tpath, 1);
      if (m3.size() != n)
        invalid(tpath, fmt::format("expected {} numbers (channel '{}' has {} bins), got {}", n, channel, n, m3.size()));
    }
    auto d = std::make_shared<SimplifiedData>();
    d->n = n;
    d->b.resize(n);
    d->c.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const double v = m2[i * n + i];
      if (m3[i] == 0) {
        d->c[i] = 0;
        d->b[i] = std::sqrt(v);
        continue;
      }
      // SLv2 needs m3^2 <= 8 m2^3 (the skew a quadratic in one Gaussian can have).
      const double r = 8 * v * v * v / (m3[i] * m3[i]);
      if (!(r >= 1))
        invalid(fmt::format("{}/third_moments/{}", path, i),
                fmt::format("|m3| = {} exceeds sqrt(8 m2^3) = {} (m2 = {}): no SLv2 background has this skew", std::abs(m3[i]),
                            std::sqrt(8 * v * v * v), v));
      const double c = -std::copysign(1.0, m3[i]) * std::sqrt(2 * v) *
                       std::cos(4 * std::numbers::pi / 3 + std::atan(std::sqrt(r - 1)) / 3);
      d->c[i] = c;
      d->b[i] = std::sqrt(std::max(0.0, v - 2 * c * c));
    }
    std::vector<double> rho(n * n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        const double bb = d->b[i] * d->b[j], cc = d->c[i] * d->c[j];
        if (i == j) {
          rho[i * n + j] = 1.0;
        } else if (cc == 0) {
          rho[i * n + j] = m2[i * n + j] / bb;
        } else {
          const double disc = bb * bb + 8 * cc * m2[i * n + j];
          if (!(disc >= 0))
            invalid(fmt::format("{}/{}/{}", cpath, i, j), "no SLv2 correlation reproduces this covariance with these third moments");
          rho[i * n + j] = (std::sqrt(disc) - bb) / (4 * cc);
        }
      }
    // Cholesky rho = L L^T; failing that, the eigenvectors of rho's non-null eigenvalues.
    d->r = n;
    d->L.assign(n * n, 0.0);
    bool definite = true;
    for (std::size_t i = 0; i < n && definite; ++i)
      for (std::size_t j = 0; j <= i; ++j) {
        double s = rho[i * n + j];
        for (std::size_t k = 0; k < j; ++k) s -= d->L[i * n + k] * d->L[j * n + k];
        if (i == j) {
          definite = s > 1e-12;
          if (!definite) break;
          d->L[i * n + i] = std::sqrt(s);
        } else {
          d->L[i * n + j] = s / d->L[j * n + j];
        }
      }
    if (!definite) {
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> R(
          rho.data(), static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
      const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(R);
      const Eigen::VectorXd& lambda = eig.eigenvalues();  // ascending
      const double tol = 1e-10 * static_cast<double>(n) * std::max(1.0, lambda.maxCoeff());
      if (lambda.minCoeff() < -tol)
        invalid(cpath, fmt::format("the {} is not positive semi-definite (eigenvalue {})",
                                   data.contains("third_moments") ? "SLv2 correlation matrix derived from it" : "covariance",
                                   lambda.minCoeff()));
      std::vector<Eigen::Index> keep;
      for (Eigen::Index k = lambda.size(); k-- > 0;)
        if (lambda[k] > tol) keep.push_back(k);
      d->r = keep.size();
      d->L.assign(n * d->r, 0.0);
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < d->r; ++k)
          d->L[i * d->r + k] = eig.eigenvectors()(static_cast<Eigen::Index>(i), keep[k]) * std::sqrt(lambda[keep[k]]);
    }
    return d;
  }

  // One set named as the modifier: z, one per region (per independent direction when
  // rho is singular), bounds +-5 standard deviations
  // (pyhf's for its normal-constrained parameters).
  std::vector<KindParameter> parameters(const KindData& data, const std::string& name) const override {
    return {{name, 0.0, {-5.0, 5.0}, static_cast<const SimplifiedData&>(data).r, true}};
  }

  std::shared_ptr<const KindTerm> compile(const KindData& data, std::span<const std::uint32_t> par, std::size_t) const override {
    const auto& d = static_cast<const SimplifiedData&>(data);
    return std::make_shared<SimplifiedTerm>(std::make_shared<const SimplifiedData>(d), par);
  }
};

}  // namespace

const ModifierKind& simplified_kind() {
  static const SimplifiedKind kind;
  return kind;
}

}  // namespace hfx::detail
