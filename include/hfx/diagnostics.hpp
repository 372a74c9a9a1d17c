#pragma once
// Fit diagnostics (cabinetry's definitions): the pulls of the nuisance parameters and the
// ranking of their impacts on the POI. A workflow on the public fit API.
#include "hfx/fit.hpp"
#include "hfx/model.hpp"

#include <span>
#include <string>
#include <vector>

namespace hfx {

// One parameter (a scalar or one component of a per-bin set, named as par_names()).
struct PullEntry {
  std::string name;
  bool constrained = false, fixed = false;
  double prefit = 0;              // suggested init (the constraint's nominal)
  double prefit_uncertainty = 0;  // constraint width; 0 for unconstrained or fixed
  double bestfit = 0, uncertainty = 0;
  // (bestfit - prefit) / prefit_uncertainty and uncertainty / prefit_uncertainty for
  // constrained free parameters; NaN otherwise.
  double pull = 0, constraint = 0;
};

// The pre-fit widths cabinetry uses: the Gaussian sigma, 1/sqrt(tau) for a Poisson
// constraint, 0 for unconstrained and for fixed parameters; one per parameter.
std::vector<double> prefit_uncertainties(const Model& model, const FitProblem& problem);

// Fits with uncertainties (throws FailedMinimization when the fit does not converge)
// and lists every parameter.
struct PullsResult {
  FitResult fit;
  std::vector<PullEntry> parameters;  // in par_names() order
};
PullsResult pulls(const Model& model, std::span<const double> data, const FitProblem& problem,
                  const FitOptions& options = {});

// The impact of one parameter on the POI: the POI's best fit with the parameter fixed at
// bestfit +- prefit_uncertainty (pre-fit) and at bestfit +- uncertainty (post-fit), minus
// the nominal best fit. A shift of 0 is no refit (impact 0); a value beyond the
// parameter's bounds is moved onto them; a refit that does not converge gives NaN with
// its reason in `problem`.
struct ImpactEntry {
  std::string name;
  double bestfit = 0, uncertainty = 0, prefit_uncertainty = 0;
  double prefit_up = 0, prefit_down = 0, postfit_up = 0, postfit_down = 0;
  std::string problem;
  double max_postfit_impact() const;  // max(|postfit_up|, |postfit_down|), the sort key
};

struct RankingResult {
  FitResult nominal;                // the fit with uncertainties
  std::string poi;
  std::vector<ImpactEntry> impacts;  // every free parameter but the POI, by decreasing max_postfit_impact
};

// Up to four refits per free non-POI parameter, `threads` at a time (0 = all cores);
// the result does not depend on `threads`. Throws UnspecifiedPOI without a POI and
// FailedMinimization when the nominal fit does not converge.
RankingResult ranking(const Model& model, std::span<const double> data, const FitProblem& problem,
                      const FitOptions& options = {}, unsigned threads = 0);

}  // namespace hfx
