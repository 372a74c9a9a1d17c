#pragma once
// Fit diagnostics (cabinetry's definitions): the pulls of the nuisance parameters and the
// ranking of their impacts on the POI. A workflow on the public fit API.
#include "hfx/contour.hpp"
#include "hfx/fit.hpp"
#include "hfx/infer.hpp"
#include "hfx/model.hpp"

#include <array>
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
  double prefit = 0;  // the fit's starting value (the constraint's nominal), for the pull
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

// The post-fit correlation matrix restricted to the parameters with an off-diagonal
// |correlation| >= min_abs with some other parameter (min_abs 0: every free parameter),
// in par_names() order. Throws FailedMinimization when the fit does not converge.
struct Correlations {
  FitResult fit;
  std::vector<std::string> names;
  std::vector<std::size_t> indices;  // into par_names()
  std::vector<double> matrix;        // names.size()^2, row-major
};
Correlations correlations(const Model& model, std::span<const double> data, const FitProblem& problem,
                          double min_abs, const FitOptions& options = {});

// Standard deviations of the expected yields (cabinetry's model_utils.yield_stdev): each
// parameter with sigma > 0 shifted to pars +- sigma gives a symmetric variation
// (up - down) / 2 of every yield, and the variance is v^T rho v over the parameters with
// `correlations` (npars x npars row-major; empty: uncorrelated, e.g. pre-fit). Per channel
// (model order): per sample of samples() and bin (0 where the channel has no such
// sample), per bin of the channel total, of the channel's sum over bins and of each
// sample's sum over bins.
struct ChannelYieldStdev {
  std::vector<std::vector<double>> samples;  // [sample][bin]
  std::vector<double> total;                 // [bin]
  double sum = 0;
  std::vector<double> sample_sums;           // [sample]
};
std::vector<ChannelYieldStdev> yield_stdev(const Model& model, std::span<const double> pars,
                                           std::span<const double> sigma, std::span<const double> correlations);

// The model's prediction per channel (model order) at `pars`: each sample's per-bin
// yields (the samples the channel has, in samples() order), the per-bin total, the
// observed main data (`observed_main`, nmaindata() values) and, when `sigma` is given,
// their standard deviations from yield_stdev (sigma, correlations as there).
struct ChannelYields {
  std::string name;
  std::vector<std::string> samples;
  std::vector<std::vector<double>> yields;  // [sample][bin]
  std::vector<std::vector<double>> stdev;   // [sample][bin]; empty without sigma
  std::vector<double> total, observed;
  std::vector<double> total_stdev;  // empty without sigma
  double sum = 0, sum_stdev = 0;    // over the bins of total
};
std::vector<ChannelYields> channel_yields(const Model& model, std::span<const double> pars,
                                          std::span<const double> observed_main, std::span<const double> sigma = {},
                                          std::span<const double> correlations = {});

// What the yields picture shows: the pre-fit yields (suggested init, pre-fit widths,
// uncorrelated) and, with `postfit`, the yields at the best fit with the fit's
// uncertainties and correlations (`fit`). Throws FailedMinimization when that fit does not
// converge.
struct PrefitPostfitYields {
  std::vector<ChannelYields> prefit, postfit;
  FitResult fit;
};
PrefitPostfitYields prefit_postfit_yields(const Model& model, std::span<const double> data, const FitProblem& problem,
                                          bool postfit, const FitOptions& options = {});

// The Brazil band: observed CLs and the expected band (-2..+2 sigma) at each mu, with the
// upper limits at CLs = level (TOMS748, upper_limit). Each point is a hypotest from one
// AsymptoticCalculator (free fits and Asimov data made once). A point whose fits do not
// converge has NaN CLs and its reason in `problems`. `mus` empty: 31 values from the POI's
// lower bound to 1.5 times the largest finite limit (its upper bound when there is none or
// it lies beyond). Throws UnspecifiedPOI without a POI.
struct BrazilBand {
  std::vector<double> mu, cls_observed;
  std::vector<Band> cls_expected;
  std::vector<std::string> problems;
  UpperLimitResult limits;
  double level = 0.05;
};
BrazilBand brazil_band(const Model& model, std::span<const double> data, std::span<const double> mus,
                       double level = 0.05, TestStatistic ts = TestStatistic::qtilde, const FitOptions& options = {});

// The profile likelihood of one parameter: -2 Delta log L (twice the NLL of the fit with
// the parameter fixed, minus the minimum) at `points` equally spaced values in [lo, hi],
// and the intervals where it stays below 1 (68.27% CL) and 3.84 (95% CL), their ends
// found by root finding on the profile (between two scanned values, or, next to a value
// without a fit, where bisection towards it finds the profile above the level). An end
// that the profile does not reach inside [lo, hi] is null and `open` (the interval goes
// on). Throws FailedMinimization when the free fit does not converge; a point whose fit
// does not converge is NaN with its reason in `problems`. lo and hi NaN: the best fit +- 3 uncertainties, within the
// parameter's bounds (cabinetry's default range).
struct ProfileInterval {
  double level = 0;       // the -2 Delta log L threshold
  double cl = 0;          // its confidence level (two-sided, one parameter)
  double low = 0, high = 0;
  bool low_open = false, high_open = false;
};
struct ProfileScan {
  std::string parameter;
  FitResult best;  // the free fit, with uncertainties
  std::vector<double> values, delta_twice_nll;
  std::vector<std::string> problems;
  std::vector<ProfileInterval> intervals;  // 68.27% and 95%
};
ProfileScan profile_scan(const Model& model, std::span<const double> data, const FitProblem& problem,
                         std::size_t parameter, double lo, double hi, std::size_t points,
                         const FitOptions& options = {});

// The profile likelihood of two parameters: -2 Delta log L (as profile_scan) on the grid
// of points[0] x points[1] equally spaced values in [lo, hi] of each (NaN bounds: the
// best fit +- 3 uncertainties within the parameter's bounds), every point a fit with both
// fixed, and its contours at the chi-square quantiles of two degrees of freedom: 2.2957
// (68.27% CL) and 5.9915 (95% CL), as polylines (grid_level_lines, as matplotlib's
// contour draws them). Rows of fixed y are fitted in parallel (`threads`, 0: all cores),
// each fit along a row starting where the previous one ended. Throws FailedMinimization
// when the free fit does not converge; a point whose fit does not converge is NaN (its
// cells have no contour) and the first such point of each row is in `problems`.
struct ProfileContour {
  double level = 0, cl = 0;
  std::vector<Polyline> lines;
};
struct ProfileScan2D {
  std::array<std::string, 2> parameters;
  std::array<std::size_t, 2> index{};   // the parameters' indices in par_names()
  FitResult best;                       // the free fit, with uncertainties
  std::vector<double> x, y;             // the scanned values of each parameter
  std::vector<double> delta_twice_nll;  // at (x[i], y[j]): index j * x.size() + i
  std::vector<std::string> problems;
  std::vector<ProfileContour> contours;  // 68.27% and 95%
};
ProfileScan2D profile_scan_2d(const Model& model, std::span<const double> data, const FitProblem& problem,
                              std::array<std::size_t, 2> parameters, std::array<double, 2> lo, std::array<double, 2> hi,
                              std::array<std::size_t, 2> points, const FitOptions& options = {}, unsigned threads = 0);

}  // namespace hfx
