"""hfx.reinterpret.SignalYields: many signal hypotheses on one compiled background-only
model, against the full workspaces they stand for, finite differences for the gradient,
and the NumPy simplified likelihood of test_simplified."""
import json

import numpy as np
import pytest

import hfx
from conftest import DATA, REFERENCE
from test_simplified import Published

ONE_L_BB = REFERENCE / "1Lbb-simplified" / "published"
LUMI = {"name": "lumi", "type": "lumi", "data": None}


@pytest.fixture(scope="module")
def one_l_bb():
    bkg = json.loads((ONE_L_BB / "simplified_BkgOnly.json").read_text())
    patch = json.loads((ONE_L_BB / "patch.C1N2_Wh_hbb_700_150.json").read_text())
    signal = [v for op in patch for v in op["value"]["data"]]  # the patch adds one sample per channel, in order
    return bkg, patch, np.array(signal), hfx.reinterpret.SignalYields(bkg, signal_modifiers=[LUMI])


def test_the_same_likelihood_as_the_full_workspace(one_l_bb):
    bkg, patch, signal, sy = one_l_bb
    full = hfx.Workspace(json.loads((REFERENCE / "1Lbb-simplified" / "workspace.json").read_text()))
    model = full.model()
    data = full.data(model)
    _, free = hfx.infer.mle.fit(data, model, return_fitted_val=True)
    _, cond = hfx.infer.mle.fixed_poi_fit(1.0, data, model, return_fitted_val=True)
    assert sy.q(signal) == pytest.approx(float(cond - free), rel=1e-9, abs=1e-10)
    assert sy.nll(1.0, signal) == pytest.approx(float(cond) / 2, rel=1e-12)
    obs, exp = sy.cls(signal, return_expected_set=True)
    want_obs, want_exp = hfx.infer.hypotest(1.0, data, model, return_expected_set=True)
    assert float(obs) == pytest.approx(float(want_obs), rel=1e-9)
    np.testing.assert_allclose(np.asarray(exp, float), np.asarray(want_exp, float), rtol=1e-9)
    # the plain workspace of this signal is the published one's likelihood
    ws = hfx.Workspace(sy.workspace_for(signal))
    assert all(m["type"] != "hfx_yields" for c in ws["channels"] for s in c["samples"] for m in s["modifiers"])
    m2 = ws.model(poi_name=sy.poi)
    x = np.array(m2.config.suggested_init(), float) + 0.01
    names = m2.config.par_names
    y = np.array([x[names.index(n)] for n in model.config.par_names])
    assert float(m2.logpdf(x, ws.data(m2))[0]) == pytest.approx(float(model.logpdf(y, data)[0]), rel=1e-12)


def test_gradient_is_finite_differences(one_l_bb):
    _, _, signal, sy = one_l_bb
    rng = np.random.default_rng(4)
    for s in (signal, signal * rng.uniform(0.3, 2.5, signal.size)):
        q, g = sy.q(s, gradient=True)
        for j in range(s.size):
            h = 1e-4 * max(1.0, s[j])
            up, dn = s.copy(), s.copy()
            up[j] += h
            dn[j] -= h
            fd = (sy.q(up) - sy.q(dn)) / (2 * h)
            assert g[j] == pytest.approx(fd, rel=1e-5, abs=1e-7), j


def test_batches_are_the_single_evaluations(one_l_bb):
    _, _, signal, sy = one_l_bb
    rng = np.random.default_rng(8)
    S = signal * rng.uniform(0.1, 3, (40, signal.size))
    r = sy.profile(S, gradient=True)
    assert r["status"] == ["converged"] * 40
    one = sy.profile(S, gradient=True, threads=1)
    np.testing.assert_allclose(r["q"], one["q"], rtol=1e-8, atol=1e-10)
    for k in (0, 17, 39):
        q, g = sy.q(S[k], gradient=True)
        assert r["q"][k] == pytest.approx(q, rel=1e-8, abs=1e-10)
        np.testing.assert_allclose(r["gradient"][k], g, rtol=1e-6, atol=1e-8)
    # a larger signal is more excluded, all else equal
    q = sy.q(np.outer([0.5, 1.0, 2.0], signal))
    assert q[0] < q[1] < q[2]


def test_simplified_likelihood_against_numpy():
    sl = json.loads((DATA / "simplified" / "CMS-SUS-17-001.json").read_text())
    spec = hfx.simplified.workspace(sl["observed"], sl["background"], sl["covariance"])
    sy = hfx.reinterpret.SignalYields(spec)
    assert sy.nregions == 7
    rng = np.random.default_rng(6)
    for _ in range(4):
        s = np.array(sl["example_signal"]) * rng.uniform(0.2, 2)
        ref = Published(sl["observed"], sl["background"], np.array(sl["covariance"]), np.zeros(7), s)
        _, f_free = ref.fit()
        _, f_cond = ref.fit(mu=1.0)
        assert sy.q(s) == pytest.approx(2 * (f_cond - f_free), rel=1e-8)


