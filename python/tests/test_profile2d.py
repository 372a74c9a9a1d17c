"""`hfx profile --par A --par B`: the 2-D profile likelihood scan against independent fits
and its contours against matplotlib's contour of the same grid."""
import json
import subprocess

import numpy as np
import pytest

import hfx
from conftest import REFERENCE

matplotlib = pytest.importorskip("matplotlib", reason="python3-matplotlib is not installed")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

SBOTTOM = REFERENCE / "sbottom-multib-regionA" / "workspace.json"


@pytest.fixture(scope="module")
def scan(hfx_cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("profile2d") / "scan.json"
    proc = subprocess.run([str(hfx_cli), "profile", str(SBOTTOM), "--par", "mu_SIG", "--par", "mu_ttbar", "--points", "50x50",
                           "--output-file", str(out)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text())


def test_grid_values_are_independent_fits(scan):
    """-2 Delta log L at grid points from cold-start fits with both parameters fixed."""
    ws = hfx.Workspace(json.loads(SBOTTOM.read_text()))
    model = ws.model()
    data = ws.data(model)
    names = model.config.par_names
    ix, iy = names.index("mu_SIG"), names.index("mu_ttbar")
    _, best = hfx.infer.mle.fit(data, model, return_fitted_val=True)
    assert float(best) == pytest.approx(scan["twice_nll"], abs=1e-6)
    grid = np.array(scan["delta_twice_nll"], dtype=float)
    assert grid.shape == (50, 50) and np.all(np.isfinite(grid)) and grid.min() >= 0
    rng = np.random.default_rng(7)
    for j, i in rng.integers(0, 50, size=(12, 2)):
        init = list(model.config.suggested_init())
        init[ix], init[iy] = scan["x"][i], scan["y"][j]
        fixed = list(model.config.suggested_fixed())
        fixed[ix] = fixed[iy] = True
        _, twice_nll = hfx.infer.mle.fit(data, model, init_pars=init, fixed_params=fixed, return_fitted_val=True)
        assert grid[j, i] == pytest.approx(float(twice_nll) - float(best), abs=2e-6)


def _points(lines):
    pts = np.concatenate([np.asarray(line, dtype=float) for line in lines])
    return np.unique(np.round(pts, 9), axis=0)


def test_contours_are_matplotlibs(scan):
    x, y = np.array(scan["x"]), np.array(scan["y"])
    grid = np.array(scan["delta_twice_nll"], dtype=float)
    fig, ax = plt.subplots()
    try:
        levels = [c["level"] for c in scan["contours"]]
        cs = ax.contour(x, y, grid, levels=levels)
        theirs = [[np.asarray(seg) for seg in segs if len(seg)] for segs in cs.allsegs]
    finally:
        plt.close(fig)
    assert [c["cl"] for c in scan["contours"]] == pytest.approx([0.682689, 0.95], abs=1e-6)
    assert levels == pytest.approx([2.2957, 5.9915], abs=1e-4)
    for contour, mpl in zip(scan["contours"], theirs):
        assert len(contour["lines"]) == len(mpl) >= 1
        ours_pts, mpl_pts = _points(contour["lines"]), _points(mpl)
        assert ours_pts.shape == mpl_pts.shape
        assert np.max(np.abs(ours_pts - mpl_pts)) < 1e-8
        # every line point lies where the bilinear grid crosses the level, on a grid edge
        for px, py in ours_pts:
            assert np.isclose(x, px, atol=1e-12).any() or np.isclose(y, py, atol=1e-12).any()


def test_bad_arguments_are_one_line(hfx_cli):
    for extra, message in [
        (["--par", "mu_SIG", "--par", "mu_SIG"], "given twice"),
        (["--par", "mu_SIG", "--par", "nope"], "no parameter 'nope'"),
        (["--par", "mu_SIG", "--par", "mu_ttbar", "--points", "3x1"], "--points M"),
        (["--par", "mu_SIG", "--par", "mu_ttbar", "--range", "0", "1"], "--range"),
        (["--par", "a", "--par", "b", "--par", "c"], "one or two parameters"),
    ]:
        proc = subprocess.run([str(hfx_cli), "profile", str(SBOTTOM), *extra], capture_output=True, text=True)
        assert proc.returncode == 2, (extra, proc.stderr)
        assert message in proc.stderr and proc.stderr.count("\n") == 1, proc.stderr


def test_python_scan_2d_is_the_cli_scan(scan):
    ws = hfx.Workspace(json.loads(SBOTTOM.read_text()))
    model = ws.model()
    r = hfx.diagnostics.scan_2d(model, ws.data(model), ["mu_SIG", "mu_ttbar"], n_steps=(50, 50))
    assert r.names == ("mu_SIG", "mu_ttbar")
    assert list(r.x) == scan["x"] and list(r.y) == scan["y"]
    np.testing.assert_allclose(r.delta_nlls, np.array(scan["delta_twice_nll"]), atol=1e-9)
    assert sorted(r.contours) == [0.6827, 0.95]
    assert [len(r.contours[k]) for k in (0.6827, 0.95)] == [len(c["lines"]) for c in scan["contours"]]
    small = hfx.diagnostics.scan_2d(model, ws.data(model), ["mu_SIG", "mu_ttbar"], par_ranges=[(0, 1), (0.8, 1.1)], n_steps=3)
    assert list(small.x) == [0, 0.5, 1] and small.delta_nlls.shape == (3, 3)
    with pytest.raises(hfx.exceptions.InvalidModel, match="no parameter 'nope'"):
        hfx.diagnostics.scan_2d(model, ws.data(model), ["mu_SIG", "nope"])


def test_the_picture_is_the_same_from_the_cli_and_python(hfx_cli, tmp_path):
    svg = tmp_path / "p.svg"
    r = subprocess.run([hfx_cli, "profile", str(SBOTTOM), "--par", "mu_SIG", "--par", "mu_ttbar", "--points", "8x6",
                        "--plot", str(svg), "--output-file", str(tmp_path / "p.json")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    ws = hfx.Workspace(json.loads(SBOTTOM.read_text()))
    model = ws.model()
    py_svg = hfx.viz.scan_2d(model, ws.data(model), ["mu_SIG", "mu_ttbar"], n_steps=(8, 6))
    # the same drawing; only the subtitle (the CLI names the input file) differs
    cli_svg = svg.read_text()
    subtitle = '<text x="350.0" y="52.0" text-anchor="middle" font-size="12.5" fill="#555">workspace.json</text>\n'
    assert subtitle in cli_svg
    assert cli_svg.replace(subtitle, "") == py_svg
    assert cli_svg.count("<title>") == 8 * 6 + 1


def test_fit_reports_several_parameters_of_interest(hfx_cli):
    proc = subprocess.run([str(hfx_cli), "fit", str(SBOTTOM), "--poi", "mu_SIG,mu_ttbar", "--poi", "ttbar_Gen"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    pois = out["pois"]
    assert pois["names"] == ["mu_SIG", "mu_ttbar", "ttbar_Gen"]
    index = [out["par_names"].index(n) for n in pois["names"]]
    full = np.array(out["correlations"])
    for a, i in enumerate(index):
        assert pois["bestfit"][a] == out["mle_parameters"][pois["names"][a]][0]
        assert pois["uncertainties"][a] == out["uncertainties"][pois["names"][a]][0]
        for b, j in enumerate(index):
            assert pois["correlations"][a][b] == full[i, j]
    c = np.array(pois["correlations"])
    np.testing.assert_allclose(np.diag(c), 1.0, atol=1e-12)
    np.testing.assert_allclose(c, c.T, atol=1e-12)
    table = subprocess.run([str(hfx_cli), "fit", str(SBOTTOM), "--poi", "mu_SIG,mu_ttbar", "--table"], capture_output=True, text=True)
    assert table.returncode == 0 and "parameters of interest:" in table.stdout and "mu_ttbar" in table.stdout
    for extra, message in [(["--poi", "nope"], "no parameter 'nope'"), (["--poi", "mu_SIG,mu_SIG"], "given twice"),
                           (["--poi", "mu_SIG", "--no-uncertainties"], "--no-uncertainties")]:
        bad = subprocess.run([str(hfx_cli), "fit", str(SBOTTOM), *extra], capture_output=True, text=True)
        assert bad.returncode == 2 and message in bad.stderr and bad.stderr.count("\n") == 1, bad.stderr
