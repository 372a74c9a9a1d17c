"""Maximum-likelihood fits (pyhf.infer.mle) with hfx's minimizer and analytic gradient."""

import types

import numpy as np

from .. import _checks, optimize
from ..tensor import get_backend
from ..exceptions import FailedMinimization, UnspecifiedPOI

__all__ = ["fit", "fixed_poi_fit", "twice_nll"]

# Options of pyhf's optimizers: tolerance and maxiter go to the scipy optimizer
# (hfx.optimize); the others have no meaning for hfx's fits.
_IGNORED = {"do_grad", "do_stitch", "method", "maxiter", "tolerance", "solver_options", "verbose", "par_names", "strategy"}


def twice_nll(pars, data, pdf):
    """-2 log L(pars | data), as a 1-element array."""
    _checks.model(pdf)
    return -2 * pdf.logpdf(pars, data)


def _result_object(r):
    return types.SimpleNamespace(
        x=r["x"],
        fun=np.asarray(r["twice_nll"]),
        success=r["converged"],
        status=r["status"],
        message=r["message"] or r["status"],
        nit=r["iterations"],
        nfev=r["evaluations"],
        unc=r.get("uncertainties"),
        corr=r.get("correlations"),
        minuit=None,
    )


def _run(data, pdf, init_pars, par_bounds, fixed_params, fixed_poi, kwargs):
    return_fitted_val = kwargs.pop("return_fitted_val", False)
    return_uncertainties = kwargs.pop("return_uncertainties", False)
    return_correlations = kwargs.pop("return_correlations", False)
    return_result_obj = kwargs.pop("return_result_obj", False)
    unknown = set(kwargs) - _IGNORED
    if unknown:
        raise TypeError(f"unexpected fit options: {sorted(unknown)}")
    init_pars, par_bounds, fixed_params = pdf.config._fit_args(init_pars, par_bounds, fixed_params)
    engine, target = pdf._engine
    r = engine.fit(
        target,
        data,
        init_pars,
        par_bounds,
        fixed_params,
        fixed_poi,
        bool(return_uncertainties or return_correlations),
        bool(return_correlations),
        optimize._with_fit_kwargs(get_backend()[1], kwargs),
    )
    result = _result_object(r)
    if not r["converged"]:
        raise FailedMinimization(result)
    x = r["x"]
    if return_uncertainties:
        x = np.stack([x, r["uncertainties"]], axis=1)
    returns = [x]
    if return_correlations:
        returns.append(r["correlations"])
    if return_fitted_val:
        returns.append(np.asarray(r["twice_nll"]))
    if return_result_obj:
        returns.append(result)
    return tuple(returns) if len(returns) > 1 else returns[0]


def fit(data, pdf, init_pars=None, par_bounds=None, fixed_params=None, **kwargs):
    """Unconditional maximum-likelihood fit (pyhf.infer.mle.fit).

    Returns the best-fit parameters (shape (npars, 2) with their uncertainties when
    ``return_uncertainties``), then the correlations (``return_correlations``), -2 log L at
    the minimum (``return_fitted_val``) and a result object (``return_result_obj``).
    Raises :class:`hfx.exceptions.FailedMinimization` if the fit does not converge.
    """
    _checks.model(pdf)
    return _run(data, pdf, init_pars, par_bounds, fixed_params, None, dict(kwargs))


def fixed_poi_fit(poi_val, data, pdf, init_pars=None, par_bounds=None, fixed_params=None, **kwargs):
    """Fit with the POI fixed at ``poi_val`` (pyhf.infer.mle.fixed_poi_fit)."""
    _checks.model(pdf)
    if pdf.config.poi_index is None:
        raise UnspecifiedPOI(
            "No POI is defined. A POI is required for profile likelihood based test statistics."
        )
    poi_val = _checks.finite_poi(poi_val, "poi_val")
    return _run(data, pdf, init_pars, par_bounds, fixed_params, poi_val, dict(kwargs))
