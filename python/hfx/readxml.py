"""HistFactory XML + ROOT histograms -> workspace (pyhf.readxml's interface).

The conversion is hfx's C++ reader (no ROOT, no uproot): ``parse`` gives the workspace
pyhf.readxml.parse gives for the same input (same names, order and numbers), see
include/hfx/histfactory_xml.hpp. What pyhf ignores with a log message (StatErrorConfig,
ConstraintTerm, an inactive StatError, ...) is logged here as a warning too.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from . import _core

log = logging.getLogger(__name__)

__all__ = [
    "clear_filecache",
    "dedupe_parameters",
    "extract_error",
    "import_root_histogram",
    "parse",
    "process_measurements",
    "resolver_factory",
]

# ROOT files are opened per call; kept for pyhf's interface (clear_filecache empties it).
__FILECACHE__ = {}


def __dir__():
    return __all__


def resolver_factory(rootdir, mounts):
    """A function mapping a file name from the XML to a path: below a mount point
    (host_path, mount_path) it moves to the host path; relative paths go below rootdir."""
    rootdir = Path(rootdir)
    mounts = [(Path(h), Path(m)) for h, m in mounts]

    def resolver(filename):
        path = Path(filename)
        for host_path, mount_path in mounts:
            if mount_path == path or mount_path in path.parents:
                path = host_path.joinpath(path.relative_to(mount_path))
                break
        return rootdir.joinpath(path)

    return resolver


_DTYPES = {"TH1D": "float64", "TH1F": "float32", "TH1I": "int32", "TH1S": "int16", "TH1C": "int8"}


class _Histogram:
    """A TH1 read by hfx, with the parts of uproot's TH1 interface readxml uses: arrays in
    the histogram's own type (float32 for TH1F), as uproot gives them."""

    def __init__(self, fields):
        import numpy as np

        self._contents = np.asarray(fields["contents"], dtype=_DTYPES[fields["class"]])
        self._sumw2 = np.asarray(fields["sumw2"], dtype="float64")
        self._edges = np.asarray(fields["edges"], dtype="float64")

    @property
    def weighted(self):
        return len(self._sumw2) == len(self._contents)

    def values(self):
        return self._contents[1:-1]

    def variances(self):
        return (self._sumw2 if self.weighted else self._contents)[1:-1]

    def to_numpy(self):
        return self.values(), self._edges


def extract_error(hist):
    """Per-bin uncertainties: sqrt of the sums of squared weights, or of the contents (in
    their own precision) for an unweighted histogram (Poisson)."""
    import numpy as np

    variance = hist.variances() if hist.weighted else hist.to_numpy()[0]
    return np.sqrt(variance).tolist()


def import_root_histogram(resolver, filename, path, name, filecache=None):
    """(bin contents, bin uncertainties) of histogram ``name`` in ``filename``; as pyhf,
    the key ``name`` is tried first, then ``path/name``. Raises KeyError if neither exists."""
    fullpath = str(resolver(filename))
    path = (path or "").strip("/")
    keys = {k[0] for k in _core.root_keys(fullpath)}
    fullname = f"{path}/{name}"
    if name in keys:
        key = name
    elif fullname in keys:
        key = fullname
    else:
        raise KeyError(f"Both {name} and {fullname} were tried and not found in {fullpath}")
    hist = _Histogram(json.loads(_core.root_histogram(fullpath, key)))
    return hist.to_numpy()[0].tolist(), extract_error(hist)


def dedupe_parameters(parameters):
    """One configuration per parameter name; raises RuntimeError if configurations of the
    same name differ."""
    by_name = {}
    for p in parameters:
        by_name.setdefault(p["name"], []).append(p)
    for name, configs in by_name.items():
        if any(c != configs[0] for c in configs[1:]):
            raise RuntimeError(f"cannot import workspace due to incompatible parameter configurations for {name:s}.")
    return list({p["name"]: p for p in parameters}.values())


def parse(configfile, rootdir, mounts=None, track_progress=False, validation_as_error=True, *, restore=True):
    """Parse the top-level XML ``configfile`` (a path or a file object); relative paths in
    it are relative to ``rootdir``. ``mounts``: (host path, path in the XML) pairs.
    ``validation_as_error=False`` logs an invalid result instead of raising
    InvalidSpecification. A file written by hfx.writexml carries a restore record (an
    XML comment) that gives back exactly the workspace written; ``restore=False`` ignores
    it and reads what pyhf and ROOT read. Returns the workspace as a dict."""
    mount_pairs = [(os.path.abspath(str(h)), str(m)) for h, m in (mounts or [])]
    tmp = None
    if hasattr(configfile, "read"):
        text = configfile.read()
        tmp = tempfile.NamedTemporaryFile("wb", suffix=".xml", delete=False)
        tmp.write(text.encode() if isinstance(text, str) else text)
        tmp.close()
        configfile = tmp.name
    try:
        text, warnings = _core.readxml_parse(str(configfile), str(rootdir), mount_pairs, bool(validation_as_error), bool(restore))
    finally:
        if tmp is not None:
            os.unlink(tmp.name)
    for w in warnings:
        log.warning(w)
    return json.loads(text)


def process_measurements(toplvl, other_parameter_configs=None):
    """The measurements of a top-level <Combination> element (an ElementTree element or
    tree): lumi from Lumi/LumiRelErr, then ``other_parameter_configs``, updated by the
    ParamSettings (which take precedence)."""
    import xml.etree.ElementTree as ET

    root = toplvl.getroot() if hasattr(toplvl, "getroot") else toplvl
    text, warnings = _core.readxml_measurements(ET.tostring(root, encoding="unicode"), json.dumps(list(other_parameter_configs or [])))
    for w in warnings:
        log.warning(w)
    return json.loads(text)


def clear_filecache():
    """Empty the file cache (hfx opens ROOT files per conversion; kept for pyhf's API)."""
    __FILECACHE__.clear()
