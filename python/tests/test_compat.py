"""hfx.compat: parameter names between hfx and ROOT's HistFactory."""

import pytest

import hfx
from hfx.compat import interpret_rootname, paramset_to_rootnames


def test_rootnames_of_every_kind_of_parameter_set():
    model = hfx.Model(
        {
            "channels": [
                {
                    "name": "SR",
                    "samples": [
                        {
                            "name": "sig",
                            "data": [5.0, 6.0],
                            "modifiers": [
                                {"name": "mu", "type": "normfactor", "data": None},
                                {"name": "lumi", "type": "lumi", "data": None},
                                {"name": "jes", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}},
                                {"name": "stat_SR", "type": "staterror", "data": [1.0, 2.0]},
                                {"name": "free", "type": "shapefactor", "data": None},
                            ],
                        }
                    ],
                }
            ],
            "parameters": [{"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "inits": [1.0], "bounds": [[0.9, 1.1]]}],
        },
        poi_name="mu",
    )
    names = {name: paramset_to_rootnames(model.config.param_set(name)) for name in model.config.parameters}
    assert names == {
        "mu": "mu",
        "lumi": "Lumi",
        "jes": "alpha_jes",
        "stat_SR": ["gamma_stat_SR_0", "gamma_stat_SR_1"],
        "free": ["gamma_free_0", "gamma_free_1"],
    }
    # and back: every ROOT name names its parameter set (and bin)
    for name, rootnames in names.items():
        for i, rootname in enumerate([rootnames] if isinstance(rootnames, str) else rootnames):
            interp = interpret_rootname(rootname)
            assert interp["name"] == name
            assert interp["is_scalar"] == isinstance(rootnames, str)
            assert interp["element"] == ("n/a" if isinstance(rootnames, str) else i)


def test_interpretation():
    assert interpret_rootname("gamma_stat_SR_bin_12") == {
        "constrained": "n/a", "is_scalar": False, "name": "stat_SR_bin", "element": 12,
    }
    assert interpret_rootname("alpha_JES_1") == {"constrained": True, "is_scalar": True, "name": "JES_1", "element": "n/a"}
    assert interpret_rootname("SigXsecOverSM")["constrained"] is False
    assert interpret_rootname("Lumi")["name"] == "lumi"


@pytest.mark.parametrize("rootname", ["gamma_foo", "gamma_", "alpha_", "gamma_foo_x"])
def test_confusing_names_are_value_errors(rootname):
    with pytest.raises(ValueError, match="confusing rootname"):
        interpret_rootname(rootname)


def test_not_a_string():
    with pytest.raises(TypeError):
        interpret_rootname(3)
