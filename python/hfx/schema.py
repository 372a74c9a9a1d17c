"""pyhf.schema's ``validate`` on hfx's validators.

hfx checks documents with its own validators (C++, every message naming the JSON path),
not with JSON Schema, so this module offers pyhf's entry point for the documents hfx
knows -- workspaces, model specs, patchsets and JSON Patches -- and not pyhf's schema
files, loader or cache.
"""

from . import _core, _json
from .exceptions import InvalidSpecification, Unsupported

__all__ = ["validate", "version"]

version = "1.0.0"

_KINDS = ("workspace.json", "model.json", "patchset.json", "jsonpatch.json")


def validate(spec, schema_name, *, version=None, allow_tag_wildcard=False):
    """Raises hfx.exceptions.InvalidSpecification (with the JSON path of the problem) unless
    ``spec`` is a valid document of kind ``schema_name``: "workspace.json", "model.json",
    "patchset.json" or "jsonpatch.json", HistFactory JSON version 1.0.0."""
    if schema_name not in _KINDS:
        raise Unsupported(f"schema {schema_name!r}: hfx validates {', '.join(_KINDS)}")
    if version is not None and version != globals()["version"]:
        raise InvalidSpecification(f"schema version {version!r}: hfx knows version {globals()['version']}")
    text = _json.dumps(spec, "spec")
    if schema_name == "workspace.json":
        _core.Workspace(text)
    elif schema_name == "model.json":
        _core.model_from_spec(text)
    elif schema_name == "patchset.json":
        _core.PatchSet(text)
    else:
        _core.JsonPatch(text)
