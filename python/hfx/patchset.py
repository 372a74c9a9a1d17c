"""hfx.PatchSet: pyhf's PatchSet (signal hypotheses published as JSON Patches)."""

import json
import math

from . import _checks
from . import _core
from . import _json
from .exceptions import InvalidPatchLookup
from .workspace import Workspace, _as_core

__all__ = ["Patch", "PatchSet"]


class Patch:
    """One patch of a patchset: ``name``, ``values``, ``metadata`` and the operations ``patch``."""

    def __init__(self, name, values, metadata, operations):
        self.name = name
        self.values = values
        self.metadata = metadata
        self.patch = operations

    def __repr__(self):
        return f"<hfx.patchset.Patch object '{self.name}{tuple(self.values)}'>"

    def __eq__(self, other):
        if not isinstance(other, Patch):
            return False
        return self.patch == other.patch and self.metadata == other.metadata

    def apply(self, spec):
        """The workspace (or any JSON document) with this patch applied."""
        _checks.mapping(spec, "spec")
        patched = _core.JsonPatch(_json.dumps(self.patch)).apply_json(_json.dumps(dict(spec), "spec"))
        return Workspace(json.loads(patched)) if isinstance(spec, Workspace) else json.loads(patched)

    __call__ = apply


class PatchSet:
    """A validated patchset document (pyhf.PatchSet's API)."""

    def __init__(self, spec, **config_kwargs):
        config_kwargs.pop("schema", None)
        config_kwargs.pop("version", None)
        self._core = _core.PatchSet(_json.dumps(spec, "spec"))
        doc = json.loads(self._core.document())
        self.version = doc["version"]
        self.metadata = doc["metadata"]
        self.references = self.metadata["references"]
        self.description = self.metadata["description"]
        self.digests = self.metadata["digests"]
        self.labels = self.metadata["labels"]
        self.patches = []
        self._by_name = {}
        self._by_values = {}
        for entry in doc["patches"]:
            meta = entry["metadata"]
            patch = Patch(meta["name"], meta["values"], meta, entry["patch"])
            self.patches.append(patch)
            self._by_name[patch.name] = patch
            self._by_values[tuple(patch.values)] = patch

    def __repr__(self):
        return f"<hfx.patchset.PatchSet object with {len(self.patches)} patches>"

    def __len__(self):
        return len(self.patches)

    def __iter__(self):
        return iter(self.patches)

    def __getitem__(self, key):
        """A patch by name, or by its values (a tuple, or a scalar for one label)."""
        if isinstance(key, str) and key in self._by_name:
            return self._by_name[key]
        return self._by_name[self._core.name_by_values(self._values_json(key))]

    def _values_json(self, key):
        """A patch's values (a tuple, or a scalar for one label) as JSON text."""
        values = key if isinstance(key, (tuple, list)) else (key,)
        if any(isinstance(v, float) and not math.isfinite(v) for v in values):
            # JSON has no NaN or infinities, and no patch has them
            raise InvalidPatchLookup(f"no patch with values {tuple(values)} in the patchset (labels: {self.labels})")
        return _json.dumps(list(values), "key")

    def verify(self, spec):
        """Checks the workspace against the patchset's digests (PatchSetVerificationError)."""
        self._core.verify(_as_core(spec, "spec"))

    def apply(self, spec, key):
        """The workspace with the patch ``key`` (name or values) applied, after verify()."""
        core = _as_core(spec, "spec")
        if isinstance(key, str) and key in self._by_name:
            return Workspace._from_core(self._core.apply(core, key))
        return Workspace._from_core(self._core.apply_values(core, self._values_json(key)))
