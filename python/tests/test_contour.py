"""`hfx contour` against scipy and matplotlib.

The triangulation must be scipy.spatial.Delaunay's on points in general position, and the
contours matplotlib's tricontour on the same triangles and Z = Phi^-1(1 - CLs) values:
every vertex of one within 1e-9 of a vertex of the other. The CLI binary is taken from
HFX_CLI, else build/release/cli/hfx; the tests skip when it is absent or has no `contour`.
"""

import json
import os
import pathlib
import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from scipy.spatial import Delaunay, cKDTree
from scipy.stats import norm

from conftest import REPO

matplotlib = pytest.importorskip("matplotlib", reason="python3-matplotlib is not installed")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.tri import Triangulation  # noqa: E402

CURVES = {"observed": None, "expected": 2, "expected_minus1sigma": 1, "expected_plus1sigma": 3}


def significance(cls):
    # As hfx: CLs clamped to [1e-300, 1 - 1e-16], Z = Phi^-1(1 - CLs).
    return norm.isf(np.clip(np.asarray(cls, dtype=float), 1e-300, 1 - 1e-16))


def write_results(path, m1, m2, z_exp, z_obs, drop_obs=(), failed=()):
    header = {"hfx_scan": 1, "labels": ["m1", "m2"], "points": [f"p{i}" for i in range(len(m1))], "settings": {}}
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps(header) + "\n")
        for i in range(len(m1)):
            row = {"name": f"p{i}", "values": {"m1": float(m1[i]), "m2": float(m2[i])}}
            if i in failed:
                row.update(status="failed", message="fit did not converge")
            else:
                exp = [float(norm.sf(z_exp[i] + d)) for d in (1.0, 0.5, 0.0, -0.5, -1.0)]
                obs = None if i in drop_obs else float(norm.sf(z_obs[i]))
                row.update(status="ok", CLs_obs=obs, CLs_exp=exp)
                if obs is None:
                    row["CLs_obs_problem"] = "not computed"
            f.write(json.dumps(row) + "\n")


