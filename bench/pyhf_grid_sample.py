#!/usr/bin/env python3
"""Time pyhf on a sample of a PatchSet's signal grid, point by point, and scale to the grid.

This is the pyhf side of the `hfx scan` benchmark: for K patches of a PatchSet it does what a
pyhf user does for each grid point -- apply the patch to the background-only workspace, build
the workspace + model + data, run

    pyhf.infer.hypotest(1.0, data, model, test_stat="qtilde", return_expected_set=True)
    pyhf.infer.intervals.upper_limits.upper_limit(data, model, level=0.05)   # scan=None: toms748

with pyhf's defaults (numpy backend, scipy SLSQP optimizer, asymptotics, normsys code4 /
histosys code4p) -- and records the wall time of each step. The whole-grid time is estimated as
N_points x (mean per-point total), the points being processed one after another in one process
(load/import time reported separately and added once in the "incl_load" figure).

Sample selection (deterministic):
  --select even   (default) indices floor(i*N/K), i = 0..K-1, over the PatchSet's file order
                  (always includes patch 0; K >= N takes every patch)
  --select random random.Random(seed).sample(range(N), K), then sorted

Run with Debian's python and the pyhf checkout made by shared/tools/pyhf-ref.sh, e.g.

  PYTHONPATH=/tmp/pyhf-ref/src nice /usr/bin/python3 bench/pyhf_grid_sample.py \\
      BKG.json PATCHSET.json --sample 8 --out results.json [--no-verify]

--no-verify: apply each patch's JSON Patch with the `jsonpatch` package directly instead of
pyhf.PatchSet.apply (which first checks the PatchSet's digest against the background-only
workspace and refuses on a mismatch, as for the published 1Lbb simplified likelihood).

A point where pyhf raises is kept, with the error recorded for the stage that failed.
The output JSON is rewritten after every point, so a killed run still leaves its results.
"""

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import traceback
import warnings

T_START = time.perf_counter()


def _err(exc):
    tb = traceback.extract_tb(exc.__traceback__)
    where = f"{tb[-1].filename}:{tb[-1].lineno}" if tb else ""
    return {"type": type(exc).__name__, "message": str(exc)[:2000], "where": where}


def _f(x):
    """Tensor/array/scalar -> float (or list of floats)."""
    try:
        return float(x)
    except TypeError:
        return [_f(v) for v in x]


