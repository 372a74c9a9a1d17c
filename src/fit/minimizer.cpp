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


// Projected Newton steps in the scaled free variables, with the expected (Fisher)
// information as Hessian (cheap: one reverse sweep per main bin), falling back to a
// finite-difference Hessian of the analytic gradient when that stops making progress. L-BFGS-B gets close cheaply; this finishes the job where it
// stalls (line searches failing on rounding noise near the minimum, or a very stiff
// problem) and gives a scale-free convergence measure, the estimated distance to the
// minimum edm = g' H^-1 g / 2 (as Minuit's). Returns the final edm (inf on failure).
double newton_polish(ScaledObjective& obj, Eigen::VectorXd& y, const Eigen::VectorXd& lb, const Eigen::VectorXd& ub,
                     int max_steps, double edm_tol, int& iterations) {
  const Eigen::Index n = y.size();
  Eigen::VectorXd g(n), gp(n), yp(n), d(n);
  Eigen::MatrixXd H(n, n);
  double f = obj(y, g);
  double edm = std::numeric_limits<double>::infinity();
  bool use_fisher = true;
  std::vector<double> full_h;
  for (int step = 0; step < max_steps; ++step) {
    ++iterations;
    if (use_fisher) {
      // Expected information: nmaindata reverse sweeps instead of n gradient evaluations.
      for (std::size_t k = 0; k < obj.free.size(); ++k) obj.x[obj.free[k]] = obj.scale[k] * y[k];
      const std::size_t np = obj.x.size();
      full_h.resize(np * np);
      obj.ev->fisher_hessian(obj.x, full_h);
      for (Eigen::Index a = 0; a < n; ++a)
        for (Eigen::Index b = 0; b < n; ++b)
          H(a, b) = full_h[obj.free[a] * np + obj.free[b]] * obj.scale[a] * obj.scale[b];
    } else {
      for (Eigen::Index j = 0; j < n; ++j) {
        const double h = 1e-5 * std::max(1.0, std::abs(y[j]));
        yp = y;
        // Step inward when at an upper bound so the Hessian column stays in the domain.
        const double hj = (y[j] + h > ub[j]) ? -h : h;
        yp[j] += hj;
        obj(yp, gp);
        H.col(j) = (gp - g) / hj;
      }
    }
    H = 0.5 * (H + H.transpose()).eval();
    // Active bounds: at a bound with the gradient pushing outward.
    std::vector<Eigen::Index> freev;
    for (Eigen::Index j = 0; j < n; ++j) {
      const bool at_lo = y[j] <= lb[j] + 1e-12 * std::max(1.0, std::abs(lb[j])) && g[j] > 0;
      const bool at_hi = y[j] >= ub[j] - 1e-12 * std::max(1.0, std::abs(ub[j])) && g[j] < 0;
      if (!at_lo && !at_hi) freev.push_back(j);
    }
    const Eigen::Index m = static_cast<Eigen::Index>(freev.size());
    if (m == 0) return 0.0;
    Eigen::MatrixXd Hf(m, m);
    Eigen::VectorXd gf(m);
    for (Eigen::Index a = 0; a < m; ++a) {
      gf[a] = g[freev[a]];
      for (Eigen::Index b = 0; b < m; ++b) Hf(a, b) = H(freev[a], freev[b]);
    }
    // Levenberg damping until the (damped) Hessian is positive definite.
    Eigen::VectorXd df;
    double lambda = 0;
    for (int tries = 0; tries < 20; ++tries) {
      Eigen::LLT<Eigen::MatrixXd> llt(Hf + lambda * Eigen::MatrixXd::Identity(m, m));
      if (llt.info() == Eigen::Success) {
        df = -llt.solve(gf);
        break;
      }
      lambda = lambda == 0 ? 1e-8 * std::max(1.0, Hf.diagonal().cwiseAbs().maxCoeff()) : lambda * 10;
    }
    if (df.size() != m) return edm;
    edm = -0.5 * gf.dot(df);
    if (!(edm >= 0)) return std::numeric_limits<double>::infinity();
    if (edm < edm_tol) return edm;
    d.setZero();
    for (Eigen::Index a = 0; a < m; ++a) d[freev[a]] = df[a];
    double t = 1.0;
    bool accepted = false;
    for (int ls = 0; ls < 40; ++ls, t *= 0.5) {
      yp = (y + t * d).cwiseMax(lb).cwiseMin(ub);
      const double fp = obj(yp, gp);
      if (fp <= f - 1e-4 * t * 2 * edm || (fp <= f && t < 1e-3)) {
        y = yp;
        f = fp;
        g = gp;
        accepted = true;
        break;
      }
    }
    if (!accepted) {
      // The expected information was not a good enough model here: continue with the
      // observed one (finite differences of the analytic gradient).
      if (!use_fisher) return edm;
      use_fisher = false;
    }
  }
  return edm;
}

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
  for (int attempt = 0; attempt <= options.max_restarts; ++attempt) {
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
    const double edm = newton_polish(obj, y, lb, ub, 30, options.edm_tolerance, r.iterations);
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
  FitProblem p = problem;
  p.init[*model.poi_index()] = poi_value;
  p.fixed[*model.poi_index()] = true;
  Evaluator ev(model, Evaluator::Arithmetic::stable);
  ev.set_data(data);
  return minimize(ev, p, options);
}

}  // namespace hfx
