// SciPy's SLSQP as pyhf drives it (see scipy_slsqp.hpp), written from the algorithm's
// description (Kraft, DFVLR-FB 88-28, 1988; ACM TOMS 733) and SciPy's documented
// behaviour. pyhf's fixed parameters are equality constraints x_p = value with x_p
// starting at the value; the linearised constraint then pins the step's p-component to
// zero, the constraint value stays zero and the L1 merit function is the objective
// itself. So each iteration is, in the free parameters:
//   1. the search direction s solves min 1/2 s'Bs + g's within the bounds;
//   2. |g.s| < acc: converged;  g.s >= 0: restart from B = I (after 5 restarts: stop);
//   3. Armijo-type backtracking: accept x0 + s if f - f0 <= (g.s)/10 (at most 11 trials),
//      otherwise shrink by max(0.1, quadratic-interpolation minimiser);
//   4. |f - f0| < acc or |s| < acc: converged;
//   5. BFGS update of B with Powell's damping (keeps B positive definite).
// The gradient is SciPy's forward difference with absolute step 1.49e-8 (stepping
// backwards at an upper bound), and the objective is 2 * NLL in pyhf's arithmetic.
#include "fit/scipy_slsqp.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hfx::detail {
namespace {

// scipy.optimize.minimize(method="SLSQP") defaults as pyhf calls it.
constexpr double kFiniteDifferenceStep = 1.4901161193847656e-08;  // eps = sqrt(machine epsilon)
constexpr double kArmijo = 0.1;
constexpr double kMinShrink = 0.1;
constexpr int kMaxLineSteps = 11;
constexpr int kMaxResets = 5;
constexpr double kPowellDamping = 0.2;

// Strictly convex box-constrained QP, min 1/2 s'Bs + g's subject to lo <= s <= hi, by a
// primal active-set method (exact in finitely many steps; its solution is unique, so it
// is the one SLSQP's least-squares subproblem finds).
Eigen::VectorXd solve_box_qp(const Eigen::MatrixXd& B, const Eigen::VectorXd& g, const Eigen::VectorXd& lo,
                             const Eigen::VectorXd& hi) {
  const Eigen::Index n = g.size();
  enum State : char { free_var, at_lo, at_hi };
  std::vector<State> state(n, free_var);
  Eigen::VectorXd s = Eigen::VectorXd::Zero(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    // The current point may sit on (or a rounding error beyond) a bound.
    if (s[i] <= lo[i]) s[i] = lo[i], state[i] = at_lo;
    else if (s[i] >= hi[i]) s[i] = hi[i], state[i] = at_hi;
  }
  std::vector<Eigen::Index> F;
  for (int iteration = 0; iteration < 10 * n + 10; ++iteration) {
    F.clear();
    for (Eigen::Index i = 0; i < n; ++i)
      if (state[i] == free_var) F.push_back(i);
    const Eigen::Index m = static_cast<Eigen::Index>(F.size());
    Eigen::VectorXd target = s;
    if (m > 0) {
      // Minimiser over the free variables with the others held: B_FF t_F = -(g + B s_W)_F.
      Eigen::MatrixXd BFF(m, m);
      Eigen::VectorXd rhs(m);
      for (Eigen::Index a = 0; a < m; ++a) {
        double r = g[F[a]];
        for (Eigen::Index j = 0; j < n; ++j)
          if (state[j] != free_var) r += B(F[a], j) * s[j];
        rhs[a] = -r;
        for (Eigen::Index b = 0; b < m; ++b) BFF(a, b) = B(F[a], F[b]);
      }
      const Eigen::VectorXd t = BFF.ldlt().solve(rhs);
      for (Eigen::Index a = 0; a < m; ++a) target[F[a]] = t[a];
    }
    // Move towards the target until a bound blocks.
    double step = 1.0;
    Eigen::Index blocking = -1;
    for (Eigen::Index i : F) {
      const double d = target[i] - s[i];
      if (d < 0 && lo[i] - s[i] > step * d) step = (lo[i] - s[i]) / d, blocking = i;
      else if (d > 0 && hi[i] - s[i] < step * d) step = (hi[i] - s[i]) / d, blocking = i;
    }
    for (Eigen::Index i : F) s[i] += step * (target[i] - s[i]);
    if (blocking >= 0) {
      const bool lower = target[blocking] < s[blocking] || s[blocking] <= lo[blocking];
      state[blocking] = lower ? at_lo : at_hi;
      s[blocking] = lower ? lo[blocking] : hi[blocking];
      continue;
    }
    // At the subspace minimiser: release the bound whose multiplier has the wrong sign.
    const Eigen::VectorXd q = B * s + g;
    Eigen::Index release = -1;
    double worst = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double violation = state[i] == at_lo ? -q[i] : state[i] == at_hi ? q[i] : 0.0;
      if (violation > worst) worst = violation, release = i;
    }
    if (release < 0) break;
    state[release] = free_var;
  }
  return s;
}

