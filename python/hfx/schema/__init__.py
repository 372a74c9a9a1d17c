"""Document validation with pyhf.schema's interface.

hfx validates HistFactory JSON 1.0.0 documents -- workspaces, model specs, patchsets and
JSON Patches -- with its own validators (C++, every message naming the JSON path of the
problem). It also ships JSON Schema documents for that format (``hfx/schemas/1.0.0/``:
defs, workspace, model, measurement, patchset, jsonpatch) for other tools and for the
kinds and versions those validators do not cover: a measurement, or a document of
another version from a schema directory of your own, is validated with jsonschema.

``hfx.schema.path`` is the schema directory; ``hfx.schema(new_path)`` changes it (and, used
as a context manager, restores it on exit); ``load_schema("1.0.0/workspace.json")``
returns a schema document. hfx's workspaces and models are built from version 1.0.0
documents only: a custom schema version lets you validate documents, not build models.
"""

import json
import sys
import types

from .. import _core, _json
from ..exceptions import InvalidSpecification, SchemaNotFound
from . import variables

__all__ = ["load_schema", "path", "validate", "variables", "version"]

version = variables.SCHEMA_VERSION

# The kinds hfx's own validators check (version 1.0.0, built-in schema directory).
_NATIVE_KINDS = ("workspace.json", "model.json", "patchset.json", "jsonpatch.json")


def load_schema(schema_id):
    """The JSON Schema document ``<hfx.schema.path>/<schema_id>`` (e.g.
    "1.0.0/model.json"), read once and then served from ``variables.SCHEMA_CACHE``;
    SchemaNotFound if there is none."""
    if not isinstance(schema_id, str):
        raise TypeError(f"schema_id: expected a str like '1.0.0/model.json', got {schema_id!r}"[:200])
    if schema_id in variables.SCHEMA_CACHE:
        return variables.SCHEMA_CACHE[schema_id]
    file = variables.schemas / schema_id
    try:
        with file.open(encoding="utf-8") as f:
            document = json.load(f)
    except FileNotFoundError:
        raise SchemaNotFound(f"the schema {schema_id} was not found in {variables.schemas}") from None
    variables.SCHEMA_CACHE[schema_id] = document
    return document


def _has_arrays(value):
    """True if a numpy array (or another non-list sequence with a dtype) is in value."""
    if hasattr(value, "dtype") and hasattr(value, "shape"):
        return True
    if isinstance(value, dict):
        return any(_has_arrays(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_arrays(v) for v in value)
    return False


def validate(spec, schema_name, *, version=None, allow_tensors=True):
    """Raises hfx.exceptions.InvalidSpecification (with the JSON path of the problem) unless
    ``spec`` is a valid document of kind ``schema_name`` ("workspace.json", "model.json",
    "measurement.json", "patchset.json", "jsonpatch.json", ...) at ``version`` (default
    1.0.0). numpy arrays count as lists unless ``allow_tensors`` is False."""
    version = version or variables.SCHEMA_VERSION
    if not allow_tensors and _has_arrays(spec):
        raise InvalidSpecification(f"{schema_name}: the document holds arrays (tensors) where lists are expected")
    native = variables.schemas == variables.BUILTIN_SCHEMAS and version == variables.SCHEMA_VERSION
    if native and schema_name in _NATIVE_KINDS:
        _validate_natively(spec, schema_name)
        return None
    schema = load_schema(f"{version}/{schema_name}")
    _validate_with_jsonschema(spec, schema, version)
    return None


def _validate_with_jsonschema(spec, schema, version):
    """Validates with jsonschema. A schema refers to the other documents of its version by
    file name ("defs.json#/definitions/channel"), whatever base its "$id" gives them
    (pyhf's schemas name https://scikit-hep.org/pyhf/schemas/...): every reference is
    served from the same version directory, never fetched over the network."""
    import jsonschema
    from urllib.parse import unquote, urlsplit

    def same_version(uri):
        name = unquote(urlsplit(uri).path).rstrip("/").rsplit("/", 1)[-1]
        return load_schema(f"{version}/{name}")

    handlers = {scheme: same_version for scheme in ("file", "http", "https", "")}
    base = (variables.schemas / version).resolve().as_uri() + "/"
    resolver = jsonschema.RefResolver(base_uri=base, referrer=schema, handlers=handlers)
    validator = jsonschema.Draft7Validator(schema, resolver=resolver)
    instance = json.loads(_json.dumps(spec, "spec"))
    try:
        error = jsonschema.exceptions.best_match(validator.iter_errors(instance))
    except jsonschema.exceptions.RefResolutionError as err:
        raise SchemaNotFound(f"a reference of the {version} schemas cannot be resolved: {err}") from None
    if error is not None:
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        raise InvalidSpecification(f"{where}: {error.message}"[:2000])


def _validate_natively(spec, schema_name):
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
            "version": variables.SCHEMA_VERSION,
        }
        extra = set(spec) - {"channels", "parameters"}
    except (KeyError, TypeError, IndexError, AttributeError):
        _core.model_from_spec(text)  # reports the problem with its JSON path
        return
    if extra:
        raise InvalidSpecification(f"/{sorted(extra)[0]}: not a key of a model spec (channels, parameters)")
    _core.Workspace(_json.dumps(document, "spec"))


class _SchemaModule(types.ModuleType):
    """The module, callable: ``hfx.schema(new_path)`` switches the schema directory."""

    @property
    def path(self):
        return variables.schemas

    def __call__(self, new_path):
        import pathlib

        self._saved = getattr(self, "_saved", [])
        self._saved.append((variables.schemas, variables.SCHEMA_CACHE))
        variables.schemas = pathlib.Path(new_path)
        variables.SCHEMA_CACHE = {}
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        variables.schemas, variables.SCHEMA_CACHE = self._saved.pop()
        return False


sys.modules[__name__].__class__ = _SchemaModule
