#!/usr/bin/env python3
"""Asymptotic-inference golden values computed with the REAL pyhf (numpy backend, SciPy
SLSQP optimizer -- pyhf's defaults).

    PYTHONPATH=/tmp/pyhf-ref/src /usr/bin/python3 scripts/make_golden_infer.py

Writes tests/data/golden/infer.json:
  meta: pyhf version/commit/date, numpy/scipy versions, settings
  simplemodels: pyhf "hello world" uncorrelated_background / correlated_background models
  cases: one entry per (workspace.json in tests/data/reference, settings) with
    model info (par_names, suggested_init/bounds/fixed, poi_index, auxdata, data),
    hypotest at mu=1 for qtilde and q, hypotest at mu=0 for q0
      (each: CLs_obs, CLsb, CLb, CLs_exp [-2..+2 sigma], p-values as pyhf returns them),
    test statistics on observed data (qmu, qmu_tilde, tmu, tmu_tilde at mu=1; q0 at mu=0),
    mle.fit and mle.fixed_poi_fit(1.0): twice_nll and best-fit vector,
    timing_s per step.
Settings: "default" = normsys code4, histosys code4p (pyhf defaults);
"validation" (pyhf-validation/* only) = normsys code1, histosys code0, plus the
hypotest at validation.json's test_poi/test_stat, compared with validation.json.
3L-eRJR: fits skipped (pyhf's SLSQP fit is known wrong there; see reference README).
Fit-based numbers are only as accurate as SLSQP's tolerance (~1e-4 relative on parameters,
CLs typically agrees to ~1e-6 .. 1e-5 relative).
"""
import datetime
import json
import logging
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy

import pyhf

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT / "tests" / "data" / "reference"
OUT = ROOT / "tests" / "data" / "golden" / "infer.json"
PYHF_DIR = Path(os.environ.get("PYHF_REF_DIR", "/tmp/pyhf-ref"))
STEP_TIMEOUT = 30  # seconds per call; slower calls are recorded as skipped
SKIP_FITS = {"3L-eRJR": "pyhf's default SciPy SLSQP fit does not move from init on this workspace (see tests/data/reference/README.md)"}

pyhf.set_backend("numpy")
logging.getLogger("pyhf").setLevel(logging.ERROR)  # silence qmu/tmu "POI bounded at zero" notes


