// Uncertainties from a sparse Hessian: a combination's parameters mostly touch a few
// channels, so its Hessian has few non-zeros per row and its factor stays sparse under a
// fill-reducing ordering; memory and time follow the non-zeros, not npars^2.
#include "fit/covariance.hpp"


#include <Eigen/Dense>
#include <Eigen/OrderingMethods>
#include <Eigen/SparseCholesky>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hfx::detail {

namespace {

// Colours the free parameters so that no two of one colour share a channel.
std::vector<int> colour_parameters(const Evaluator::Structure& st, const std::vector<int>& free_index, int& ncolours) {
  const std::size_t nchan = st.nchannels();
  // Channels of each parameter (CSR), from the channels' parameter lists.
  std::vector<std::uint32_t> begin(free_index.size() + 1, 0), chans;
  for (std::uint32_t p : st.channel_pars) ++begin[p + 1];
  for (std::size_t p = 0; p < free_index.size(); ++p) begin[p + 1] += begin[p];
  chans.resize(begin.back());
  std::vector<std::uint32_t> fill(begin.begin(), begin.end() - 1);
  for (std::size_t c = 0; c < nchan; ++c)
    for (std::uint32_t a = st.channel_par_begin[c]; a < st.channel_par_begin[c + 1]; ++a)
      chans[fill[st.channel_pars[a]]++] = static_cast<std::uint32_t>(c);
  std::vector<int> colour(free_index.size(), -1);
  std::vector<std::size_t> stamp;
  ncolours = 0;
  for (std::size_t p = 0; p < free_index.size(); ++p) {
    if (free_index[p] < 0) continue;
    for (std::uint32_t k = begin[p]; k < begin[p + 1]; ++k) {
      const std::uint32_t c = chans[k];
      for (std::uint32_t a = st.channel_par_begin[c]; a < st.channel_par_begin[c + 1]; ++a) {
        const int q = colour[st.channel_pars[a]];
        if (q >= 0) stamp[q] = p + 1;
      }
    }
    int q = 0;
    while (q < ncolours && stamp[q] == p + 1) ++q;
    if (q == ncolours) {
      ++ncolours;
      stamp.push_back(0);
    }
    colour[p] = q;
  }
  return colour;
}

// Per channel, the main terms' gradient sum_bins (1 - n / rate) J at x, into g (laid out
// as st.channel_pars).
void channel_gradients(Evaluator& ev, std::span<const double> x, std::vector<double>& jac, std::vector<double>& g) {
  const Evaluator::Structure st = ev.structure();
  const auto rates = ev.channel_jacobian(x, jac);
  const auto data = ev.data();
  g.assign(st.channel_pars.size(), 0.0);
  for (std::size_t c = 0; c < st.nchannels(); ++c) {
    const std::size_t m = st.channel_par_begin[c + 1] - st.channel_par_begin[c];
    const double* J = jac.data() + ev.channel_jacobian_offset(c);
    double* gc = g.data() + st.channel_par_begin[c];
    for (std::size_t j = 0; j < st.channel_nbins[c]; ++j) {
      const std::size_t bin = st.channel_offset[c] + j;
      const double n = data[bin];
      const double w = n == 0 ? 1.0 : 1.0 - n / rates[bin];
      for (std::size_t a = 0; a < m; ++a) gc[a] += w * J[j * m + a];
    }
  }
}

}  // namespace

