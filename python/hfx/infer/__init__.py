"""Inference with pyhf's API: hypothesis tests (CLs), fits, test statistics, limits.

Only the asymptotic calculator is provided (pyhf's default, calctype="asymptotics").
The numerical work runs in C++ with the GIL released.
"""

import numpy as np

from .. import _checks, _core
from ..exceptions import FailedMinimization, Unsupported
from . import calculators, intervals, mle, test_statistics

__all__ = ["calculators", "hypotest", "intervals", "mle", "test_statistics"]

_TEST_STATS = ("q0", "q", "qtilde")


def _check_calctype(calctype, kwargs):
    if calctype != "asymptotics":
        raise Unsupported(f"calctype={calctype!r}: hfx's Python API provides the asymptotic calculator only")
    base = kwargs.pop("calc_base_dist", "normal")
    if base != "normal":
        raise Unsupported(f"calc_base_dist={base!r}: only 'normal' is supported")
    test_stat = kwargs.pop("test_stat", "qtilde")
    if not isinstance(test_stat, str):
        raise TypeError(f"test_stat: expected one of {list(_TEST_STATS)}, got {test_stat!r}")
    if test_stat not in _TEST_STATS:
        raise Unsupported(f"test_stat={test_stat!r}: the asymptotic calculator takes 'q0', 'q' or 'qtilde'")
    if kwargs:
        raise Unsupported(f"unsupported hypotest options: {sorted(kwargs)}")
    return test_stat


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
    r"""Asymptotic CLs hypothesis test at ``poi_test`` (pyhf.infer.hypotest).

    Returns CLs_obs, then ``[CLsb, CLb]`` (return_tail_probs), the median expected CLs
    (return_expected) and the expected band for :math:`(-2,-1,0,1,2)\sigma`
    (return_expected_set), all numpy 0-d arrays, in pyhf's order. With
    ``test_stat="q0"`` the p-values are the discovery p0 and ``[CLb]``.
    """
    test_stat = _check_calctype(calctype, dict(kwargs))
    if return_calculator:
        raise Unsupported("return_calculator: hfx does not expose a calculator object in its pyhf API")
    _checks.model(pdf)
    poi = _checks.finite_poi(poi_test, "poi_test")
    init_pars, par_bounds, fixed_params = pdf.config._fit_args(init_pars, par_bounds, fixed_params)
    (r,) = _core.hypotest_scan([poi], pdf._core, data, test_stat, init_pars, par_bounds, fixed_params)
    if not r["converged"]:
        # pyhf raises when any of the hypothesis test's fits fails
        raise FailedMinimization(
            f"hypotest at {poi_test}: a fit did not converge "
            f"(free: {r['free_fit']['status']}, fixed: {r['fixed_fit']['status']})"
        )
    return _returns_from_result(r, test_stat == "q0", return_tail_probs, return_expected, return_expected_set)
