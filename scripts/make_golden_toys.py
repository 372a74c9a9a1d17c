#!/usr/bin/env python3
"""Toy-based (calctype="toybased") hypotest references computed with the REAL pyhf.

    PYTHONPATH=/tmp/pyhf-ref/src /usr/bin/python3 scripts/make_golden_toys.py [--ntoys N]

Writes tests/data/golden/toys.json.  For each case:
  np.random.seed(SEED) immediately before
  pyhf.infer.hypotest(1.0, data, model, calctype="toybased", ntoys=N,
                      return_expected_set=True, return_tail_probs=True, test_stat="qtilde")
and records CLs_obs, CLsb, CLb, CLs_exp (-2..+2 sigma), ntoys, seed, wall time.
Toy results are statistical: a different RNG (hfx) must agree within toy fluctuations,
roughly sqrt(p(1-p)/ntoys) on CLsb/CLb, not bit-for-bit.  The asymptotic result for the
same model is stored alongside for orientation.
"""
import argparse
import datetime
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy

import pyhf

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT / "tests" / "data" / "reference"
OUT = ROOT / "tests" / "data" / "golden" / "toys.json"
PYHF_DIR = Path(os.environ.get("PYHF_REF_DIR", "/tmp/pyhf-ref"))
SEED = 20240601

pyhf.set_backend("numpy")
logging.getLogger("pyhf").setLevel(logging.ERROR)


def git(*args):
    return subprocess.run(
        ["git", "-C", str(PYHF_DIR), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def tolist(x):
    if isinstance(x, (list, tuple)):
        return [tolist(v) for v in x]
    a = np.asarray(x)
    return float(a) if a.ndim == 0 else a.astype(float).tolist()


def from_ws(rel):
    p = REF / rel / "workspace.json"
    ws = pyhf.Workspace(json.loads(p.read_text()))
    model = ws.model()
    return str(p.relative_to(ROOT)), model, ws.data(model)


def hello():
    model = pyhf.simplemodels.uncorrelated_background(
        signal=[12.0, 11.0], bkg=[50.0, 52.0], bkg_uncertainty=[3.0, 7.0]
    )
    return None, model, [51.0, 48.0] + list(model.config.auxdata)


CASES = [
    ("pyhf-validation/1bin_normsys", lambda: from_ws("pyhf-validation/1bin_normsys"), "normsys"),
    ("small/pyhf-docs-2bin-1channel", lambda: from_ws("small/pyhf-docs-2bin-1channel"), "shapesys, 2 bins"),
    ("simplemodels/uncorrelated_background", hello, "hello world: signal=[12,11], bkg=[50,52], bkg_uncertainty=[3,7], obs=[51,48]"),
    ("pyhf-validation/1bin_shapesys", lambda: from_ws("pyhf-validation/1bin_shapesys"), "shapesys"),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ntoys", type=int, default=2000)
    args = ap.parse_args()
    out = {
        "meta": {
            "generator": "scripts/make_golden_toys.py",
            "pyhf_version": pyhf.__version__,
            "pyhf_commit": git("rev-parse", "HEAD"),
            "pyhf_commit_date": git("log", "-1", "--format=%cI"),
            "generated_date": datetime.date.today().isoformat(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "backend": "numpy",
            "call": 'np.random.seed(seed); pyhf.infer.hypotest(1.0, data, model, calctype="toybased", ntoys=ntoys, return_expected_set=True, return_tail_probs=True, test_stat="qtilde")',
            "note": "statistical reference: compare within toy uncertainty; wall_time_s is not deterministic",
        },
        "cases": [],
    }
    for name, mk, desc in CASES:
        inp, model, data = mk()
        asym = pyhf.infer.hypotest(
            1.0, data, model, return_expected_set=True, return_tail_probs=True, test_stat="qtilde"
        )
        np.random.seed(SEED)
        t0 = time.perf_counter()
        obs, tails, exp = pyhf.infer.hypotest(
            1.0,
            data,
            model,
            calctype="toybased",
            ntoys=args.ntoys,
            return_expected_set=True,
            return_tail_probs=True,
            test_stat="qtilde",
        )
        wall = time.perf_counter() - t0
        rec = {
            "case": name,
            "input": inp,
            "description": desc,
            "data": tolist(data),
            "poi": 1.0,
            "test_stat": "qtilde",
            "ntoys": args.ntoys,
            "seed": SEED,
            "CLs_obs": tolist(obs),
            "CLsb": tolist(tails[0]),
            "CLb": tolist(tails[1]),
            "CLs_exp": tolist(exp),
            "wall_time_s": round(wall, 2),
            "asymptotic": {
                "CLs_obs": tolist(asym[0]),
                "CLsb": tolist(asym[1][0]),
                "CLb": tolist(asym[1][1]),
                "CLs_exp": tolist(asym[2]),
            },
        }
        print(name, rec["CLs_obs"], rec["CLs_exp"], f"{wall:.1f}s", file=sys.stderr)
        out["cases"].append(rec)
        OUT.parent.mkdir(parents=True, exist_ok=True)
        with open(OUT, "w", encoding="utf-8") as f:  # write after each case
            json.dump(out, f, indent=1, sort_keys=True)
            f.write("\n")


if __name__ == "__main__":
    main()
