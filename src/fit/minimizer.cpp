// Bounded L-BFGS-B minimisation (Debian's LBFGS++) in scaled variables.
//
// Each constrained parameter is measured in units of its constraint width (sigma, or
// 1/sqrt(tau) for Poisson-constrained gammas), so a stiff constraint (tau ~ 1e11 in
// ATLAS 3L-eRJR) does not ruin the conditioning of the quasi-Newton model. Fixed
// parameters are removed from the problem.
#include "hfx/errors.hpp"
#include "hfx/fit.hpp"

#include "fit/covariance.hpp"
#include "fit/scipy_slsqp.hpp"

#include <Eigen/Core>
#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <LBFGSB.h>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hfx {

std::string_view to_string(FitStatus s) {
  switch (s) {
    case FitStatus::converged: return "converged";
    case FitStatus::iteration_limit: return "iteration_limit";
    case FitStatus::line_search_failed: return "line_search_failed";
    case FitStatus::nonfinite: return "nonfinite";
  }
  return "?";
}

std::string_view to_string(FitMethod m) { return m == FitMethod::scipy ? "scipy" : "newton"; }

FitMethod fit_method_from_string(std::string_view s) {
  if (s == "newton") return FitMethod::newton;
  if (s == "scipy") return FitMethod::scipy;
  throw Unsupported(fmt::format("unknown fit method '{}' (expected newton or scipy)", s));
}

FitProblem FitProblem::from_model(const Model& model) {
  return {model.suggested_init(), model.suggested_bounds(), model.suggested_fixed()};
}

namespace {

std::vector<double> parameter_scales(const Model& m) {
  std::vector<double> s(m.npars(), 1.0);
  for (const auto& p : m.parameter_sets())
    for (std::size_t i = 0; i < p.size; ++i) {
      double w = 1.0;
      if (p.constraint == ConstraintType::normal) w = p.sigmas.empty() ? 1.0 : p.sigmas[i];
      else if (p.constraint == ConstraintType::poisson) w = 1.0 / std::sqrt(p.factors[i]);
      s[p.offset + i] = w;
    }
  return s;
}

// The objective in the free, scaled variables y: x[free[k]] = scale[k] * y[k].
struct ScaledObjective {
  Evaluator* ev;
  std::vector<double> x, grad;
  std::vector<std::size_t> free;
  std::vector<double> scale;
  int evaluations = 0;

  double operator()(const Eigen::VectorXd& y, Eigen::VectorXd& gy) {
    set_point(y);
    ++evaluations;
    const double f = ev->nll_and_grad(x, grad);
    if (!std::isfinite(f)) {
      // Outside the model's domain (a non-positive expected rate): a large finite value
      // with a zero gradient makes the line search step back instead of failing.
      gy.setZero();
      return std::numeric_limits<double>::max() / 4;
    }
    for (std::size_t k = 0; k < free.size(); ++k) gy[k] = grad[free[k]] * scale[k];
    return f;
  }

  // Writes the model parameters x for the scaled free variables y.
  void set_point(const Eigen::VectorXd& y) {
    for (std::size_t k = 0; k < free.size(); ++k) x[free[k]] = scale[k] * y[k];
  }

  // The NLL alone (a line-search trial point).
  double value(const Eigen::VectorXd& y) {
    set_point(y);
    ++evaluations;
    const double f = ev->nll(x);
    return std::isfinite(f) ? f : std::numeric_limits<double>::max() / 4;
  }
};

double projected_grad_norm(const Eigen::VectorXd& y, const Eigen::VectorXd& g, const Eigen::VectorXd& lb,
                           const Eigen::VectorXd& ub) {
  double n = 0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    const double p = std::clamp(y[i] - g[i], lb[i], ub[i]) - y[i];
    n = std::max(n, std::abs(p));
  }
  return n;
}

// A parameter the fit cannot move: fixed, or bounds of zero width.
bool pinned(const FitProblem& problem, std::size_t i) {
  return problem.fixed[i] || problem.bounds[i].first == problem.bounds[i].second;
}

// Projected Newton steps in the scaled free variables. The Hessian is the expected
// (Fisher) information, assembled sparsely (a bin depends on few parameters) and
// factorised densely for small problems or with a sparse LDLT otherwise; when that
// model stops making progress the observed Hessian (finite differences of the analytic
// gradient) takes over. Returns the estimated distance to the minimum edm = g'H^-1 g/2
// (Minuit's convergence measure, in units of NLL) at the last point; inf on failure.
constexpr double kSlowRatio = 0.5;
constexpr double kInitialDamping = 1.0;
constexpr int kWarmupIterations = 1;
constexpr double kStalledEdmFactor = 1000;

class NewtonStage {
 public:
  NewtonStage(ScaledObjective& obj, const Eigen::VectorXd& lb, const Eigen::VectorXd& ub)
      : obj_(obj), lb_(lb), ub_(ub), free_index_(obj.x.size(), -1) {
    for (std::size_t k = 0; k < obj.free.size(); ++k) free_index_[obj.free[k]] = static_cast<int>(k);
  }

  // The convergence test on run()'s result: the edm below tolerance, or -- when run()
  // stopped because no step along either Hessian model lowered the NLL -- within
  // kStalledEdmFactor x tolerance (the NLL's own rounding, e.g. high-count bins with
  // terms ~1e4, limits how small the edm can get: 1.2e-12 seen for a 1e-12 tolerance).
  // Whether run() ended with an unevaluated final step (last_value and last_gradient
  // are then those of previous_point()).
  bool took_final_step() const { return final_step_; }
  const Eigen::VectorXd& previous_point() const { return before_final_step_; }

  bool converged_at(double edm, double tolerance) const {
    return edm < tolerance || (stalled_ && edm < kStalledEdmFactor * tolerance);
  }

  // The NLL and scaled gradient at the point where run() stopped.
  double last_value() const { return f_; }
  const Eigen::VectorXd& last_gradient() const { return g_; }

