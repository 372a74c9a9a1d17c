"""hfx.Workspace: pyhf's Workspace (a dict of the JSON document) validated and
operated on by hfx's C++ core."""

import copy
import json
import logging
import math

from . import _checks
from . import _core
from . import _json
from .exceptions import InvalidMeasurement, InvalidPdfData, InvalidWorkspaceOperation, Unsupported
from .pdf import Model, _interp_codes

__all__ = ["Workspace"]

_log = logging.getLogger(__name__)

_UNSET = object()


def _patch_operations(patch, name="patch"):
    """The JSON Patch operations of a pyhf/hfx patch object or a plain list."""
    if hasattr(patch, "patch"):  # hfx.patchset.Patch, pyhf.patchset.Patch, jsonpatch.JsonPatch
        ops = patch.patch
        return ops if isinstance(ops, list) else list(ops)
    if not isinstance(patch, (list, tuple)):
        raise TypeError(f"{name}: expected a patch (a Patch or a list of JSON Patch operations), got {patch!r}"[:200])
    return list(patch)


def _names(value, name):
    """A list of names (str) from None, or a list/tuple/set of str."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)):
        # pyhf refuses one name given without a list (it would match by substring)
        raise InvalidWorkspaceOperation(f"{name}: expected a list of names, got the string {value!r}"[:200])
    if not isinstance(value, (list, tuple, set, frozenset)):
        raise TypeError(f"{name}: expected a list of names, got {value!r}"[:200])
    value = list(value)
    for i, v in enumerate(value):
        if not isinstance(v, str):
            raise TypeError(f"{name}[{i}]: expected a name (str), got {v!r}"[:200])
    return value


def _renames(value, name):
    """A {old: new} dict of names from None or a mapping of str to str."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(f"{name}: expected a dict {{old name: new name}}, got {value!r}"[:200])
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError(f"{name}: expected names (str) as keys and values, got {k!r}: {v!r}"[:200])
    return dict(value)


