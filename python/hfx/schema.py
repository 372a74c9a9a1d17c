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
        _validate_model_spec(spec, text)
    elif schema_name == "patchset.json":
        _core.PatchSet(text)
    else:
        _core.JsonPatch(text)


def _validate_model_spec(spec, text):
    """A model spec ({channels, parameters}) checked like pyhf's model.json schema: the
    structure and consistency of its channels and parameter configurations, not whether a
    model can be built from it (e.g. a lumi modifier whose configuration is missing). It is
    checked as the workspace holding it with a measurement and zero observations."""
    try:
        bins = {c["name"]: len(c["samples"][0]["data"]) for c in spec["channels"]}
        document = {
            "channels": spec["channels"],
            "measurements": [{"name": "model", "config": {"poi": "model-spec", "parameters": spec.get("parameters", [])}}],
            "observations": [{"name": name, "data": [0.0] * n} for name, n in bins.items()],
            "version": version,
        }
        extra = set(spec) - {"channels", "parameters"}
    except (KeyError, TypeError, IndexError, AttributeError):
        _core.model_from_spec(text)  # reports the problem with its JSON path
        return
    if extra:
        raise InvalidSpecification(f"/{sorted(extra)[0]}: not a key of a model spec (channels, parameters)")
    _core.Workspace(_json.dumps(document, "spec"))
