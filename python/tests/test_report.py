"""`hfx report` and the `--plot` pictures, checked as a user sees them: every SVG parsed as
XML with a non-empty drawing, and the report page loaded in a real browser (headless
Chromium): it must run its script without errors, show every part, and sort and filter
the parameter table (driven through the address, #filter=...&sort=...)."""

import json
import os
import pathlib
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from conftest import REFERENCE

plt = pytest.importorskip("matplotlib.pyplot", reason="python3-matplotlib is not installed")

SVG = "{http://www.w3.org/2000/svg}"
CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"), reason="chromium is not installed (scripts/install-deps.sh installs it)"
)


def chromium(url, *args):
    """Runs headless Chromium on `url`; returns (stdout, the console lines from stderr)."""
    assert CHROMIUM, "chromium is required in CI (scripts/install-deps.sh)"
    r = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
         *args, url],
        capture_output=True, text=True, timeout=180,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout, [line for line in r.stderr.splitlines() if "CONSOLE" in line]


def check_svg(path, min_shapes=10):
    """Well-formed SVG with a drawing: its root, a size, text and shapes."""
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg"
    assert float(root.get("width")) > 100 and float(root.get("height")) > 100
    shapes = sum(1 for e in root.iter() if e.tag in {SVG + t for t in ("path", "rect", "circle")})
    assert shapes >= min_shapes, f"{path}: {shapes} shapes"
    assert any((t.text or "").strip() for t in root.iter(SVG + "text"))
    return root


def page_data(html):
    m = re.search(r'<script type="application/json" id="hfx-data">(.*?)</script>', html, re.S)
    assert not set(m.group(1)) & set("<>&")  # nothing the HTML parser could act on
    return json.loads(m.group(1))


def rendered_rows(dom):
    """(name, cells) of the parameter table's rows in the rendered DOM."""
    body = re.search(r'<table id="par-table">.*?<tbody>(.*?)</tbody>', dom, re.S).group(1)
    rows = re.findall(r'<tr data-name="([^"]*)">(.*?)</tr>', body, re.S)
    return [(name, re.findall(r"<td[^>]*>(.*?)</td>", cells)) for name, cells in rows]


def loaded_without_errors(dom, console):
    assert 'data-ready="1"' in dom, "the page's script did not finish"
    assert re.search(r'<div id="js-errors" hidden="">\s*</div>', dom), re.search(r'<div id="js-errors".*?</div>', dom).group(0)
    assert not [c for c in console if "Uncaught" in c or "Error" in c], console