def test_bad_arguments(one_l_bb):
    bkg, _, signal, sy = one_l_bb
    with pytest.raises(ValueError, match="expected 14 yields per hypothesis"):
        sy.q(signal[:-1])
    with pytest.raises(ValueError, match="finite"):
        sy.q(np.full(signal.size, np.nan))
    with pytest.raises(hfx.exceptions.InvalidWorkspaceOperation, match="'nope' is not a channel"):
        hfx.reinterpret.SignalYields(bkg, ["nope"])


def analyses():
    sl = json.loads((DATA / "simplified" / "CMS-SUS-17-001.json").read_text())
    cms = hfx.simplified.workspace(sl["observed"], sl["background"], sl["covariance"], signal=sl["example_signal"],
                                   name="CMS_2OSLEP")
    return [json.loads((REFERENCE / "1Lbb-simplified" / "workspace.json").read_text()),
            json.loads((REFERENCE / "3L-eRJR" / "workspace.json").read_text()), cms]


def test_combined_likelihood_is_the_product():
    """log L of the combination at a point = the sum of the analyses' log L at the same
    values of their own (renamed) parameters."""
    specs = analyses()
    labels = ["1Lbb", "3L", "CMS"]
    comb = hfx.reinterpret.combine_analyses(specs, labels, poi="mu")
    model = comb.model()
    data = comb.data(model)
    assert model.config.poi_name == "mu"
    names = model.config.par_names
    rng = np.random.default_rng(3)
    x = np.array(model.config.suggested_init(), float)
    # shifts of the free parameters, not of Poisson-constrained ones (3L-eRJR's tau ~ 1e11
    # makes those terms ~1e8, where rounding alone is ~1e-8 relative)
    movable = ~np.array(model.config.suggested_fixed())
    for name in model.config.parameters:
        if model.config.param_set(name).constraint == "constrained_by_poisson":
            movable[model.config.par_slice(name)] = False
    x += rng.uniform(-0.05, 0.05, x.size) * movable
    total = 0.0
    for spec, label in zip(specs, labels):
        ws = hfx.Workspace(spec)
        m = ws.model()
        y = []
        for n in m.config.par_names:
            if n == m.config.poi_name:
                y.append(x[names.index("mu")])
            elif n == "lumi":
                y.append(x[names.index("lumi")])
            else:
                y.append(x[names.index(f"{label}_{n}")])
        total += float(m.logpdf(np.array(y), ws.data(m))[0])
    # lumi is one parameter of the combination with one constraint; the sum has it once
    # per analysis that has it (1Lbb and 3L, with the same configuration)
    lumi = model.config.param_set("lumi")
    sigma, aux = lumi.sigmas[0], lumi.auxdata[0]
    total -= -0.5 * ((aux - x[names.index("lumi")]) / sigma) ** 2 - np.log(sigma * np.sqrt(2 * np.pi))
    assert float(model.logpdf(x, data)[0]) == pytest.approx(total, rel=1e-12)


