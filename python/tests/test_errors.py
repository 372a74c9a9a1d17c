"""C++ errors arrive as hfx.exceptions classes with pyhf's names."""

import pytest

import hfx
from hfx import _core


def _spec(**change):
    ws = {
        "channels": [
            {"name": "ch", "samples": [{"name": "s", "data": [1.0, 2.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]}]}
        ],
        "observations": [{"name": "ch", "data": [1, 2]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }
    ws.update(change)
    return ws


def test_malformed_workspace_raises_invalid_specification():
    bad = _spec(observations=[{"name": "ch", "data": [1, 2, 3]}])
    with pytest.raises(hfx.exceptions.InvalidSpecification):
        hfx.Workspace(bad)
    with pytest.raises(hfx.exceptions.InvalidSpecification) as err:
        hfx.Workspace(_spec(version="2.0.0"))
    assert "version" in str(err.value)
    with pytest.raises(hfx.exceptions.InvalidSpecification) as err:
        hfx.Model({"channels": [{"name": "ch", "samples": [{"name": "s", "data": "x", "modifiers": []}]}]})
    assert "/channels/0/samples/0/data" in str(err.value)


def test_model_and_measurement_errors():
    ws = hfx.Workspace(_spec())
    with pytest.raises(hfx.exceptions.InvalidMeasurement):
        ws.model(measurement_name="nope")
    with pytest.raises(hfx.exceptions.InvalidModel):
        ws.model(poi_name="not_a_parameter")
    with pytest.raises(hfx.exceptions.InvalidWorkspaceOperation):
        ws.prune(channels=["nope"])
    model = ws.model(poi_name=None)
    assert model.config.poi_name is None
    with pytest.raises(hfx.exceptions.UnspecifiedPOI):
        hfx.infer.hypotest(1.0, ws.data(model), model)
    with pytest.raises(hfx.exceptions.InvalidInterpCode):
        ws.model(modifier_settings={"normsys": {"interpcode": "code9"}})


@pytest.mark.parametrize(
    "kind",
    [
        "InvalidSpecification", "InvalidWorkspaceOperation", "InvalidMeasurement", "InvalidModel",
        "InvalidModifier", "InvalidNameReuse", "InvalidPatch", "InvalidPatchLookup",
        "PatchSetVerificationError", "InvalidPdfParameters", "InvalidPdfData", "InvalidInterpCode",
        "UnspecifiedPOI", "FailedMinimization", "Unsupported", "IOError",
    ],
)
def test_every_cpp_error_kind_has_a_python_class(kind):
    cls = getattr(hfx.exceptions, kind)
    with pytest.raises(cls) as err:
        _core._raise_error(kind, "message for " + kind)
    assert type(err.value) is cls
    assert str(err.value) == "message for " + kind
    assert isinstance(err.value, hfx.exceptions.HfxError)
