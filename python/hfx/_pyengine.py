"""Fits and asymptotic hypothesis tests of models evaluated in Python (custom modifier
kinds), with the signatures and result dictionaries of the C++ ones in ``hfx._core``.

The fit is SciPy's L-BFGS-B on -2 log L with finite-difference gradients (the model has
no analytic gradient), to a tight tolerance; uncertainties come from a finite-difference
Hessian. The asymptotic formulas are the C++ calculator's (src/infer/asymptotic.cpp):
q, qtilde or q0 on the data and on the Asimov data of the fit with the POI at 0 (q0: 1).
"""

import math

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_ndtr, ndtr

from .exceptions import InvalidModel, Unsupported, UnspecifiedPOI

# pyhf's band order: CLs from -2 to +2 sigma is the b-only distribution at +2 ... -2 sigma.
_BAND_SIGMAS = (2.0, 1.0, 0.0, -1.0, -2.0)


def _problem(model, init, bounds, fixed, fixed_poi):
    cfg = model.config
    init = np.array(cfg.suggested_init() if init is None else init, dtype=float)
    bounds = np.array(cfg.suggested_bounds() if bounds is None else bounds, dtype=float).reshape(-1, 2)
    fixed = np.array(cfg.suggested_fixed() if fixed is None else fixed, dtype=bool)
    if fixed_poi is not None:
        if cfg.poi_index is None:
            raise UnspecifiedPOI("a fit with the POI fixed needs a model with a parameter of interest")
        init[cfg.poi_index] = fixed_poi
        fixed[cfg.poi_index] = True
    return init, bounds, fixed


def _fit_result(x, twice_nll, converged, message, nit, nfev):
    return {
        "x": x,
        "nll": twice_nll / 2,
        "twice_nll": twice_nll,
        "status": "converged" if converged else "failed",
        "converged": bool(converged),
        "message": "" if converged else message,
        "iterations": int(nit),
        "evaluations": int(nfev),
        "restarts": 0,
        "grad_norm": float("nan"),
    }


