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

namespace hfx {

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

// A simplified likelihood derived from a full workspace, as published simplified
// likelihoods are made: a background-only fit (POI fixed at 0) to every region, or to
// the control regions only (the channels not among the signal regions), gives the
// nuisance parameters and their covariance C (parameters a control-region fit does not
// see keep their constraint's prior width); the signal regions' post-fit background yields b and their covariance
// J C J^T (J = d b / d parameters) make an hfx_simplified background, and the signal is
// the yield the POI = 1 adds at those parameters.
struct SimplifyOptions {
  std::vector<std::string> signal_regions;  // channel names; empty: those whose name contains "SR"
  // Fit the background-only model to every region (true) or to the control regions only
  // (false: the signal regions' data then enter the simplified likelihood alone).
  bool fit_all_regions = false;
  // The background's moments: 0 propagates the covariance linearly (J C J^T, SLv1);
  // N > 0 samples the parameters N times from the fit's Gaussian (mean, covariance C,
  // clamped to their bounds) and takes the yields' mean, covariance and third moments
  // (SLv2), which keeps the yields' non-linear (asymmetric) dependence on them.
  std::size_t samples = 0;
  std::uint64_t seed = 1;
  std::string measurement;                  // "" = the first
  FitOptions fit;
};
struct SimplifiedLikelihood {
  Workspace workspace;  // one channel "SR" (a bin per signal-region bin), POI as the original's
  std::vector<std::pair<std::string, std::size_t>> regions;  // (channel, bin) of each bin
  std::vector<double> observed, background, signal, covariance;  // covariance: n x n row-major
  std::vector<std::string> control_regions;
  std::vector<double> third_moments;  // empty for SLv1
  std::size_t clipped_third_moments = 0;  // beyond SLv2's bound |m3| <= sqrt(8 m2^3), set to 0.999 of it
};
// Throws InvalidWorkspaceOperation for unknown signal regions, a model without POI, a
// free parameter no control region determines, a background-only fit that does not
// converge, or a covariance that is not positive definite.
SimplifiedLikelihood simplify(const Workspace& ws, const SimplifyOptions& options = {});

}  // namespace hfx
