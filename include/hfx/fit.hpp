// Maximum-likelihood fits: bounded minimisation of the NLL with the analytic gradient.
//
// fit() never throws for numerical trouble: the result carries a status, and callers
// decide. A fit that does not converge is retried from another start; only then does it
// report failure. Thread safety: a fit uses the caller's Evaluator (one per thread).
#pragma once

#include "hfx/evaluator.hpp"

#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace hfx {

enum class FitStatus {
  converged,        // projected-gradient norm below tolerance
  iteration_limit,  // stopped at max_iterations
  line_search_failed,
  nonfinite,        // the NLL was not finite at the start or at the end
};
std::string_view to_string(FitStatus s);

// The minimisation algorithm.
enum class FitMethod {
  // hfx's own: Newton on the expected information with bin-local elimination, L-BFGS-B
  // fallback (src/fit/minimizer.cpp). Converges to the minimum (edm_tolerance).
  newton,
  // pyhf's default optimizer reproduced: SciPy's SLSQP with a finite-difference gradient
  // and ftol on twice the NLL, from problem.init (start is ignored), in pyhf's arithmetic.
  // It stops where pyhf's fits stop, ~1e-4 from the minimum in the parameters, so
  // results agree with a default pyhf run number for number; slower than `newton`.
  scipy,
};
std::string_view to_string(FitMethod m);
// "newton" or "scipy"; throws Unsupported otherwise.
FitMethod fit_method_from_string(std::string_view s);

struct FitOptions {
  FitMethod method = FitMethod::newton;
  int max_iterations = 2000;  // per L-BFGS-B stage (each restart has its own)
  // If > 0, all stages together (warm-up, Newton, L-BFGS-B, restarts) stop after this many
  // iterations: pyhf's `maxiter` (CLI --optconf maxiter, Python optimizer maxiter).
  int max_total_iterations = 0;
  // Convergence: infinity norm of the projected gradient (in scaled variables, where
  // each constrained parameter is measured in units of its constraint width).
  double tolerance = 1e-6;
  // Alternative convergence test after the Newton stage: estimated distance to the
  // minimum g' H^-1 g / 2 (in units of NLL), as Minuit's EDM.
  double edm_tolerance = 1e-12;
  int lbfgs_memory = 6;
  int max_restarts = 3;
  // Compute the Hessian at the minimum for uncertainties (sparse: memory and time follow
  // its non-zeros), and with `correlations` also the correlation matrix (a dense
  // npars x npars inverse).
  bool uncertainties = false;
  bool correlations = false;
  // FitMethod::scipy: SciPy's ftol (on twice the NLL) and maxiter as pyhf passes them.
  double scipy_ftol = 1e-6;
  int scipy_max_iterations = 100000;
};

struct FitResult {
  FitStatus status = FitStatus::nonfinite;
  std::vector<double> x;     // best-fit parameters (fixed ones at their given values)
  double nll = 0;            // -log L at x
  double twice_nll() const { return 2 * nll; }
  int iterations = 0;        // total over restarts
  int evaluations = 0;       // NLL+gradient evaluations
  int restarts = 0;
  double grad_norm = 0;      // final projected-gradient infinity norm (unscaled)
  std::string message;       // human-readable detail for non-converged fits
  // With FitOptions::uncertainties: 1-sigma errors from the inverse Hessian (0 for
  // fixed parameters), and with FitOptions::correlations the correlation matrix
  // (npars x npars, row-major; empty otherwise). NaN for the free parameters when the
  // Hessian at the minimum is not positive definite (no covariance).
  std::vector<double> uncertainties;
  std::vector<double> correlations;
  bool converged() const { return status == FitStatus::converged; }
};

// Problem definition shared by fit and the inference layer.
struct FitProblem {
  std::vector<double> init;
  std::vector<std::pair<double, double>> bounds;
  std::vector<bool> fixed;
  // Defaults from the model (suggested init, bounds, fixed).
  static FitProblem from_model(const Model& model);
  // A copy with parameter `index` fixed at `value` (a conditional fit's problem).
  FitProblem with_fixed(std::size_t index, double value) const {
    FitProblem p = *this;
    p.init[index] = value;
    p.fixed[index] = true;
    return p;
  }
};

// Minimises the NLL of the evaluator's bound data (construct the evaluator with
// Arithmetic::stable for fits). `start` (optional) overrides
// problem.init for free parameters (warm start); fixed parameters keep problem.init.
FitResult minimize(Evaluator& ev, const FitProblem& problem, const FitOptions& options = {},
                   std::span<const double> start = {});

// pyhf's infer.mle.fit: unconditional fit to `data`; `start` as for minimize (a warm
// start, e.g. a nearby fit's solution).
FitResult fit(const Model& model, std::span<const double> data, const FitProblem& problem,
              const FitOptions& options = {}, std::span<const double> start = {});
// pyhf's infer.mle.fixed_poi_fit: the POI fixed at poi_value. Throws UnspecifiedPOI.
FitResult fixed_poi_fit(const Model& model, double poi_value, std::span<const double> data,
                        const FitProblem& problem, const FitOptions& options = {});

}  // namespace hfx