def git(*args):
    return subprocess.run(
        ["git", "-C", str(PYHF_DIR), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


class StepTimeout(Exception):
    pass


def _alarm(signum, frame):
    raise StepTimeout()


signal.signal(signal.SIGALRM, _alarm)


def tolist(x):
    if isinstance(x, (list, tuple)):
        return [tolist(v) for v in x]
    a = np.asarray(x)
    if a.ndim == 0:
        return float(a)
    return a.astype(float).tolist()


def step(rec, name, fn):
    signal.alarm(STEP_TIMEOUT)
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            rec[name] = fn()
        if w:
            rec.setdefault("warnings", {})[name] = sorted({str(x.message)[:300] for x in w})
    except StepTimeout:
        rec[name] = None
        rec.setdefault("errors", {})[name] = f"skipped: exceeded {STEP_TIMEOUT} s"
    except Exception as e:  # noqa: BLE001
        rec[name] = None
        rec.setdefault("errors", {})[name] = f"{type(e).__name__}: {str(e)[:300]}"
    finally:
        signal.alarm(0)
    rec.setdefault("timing_s", {})[name] = round(time.perf_counter() - t0, 3)


def hypo(mu, data, model, test_stat):
    obs, tails, exp = pyhf.infer.hypotest(
        mu,
        data,
        model,
        test_stat=test_stat,
        return_expected_set=True,
        return_tail_probs=True,
    )
    if test_stat == "q0":
        # pyhf returns (CLsb_obs = p0, [CLb_obs], CLsb_exp band) for q0
        return {
            "poi": mu,
            "test_stat": test_stat,
            "p0_obs": tolist(obs),
            "CLb": tolist(tails[0]),
            "p0_exp": tolist(exp),
            "returned": [tolist(obs), tolist(tails), tolist(exp)],
        }
    return {
        "poi": mu,
        "test_stat": test_stat,
        "CLs_obs": tolist(obs),
        "CLsb": tolist(tails[0]),
        "CLb": tolist(tails[1]),
        "CLs_exp": tolist(exp),
        "returned": [tolist(obs), tolist(tails), tolist(exp)],
    }


def model_info(model, data):
    c = model.config
    info = {
        "par_names": list(c.par_names),
        "par_order": list(c.par_order),
        "poi_name": c.poi_name,
        "poi_index": c.poi_index,
        "suggested_init": tolist(c.suggested_init()),
        "suggested_bounds": tolist(c.suggested_bounds()),
        "suggested_fixed": [bool(x) for x in c.suggested_fixed()],
        "auxdata": tolist(c.auxdata),
        "nmain": int(c.nmaindata),
        "naux": int(c.nauxdata),
    }
    if len(data) <= 300:
        info["data"] = tolist(data)
    return info


def battery(model, data, skip_fits=None):
    rec = {"model": model_info(model, data)}
    if skip_fits:
        rec["skipped"] = skip_fits
        return rec
    ti = pyhf.infer.test_statistics
    init, bounds, fixed = (
        model.config.suggested_init(),
        model.config.suggested_bounds(),
        model.config.suggested_fixed(),
    )

    def fit():
        pars, v = pyhf.infer.mle.fit(data, model, return_fitted_val=True)
        return {"twice_nll": tolist(v), "bestfit": tolist(pars)}

    def cfit():
        pars, v = pyhf.infer.mle.fixed_poi_fit(1.0, data, model, return_fitted_val=True)
        return {"poi": 1.0, "twice_nll": tolist(v), "bestfit": tolist(pars)}

    step(rec, "mle_fit", fit)
    step(rec, "fixed_poi_fit_mu1", cfit)
    step(rec, "qmu_tilde_mu1", lambda: tolist(ti.qmu_tilde(1.0, data, model, init, bounds, fixed)))
    step(rec, "qmu_mu1", lambda: tolist(ti.qmu(1.0, data, model, init, bounds, fixed)))
    step(rec, "tmu_tilde_mu1", lambda: tolist(ti.tmu_tilde(1.0, data, model, init, bounds, fixed)))
    step(rec, "tmu_mu1", lambda: tolist(ti.tmu(1.0, data, model, init, bounds, fixed)))
    step(rec, "q0_mu0", lambda: tolist(ti.q0(0.0, data, model, init, bounds, fixed)))
    step(rec, "hypotest_qtilde_mu1", lambda: hypo(1.0, data, model, "qtilde"))
    step(rec, "hypotest_q_mu1", lambda: hypo(1.0, data, model, "q"))
    step(rec, "hypotest_q0_mu0", lambda: hypo(0.0, data, model, "q0"))
    return rec


def simple_models():
    out = {}
    defs = {
        "uncorrelated_background": (
            lambda: pyhf.simplemodels.uncorrelated_background(
                signal=[12.0, 11.0], bkg=[50.0, 52.0], bkg_uncertainty=[3.0, 7.0]
            ),
            {"signal": [12, 11], "bkg": [50, 52], "bkg_uncertainty": [3, 7]},
        ),
        "correlated_background": (
            lambda: pyhf.simplemodels.correlated_background(
                signal=[12.0, 11.0], bkg=[50.0, 52.0], bkg_up=[45.0, 57.0], bkg_down=[55.0, 47.0]
            ),
            {"signal": [12, 11], "bkg": [50, 52], "bkg_up": [45, 57], "bkg_down": [55, 47]},
        ),
    }
    for name, (mk, args) in defs.items():
        model = mk()
        data = [51.0, 48.0] + list(model.config.auxdata)
        rec = {"args": args, "observed_main": [51.0, 48.0], "spec": model.spec}
        rec.update(battery(model, data))
        rec["expected_data_at_init"] = tolist(model.expected_data(model.config.suggested_init()))
        rec["logpdf_at_init"] = tolist(model.logpdf(model.config.suggested_init(), data)[0])
        out[name] = rec
        print(name, rec["hypotest_qtilde_mu1"], file=sys.stderr)
    return out


VALIDATION_SETTINGS = {"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}}


def main():
    result = {
        "meta": {
            "generator": "scripts/make_golden_infer.py",
            "pyhf_version": pyhf.__version__,
            "pyhf_commit": git("rev-parse", "HEAD"),
            "pyhf_commit_date": git("log", "-1", "--format=%cI"),
            "generated_date": datetime.date.today().isoformat(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "backend": "numpy",
            "optimizer": "scipy (SLSQP, pyhf default)",
            "default_settings": "normsys code4, histosys code4p",
            "validation_settings": VALIDATION_SETTINGS,
            "step_timeout_s": STEP_TIMEOUT,
            "note": "hypotest returns (CLs_obs, [CLsb, CLb], CLs_exp[-2..+2 sigma]); for test_stat q0 pyhf's 'CLs' entries are as returned by pyhf.infer.hypotest(0.0, ..., test_stat='q0'). timing_s values are wall-clock and NOT deterministic.",
        },
        "simplemodels": simple_models(),
        "cases": [],
    }
    for p in sorted(REF.glob("**/workspace.json")):
        case = str(p.parent.relative_to(REF))
        spec = json.loads(p.read_text())
        ws = pyhf.Workspace(spec)
        settings = [("default", None)]
        vpath = p.parent / "validation.json"
        if vpath.exists():
            settings.append(("validation", VALIDATION_SETTINGS))
        for sname, ms in settings:
            model = ws.model(modifier_settings=ms) if ms else ws.model()
            data = ws.data(model)
            t0 = time.perf_counter()
            rec = {
                "case": case,
                "input": str(p.relative_to(ROOT)),
                "settings": sname,
                "modifier_settings": ms,
                "measurement": ws.get_measurement()["name"],
            }
            rec.update(battery(model, data, SKIP_FITS.get(case)))
            if sname == "validation":
                v = json.loads(vpath.read_text())
                mu, ts = v["settings"]["test_poi"], v["settings"]["test_stat"]
                step(rec, "hypotest_validation", lambda: hypo(mu, data, model, ts))
                rec["validation_json_pyhf_result"] = v["pyhf_result"]
                hv = rec["hypotest_validation"]
                if hv:
                    obs = hv["p0_obs"] if ts == "q0" else hv["CLs_obs"]
                    rec["validation_rel_diff_CLs_obs"] = abs(obs / v["pyhf_result"]["CLs_obs"] - 1)
            print(
                f"{case:45s} {sname:10s} {time.perf_counter() - t0:7.2f}s",
                (rec.get("hypotest_qtilde_mu1") or {}).get("CLs_obs"),
                rec.get("errors"),
                rec.get("validation_rel_diff_CLs_obs"),
                file=sys.stderr,
            )
            result["cases"].append(rec)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
