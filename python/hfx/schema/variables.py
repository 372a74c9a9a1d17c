"""Where hfx.schema finds JSON Schema documents (pyhf.schema.variables): ``schemas`` is
the directory (versions below it: ``<schemas>/1.0.0/workspace.json``), ``SCHEMA_CACHE``
the documents loaded from it, by their path below it."""

import pathlib

BUILTIN_SCHEMAS = pathlib.Path(__file__).resolve().parents[1] / "schemas"
SCHEMA_VERSION = "1.0.0"

schemas = BUILTIN_SCHEMAS
SCHEMA_CACHE = {}