  // f_start: the NLL at y when the caller has it (NaN otherwise).
  // bail_if_slow: give up (returning the current edm) when the edm stops falling fast.
  // initial_damping: Levenberg-Marquardt damping of the first step (0: plain Newton).
  double run(Eigen::VectorXd& y, int max_steps, double edm_tol, int& iterations, bool bail_if_slow = false,
             double initial_damping = 0.0, double f_start = std::numeric_limits<double>::quiet_NaN()) {
    // The undamped edm one and two steps back.
    double previous_edm = std::numeric_limits<double>::infinity(), older_edm = previous_edm;
    // Secant corrections (update_secants) once convergence near the minimum is seen to be
    // linear; a quadratically converging fit does not pay for them.
    double last_edm = previous_edm;
    bool learn = false;
    const Eigen::Index n = y.size();
    Eigen::VectorXd& g = g_;
    double& f = f_;
    Eigen::VectorXd yp(n), d(n);
    g.resize(n);
    // Trial points need only the NLL; at an accepted point the Jacobian sweep that the
    // next Newton system needs also gives the gradient (no separate reverse sweep).
    f = std::isnan(f_start) ? obj_.value(y) : f_start;
    if (f >= std::numeric_limits<double>::max() / 8) return std::numeric_limits<double>::infinity();
    jacobian_and_gradient(y, g);
    double edm = std::numeric_limits<double>::infinity();
    bool use_fisher = true;
    // Levenberg-Marquardt damping (H + damping I) for cold starts: far from the minimum
    // the expected information is a poor model and full Newton steps overshoot (then
    // backtrack); damped steps lean towards steepest descent. The damping decays tenfold
    // per accepted full step and is gone after a few iterations (then plain Newton).
    damping_ = initial_damping;
    stalled_ = false;
    final_step_ = false;
    secants_.clear();
    have_previous_ = false;
    for (int step = 0; step < max_steps; ++step) {
      ++iterations;
      // Active bounds: at a bound with the gradient pushing outward.
      active_.assign(n, false);
      for (Eigen::Index j = 0; j < n; ++j) {
        const bool at_lo = y[j] <= lb_[j] + 1e-12 * std::max(1.0, std::abs(lb_[j])) && g[j] > 0;
        const bool at_hi = y[j] >= ub_[j] - 1e-12 * std::max(1.0, std::abs(ub_[j])) && g[j] < 0;
        active_[j] = at_lo || at_hi;
      }
      d.setZero();
      const bool solved = use_fisher ? solve_fisher(y, g, d) : solve_observed(y, g, d);
      if (!solved) return edm;
      edm = -0.5 * g.dot(d);
      if (!(edm >= 0)) return std::numeric_limits<double>::infinity();
      learn = learn || (edm < kSecantEdm && edm > kSecantRatio * last_edm);
      last_edm = edm;
      if (edm < edm_tol) {
        if (damping_ == 0) {
          // The step is computed: taking it moves the parameters (not the NLL, within its
          // rounding) the rest of the way, so that what depends on them at first order (an
          // Asimov dataset) is exact too. f and g are then the previous point's; the
          // caller evaluates the new one (and keeps the old if that is not as good).
          before_final_step_ = y;
          y = (y + d).cwiseMax(lb_).cwiseMin(ub_);
          final_step_ = true;
          return edm;
        }
        damping_ = 0;  // confirm with an undamped step
        continue;
      }
      // The expected information omits the curvature of the rates themselves; where that
      // matters (few bins, large residuals) Newton converges only linearly. Hand such
      // problems to L-BFGS-B early instead of grinding on.
      // The secant corrections make the edm fall unevenly: judge the rate over two steps.
      if (bail_if_slow && damping_ == 0 && step >= 2 && edm > kSlowRatio * kSlowRatio * older_edm) return edm;
      if (damping_ == 0) {
        older_edm = previous_edm;
        previous_edm = edm;
      }
      double t = 1.0;
      bool accepted = false;
      for (int ls = 0; ls < 40; ++ls, t *= 0.5) {
        yp = (y + t * d).cwiseMax(lb_).cwiseMin(ub_);
        const double fp = obj_.value(yp);
        if (fp <= f - 1e-4 * t * 2 * edm || (fp <= f && t < 1e-3)) {
          if (fp == f) {
            // No decrease at all: the NLL's rounding floor.
            stalled_ = true;
            return edm;
          }
          y_prev_ = y;
          g_prev_ = g;
          have_previous_ = learn;
          y = yp;
          f = fp;
          jacobian_and_gradient(y, g);
          accepted = true;
          if (damping_ > 0) damping_ = t == 1.0 ? (damping_ < 1e-6 ? 0.0 : 0.1 * damping_) : 4 * damping_;
          break;
        }
      }
      if (!accepted) {
        if (!use_fisher) {
          stalled_ = true;
          return edm;
        }
        use_fisher = false;
      }
    }
    return edm;
  }

 private:
  // Solves H d = -g on the inactive variables with the expected information.
  bool solve_fisher(const Eigen::VectorXd& y, const Eigen::VectorXd& g, Eigen::VectorXd& d) {
    current_y_ = y;
    obj_.set_point(y);
    switch (solve_by_elimination(rates_, g, d)) {
      case Elimination::solved:
        if (secants_.empty() || g.dot(d) < 0) return true;
        [[fallthrough]];  // not a descent direction with the secant correction
      case Elimination::retry_without_secants:
        secants_.clear();
        d.setZero();
        return solve_by_elimination(rates_, g, d) == Elimination::solved;
      case Elimination::failed: return false;
      case Elimination::not_applicable: break;
    }
    // Reduced index: free and inactive variables only.
    const Eigen::Index n = y.size();
    reduced_.assign(n, -1);
    Eigen::Index m = 0;
    for (Eigen::Index j = 0; j < n; ++j)
      if (!active_[j]) reduced_[j] = static_cast<int>(m++);
    if (m == 0) return true;
    assemble_fisher();
    if (damping_ > 0)
      for (Eigen::Index j = 0; j < m; ++j) triplets_.emplace_back(j, j, damping_);
    Eigen::VectorXd rhs(m);
    for (Eigen::Index j = 0; j < n; ++j)
      if (reduced_[j] >= 0) rhs[reduced_[j]] = -g[j];
    Eigen::VectorXd sol;
    // Dense factorisation for small systems, and for those whose entries fill more than a
    // quarter of the matrix (parameters that all share the same few channels), where a
    // sparse factor gains nothing.
    if (m <= 120 || static_cast<double>(triplets_.size()) > 0.25 * static_cast<double>(m) * static_cast<double>(m)) {
      Eigen::MatrixXd H = Eigen::MatrixXd::Zero(m, m);
      for (const auto& t : triplets_) H(t.row(), t.col()) += t.value();
      if (!dense_solve(H, rhs, sol)) return false;
    } else {
      Eigen::SparseMatrix<double> H(m, m);
      H.setFromTriplets(triplets_.begin(), triplets_.end());
      // The sparsity pattern rarely changes between iterations: analyse it once.
      if (pattern_m_ != m || pattern_active_ != active_ || pattern_nnz_ != H.nonZeros()) {
        sparse_.analyzePattern(H);
        pattern_m_ = m;
        pattern_active_ = active_;
        pattern_nnz_ = H.nonZeros();
      }
      if (!damped_sparse_solve(H, rhs, sparse_, 1e-10, 100, sol)) return false;
    }
    for (Eigen::Index j = 0; j < n; ++j)
      if (reduced_[j] >= 0) d[j] = sol[reduced_[j]];
    return true;
  }