@pytest.fixture(scope="module")
def sbottom_report(hfx_cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    ws = REFERENCE / "sbottom-multib-regionA" / "workspace.json"
    r = subprocess.run([hfx_cli, "report", str(ws), "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out


def test_every_plot_command_writes_a_valid_svg(hfx_cli, tmp_path):
    ws = str(REFERENCE / "3L-eRJR" / "workspace.json")
    commands = {
        "pulls": [], "ranking": ["--top", "12"], "correlations": ["--min", "0.2"], "profile": ["--points", "11"],
        "brazil": ["--scan", "0", "3", "7"], "yields": ["--postfit"],
    }
    for cmd, extra in commands.items():
        svg = tmp_path / f"{cmd}.svg"
        r = subprocess.run([hfx_cli, cmd, ws, *extra, "--plot", str(svg), "--output-file", str(tmp_path / f"{cmd}.json")],
                           capture_output=True, text=True)
        assert r.returncode == 0, (cmd, r.stderr)
        root = check_svg(svg)
        texts = {"".join(t.itertext()) for t in root.iter(SVG + "text")}
        assert "3L-eRJR" not in texts and "workspace.json" in " ".join(texts)  # the input named in the subtitle
        if cmd == "ranking":
            names = [p["name"] for p in json.loads((tmp_path / "ranking.json").read_text())["parameters"]]
            assert len(names) == 12 and set(names) <= texts
    # PNG (twice the SVG's size, the same drawing) and PDF (one vector page)
    r = subprocess.run([hfx_cli, "brazil", ws, "--scan", "0", "3", "7", "--plot", str(tmp_path / "b.png"),
                        "--output-file", str(tmp_path / "b.json")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    img = plt.imread(tmp_path / "b.png")[..., :3]
    root = ET.parse(tmp_path / "brazil.svg").getroot()
    assert img.shape[:2] == (2 * int(float(root.get("height"))), 2 * int(float(root.get("width"))))
    yellow = np.all(np.abs(img - np.array([0xFF, 0xD9, 0x2F]) / 255) < 0.03, axis=-1).sum()
    green = np.all(np.abs(img - np.array([0x5C, 0xB8, 0x5C]) / 255) < 0.03, axis=-1).sum()
    assert yellow > 5000 and green > 5000, (yellow, green)
    r = subprocess.run([hfx_cli, "ranking", ws, "--plot", str(tmp_path / "r.pdf"), "--output-file", str(tmp_path / "r.json")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    pdf = (tmp_path / "r.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.count(b"/Type /Page") >= 1
    # a picture goes only to a file named for its format, and a failing command leaves none behind
    r = subprocess.run([hfx_cli, "pulls", ws, "--plot", str(tmp_path / "p.jpg")], capture_output=True, text=True)
    assert r.returncode == 2 and "ending in .svg, .png or .pdf" in r.stderr and not (tmp_path / "p.jpg").exists()
    r = subprocess.run([hfx_cli, "ranking", str(REFERENCE / "3L-eRJR" / "workspace.json"), "--measurement", "nosuch",
                        "--plot", str(tmp_path / "r2.svg")], capture_output=True, text=True)
    assert r.returncode == 2 and not (tmp_path / "r2.svg").exists()


def test_report_of_a_fit_that_does_not_converge(hfx_cli, tmp_path):
    ws = REFERENCE / "3L-eRJR" / "workspace.json"
    r = subprocess.run([hfx_cli, "report", str(ws), "-o", str(tmp_path), "--optconf", "maxiter=2"], capture_output=True, text=True)
    assert r.returncode == 1 and "did not converge" in r.stderr.splitlines()[-1]
    html = (tmp_path / "index.html").read_text()
    assert "Not available: the fit did not converge (iteration_limit" in html
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.html", "yields.svg"]  # pre-fit yields need no fit
    assert all(p.get("bestfit") is None for p in page_data(html)["parameters"])


def test_report_files(sbottom_report):
    names = sorted(p.name for p in sbottom_report.iterdir())
    assert names == sorted(["index.html", "pulls.svg", "ranking.svg", "correlations.svg", "profile.svg", "cls.svg", "yields.svg"])
    for svg in sbottom_report.glob("*.svg"):
        check_svg(svg)
    html = (sbottom_report / "index.html").read_text()
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "") and "https://" not in html  # nothing fetched
    assert "<link" not in html and "src=" not in html
    data = page_data(html)
    assert len(data["parameters"]) == 64
    ws = json.loads((REFERENCE / "sbottom-multib-regionA" / "workspace.json").read_text())
    assert [c["name"] for c in data["model"]["channels"]] == sorted(c["name"] for c in ws["channels"])


@needs_chromium
def test_report_in_chromium(sbottom_report, tmp_path):
    index = sbottom_report / "index.html"
    data = page_data(index.read_text())
    dom, console = chromium(index.as_uri() + "#filter=JET&sort=-pull", "--dump-dom")
    loaded_without_errors(dom, console)
    for part in ("summary", "parameters", "workspace", "pulls", "ranking", "correlations", "profile", "cls", "yields", "provenance"):
        assert f'<section id="{part}"' in dom, part
    for plot in ("pulls", "ranking", "correlations", "profile", "cls", "yields"):
        assert re.search(f'data-plot="{plot}"><svg', dom), plot
    # filtered to the JET parameters, sorted by decreasing pull
    rows = rendered_rows(dom)
    want = [p["name"] for p in data["parameters"] if "jet" in (p["name"] + " " + p["type"] + " " + p["constraint"]).lower()]
    assert sorted(n for n, _ in rows) == sorted(want) and len(rows) == 16
    pulls = [float(cells[8]) for _, cells in rows]
    assert pulls == sorted(pulls, reverse=True)
    assert f"{len(rows)} of 64 parameters" in dom
    # the workspace search opens the channels with a match and marks it
    dom, console = chromium(index.as_uri() + "#search=ttbar_PS", "--dump-dom")
    loaded_without_errors(dom, console)
    assert dom.count("<mark>ttbar_PS</mark>") >= 2 and "2 of 2 channels" in dom
    # what a person sees: the header, the summary and the pull bands
    png = tmp_path / "report.png"
    chromium(index.as_uri(), f"--screenshot={png}", "--window-size=1400,2600")
    img = plt.imread(png)[..., :3]
    assert img.shape[:2] == (2600, 1400)
    for colour, least in (("#ffe97f", 5000), ("#8fd18f", 5000), ("#14213d", 20000)):  # +-2, +-1 bands, header
        rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
        assert np.all(np.abs(img - rgb) < 0.03, axis=-1).sum() > least, colour
    if os.environ.get("HFX_ARTIFACTS"):
        shutil.copy(png, pathlib.Path(os.environ["HFX_ARTIFACTS"]) / "report-sbottom.png")


def many_parameters(n):
    """One channel whose background has n normsys modifiers, and a signal."""
    bkg = [{"name": f"np_{i}", "type": "normsys", "data": {"hi": 1 + 0.001 * (i % 7 + 1), "lo": 1 - 0.001 * (i % 5 + 1)}}
           for i in range(n)]
    return {
        "channels": [{"name": "SR", "samples": [
            {"name": "signal", "data": [1.0, 2.0, 3.0, 1.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
            # a name with markup that would end or hide a <script> element if it reached the HTML parser
            {"name": "bkg</script><!--<script>&\"'", "data": [20.0, 15.0, 10.0, 5.0], "modifiers": bkg}]}],
        "observations": [{"name": "SR", "data": [22, 16, 14, 6]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }


@needs_chromium
def test_report_stays_usable_with_many_parameters(hfx_cli, tmp_path):
    ws = tmp_path / "big.json"
    ws.write_text(json.dumps(many_parameters(350)))
    r = subprocess.run([hfx_cli, "report", str(ws), "-o", str(tmp_path / "out")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    index = tmp_path / "out" / "index.html"
    dom, console = chromium(index.as_uri(), "--dump-dom")
    loaded_without_errors(dom, console)
    assert len(rendered_rows(dom)) == 351 and "351 of 351 parameters" in dom
    dom, console = chromium(index.as_uri() + "#filter=np_34&sort=name", "--dump-dom")
    loaded_without_errors(dom, console)
    names = [n for n, _ in rendered_rows(dom)]
    assert names == sorted(["np_34"] + [f"np_34{i}" for i in range(10)])
    dom, console = chromium(index.as_uri() + "#filter=np_34%&search=script>", "--dump-dom")  # a bare % is meant as itself
    loaded_without_errors(dom, console)
    assert "0 of 351 parameters" in dom and "1 of 1 channels" in dom
    assert "<td>bkg&lt;/<mark>script&gt;</mark>&lt;!--&lt;script&gt;&amp;\"'</td>" in dom  # shown as text


@needs_chromium
def test_the_browser_check_sees_script_errors(sbottom_report, tmp_path):
    """The checks above can fail: a page whose script throws is caught by both signals."""
    bad = tmp_path / "bad.html"
    bad.write_text((sbottom_report / "index.html").read_text().replace("</body>", "<script>nosuch();</script></body>"))
    dom, console = chromium(bad.as_uri(), "--dump-dom")
    assert "JavaScript error: Uncaught ReferenceError: nosuch is not defined" in dom
    assert any("Uncaught ReferenceError" in c for c in console)
    with pytest.raises(AssertionError):
        loaded_without_errors(dom, console)


def test_python_pictures_and_report(tmp_path):
    import hfx

    ws = hfx.Workspace(json.loads((REFERENCE / "3L-eRJR" / "workspace.json").read_text()))
    model = ws.model()
    data = ws.data(model)
    for name, svg in {
        "pulls": hfx.viz.pulls(model, data),
        "ranking": hfx.viz.ranking(model, data, top=8),
        "correlations": hfx.viz.correlations(model, data, min_abs=0.3),
        "scan": hfx.viz.scan(model, data, "mu_SIG", par_range=(0, 2), n_steps=9),
        "brazil": hfx.viz.brazil(model, data, mus=[0, 0.5, 1, 1.5]),
        "yields": hfx.viz.yields(model, data),
    }.items():
        check_svg(hfx.viz.save(svg, tmp_path / f"{name}.svg"))
    top = hfx.diagnostics.ranking(model, data)
    order = np.argsort(-np.maximum(np.abs(top.postfit_up), np.abs(top.postfit_down)), kind="stable")
    texts = {"".join(t.itertext()) for t in ET.parse(tmp_path / "ranking.svg").getroot().iter(SVG + "text")}
    assert {top.labels[j] for j in order[:8]} <= texts and top.labels[order[8]] not in texts
    index, problems = hfx.viz.report(ws, tmp_path / "rep", source="3L-eRJR")
    assert problems == [] and index.name == "index.html"
    assert len(page_data(index.read_text())["parameters"]) == model.config.npars
    assert sorted(p.name for p in (tmp_path / "rep").glob("*.svg")) == [
        "cls.svg", "correlations.svg", "profile.svg", "pulls.svg", "ranking.svg", "yields.svg"]
    png = plt.imread(hfx.viz.save(hfx.viz.pulls(model, data), tmp_path / "pulls.png"))
    root = ET.parse(tmp_path / "pulls.svg").getroot()
    assert png.shape[:2] == (2 * int(float(root.get("height"))), 2 * int(float(root.get("width"))))
    pdf = hfx.viz.save(hfx.viz.brazil(model, data, mus=[0, 1]), tmp_path / "brazil.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and b"/Type /Page" in pdf
    with pytest.raises(ValueError, match="ending in .svg, .png or .pdf"):
        hfx.viz.save("<svg/>", tmp_path / "x.jpg")
    with pytest.raises(hfx.exceptions.InvalidSpecification, match="rendering the SVG picture"):
        hfx.viz.save("not svg", tmp_path / "x.png")
    with pytest.raises(ValueError, match="top"):
        hfx.viz.ranking(model, data, top=0)
    with pytest.raises(ValueError, match="no POI"):
        hfx.viz.ranking(ws.model(poi_name=None), data)
