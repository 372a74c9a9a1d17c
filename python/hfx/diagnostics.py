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

``init_pars``, ``fix_pars`` and ``par_bounds`` default to the model's suggested values;
the fits follow ``hfx.set_backend``'s optimizer. A fit that does not converge raises
``FailedMinimization``; a ranking refit that does not converge gives NaN impacts.
"""

from typing import NamedTuple

import numpy as np

from . import _checks, _core
from .exceptions import InvalidModel, Unsupported
from .tensor import get_backend

__all__ = ["PullResults", "RankingResults", "ScanResults", "correlations", "pulls", "ranking", "scan"]


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


def correlations(model, data, *, min_abs=0.0, init_pars=None, fix_pars=None, par_bounds=None):
    """(labels, matrix): the post-fit correlations of the free parameters with an
    off-diagonal |correlation| >= min_abs."""
    labels, matrix = _correlations(model, data, min_abs, _fit_args(model, init_pars, fix_pars, par_bounds))
    return list(labels), matrix