def _hessian(f, x, steps):
    """Central finite-difference Hessian of f at x."""
    n = x.size
    h = np.zeros((n, n))
    f0 = f(x)
    for i in range(n):
        ei = np.zeros(n)
        ei[i] = steps[i]
        h[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / steps[i] ** 2
        for j in range(i):
            ej = np.zeros(n)
            ej[j] = steps[j]
            h[i, j] = h[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (4 * steps[i] * steps[j])
    return h


def fit(model, data, init, bounds, fixed, fixed_poi, uncertainties, correlations, optimizer=None):
    init, bounds, fixed = _problem(model, init, bounds, fixed, fixed_poi)
    data = np.asarray(data, dtype=float)
    free = np.flatnonzero(~fixed)
    x = init.copy()

    def twice_nll(xf):
        x[free] = xf
        v = -2.0 * model._eval.logpdf(x, data)
        return v if math.isfinite(v) else 1e300

    maxiter = int(getattr(optimizer, "maxiter", None) or 15000)
    if free.size:
        r = minimize(
            twice_nll,
            np.clip(init[free], bounds[free, 0], bounds[free, 1]),
            method="L-BFGS-B",
            bounds=bounds[free],
            options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": maxiter, "maxfun": 50 * maxiter},
        )
        x[free] = r.x
        value, converged, message, nit, nfev = float(r.fun), bool(r.success), str(r.message), r.nit, r.nfev
        if not converged and r.nit < maxiter and "ABNORMAL" in message:
            # The line search stops on rounding noise at the minimum: accept it where the
            # projected (finite-difference) gradient vanishes.
            lo, hi = bounds[free, 0], bounds[free, 1]
            projected = np.clip(r.x - r.jac, lo, hi) - r.x
            converged = bool(np.max(np.abs(projected)) < 1e-4) and value < 1e299
    else:
        value, converged, message, nit, nfev = twice_nll(np.array([])), True, "", 0, 1
    out = _fit_result(x.copy(), value, converged, message, nit, nfev)
    if (uncertainties or correlations) and converged:
        steps = 1e-4 * np.maximum(1.0, np.abs(x[free]))
        h = _hessian(lambda xf: twice_nll(xf) / 2, x[free].copy(), steps)
        x[free] = out["x"][free]
        cov = np.linalg.pinv(h)
        unc = np.zeros(x.size)
        unc[free] = np.sqrt(np.clip(np.diag(cov), 0, None))
        out["uncertainties"] = unc
        if correlations:
            corr = np.zeros((x.size, x.size))
            d = np.sqrt(np.clip(np.diag(cov), 1e-300, None))
            corr[np.ix_(free, free)] = cov / np.outer(d, d)
            out["correlations"] = corr
    return out


def _value(name, mu, muhat, fixed_fit, free_fit):
    """The test statistic from the two fits (src/infer/test_statistics.cpp)."""
    if muhat == mu:
        return 0.0
    t = max(0.0, fixed_fit["twice_nll"] - free_fit["twice_nll"])
    if name == "q0":
        return 0.0 if muhat < mu else t
    if name in ("q", "qtilde"):
        return 0.0 if muhat > mu else t
    return t


def _require_poi(model, fixed):
    """The POI's index; as the C++ tests, a fixed POI is an InvalidModel."""
    poi = model.config.poi_index
    if poi is None:
        raise UnspecifiedPOI("hypothesis tests need a model with a parameter of interest")
    fixed = model.config.suggested_fixed() if fixed is None else fixed
    if bool(fixed[poi]):
        raise InvalidModel(
            f"the POI '{model.config.poi_name}' is fixed; hypothesis tests and limits need a free POI"
        )
    return poi


def test_statistic(name, mu, model, data, init, bounds, fixed, optimizer=None):
    poi = _require_poi(model, fixed)
    free = fit(model, data, init, bounds, fixed, None, False, False, optimizer)
    fixed_fit = fit(model, data, init, bounds, fixed, mu, False, False, optimizer)
    return {
        "value": _value(name, mu, free["x"][poi], fixed_fit, free),
        "converged": free["converged"] and fixed_fit["converged"],
        "free_fit": free,
        "fixed_fit": fixed_fit,
    }


def hypotest_scan(pois, model, data, test_stat, init, bounds, fixed, optimizer=None):
    """Asymptotic CLs at each POI value: the dictionaries of ``_core.hypotest_scan``."""
    poi = _require_poi(model, fixed)
    if test_stat not in ("q", "qtilde", "q0"):
        raise Unsupported(f"test statistic {test_stat!r} for models with custom modifiers")
    free = fit(model, data, init, bounds, fixed, None, False, False, optimizer)
    asimov_mu = 1.0 if test_stat == "q0" else 0.0
    generating = fit(model, data, init, bounds, fixed, asimov_mu, False, False, optimizer)
    asimov = model.expected_data(generating["x"])
    free_asimov = fit(model, asimov, generating["x"], bounds, fixed, None, False, False, optimizer)
    out = []
    for mu in pois:
        fixed_fit = fit(model, data, init, bounds, fixed, mu, False, False, optimizer)
        fixed_asimov = fit(model, asimov, generating["x"], bounds, fixed, mu, False, False, optimizer)
        q = _value(test_stat, mu, free["x"][poi], fixed_fit, free)
        qa = _value(test_stat, mu, free_asimov["x"][poi], fixed_asimov, free_asimov)
        sq, sqa = math.sqrt(q), math.sqrt(qa)
        if test_stat == "qtilde" and not (sq <= sqa or sqa == 0):
            t = (q - qa) / (2 * sqa)
        else:
            t = sq - sqa
        clsb, clb = float(ndtr(-(t + sqa))), float(ndtr(-t))
        clsb_band = [float(ndtr(-(n + sqa))) for n in _BAND_SIGMAS]
        clb_band = [float(ndtr(-n)) for n in _BAND_SIGMAS]
        if test_stat == "q0":
            cls, cls_band = clsb, list(clsb_band)
        else:
            # the ratio of the two tails from their logarithms: CLb may underflow
            cls = math.exp(float(log_ndtr(-(t + sqa)) - log_ndtr(-t)))
            cls_band = [math.exp(float(log_ndtr(-(n + sqa)) - log_ndtr(-n))) for n in _BAND_SIGMAS]
        fits = (free, fixed_fit, generating, free_asimov, fixed_asimov)
        out.append(
            {
                "poi": float(mu),
                "cls": cls,
                "clsb": clsb,
                "clb": clb,
                "cls_expected": cls_band,
                "clsb_expected": clsb_band,
                "clb_expected": clb_band,
                "teststat": t,
                "qmu": q,
                "qmu_asimov": qa,
                "converged": all(f["converged"] for f in fits),
                "free_fit": free,
                "fixed_fit": fixed_fit,
                "asimov_free_fit": free_asimov,
                "asimov_fixed_fit": fixed_asimov,
            }
        )
    return out


def upper_limit(*args, **kwargs):
    raise Unsupported("upper limits without a scan for models with custom modifiers: pass scan=[...]")


def toy_hypotest(*args, **kwargs):
    raise Unsupported("toys for models with custom modifiers")
