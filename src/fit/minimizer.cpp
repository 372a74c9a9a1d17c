// Bounded L-BFGS-B minimisation (Debian's LBFGS++) in scaled variables.
//
// Each constrained parameter is measured in units of its constraint width (sigma, or
// 1/sqrt(tau) for Poisson-constrained gammas), so a stiff constraint (tau ~ 1e11 in
// ATLAS 3L-eRJR) does not ruin the conditioning of the quasi-Newton model. Fixed
// parameters are removed from the problem.
#include "hfx/errors.hpp"
#include "hfx/fit.hpp"

#include <Eigen/Core>
#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <LBFGSB.h>
#include <fmt/format.h>

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
    for (std::size_t k = 0; k < free.size(); ++k) x[free[k]] = scale[k] * y[k];
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

void add_uncertainties(Evaluator& ev, const FitProblem& problem, FitResult& r) {
  const std::size_t n = r.x.size();
  std::vector<std::size_t> free;
  for (std::size_t i = 0; i < n; ++i)
    if (!problem.fixed[i]) free.push_back(i);
  std::vector<double> h(n * n);
  ev.hessian(r.x, h);
  Eigen::MatrixXd H(free.size(), free.size());
  for (std::size_t a = 0; a < free.size(); ++a)
    for (std::size_t b = 0; b < free.size(); ++b) H(a, b) = h[free[a] * n + free[b]];
  r.uncertainties.assign(n, 0.0);
  r.correlations.assign(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) r.correlations[i * n + i] = 1.0;
  Eigen::LDLT<Eigen::MatrixXd> ldlt(H);
  if (ldlt.info() != Eigen::Success) return;
  const Eigen::MatrixXd C = ldlt.solve(Eigen::MatrixXd::Identity(free.size(), free.size()));
  for (std::size_t a = 0; a < free.size(); ++a) r.uncertainties[free[a]] = std::sqrt(std::max(0.0, C(a, a)));
  for (std::size_t a = 0; a < free.size(); ++a)
    for (std::size_t b = 0; b < free.size(); ++b) {
      const double d = std::sqrt(C(a, a) * C(b, b));
      r.correlations[free[a] * n + free[b]] = d > 0 ? C(a, b) / d : (a == b ? 1.0 : 0.0);
    }
}


// Projected Newton steps in the scaled free variables. The Hessian is the expected
// (Fisher) information, assembled sparsely (a bin depends on few parameters) and
// factorised densely for small problems or with a sparse LDLT otherwise; when that
// model stops making progress the observed Hessian (finite differences of the analytic
// gradient) takes over. Returns the estimated distance to the minimum edm = g'H^-1 g/2
// (Minuit's convergence measure, in units of NLL) at the last point; inf on failure.
constexpr std::size_t kNewtonFirstMinParameters = 100;

class NewtonStage {
 public:
  NewtonStage(ScaledObjective& obj, const Eigen::VectorXd& lb, const Eigen::VectorXd& ub)
      : obj_(obj), lb_(lb), ub_(ub), free_index_(obj.x.size(), -1) {
    for (std::size_t k = 0; k < obj.free.size(); ++k) free_index_[obj.free[k]] = static_cast<int>(k);
  }

