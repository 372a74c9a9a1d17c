"""HistFactory models in HS3 (the HEP Statistics Serialization Standard, v0.2, as ROOT
6.30-6.36 writes them): ``to_hs3(workspace)`` and ``from_hs3(document)``, hfx's C++
converter (include/hfx/hs3.hpp, docs/interchange.md). What the target cannot hold is
logged as a warning."""

from __future__ import annotations

import json
import logging

from . import _core, _json

log = logging.getLogger(__name__)

__all__ = ["from_hs3", "to_hs3"]


def to_hs3(workspace):
    """The HS3 document (dict) of a workspace (dict or hfx.Workspace). What HS3 cannot
    hold (logged as warnings) is kept in /misc/hfx_restore_record for from_hs3."""
    text, warnings = _core.to_hs3(_json.dumps(dict(workspace), "workspace"))
    for w in warnings:
        log.warning(w)
    return json.loads(text)


def from_hs3(document, source="<hs3>", *, restore=True):
    """The pyhf workspace (dict) of an HS3 document (dict). A document written by to_hs3
    gives back exactly its workspace (its restore record); ``restore=False`` ignores the
    record and reads the document as ROOT would."""
    text, warnings = _core.from_hs3(_json.dumps(dict(document), "document"), source, bool(restore))
    for w in warnings:
        log.warning(w)
    return json.loads(text)
