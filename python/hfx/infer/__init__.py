"""Inference with pyhf's API: hypothesis tests (CLs), fits, test statistics, limits.

The asymptotic calculator (pyhf's default, calctype="asymptotics") and the toy calculator
(calctype="toybased", ntoys per hypothesis, seeded from numpy's global generator). The
numerical work runs in C++ with the GIL released.
"""

import logging

import numpy as np

from .. import _checks
from ..tensor import get_backend
from ..exceptions import FailedMinimization, InvalidPdfParameters, Unsupported
from . import calculators, intervals, mle, test_statistics, utils

__all__ = ["calculators", "hypotest", "intervals", "mle", "test_statistics", "utils"]

_TEST_STATS = ("q0", "q", "qtilde")
_log = logging.getLogger(__name__)


def _check_calctype(calctype, kwargs):
    """The test statistic and the toy options (ntoys, or None for asymptotics)."""
    if calctype not in ("asymptotics", "toybased"):
        raise ValueError(f"calctype must be 'asymptotics' or 'toybased', got {calctype!r}")
    base = kwargs.pop("calc_base_dist", "normal")
    if calctype == "asymptotics" and base not in ("normal", "clipped_normal"):
        raise ValueError(f"unknown base distribution for asymptotics {base!r}")
    test_stat = kwargs.pop("test_stat", "qtilde")
    if not isinstance(test_stat, str):
        raise TypeError(f"test_stat: expected one of {list(_TEST_STATS)}, got {test_stat!r}")
    if test_stat not in _TEST_STATS:
        raise Unsupported(f"test_stat={test_stat!r}: hfx's calculators take 'q0', 'q' or 'qtilde'")
    ntoys = None
    if calctype == "toybased":
        ntoys = kwargs.pop("ntoys", 2000)
        kwargs.pop("track_progress", None)
    if kwargs:
        raise Unsupported(f"unsupported hypotest options: {sorted(kwargs)}")
    return test_stat, base, ntoys


def _returns_from_result(r, is_q0, return_tail_probs, return_expected, return_expected_set):
    """pyhf.infer.hypotest's return tuple from one hfx hypotest result (numpy 0-d arrays)."""
    asarray = np.asarray
    returns = [asarray(r["clsb"] if is_q0 else r["cls"])]
    if return_tail_probs:
        returns.append([asarray(r["clb"])] if is_q0 else [asarray(r["clsb"]), asarray(r["clb"])])
    band = [asarray(v) for v in (r["clsb_expected"] if is_q0 else r["cls_expected"])]
    if return_expected_set:
        if return_expected:
            returns.append(asarray(band[2]))
        returns.append(band)
    elif return_expected:
        returns.append(asarray(band[2]))
    return tuple(returns) if len(returns) > 1 else returns[0]


def _require_poi_within_bounds(pdf, poi, par_bounds):
    """The tested POI value starts the conditional fit: outside the POI's bounds it is a
    ValueError (InvalidPdfParameters), as in pyhf."""
    bounds = _checks.poi_bounds(pdf, par_bounds)
    if bounds is None or not bounds[0] <= bounds[1]:
        return  # no POI or malformed bounds: the C++ checks report them
    lo, hi = bounds
    if not lo <= poi <= hi:
        raise InvalidPdfParameters(
            f"fit initialization parameter {pdf.config.poi_name} = {poi} (the tested POI value) "
            f"lies outside of its bounds [{lo}, {hi}]"
        )


def hypotest(
    poi_test,
    data,
    pdf,
    init_pars=None,
    par_bounds=None,
    fixed_params=None,
    calctype="asymptotics",
    return_tail_probs=False,
    return_expected=False,
    return_expected_set=False,
    return_calculator=False,
    **kwargs,
):
    r"""CLs hypothesis test at ``poi_test`` (pyhf.infer.hypotest).

    Returns CLs_obs, then ``[CLsb, CLb]`` (return_tail_probs), the median expected CLs
    (return_expected) and the expected band for :math:`(-2,-1,0,1,2)\sigma`
    (return_expected_set), all numpy 0-d arrays, in pyhf's order, then the calculator
    (return_calculator). With ``test_stat="q0"`` the p-values are the discovery p0 and
    ``[CLb]``. ``calctype="toybased"`` runs ``ntoys`` toys per hypothesis (default
    2000) in C++; an observed CLs that the toys cannot determine (no background-only
    toy reaches the observed test statistic) is NaN, and the reason is logged (logger
    ``hfx.infer``, level WARNING).
    """
    test_stat, base, ntoys = _check_calctype(calctype, dict(kwargs))
    _checks.model(pdf)
    poi = _checks.finite_poi(poi_test, "poi_test")
    fit_args = pdf.config._fit_args(init_pars, par_bounds, fixed_params)
    _require_poi_within_bounds(pdf, poi, par_bounds)
    if ntoys is None:
        calc = None
        if return_calculator or base != "normal":
            calc = calculators.AsymptoticCalculator(
                data, pdf, init_pars, par_bounds, fixed_params, test_stat=test_stat, calc_base_dist=base
            )
        if base == "normal":
            engine, target = pdf._engine
            (r,) = engine.hypotest_scan([poi], target, data, test_stat, *fit_args, get_backend()[1])
            if not r["converged"]:
                # pyhf raises when any of the hypothesis test's fits fails
                raise FailedMinimization(
                    f"hypotest at {poi_test}: a fit did not converge "
                    f"(free: {r['free_fit']['status']}, fixed: {r['fixed_fit']['status']})"
                )
            if calc is not None:
                calc.teststatistic(poi)
        else:
            # the clipped base distribution changes the p-values: the calculator's
            ts = calc.teststatistic(poi)
            sb, b = calc.distributions(poi)
            r = dict(zip(("clsb", "clb", "cls"), (float(v) for v in calc.pvalues(ts, sb, b))))
            exp = calc.expected_pvalues(sb, b)
            for key, band in zip(("clsb_expected", "clb_expected", "cls_expected"), exp):
                r[key] = [float(v) for v in band]
    else:
        calc = calculators.ToyCalculator(data, pdf, init_pars, par_bounds, fixed_params, test_stat=test_stat, ntoys=ntoys)
        r = calc._run(poi)
        if r["cls_problem"]:
            _log.warning("hypotest at %s: %s", poi_test, r["cls_problem"])
    returns = _returns_from_result(r, test_stat == "q0", return_tail_probs, return_expected, return_expected_set)
    if return_calculator:
        returns = (*returns, calc) if isinstance(returns, tuple) else (returns, calc)
    return returns