  double run(Eigen::VectorXd& y, int max_steps, double edm_tol, int& iterations) {
    const Eigen::Index n = y.size();
    Eigen::VectorXd g(n), gp(n), yp(n), d(n);
    double f = obj_(y, g);
    double edm = std::numeric_limits<double>::infinity();
    bool use_fisher = true;
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
      if (edm < edm_tol) return edm;
      double t = 1.0;
      bool accepted = false;
      for (int ls = 0; ls < 40; ++ls, t *= 0.5) {
        yp = (y + t * d).cwiseMax(lb_).cwiseMin(ub_);
        const double fp = obj_(yp, gp);
        if (fp <= f - 1e-4 * t * 2 * edm || (fp <= f && t < 1e-3)) {
          y = yp;
          f = fp;
          g = gp;
          accepted = true;
          break;
        }
      }
      if (!accepted) {
        if (!use_fisher) return edm;
        use_fisher = false;
      }
    }
    return edm;
  }

 private:
  // Solves H d = -g on the inactive variables with the expected information.
  bool solve_fisher(const Eigen::VectorXd& y, const Eigen::VectorXd& g, Eigen::VectorXd& d) {
    for (std::size_t k = 0; k < obj_.free.size(); ++k) obj_.x[obj_.free[k]] = obj_.scale[k] * y[k];
    obj_.ev->fisher_information(obj_.x, entries_);
    // Reduced index: free and inactive variables only.
    const Eigen::Index n = y.size();
    reduced_.assign(n, -1);
    Eigen::Index m = 0;
    for (Eigen::Index j = 0; j < n; ++j)
      if (!active_[j]) reduced_[j] = static_cast<int>(m++);
    if (m == 0) return true;
    triplets_.clear();
    for (const auto& e : entries_) {
      const int a = free_index_[e.row], b = free_index_[e.col];
      if (a < 0 || b < 0 || reduced_[a] < 0 || reduced_[b] < 0) continue;
      triplets_.emplace_back(reduced_[a], reduced_[b], e.value * obj_.scale[a] * obj_.scale[b]);
    }
    Eigen::VectorXd rhs(m);
    for (Eigen::Index j = 0; j < n; ++j)
      if (reduced_[j] >= 0) rhs[reduced_[j]] = -g[j];
    Eigen::VectorXd sol;
    if (m <= 120) {
      Eigen::MatrixXd H = Eigen::MatrixXd::Zero(m, m);
      for (const auto& t : triplets_) H(t.row(), t.col()) += t.value();
      if (!dense_solve(H, rhs, sol)) return false;
    } else {
      Eigen::SparseMatrix<double> H(m, m);
      H.setFromTriplets(triplets_.begin(), triplets_.end());
      for (double lambda = 0; lambda < 1e6; lambda = lambda == 0 ? 1e-10 : lambda * 100) {
        Eigen::SparseMatrix<double> Hd = H;
        if (lambda > 0)
          for (Eigen::Index j = 0; j < m; ++j) Hd.coeffRef(j, j) += lambda * std::max(1.0, H.coeff(j, j));
        // The sparsity pattern rarely changes between iterations: analyse it once.
        if (pattern_m_ != m || pattern_active_ != active_ || pattern_nnz_ != Hd.nonZeros()) {
          sparse_.analyzePattern(Hd);
          pattern_m_ = m;
          pattern_active_ = active_;
          pattern_nnz_ = Hd.nonZeros();
        }
        sparse_.factorize(Hd);
        if (sparse_.info() == Eigen::Success && (sparse_.vectorD().array() > 0).all()) {
          sol = sparse_.solve(rhs);
          break;
        }
      }
      if (sol.size() != m) return false;
    }
    for (Eigen::Index j = 0; j < n; ++j)
      if (reduced_[j] >= 0) d[j] = sol[reduced_[j]];
    return true;
  }

  // Solves H d = -g with a finite-difference Hessian of the analytic gradient.
  bool solve_observed(const Eigen::VectorXd& y, const Eigen::VectorXd& g, Eigen::VectorXd& d) {
    const Eigen::Index n = y.size();
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
  std::vector<Evaluator::Entry> entries_;
  std::vector<Eigen::Triplet<double>> triplets_;
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
  const auto all_scales = parameter_scales(model);
  ScaledObjective obj{&ev, problem.init, std::vector<double>(n), {}, {}, 0};
  for (std::size_t i = 0; i < n; ++i)
    if (!problem.fixed[i]) {
      obj.free.push_back(i);
      obj.scale.push_back(all_scales[i]);
    }
  const std::size_t nf = obj.free.size();
  FitResult r;
  r.x = problem.init;
  if (nf == 0) {
    r.nll = ev.nll(r.x);
    r.status = std::isfinite(r.nll) ? FitStatus::converged : FitStatus::nonfinite;
    if (!std::isfinite(r.nll)) r.message = ev.nonfinite_reason();
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
  {
    Eigen::VectorXd g0(nf);
    if (!std::isfinite(ev.nll(obj.x = [&] {
          auto x = problem.init;
          for (std::size_t k = 0; k < nf; ++k) x[obj.free[k]] = obj.scale[k] * y[k];
          return x;
        }()))) {
      // Start outside the domain: fall back to the suggested init for a first try.
      for (std::size_t k = 0; k < nf; ++k) y[k] = problem.init[obj.free[k]] / obj.scale[k];
    }
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
  // Large models (many nuisance parameters, e.g. one gamma per bin) go to Newton with the
  // sparse expected information first: a handful of iterations, each one sparse solve.
  // Smaller models start with L-BFGS-B, whose iterations are cheaper than assembling a
  // dense Hessian (measured on the reference workspaces: 64-70 parameters favour
  // L-BFGS-B, 116 and 201 favour Newton).
  if (nf > kNewtonFirstMinParameters) {
    Eigen::VectorXd y0 = y;
    const double edm = newton.run(y, std::min(40, options.max_iterations), options.edm_tolerance, r.iterations);
    if (edm < options.edm_tolerance) {
      r.status = FitStatus::converged;
    } else if (!std::isfinite(obj(y, gy))) {
      y = y0;
    }
  }
  for (int attempt = 0; attempt <= options.max_restarts && r.status != FitStatus::converged; ++attempt) {
    LBFGSpp::LBFGSBSolver<double> solver(param);
    try {
      r.iterations += solver.minimize(obj, y, fx, lb, ub);
      r.message.clear();
    } catch (const std::exception& e) {
      // LBFGS++ throws when its line search cannot make progress -- typically rounding
      // noise close to the minimum; the Newton stage below decides.
      r.message = e.what();
    }
    fx = obj(y, gy);
    if (!std::isfinite(fx) || fx >= std::numeric_limits<double>::max() / 8) {
      r.status = FitStatus::nonfinite;
      break;
    }
    if (projected_grad_norm(y, gy, lb, ub) <= options.tolerance) {
      r.status = FitStatus::converged;
      break;
    }
    const double edm = newton.run(y, 30, options.edm_tolerance, r.iterations);
    if (edm < options.edm_tolerance) {
      r.status = FitStatus::converged;
      r.message.clear();
      break;
    }
    r.status = r.iterations >= options.max_iterations ? FitStatus::iteration_limit : FitStatus::line_search_failed;
    r.message = fmt::format("no convergence (estimated distance to minimum {:.3g}){}{}", edm,
                            r.message.empty() ? "" : ": ", r.message);
    if (attempt == options.max_restarts) break;
    ++r.restarts;
  }
  for (std::size_t k = 0; k < nf; ++k) r.x[obj.free[k]] = obj.scale[k] * y[k];
  r.nll = ev.nll_and_grad(r.x, obj.grad);
  r.evaluations = obj.evaluations + 1;
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
  if (options.uncertainties && r.status == FitStatus::converged) add_uncertainties(ev, problem, r);
  return r;
}

FitResult fit(const Model& model, std::span<const double> data, const FitProblem& problem, const FitOptions& options) {
  Evaluator ev(model, Evaluator::Arithmetic::stable);
  ev.set_data(data);
  return minimize(ev, problem, options);
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
