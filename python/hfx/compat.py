"""Parameter names between hfx/pyhf and ROOT's HistFactory (pyhf.compat).

ROOT names a constrained scalar parameter ``alpha_<name>``, the luminosity ``Lumi`` and
each bin of a per-bin parameter set ``gamma_<name>_<bin>``; normfactors keep their name.
These two functions translate in each direction, e.g. to compare a ROOT fit's parameter
table with hfx's.
"""

import re

__all__ = ["interpret_rootname", "paramset_to_rootnames"]

_GAMMA = re.compile(r"gamma_(.+)_(\d+)")
_ALPHA = re.compile(r"alpha_(.+)")


def paramset_to_rootnames(paramset):
    """ROOT's name for a scalar parameter set (a string) or its names for a per-bin set
    (a list, one per bin), for a paramset from ``model.config.param_set(name)``."""
    if paramset.name == "lumi":
        return "Lumi"
    if not paramset.is_scalar:
        return [f"gamma_{paramset.name}_{i}" for i in range(paramset.n_parameters)]
    return f"alpha_{paramset.name}" if paramset.constrained else paramset.name


def interpret_rootname(rootname):
    """What a ROOT parameter name says about the parameter: a dict with ``name`` (the
    parameter set's name in hfx), ``element`` (the bin of a per-bin set), ``is_scalar`` and
    ``constrained``; what the name cannot tell is ``"n/a"`` (a ``gamma_`` parameter may be
    a constrained staterror/shapesys or a free shapefactor). A name with the ``gamma_`` or
    ``alpha_`` prefix but not their form is a ValueError."""
    if not isinstance(rootname, str):
        raise TypeError(f"rootname: expected a str, got {rootname!r}"[:200])
    if rootname == "Lumi":
        return {"constrained": True, "is_scalar": True, "name": "lumi", "element": "n/a"}
    if rootname.startswith("gamma_"):
        match = _GAMMA.fullmatch(rootname)
        if not match:
            raise ValueError(f"confusing rootname {rootname!r}: expected gamma_<name>_<bin>")
        return {"constrained": "n/a", "is_scalar": False, "name": match.group(1), "element": int(match.group(2))}
    if rootname.startswith("alpha_"):
        match = _ALPHA.fullmatch(rootname)
        if not match:
            raise ValueError(f"confusing rootname {rootname!r}: expected alpha_<name>")
        return {"constrained": True, "is_scalar": True, "name": match.group(1), "element": "n/a"}
    return {"constrained": False, "is_scalar": True, "name": rootname, "element": "n/a"}