def _git_commit(path):
    try:
        out = subprocess.run(
            ["git", "-C", path, "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=True,
        )
        return out.stdout.strip()
    except Exception:  # noqa: BLE001
        return None


def _loadavg():
    try:
        return list(os.getloadavg())
    except OSError:
        return None


def select_indices(n, k, mode, seed):
    if k >= n:
        return list(range(n))
    if mode == "even":
        return [(i * n) // k for i in range(k)]
    return sorted(random.Random(seed).sample(range(n), k))


def summarize(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {
        "n": len(values),
        "mean": statistics.fmean(values),
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "stdev": statistics.stdev(values) if len(values) > 1 else 0.0,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bkg", help="background-only workspace JSON")
    ap.add_argument("patchset", help="pyhf PatchSet JSON")
    ap.add_argument("--sample", type=int, default=8, help="number of grid points to run (default 8)")
    ap.add_argument("--select", choices=["even", "random"], default="even",
                    help="even: floor(i*N/K) over PatchSet order (default); random: seeded sample")
    ap.add_argument("--seed", type=int, default=0, help="seed for --select random (default 0)")
    ap.add_argument("--out", required=True, help="output JSON file")
    ap.add_argument("--no-verify", action="store_true",
                    help="apply patches with jsonpatch directly (skip PatchSet digest check)")
    ap.add_argument("--no-upper-limit", action="store_true", help="skip the upper limit (CLs only)")
    args = ap.parse_args()

    load_avg_start = _loadavg()

    # ---- load phase (done once per grid) -------------------------------------------------
    t0 = time.perf_counter()
    import jsonpatch
    import numpy as np
    import scipy

    import pyhf
    from pyhf.infer.intervals.upper_limits import upper_limit

    pyhf.set_backend("numpy")  # pyhf's default; explicit for the record
    t_import = time.perf_counter() - t0

    t0 = time.perf_counter()
    with open(args.bkg) as f:
        bkg_spec = json.load(f)
    with open(args.patchset) as f:
        patchset_spec = json.load(f)
    t_read_json = time.perf_counter() - t0

    t0 = time.perf_counter()
    bkg_ws = pyhf.Workspace(bkg_spec)  # schema-validated once (also warms the schema cache)
    patchset = pyhf.PatchSet(patchset_spec)  # schema-validated
    t_build_objects = time.perf_counter() - t0
    load_time = t_import + t_read_json + t_build_objects

    backend, optimizer = pyhf.get_backend()
    pyhf_src = os.path.dirname(os.path.dirname(os.path.abspath(pyhf.__file__)))
    pyhf_root = os.path.dirname(pyhf_src)

    n_points = len(patchset.patches)
    indices = select_indices(n_points, args.sample, args.select, args.seed)

    verify_status = None
    if not args.no_verify:
        try:
            patchset.verify(bkg_ws)
            verify_status = "ok"
        except Exception as exc:  # noqa: BLE001
            verify_status = f"FAILED: {exc}"

    meta = {
        "tool": "bench/pyhf_grid_sample.py",
        "bkg": os.path.abspath(args.bkg),
        "patchset": os.path.abspath(args.patchset),
        "argv": sys.argv,
        "pyhf": {
            "version": pyhf.__version__,
            "file": pyhf.__file__,
            "git_commit": _git_commit(pyhf_root),
            "backend": type(backend).__name__,
            "optimizer": type(optimizer).__name__,
            "optimizer_method": getattr(optimizer, "name", None),
        },
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "jsonpatch": getattr(jsonpatch, "__version__", None),
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "nice": os.nice(0),
            "threads_env": {k: os.environ.get(k) for k in
                            ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
        },
        "settings": {
            "poi_test": 1.0,
            "test_stat": "qtilde",
            "calctype": "asymptotics (hypotest default)",
            "upper_limit": "pyhf.infer.intervals.upper_limits.upper_limit(data, model, scan=None, "
                           "level=0.05, return_results=True, test_stat='qtilde') -> toms748_scan "
                           "(atol=2e-12, rtol=1e-4, POI bounds = model suggested bounds)",
            "patch_apply": ("jsonpatch.JsonPatch(patch ops).apply(bkg_spec) (--no-verify)"
                            if args.no_verify else
                            "pyhf.PatchSet.apply(bkg_workspace, name) (verifies digest every call)"),
            "model": "pyhf.Workspace(patched_spec).model(); data = ws.data(model) (defaults)",
            "selection": (f"even: floor(i*N/K) for i in 0..K-1 over PatchSet order"
                          if args.select == "even" else
                          f"random: sorted(random.Random({args.seed}).sample(range(N), K))"),
            "sample_requested": args.sample,
            "digest_verification": verify_status if not args.no_verify else "skipped (--no-verify)",
        },
        "n_points_in_grid": n_points,
        "sample_indices": indices,
        "load": {
            "import_s": t_import,
            "read_json_s": t_read_json,
            "build_bkg_workspace_and_patchset_s": t_build_objects,
            "total_s": load_time,
        },
    }

    points = []

    def write(complete):
        totals = [p["times_s"]["total"] for p in points]
        cpu = [p["cpu_s"] for p in points]
        ok_totals = [p["times_s"]["total"] for p in points if not p["errors"]]
        summary = None
        if totals:
            mean_t = statistics.fmean(totals)
            med_t = statistics.median(totals)
            summary = {
                "points_run": len(points),
                "points_with_error": sum(1 for p in points if p["errors"]),
                "per_point_total_s": summarize(totals),
                "per_point_build_s": summarize([p["times_s"]["patch_and_model_build"] for p in points]),
                "per_point_hypotest_s": summarize([p["times_s"]["hypotest"] for p in points]),
                "per_point_upper_limit_s": summarize([p["times_s"]["upper_limit"] for p in points]),
                "per_point_cpu_s": summarize(cpu),
                "median_per_point_total_s": med_t,
                "mean_per_point_total_s": mean_t,
                "estimated_grid_s": n_points * mean_t,
                "estimated_grid_incl_load_s": load_time + n_points * mean_t,
                "estimated_grid_from_median_s": n_points * med_t,
                "estimated_grid_cpu_s": n_points * statistics.fmean(cpu),
                "load_s": load_time,
                # Points where pyhf raised usually fail fast (e.g. toms748_scan doubling the
                # upper bracket past the POI bound), which pulls the mean down; this is the
                # estimate if every point cost as much as the ones that completed.
                "per_point_total_s_no_error": summarize(ok_totals),
                "estimated_grid_from_no_error_mean_s": (
                    n_points * statistics.fmean(ok_totals) if ok_totals else None),
                "method": (f"estimated_grid_s = N_points ({n_points}) x mean per-point wall time "
                           f"(patch+workspace/model build + hypotest(mu=1) + upper_limit) over the "
                           f"{len(points)} sampled points, run sequentially in one process; "
                           f"estimated_grid_incl_load_s adds the one-time import + JSON load + "
                           f"bkg Workspace/PatchSet construction. Wall times via time.perf_counter; "
                           f"cpu via time.process_time."),
                "load_avg_start": load_avg_start,
                "load_avg_end": _loadavg(),
                "wall_s_this_run": time.perf_counter() - T_START,
            }
        out = dict(meta, complete=complete, summary=summary, points=points)
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f, indent=1)
        os.replace(tmp, args.out)

    for rank, idx in enumerate(indices):
        patch = patchset.patches[idx]
        rec = {
            "index": idx,
            "name": patch.name,
            "values": list(patch.values),
            "CLs_obs": None,
            "CLs_exp": None,
            "upper_limit_obs": None,
            "upper_limit_exp": None,
            "n_hypotests_upper_limit": None,
            "errors": {},
            "warnings": [],
            "times_s": {"patch_and_model_build": None, "hypotest": None, "upper_limit": None, "total": None},
            "load_avg_before": _loadavg(),
        }
        c_start = time.process_time()
        t_start = time.perf_counter()
        model = data = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            # patch + workspace + model + data
            t0 = time.perf_counter()
            try:
                if args.no_verify:
                    spec = jsonpatch.JsonPatch(patch.patch).apply(bkg_spec)  # deep copy, not in place
                    ws = pyhf.Workspace(spec)
                else:
                    ws = patchset.apply(bkg_ws, patch.name)
                model = ws.model()
                data = ws.data(model)
                rec["n_parameters"] = model.config.npars
                rec["n_bins"] = model.config.nmaindata
            except Exception as exc:  # noqa: BLE001
                rec["errors"]["build"] = _err(exc)
            rec["times_s"]["patch_and_model_build"] = time.perf_counter() - t0

            if model is not None:
                t0 = time.perf_counter()
                try:
                    cls_obs, cls_exp = pyhf.infer.hypotest(
                        1.0, data, model, test_stat="qtilde", return_expected_set=True
                    )
                    rec["CLs_obs"] = _f(cls_obs)
                    rec["CLs_exp"] = _f(cls_exp)
                except Exception as exc:  # noqa: BLE001
                    rec["errors"]["hypotest"] = _err(exc)
                rec["times_s"]["hypotest"] = time.perf_counter() - t0

                if not args.no_upper_limit:
                    t0 = time.perf_counter()
                    try:
                        obs, exp, (scanned, _results) = upper_limit(
                            data, model, scan=None, level=0.05, return_results=True,
                            test_stat="qtilde",
                        )
                        rec["upper_limit_obs"] = _f(obs)
                        rec["upper_limit_exp"] = _f(exp)
                        rec["n_hypotests_upper_limit"] = len(scanned)
                    except Exception as exc:  # noqa: BLE001
                        rec["errors"]["upper_limit"] = _err(exc)
                    rec["times_s"]["upper_limit"] = time.perf_counter() - t0
        seen = {}
        for w in caught:
            key = f"{w.category.__name__}: {w.message}"[:300]
            seen[key] = seen.get(key, 0) + 1
        rec["warnings"] = [{"warning": k, "count": v} for k, v in seen.items()]
        rec["times_s"]["total"] = time.perf_counter() - t_start
        rec["cpu_s"] = time.process_time() - c_start
        rec["load_avg_after"] = _loadavg()
        points.append(rec)
        ul = rec["upper_limit_obs"]
        cls_txt = "None" if rec["CLs_obs"] is None else f"{rec['CLs_obs']:.4g}"
        ul_txt = "None" if ul is None else f"{ul:.4g}"
        print(
            f"[{rank + 1}/{len(indices)}] #{idx} {patch.name}: "
            f"CLs_obs={cls_txt} UL_obs={ul_txt} "
            f"total={rec['times_s']['total']:.2f}s (build {rec['times_s']['patch_and_model_build']:.3f}, "
            f"hypotest {rec['times_s']['hypotest'] or 0:.3f}, UL {rec['times_s']['upper_limit'] or 0:.2f}, "
            f"nUL={rec['n_hypotests_upper_limit']})"
            + (f" ERRORS: {list(rec['errors'])}" if rec["errors"] else ""),
            file=sys.stderr, flush=True,
        )
        write(complete=False)

    write(complete=True)
    with open(args.out) as f:
        s = json.load(f)["summary"]
    if s:
        print(
            f"{n_points} points in grid, {s['points_run']} run ({s['points_with_error']} with errors); "
            f"per point: median {s['median_per_point_total_s']:.3f}s mean {s['mean_per_point_total_s']:.3f}s; "
            f"load {load_time:.3f}s; estimated grid {s['estimated_grid_s']:.1f}s "
            f"(incl. load {s['estimated_grid_incl_load_s']:.1f}s)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
