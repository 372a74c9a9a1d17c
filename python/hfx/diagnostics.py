"""Fit diagnostics with cabinetry's names and definitions, computed in C++.

- ``pulls(model, data)``: post-fit (bestfit - prefit) / prefit_uncertainty and
  uncertainty / prefit_uncertainty of the constrained parameters (cabinetry's pull plot).
- ``ranking(model, data)``: cabinetry.fit.ranking's impacts of every parameter but the POI
  (refits with it fixed at its best fit +- its post-fit and pre-fit uncertainty), in
  parameter order; ``hfx ranking`` prints them sorted.
- ``scan(model, data, par_name)``: cabinetry.fit.scan's profile likelihood scan, plus the
  68.27% and 95% CL intervals (NaN where an end lies beyond the scanned range).
- ``correlations(model, data, min_abs=0)``: the post-fit correlation matrix of the
  parameters correlated by at least ``min_abs`` with another one.
- ``fit(model, data)``: cabinetry.fit.fit's ``FitResults`` (best fit, uncertainties,
  labels, correlation matrix, -2 log L).
- ``yield_stdev(model, parameters, uncertainty, corr_mat)`` and ``prediction(model,
  fit_results=None)``: cabinetry.model_utils' yield uncertainties and ``ModelPrediction``
  (pre-fit with the pre-fit widths uncorrelated; post-fit from any object with
  ``bestfit``, ``uncertainty`` and ``corr_mat``, such as ``fit``'s or cabinetry's).
- ``brazil(model, data, mus=None)``: observed and expected CLs on a POI grid and the upper
  limits (the data of ``hfx brazil``).

``init_pars``, ``fix_pars`` and ``par_bounds`` default to the model's suggested values;
the fits follow ``hfx.set_backend``'s optimizer. A fit that does not converge raises
``FailedMinimization``; a ranking refit that does not converge gives NaN impacts.
"""

from typing import NamedTuple

import numpy as np

from . import _checks, _core
from .exceptions import InvalidModel, Unsupported
from .tensor import get_backend

__all__ = [
    "BrazilResults", "FitResults", "ModelPrediction", "PullResults", "RankingResults", "Scan2DResults", "ScanResults",
    "brazil", "correlations", "fit", "prediction", "pulls", "ranking", "scan", "scan_2d", "yield_stdev",
]


class PullResults(NamedTuple):
    labels: list
    bestfit: np.ndarray
    uncertainty: np.ndarray
    prefit: np.ndarray
    prefit_uncertainty: np.ndarray
    pull: np.ndarray
    constraint: np.ndarray


class RankingResults(NamedTuple):
    bestfit: np.ndarray
    uncertainty: np.ndarray
    labels: list
    prefit_up: np.ndarray
    prefit_down: np.ndarray
    postfit_up: np.ndarray
    postfit_down: np.ndarray


class ScanResults(NamedTuple):
    name: str
    bestfit: float
    uncertainty: float
    parameter_values: np.ndarray
    delta_nlls: np.ndarray
    intervals: dict  # {0.6827: (low, high), 0.95: (low, high)}


class FitResults(NamedTuple):
    bestfit: np.ndarray
    uncertainty: np.ndarray
    labels: list
    corr_mat: np.ndarray
    best_twice_nll: float


class ModelPrediction(NamedTuple):
    model: object
    model_yields: list  # [channel][sample][bin], samples as model.config.samples
    total_stdev_model_bins: list  # [channel][sample..., total][bin]
    total_stdev_model_channels: list  # [channel][sample..., total]
    label: str


class BrazilResults(NamedTuple):
    mu: np.ndarray
    cls_obs: np.ndarray
    cls_exp: np.ndarray  # (len(mu), 5): -2, -1, 0, +1, +2 sigma
    obs_limit: float  # NaN where CLs does not cross the level
    exp_limits: np.ndarray


def _compiled(model):
    _checks.model(model, "model")
    engine, target = model._engine
    if engine is not _core:
        raise Unsupported("diagnostics of models with custom modifier kinds")
    return target


def _fit_args(model, init_pars, fix_pars, par_bounds):
    init, bounds, fixed = model.config._fit_args(init_pars, par_bounds, fix_pars)
    return {"init_pars": init, "par_bounds": bounds, "fixed_params": fixed, "optimizer": get_backend()[1]}


# The calls to C++ with their argument checks, shared with hfx.viz (which asks for the
# picture too: plot=True, or plot_top=N for the ranking).
def _pulls(model, data, fits, plot=False):
    return _core.pulls(_compiled(model), data, plot=plot, **fits)


def _ranking(model, data, fits, threads, plot_top=0):
    core = _compiled(model)
    if model.config.poi_index is None:
        raise ValueError("no POI specified, cannot calculate ranking")
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or not 0 <= threads <= 1024:
        raise ValueError(f"threads: expected 0 (all cores) to 1024, got {threads!r}"[:200])
    return _core.ranking(core, data, threads=int(threads), plot_top=plot_top, **fits)


