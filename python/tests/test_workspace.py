"""hfx.Workspace / hfx.PatchSet operations against pyhf's golden outputs (manifest.json)."""

import copy
import json

import numpy as np
import pytest

import hfx
from conftest import GOLDEN, REFERENCE, REPO, load_json

_MANIFEST = load_json(GOLDEN / "manifest.json")
_OPS = ("prune", "rename", "sorted", "combine", "digest", "data", "jsonpatch_apply", "patchset_apply", "patchset_verify")


def _cases(op):
    return [pytest.param(c, id=c["id"]) for c in _MANIFEST if c["op"] == op]


# Where hfx deliberately differs from pyhf (as in the C++ tests): pyhf accepts two
# measurements with the same name and silently uses the first; hfx rejects the ambiguity.
_KNOWN_DEVIATIONS = {"rename/small/pyhf-patchset-example/measurement_collision": "InvalidSpecification"}


def _error_class(name):
    return ValueError if name == "ValueError" else getattr(hfx.exceptions, name)


def _run(case):
    op, args = case["op"], case["args"]
    inputs = [load_json(REPO / p) for p in case["inputs"]]
    if op == "digest":
        return hfx.utils.digest(inputs[0]) if case.get("input_kind") != "workspace" else hfx.Workspace(inputs[0]).digest()
    if op == "jsonpatch_apply":
        return hfx.patchset.Patch({"metadata": {"name": "p", "values": []}, "patch": inputs[1]}).apply(hfx.Workspace(inputs[0]))
    if op.startswith("patchset_"):
        ws, ps = hfx.Workspace(inputs[0]), hfx.PatchSet(inputs[1])
        if op == "patchset_verify":
            return ps.verify(ws)
        key = args["name"] if "name" in args else tuple(args["values"])
        return ps.apply(ws, key)
    ws = hfx.Workspace(inputs[0])
    if op == "prune":
        return ws.prune(**args)
    if op == "rename":
        return ws.rename(**args)
    if op == "sorted":
        return hfx.Workspace.sorted(ws)
    if op == "combine":
        return hfx.Workspace.combine(ws, hfx.Workspace(inputs[1]), **args)
    if op == "data":
        kwargs = {"measurement_name": args["measurement"]}
        if "poi_name" in args:
            kwargs["poi_name"] = args["poi_name"]
        model = ws.model(**kwargs)
        return ws.data(model, include_auxdata=args["include_auxdata"])
    raise AssertionError(op)


@pytest.mark.parametrize("case", [p for op in _OPS for p in _cases(op)])
def test_manifest_case(case):
    error = _KNOWN_DEVIATIONS.get(case["id"], case["error"])
    if error:
        with pytest.raises(_error_class(error)):
            _run(case)
        return
    result = _run(case)
    if case["op"] == "digest":
        assert result == case["digest"]
        return
    if case["op"] == "patchset_verify":
        assert result is None
        return
    if case["expected"]:
        expected = load_json(REPO / case["expected"])
        if case["op"] == "data":
            np.testing.assert_array_equal(result, expected)
            return
        assert json.loads(json.dumps(dict(result))) == expected
    if case["digest"]:
        assert result.digest() == case["digest"]
        assert hfx.utils.digest(result) == case["digest"]


def test_workspace_is_a_dict_with_pyhf_accessors():
    spec = load_json(REFERENCE / "small" / "pyhf-patchset-example" / "workspace.json")
    ws = hfx.Workspace(spec)
    assert dict(ws) == spec and ws == hfx.Workspace(spec)
    assert ws.channels == sorted(c["name"] for c in spec["channels"])
    assert set(ws.observations) == {o["name"] for o in spec["observations"]}
    assert ws.measurement_names == [m["name"] for m in spec["measurements"]]
    assert ws.get_measurement()["name"] == spec["measurements"][0]["name"]
    assert ws.version == "1.0.0"
    model = ws.model(measurement_name=ws.measurement_names[-1])
    assert model.spec["channels"] == spec["channels"]
    pruned = ws.prune(measurements=ws.measurement_names[1:])
    assert pruned.measurement_names == ws.measurement_names[:1]
    renamed = ws.rename(channels={ws.channels[0]: "renamed"})
    assert "renamed" in renamed.channels


def test_model_with_patches():
    bkg = load_json(REFERENCE / "small" / "pyhf-patchset-example" / "published" / "example_bkgonly.json")
    ps = hfx.PatchSet(load_json(REFERENCE / "small" / "pyhf-patchset-example" / "published" / "example_patchset.json"))
    ws = hfx.Workspace(bkg)
    patch = ps.patches[0]
    via_patches = ws.model(patches=[patch])
    via_apply = ps.apply(ws, patch.name).model()
    pars = via_apply.config.suggested_init()
    data = ps.apply(ws, patch.name).data(via_apply)
    assert via_patches.config.par_names == via_apply.config.par_names
    assert via_patches.logpdf(pars, data)[0] == pytest.approx(via_apply.logpdf(pars, data)[0], rel=1e-14)
    assert ps[patch.name] is patch and ps[tuple(patch.values)] is patch
    assert len(ps) == len(ps.patches) and ps.labels and ps.version == "1.0.0"
    with pytest.raises(hfx.exceptions.InvalidPatchLookup):
        ps["no such patch"]


