"""The quadratic EFT modifier ("hfx_eft", docs/eft.md): the fitted coefficient and its
profile interval against a closed form (one bin) and against an independent NumPy/SciPy
implementation of the same likelihood (a brute-force profile over a grid); every command
on the bundled example."""
import json
import math
import subprocess

import numpy as np
import pytest

import hfx
from conftest import REPO

scipy_optimize = pytest.importorskip("scipy.optimize", reason="python3-scipy is not installed")

EXAMPLE = REPO / "examples" / "eft"


def one_bin(n, s, b, A, B):
    return {
        "channels": [{"name": "SR", "samples": [
            {"name": "signal", "data": [s], "modifiers": [
                {"name": "eft", "type": "hfx_eft", "data": {"parameters": ["c"], "linear": [[A]], "quadratic": [[B]]}}]},
            {"name": "bkg", "data": [b], "modifiers": []}]}],
        "observations": [{"name": "SR", "data": [n]}],
        "measurements": [{"name": "m", "config": {"poi": "c", "parameters": []}}],
        "version": "1.0.0",
    }


def test_one_bin_closed_form():
    """rate(c) = b + s (1 + A c + B c^2): the fit puts the rate at n (the root of the
    quadratic nearest the start), and the 68% interval ends where 2 (rate - n - n ln(rate / n))
    = 1, mapped back through the same quadratic."""
    n, s, b, A, B = 66.0, 10.0, 50.0, 0.6, 0.25
    ws = hfx.Workspace(one_bin(n, s, b, A, B))
    model = ws.model()
    data = ws.data(model)

    def c_of_rate(rate):  # the root on the branch right of the vertex -A / 2B
        k = (rate - b) / s - 1.0
        return (-A + math.sqrt(A * A + 4 * B * k)) / (2 * B)

    c_hat = c_of_rate(n)
    best, twice_nll = hfx.infer.mle.fit(data, model, return_fitted_val=True)
    assert best[0] == pytest.approx(c_hat, abs=1e-7)
    assert float(twice_nll) == pytest.approx(2 * (math.lgamma(n + 1) - n * math.log(n) + n), rel=1e-12)

    def q(rate):
        return 2 * (rate - n - n * math.log(rate / n)) - 1.0

    lo_rate = scipy_optimize.brentq(q, 1.0, n)
    hi_rate = scipy_optimize.brentq(q, n, 10 * n)
    scan = hfx.diagnostics.scan(model, data, "c", par_range=(-0.5, 2.5), n_steps=31)
    lo, hi = scan.intervals[0.6827]
    assert lo == pytest.approx(c_of_rate(lo_rate), abs=1e-6)
    assert hi == pytest.approx(c_of_rate(hi_rate), abs=1e-6)
    # The scan's values are the same function.
    for c, d in zip(scan.parameter_values, scan.delta_nlls):
        assert d == pytest.approx(q(b + s * (1 + A * c + B * c * c)) + 1.0, abs=1e-7)


def nll_numpy(spec, x, names):
    """-log L written from the document: rates = sum of nominal x factors; lumi and
    staterror Gaussian constraints (sigma_staterror = sqrt(sum delta^2) / sum nominal)."""
    p = dict(zip(names, x))
    total = 0.0
    for ch, obs in zip(spec["channels"], spec["observations"]):
        nb = len(obs["data"])
        rate = np.zeros(nb)
        stat_nom, stat_unc2 = np.zeros(nb), np.zeros(nb)
        for smp in ch["samples"]:
            r = np.array(smp["data"], dtype=float)
            for m in smp["modifiers"]:
                if m["type"] == "hfx_eft":
                    d = m["data"]
                    c = np.array([p[k] for k in d["parameters"]])
                    f = 1.0 + np.array(d["linear"]).T @ c
                    q = 0
                    for k in range(len(c)):
                        for l in range(k, len(c)):
                            f = f + np.array(d["quadratic"][q]) * c[k] * c[l]
                            q += 1
                    r = r * f
                elif m["type"] == "lumi":
                    r = r * p["lumi"]
                elif m["type"] == "staterror":
                    r = r * np.array([p[f"{m['name']}[{j}]"] for j in range(nb)])
                    stat_nom += np.array(smp["data"])
                    stat_unc2 += np.array(m["data"]) ** 2
                else:
                    raise AssertionError(m["type"])
            rate += r
        n = np.array(obs["data"], dtype=float)
        if np.any(rate <= 0):
            return np.inf
        total += np.sum(rate - n * np.log(rate) + np.array([math.lgamma(v + 1) for v in n]))
        sigma = np.sqrt(stat_unc2) / stat_nom
        gam = np.array([p[f"staterror_{ch['name']}[{j}]"] for j in range(nb)])
        total += np.sum(0.5 * ((gam - 1) / sigma) ** 2 + np.log(sigma * math.sqrt(2 * math.pi)))
    total += 0.5 * ((p["lumi"] - 1.0) / 0.02) ** 2 + math.log(0.02 * math.sqrt(2 * math.pi))
    return total