  // The expected information on the free, inactive variables (reduced_ indices, scaled)
  // as triplets: per channel sum_bins w J J' from the last Jacobian sweep (a dense block
  // over the channel's parameters, so the entries are per channel, not per bin), plus
  // the constraints' curvature on the diagonal.
  void assemble_fisher() {
    const Evaluator::Structure st = obj_.ev->structure();
    triplets_.clear();
    constraint_diag_.resize(obj_.x.size());
    obj_.ev->constraint_curvature(obj_.x, constraint_diag_);
    for (std::size_t k = 0; k < obj_.free.size(); ++k)
      if (reduced_[k] >= 0) triplets_.emplace_back(reduced_[k], reduced_[k], constraint_diag_[obj_.free[k]] * obj_.scale[k] * obj_.scale[k]);
    std::size_t current = st.nchannels();
    auto flush = [&] {
      if (current == st.nchannels()) return;
      const std::uint32_t* pars = st.channel_pars.data() + st.channel_par_begin[current];
      const auto m = static_cast<Eigen::Index>(st.channel_par_begin[current + 1] - st.channel_par_begin[current]);
      for (Eigen::Index a = 0; a < m; ++a) {
        const int ka = free_index_[pars[a]];
        if (ka < 0 || reduced_[ka] < 0) continue;
        for (Eigen::Index b = 0; b < m; ++b) {
          const int kb = free_index_[pars[b]];
          const double v = a >= b ? block_(a, b) : block_(b, a);
          if (kb < 0 || reduced_[kb] < 0 || v == 0) continue;
          triplets_.emplace_back(reduced_[ka], reduced_[kb], v * obj_.scale[ka] * obj_.scale[kb]);
        }
      }
    };
    for_each_weighted_bin(rates_, [&](std::size_t c, std::size_t, double w, const double* row, std::size_t m) {
      if (c != current) {
        flush();
        current = c;
        block_.setZero(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(m));
      }
      const Eigen::Map<const Eigen::VectorXd> j(row, static_cast<Eigen::Index>(m));
      block_.selfadjointView<Eigen::Lower>().rankUpdate(j, w);
    });
    flush();
  }

  // The expected information has a known structure: a parameter local to one main bin
  // (a staterror or shapesys gamma) couples only to that bin's other parameters, through
  // the bin's rank-one term w J J' (w = n / rate^2), plus its own constraint curvature D.
  // Eliminating the local parameters bin by bin (Sherman-Morrison on D + w u u') leaves a
  // dense system in the other ("global") parameters in which bin g's weight becomes
  // c = w / (1 + w u' D^-1 u), and the local steps follow by back-substitution. Cost:
  // one Jacobian sweep, O(nnz) per bin and a dense solve of the global parameters --
  // e.g. 1 x 1 for a model whose 200 other parameters are gammas.
  enum class Elimination { solved, failed, not_applicable, retry_without_secants };
  static constexpr Eigen::Index kMaxDenseGlobals = 150;
  static constexpr std::size_t kMaxLowRankRows = 500;

  // Channel Jacobian (jac_, rates_) and the scaled gradient at y, in one sweep.
  void jacobian_and_gradient(const Eigen::VectorXd& y, Eigen::VectorXd& g) {
    obj_.set_point(y);
    rates_ = obj_.ev->channel_jacobian(obj_.x, jac_, obj_.grad);
    for (std::size_t k = 0; k < obj_.free.size(); ++k) g[k] = obj_.grad[obj_.free[k]] * obj_.scale[k];
  }

  // Calls fn(channel, global bin, w, Jacobian row, row length) for every main bin with a
  // Poisson weight w = n / rate^2 (rate > 0 and n > 0), from the last Jacobian sweep.
  template <class Fn>
  void for_each_weighted_bin(std::span<const double> rates, Fn&& fn) const {
    const Evaluator::Structure st = obj_.ev->structure();
    const auto data = obj_.ev->data();
    for (std::size_t c = 0; c < st.nchannels(); ++c) {
      const std::size_t m = st.channel_par_begin[c + 1] - st.channel_par_begin[c];
      const double* J = jac_.data() + obj_.ev->channel_jacobian_offset(c);
      for (std::size_t j = 0; j < st.channel_nbins[c]; ++j) {
        const std::size_t gbin = st.channel_offset[c] + j;
        const double lam = rates[gbin], n = data[gbin];
        if (lam > 0 && n > 0) fn(c, gbin, n / (lam * lam), J + j * m, m);
      }
    }
  }

