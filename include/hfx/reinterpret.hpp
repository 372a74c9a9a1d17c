// Many signal hypotheses on one compiled model, for reinterpretation tools: the model
// carries the signal's per-bin yields as fixed parameters (an `hfx_yields` modifier on a
// signal sample scaled by the POI, see docs/reinterpretation.md), and each hypothesis
// only sets them, so nothing is rebuilt between hypotheses.
#pragma once

#include "hfx/fit.hpp"
#include "hfx/model.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace hfx {

struct SignalYieldsOptions {
  double poi_value = 1.0;  // the mu of -2 ln lambda(mu)
  bool gradients = false;  // also d(-2 ln lambda) / d(yields)
  unsigned threads = 0;    // 0: all cores
  FitOptions fit;
};

// The profiled likelihood ratio of one hypothesis: q = -2 ln lambda(mu) =
// 2 (nll(mu, conditional nuisances) - nll(mu_hat, nuisances_hat)), mu_hat within the
// POI's bounds. `gradient` (with SignalYieldsOptions::gradients) is dq/d(yields) by the
// envelope theorem: at each fit's minimum the fitted parameters' own changes do not
// change the NLL to first order, so dq/ds = 2 (d nll/ds at the conditional fit - d nll/ds
// at the free fit), both partial derivatives at fixed fitted parameters. q, mu_hat and
// the gradient are NaN when a fit did not converge (`status` says which).
struct SignalYieldsPoint {
  double q = 0, mu_hat = 0, nll_conditional = 0, nll_free = 0;
  FitStatus status = FitStatus::converged;
  std::vector<double> gradient;
};

// For each row k of `signals` (K rows of yield_pars.size() yields, row-major), the
// parameters yield_pars set to that row: fits in parallel, each task's fits starting
// from its previous hypothesis' solution. Throws InvalidPdfParameters when the model has
// no POI or a yield parameter index is out of range or not fixed in `problem`.
std::vector<SignalYieldsPoint> profile_signal_yields(const Model& model, std::span<const double> data,
                                                     const FitProblem& problem, std::span<const std::size_t> yield_pars,
                                                     std::span<const double> signals, const SignalYieldsOptions& options = {});

}  // namespace hfx

#include "hfx/workspace.hpp"

#include <set>
#include <string>
#include <utility>

namespace hfx {

// A background-only workspace with a signal sample kSignalYieldsSample added to each of
// `channels` (empty: all, in the workspace's order): zero nominal yields, the POI as a
// normfactor, an hfx_yields modifier "hfx_signal_<channel>" whose fixed parameters are the
// yields, and `signal_modifiers` (a JSON array, e.g. lumi; they must not change the
// per-bin shape with the yields: normfactor, lumi, normsys). `poi` "" = the
// measurement's (or "mu" when it has none). Throws InvalidWorkspaceOperation for an
// unknown or repeated channel or a channel that already has such a sample; the
// workspace's own errors for bad modifiers.
inline constexpr const char* kSignalYieldsSample = "hfx_signal";
struct SignalYieldsWorkspace {
  Workspace workspace;
  std::string poi, measurement;
  std::vector<std::pair<std::string, std::size_t>> regions{};  // (channel, bin) of each yield
  std::vector<std::string> yield_parameters{};                 // per channel, in `regions` order
};
SignalYieldsWorkspace signal_yields_workspace(const Workspace& ws, const std::vector<std::string>& channels,
                                              const std::string& poi, const std::string& measurement,
                                              const Json& signal_modifiers);

// One analysis of a combination: a full workspace (background and signal), the label
// that prefixes its names, and its measurement ("" = its first).
struct Analysis {
  Workspace workspace;
  std::string label;
  std::string measurement;
};

// The product likelihood of independent analyses with one shared POI (not pyhf's
// combine, which merges two workspaces as they are): every analysis' channels and
// modifiers (so its nuisance parameters) get the prefix "LABEL_", except its POI, which
// becomes `poi`, the modifiers named in `correlated`, which stay shared, and lumi
// modifiers, which HistFactory names "lumi" and are therefore shared (their measurement
// configurations must agree). EFT coefficients (hfx_eft) are model parameters and stay
// shared too. The result has one measurement, `poi`'s, named "combined". Throws
// InvalidWorkspaceOperation naming the analysis for a missing POI or a name in
// `correlated` that no analysis has, and whatever Workspace::combine throws for
// conflicting configurations.
Workspace combine_analyses(std::span<const Analysis> analyses, const std::string& poi,
                           const std::set<std::string>& correlated = {});

}  // namespace hfx

