#!/usr/bin/python3
"""How far default pyhf moves between machines, and where hfx sits.

Runs pyhf's default hypotest (mu = 1, qtilde, SciPy SLSQP) on this machine for each
published workspace and compares it with the workspace's reference.json (the same pyhf
on another machine); then compares hfx's CLs (--optimizer newton, the minimum, and
--optimizer scipy, the SLSQP reproduction) with both. Prints the largest relative
difference of CLs_obs and of the expected band. Needs the pyhf reference
(/tmp/pyhf-ref, ../shared/tools/pyhf-ref.sh) and a built hfx. A benchmark of agreement,
not a test.

Usage: /usr/bin/python3 bench/compare_pyhf_runs.py [BUILD_DIR] [CASE ...]
"""
import json
import os
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build/release")
cases = sys.argv[2:] or ["sbottom-multib-regionA", "1Lbb-simplified", "staus-highmass"]
sys.path.insert(0, "/tmp/pyhf-ref/src")
import pyhf  # noqa: E402


def cls_values(obs, band):
    return [float(obs)] + [float(b) for b in band]


def rel_diffs(a, b):
    """(CLs_obs, worst band entry) relative differences of a from b."""
    rel = [abs(x - y) / y for x, y in zip(a, b)]
    return rel[0], max(rel[1:])


print("| workspace | pyhf here vs reference.json | hfx newton vs reference | hfx newton vs pyhf here "
      "| hfx scipy vs reference | hfx scipy vs pyhf here |")
print("|---|---|---|---|---|---|")
for case in cases:
    ws_path = os.path.join(root, "tests/data/reference", case, "workspace.json")
    ref = json.load(open(ws_path.replace("workspace.json", "reference.json")))["hypotest_mu1"]
    ref_vals = [ref["CLs_obs"]] + ref["CLs_exp_band"]
    ws = pyhf.Workspace(json.load(open(ws_path)))
    model = ws.model()
    obs, band = pyhf.infer.hypotest(1.0, ws.data(model), model, return_expected_set=True)
    here = cls_values(obs, band)
    cells = [rel_diffs(here, ref_vals)]
    for optimizer in ("newton", "scipy"):
        out = json.loads(subprocess.check_output([os.path.join(build, "cli/hfx"), "cls", ws_path,
                                                  "--optimizer", optimizer]))
        hfx = cls_values(out["CLs_obs"], out["CLs_exp"])
        cells += [rel_diffs(hfx, ref_vals), rel_diffs(hfx, here)]
    print(f"| {case} | " + " | ".join(f"{o:.1e} / {b:.1e}" for o, b in cells) + " |", flush=True)
print("\ncells: CLs_obs / worst expected-band entry, relative")