  Elimination solve_by_elimination(std::span<const double> rates, const Eigen::VectorXd& g, Eigen::VectorXd& d) {
    const Evaluator::Structure st = obj_.ev->structure();
    const std::size_t nf = obj_.free.size();
    // Classify the free, inactive variables.
    global_of_.assign(nf, -1);
    Eigen::Index K = 0;
    for (std::size_t k = 0; k < nf; ++k)
      if (!active_[k] && st.par_local_bin[obj_.free[k]] < 0) global_of_[k] = static_cast<int>(K++);
    // Constraint curvature in scaled variables (exact for both constraint types).
    constraint_diag_.resize(obj_.x.size());
    obj_.ev->constraint_curvature(obj_.x, constraint_diag_);
    curvature_.resize(nf);
    for (std::size_t k = 0; k < nf; ++k) curvature_[k] = constraint_diag_[obj_.free[k]] * obj_.scale[k] * obj_.scale[k];
    const auto data = obj_.ev->data();
    if (damping_ > 0)
      for (double& cv : curvature_) cv += damping_;
    inv_curvature_.resize(nf);
    for (std::size_t k = 0; k < nf; ++k) {
      if (!active_[k] && global_of_[k] < 0 && !(curvature_[k] > 0)) return Elimination::not_applicable;
      inv_curvature_[k] = 1.0 / curvature_[k];
    }
    // The global system is diag(D) + V' diag(c) V with one row of V per weighted bin.
    // With fewer weighted bins (plus unconstrained globals) than global parameters --
    // published models: tens of systematics, a handful of bins -- it is solved through
    // that low-rank form (solve_low_rank); otherwise it is assembled densely. Beyond
    // kMaxDenseGlobals globals only the low-rank form with at most kMaxLowRankRows rows
    // is used (many systematics on few bins); the rest is the sparse path's.
    std::size_t B = 0;
    for (std::size_t gbin = 0; gbin < st.nmain; ++gbin) B += rates[gbin] > 0 && data[gbin] > 0;
    std::size_t n_unconstrained = 0;
    for (std::size_t k = 0; k < nf; ++k) n_unconstrained += global_of_[k] >= 0 && !(curvature_[k] > 0);
    const std::size_t max_rows = B + kMaxSecants + n_unconstrained;
    if (K > kMaxDenseGlobals && !(static_cast<Eigen::Index>(max_rows) < K / 2 && max_rows <= kMaxLowRankRows))
      return Elimination::not_applicable;

    rhs_.resize(K);
    for (std::size_t k = 0; k < nf; ++k)
      if (global_of_[k] >= 0) rhs_[global_of_[k]] = -g[k];
    // Local steps start as -g / D (bins without Poisson weight leave them so).
    for (std::size_t k = 0; k < nf; ++k) d[k] = (active_[k] || global_of_[k] >= 0) ? 0.0 : -g[k] * inv_curvature_[k];
    // The channels' participating columns (free and inactive), split into local and
    // global, each with its scale folded in.
    const std::size_t nchan = st.nchannels();
    local_cols_.clear();
    global_cols_.clear();
    col_begin_.resize(2 * nchan + 2);
    for (std::size_t c = 0; c < nchan; ++c) {
      col_begin_[2 * c] = static_cast<std::uint32_t>(local_cols_.size());
      col_begin_[2 * c + 1] = static_cast<std::uint32_t>(global_cols_.size());
      const std::uint32_t* pars = st.channel_pars.data() + st.channel_par_begin[c];
      const std::size_t m = st.channel_par_begin[c + 1] - st.channel_par_begin[c];
      for (std::size_t a = 0; a < m; ++a) {
        const int k = free_index_[pars[a]];
        if (k < 0 || active_[k]) continue;
        if (global_of_[k] >= 0) global_cols_.push_back({static_cast<std::uint32_t>(a), global_of_[k], obj_.scale[k]});
        else local_cols_.push_back({static_cast<std::uint32_t>(a), k, obj_.scale[k]});
      }
    }
    col_begin_[2 * nchan] = static_cast<std::uint32_t>(local_cols_.size());
    col_begin_[2 * nchan + 1] = static_cast<std::uint32_t>(global_cols_.size());
    if (have_previous_) update_secants(rates, g);
    have_previous_ = false;
    const std::size_t nsec = secants_.size();
    // Pass 1, per bin: t = u' D^-1 u, q = u' D^-1 r_L, reduced weight c = w / (1 + w t),
    // and the bin's contribution to the global system.
    bin_w_.assign(st.nmain, 0.0);
    bin_t_.resize(st.nmain);
    bin_q_.resize(st.nmain);
    bool low_rank = static_cast<Eigen::Index>(B + nsec + n_unconstrained) < K;
    if (low_rank) {
      V_.setZero(static_cast<Eigen::Index>(B + nsec), K);
      c_.resize(static_cast<Eigen::Index>(B + nsec));
    } else {
      S_.setZero(K, K);
    }
    Eigen::Index vrow = 0;
    for_each_weighted_bin(rates, [&](std::size_t c, std::size_t gbin, double w, const double* row, std::size_t) {
        const Column* l0 = local_cols_.data() + col_begin_[2 * c];
        const Column* l1 = local_cols_.data() + col_begin_[2 * c + 2];
        const Column* g0 = global_cols_.data() + col_begin_[2 * c + 1];
        const Column* g1 = global_cols_.data() + col_begin_[2 * c + 3];
        double t = 0, q = 0;
        for (const Column* col = l0; col != l1; ++col) {
          const double u = row[col->a] * col->scale;
          t += u * u * inv_curvature_[col->index];
          q += u * d[col->index];
        }
        bin_w_[gbin] = w;
        bin_t_[gbin] = t;
        bin_q_[gbin] = q;
        const double cw = w / (1.0 + w * t);
        if (low_rank) {
          for (const Column* a = g0; a != g1; ++a) {
            const double va = row[a->a] * a->scale;
            rhs_[a->index] -= cw * q * va;
            V_(vrow, a->index) = va;
          }
          c_[vrow++] = cw;
          return;
        }
        for (const Column* a = g0; a != g1; ++a) {
          const double va = row[a->a] * a->scale;
          if (va == 0) continue;
          rhs_[a->index] -= cw * q * va;
          const double cva = cw * va;
          for (const Column* b = g0; b != g1; ++b) S_(a->index, b->index) += cva * row[b->a] * b->scale;
        }
    });
    // The secant corrections: more rows of V (low rank) or rank-one terms of S (dense).
    for (const Secant& sc : secants_) {
      if (low_rank) {
        for (std::size_t k = 0; k < nf; ++k)
          if (global_of_[k] >= 0) V_(vrow, global_of_[k]) = sc.v[k];
        c_[vrow++] = sc.weight;
        continue;
      }
      secant_dense_.setZero(K);
      for (std::size_t k = 0; k < nf; ++k)
        if (global_of_[k] >= 0) secant_dense_[global_of_[k]] = sc.v[k];
      S_.noalias() += sc.weight * secant_dense_ * secant_dense_.transpose();
    }
    global_curvature_.resize(K);
    for (std::size_t k = 0; k < nf; ++k)
      if (global_of_[k] >= 0) global_curvature_[global_of_[k]] = curvature_[k];
    Eigen::VectorXd dg;
    if (low_rank && !solve_low_rank(dg)) {
      // An indefinite secant correction: solve without it.
      if (nsec > 0) return Elimination::retry_without_secants;
      // Singular or ill-conditioned reduced system: assemble the dense one instead
      // (the sparse path's, for many globals).
      if (K > kMaxDenseGlobals) return Elimination::not_applicable;
      S_ = V_.transpose() * c_.asDiagonal() * V_;
      low_rank = false;
    }
    if (!low_rank) {
      S_.diagonal() += global_curvature_;
      if (nsec > 0 && K > 0) {
        const Eigen::LLT<Eigen::MatrixXd> llt(S_);
        if (llt.info() != Eigen::Success) return Elimination::retry_without_secants;
        dg = llt.solve(rhs_);
      } else if (K > 0 && !dense_solve(S_, rhs_, dg)) {
        return Elimination::failed;
      }
    }
    for (std::size_t k = 0; k < nf; ++k)
      if (global_of_[k] >= 0) d[k] = dg[global_of_[k]];
    // Pass 2, back-substitution: d_L = (D + w u u')^-1 (r_L - w u (v' d_G)). With
    // z = v' d_G and r_L' = r_L - w z u: u' D^-1 r_L' = q - w z t.
    for (std::size_t c = 0; c < nchan; ++c) {
      const Column* l0 = local_cols_.data() + col_begin_[2 * c];
      const Column* l1 = local_cols_.data() + col_begin_[2 * c + 2];
      if (l0 == l1) continue;
      const std::size_t m = st.channel_par_begin[c + 1] - st.channel_par_begin[c];
      const double* J = jac_.data() + obj_.ev->channel_jacobian_offset(c);
      const Column* g0 = global_cols_.data() + col_begin_[2 * c + 1];
      const Column* g1 = global_cols_.data() + col_begin_[2 * c + 3];
      for (std::size_t j = 0; j < st.channel_nbins[c]; ++j) {
        const std::size_t gbin = st.channel_offset[c] + j;
        const double w = bin_w_[gbin];
        if (w == 0) continue;
        const double* row = J + j * m;
        double z = 0;
        for (const Column* a = g0; a != g1; ++a) z += row[a->a] * a->scale * dg[a->index];
        const double t = bin_t_[gbin];
        const double f = w * (bin_q_[gbin] - w * z * t) / (1.0 + w * t);
        const double coef = w * z + f;
        for (const Column* col = l0; col != l1; ++col)
          d[col->index] -= coef * row[col->a] * col->scale * inv_curvature_[col->index];
      }
    }
    return Elimination::solved;
  }