namespace hfx {

// A simplified likelihood derived from a full workspace, in one of two forms.
//
// histfactory (the default): a HistFactory workspace that pyhf reads too. Every region
// is kept; in each channel the samples are merged into groups by the free normalisations
// (normfactors, shapefactors, the POI) that act on them, which stay as they are; the
// constrained parameters are replaced by the K principal directions of the merged yields'
// prior covariance J V J^T (V: the constraints' variances, J: d yields / d parameters at
// the constraints' centres), K <= groups x bins. Direction k moves the parameters by
// d_k = V J^T u_k / sqrt(lambda_k), the most probable shift that moves the yields by one
// standard deviation along the eigenvector u_k; the merged yields at the constraints'
// centres +- d_k (the model's own, non-linear response) become a normsys "pc_k" on a
// sample per group and bin, or a histosys where a side reaches zero or the yields at +-2
// d_k continue those at +-1 linearly better than log-normally. The signal is a group, so its uncertainties and their correlations with the
// background's are kept. No fit is made: the simplified model's own fit to the control
// regions takes the place of the background-only fit.
//
// covariance (SLv1 / SLv2, CMS-NOTE-2017-001 and arXiv:1809.05548): a background-only fit
// (POI fixed at 0) to every region, or to the control regions only, gives the nuisance
// parameters and their covariance C (parameters a control-region fit does not see keep
// their constraint's prior width); the signal regions' post-fit background yields b and
// their covariance J C J^T (J = d b / d parameters) make an hfx_simplified background,
// and the signal is the yield the POI = 1 adds at those parameters.
// The document of a simplified likelihood (docs/reinterpretation.md): one channel `name`
// whose bins are the regions, a "background" sample with yields m1 and the hfx_simplified
// modifier "<name>_theta" (covariance m2, n x n row-major, and third moments m3 if not
// empty: SLv2), a "signal" sample scaled by the POI, and a measurement. The
// covariance and moments are checked when a model is built (compile), not here; lengths
// are checked here (InvalidWorkspaceOperation).
struct SimplifiedLikelihoodSpec {
  std::vector<double> observed, background, covariance, third_moments, signal;
  std::string name = "SL", poi = "mu";
  std::string measurement;  // "" = name
  std::pair<double, double> poi_bounds{0.0, 10.0};
};
Json simplified_likelihood_document(const SimplifiedLikelihoodSpec& spec);

enum class SimplifiedForm { histfactory, covariance };
struct SimplifyOptions {
  SimplifiedForm form = SimplifiedForm::histfactory;
  // histfactory form: keep only the K largest directions (0: all, at most groups x bins);
  // refused beyond 2000 merged yields (groups x bins).
  std::size_t components = 0;
  // covariance form only:
  std::vector<std::string> signal_regions;  // channel names; empty: those whose name starts with "SR"
  // Fit the background-only model to every region (true) or to the control regions only
  // (false: the signal regions' data then enter the simplified likelihood alone).
  bool fit_all_regions = false;
  // The background's moments: 0 propagates the covariance linearly (J C J^T, SLv1);
  // N > 0 samples the parameters N times from the fit's Gaussian (mean, covariance C,
  // clamped to their bounds) and takes the yields' mean, covariance and third moments
  // (SLv2), which keeps the yields' non-linear (asymmetric) dependence on them.
  std::size_t samples = 0;
  std::uint64_t seed = 1;
  ModelOptions model;                       // the full model's measurement and interpolation codes
  FitOptions fit;
};
struct SimplifiedGroup {
  std::string name;                         // "background", "background_mu_W", "signal", ...
  std::vector<std::string> samples;         // the original samples merged, as "channel/sample"
  std::vector<std::string> normalisations;  // the free normalisations kept (POI included)
};
struct SimplifiedLikelihood {
  Workspace workspace;  // covariance form: one channel "SR" (a bin per signal-region bin)
  std::vector<std::pair<std::string, std::size_t>> regions{};  // covariance form: (channel, bin) of each bin
  std::vector<double> observed{}, background{}, signal{}, covariance{};  // covariance form; covariance n x n row-major
  std::vector<std::string> control_regions{};                    // covariance form
  std::vector<double> third_moments{};  // covariance form; empty for SLv1
  std::size_t clipped_third_moments = 0;  // beyond SLv2's bound |m3| <= sqrt(8 m2^3), set to 0.999 of it
  std::vector<SimplifiedGroup> groups{};  // histfactory form
  std::size_t components = 0;             // histfactory form: K
  double variance_kept = 1.0;             // histfactory form: the K directions' share of the trace of J V J^T
  std::size_t dropped_bins = 0;           // histfactory form: group-bins with no yield that no direction moves
  // histfactory form: group-bin responses written as normsys (log-normal) and as histosys
  // (additive: a side reaches zero, or +-2 sigma continue +-1 sigma linearly)
  std::size_t multiplicative_responses = 0, additive_responses = 0;
};
// Throws InvalidWorkspaceOperation for a model without POI; in the histfactory form for a
// POI that is not a free normfactor or scales no yield, a free parameter that is not a
// normfactor or shapefactor, or more than 2000 merged yields; in the covariance form for
// unknown signal regions, a free parameter no control region determines, a
// background-only fit that does not converge, or a covariance that is not positive
// semi-definite.
SimplifiedLikelihood simplify(const Workspace& ws, const SimplifyOptions& options = {});
// What was built, as `hfx simplify` reports it: "form", and for the histfactory form
// "groups" (name, samples, normalisations), "components", "variance_kept",
// "dropped_bins", "multiplicative_responses", "additive_responses"; for the covariance
// form "signal_regions" ({channel, bin}), "control_regions", "observed", "background",
// "signal", "version" (SLv1 / SLv2) and, for SLv2, "third_moments" and
// "clipped_third_moments".
Json simplify_summary(const SimplifiedLikelihood& sl, SimplifiedForm form);

}  // namespace hfx
