"""hfx.PatchSet: pyhf's PatchSet (signal hypotheses published as JSON Patches)."""

import json
import math

from . import _checks
from . import _core
from . import _json
from .exceptions import InvalidPatchLookup, InvalidPatchSet, InvalidSpecification, PatchSetVerificationError
from .workspace import Workspace, _as_core

__all__ = ["Patch", "PatchSet"]


class Patch:
    """One patch of a patchset, from its document ``{"metadata": {"name": ..., "values":
    [...]}, "patch": [operations]}``: ``name``, ``values`` (a tuple), ``metadata`` and the
    JSON Patch operations ``patch``."""

    def __init__(self, spec):
        _checks.mapping(spec, "spec")
        try:
            self.metadata = spec["metadata"]
            self.name = self.metadata["name"]
            self.values = tuple(self.metadata["values"])
            self.patch = spec["patch"]
        except (KeyError, TypeError) as err:
            raise InvalidPatchSet(f"patch: expected {{'metadata': {{'name', 'values'}}, 'patch'}}, missing {err}") from None

    def __repr__(self):
        return f"<hfx.patchset.Patch object '{self.name}{self.values}' at {hex(id(self))}>"

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
            patch = Patch(entry)
            self.patches.append(patch)
            self._by_name[patch.name] = patch
            self._by_values[tuple(patch.values)] = patch

    def __repr__(self):
        n = len(self.patches)
        return f"<hfx.patchset.PatchSet object with {n} patch{'' if n == 1 else 'es'} at {hex(id(self))}>"

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
            raise InvalidPatchLookup(f"No patch associated with values {tuple(values)} in the patchset (labels: {self.labels})")
        return _json.dumps(list(values), "key")

    def verify(self, spec):
        """Checks the workspace against the patchset's digests: PatchSetVerificationError
        unless it is the workspace the patchset was made for."""
        try:
            core = _as_core(spec, "spec")
        except InvalidSpecification as err:
            raise PatchSetVerificationError(f"spec is not the workspace of this patchset: {err}") from None
        self._core.verify(core)

    def apply(self, spec, key):
        """The workspace with the patch ``key`` (name or values) applied, after verify()."""
        self.verify(spec)
        patch = self[key]
        operations = _core.JsonPatch(_json.dumps(patch.patch, "patch"))
        return Workspace._from_core(operations.apply_workspace(_as_core(spec, "spec")))