  // Structured quasi-Newton correction of the Newton model. The model omits the
  // curvature of the rates themselves, sum_b (1 - n_b/rate_b) Hess(rate_b): expensive to
  // form (dense in the parameters a bin depends on), and what makes Newton converge only
  // linearly where the fit does not saturate the bins -- conditional fits on the published
  // SUSY likelihoods contracted the edm by 0.1-0.35 per step (up to 27 iterations on
  // sbottom and staus). Once near the minimum (edm < kSecantEdm), each accepted step s
  // with gradient change y updates the corrected model in the global parameters as BFGS
  // does; the last few updates are kept, as extra rows of the low-rank global system.
  // One that leaves the system indefinite is dropped (solve_fisher). The local
  // parameters keep their exact per-bin elimination.
  static constexpr std::size_t kMaxSecants = 12;  // six updates
  // Far from the minimum the gradient change is dominated by the model's own
  // nonlinearity, not the omitted curvature: learn from steps near it only.
  static constexpr double kSecantEdm = 1e-2;
  static constexpr double kSecantRatio = 0.05;

  void update_secants(std::span<const double> rates, const Eigen::VectorXd& g) {
    const Evaluator::Structure st = obj_.ev->structure();
    const std::size_t nf = obj_.free.size();
    Eigen::VectorXd& s = sec_s_;
    Eigen::VectorXd& model = sec_model_;
    Eigen::VectorXd& yv = sec_y_;
    s = current_y_ - y_prev_;
    // The uncorrected model times s: constraint curvature plus sum_b w_b J_b (J_b . s).
    model = (Eigen::Map<const Eigen::VectorXd>(curvature_.data(), static_cast<Eigen::Index>(nf)).array() - damping_)
                .matrix()
                .cwiseProduct(s);  // undamped
    for_each_weighted_bin(rates, [&](std::size_t c, std::size_t, double w, const double* row, std::size_t m) {
      const std::uint32_t* pars = st.channel_pars.data() + st.channel_par_begin[c];
      double js = 0;
      for (std::size_t a = 0; a < m; ++a) {
        const int k = free_index_[pars[a]];
        if (k >= 0) js += row[a] * obj_.scale[k] * s[k];
      }
      for (std::size_t a = 0; a < m; ++a) {
        const int k = free_index_[pars[a]];
        if (k >= 0) model[k] += w * js * row[a] * obj_.scale[k];
      }
    });
    yv = g - g_prev_;
    for (std::size_t k = 0; k < nf; ++k)
      if (global_of_[k] < 0) s[k] = model[k] = yv[k] = 0;  // the global components only
    for (const Secant& sc : secants_) model += sc.weight * sc.v.dot(s) * sc.v;
    // The BFGS update of the corrected model A (= model + corrections) on the pair
    // (s, y = g_new - g_old): A + y y'/(y's) - (A s)(A s)'/(s'A s), which keeps A positive
    // definite when y's > 0. Both terms become rows of the low-rank system.
    const double sas = model.dot(s), ys = yv.dot(s);
    if (!(sas > 0) || !(ys > 1e-10 * yv.norm() * s.norm())) return;
    // Keep the last kMaxSecants / 2 updates, recycling the oldest pair's storage.
    if (secants_.size() + 2 > kMaxSecants) std::rotate(secants_.begin(), secants_.begin() + 2, secants_.end());
    else secants_.resize(secants_.size() + 2);
    secants_[secants_.size() - 2].v = model;
    secants_[secants_.size() - 2].weight = -1.0 / sas;
    secants_.back().v = yv;
    secants_.back().weight = 1.0 / ys;
  }

