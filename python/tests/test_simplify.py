"""hfx simplify: the simplified likelihood of a full workspace's signal regions. Its
background and covariance against an independent propagation (a background-only fit to
the control regions through the Python API, finite-difference Jacobian), and its CLs
against the full model's on 1Lbb, the reference where the published analysis is itself
a one-parameter simplified likelihood."""
import json
import subprocess

import numpy as np
import pytest

import hfx
from conftest import REFERENCE

ONE_L_BB = REFERENCE / "1Lbb-simplified" / "workspace.json"


@pytest.fixture(scope="module")
def report(hfx_cli, tmp_path_factory):
    d = tmp_path_factory.mktemp("simplify")
    r = subprocess.run([hfx_cli, "simplify", str(ONE_L_BB), "--output-workspace", str(d / "sl.json")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), json.loads((d / "sl.json").read_text())


def test_background_and_covariance_are_the_propagated_fit(report):
    rep, sl = report
    spec = json.loads(ONE_L_BB.read_text())
    srs = [c["name"] for c in spec["channels"] if "SR" in c["name"]]
    assert sorted({r["channel"] for r in rep["signal_regions"]}) == sorted(srs)
    full = hfx.Workspace(spec)
    model = full.model()
    # the background-only fit to the control regions alone
    cr = hfx.Workspace(spec).prune(channels=srs)
    cm = cr.model(poi_name=None)
    init = cm.config.suggested_init()
    fixed = cm.config.suggested_fixed()
    k = cm.config.par_names.index("mu_Sig")
    init[k], fixed[k] = 0.0, True
    best, corr = hfx.infer.mle.fit(cr.data(cm), cm, init_pars=init, fixed_params=fixed, return_uncertainties=True,
                                   return_correlations=True)
    val, unc = best[:, 0], best[:, 1]
    cov_cr = np.asarray(corr) * np.outer(unc, unc)
    names = model.config.par_names
    x = np.array(model.config.suggested_init(), float)
    x[names.index("mu_Sig")] = 0.0
    C = np.zeros((len(names), len(names)))
    idx = [names.index(n) for n in cm.config.par_names]
    x[idx] = val
    C[np.ix_(idx, idx)] = cov_cr
    rows = []
    off = 0
    for c, nb in zip(model.config.channels, model.config.channel_nbins.values()):
        if c in srs:
            rows += list(range(off, off + nb))
        off += nb
    b = np.asarray(model.expected_actualdata(x))[rows]
    J = np.zeros((len(rows), len(names)))
    for p in range(len(names)):
        h = 1e-5
        up, dn = x.copy(), x.copy()
        up[p] += h
        dn[p] -= h
        J[:, p] = (np.asarray(model.expected_actualdata(up))[rows] - np.asarray(model.expected_actualdata(dn))[rows]) / (2 * h)
    np.testing.assert_allclose(rep["background"], b, rtol=1e-7)
    cov = np.array(sl["channels"][0]["samples"][0]["modifiers"][0]["data"]["covariance"])
    np.testing.assert_allclose(cov, J @ C @ J.T, rtol=1e-5, atol=1e-9)
    x1 = x.copy()
    x1[names.index("mu_Sig")] = 1.0
    np.testing.assert_allclose(rep["signal"], np.asarray(model.expected_actualdata(x1))[rows] - b, rtol=1e-9)


def test_cls_of_the_full_model_within_a_few_percent(report):
    rep, sl = report
    full, simple = rep["full"], rep["simplified"]
    # the report's numbers are those of the two models
    ws = hfx.Workspace(sl)
    m = ws.model()
    assert simple["cls"]["CLs_obs"] == pytest.approx(float(hfx.infer.hypotest(1.0, ws.data(m), m)), rel=1e-9)
    diff = rep["relative_difference"]
    assert diff["CLs_obs"] == pytest.approx(simple["cls"]["CLs_obs"] / full["cls"]["CLs_obs"] - 1, rel=1e-12)
    assert abs(diff["CLs_obs"]) < 0.03
    assert abs(diff["upper_limit_obs"]) < 0.01
    assert abs(diff["upper_limit_exp_median"]) < 0.01


def test_bad_requests_are_one_line(hfx_cli):
    r = subprocess.run([hfx_cli, "simplify", str(ONE_L_BB), "--signal-regions", "nope"], capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "'nope' is not a channel" in r.stderr
    r = subprocess.run([hfx_cli, "simplify", str(REFERENCE / "3L-eRJR" / "workspace.json")], capture_output=True, text=True)
    assert r.returncode == 2 and "acts only in the signal regions" in r.stderr
