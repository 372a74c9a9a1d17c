"""HS3 (hfx.hs3): files written by ROOT give pyhf's logpdf; pyhf JSON -> HS3 -> pyhf JSON
gives the workspace back on every reference workspace."""

import copy
import json
import logging
from pathlib import Path

import pytest

import hfx
import hfx.hs3
from conftest import REFERENCE, with_interchange_defaults

HS3 = Path(__file__).resolve().parents[2] / "tests" / "data" / "interchange" / "hs3"
CASES = sorted(p.relative_to(REFERENCE).as_posix() for p in REFERENCE.glob("**/workspace.json"))


def _logpdfs_agree(original, back, exact=True):
    m1 = hfx.Workspace(original).model(poi_name=None)
    m2 = hfx.Workspace(back).model(poi_name=None)
    d1, d2 = hfx.Workspace(original).data(m1), hfx.Workspace(back).data(m2)
    for shift in (0.0, 0.13):
        p1 = [v + shift for v in m1.config.suggested_init()]
        # parameters only the import has (ROOT's Lumi normfactor, fixed at 1) stay at their init
        init2 = m2.config.suggested_init()
        p2 = [p1[m1.config.par_names.index(n)] if n in m1.config.par_names else init2[i] for i, n in enumerate(m2.config.par_names)]
        l1, l2 = float(m1.logpdf(p1, d1)[0]), float(m2.logpdf(p2, d2)[0])
        if exact:
            assert l2 == l1
        else:
            assert l2 == pytest.approx(l1, rel=1e-12)


@pytest.mark.parametrize(
    ("hs3_file", "pyhf_file"),
    [
        ("root-6.32.06_simplemodel_uncorrelated-background_hs3.json", "simplemodel_uncorrelated-background_hifa.json"),
        ("pyhs3-edited_simplemodel_correlated-background_hs3.json", "simplemodel_correlated-background_hifa.json"),
    ],
)
def test_files_written_by_root_give_pyhfs_logpdf(hs3_file, pyhf_file):
    back = hfx.hs3.from_hs3(json.loads((HS3 / hs3_file).read_text()))
    original = json.loads((HS3 / pyhf_file).read_text())
    assert [o["data"] for o in back["observations"]] == [o["data"] for o in original["observations"]]
    assert back["measurements"][0]["config"]["poi"] == "mu"
    _logpdfs_agree(original, back)


ROOT_FILES = ["root-6.32.06_simplemodel_uncorrelated-background_hs3.json", "pyhs3-edited_simplemodel_correlated-background_hs3.json"]


def _as_root_638(doc):
    """The document in the form ROOT 6.38 writes (roofit/hs3/src/JSONFactories_HistFactory.cxx
    after root-project/root PR 18135; no file written by 6.38 is public): normsys and histosys
    name their constraint term, a gaussian_dist alpha_XConstraint around the global
    observable nom_alpha_X exported beside the channels; shapesys gives "constraint_type" and
    its "parameters"."""
    doc = copy.deepcopy(doc)
    point = doc["parameter_points"][0]["parameters"]
    for dist in [d for d in doc["distributions"] if d["type"] == "histfactory_dist"]:
        nbins = len(dist["samples"][0]["data"]["contents"])
        for m in (m for s in dist["samples"] for m in s["modifiers"]):
            if m["type"] in ("normsys", "histosys"):
                m.pop("constraint", None)
                m["constraint_name"] = m["parameter"] + "Constraint"
                if not any(d["name"] == m["constraint_name"] for d in doc["distributions"]):
                    doc["distributions"].append({"mean": "nom_" + m["parameter"], "name": m["constraint_name"], "sigma": 1.0,
                                                 "type": "gaussian_dist", "x": m["parameter"]})
                    point.append({"const": True, "name": "nom_" + m["parameter"], "value": 0.0})
            elif m["type"] == "shapesys":
                m["constraint_type"] = m.pop("constraint")
                m["parameters"] = [f"gamma_{m['name']}_bin_{i}" for i in range(nbins)]
    return doc


