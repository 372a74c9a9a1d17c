#!/usr/bin/env python3
"""Time pyhf on the synthetic combinations of the scaling benchmark (bench/scaling.py).

For each workspace it does what a pyhf user does, with pyhf's defaults (numpy backend,
SciPy SLSQP optimizer, asymptotics, qtilde): build workspace + model + data, then

    pyhf.infer.mle.fit(data, model)
    pyhf.infer.hypotest(1.0, data, model, test_stat="qtilde", return_expected_set=True)

and records the wall time of each step and the process's peak memory (ru_maxrss). Every
workspace runs in its own subprocess with a time limit (--timeout, seconds): a size where
pyhf does not finish is recorded as such, and larger sizes are not tried.

Run with Debian's python and the pyhf checkout made by shared/tools/pyhf-ref.sh, e.g.

  PYTHONPATH=/tmp/pyhf-ref/src /usr/bin/python3 bench/pyhf_scaling.py WS.json... \\
      --timeout 900 --out bench/results/pyhf_scaling.json
"""
import argparse
import json
import os
import subprocess
import sys
import time

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import pyhf
pyhf.set_backend("numpy")
t_import = time.perf_counter() - t0
with open(sys.argv[1]) as f:
    spec = json.load(f)
t = time.perf_counter()
ws = pyhf.Workspace(spec)
model = ws.model()
data = ws.data(model)
t_model = time.perf_counter() - t
out = {"npars": model.config.npars, "import_s": t_import, "load_model_s": t_model}
print(json.dumps(out), flush=True)
t = time.perf_counter()
pyhf.infer.mle.fit(data, model)
out["fit_s"] = time.perf_counter() - t
print(json.dumps(out), flush=True)
t = time.perf_counter()
pyhf.infer.hypotest(1.0, data, model, test_stat="qtilde", return_expected_set=True)
out["hypotest_s"] = time.perf_counter() - t
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out), flush=True)
"""


def run_one(path, timeout):
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", CHILD, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=os.environ.copy())
    try:
        out, err = proc.communicate(timeout=timeout)
        finished = proc.returncode == 0
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        finished = False
    lines = [line for line in out.splitlines() if line.startswith("{")]
    row = json.loads(lines[-1]) if lines else {}
    row.update(file=path, wall_s=time.perf_counter() - t0, finished=finished)
    if not finished:
        row["note"] = f"did not finish within {timeout} s" if proc.returncode in (None, -9) else err.strip()[-300:]
    return row


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workspaces", nargs="+")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--out", default="-")
    a = ap.parse_args()
    rows = []
    for path in a.workspaces:
        row = run_one(path, a.timeout)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
        if not row["finished"]:
            break
    import pyhf
    doc = {"pyhf_version": pyhf.__version__, "timeout_s": a.timeout, "rows": rows}
    text = json.dumps(doc, indent=1)
    if a.out == "-":
        print(text)
    else:
        with open(a.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
