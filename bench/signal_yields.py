#!/usr/bin/env python3
"""Times hfx.reinterpret.SignalYields on the 1Lbb simplified reference: K signal-yield
vectors (the published signal scaled bin by bin by random factors in [0.2, 3]), the
profiled -2 ln lambda(mu = 1) of each, with and without its gradient.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/signal_yields.py [K] [RUNS]
"""
import json
import pathlib
import sys
import time

import numpy as np

import hfx

root = pathlib.Path(__file__).resolve().parents[1] / "tests" / "data" / "reference" / "1Lbb-simplified" / "published"
K = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
bkg = json.loads((root / "simplified_BkgOnly.json").read_text())
patch = json.loads((root / "patch.C1N2_Wh_hbb_700_150.json").read_text())
signal = np.array([v for op in patch for v in op["value"]["data"]])
t0 = time.perf_counter()
sy = hfx.reinterpret.SignalYields(bkg, signal_modifiers=[{"name": "lumi", "type": "lumi", "data": None}])
build = time.perf_counter() - t0
S = signal * np.random.default_rng(1).uniform(0.2, 3.0, (K, signal.size))
for gradient in (False, True):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = sy.profile(S, mu=1.0, gradient=gradient)
        times.append(time.perf_counter() - t0)
    ok = sum(s == "converged" for s in r["status"])
    print(f"K={K} gradient={gradient}: median {np.median(times):.3f} s (min {min(times):.3f}, max {max(times):.3f}), "
          f"{ok}/{K} converged; model built in {build:.3f} s")