class SlsqpRun {
 public:
  SlsqpRun(const Evaluator& ev, const FitProblem& problem)
      : ev_(ev.model(), Evaluator::Arithmetic::pyhf), problem_(problem), n_(ev.model().npars()) {
    ev_.set_data(ev.data());
    for (std::size_t i = 0; i < n_; ++i)
      if (!problem.fixed[i]) free_.push_back(i);
    clipped_.resize(n_);
  }

  FitResult run(const FitOptions& options) {
    const Eigen::Index m = static_cast<Eigen::Index>(free_.size());
    const double acc = options.scipy_ftol, relaxed_acc = 10 * acc;
    FitResult r;
    // SciPy clips the start into the bounds; pyhf sets fixed parameters to their values.
    std::vector<double> x(n_);
    for (std::size_t i = 0; i < n_; ++i) x[i] = std::clamp(problem_.init[i], lo(i), hi(i));
    double f = objective(x);
    if (!std::isfinite(f)) return finish(r, x, f, FitStatus::nonfinite, "SLSQP: the objective is not finite at the start");
    Eigen::VectorXd g(m), g_new(m), s(m), lower(m), upper(m), u(m), v(m);
    gradient(x, f, g);
    Eigen::MatrixXd B;
    std::vector<double> x0;
    int resets = 0;
    bool reset = true;
    double f0 = f;
    while (true) {
      if (reset) {
        if (++resets > kMaxResets) {
          // SLSQP's relaxed test after repeated restarts (f0 == f here).
          const bool ok = std::abs(f - f0) < relaxed_acc || s.norm() < relaxed_acc;
          return finish(r, x, f, ok ? FitStatus::converged : FitStatus::line_search_failed,
                        ok ? "" : "SLSQP: positive directional derivative for linesearch");
        }
        B.setIdentity(m, m);
        reset = false;
      }
      if (++r.iterations > options.scipy_max_iterations)
        return finish(r, x, f, FitStatus::iteration_limit, "SLSQP: iteration limit reached");
      for (Eigen::Index k = 0; k < m; ++k) {
        lower[k] = lo(free_[k]) - x[free_[k]];
        upper[k] = hi(free_[k]) - x[free_[k]];
      }
      s = solve_box_qp(B, g, lower, upper).cwiseMax(lower).cwiseMin(upper);
      f0 = f;
      x0 = x;
      const double gs = g.dot(s);
      if (std::abs(gs) < acc) return finish(r, x, f, FitStatus::converged, "");
      if (gs >= 0) {
        reset = true;
        continue;
      }
      // Backtracking on the merit function (the objective: no constraint violation).
      double slope = gs, alpha = 1.0;
      for (int line = 1;; ++line) {
        slope *= alpha;
        s *= alpha;
        for (Eigen::Index k = 0; k < m; ++k) x[free_[k]] = x0[free_[k]] + s[k];
        f = objective(x);
        const double decrease = f - f0;
        if (decrease <= slope * kArmijo || line >= kMaxLineSteps) break;
        alpha = std::max(slope / (2 * (slope - decrease)), kMinShrink);
      }
      if (!std::isfinite(f)) return finish(r, x, f, FitStatus::nonfinite, "SLSQP: the objective is not finite");
      if (std::abs(f - f0) < acc || s.norm() < acc) return finish(r, x, f, FitStatus::converged, "");
      gradient(x, f, g_new);
      // BFGS update with Powell's damping: u = change of gradient, v = B s.
      u = g_new - g;
      v = B * s;
      double us = s.dot(u);
      const double vs = s.dot(v), floor = kPowellDamping * vs;
      if (us < floor) {
        const double theta = (vs - floor) / (vs - us);
        u = theta * u + (1 - theta) * v;
        us = floor;
      }
      g = g_new;
      if (us == 0 || vs == 0) {
        reset = true;
        continue;
      }
      B.noalias() += u * u.transpose() / us;
      B.noalias() -= v * v.transpose() / vs;
    }
  }

