// Many signal hypotheses on one compiled model, for reinterpretation tools: the model
// carries the signal's per-bin yields as fixed parameters (an `hfx_yields` modifier on a
// signal sample scaled by the POI, see docs/reinterpretation.md), and each hypothesis
// only sets them, so nothing is rebuilt between hypotheses.
#pragma once

#include "hfx/fit.hpp"
#include "hfx/model.hpp"

#include <cstddef>
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