  // Solves (diag(D) + V' diag(c) V) x = rhs_ for the global parameters without forming
  // the K x K matrix: with y = diag(c) V x as extra unknowns, the parameters with D > 0
  // are eliminated, leaving a dense system in the unconstrained parameters (D = 0, e.g.
  // the POI) and y:
  //   [ 0     V_U'                    ] [x_U]   [ r_U              ]
  //   [ V_U  -diag(1/c) - V_P D^-1 V_P'] [ y ] = [ -V_P D^-1 r_P    ]
  // then x_P = D^-1 (r_P - V_P' y). Cost O(K B^2) instead of O(K^3).
  bool solve_low_rank(Eigen::VectorXd& x) {
    const Eigen::Index K = V_.cols(), B = V_.rows();
    unconstrained_.clear();
    inv_sqrt_d_.resize(K);
    scaled_rhs_.resize(K);
    for (Eigen::Index i = 0; i < K; ++i) {
      const double Di = global_curvature_[i];
      const bool constrained = Di > 0;
      if (!constrained) unconstrained_.push_back(i);
      inv_sqrt_d_[i] = constrained ? 1.0 / std::sqrt(Di) : 0.0;
      scaled_rhs_[i] = constrained ? rhs_[i] / Di : 0.0;
    }
    const Eigen::Index nu = static_cast<Eigen::Index>(unconstrained_.size());
    // V_P D^-1 V_P' = W W' with W = V D^-1/2 (zero columns for the unconstrained).
    W_.noalias() = V_ * inv_sqrt_d_.asDiagonal();
    M_.setZero(nu + B, nu + B);
    lr_rhs_.resize(nu + B);
    auto Myy = M_.bottomRightCorner(B, B);
    Myy.noalias() = -W_ * W_.transpose();
    Myy.diagonal() -= c_.cwiseInverse();
    lr_rhs_.tail(B).noalias() = -V_ * scaled_rhs_;
    for (Eigen::Index a = 0; a < nu; ++a) {
      const Eigen::Index i = unconstrained_[a];
      lr_rhs_[a] = rhs_[i];
      M_.col(a).tail(B) = V_.col(i);
      M_.row(a).tail(B) = V_.col(i).transpose();
    }
    lu_.compute(M_);
    const Eigen::VectorXd sol = lu_.solve(lr_rhs_);
    if (!sol.allFinite() || (M_ * sol - lr_rhs_).norm() > 1e-8 * (1.0 + lr_rhs_.norm())) return false;
    const auto y = sol.tail(B);
    x.noalias() = scaled_rhs_ - inv_sqrt_d_.asDiagonal() * (W_.transpose() * y);
    for (Eigen::Index a = 0; a < nu; ++a) x[unconstrained_[a]] = sol[a];
    // The expected information is positive semi-definite; a non-descent step means the
    // reduced system was numerically singular.
    return rhs_.dot(x) > 0 || rhs_.squaredNorm() == 0;
  }

  // Solves H d = -g with a finite-difference Hessian of the analytic gradient.
  bool solve_observed(const Eigen::VectorXd& y, const Eigen::VectorXd& g, Eigen::VectorXd& d) {
    const Eigen::Index n = y.size();
    if (n > kMaxDenseObserved) return solve_observed_sparse(y, g, d);
    Eigen::MatrixXd H(n, n);
    Eigen::VectorXd yp(n), gp(n);
    for (Eigen::Index j = 0; j < n; ++j) {
      const double h = 1e-5 * std::max(1.0, std::abs(y[j]));
      yp = y;
      // Step inward when at an upper bound so the Hessian column stays in the domain.
      const double hj = (y[j] + h > ub_[j]) ? -h : h;
      yp[j] += hj;
      obj_(yp, gp);
      H.col(j) = (gp - g) / hj;
    }
    H = 0.5 * (H + H.transpose()).eval();
    std::vector<Eigen::Index> idx;
    for (Eigen::Index j = 0; j < n; ++j)
      if (!active_[j]) idx.push_back(j);
    const Eigen::Index m = static_cast<Eigen::Index>(idx.size());
    if (m == 0) return true;
    Eigen::MatrixXd Hf(m, m);
    Eigen::VectorXd rhs(m), sol;
    for (Eigen::Index a = 0; a < m; ++a) {
      rhs[a] = -g[idx[a]];
      for (Eigen::Index b = 0; b < m; ++b) Hf(a, b) = H(idx[a], idx[b]);
    }
    if (!dense_solve(Hf, rhs, sol)) return false;
    for (Eigen::Index a = 0; a < m; ++a) d[idx[a]] = sol[a];
    return true;
  }

  // The same for large models: the sparse Hessian (coloured differences, src/fit/
  // covariance.cpp) in the scaled variables, factorised sparsely.
  static constexpr Eigen::Index kMaxDenseObserved = 1000;
  bool solve_observed_sparse(const Eigen::VectorXd& y, const Eigen::VectorXd& g, Eigen::VectorXd& d) {
    obj_.set_point(y);
    const Eigen::SparseMatrix<double> hx = detail::sparse_hessian(*obj_.ev, obj_.x, obj_.free);
    const Eigen::Index n = y.size();
    std::vector<int> reduced(n, -1);
    Eigen::Index m = 0;
    for (Eigen::Index j = 0; j < n; ++j)
      if (!active_[j]) reduced[j] = static_cast<int>(m++);
    if (m == 0) return true;
    std::vector<Eigen::Triplet<double>> entries;
    for (Eigen::Index k = 0; k < hx.outerSize(); ++k)
      for (Eigen::SparseMatrix<double>::InnerIterator it(hx, k); it; ++it) {
        const int a = reduced[it.row()], b = reduced[it.col()];
        if (a >= 0 && b >= 0) entries.emplace_back(a, b, it.value() * obj_.scale[it.row()] * obj_.scale[it.col()]);
      }
    Eigen::SparseMatrix<double> h(m, m);
    h.setFromTriplets(entries.begin(), entries.end());
    Eigen::VectorXd rhs(m);
    for (Eigen::Index j = 0; j < n; ++j)
      if (reduced[j] >= 0) rhs[reduced[j]] = -g[j];
    Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> ldlt;
    ldlt.analyzePattern(h);
    Eigen::VectorXd sol;
    if (!damped_sparse_solve(h, rhs, ldlt, 1e-8, 10, sol)) return false;
    for (Eigen::Index j = 0; j < n; ++j)
      if (reduced[j] >= 0) d[j] = sol[reduced[j]];
    return true;
  }

  // Solves h sol = rhs with `ldlt` (its pattern analysed for h, whose diagonal is stored),
  // adding Levenberg damping lambda * max(1, |h_jj|) to the diagonal -- lambda = 0, then
  // `first`, growing by `factor` below 1e6 -- until the factor is positive definite.
  static bool damped_sparse_solve(const Eigen::SparseMatrix<double>& h, const Eigen::VectorXd& rhs,
                                  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>>& ldlt, double first, double factor,
                                  Eigen::VectorXd& sol) {
    for (double lambda = 0; lambda < 1e6; lambda = lambda == 0 ? first : lambda * factor) {
      Eigen::SparseMatrix<double> hd = h;
      if (lambda > 0)
        for (Eigen::Index j = 0; j < h.rows(); ++j) hd.coeffRef(j, j) += lambda * std::max(1.0, std::abs(h.coeff(j, j)));
      ldlt.factorize(hd);
      if (ldlt.info() == Eigen::Success && (ldlt.vectorD().array() > 0).all()) {
        sol = ldlt.solve(rhs);
        return true;
      }
    }
    return false;
  }

