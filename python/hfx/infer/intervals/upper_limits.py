"""Upper limits on the POI by CLs (pyhf.infer.intervals.upper_limits)."""

import numpy as np

import math

from ... import _checks
from ...tensor import get_backend
from ...exceptions import Unsupported

__all__ = ["linear_grid_scan", "toms748_scan", "upper_limit"]


def _options(hypotest_kwargs):
    kwargs = dict(hypotest_kwargs)
    return_tail_probs = kwargs.pop("return_tail_probs", False)
    calctype = kwargs.pop("calctype", "asymptotics")
    if calctype != "asymptotics":
        raise Unsupported(f"calctype={calctype!r}: hfx's Python API provides the asymptotic calculator only")
    test_stat = kwargs.pop("test_stat", "qtilde")
    if not isinstance(test_stat, str):
        raise TypeError(f"test_stat: expected 'q' or 'qtilde', got {test_stat!r}")
    fit_args = {k: kwargs.pop(k, None) for k in ("init_pars", "par_bounds", "fixed_params")}
    if kwargs:
        raise Unsupported(f"unsupported hypotest options for upper limits: {sorted(kwargs)}")
    return test_stat, return_tail_probs, fit_args


def _with_model_defaults(model, fit_args):
    """fit_args with the paramsets' suggested values where they differ from the compiled ones."""
    init, bounds, fixed = model.config._fit_args(fit_args["init_pars"], fit_args["par_bounds"], fit_args["fixed_params"])
    return {"init_pars": init, "par_bounds": bounds, "fixed_params": fixed}


def _hypotests(mus, data, model, test_stat, return_tail_probs, fit_args):
    from .. import _returns_from_result

    engine, target = model._engine
    results = engine.hypotest_scan(
        [float(mu) for mu in mus],
        target,
        data,
        test_stat,
        fit_args["init_pars"],
        fit_args["par_bounds"],
        fit_args["fixed_params"],
        get_backend()[1],
    )
    is_q0 = test_stat == "q0"
    return [_returns_from_result(r, is_q0, return_tail_probs, False, True) for r in results]


def linear_grid_scan(data, model, scan, level=0.05, return_results=False, **hypotest_kwargs):
    """Upper limits by linear interpolation of CLs over the POI values in ``scan``.

    Returns the observed limit and the list of expected limits (-2..+2 sigma), then
    ``(scan, hypotest results)`` with ``return_results``.
    """
    _checks.model(model, "model")
    level = _checks.level(level)
    scan = _checks.scan(scan)
    test_stat, return_tail_probs, fit_args = _options(hypotest_kwargs)
    exp_idx = 2 if return_tail_probs else 1
    results = _hypotests(scan, data, model, test_stat, return_tail_probs, _with_model_defaults(model, fit_args))
    curves = np.array([[r[0]] + [r[exp_idx][i] for i in range(5)] for r in results], dtype=float).T
    limits = [np.asarray(np.interp(level, curves[i][::-1], scan[::-1])) for i in range(6)]
    obs_limit, exp_limits = limits[0], limits[1:]
    if return_results:
        return obs_limit, exp_limits, (scan, results)
    return obs_limit, exp_limits


def upper_limit(data, model, scan=None, level=0.05, return_results=False, **hypotest_kwargs):
    """Upper limit on the POI at CLs = ``level`` (pyhf.infer.intervals.upper_limits.upper_limit).

    Without ``scan``, the observed and each expected limit are found by TOMS748 root
    finding inside the POI's bounds (bracket widened like pyhf's), all in C++ with the GIL
    released; ``rtol`` (default 1e-6, relative in mu) may be passed. With ``scan``, CLs is
    interpolated linearly as in pyhf. Returns ``(obs_limit, [exp_limits])`` and, with
    ``return_results``, ``(tested POI values, hypotest results)``.
    """
    if scan is not None:
        return linear_grid_scan(data, model, scan, level, return_results, **hypotest_kwargs)
    _checks.model(model, "model")
    level = _checks.level(level)
    kwargs = dict(hypotest_kwargs)
    rtol = _checks.real(kwargs.pop("rtol", 1e-6), "rtol")
    if not (rtol > 0 and math.isfinite(rtol)):
        raise ValueError(f"rtol: expected a finite tolerance > 0, got {rtol}")
    test_stat, return_tail_probs, fit_args = _options(kwargs)
    if any(v is not None for v in _with_model_defaults(model, fit_args).values()):
        raise Unsupported(
            "upper_limit without a scan uses the compiled model's init/bounds/fixed (not init_pars/par_bounds/"
            "fixed_params, nor paramset values changed in Python); pass a scan"
        )
    engine, target = model._engine
    r = engine.upper_limit(target, data, level, test_stat, rtol, get_backend()[1])
    obs = np.asarray(r["observed"])
    exp = [np.asarray(v) for v in r["expected"]]
    if return_results:
        mus = [mu for mu, _ in r["scan"]]
        return obs, exp, (mus, _hypotests(mus, data, model, test_stat, return_tail_probs, fit_args))
    return obs, exp


def toms748_scan(
    data, model, bounds_low, bounds_up, level=0.05, atol=2e-12, rtol=1e-4, from_upper_limit_fn=False, **hypotest_kwargs
):
    """Upper limits by TOMS748 root finding (pyhf.infer.intervals.upper_limits.toms748_scan).

    The observed and each expected limit to relative tolerance ``rtol``, found in C++ as
    :func:`upper_limit` without a scan does. ``bounds_low`` < ``bounds_up`` is pyhf's
    starting bracket; hfx brackets each root itself (from one Asimov evaluation, widened
    as needed, as pyhf widens a bracket that does not contain the crossing), so the
    roots do not depend on it. ``atol`` is accepted; hfx stops on ``rtol``. Returns
    ``(obs_limit, [exp_limits])``, and ``(tested POI values, hypotest results)`` with
    ``from_upper_limit_fn``.
    """
    lo = _checks.real(bounds_low, "bounds_low")
    hi = _checks.real(bounds_up, "bounds_up")
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"bounds_low, bounds_up: expected finite values with bounds_low < bounds_up, got {lo}, {hi}")
    atol = _checks.real(atol, "atol")
    if not (atol >= 0 and math.isfinite(atol)):
        raise ValueError(f"atol: expected a finite tolerance >= 0, got {atol}")
    return upper_limit(data, model, None, level, from_upper_limit_fn, rtol=rtol, **hypotest_kwargs)
