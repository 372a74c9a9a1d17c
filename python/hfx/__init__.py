"""hfx: HistFactory likelihoods on a C++20 engine, with pyhf's Python API.

Switching from pyhf is a change of import::

    import hfx
    model = hfx.simplemodels.uncorrelated_background(signal=[12, 11], bkg=[50, 52], bkg_uncertainty=[3, 7])
    data = [51, 48] + model.config.auxdata
    CLs_obs, CLs_exp = hfx.infer.hypotest(1.0, data, model, return_expected_set=True)
"""

from . import _core
from . import (compat, diagnostics, exceptions, infer, modifiers, optimize, probability, reinterpret, schema, simplemodels,
               simplified, utils, viz)
from ._scan import scan
from .patchset import PatchSet
from .pdf import Model
from .tensor import get_backend, set_backend
from .workspace import Workspace

__version__ = _core.__version__

__all__ = [
    "Model",
    "PatchSet",
    "Workspace",
    "__version__",
    "compat",
    "diagnostics",
    "exceptions",
    "get_backend",
    "infer",
    "modifiers",
    "optimize",
    "probability",
    "scan",
    "schema",
    "set_backend",
    "simplemodels",
    "tensorlib",
    "utils",
    "viz",
]


def __getattr__(name):
    # pyhf.tensorlib / pyhf.optimizer follow set_backend.
    if name == "tensorlib":
        return get_backend()[0]
    if name == "optimizer":
        return get_backend()[1]
    raise AttributeError(f"module 'hfx' has no attribute {name!r}")