class Workspace(dict):
    """A HistFactory workspace (pyhf.Workspace's API).

    The instance is the document as a dict; ``Workspace(spec)`` validates it completely
    and raises :class:`hfx.exceptions.InvalidSpecification` with the JSON path of the
    first problem.
    """

    valid_joins = ["none", "outer", "left outer", "right outer"]

    def __init__(self, spec, validate=True, **config_kwargs):
        spec = copy.deepcopy(dict(_checks.mapping(spec, "spec")))
        config_kwargs.pop("schema", None)
        self.version = config_kwargs.pop("version", spec.get("version", None))
        if config_kwargs:
            raise Unsupported(f"Unsupported options were passed in: {list(config_kwargs)}.")
        text = _json.dumps(spec, "spec")
        core = _core.Workspace(text)
        super().__init__(spec)
        self._init_from_core(core, text)

    @classmethod
    def _from_core(cls, core):
        self = cls.__new__(cls)
        dict.__init__(self, json.loads(core.document()))
        self.version = self.get("version")
        self._init_from_core(core, _json.dumps(dict(self)))
        return self

    def _synced_core(self):
        """The C++ workspace of the document as it is now: like pyhf's dict, a Workspace
        edited after construction is used as edited (validated again when it changed)."""
        text = _json.dumps(dict(self), "workspace")
        if text != self._core_text:
            self._core = _core.Workspace(text)
            self._core_text = text
        return self._core

    def _init_from_core(self, core, text):
        self._core = core
        self._core_text = text
        self.schema = "workspace.json"
        self.measurement_names = list(core.measurement_names())
        self.observations = {obs["name"]: obs["data"] for obs in self["observations"]}
        channels = sorted(self["channels"], key=lambda c: c["name"])
        self.channels = [c["name"] for c in channels]
        self.channel_nbins = {c["name"]: len(c["samples"][0]["data"]) for c in channels}
        self.channel_slices = {}
        begin = 0
        for name, nbins in self.channel_nbins.items():
            self.channel_slices[name] = slice(begin, begin + nbins)
            begin += nbins
        self.samples = sorted({s["name"] for c in channels for s in c["samples"]})
        self.modifiers = sorted(
            {(m["name"], m["type"]) for c in channels for s in c["samples"] for m in s["modifiers"]}
        )
        self.parameters = sorted({name for name, _ in self.modifiers})

    def __repr__(self):
        return object.__repr__(self)

    def __eq__(self, other):
        if not isinstance(other, Workspace):
            return False
        return dict(self) == dict(other)

    def __ne__(self, other):
        return not self == other

    __hash__ = None

    def digest(self, algorithm="sha256"):
        """pyhf digest of the document (sha256 of its sorted-key json.dumps)."""
        if algorithm == "sha256":
            return self._synced_core().digest()
        from .utils import digest

        return digest(self, algorithm)

    def get_measurement(self, measurement_name=None, measurement_index=None):
        """The measurement dict by name, by index, or the first one (pyhf's rules)."""
        measurements = self["measurements"]
        if not measurements or not self.measurement_names:
            raise InvalidMeasurement("No measurements have been defined.")
        if measurement_name is not None:
            _checks.optional_name(measurement_name, "measurement_name")
            for m in measurements:
                if m["name"] == measurement_name:
                    return m
            raise InvalidMeasurement(f"The measurement '{measurement_name}' could not be found.")
        if measurement_index is not None:
            if isinstance(measurement_index, bool) or not isinstance(measurement_index, int):
                raise TypeError(f"measurement_index: expected an int, got {measurement_index!r}")
            try:
                return measurements[measurement_index]
            except IndexError:
                raise InvalidMeasurement(f"The measurement index {measurement_index} is out of bounds.") from None
        return measurements[0]

    def model(self, measurement_name=None, measurement_index=None, patches=None, **config_kwargs):
        """The compiled model of a measurement (pyhf's Workspace.model).

        ``poi_name`` overrides the measurement's POI (None = no POI); ``modifier_settings``
        picks interpolation codes; ``patches`` (JSON Patches) are applied to the model spec.
        """
        measurement = self.get_measurement(measurement_name, measurement_index)
        poi_name = config_kwargs.pop("poi_name", _UNSET)
        modifier_settings = config_kwargs.pop("modifier_settings", None)
        if poi_name is _UNSET:
            poi_name = measurement["config"]["poi"]
        _checks.optional_name(poi_name, "poi_name")

        def modelspec():
            return copy.deepcopy({"channels": self["channels"], "parameters": measurement["config"]["parameters"]})

        if patches is not None and (isinstance(patches, (str, bytes, dict)) or not hasattr(patches, "__iter__")):
            raise TypeError(f"patches: expected a list of patches, got {patches!r}"[:200])
        if patches:
            spec_text = _json.dumps(modelspec())
            for i, patch in enumerate(patches):
                ops = _json.dumps(_patch_operations(patch, f"patches[{i}]"), f"patches[{i}]")
                spec_text = _core.JsonPatch(ops).apply_json(spec_text)
            return Model(json.loads(spec_text), poi_name=poi_name, modifier_settings=modifier_settings, **config_kwargs)
        if config_kwargs:
            return Model(modelspec(), poi_name=poi_name, modifier_settings=modifier_settings, **config_kwargs)
        normsys, histosys = _interp_codes(modifier_settings)
        core = self._synced_core().model(measurement["name"], poi_name or "", normsys, histosys)
        return Model._from_core(core, modelspec, modifier_settings)

    def data(self, model, include_auxdata=True):
        """Observed data in the model's channel order, then (include_auxdata) its auxdata."""
        _checks.model(model, "model")
        observed = []
        for channel in model.config.channels:
            observed += self.observations[channel]
        if include_auxdata:
            observed += model.config.auxdata
        return observed

    def prune(self, modifiers=None, modifier_types=None, samples=None, channels=None, measurements=None):
        """A new workspace without the named items. Raises InvalidWorkspaceOperation."""
        return Workspace._from_core(
            self._synced_core().prune(
                _names(channels, "channels"),
                _names(samples, "samples"),
                _names(modifiers, "modifiers"),
                _names(modifier_types, "modifier_types"),
                _names(measurements, "measurements"),
            )
        )

    def rename(self, modifiers=None, samples=None, channels=None, measurements=None):
        """A new workspace with items renamed ({old: new}). Raises InvalidWorkspaceOperation."""
        return Workspace._from_core(
            self._synced_core().rename(
                _renames(channels, "channels"),
                _renames(samples, "samples"),
                _renames(modifiers, "modifiers"),
                _renames(measurements, "measurements"),
            )
        )

    @classmethod
    def combine(cls, left, right, join="none", merge_channels=False, validate=True):
        """pyhf's Workspace.combine: join is 'none', 'outer', 'left outer' or 'right outer'."""
        if join not in Workspace.valid_joins:
            raise ValueError(
                f"Workspaces must be joined using one of the valid join operations ({Workspace.valid_joins}); not {join}"
            )
        if merge_channels and join not in ["outer", "left outer", "right outer"]:
            raise ValueError(
                f"You can only merge channels using the 'outer', 'left outer', or 'right outer' join operations; not {join}"
            )
        if join in ["left outer", "right outer"]:
            _log.warning(
                "You are using an unsafe join operation. This will silence exceptions that might be raised during a normal 'outer' operation."
            )
        _checks.mapping(left, "left"), _checks.mapping(right, "right")
        if left.get("version") != right.get("version"):
            raise InvalidWorkspaceOperation(
                f"Workspaces of different versions cannot be combined: {left.get('version')} != {right.get('version')}"
            )
        return cls._from_core(_core.Workspace.combine(_as_core(left, "left"), _as_core(right, "right"), join, merge_channels))

    @classmethod
    def sorted(cls, workspace):
        """A copy with channels, samples, modifiers and measurements sorted by name."""
        return cls._from_core(_as_core(workspace).sorted())

    @classmethod
    def build(cls, model, data, name="measurement", validate=True):
        """A workspace from a model and its observed main data (pyhf's Workspace.build).

        ``data`` is the main data, or main data + auxdata (whose auxdata is not used)."""
        _checks.model(model, "model")
        nmain, naux = model.config.nmaindata, model.config.nauxdata
        try:
            if isinstance(data, (str, bytes, dict)):
                raise TypeError
            ndata = len(data)
        except TypeError:
            raise TypeError(f"data: expected a sequence of {nmain} numbers, got {type(data).__name__}") from None
        if ndata not in (nmain, nmain + naux):
            raise InvalidPdfData(
                f"data: expected {nmain} values (the main bins) or {nmain + naux} (main + aux), got {ndata}"
            )
        for i in range(nmain):
            if not math.isfinite(_checks.real(data[i], f"data[{i}]")):
                raise InvalidPdfData(f"data[{i}]: expected a finite count, got {data[i]}")
        parameters = []
        for parname, entry in model.config.par_map.items():
            ps = entry["paramset"]
            parameters.append(
                {
                    "bounds": [list(b) for b in ps.suggested_bounds],
                    "inits": ps.suggested_init,
                    "fixed": ps.suggested_fixed_as_bool,
                    "name": parname,
                }
            )
        spec = {
            "channels": copy.deepcopy(model.spec["channels"]),
            "version": "1.0.0",
            "measurements": [{"name": name, "config": {"poi": model.config.poi_name, "parameters": parameters}}],
            "observations": [
                {"name": k, "data": list(data[model.config.channel_slices[k]])} for k in model.config.channels
            ],
        }
        return cls(spec)


def _as_core(ws, name="workspace"):
    if isinstance(ws, Workspace):
        return ws._synced_core()
    return _core.Workspace(_json.dumps(dict(_checks.mapping(ws, name)), name))