  // Cholesky with Levenberg damping until positive definite.
  static bool dense_solve(const Eigen::MatrixXd& H, const Eigen::VectorXd& rhs, Eigen::VectorXd& sol) {
    const Eigen::Index m = H.rows();
    double lambda = 0;
    for (int tries = 0; tries < 20; ++tries) {
      Eigen::LLT<Eigen::MatrixXd> llt(H + lambda * Eigen::MatrixXd::Identity(m, m));
      if (llt.info() == Eigen::Success) {
        sol = llt.solve(rhs);
        return true;
      }
      lambda = lambda == 0 ? 1e-8 * std::max(1.0, H.diagonal().cwiseAbs().maxCoeff()) : lambda * 10;
    }
    return false;
  }

  ScaledObjective& obj_;
  const Eigen::VectorXd& lb_;
  const Eigen::VectorXd& ub_;
  std::vector<int> free_index_, reduced_;
  std::vector<bool> active_;
  std::vector<Eigen::Triplet<double>> triplets_;
  Eigen::MatrixXd block_;  // one channel's expected information (lower triangle)
  // solve_by_elimination scratch.
  struct Column {
    std::uint32_t a;  // column in the channel's Jacobian block
    int index;        // free index (local) or dense index (global)
    double scale;
  };
  std::vector<int> global_of_;
  std::vector<double> constraint_diag_, curvature_, inv_curvature_, jac_, bin_w_, bin_t_, bin_q_;
  std::vector<Column> local_cols_, global_cols_;
  std::vector<std::uint32_t> col_begin_;  // per channel: local begin, global begin
  Eigen::MatrixXd S_, V_;
  Eigen::VectorXd rhs_, c_, global_curvature_;
  // solve_low_rank scratch.
  Eigen::MatrixXd W_, M_;
  Eigen::VectorXd inv_sqrt_d_, scaled_rhs_, lr_rhs_;
  Eigen::PartialPivLU<Eigen::MatrixXd> lu_;
  std::vector<Eigen::Index> unconstrained_;
  std::span<const double> rates_;
  Eigen::VectorXd g_;
  // Secant corrections (update_secants) and the previous accepted point.
  struct Secant {
    Eigen::VectorXd v;  // in the free variables, zero outside the global ones
    double weight;
  };
  std::vector<Secant> secants_;
  Eigen::VectorXd y_prev_, g_prev_, current_y_, secant_dense_, sec_s_, sec_model_, sec_y_;
  bool have_previous_ = false;
  double f_ = 0;
  double damping_ = 0;
  bool stalled_ = false;
  bool final_step_ = false;
  Eigen::VectorXd before_final_step_;
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> sparse_;
  Eigen::Index pattern_m_ = -1, pattern_nnz_ = -1;
  std::vector<bool> pattern_active_;
};

}  // namespace