def _as_root_640(doc):
    """The form of ROOT 6.40 and master (PR 22735): "constraint" holds the constraint term's
    name, and a shapesys lists one per bin in "constraints"."""
    doc = _as_root_638(doc)
    for dist in [d for d in doc["distributions"] if d["type"] == "histfactory_dist"]:
        for m in (m for s in dist["samples"] for m in s["modifiers"]):
            if "constraint_name" in m:
                m["constraint"] = m.pop("constraint_name")
            if m["type"] == "shapesys":
                del m["constraint_type"]
                m["constraints"] = []
                for g in m["parameters"]:
                    doc["distributions"].append({"mean": g + "_tau", "name": g + "_constraint", "type": "poisson_dist", "x": "nom_" + g})
                    m["constraints"].append(g + "_constraint")
    return doc


@pytest.mark.parametrize("form", [_as_root_638, _as_root_640])
@pytest.mark.parametrize("hs3_file", ROOT_FILES)
def test_later_root_forms_give_the_same_workspace(form, hs3_file, caplog):
    doc = json.loads((HS3 / hs3_file).read_text())
    expected = hfx.hs3.from_hs3(doc)
    changed = form(doc)
    assert changed != doc
    with caplog.at_level(logging.WARNING, "hfx.hs3"):
        assert hfx.hs3.from_hs3(changed) == expected
    assert caplog.text == ""


def test_later_root_forms_name_what_pyhf_cannot_hold(caplog):
    doc = _as_root_638(json.loads((HS3 / ROOT_FILES[1]).read_text()))
    constraint = next(d for d in doc["distributions"] if d["type"] == "gaussian_dist")
    constraint["sigma"] = "width"
    doc["parameter_points"][0]["parameters"].append({"const": True, "name": "width", "value": 2.0})
    histosys = next(m for s in doc["distributions"][0]["samples"] for m in s["modifiers"] if m["type"] == "histosys")
    histosys["interpolation"] = {"type": "add", "in": "poly1", "out": None}
    with caplog.at_level(logging.WARNING, "hfx.hs3"):
        hfx.hs3.from_hs3(doc, "f.json")
    assert "modifiers[correlated_bkg_uncertainty]: a Gauss of width 2.0 constraint becomes pyhf's Gaussian one" in caplog.text
    assert "interpolation {type add, in poly1, out null} (as ROOT writes it) is not part of a pyhf workspace" in caplog.text
    histosys["constraint_name"] = "missing"
    caplog.clear()
    with caplog.at_level(logging.WARNING, "hfx.hs3"):
        hfx.hs3.from_hs3(doc, "f.json")
    assert "a 'missing' (no distribution of that name) constraint becomes pyhf's Gaussian one" in caplog.text


def test_root_files_lumi_and_constraints(caplog):
    doc = json.loads((HS3 / "root-6.32.06_simplemodel_uncorrelated-background_hs3.json").read_text())
    back = hfx.hs3.from_hs3(doc)
    # ROOT wrote pyhf's missing lumi as a constant normfactor Lumi = 1; the observed data
    # (not ROOT's Asimov data) and its analysis are taken
    lumi = next(p for p in back["measurements"][0]["config"]["parameters"] if p["name"] == "Lumi")
    assert lumi["fixed"] is True and lumi["inits"] == [1.0]
    assert back["observations"][0]["data"] == [51, 48]
    assert [m["name"] for m in back["measurements"]] == ["simPdf_obsData"]
    # a staterror with ROOT's default (Poisson) constraint is named
    doc["distributions"][0]["samples"][0]["data"]["errors"] = [1.0, 2.0]
    doc["distributions"][0]["samples"][0]["modifiers"].append({"name": "staterror", "type": "staterror", "constraint": "Poisson"})
    with caplog.at_level(logging.WARNING, "hfx.hs3"):
        hfx.hs3.from_hs3(doc)
    assert "staterror constraint of channel 'singlechannel' is Poisson (ROOT's default)" in caplog.text


