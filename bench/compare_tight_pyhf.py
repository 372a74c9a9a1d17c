#!/usr/bin/python3
"""Agreement of hfx's asymptotic CLs with pyhf run at default and at tight optimizer
tolerance, on reference workspaces.

pyhf's default SciPy SLSQP stops when successive objective values differ by ~1e-6 of the
objective, which moves its expected CLs band by up to a few 1e-5 relative. Run with a
tolerance of 1e-14, pyhf's numbers converge to hfx's. A benchmark/diagnostic, not a test
(it needs the pyhf reference: ../shared/tools/pyhf-ref.sh, PYHF_REF=/tmp/pyhf-ref).

    PYTHONPATH=build/release/python bench/compare_tight_pyhf.py [CASE ...]
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ.get("PYHF_REF", "/tmp/pyhf-ref"), "src"))
import hfx  # noqa: E402
import pyhf  # noqa: E402

cases = sys.argv[1:] or ["1Lbb-simplified", "sbottom-multib-regionA", "staus-highmass"]


def rel(a, b):
    return abs(float(a) - float(b)) / abs(float(b))


print("| workspace | pyhf tolerance | CLs_obs rel. diff. | max band rel. diff. |")
print("|---|---|---:|---:|")
for case in cases:
    spec = json.load(open(f"tests/data/reference/{case}/workspace.json"))
    hws = hfx.Workspace(spec)
    hm = hws.model()
    hobs, hband = hfx.infer.hypotest(1.0, hws.data(hm), hm, return_expected_set=True)
    for label, optimizer in (("default", pyhf.optimize.scipy_optimizer()),
                             ("1e-14", pyhf.optimize.scipy_optimizer(tolerance=1e-14))):
        pyhf.set_backend("numpy", optimizer)
        ws = pyhf.Workspace(spec)
        m = ws.model()
        obs, band = pyhf.infer.hypotest(1.0, ws.data(m), m, return_expected_set=True)
        print(f"| {case} | {label} | {rel(hobs, obs):.1e} | {max(rel(a, b) for a, b in zip(hband, band)):.1e} |",
              flush=True)