def two_coefficient_spec():
    sig = lambda name, nom, lin, quad: {"name": name, "data": nom, "modifiers": [  # noqa: E731
        {"name": "eft", "type": "hfx_eft", "data": {"parameters": ["c1", "c2"], "linear": lin, "quadratic": quad}},
        {"name": "lumi", "type": "lumi", "data": None}]}
    bkg = lambda ch, nom, unc: {"name": "bkg", "data": nom, "modifiers": [  # noqa: E731
        {"name": "lumi", "type": "lumi", "data": None},
        {"name": f"staterror_{ch}", "type": "staterror", "data": unc}]}
    return {
        "channels": [
            {"name": "A", "samples": [sig("sig", [12.0, 6.0, 2.0], [[0.2, 0.4, 0.7], [0.1, -0.2, 0.3]],
                                          [[0.05, 0.15, 0.4], [0.02, 0.0, -0.05], [0.03, 0.06, 0.2]]),
                                      bkg("A", [80.0, 30.0, 6.0], [4.0, 2.5, 1.0])]},
            {"name": "B", "samples": [sig("sig", [4.0, 1.0], [[0.5, 0.9], [0.3, 0.6]],
                                          [[0.1, 0.3], [0.05, 0.1], [0.08, 0.25]]),
                                      bkg("B", [10.0, 2.0], [1.0, 0.5])]}],
        "observations": [{"name": "A", "data": [98, 41, 11]}, {"name": "B", "data": [17, 5]}],
        "measurements": [{"name": "m", "config": {"poi": "c1", "parameters": [
            {"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "bounds": [[0.5, 1.5]], "inits": [1.0]}]}}],
        "version": "1.0.0",
    }


@pytest.fixture(scope="module")
def two_coefficients():
    spec = two_coefficient_spec()
    ws = hfx.Workspace(spec)
    model = ws.model()
    return spec, model, ws.data(model)


def test_logpdf_equals_the_numpy_likelihood(two_coefficients):
    spec, model, data = two_coefficients
    names = model.config.par_names
    rng = np.random.default_rng(3)
    for _ in range(20):
        x = np.array(model.config.suggested_init(), dtype=float)
        x += rng.uniform(-0.1, 0.1, size=x.size)
        x[names.index("c1")] = rng.uniform(-2, 2)
        x[names.index("c2")] = rng.uniform(-2, 2)
        want = nll_numpy(spec, x, names)
        if not np.isfinite(want):
            continue
        assert -float(model.logpdf(x, data)[0]) == pytest.approx(want, rel=1e-11)


def test_fit_and_profile_interval_against_a_brute_force_grid(two_coefficients):
    """The profile of c1 (c2, lumi and the staterror gammas profiled) computed with SciPy on
    the NumPy likelihood at 81 grid points; its minimum and its 1-sigma crossings against
    hfx's fit and hfx.diagnostics.scan."""
    spec, model, data = two_coefficients
    names = model.config.par_names
    k1 = names.index("c1")
    others = [i for i in range(len(names)) if i != k1]
    x0 = np.array(model.config.suggested_init(), dtype=float)

    def profile(c1, start):
        def f(y):
            x = x0.copy()
            x[others] = y
            x[k1] = c1
            return nll_numpy(spec, x, names)

        best = None
        for s in (start, x0[others]):
            r = scipy_optimize.minimize(f, s, method="BFGS", options={"gtol": 1e-9})
            if best is None or r.fun < best.fun:
                best = r
        return best.fun, best.x

    grid = np.linspace(-1.5, 2.5, 81)
    values, start = [], x0[others]
    for c in grid:
        v, start = profile(c, start)
        values.append(v)
    values = np.array(values)
    i = int(np.argmin(values))
    # the minimum of the parabola through the three lowest grid points
    a, b_, c_ = np.polyfit(grid[i - 1:i + 2], values[i - 1:i + 2], 2)
    c_brute = -b_ / (2 * a)
    nll_brute = c_ - b_ * b_ / (4 * a)

    best, twice_nll = hfx.infer.mle.fit(data, model, return_fitted_val=True)
    assert best[k1] == pytest.approx(c_brute, abs=2e-3)
    assert float(twice_nll) / 2 == pytest.approx(nll_brute, abs=1e-4)
    assert float(twice_nll) / 2 <= values.min() + 1e-9  # hfx's minimum is below every grid point

    delta = 2 * (values - float(twice_nll) / 2)
    crossings = []
    for j in range(len(grid) - 1):
        if (delta[j] - 1) * (delta[j + 1] - 1) < 0:
            crossings.append(grid[j] + (1 - delta[j]) * (grid[j + 1] - grid[j]) / (delta[j + 1] - delta[j]))
    assert len(crossings) == 2, crossings
    scan = hfx.diagnostics.scan(model, data, "c1", par_range=(-1.5, 2.5), n_steps=41)
    lo, hi = scan.intervals[0.6827]
    # linear interpolation on a 0.05 grid of a curved function: ~1e-3
    assert lo == pytest.approx(crossings[0], abs=3e-3)
    assert hi == pytest.approx(crossings[1], abs=3e-3)
    for c, d in zip(scan.parameter_values, scan.delta_nlls):
        j = int(np.argmin(np.abs(grid - c)))
        if abs(grid[j] - c) < 1e-9:
            assert d == pytest.approx(delta[j], abs=1e-5)


def run(cli, *args):
    return subprocess.run([cli, *map(str, args)], capture_output=True, text=True)


def test_every_command_on_the_example(hfx_cli, tmp_path):
    ws = EXAMPLE / "workspace.json"
    fit = run(hfx_cli, "fit", ws)
    assert fit.returncode == 0, fit.stderr
    fit = json.loads(fit.stdout)
    assert fit["status"] == "converged"
    assert set(fit["par_names"][-2:]) == {"cHq", "ctZ"}
    for args in (("cls", ws), ("upper-limit", ws), ("cls", ws, "--calctype", "toybased", "--ntoys", "200"),
                 ("yields", ws), ("profile", ws, "--par", "ctZ", "--points", "11"),
                 ("profile", ws, "--par", "ctZ", "--par", "cHq", "--points", "11x11"), ("inspect", ws),
                 ("significance", ws), ("ranking", ws), ("pulls", ws)):
        r = run(hfx_cli, *args)
        assert r.returncode == 0, (args, r.stderr)
    inspect = json.loads(run(hfx_cli, "inspect", ws, "--json").stdout)
    systematics = {name: (constraint, types) for name, constraint, types in inspect["systematics"]}
    assert systematics["cHq"] == ("unconstrained", ["hfx_eft"])
    assert inspect["parameters_by_modifier_type"]["extension"] == {"parameter_sets": 2, "parameters": 2}
    out = tmp_path / "scan.jsonl"
    r = run(hfx_cli, "scan", ws, *sorted((EXAMPLE / "lambda").glob("*.json")), "-o", out)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()[1:]]
    assert [row["status"] for row in rows] == ["ok"] * 3
    # A higher scale Lambda shrinks the EFT effect: CLs grows with it.
    by_name = {row["name"]: row["CLs_obs"] for row in rows}
    assert by_name["Lambda_1TeV"] < by_name["Lambda_1.5TeV"] < by_name["Lambda_2TeV"]


def test_formats_without_the_kind_refuse_it(hfx_cli, tmp_path):
    ws = EXAMPLE / "workspace.json"
    r = run(hfx_cli, "json2xml", ws, "--output-dir", tmp_path / "xml")
    assert r.returncode == 2
    assert "hfx extension modifier type 'hfx_eft' has no HistFactory XML form" in r.stderr
    assert not (tmp_path / "xml").exists() or not any((tmp_path / "xml").iterdir())
    r = run(hfx_cli, "convert", ws, "--to", "hs3")
    assert r.returncode == 2 and "has no HS3 form" in r.stderr


def test_wrong_lengths_are_one_line_errors(hfx_cli, tmp_path):
    spec = json.loads((EXAMPLE / "workspace.json").read_text())
    spec["channels"][0]["samples"][0]["modifiers"][0]["data"]["linear"][1].append(0.1)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(spec))
    r = run(hfx_cli, "fit", bad)
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1
    assert "/channels/0/samples/0/modifiers/0/data/linear/1: expected 2 numbers (channel 'SR_3l' has 2 bins), got 3" in r.stderr