def _small_ws():
    return hfx.Workspace(load_json(REFERENCE / "small" / "pyhf-docs-2bin-1channel" / "workspace.json"))


def test_edits_after_construction_are_used_like_pyhfs_dict():
    ws = _small_ws()
    before = ws.digest()
    sample = ws["channels"][0]["samples"][0]
    old = sample["name"]
    sample["name"] = "renamed_in_place"
    assert ws.digest() != before
    srt = hfx.Workspace.sorted(ws)
    assert "renamed_in_place" in {s["name"] for c in srt["channels"] for s in c["samples"]}
    assert "renamed_in_place" in ws.model().config.samples
    pruned = ws.prune(samples=["renamed_in_place"])
    assert "renamed_in_place" not in pruned.samples
    sample["name"] = old
    assert ws.digest() == before
    # an edit that breaks the document is reported when the workspace is used
    ws["channels"][0]["samples"][0]["data"] = [1.0]
    with pytest.raises(hfx.exceptions.InvalidSpecification, match="/channels/0/samples/1/data: expected 1 number"):
        ws.model()


def test_combine_checks_versions_and_warns_about_unsafe_joins(caplog):
    ws = _small_ws()
    other = ws.rename(channels={c: c + "_2" for c in ws.channels}, measurements={m: m + "_2" for m in ws.measurement_names})
    other["version"] = "1.2.0"
    with pytest.raises(hfx.exceptions.InvalidWorkspaceOperation, match=r"1\.0\.0 != 1\.2\.0"):
        hfx.Workspace.combine(ws, other)
    other["version"] = "1.0.0"
    with caplog.at_level("WARNING", "hfx.workspace"):
        combined = hfx.Workspace.combine(ws, other, join="left outer")
    assert "unsafe join operation" in caplog.text
    assert len(combined.channels) == 2


def test_prune_refuses_one_name_without_a_list():
    ws = _small_ws()
    with pytest.raises(hfx.exceptions.InvalidWorkspaceOperation, match="expected a list of names"):
        ws.prune(samples=ws.samples[0])


def _example_patchset():
    published = REFERENCE / "small" / "pyhf-patchset-example" / "published"
    return hfx.PatchSet(load_json(published / "example_patchset.json")), load_json(published / "example_bkgonly.json")


def test_patch_from_its_document():
    patch = hfx.patchset.Patch({"metadata": {"name": "p1", "values": [1000, 200]}, "patch": []})
    assert (patch.name, patch.values, patch.patch) == ("p1", (1000, 200), [])
    assert "Patch object 'p1(1000, 200)' at 0x" in repr(patch)
    assert patch == hfx.patchset.Patch({"metadata": {"name": "p1", "values": [1000, 200]}, "patch": []})
    assert patch != object()
    with pytest.raises(hfx.exceptions.InvalidPatchSet, match="metadata"):
        hfx.patchset.Patch({"patch": []})


def test_patchset_repr_and_lookup_errors():
    ps, _ = _example_patchset()
    assert f"PatchSet object with {len(ps)} patch" in repr(ps)
    with pytest.raises(hfx.exceptions.InvalidPatchLookup, match="No patch associated with"):
        ps["no_such_patch"]


def test_patchset_apply_verifies_first_and_anything_but_its_workspace_fails_verification():
    ps, bkg = _example_patchset()
    name = ps.patches[0].name
    assert ps.apply(hfx.Workspace(bkg), name).digest() == ps.patches[0].apply(hfx.Workspace(bkg)).digest()
    other = copy.deepcopy(bkg)
    other["observations"][0]["data"][0] += 1
    with pytest.raises(hfx.exceptions.PatchSetVerificationError):
        ps.apply(other, "no_such_patch")  # verification comes before the lookup
    for not_the_workspace in ({}, {"channels": []}):
        with pytest.raises(hfx.exceptions.PatchSetVerificationError):
            ps.verify(not_the_workspace)


def test_an_empty_poi_is_a_measurement_without_one():
    spec = load_json(REFERENCE / "small" / "pyhf-docs-2bin-1channel" / "workspace.json")
    spec["measurements"][0]["config"]["poi"] = ""
    ws = hfx.Workspace(spec)
    model = ws.model()
    assert model.config.poi_index is None and model.config.poi_name is None
    data = ws.data(model)
    assert np.isfinite(hfx.infer.mle.fit(data, model)).all()
    with pytest.raises(hfx.exceptions.UnspecifiedPOI):
        hfx.infer.hypotest(1.0, data, model)


def test_unknown_workspace_options_are_unsupported():
    spec = load_json(REFERENCE / "small" / "pyhf-docs-2bin-1channel" / "workspace.json")
    with pytest.raises(hfx.exceptions.Unsupported, match="abc"):
        hfx.Workspace(spec, abc=True)