Eigen::SparseMatrix<double> sparse_hessian(Evaluator& ev, std::span<const double> x,
                                           const std::vector<std::size_t>& free, double step) {
  const Evaluator::Structure st = ev.structure();
  const std::size_t n = x.size();
  std::vector<int> free_index(n, -1);
  for (std::size_t k = 0; k < free.size(); ++k) free_index[free[k]] = static_cast<int>(k);
  int ncolours = 0;
  const std::vector<int> colour = colour_parameters(st, free_index, ncolours);
  std::vector<std::vector<std::size_t>> members(ncolours);
  for (std::size_t p = 0; p < n; ++p)
    if (colour[p] >= 0) members[colour[p]].push_back(p);

  std::vector<Eigen::Triplet<double>> entries;
  std::vector<double> xp(x.begin(), x.end()), jac, gp, gm, h(n, 0.0);
  for (int q = 0; q < ncolours; ++q) {
    for (std::size_t p : members[q]) {
      h[p] = step * std::max(1.0, std::abs(x[p]));
      xp[p] = x[p] + h[p];
    }
    channel_gradients(ev, xp, jac, gp);
    for (std::size_t p : members[q]) xp[p] = x[p] - h[p];
    channel_gradients(ev, xp, jac, gm);
    for (std::size_t p : members[q]) xp[p] = x[p];
    // In each channel at most one parameter of this colour moved: column i of the
    // Hessian, restricted to the channel's parameters, is its gradient change.
    for (std::size_t c = 0; c < st.nchannels(); ++c) {
      const std::uint32_t a0 = st.channel_par_begin[c], a1 = st.channel_par_begin[c + 1];
      std::uint32_t moved = a1;
      for (std::uint32_t a = a0; a < a1 && moved == a1; ++a)
        if (colour[st.channel_pars[a]] == q) moved = a;
      if (moved == a1) continue;
      const std::size_t i = st.channel_pars[moved];
      for (std::uint32_t a = a0; a < a1; ++a) {
        const int k = free_index[st.channel_pars[a]];
        // Half of each triangle's estimate: (H + H') / 2 once both are summed.
        if (k >= 0) {
          const double v = 0.5 * (gp[a] - gm[a]) / (2 * h[i]);
          entries.emplace_back(k, free_index[i], v);
          entries.emplace_back(free_index[i], k, v);
        }
      }
    }
  }
  std::vector<double> curvature(n);
  ev.constraint_curvature(x, curvature);
  for (std::size_t k = 0; k < free.size(); ++k) entries.emplace_back(k, k, curvature[free[k]]);
  Eigen::SparseMatrix<double> hess(static_cast<Eigen::Index>(free.size()), static_cast<Eigen::Index>(free.size()));
  hess.setFromTriplets(entries.begin(), entries.end());
  return hess;
}

