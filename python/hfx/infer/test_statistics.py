"""Profile-likelihood test statistics (pyhf.infer.test_statistics)."""

import logging

import numpy as np

from .. import _checks
from ..tensor import get_backend
from ..exceptions import FailedMinimization, UnspecifiedPOI

__all__ = ["q0", "qmu", "qmu_tilde", "tmu", "tmu_tilde"]

log = logging.getLogger(__name__)

# The Python names of the C++ test statistics, for the configuration warnings below.
_NAMES = {"q": "qmu", "qtilde": "qmu_tilde", "t": "tmu", "ttilde": "tmu_tilde", "q0": "q0"}


def _warn_configuration(name, mu, poi_lower_bound):
    """A warning when the fit configuration is not the one the test statistic is defined
    for: q0 tests mu = 0; qmu/tmu let the POI go below zero, their tilde forms bound it at 0."""
    pyname = _NAMES[name]
    if name == "q0":
        if mu != 0:
            log.warning("q0 test statistic only used for fit configuration with POI set to zero (got mu = %s)", mu)
    elif name in ("q", "t") and poi_lower_bound == 0:
        log.warning(
            "%s test statistic used for fit configuration with POI bounded at zero; "
            "%s_tilde is the test statistic for that configuration",
            pyname,
            pyname,
        )
    elif name in ("qtilde", "ttilde") and poi_lower_bound != 0:
        log.warning(
            "%s test statistic used for fit configuration with POI not bounded at zero; "
            "%s is the test statistic for that configuration",
            pyname,
            pyname[: -len("_tilde")],
        )


def _stat(name, mu, data, pdf, init_pars, par_bounds, fixed_params, return_fitted_pars):
    _checks.model(pdf)
    if pdf.config.poi_index is None:
        raise UnspecifiedPOI(
            "No POI is defined. A POI is required for profile likelihood based test statistics."
        )
    mu = _checks.finite_poi(mu, "mu")
    init_pars, par_bounds, fixed_params = pdf.config._fit_args(init_pars, par_bounds, fixed_params)
    bounds = _checks.poi_bounds(pdf, par_bounds)  # None if malformed: the fit below reports them
    _warn_configuration(name, mu, None if bounds is None else bounds[0])
    engine, target = pdf._engine
    r = engine.test_statistic(name, mu, target, data, init_pars, par_bounds, fixed_params, get_backend()[1])
    if not r["converged"]:
        raise FailedMinimization(
            f"{name} at {mu}: a fit did not converge "
            f"(free: {r['free_fit']['status']}, fixed: {r['fixed_fit']['status']})"
        )
    value = np.asarray(r["value"])
    if return_fitted_pars:
        return value, (r["fixed_fit"]["x"], r["free_fit"]["x"])
    return value


def qmu(mu, data, pdf, init_pars, par_bounds, fixed_params, return_fitted_pars=False):
    r"""Upper-limit test statistic :math:`q_\mu` (0 when the best-fit mu exceeds mu)."""
    return _stat("q", mu, data, pdf, init_pars, par_bounds, fixed_params, return_fitted_pars)


def qmu_tilde(mu, data, pdf, init_pars, par_bounds, fixed_params, return_fitted_pars=False):
    r""":math:`\tilde{q}_\mu`: as qmu with the POI's lower bound at 0 (set by par_bounds)."""
    return _stat("qtilde", mu, data, pdf, init_pars, par_bounds, fixed_params, return_fitted_pars)


def tmu(mu, data, pdf, init_pars, par_bounds, fixed_params, return_fitted_pars=False):
    r""":math:`t_\mu = -2\ln\lambda(\mu)`."""
    return _stat("t", mu, data, pdf, init_pars, par_bounds, fixed_params, return_fitted_pars)


def tmu_tilde(mu, data, pdf, init_pars, par_bounds, fixed_params, return_fitted_pars=False):
    r""":math:`\tilde{t}_\mu`: as tmu with the POI's lower bound at 0 (set by par_bounds)."""
    return _stat("ttilde", mu, data, pdf, init_pars, par_bounds, fixed_params, return_fitted_pars)


def q0(mu, data, pdf, init_pars, par_bounds, fixed_params, return_fitted_pars=False):
    r"""Discovery test statistic :math:`q_0` (0 when the best-fit mu is below mu)."""
    return _stat("q0", mu, data, pdf, init_pars, par_bounds, fixed_params, return_fitted_pars)
