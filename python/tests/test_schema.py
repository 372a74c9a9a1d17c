"""hfx.schema: pyhf's validate on hfx's own validators, the JSON Schema documents and
schema directories of one's own."""

import copy
import json
import shutil

import numpy as np
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
    with pytest.raises(hfx.exceptions.SchemaNotFound, match="nosuch.json"):
        hfx.schema.validate({}, "nosuch.json")
    with pytest.raises(hfx.exceptions.SchemaNotFound, match="0.9.0/workspace.json"):
        hfx.schema.validate({}, "workspace.json", version="0.9.0")
    with pytest.raises(FileNotFoundError):
        hfx.schema.load_schema("1.0.0/nosuch.json")
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


def _copy_of_the_builtin_schemas(tmp_path):
    """A schema directory of one's own: validation then goes through jsonschema."""
    shutil.copytree(hfx.schema.path, tmp_path / "schemas")
    return tmp_path / "schemas"


def test_schema_documents_accept_every_reference_document(tmp_path):
    documents = [(p, "workspace.json") for p in REFERENCE.rglob("workspace.json")]
    documents += [(p, "patchset.json") for p in REFERENCE.rglob("*patchset*.json")]
    assert len(documents) > 20
    with hfx.schema(_copy_of_the_builtin_schemas(tmp_path)):
        for path, kind in documents:
            document = load_json(path)
            hfx.schema.validate(document, kind)
            if kind == "workspace.json":
                hfx.schema.validate({"channels": document["channels"]}, "model.json")
                for measurement in document["measurements"]:
                    hfx.schema.validate(measurement, "measurement.json")


def _broken(mutate):
    ws = load_json(REFERENCE / "small" / "pyhf-docs-2bin-1channel" / "workspace.json")
    mutate(ws)
    return ws


_BROKEN = {
    "no version": lambda ws: ws.pop("version"),
    "unknown key": lambda ws: ws.update(extra=1),
    "sample data not numbers": lambda ws: ws["channels"][0]["samples"][0].update(data=["a"]),
    "unknown modifier type": lambda ws: ws["channels"][0]["samples"][0]["modifiers"][0].update(type="nosuch"),
    "normsys without lo": lambda ws: ws["channels"][0]["samples"][0]["modifiers"].append(
        {"name": "n", "type": "normsys", "data": {"hi": 1.1}}),
    "negative observation": lambda ws: ws["observations"][0]["data"].__setitem__(0, -1.0),
    "lumi named otherwise": lambda ws: ws["channels"][0]["samples"][0]["modifiers"].append(
        {"name": "lum", "type": "lumi", "data": None}),
    "poi not a string": lambda ws: ws["measurements"][0]["config"].update(poi=1),
    "bounds not pairs": lambda ws: ws["measurements"][0]["config"]["parameters"].append({"name": "mu", "bounds": [[0, 1, 2]]}),
    "no channels": lambda ws: ws.update(channels=[]),
}


@pytest.mark.parametrize("case", sorted(_BROKEN))
def test_schema_documents_and_hfx_reject_the_same_broken_workspaces(tmp_path, case):
    ws = _broken(_BROKEN[case])
    with pytest.raises(hfx.exceptions.InvalidSpecification):
        hfx.schema.validate(ws, "workspace.json")
    with hfx.schema(_copy_of_the_builtin_schemas(tmp_path)):
        with pytest.raises(hfx.exceptions.InvalidSpecification):
            hfx.schema.validate(ws, "workspace.json")


def test_schema_directory_of_ones_own(tmp_path):
    builtin = hfx.schema.path
    custom = tmp_path / "mine"
    (custom / "2.0.0").mkdir(parents=True)
    (custom / "2.0.0" / "thing.json").write_text(json.dumps(
        {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}))
    with hfx.schema(custom) as module:
        assert module.path == custom and hfx.schema.variables.SCHEMA_CACHE == {}
        hfx.schema.validate({"n": 3}, "thing.json", version="2.0.0")
        assert list(hfx.schema.variables.SCHEMA_CACHE) == ["2.0.0/thing.json"]
        with pytest.raises(hfx.exceptions.InvalidSpecification, match="/n: 'x' is not of type 'integer'"):
            hfx.schema.validate({"n": "x"}, "thing.json", version="2.0.0")
        with pytest.raises(hfx.exceptions.SchemaNotFound):
            hfx.schema.validate({}, "workspace.json")  # not in this directory
    assert hfx.schema.path == builtin
    hfx.schema.validate(_broken(lambda ws: None), "workspace.json")


def test_schema_references_are_served_from_the_version_directory(tmp_path):
    # pyhf-style documents: an absolute "$id" and references by file name, never fetched
    custom = tmp_path / "mine" / "3.0.0"
    custom.mkdir(parents=True)
    (custom / "defs.json").write_text(json.dumps(
        {"$id": "https://example.invalid/schemas/3.0.0/defs.json", "definitions": {"count": {"type": "integer", "minimum": 0}}}))
    (custom / "thing.json").write_text(json.dumps(
        {"$id": "https://example.invalid/schemas/3.0.0/thing.json", "type": "object",
         "properties": {"n": {"$ref": "defs.json#/definitions/count"}}, "required": ["n"]}))
    with hfx.schema(tmp_path / "mine"):
        hfx.schema.validate({"n": 3}, "thing.json", version="3.0.0")
        with pytest.raises(hfx.exceptions.InvalidSpecification, match="/n: -1 is less than the minimum of 0"):
            hfx.schema.validate({"n": -1}, "thing.json", version="3.0.0")
        (custom / "defs.json").unlink()
        hfx.schema.variables.SCHEMA_CACHE.clear()
        with pytest.raises(hfx.exceptions.SchemaNotFound):
            hfx.schema.validate({"n": 3}, "thing.json", version="3.0.0")


def test_arrays_count_as_lists_unless_refused():
    spec = {"channels": [{"name": "c", "samples": [{"name": "s", "data": np.array([1.0, 2.0]), "modifiers": []}]}]}
    hfx.schema.validate(spec, "model.json")
    with pytest.raises(hfx.exceptions.InvalidSpecification, match="arrays"):
        hfx.schema.validate(copy.deepcopy(spec), "model.json", allow_tensors=False)