def test_a_measurement_without_poi_comes_back_without(caplog):
    original = json.loads((REFERENCE / "small" / "pyhf-docs-2bin-1channel" / "workspace.json").read_text())
    original["measurements"][0]["config"]["poi"] = ""
    document = hfx.hs3.to_hs3(original)
    assert all(not a.get("parameters_of_interest") for a in document["analyses"])
    with caplog.at_level(logging.WARNING, "hfx.hs3"):
        back = hfx.hs3.from_hs3(document)
    assert back["measurements"][0]["config"]["poi"] == ""
    assert "names no parameter of interest: the measurement has none" in caplog.text


@pytest.mark.parametrize("case", CASES)
def test_roundtrip_is_exact(case):
    """hfx reads back what it wrote (its restore record): the same digest, also sorted."""
    original = json.loads((REFERENCE / case).read_text())
    back = hfx.hs3.from_hs3(json.loads(json.dumps(hfx.hs3.to_hs3(original))))
    assert back == original
    assert hfx.Workspace(back).digest() == hfx.Workspace(original).digest()
    assert hfx.Workspace.sorted(hfx.Workspace(back)).digest() == hfx.Workspace.sorted(hfx.Workspace(original)).digest()
    _logpdfs_agree(original, back)


def test_restore_record_is_ignored_once_the_document_changes(caplog):
    original = json.loads((REFERENCE / "small/pyhf-docs-2bin-1channel/workspace.json").read_text())
    document = hfx.hs3.to_hs3(original)
    assert "hfx_restore_record" in document["misc"]  # the normfactor has no configuration
    document["data"][0]["contents"][0] += 1.0
    with caplog.at_level(logging.WARNING, "hfx.hs3"):
        back = hfx.hs3.from_hs3(document, "edited.json")
    assert "edited.json: /misc/hfx_restore_record: the document changed after hfx wrote it" in caplog.text
    assert back == hfx.hs3.from_hs3(document, restore=False)


@pytest.mark.parametrize("case", CASES)
def test_roundtrip_as_root_reads_it(case, caplog):
    """Without the restore record: the workspace except what the converter warned about."""
    original = json.loads((REFERENCE / case).read_text())
    with caplog.at_level(logging.WARNING, "hfx.hs3"):
        back = hfx.hs3.from_hs3(json.loads(json.dumps(hfx.hs3.to_hs3(original))), restore=False)
    warnings = [r.getMessage() for r in caplog.records if r.name == "hfx.hs3"]
    expected = hfx.Workspace.sorted(hfx.Workspace(with_interchange_defaults(original))).digest()
    got = hfx.Workspace.sorted(hfx.Workspace(back)).digest()
    if all("no channel of that name" in w for w in warnings):
        assert got == expected
    else:  # each difference is one the converter named
        assert got != expected
    if not any("comes back" in w for w in warnings):
        _logpdfs_agree(original, back, exact=not any("reads back as" in w for w in warnings))


def test_bad_documents_name_the_path():
    with pytest.raises(hfx.exceptions.InvalidSpecification, match=r"x\.json: /: expected an object with \"distributions\""):
        hfx.hs3.from_hs3({"metadata": {}}, "x.json")
    doc = hfx.hs3.to_hs3(json.loads((REFERENCE / "small/pyhf-docs-2bin-1channel/workspace.json").read_text()))
    del doc["distributions"][0]["samples"][1]["modifiers"][0]["data"]["vals"]
    with pytest.raises(hfx.exceptions.InvalidSpecification, match=r"/samples\[background\]/modifiers\[uncorr_bkguncrt\]/data: expected an object with \"vals\""):
        hfx.hs3.from_hs3(doc, "y.json")
