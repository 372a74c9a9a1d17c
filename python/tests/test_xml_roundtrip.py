"""JSON -> HistFactory XML + ROOT -> JSON (hfx.writexml, then hfx.readxml) on every
reference workspace: the same workspace back, except what the writer warns about."""

import json
import logging

import pytest

import hfx
import hfx.readxml
import hfx.writexml
from conftest import REFERENCE, with_interchange_defaults

CASES = sorted(p.relative_to(REFERENCE).as_posix() for p in REFERENCE.glob("**/workspace.json"))


def _floats(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return float(v)
    if isinstance(v, list):
        return [_floats(x) for x in v]
    if isinstance(v, dict):
        return {k: _floats(x) for k, x in v.items()}
    return v


def _with_xml_defaults(ws):
    """What any workspace becomes in HistFactory XML without loss: the interchange
    defaults (conftest), numbers as doubles (ROOT histograms and pyhf's reader), and a lumi
    configuration in every measurement (Lumi, LumiRelErr are required)."""
    ws = with_interchange_defaults(ws)
    for c in ws["channels"]:
        for s in c["samples"]:
            s["data"] = _floats(s["data"])
            for m in s["modifiers"]:
                m["data"] = _floats(m["data"])
    ws["observations"] = [dict(o, data=_floats(o["data"])) for o in ws["observations"]]
    for meas in ws["measurements"]:
        pars = meas["config"]["parameters"] = _floats(meas["config"]["parameters"])
        if "lumi" not in {p["name"] for p in pars}:
            pars.append({"name": "lumi", "auxdata": [1.0], "bounds": [[1.0, 1.0]], "inits": [1.0], "sigmas": [0.0]})
    return ws


def _roundtrip(spec, tmp_path, caplog, restore=True):
    with caplog.at_level(logging.WARNING, "hfx.writexml"):
        top = hfx.writexml.writexml(spec, tmp_path / "config", tmp_path / "data", "FitConfig")
    (tmp_path / "FitConfig.xml").write_bytes(top)
    warnings = [r.getMessage() for r in caplog.records if r.name == "hfx.writexml"]
    return hfx.readxml.parse(tmp_path / "FitConfig.xml", tmp_path, restore=restore), warnings


@pytest.mark.parametrize("case", CASES)
def test_roundtrip_is_exact(case, tmp_path, caplog):
    """hfx reads back what it wrote: the same digest, before and after sorting."""
    original = json.loads((REFERENCE / case).read_text())
    back, _ = _roundtrip(original, tmp_path, caplog)
    assert back == original
    assert hfx.Workspace(back).digest() == hfx.Workspace(original).digest()
    assert hfx.Workspace.sorted(hfx.Workspace(back)).digest() == hfx.Workspace.sorted(hfx.Workspace(original)).digest()


@pytest.mark.parametrize("case", CASES)
def test_roundtrip_as_pyhf_reads_it(case, tmp_path, caplog):
    """Without the restore record (what pyhf and ROOT read): the same workspace except what
    the writer warned about, and the same logpdf."""
    original = json.loads((REFERENCE / case).read_text())
    back, warnings = _roundtrip(original, tmp_path, caplog, restore=False)
    sorted_digest = hfx.Workspace.sorted(hfx.Workspace(back)).digest()
    expected = hfx.Workspace.sorted(hfx.Workspace(_with_xml_defaults(original))).digest()
    if all("no channel of that name" in w for w in warnings):  # losses _with_xml_defaults makes too
        assert sorted_digest == expected
    else:  # each difference is one the writer named
        assert sorted_digest != expected
    m1 = hfx.Workspace(original).model(poi_name=None)
    m2 = hfx.Workspace(back).model(poi_name=None)
    renamed = any("renamed" in w for w in warnings)
    assert renamed == (sorted(m1.config.par_names) != sorted(m2.config.par_names))
    if renamed:
        return
    d1, d2 = hfx.Workspace(original).data(m1), hfx.Workspace(back).data(m2)
    pos = {n: i for i, n in enumerate(m1.config.par_names)}
    inexact = any("reads back as" in w for w in warnings)
    for shift in (0.0, 0.13):
        p1 = [v + shift for v in m1.config.suggested_init()]
        p2 = [p1[pos[n]] for n in m2.config.par_names]
        l1, l2 = float(m1.logpdf(p1, d1)[0]), float(m2.logpdf(p2, d2)[0])
        if inexact:
            assert l2 == pytest.approx(l1, rel=1e-12)
        else:
            assert l2 == l1



def test_known_losses_are_warned(tmp_path, caplog):
    ws = json.loads((REFERENCE / "small/litehf-staterror-shapesys/workspace.json").read_text())
    _, warnings = _roundtrip(ws, tmp_path, caplog)
    assert any("MCstat, staterror]: HistFactory XML names a channel's MC statistical uncertainty 'staterror_mychannel'" in w for w in warnings)


def test_written_files_and_relocation(tmp_path, caplog):
    ws = json.loads((REFERENCE / "pyhf-validation/2bin_2channel_coupledhistosys/workspace.json").read_text())
    back, _ = _roundtrip(ws, tmp_path / "a", caplog)
    assert sorted(p.relative_to(tmp_path / "a").as_posix() for p in (tmp_path / "a").rglob("*") if p.is_file()) == [
        "FitConfig.xml", "HistFactorySchema.dtd", "config/FitConfig_control.xml", "config/FitConfig_signal.xml", "data/data.root"]
    (tmp_path / "a").rename(tmp_path / "b")  # paths inside are relative to the directory
    assert hfx.readxml.parse(tmp_path / "b/FitConfig.xml", tmp_path / "b") == back
    keys = {k[0]: k[2] for k in hfx._core.root_keys(str(tmp_path / "b/data/data.root"))}
    assert keys["histsignal_data"] == "TH1D"