def _scan(model, data, par_name, par_range, n_steps, fits, plot=False):
    core = _compiled(model)
    try:
        index = model.config.par_names.index(par_name)
    except ValueError:
        raise InvalidModel(f"no parameter {par_name!r} in the model") from None
    low, high = (None, None) if par_range is None else (float(par_range[0]), float(par_range[1]))
    if isinstance(n_steps, bool) or not isinstance(n_steps, (int, np.integer)) or n_steps < 2:
        raise ValueError(f"n_steps: expected an integer >= 2, got {n_steps!r}"[:200])
    return _core.profile_scan(core, data, index, low, high, int(n_steps), plot=plot, **fits)


def _correlations(model, data, min_abs, fits, plot=False):
    min_abs = _checks.real(min_abs, "min_abs")
    if not 0 <= min_abs <= 1:
        raise ValueError(f"min_abs: expected a number from 0 to 1, got {min_abs}")
    return _core.correlations(_compiled(model), data, min_abs, plot=plot, **fits)


def _brazil(model, data, mus, level, test_stat, plot=False):
    core = _compiled(model)
    if model.config.poi_index is None:
        raise ValueError("no POI specified, cannot compute CLs")
    level = _checks.real(level, "level")
    if not 0 < level < 1:
        raise ValueError(f"level: expected a number between 0 and 1, got {level}")
    grid = [] if mus is None else sorted(float(_checks.real(m, "mus")) for m in mus)
    if mus is not None and len(grid) < 2:
        raise ValueError(f"mus: expected at least 2 POI values, got {len(grid)}")
    return _core.brazil_band(core, data, grid, level, test_stat, get_backend()[1], plot)


def pulls(model, data, *, init_pars=None, fix_pars=None, par_bounds=None):
    """Every parameter's best fit, uncertainty and (constrained ones) pull and constraint."""
    r = _pulls(model, data, _fit_args(model, init_pars, fix_pars, par_bounds))
    return PullResults(
        list(r["labels"]), r["bestfit"], r["uncertainty"], r["prefit"], r["prefit_uncertainty"], r["pull"], r["constraint"]
    )


def ranking(model, data, *, init_pars=None, fix_pars=None, par_bounds=None, threads=0):
    """Impacts on the POI of every parameter but the POI, in parameter order (fixed ones 0)."""
    r = _ranking(model, data, _fit_args(model, init_pars, fix_pars, par_bounds), threads)
    by_name = {e["name"]: e for e in r["impacts"]}
    poi = model.config.poi_index
    labels = [name for i, name in enumerate(model.config.par_names) if i != poi]
    keep = [i for i in range(model.config.npars) if i != poi]
    column = {k: np.array([by_name[n][k] if n in by_name else 0.0 for n in labels]) for k in
              ("prefit_up", "prefit_down", "postfit_up", "postfit_down")}
    return RankingResults(
        r["bestfit"][keep], r["uncertainty"][keep], labels,
        column["prefit_up"], column["prefit_down"], column["postfit_up"], column["postfit_down"],
    )


def scan(model, data, par_name, *, par_range=None, n_steps=11, init_pars=None, fix_pars=None, par_bounds=None):
    """-2 Delta log L of ``par_name`` (a scalar, or NAME[i]) at ``n_steps`` values of
    ``par_range`` (default: best fit +- 3 uncertainties within the bounds)."""
    r = _scan(model, data, par_name, par_range, n_steps, _fit_args(model, init_pars, fix_pars, par_bounds))
    intervals = {round(iv["cl"], 4): (iv["low"], iv["high"]) for iv in r["intervals"]}
    return ScanResults(r["name"], r["bestfit"], r["uncertainty"], r["parameter_values"], r["delta_nlls"], intervals)


class Scan2DResults(NamedTuple):
    """A two-parameter profile scan: ``delta_nlls[j, i]`` is -2 Delta log L at
    (``x[i]``, ``y[j]``); ``contours`` maps the confidence level (0.6827, 0.95) to its
    polylines, (k, 2) arrays of (x, y) points."""

    names: tuple
    bestfit: tuple
    uncertainty: tuple
    x: np.ndarray
    y: np.ndarray
    delta_nlls: np.ndarray
    contours: dict


def scan_2d(model, data, par_names, *, par_ranges=None, n_steps=(21, 21), threads=0, init_pars=None, fix_pars=None,
            par_bounds=None):
    """-2 Delta log L of two parameters on an n_steps[0] x n_steps[1] grid of ``par_ranges``
    ((low, high) per parameter; default: best fit +- 3 uncertainties within the bounds),
    each point a fit with both fixed, and its 68.27% / 95% CL contours (-2 Delta log L =
    2.30 / 5.99) as matplotlib's contour draws them. Rows are fitted in parallel."""
    r = _scan_2d(model, data, par_names, par_ranges, n_steps, threads, _fit_args(model, init_pars, fix_pars, par_bounds))
    contours = {round(c["cl"], 4): list(c["lines"]) for c in r["contours"]}
    return Scan2DResults(r["names"], r["bestfit"], r["uncertainty"], r["x"], r["y"], r["delta_nlls"], contours)