 private:
  double lo(std::size_t i) const { return problem_.bounds[i].first; }
  double hi(std::size_t i) const { return problem_.bounds[i].second; }

  // 2 * NLL at x clipped into the bounds (SciPy clips SLSQP's rounding overshoots).
  double objective(const std::vector<double>& x) {
    for (std::size_t i = 0; i < n_; ++i) clipped_[i] = std::clamp(x[i], lo(i), hi(i));
    ++evaluations_;
    const double v = 2 * ev_.nll(clipped_);
    return std::isfinite(v) ? v : std::numeric_limits<double>::infinity();
  }

  // SciPy's 2-point finite difference at clip(x), f = objective there: step +h, or -h
  // where +h leaves the bounds; the divisor is the representable step actually taken.
  void gradient(const std::vector<double>& x, double f, Eigen::VectorXd& g) {
    std::vector<double> base(n_), probe;
    for (std::size_t i = 0; i < n_; ++i) base[i] = std::clamp(x[i], lo(i), hi(i));
    for (std::size_t k = 0; k < free_.size(); ++k) {
      const std::size_t i = free_[k];
      const double xi = base[i];
      double h = kFiniteDifferenceStep;
      if ((xi + h) - xi == 0) h = kFiniteDifferenceStep * (xi >= 0 ? 1.0 : -1.0) * std::max(1.0, std::abs(xi));
      const double below = xi - lo(i), above = hi(i) - xi;
      const bool fits = std::abs(h) <= std::max(below, above);
      if (!fits) h = above >= below ? above : -below;
      else if (xi + h < lo(i) || xi + h > hi(i)) h = -h;
      probe = base;
      probe[i] = xi + h;
      g[static_cast<Eigen::Index>(k)] = (objective(probe) - f) / (probe[i] - xi);
    }
  }

  FitResult& finish(FitResult& r, const std::vector<double>& x, double f, FitStatus status, std::string message) {
    r.x = x;
    r.nll = f / 2;
    r.status = status;
    r.message = std::move(message);
    r.evaluations = evaluations_;
    if (!std::isfinite(f)) {
      r.status = FitStatus::nonfinite;
      if (r.message.empty()) r.message = ev_.nonfinite_reason();
    }
    // Projected gradient of the NLL (analytic, at the final point).
    std::vector<double> grad(n_);
    for (std::size_t i = 0; i < n_; ++i) clipped_[i] = std::clamp(x[i], lo(i), hi(i));
    if (std::isfinite(f)) {
      ev_.nll_and_grad(clipped_, grad);
      double pg = 0;
      for (std::size_t i : free_) pg = std::max(pg, std::abs(std::clamp(x[i] - grad[i], lo(i), hi(i)) - x[i]));
      r.grad_norm = pg;
    }
    return r;
  }

  Evaluator ev_;
  const FitProblem& problem_;
  std::size_t n_;
  std::vector<std::size_t> free_;
  std::vector<double> clipped_;
  int evaluations_ = 0;
};

}  // namespace

FitResult minimize_scipy_slsqp(const Evaluator& ev, const FitProblem& problem, const FitOptions& options) {
  return SlsqpRun(ev, problem).run(options);
}

}  // namespace hfx::detail
