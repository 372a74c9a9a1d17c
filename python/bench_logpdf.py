#!/usr/bin/python3
"""Per-call time of model.logpdf(pars, data) on pyhf's hello-world model, hfx vs pyhf.

    PYTHONPATH=build/release/python /usr/bin/python3 python/bench_logpdf.py [--calls N]

pyhf is timed too when it can be imported from /tmp/pyhf-ref/src (or is installed).
Each timing is the median over repeats of the mean time per call in a tight loop.
"""

import argparse
import importlib
import os
import statistics
import sys
import timeit

import numpy as np

PYHF_SRC = "/tmp/pyhf-ref/src"

# This script sits next to the source package python/hfx/, which has no compiled _core;
# import the built package from PYTHONPATH instead.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]


def hello_world(lib):
    model = lib.simplemodels.uncorrelated_background(signal=[12, 11], bkg=[50, 52], bkg_uncertainty=[3, 7])
    data = [51, 48] + model.config.auxdata
    return model, model.config.suggested_init(), data


def per_call_us(fn, calls, repeats):
    fn()  # warm up (first call binds the data)
    times = timeit.repeat(fn, number=calls, repeat=repeats)
    return statistics.median(t / calls for t in times) * 1e6


def bench(name, lib, calls, repeats):
    model, pars, data = hello_world(lib)
    pars_np, data_np = np.asarray(pars, dtype=float), np.asarray(data, dtype=float)
    lists = per_call_us(lambda: model.logpdf(pars_np if name == "pyhf" else pars, data), calls, repeats)
    arrays = per_call_us(lambda: model.logpdf(pars_np, data_np), calls, repeats)
    value = float(model.logpdf(pars_np, data_np)[0])
    print(f"{name:5s} logpdf = {value:.12f}   numpy arrays: {arrays:8.2f} us/call   python lists: {lists:8.2f} us/call")
    return arrays


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000, help="calls per timing (default 20000)")
    parser.add_argument("--repeats", type=int, default=7, help="timings to take the median of (default 7)")
    args = parser.parse_args()

    try:
        import hfx
    except ImportError as err:
        sys.exit(f"cannot import hfx ({err}); run with PYTHONPATH=<build dir>/python")

    t_hfx = bench("hfx", hfx, args.calls, args.repeats)
    try:
        if PYHF_SRC not in sys.path:
            sys.path.append(PYHF_SRC)
        pyhf = importlib.import_module("pyhf")
    except ImportError as err:
        print(f"pyhf not importable ({err}); timing hfx only")
        return
    pyhf.set_backend("numpy")
    # pyhf is ~100x slower per call: fewer calls keep the run short.
    t_pyhf = bench("pyhf", pyhf, max(args.calls // 20, 100), args.repeats)
    print(f"speed-up (numpy arrays): {t_pyhf / t_hfx:.0f}x")


if __name__ == "__main__":
    main()
