"""Workspace -> HistFactory XML + ROOT histograms (pyhf.writexml's ``writexml``).

hfx's C++ writer (no ROOT, no uproot) writes the channel files, one ``data.root`` of TH1D
histograms and the HistFactory schema; see include/hfx/histfactory_xml.hpp and
docs/interchange.md. What HistFactory XML cannot hold is logged as a warning.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from . import _core, _json

log = logging.getLogger(__name__)

__all__ = ["writexml"]


def __dir__():
    return __all__


def writexml(spec, specdir, data_rootdir, resultprefix):
    """Write the channel files of ``spec`` into ``specdir`` and its histograms into
    ``data_rootdir``/data.root (the schema HistFactorySchema.dtd into specdir's parent);
    return the top-level XML document (bytes), which names the files relative to specdir's
    parent: read it back with ``hfx.readxml.parse(that_file, specdir.parent)``."""
    specdir = Path(specdir)
    output_dir = specdir.parent
    specroot = specdir.name
    dataroot = os.path.relpath(Path(data_rootdir), output_dir)
    top, warnings = _core.writexml(_json.dumps(dict(spec), "spec"), str(output_dir), specroot, dataroot, str(resultprefix))
    for w in warnings:
        log.warning(w)
    return top