FitResult minimize(Evaluator& ev, const FitProblem& problem, const FitOptions& options, std::span<const double> start) {
  const Model& model = ev.model();
  const std::size_t n = model.npars();
  if (problem.init.size() != n || problem.bounds.size() != n || problem.fixed.size() != n)
    throw InvalidPdfParameters(fmt::format("fit problem has {} inits, {} bounds, {} fixed flags; the model has {} parameters",
                                           problem.init.size(), problem.bounds.size(), problem.fixed.size(), n));
  if (!start.empty() && start.size() != n)
    throw InvalidPdfParameters(fmt::format("start point has {} values; the model has {} parameters", start.size(), n));
  if (options.method == FitMethod::scipy) {
    FitResult r = detail::minimize_scipy_slsqp(ev, problem, options);
    if (options.uncertainties && r.converged()) detail::add_uncertainties(ev, problem, r, options.correlations);
    return r;
  }
  const auto all_scales = parameter_scales(model);
  ScaledObjective obj{&ev, problem.init, std::vector<double>(n), {}, {}, 0};
  for (std::size_t i = 0; i < n; ++i)
    if (!pinned(problem, i)) {
      obj.free.push_back(i);
      obj.scale.push_back(all_scales[i]);
    } else if (!problem.fixed[i]) {
      obj.x[i] = problem.bounds[i].first;  // bounds [v, v]: the parameter is v
    }
  const std::size_t nf = obj.free.size();
  FitResult r;
  r.x = obj.x;
  if (nf == 0) {
    // Nothing to fit: the result is the NLL at the given point.
    r.nll = ev.nll(r.x);
    r.evaluations = 1;
    r.status = std::isfinite(r.nll) ? FitStatus::converged : FitStatus::nonfinite;
    if (!std::isfinite(r.nll)) r.message = ev.nonfinite_reason();
    if (options.uncertainties && r.converged()) detail::add_uncertainties(ev, problem, r, options.correlations);
    return r;
  }
  Eigen::VectorXd y(nf), lb(nf), ub(nf);
  for (std::size_t k = 0; k < nf; ++k) {
    const std::size_t i = obj.free[k];
    const double s = obj.scale[k];
    lb[k] = problem.bounds[i].first / s;
    ub[k] = problem.bounds[i].second / s;
    const double x0 = start.empty() ? problem.init[i] : start[i];
    y[k] = std::clamp(x0, problem.bounds[i].first, problem.bounds[i].second) / s;
  }
  double f_start = obj.value(y);
  if (f_start >= std::numeric_limits<double>::max() / 8 && !start.empty()) {
    // Start outside the domain: fall back to the suggested init for a first try.
    for (std::size_t k = 0; k < nf; ++k) y[k] = problem.init[obj.free[k]] / obj.scale[k];
    f_start = obj.value(y);
  }

  LBFGSpp::LBFGSBParam<double> param;
  param.m = options.lbfgs_memory;
  param.epsilon = options.tolerance;
  param.epsilon_rel = 0;
  param.past = 1;
  param.delta = 1e-15;
  param.max_iterations = options.max_iterations;
  param.max_linesearch = 50;
  Eigen::VectorXd gy(nf);
  double fx = 0;
  NewtonStage newton(obj, lb, ub);
  // Newton with the expected information first: bin-local gammas are eliminated per bin,
  // so an iteration costs one Jacobian sweep and a dense solve of the other parameters;
  // where it converges quadratically (most published models) a fit is a handful of
  // sweeps. Where it slows down, L-BFGS-B continues from its best point, and a final
  // Newton polish follows.
  //
  // A cold start (from the suggested init) first takes a few L-BFGS-B steps: on a
  // likelihood with several minima the basin is chosen in the first steps, and these
  // follow the same downhill path as pyhf's quasi-Newton fits (SLSQP, Minuit), where a
  // Newton step from the init can land in another basin (pyhf-validation
  // 2bin_2channel_coupledhistosys: twice_nll 30.80 as pyhf vs another minimum at 29.33).
  // Warm starts already sit in their basin and go straight to Newton.
  bool newton_final = false;  // the Newton stage converged last: its f and g are current
  // A stage's iteration limit, cut to what options.max_total_iterations leaves (if set).
  const auto within_budget = [&](int stage_limit) {
    return options.max_total_iterations > 0 ? std::min(stage_limit, options.max_total_iterations - r.iterations)
                                            : stage_limit;
  };
  if (start.empty()) {
    LBFGSpp::LBFGSBParam<double> warm = param;
    warm.max_iterations = kWarmupIterations;
    LBFGSpp::LBFGSBSolver<double> solver(warm);
    const Eigen::VectorXd y_init = y;
    try {
      r.iterations += solver.minimize(obj, y, fx, lb, ub);
      f_start = fx;
    } catch (const std::exception&) {
      f_start = obj.value(y);
    }
    // A line search that throws can leave y at a trial point where the NLL is infinite
    // (a rate below zero); the start was finite.
    if (!(f_start < std::numeric_limits<double>::max() / 8)) {
      y = y_init;
      f_start = std::numeric_limits<double>::quiet_NaN();
    }
  }
  {
    Eigen::VectorXd y0 = y;
    const double edm = newton.run(y, within_budget(std::min(40, options.max_iterations)), options.edm_tolerance, r.iterations, true,
                                  start.empty() ? kInitialDamping : 0.0, f_start);
    if (newton.converged_at(edm, options.edm_tolerance)) {
      r.status = FitStatus::converged;
      newton_final = true;
    } else if (!std::isfinite(obj(y, gy))) {
      y = y0;
    }
  }
  for (int attempt = 0; attempt <= options.max_restarts && r.status != FitStatus::converged; ++attempt) {
    if (options.max_total_iterations > 0 && r.iterations >= options.max_total_iterations) {
      r.status = FitStatus::iteration_limit;
      r.message = fmt::format("no convergence within {} iteration{}", options.max_total_iterations,
                              options.max_total_iterations == 1 ? "" : "s");
      break;
    }
    param.max_iterations = within_budget(options.max_iterations);  // > 0: LBFGS++ reads 0 as no limit
    LBFGSpp::LBFGSBSolver<double> solver(param);
    const Eigen::VectorXd y_before = y;
    try {
      r.iterations += solver.minimize(obj, y, fx, lb, ub);
      r.message.clear();
    } catch (const std::exception& e) {
      // LBFGS++ throws when its line search cannot make progress -- typically rounding
      // noise close to the minimum; the Newton stage below decides.
      r.message = e.what();
    }
    fx = obj(y, gy);
    if (!(fx < std::numeric_limits<double>::max() / 8)) {  // back to the last finite point
      y = y_before;
      fx = obj(y, gy);
    }
    if (!std::isfinite(fx) || fx >= std::numeric_limits<double>::max() / 8) {
      r.status = FitStatus::nonfinite;
      break;
    }
    if (projected_grad_norm(y, gy, lb, ub) <= options.tolerance) {
      r.status = FitStatus::converged;
      break;
    }
    const double edm = newton.run(y, within_budget(30), options.edm_tolerance, r.iterations);
    if (newton.converged_at(edm, options.edm_tolerance)) {
      r.status = FitStatus::converged;
      newton_final = true;
      r.message.clear();
      break;
    }
    r.status = r.iterations >= (options.max_total_iterations > 0 ? options.max_total_iterations : options.max_iterations)
                   ? FitStatus::iteration_limit
                   : FitStatus::line_search_failed;
    r.message = fmt::format("no convergence (estimated distance to minimum {:.3g}){}{}", edm,
                            r.message.empty() ? "" : ": ", r.message);
    if (attempt == options.max_restarts) break;
    ++r.restarts;
  }
  for (std::size_t k = 0; k < nf; ++k) r.x[obj.free[k]] = obj.scale[k] * y[k];
  if (newton_final && newton.took_final_step()) {
    r.nll = ev.nll_and_grad(r.x, obj.grad);
    ++obj.evaluations;
    const double f = newton.last_value();
    if (!(r.nll <= f + 1e-13 * std::max(1.0, std::abs(f)))) {  // keep the evaluated point
      for (std::size_t k = 0; k < nf; ++k) r.x[obj.free[k]] = obj.scale[k] * newton.previous_point()[k];
      r.nll = f;
      for (std::size_t k = 0; k < nf; ++k) obj.grad[obj.free[k]] = newton.last_gradient()[k] / obj.scale[k];
    }
  } else if (newton_final) {
    r.nll = newton.last_value();
    for (std::size_t k = 0; k < nf; ++k) obj.grad[obj.free[k]] = newton.last_gradient()[k] / obj.scale[k];
  } else {
    r.nll = ev.nll_and_grad(r.x, obj.grad);
    ++obj.evaluations;
  }
  r.evaluations = obj.evaluations;
  double pg = 0;
  for (std::size_t k = 0; k < nf; ++k) {
    const std::size_t i = obj.free[k];
    const double p = std::clamp(r.x[i] - obj.grad[i], problem.bounds[i].first, problem.bounds[i].second) - r.x[i];
    pg = std::max(pg, std::abs(p));
  }
  r.grad_norm = pg;
  if (!std::isfinite(r.nll)) {
    r.status = FitStatus::nonfinite;
    r.message = ev.nonfinite_reason();
  }
  if (options.uncertainties && r.status == FitStatus::converged) detail::add_uncertainties(ev, problem, r, options.correlations);
  return r;
}

FitResult fit(const Model& model, std::span<const double> data, const FitProblem& problem, const FitOptions& options,
              std::span<const double> start) {
  Evaluator ev(model, Evaluator::Arithmetic::stable);
  ev.set_data(data);
  return minimize(ev, problem, options, start);
}

FitResult fixed_poi_fit(const Model& model, double poi_value, std::span<const double> data, const FitProblem& problem,
                        const FitOptions& options) {
  if (!model.poi_index()) throw UnspecifiedPOI("fixed_poi_fit needs a model with a parameter of interest");
  const FitProblem p = problem.with_fixed(*model.poi_index(), poi_value);
  Evaluator ev(model, Evaluator::Arithmetic::stable);
  ev.set_data(data);
  return minimize(ev, p, options);
}

}  // namespace hfx
