"""hfx.readxml (pyhf.readxml's interface) on pyhf's validation inputs."""

import json
import logging
from pathlib import Path

import numpy as np
import pytest

import hfx
import hfx.readxml

DATA = Path(__file__).resolve().parents[2] / "tests" / "data" / "interchange"
VALIDATION = DATA / "pyhf-validation"
REFERENCE = json.loads((DATA / "pyhf_readxml.json").read_text())["configs"]


@pytest.mark.parametrize("config", sorted(REFERENCE))
def test_parse_gives_pyhfs_workspace(config):
    ref = REFERENCE[config]
    ws = hfx.readxml.parse(VALIDATION / config, VALIDATION / ref["rootdir"])
    assert hfx.utils.digest(ws) == ref["digest"]
    assert ws == ref["workspace"]


def test_parse_from_file_object_and_mounts(tmp_path):
    base = VALIDATION / "xmlimport_input"
    expected = hfx.readxml.parse(base / "config/example.xml", base)
    with open(base / "config/example.xml", "rb") as f:
        assert hfx.readxml.parse(f, base) == expected
    # the XML names ./data/example.root; mount another directory there
    (tmp_path / "moved").symlink_to(base / "data")
    got = hfx.readxml.parse(base / "config/example.xml", base, mounts=[(tmp_path / "moved", Path("data"))])
    assert got == expected


def test_parse_result_builds_a_model():
    base = VALIDATION / "xmlimport_input"
    ws = hfx.Workspace(hfx.readxml.parse(base / "config/example.xml", base))
    model = ws.model()
    assert model.config.poi_name == "SigXsecOverSM"
    data = ws.data(model)
    cls_obs = hfx.infer.hypotest(1.0, data, model)
    assert 0 < float(cls_obs) < 1


def test_warnings_are_logged(caplog):
    base = VALIDATION / "xmlimport_input"
    with caplog.at_level(logging.WARNING, "hfx.readxml"):
        hfx.readxml.parse(base / "config/example.xml", base)
    assert "ConstraintTerm Type='Gamma' for 'syst2' is ignored" in caplog.text


def test_import_root_histogram_in_the_histograms_precision():
    data, err = hfx.readxml.import_root_histogram(lambda x: VALIDATION / "xmlimport_input/data" / x, "example.root", "", "data")
    assert data == [122.0, 112.0]
    # TH1F without sums of squared weights: sqrt in float32, as pyhf with uproot
    assert err == np.sqrt(np.array([122.0, 112.0], dtype=np.float32)).tolist()
    assert err != [122.0**0.5, 112.0**0.5]
    with pytest.raises(KeyError, match="nosuch"):
        hfx.readxml.import_root_histogram(lambda x: VALIDATION / "xmlimport_input/data" / x, "example.root", "", "nosuch")


def test_dedupe_parameters_and_resolver():
    p = {"name": "mu", "bounds": [[0.0, 10.0]]}
    assert hfx.readxml.dedupe_parameters([p, dict(p)]) == [p]
    with pytest.raises(RuntimeError, match="mu"):
        hfx.readxml.dedupe_parameters([p, {"name": "mu", "bounds": [[0.0, 2.0]]}])
    r = hfx.readxml.resolver_factory(Path("/w"), [(Path("/host"), Path("/xml/path"))])
    assert r("rel/a.root") == Path("/w/rel/a.root")
    assert r("/xml/path/a.root") == Path("/host/a.root")
    assert r("/other/a.root") == Path("/other/a.root")


def test_errors_name_file_and_element(tmp_path):
    import shutil

    base = tmp_path / "in"
    shutil.copytree(VALIDATION / "xmlimport_input", base)
    channel = base / "config/example_channel.xml"
    channel.write_text(channel.read_text().replace('High="1.05" Low="0.95"/>', 'High="1.05"/>', 1))
    with pytest.raises(hfx.exceptions.InvalidSpecification, match=r"OverallSys\[@Name='syst1'\]: missing attribute 'Low'"):
        hfx.readxml.parse(base / "config/example.xml", base)


def test_process_measurements_paramsettings_take_precedence():
    import xml.etree.ElementTree as ET

    top = ET.fromstring(
        '<Combination><Measurement Name="m" Lumi="2.0" LumiRelErr="0.1"><POI> mu </POI>'
        '<ParamSetting Const="True">Lumi alpha_a b</ParamSetting><ParamSetting Val="3">alpha_a</ParamSetting>'
        "</Measurement></Combination>"
    )
    others = [{"name": "a", "bounds": [[0.0, 5.0]], "inits": [1.0]}, {"name": "c", "bounds": [[0.0, 1.0]], "inits": [0.5]}]
    (m,) = hfx.readxml.process_measurements(top, other_parameter_configs=others)
    assert m["config"]["poi"] == "mu"
    pars = m["config"]["parameters"]
    assert [p["name"] for p in pars] == ["lumi", "c", "b", "a"]
    assert pars[0] == {"name": "lumi", "auxdata": [2.0], "bounds": [[2.0 - 5 * 0.2, 2.0 + 5 * 0.2]], "inits": [2.0], "sigmas": [0.2], "fixed": True}
    assert pars[3] == {"name": "a", "bounds": [[0.0, 5.0]], "inits": [3.0], "fixed": True}
    assert others[0] == {"name": "a", "bounds": [[0.0, 5.0]], "inits": [1.0]}  # not modified
    gamma = ET.fromstring('<Combination><Measurement Name="m" Lumi="1" LumiRelErr="0.1"><POI>mu</POI>'
                          '<ParamSetting Const="True">gamma_stat_0</ParamSetting></Measurement></Combination>')
    with pytest.raises(ValueError, match="does not support setting non-scalar parameters"):
        hfx.readxml.process_measurements(gamma)