def test_cli_results_are_the_libraries(hfx_cli, tmp_path):
    import subprocess

    files = []
    for k, spec in enumerate(analyses()):
        f = tmp_path / f"a{k}.json"
        f.write_text(json.dumps(spec))
        files.append(str(f))
    out = tmp_path / "out.json"
    r = subprocess.run([hfx_cli, "combine-analyses", *files, "--output-workspace", str(tmp_path / "comb.json"),
                        "--output-file", str(out), "--plot", str(tmp_path / "mu.svg")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    res = json.loads(out.read_text())
    comb = hfx.Workspace(json.loads((tmp_path / "comb.json").read_text()))
    model = comb.model()
    data = comb.data(model)
    best = hfx.infer.mle.fit(data, model)
    c = res["combination"]
    assert c["mu_hat"] == pytest.approx(best[model.config.poi_index], abs=1e-6)
    assert c["cls"]["CLs_obs"] == pytest.approx(float(hfx.infer.hypotest(1.0, data, model)), rel=1e-9)
    obs, exp = hfx.infer.intervals.upper_limits.upper_limit(data, model)
    assert c["upper_limit"]["obs"] == pytest.approx(float(obs), rel=1e-4)
    assert [a["label"] for a in res["analyses"]] == ["a0", "a1", "a2"]
    for a, f in zip(res["analyses"], files):
        ws = hfx.Workspace(json.loads(open(f).read()))
        m = ws.model()
        assert a["cls"]["CLs_obs"] == pytest.approx(float(hfx.infer.hypotest(1.0, ws.data(m), m)), rel=1e-9)
    # the combination excludes more than any analysis alone
    assert c["upper_limit"]["obs"] < min(a["upper_limit"]["obs"] for a in res["analyses"])
    assert (tmp_path / "mu.svg").read_text().startswith("<?xml")


def test_combination_errors(hfx_cli, tmp_path):
    import subprocess

    specs = analyses()
    with pytest.raises(hfx.exceptions.InvalidWorkspaceOperation, match="no analysis has a modifier named 'nope'"):
        hfx.reinterpret.combine_analyses(specs[:2], correlated=["nope"])
    with pytest.raises(hfx.exceptions.InvalidWorkspaceOperation, match="labels must be distinct"):
        hfx.reinterpret.combine_analyses(specs[:2], ["x", "x"])
    bkg = json.loads((ONE_L_BB / "simplified_BkgOnly.json").read_text())
    with pytest.raises(hfx.exceptions.InvalidWorkspaceOperation, match="analysis 'A2' has no modifier for its POI 'mu_Sig'"):
        hfx.reinterpret.combine_analyses([specs[0], bkg])
    f = tmp_path / "bkg.json"
    f.write_text(json.dumps(bkg))
    r = subprocess.run([hfx_cli, "combine-analyses", str(REFERENCE / "3L-eRJR" / "workspace.json"), str(f)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "has no modifier for its POI" in r.stderr
    # a correlated nuisance is one parameter of the combination
    comb = hfx.reinterpret.combine_analyses(specs[:2], correlated=["lumi"])
    assert "lumi" in comb.model().config.par_names


def test_the_example_runs(tmp_path):
    import os
    import subprocess
    import sys

    from conftest import REPO

    env = dict(os.environ)
    r = subprocess.run([sys.executable, str(REPO / "examples" / "reinterpretation" / "theory_point.py"), str(tmp_path)],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    limits = {line.split(":")[0].strip(): float(line.split("observed")[1].split(",")[0]) for line in lines if "upper limit" in line}
    assert limits["combined"] < min(limits["ATLAS 1Lbb"], limits["CMS-SUS-17-001"])
    assert (tmp_path / "mu-profile.png").stat().st_size > 1000
    assert hfx.Workspace(json.loads((tmp_path / "combined.json").read_text())).model().config.poi_name == "mu"


def test_the_cli_gives_what_the_python_api_gives(one_l_bb, hfx_cli, tmp_path):
    """hfx signal-yields: the same workspace, regions and q (and gradients) as SignalYields."""
    import subprocess

    bkg, _, signal, sy = one_l_bb
    bkg_path = tmp_path / "bkg.json"
    bkg_path.write_text(json.dumps(bkg))
    lumi = ["--signal-modifier", json.dumps(LUMI)]
    r = subprocess.run([hfx_cli, "signal-yields", str(bkg_path), "--list-regions", *lumi], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert [(x["channel"], x["bin"]) for x in json.loads(r.stdout)["regions"]] == sy.regions
    rng = np.random.default_rng(3)
    S = signal * rng.uniform(0.2, 2, (6, signal.size))
    rows = ["# C1N2 rescaled", ",".join(f"r{k}" for k in range(signal.size))] + [" ".join(map(repr, s)) for s in S]
    (tmp_path / "s.csv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "q.json"
    r = subprocess.run([hfx_cli, "signal-yields", str(bkg_path), "--signals", str(tmp_path / "s.csv"), "--gradient",
                        "--test-poi", "1.5", "-o", str(out), *lumi], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    got = json.loads(out.read_text())
    assert got["poi"] == sy.poi and got["test_poi"] == 1.5
    want = sy.profile(S, mu=1.5, gradient=True)
    assert [h["status"] for h in got["hypotheses"]] == ["converged"] * 6
    np.testing.assert_allclose([h["q"] for h in got["hypotheses"]], want["q"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose([h["mu_hat"] for h in got["hypotheses"]], want["mu_hat"], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose([h["gradient"] for h in got["hypotheses"]], want["gradient"], rtol=1e-6, atol=1e-8)
    # a row of the wrong length: one line naming the file and the line, exit 2, no output
    (tmp_path / "bad.csv").write_text("1 2 3\n")
    bad_out = tmp_path / "bad.json"
    r = subprocess.run([hfx_cli, "signal-yields", str(bkg_path), "--signals", str(tmp_path / "bad.csv"), "-o", str(bad_out)],
                       capture_output=True, text=True)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "bad.csv: line 1: 3 yields, expected 14" in r.stderr
    assert not bad_out.exists()
    (tmp_path / "nan.csv").write_text(" ".join(["1"] * 13 + ["nan"]) + "\n")
    r = subprocess.run([hfx_cli, "signal-yields", str(bkg_path), "--signals", str(tmp_path / "nan.csv")],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "line 1: 'nan' is not a finite number" in r.stderr
