"""hfx.schema.validate: pyhf's entry point on hfx's own validators."""

import pytest

import hfx

from conftest import REFERENCE, load_json



def test_valid_documents_of_each_kind_pass():
    ws = load_json(REFERENCE / "small" / "pyhf-docs-2bin-1channel" / "workspace.json")
    assert hfx.schema.validate(ws, "workspace.json") is None
    assert hfx.schema.validate({"channels": ws["channels"]}, "model.json") is None
    ps = load_json(REFERENCE / "3L-eRJR" / "published" / "patchset.json")
    assert hfx.schema.validate(ps, "patchset.json", version="1.0.0") is None
    assert hfx.schema.validate([{"op": "remove", "path": "/channels/0"}], "jsonpatch.json") is None


@pytest.mark.parametrize(
    "spec,kind,path",
    [
        ({"channels": [], "observations": [], "measurements": []}, "workspace.json", "version"),
        ({"channels": [{"name": "c", "samples": "x"}]}, "model.json", "/channels/0/samples"),
        ([{"op": "jump", "path": "/a"}], "jsonpatch.json", "/0/op"),
        ({"metadata": {}, "patches": [], "version": "1.0.0"}, "patchset.json", "/metadata"),
    ],
)
def test_invalid_documents_name_the_path(spec, kind, path):
    with pytest.raises(hfx.exceptions.InvalidSpecification, match=path):
        hfx.schema.validate(spec, kind)


def test_unknown_kinds_and_versions():
    with pytest.raises(hfx.exceptions.Unsupported, match="defs.json"):
        hfx.schema.validate({}, "defs.json")
    with pytest.raises(hfx.exceptions.InvalidSpecification, match="1.0.0"):
        hfx.schema.validate({}, "workspace.json", version="0.9.0")
    assert hfx.schema.version == "1.0.0"


def test_model_spec_is_checked_for_structure_not_buildability():
    # a lumi modifier without its configuration is a valid model.json document (pyhf's
    # schema), though no model can be built from it
    spec = {"channels": [{"name": "c", "samples": [{"name": "s", "data": [1.0], "modifiers": [{"name": "lumi", "type": "lumi", "data": None}]}]}]}
    hfx.schema.validate(spec, "model.json")
    with pytest.raises(hfx.exceptions.InvalidModel):
        hfx.Model(spec)
    spec["channels"][0]["samples"][0]["data"] = "x"
    with pytest.raises(hfx.exceptions.InvalidSpecification, match="/channels/0/samples/0/data"):
        hfx.schema.validate(spec, "model.json")