def _scan_2d(model, data, par_names, par_ranges, n_steps, threads, fits, plot=False):
    core = _compiled(model)
    names = list(model.config.par_names)
    if len(par_names) != 2:
        raise ValueError(f"par_names: expected two parameter names, got {par_names!r}"[:200])
    index = []
    for n in par_names:
        if n not in names:
            raise InvalidModel(f"no parameter {n!r} in the model")
        index.append(names.index(n))
    steps = [int(n) for n in n_steps] if not isinstance(n_steps, (int, np.integer)) else [int(n_steps)] * 2
    if len(steps) != 2 or min(steps) < 2:
        raise ValueError(f"n_steps: expected two integers >= 2, got {n_steps!r}"[:200])
    ranges = None if par_ranges is None else [float(v) for r in par_ranges for v in r]
    if ranges is not None and len(ranges) != 4:
        raise ValueError(f"par_ranges: expected ((low, high), (low, high)), got {par_ranges!r}"[:200])
    return _core.profile_scan_2d(core, data, index[0], index[1], ranges, steps[0], steps[1], int(threads), plot=plot, **fits)


def correlations(model, data, *, min_abs=0.0, init_pars=None, fix_pars=None, par_bounds=None):
    """(labels, matrix): the post-fit correlations of the free parameters with an
    off-diagonal |correlation| >= min_abs."""
    labels, matrix = _correlations(model, data, min_abs, _fit_args(model, init_pars, fix_pars, par_bounds))
    return list(labels), matrix


def fit(model, data, *, init_pars=None, fix_pars=None, par_bounds=None):
    """Maximum-likelihood fit with uncertainties and correlations (cabinetry.fit.fit)."""
    from .infer import mle

    _compiled(model)
    fits = _fit_args(model, init_pars, fix_pars, par_bounds)
    result, corr, twice_nll = mle.fit(
        data, model, init_pars=fits["init_pars"], par_bounds=fits["par_bounds"], fixed_params=fits["fixed_params"],
        return_uncertainties=True, return_correlations=True, return_fitted_val=True,
    )
    return FitResults(result[:, 0], result[:, 1], list(model.config.par_names), np.asarray(corr), float(twice_nll))


def yield_stdev(model, parameters, uncertainty, corr_mat):
    """(per bin, per channel) standard deviations of the yields from one-sigma variations
    and the correlations (cabinetry.model_utils.yield_stdev): for each channel a list of
    the samples (model.config.samples) and then the total."""
    corr = np.asarray(corr_mat, dtype=float)
    r = _core.yield_stdev(_compiled(model), parameters, uncertainty, corr.ravel())
    bins = [[list(map(float, row)) for row in samples] + [list(map(float, total))] for samples, total, _, _ in r]
    channels = [list(map(float, sums)) + [float(total_sum)] for _, _, sums, total_sum in r]
    return bins, channels


def prediction(model, *, fit_results=None, label=None):
    """Yields per channel, sample and bin with their uncertainties
    (cabinetry.model_utils.prediction): pre-fit at the suggested init with the pre-fit
    widths, uncorrelated; post-fit at ``fit_results.bestfit`` with its ``uncertainty``
    and ``corr_mat``."""
    core = _compiled(model)
    if fit_results is None:
        pars = np.asarray(model.config.suggested_init(), dtype=float)
        uncertainty = _core.prefit_uncertainties(core)
        corr = np.eye(model.config.npars)
        label = "pre-fit" if label is None else label
    else:
        pars = np.asarray(fit_results.bestfit, dtype=float)
        uncertainty = np.asarray(fit_results.uncertainty, dtype=float)
        corr = np.asarray(fit_results.corr_mat, dtype=float)
        label = "post-fit" if label is None else label
    yields = []
    for channel in model.config.channels:
        per_sample = model.main_model.expected_data(pars, return_by_sample=True)[:, model.config.channel_slices[channel]]
        yields.append([list(map(float, row)) for row in per_sample])
    bins, channels = yield_stdev(model, pars, uncertainty, corr)
    return ModelPrediction(model, yields, bins, channels, label)


def brazil(model, data, *, mus=None, level=0.05, test_stat="qtilde"):
    """Observed and expected CLs at each of ``mus`` (default: from the POI's lower bound to
    1.5 times the largest limit, 31 values) and the upper limits at CLs = ``level``."""
    r = _brazil(model, data, mus, level, test_stat)
    return BrazilResults(r["mu"], r["cls_obs"], r["cls_exp"], float(r["obs_limit"]), r["exp_limits"])
