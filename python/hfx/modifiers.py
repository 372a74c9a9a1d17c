"""Modifier kinds (pyhf.modifiers): the HistFactory set, and custom kinds in Python.

``histfactory_set`` maps each HistFactory modifier kind to its ``(builder, applicator)``
pair. hfx compiles these kinds in C++, so the pairs here are markers that stand for the
compiled kinds; a ``modifier_set`` passed to :class:`hfx.Model` may add custom kinds with
pyhf's builder/applicator protocol (see ``hfx/_custom.py``)::

    modifier_set = {"customfunc": (my_builder, my_applicator), **hfx.modifiers.histfactory_set}
    model = hfx.Model(spec, modifier_set=modifier_set, poi_name="k1")
"""

__all__ = ["histfactory_set"]


class _Compiled:
    """Marks a kind that hfx's C++ core implements (builder and applicator alike)."""

    def __init__(self, kind):
        self.kind = kind

    def __repr__(self):
        return f"<hfx compiled modifier kind {self.kind!r}>"


HISTFACTORY_KINDS = ("histosys", "lumi", "normfactor", "normsys", "shapefactor", "shapesys", "staterror")

histfactory_set = {kind: (_Compiled(kind), _Compiled(kind)) for kind in HISTFACTORY_KINDS}