bool sparse_inverse(const Eigen::SparseMatrix<double>& a, std::vector<double>& diagonal, Eigen::MatrixXd* dense_inverse) {
  const Eigen::Index n = a.rows();
  diagonal.assign(n, std::numeric_limits<double>::quiet_NaN());
  if (n == 0) return true;
  for (Eigen::Index k = 0; k < a.outerSize(); ++k)
    for (Eigen::SparseMatrix<double>::InnerIterator it(a, k); it; ++it)
      if (!std::isfinite(it.value())) return false;
  auto finite_nonnegative = [&] {
    return std::all_of(diagonal.begin(), diagonal.end(), [](double v) { return std::isfinite(v) && v >= 0; });
  };
  if (static_cast<double>(a.nonZeros()) > 0.25 * static_cast<double>(n) * static_cast<double>(n)) {
    // Mostly filled (parameters that share the same few channels): a dense Cholesky
    // factor and inverse, blocked, beat the sparse recurrence's scalar loops.
    const Eigen::LLT<Eigen::MatrixXd> llt{Eigen::MatrixXd(a)};
    if (llt.info() != Eigen::Success) return false;
    Eigen::MatrixXd inv = llt.solve(Eigen::MatrixXd::Identity(n, n));
    for (Eigen::Index i = 0; i < n; ++i) diagonal[i] = inv(i, i);
    if (dense_inverse) *dense_inverse = std::move(inv);
    return finite_nonnegative();
  }
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>, Eigen::Lower, Eigen::AMDOrdering<int>> ldlt(a);
  if (ldlt.info() != Eigen::Success) return false;
  const Eigen::VectorXd d = ldlt.vectorD();
  if (!(d.array() > 0).all() || !d.allFinite()) return false;
  // The strictly lower factor L of P A P' = L D L', column by column with sorted rows.
  const Eigen::SparseMatrix<double> factor = ldlt.matrixL().nestedExpression();
  std::vector<Eigen::Index> col(n + 1, 0), row;
  std::vector<double> lval;
  for (Eigen::Index j = 0; j < n; ++j) {
    std::vector<std::pair<Eigen::Index, double>> c;
    for (Eigen::SparseMatrix<double>::InnerIterator it(factor, j); it; ++it)
      if (it.row() > j) c.emplace_back(it.row(), it.value());
    std::sort(c.begin(), c.end());
    for (const auto& [r, v] : c) {
      row.push_back(r);
      lval.push_back(v);
    }
    col[j + 1] = static_cast<Eigen::Index>(row.size());
  }
  // Takahashi: Z = (P A P')^-1 on the pattern of L, from the last column back:
  //   Z(i, j) = -sum_{k in L(:, j)} L(k, j) Z(i, k)       for i in L(:, j)
  //   Z(j, j) = 1 / D(j) - sum_{k in L(:, j)} L(k, j) Z(k, j).
  // The pattern s of column j is a clique of the filled graph, so each Z(i, k) it needs
  // is on the pattern: Z(max, min) is stored in column min(i, k). The products are
  // scattered into a dense work vector, each pair {i, k} of s read once from column
  // min(i, k), with membership in s marked per column (no searches).
  std::vector<double> z(row.size(), 0.0), zdiag(n), work(n, 0.0), lj(n, 0.0);
  std::vector<char> in_s(n, 0);
  for (Eigen::Index j = n - 1; j >= 0; --j) {
    const Eigen::Index p0 = col[j], p1 = col[j + 1];
    for (Eigen::Index p = p0; p < p1; ++p) {
      in_s[row[p]] = 1;
      lj[row[p]] = lval[p];
    }
    for (Eigen::Index p = p0; p < p1; ++p) {
      const Eigen::Index k = row[p];
      const double lk = lval[p];
      work[k] += zdiag[k] * lk;
      for (Eigen::Index q = col[k]; q < col[k + 1]; ++q) {
        const Eigen::Index r = row[q];
        if (!in_s[r]) continue;
        work[r] += z[q] * lk;
        work[k] += z[q] * lj[r];
      }
    }
    double s = 0;
    for (Eigen::Index p = p0; p < p1; ++p) {
      const Eigen::Index i = row[p];
      z[p] = -work[i];
      s += lval[p] * z[p];
      work[i] = 0;
      in_s[i] = 0;
      lj[i] = 0;
    }
    zdiag[j] = 1.0 / d[j] - s;
  }
  const auto& perm = ldlt.permutationP().indices();
  for (Eigen::Index i = 0; i < n; ++i) diagonal[i] = zdiag[perm[i]];
  if (dense_inverse) *dense_inverse = ldlt.solve(Eigen::MatrixXd::Identity(n, n));
  return finite_nonnegative();
}

void add_uncertainties(Evaluator& ev, const FitProblem& problem, FitResult& r, bool correlations) {
  const std::size_t n = r.x.size();
  std::vector<std::size_t> free;
  for (std::size_t i = 0; i < n; ++i)
    if (!problem.fixed[i] && problem.bounds[i].first != problem.bounds[i].second) free.push_back(i);
  r.uncertainties.assign(n, 0.0);
  r.correlations.clear();
  if (correlations) {
    r.correlations.assign(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i) r.correlations[i * n + i] = 1.0;
  }
  if (free.empty()) return;
  std::vector<double> var;
  Eigen::MatrixXd cov;
  if (!sparse_inverse(sparse_hessian(ev, r.x, free), var, correlations ? &cov : nullptr)) {
    // No covariance at this point (a singular or indefinite Hessian): NaN, which callers
    // report as missing, rather than an uncertainty that looks measured.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (std::size_t i : free) r.uncertainties[i] = nan;
    if (correlations)
      for (std::size_t a : free)
        for (std::size_t b = 0; b < n; ++b) r.correlations[a * n + b] = r.correlations[b * n + a] = nan;
    return;
  }
  for (std::size_t a = 0; a < free.size(); ++a) r.uncertainties[free[a]] = std::sqrt(var[a]);
  if (!correlations) return;
  for (std::size_t a = 0; a < free.size(); ++a)
    for (std::size_t b = 0; b < free.size(); ++b) {
      const double d = std::sqrt(var[a] * var[b]);
      r.correlations[free[a] * n + free[b]] = d > 0 ? cov(a, b) / d : (a == b ? 1.0 : 0.0);
    }
}

}  // namespace hfx::detail
