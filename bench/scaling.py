#!/usr/bin/env python3
"""Scaling benchmark: hfx's cost against the size of a combination-like model.

    /usr/bin/python3 bench/scaling.py [--build build/release] [--dir /tmp/hfx-scaling]
                                      [--out bench/results/scaling.json] [--quick]

Generates the synthetic combinations of bench/make_combination.py at the sizes below
(10 to 10,000 channels, 100 to 20,000 parameters, plus a series where the parameters
grow at a fixed 100 channels), and for each runs the user-level commands as separate
processes, recording wall time and peak memory (/usr/bin/time):

  load      hfx_bench_load FILE (median of 3: read, parse, validate)
  compile   hfx inspect FILE    (load + compile + print; compile = this - load)
  fit       hfx fit FILE --no-uncertainties  (the minimisation; iterations from its output)
  fit+unc   hfx fit FILE --no-correlations   (with uncertainties: the Hessian's selected
            inverse; stopped after --timeout seconds)
  hypotest  hfx cls FILE        (qtilde at mu = 1, observed and expected band)
  limit     hfx upper-limit FILE (observed and expected band, TOMS748)

Structural size: "entries" is the number of expected-information entries sum_c m_c^2
(m_c = parameters of channel c), the non-zeros of the fit's Newton system before the
factorisation. Prints a Markdown table (the one in docs/benchmarks.md) and writes the
rows as JSON.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# (channels, parameters, extra generator arguments)
SIZES = [
    (10, 100, []),
    (30, 300, []),
    (100, 500, []),
    (300, 1500, []),
    (1000, 5000, []),
    (2000, 10000, []),
    (4000, 20000, []),
    (10000, 20000, ["--bins", "1"]),
    # Parameters growing at 100 channels (more systematics per channel).
    (100, 2000, []),
    (100, 5000, []),
    (100, 20000, []),
]
QUICK = [(10, 100, []), (100, 500, []), (1000, 5000, []), (2000, 10000, [])]


def timed(cmd, timeout=None):
    """Runs cmd; returns (wall seconds, peak RSS MB, stdout), or None after `timeout` s."""
    t0 = time.perf_counter()
    # Its own session, so that a timeout stops hfx as well as /usr/bin/time.
    p = subprocess.Popen(["/usr/bin/time", "-f", "%M"] + cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return None
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {err.strip()[-400:]}")
    return wall, int(err.strip().splitlines()[-1]) / 1024, out


def entries(path):
    with open(path) as f:
        ws = json.load(f)
    total = 0
    for ch in ws["channels"]:
        nb = len(ch["samples"][0]["data"])
        pars = set()
        for s in ch["samples"]:
            for m in s["modifiers"]:
                if m["type"] in ("staterror", "shapesys", "shapefactor"):
                    pars.update((m["name"], j) for j in range(nb))
                else:
                    pars.add((m["name"], None))
        total += len(pars) ** 2
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--dir", default="/tmp/hfx-scaling")
    ap.add_argument("--out", default="bench/results/scaling.json")
    ap.add_argument("--quick", action="store_true", help="four sizes only")
    ap.add_argument("--timeout", type=float, default=300, help="limit for the fit with uncertainties (s)")
    a = ap.parse_args()
    hfx = os.path.join(a.build, "cli", "hfx")
    bench_load = os.path.join(a.build, "bench", "hfx_bench_load")
    os.makedirs(a.dir, exist_ok=True)
    rows = []
    for channels, params, extra in QUICK if a.quick else SIZES:
        path = os.path.join(a.dir, f"comb_{channels}ch_{params}p.json")
        if not os.path.exists(path):
            subprocess.run([sys.executable, os.path.join(HERE, "make_combination.py"), "--channels", str(channels),
                            "--params", str(params), "-o", path] + extra, check=True, capture_output=True)
        row = {"channels": channels, "file": path, "mb": os.path.getsize(path) / 1e6, "entries": entries(path)}
        out = subprocess.run([bench_load, path, "3"], capture_output=True, text=True, check=True).stdout
        row["load_s"] = float(re.search(r"validate \S+: ([0-9.]+) ms", out).group(1)) / 1000
        wall, rss, text = timed([hfx, "inspect", path])
        row["npars"] = int(re.search(r"npars\s+(\d+)", text).group(1))
        row["load_compile_s"], row["load_compile_mb"] = wall, rss
        wall, rss, text = timed([hfx, "fit", path, "--no-uncertainties"])
        row["fit_s"], row["fit_mb"], row["fit_iterations"] = wall, rss, json.loads(text)["iterations"]
        unc = timed([hfx, "fit", path, "--no-correlations"], timeout=a.timeout)
        if unc:
            row["fit_unc_s"], row["fit_unc_mb"] = unc[0], unc[1]
            row["fit_uncertainties_ok"] = "uncertainties_problem" not in json.loads(unc[2])
        row["hypotest_s"], row["hypotest_mb"], _ = timed([hfx, "cls", path])
        row["limit_s"], row["limit_mb"], _ = timed([hfx, "upper-limit", path])
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    with open(a.out, "w") as f:
        json.dump({"machine": os.uname().nodename, "cpus": os.cpu_count(), "rows": rows}, f, indent=1)
        f.write("\n")
    print("| channels | parameters | entries | file MB | load s | load+compile s (MB) | fit s (MB, iterations) "
          "| fit with uncertainties s (MB) | hypotest s (MB) | upper limit s (MB) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        unc = f"{r['fit_unc_s']:.2f} ({r['fit_unc_mb']:.0f})" if "fit_unc_s" in r else f"> {a.timeout:.0f}"
        print(f"| {r['channels']:,} | {r['npars']:,} | {r['entries']:,} | {r['mb']:.1f} | {r['load_s']:.3f} "
              f"| {r['load_compile_s']:.2f} ({r['load_compile_mb']:.0f}) "
              f"| {r['fit_s']:.2f} ({r['fit_mb']:.0f}, {r['fit_iterations']}) | {unc} "
              f"| {r['hypotest_s']:.2f} ({r['hypotest_mb']:.0f}) | {r['limit_s']:.2f} ({r['limit_mb']:.0f}) |")


if __name__ == "__main__":
    main()