def run_contour(hfx_cli, results, *extra):
    proc = subprocess.run([hfx_cli, "contour", str(results), *extra], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def curve_cls(point, curve):
    k = CURVES[curve]
    return point["CLs_obs"] if k is None else point["CLs_exp"][k]


def matplotlib_lines(out, curve):
    """tricontour on hfx's triangles for this curve, at Z0 = Phi^-1(1 - level)."""
    tris = np.array(out["triangles"][curve], dtype=int)
    used = np.unique(tris)
    remap = {int(g): k for k, g in enumerate(used)}
    pts = out["points"]
    x = np.array([pts[g]["x"] for g in used])
    y = np.array([pts[g]["y"] for g in used])
    z = significance([curve_cls(pts[g], curve) for g in used])
    local = np.vectorize(remap.get)(tris)
    fig, ax = plt.subplots()
    try:
        cs = ax.tricontour(Triangulation(x, y, local), z, levels=[float(significance(out["level"]))])
        return [np.asarray(seg) for seg in cs.allsegs[0] if len(seg)]
    finally:
        plt.close(fig)


def assert_same_vertices(ours, theirs, what):
    a = np.concatenate([np.asarray(p, dtype=float) for p in ours]) if ours else np.zeros((0, 2))
    b = np.concatenate(theirs) if theirs else np.zeros((0, 2))
    assert len(a) and len(b), f"{what}: no contour (hfx {len(a)} vertices, matplotlib {len(b)})"
    d_ab, _ = cKDTree(b).query(a)
    d_ba, _ = cKDTree(a).query(b)
    assert d_ab.max() < 1e-9, f"{what}: an hfx vertex is {d_ab.max():.3g} from matplotlib's line"
    assert d_ba.max() < 1e-9, f"{what}: a matplotlib vertex is {d_ba.max():.3g} from hfx's line"


def closed(line):
    return bool(np.all(np.asarray(line[0]) == np.asarray(line[-1])))


def wavy_field(m1, m2):
    # Excluded at low masses, with bumps that give several lines and an island or two.
    return 3.5 - np.hypot(m1 / 450.0, m2 / 300.0) * 2.2 + 0.9 * np.sin(m1 / 90.0) * np.cos(m2 / 70.0)


@pytest.fixture(scope="module")
def scattered(tmp_path_factory):
    rng = np.random.default_rng(20240611)
    m1 = rng.uniform(100, 1500, 600)
    m2 = rng.uniform(0, 800, 600)
    z = wavy_field(m1, m2)
    path = tmp_path_factory.mktemp("contour") / "scattered.jsonl"
    write_results(path, m1, m2, z, z + 0.4 * np.sin(m2 / 120.0), drop_obs={3, 50, 51}, failed={7, 8})
    return path, m1, m2


def test_plot_as_png_and_pdf(hfx_cli, scattered, tmp_path):
    path, _, _ = scattered
    for name in ("plane.png", "plane.PDF"):
        subprocess.run([hfx_cli, "contour", str(path), "-o", str(tmp_path / "c.json"), "--plot", str(tmp_path / name)],
                       check=True)
    img = plt.imread(tmp_path / "plane.png")[..., :3]
    assert img.shape[:2] == (1400, 1800)  # twice the SVG's 900 x 700
    red = np.all(np.abs(img - np.array([0xD6, 0x27, 0x28]) / 255) < 0.08, axis=-1).sum()
    assert red > 1200, f"observed contour barely visible ({red} red pixels)"
    assert (tmp_path / "plane.PDF").read_bytes().startswith(b"%PDF-")


def test_triangulation_is_scipy_delaunay(hfx_cli, scattered):
    path, m1, m2 = scattered
    out = run_contour(hfx_cli, path)
    pts = out["points"]
    assert len(pts) == 598 and [p["name"] for p in out["not_ok"]] == ["p7", "p8"]
    xy = np.array([[p["x"], p["y"]] for p in pts])
    ours = {tuple(sorted(t)) for t in out["triangles"]["expected"]}
    theirs = {tuple(sorted(int(i) for i in t)) for t in Delaunay(xy).simplices}
    assert len(ours) == len(out["triangles"]["expected"])
    assert ours == theirs
    # The observed curve leaves out its three points without CLs_obs: scipy on the rest.
    keep = [i for i, p in enumerate(pts) if p["CLs_obs"] is not None]
    assert len(keep) == 595
    sub = {tuple(sorted(keep[int(i)] for i in t)) for t in Delaunay(xy[keep]).simplices}
    assert {tuple(sorted(t)) for t in out["triangles"]["observed"]} == sub


@pytest.mark.parametrize("level", [0.05, 0.01, 0.3])
def test_contours_match_matplotlib_on_scattered_points(hfx_cli, scattered, level):
    path, _, _ = scattered
    out = run_contour(hfx_cli, path, "--level", str(level))
    for curve in CURVES:
        ours, theirs = out["contours"][curve], matplotlib_lines(out, curve)
        assert_same_vertices(ours, theirs, f"{curve} at CLs {level}")
        assert len(ours) == len(theirs), curve
        assert sum(map(closed, ours)) == sum(closed(t) for t in theirs), curve


def test_contours_match_matplotlib_on_a_lattice(hfx_cli, tmp_path):
    # A regular mass grid (co-circular cells: hfx picks the diagonals, matplotlib follows).
    g1, g2 = np.meshgrid(np.arange(100.0, 1501.0, 50.0), np.arange(0.0, 801.0, 50.0))
    m1, m2 = g1.ravel(), g2.ravel()
    keep = m2 < m1  # the usual triangle of a SUSY grid
    m1, m2 = m1[keep], m2[keep]
    path = tmp_path / "lattice.jsonl"
    z = wavy_field(m1, m2)
    write_results(path, m1, m2, z, z - 0.2)
    out = run_contour(hfx_cli, path)
    for curve in CURVES:
        assert_same_vertices(out["contours"][curve], matplotlib_lines(out, curve), curve)
    # The x and y of the output are the labels' own numbers, unscaled.
    assert {(p["x"], p["y"]) for p in out["points"]} == set(zip(m1.tolist(), m2.tolist()))


def test_plot_is_valid_svg(hfx_cli, scattered, tmp_path):
    path, _, _ = scattered
    svg = tmp_path / "plane.svg"
    out_json = tmp_path / "contours.json"
    subprocess.run([hfx_cli, "contour", str(path), "-o", str(out_json), "--plot", str(svg), "--title", "A & B <test>"],
                   check=True)
    root = ET.parse(svg).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == ns + "svg"
    texts = ["".join(t.itertext()) for t in root.iter(ns + "text")]
    assert "A & B <test>" in texts and "m1" in texts and "m2" in texts
    strokes = [p.get("stroke") for p in root.iter(ns + "path")]
    assert strokes.count("#d62728") >= len(json.loads(out_json.read_text())["contours"]["observed"])
    # A circle per point with an observed CLs (its name and CLs on hover), a diamond for the 3 without.
    assert len(list(root.iter(ns + "circle"))) == 595 + 1  # and one in the legend
    titles = ["".join(t.itertext()) for t in root.iter(ns + "title")]
    assert sum(t.endswith(": no observed CLs") for t in titles) == 3
    assert "p0: CLs = " in " ".join(titles)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed (picture not rendered)")
def test_plot_renders(hfx_cli, scattered, tmp_path):
    # Render the picture as a browser would and check that the contour and band show.
    path, _, _ = scattered
    svg, png = tmp_path / "plane.svg", tmp_path / "plane.png"
    subprocess.run([hfx_cli, "contour", str(path), "-o", str(tmp_path / "c.json"), "--plot", str(svg)], check=True)
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={png}",
                    "--window-size=900,700", svg.as_uri()], check=True, capture_output=True, timeout=120)
    img = plt.imread(png)[..., :3]
    assert img.shape[:2] == (700, 900)
    red = np.all(np.abs(img - np.array([0xD6, 0x27, 0x28]) / 255) < 0.08, axis=-1).sum()
    yellow = np.all(np.abs(img - np.array([0xFF, 0xE2, 0x6B]) / 255) < 0.12, axis=-1).sum()
    assert red > 300, f"observed contour barely visible ({red} red pixels)"
    assert yellow > 1000, f"expected band barely visible ({yellow} yellow pixels)"
