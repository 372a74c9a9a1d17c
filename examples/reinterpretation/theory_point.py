#!/usr/bin/env python3
"""One theory point against two published simplified likelihoods, combined.

ATLAS's 1Lbb search (ATLAS-SUSY-2019-08, its published simplified pyhf likelihood,
background-only plus the C1N2_Wh_hbb_700_150 signal patch) and CMS-SUS-17-001 (seven
aggregated signal regions, the published covariance: an SLv1 simplified likelihood) for a
made-up signal in the CMS regions. Writes the combined workspace, prints each analysis'
and the combination's upper limit on the signal strength mu, and draws mu's profile
likelihood (mu-profile.svg and .png), all into OUT_DIR (default: the current directory). Then, for the CMS analysis alone, evaluates 10,000
rescaled signal-yield vectors and their gradients on one compiled model.

    PYTHONPATH=build/release/python /usr/bin/python3 examples/reinterpretation/theory_point.py [OUT_DIR]
"""
import json
import pathlib
import sys
import time

import numpy as np

import hfx

here = pathlib.Path(__file__).resolve().parent
out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(".")
ref = here.parents[1] / "tests" / "data" / "reference" / "1Lbb-simplified" / "published"

# ATLAS 1Lbb: the published simplified likelihood with the signal patch applied
atlas = json.loads((ref.parent / "workspace.json").read_text())
# CMS-SUS-17-001 as an SLv1 simplified likelihood with this theory point's yields
cms_numbers = json.loads((here / "cms-sus-17-001-numbers.json").read_text())
cms = hfx.simplified.workspace(cms_numbers["observed"], cms_numbers["background"], cms_numbers["covariance"],
                               signal=cms_numbers["example_signal"], name="CMS_2OSLEP", poi="mu_Sig")

combined = hfx.reinterpret.combine_analyses([atlas, cms], ["ATLAS_1Lbb", "CMS_2OSLEP"], poi="mu")
(out / "combined.json").write_text(json.dumps(combined, indent=1))
for label, ws in (("ATLAS 1Lbb", hfx.Workspace(atlas)), ("CMS-SUS-17-001", hfx.Workspace(cms)),
                  ("combined", combined)):
    model = ws.model()
    obs, exp = hfx.infer.intervals.upper_limits.upper_limit(ws.data(model), model)
    print(f"{label:>15}: 95% CL upper limit on mu: observed {float(obs):.3f}, expected {float(exp[2]):.3f}")

model = combined.model()
data = combined.data(model)
scan = hfx.diagnostics.scan(model, data, "mu", par_range=(0.0, 1.0), n_steps=21)
lo, hi = scan.intervals[0.6827]
end = lambda v: "open (the bound mu = 0)" if np.isnan(v) else f"{v:.3f}"  # noqa: E731
print(f"combined mu = {scan.bestfit:.3f}, 68% CL interval [{end(lo)}, {end(hi)}]")
svg = hfx.viz.scan(model, data, "mu", par_range=(0.0, 1.0), n_steps=21)
hfx.viz.save(svg, out / "mu-profile.svg")
hfx.viz.save(svg, out / "mu-profile.png")

# Many theory points for the CMS analysis: the signal rescaled bin by bin.
sy = hfx.reinterpret.SignalYields(hfx.simplified.workspace(cms_numbers["observed"], cms_numbers["background"],
                                                           cms_numbers["covariance"]))
signals = np.array(cms_numbers["example_signal"]) * np.random.default_rng(0).uniform(0.2, 2.0, (10000, sy.nregions))
t0 = time.perf_counter()
q, grad = sy.q(signals, mu=1.0, gradient=True)
print(f"10,000 signal vectors with gradients: {time.perf_counter() - t0:.3f} s; "
      f"excluded at 95% CL (q > 3.84): {np.sum(q > 3.84)}; dq/ds of the first: {np.round(grad[0], 3)}")
