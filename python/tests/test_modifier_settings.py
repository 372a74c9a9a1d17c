"""modifier_settings defaults as pyhf has them: without settings normsys code4 and histosys
code4p; once settings are given, a kind they leave out takes pyhf's modifier default
(normsys code1, histosys code0). CLs values from pyhf (numpy backend, scipy optimizer at
tolerance=1e-12) on pyhf-validation 2bin_2channel_coupledhistosys, test mu = 1."""

import pytest

import hfx

from conftest import REFERENCE, load_json

WS = REFERENCE / "pyhf-validation" / "2bin_2channel_coupledhistosys" / "workspace.json"

PYHF_CLS = [
    ({"normsys": {"interpcode": "code1"}}, 0.07967399073880078),  # histosys left out -> code0
    ({"histosys": {"interpcode": "code2"}}, 0.08754339431264488),
    ({"normsys": {}}, 0.07967399073880078),  # no interpcode -> pyhf's normsys default, histosys code0
    ({}, 0.07967399073880078),  # settings given, both left out
]


@pytest.mark.parametrize("settings,expected", PYHF_CLS, ids=["normsys-only", "histosys-code2", "normsys-empty", "empty"])
def test_left_out_kinds_take_pyhfs_modifier_defaults(settings, expected):
    ws = hfx.Workspace(load_json(WS))
    model = ws.model(modifier_settings=settings)
    cls = float(hfx.infer.hypotest(1.0, ws.data(model), model))
    assert cls == pytest.approx(expected, rel=1e-6)
    assert model.config.modifier_settings == settings


def test_no_settings_keep_code4_and_code4p():
    ws = hfx.Workspace(load_json(WS))
    default = ws.model()
    explicit = ws.model(modifier_settings={"normsys": {"interpcode": "code4"}, "histosys": {"interpcode": "code4p"}})
    d = ws.data(default)
    assert float(hfx.infer.hypotest(1.0, d, default)) == float(hfx.infer.hypotest(1.0, d, explicit))
    assert float(hfx.infer.hypotest(1.0, d, default)) != pytest.approx(0.07967399073880078, rel=1e-3)
