"""hfx.Model: pyhf's Model API on hfx's compiled model.

Parameter order, names, bounds, inits and auxdata are pyhf's. Evaluation goes straight
to C++: numpy float64 arrays are read in place, lists are converted element by element.
"""

import copy

import numpy as np

from . import _checks
from . import _core
from . import _json
from .exceptions import InvalidInterpCode, InvalidModel, InvalidPdfData, InvalidPdfParameters, Unsupported

__all__ = ["Model", "_ModelConfig"]

_DEFAULT_MODIFIER_SETTINGS = {
    "normsys": {"interpcode": "code4"},
    "histosys": {"interpcode": "code4p"},
}


def _interp_codes(modifier_settings):
    """(normsys, histosys) interpolation codes from pyhf's modifier_settings.

    As pyhf: without modifier_settings the defaults are normsys code4 and histosys code4p;
    once settings are given, a kind (or an "interpcode") they leave out takes pyhf's
    modifier default, normsys code1 and histosys code0.
    """
    if modifier_settings is None:
        return None, None
    _checks.mapping(modifier_settings, "modifier_settings")
    codes = []
    for kind, default in (("normsys", "code1"), ("histosys", "code0")):
        setting = modifier_settings.get(kind, {})
        if not isinstance(setting, dict):
            raise TypeError(f"modifier_settings[{kind!r}]: expected a dict like {{'interpcode': 'code4'}}, got {setting!r}")
        code = setting.get("interpcode", default)
        if not isinstance(code, str):
            raise InvalidInterpCode(f"{kind}: interpcode must be a string like 'code4', got {code!r}")
        codes.append(code)
    unknown = set(modifier_settings) - {"normsys", "histosys"}
    if unknown:
        raise Unsupported(f"modifier_settings for {sorted(unknown)}: only normsys and histosys take settings")
    return tuple(codes)


def _batch_size(value):
    """None (one parameter point per call) or a positive number of points per call."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"batch_size: expected None or a positive integer, got {value!r}"[:200])
    return int(value)


class _ParamSet:
    """One parameter set (pyhf's paramset): name, size, inits, bounds, constraint."""

    def __init__(self, info):
        self.name = info["name"]
        self.n_parameters = info["size"]
        self.suggested_init = list(info["inits"])
        self.suggested_bounds = list(info["bounds"])
        self._suggested_fixed = list(info["fixed"])
        self.is_scalar = info["is_scalar"]
        self.constraint = info["constraint"]
        self.modifier_type = info["type"]
        self.constrained = info["constraint"] != "unconstrained"
        if self.constrained:
            self.auxdata = list(info["auxdata"])
            self.pdf_type = "normal" if info["constraint"] == "constrained_by_normal" else "poisson"
            if self.pdf_type == "normal":
                self.sigmas = list(info["sigmas"])
            else:
                self.factors = list(info["factors"])

    @property
    def suggested_fixed(self):
        return self._suggested_fixed

    @suggested_fixed.setter
    def suggested_fixed(self, value):
        if isinstance(value, (bool, np.bool_)):
            value = [bool(value)] * self.n_parameters
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
            raise TypeError(f"suggested_fixed of {self.name!r}: expected a bool or a list of bools, got {value!r}")
        value = list(value)
        if not all(isinstance(v, (bool, np.bool_)) for v in value):
            raise TypeError(f"suggested_fixed of {self.name!r}: expected bools, got {value!r}")
        if len(value) != self.n_parameters:
            raise InvalidPdfParameters(
                f"suggested_fixed of {self.name!r}: expected {self.n_parameters} bools, got {len(value)}"
            )
        self._suggested_fixed = [bool(v) for v in value]

    @property
    def suggested_fixed_as_bool(self):
        if len(set(self._suggested_fixed)) != 1:
            raise RuntimeError(f"{self.name} has mixed fixed flags; use suggested_fixed")
        return self._suggested_fixed[0]

    def width(self):
        if not self.constrained:
            raise RuntimeError(f"{self.name} is unconstrained and has no width")
        if self.pdf_type == "normal":
            return list(self.sigmas)
        return [1.0 / (f**0.5) for f in self.factors]

    def __repr__(self):
        return f"<{self.constraint} paramset {self.name!r} n={self.n_parameters}>"


class _ModelConfig:
    """pyhf's model.config: the parameter layout and structure of a compiled model."""

    def __init__(self, core, modifier_settings):
        self._core = core
        self.modifier_settings = copy.deepcopy(_DEFAULT_MODIFIER_SETTINGS if modifier_settings is None else modifier_settings)
        self.channels = list(core.channels)
        self.samples = list(core.samples)
        self.modifiers = [tuple(m) for m in core.modifiers]
        self.channel_nbins = dict(zip(self.channels, core.channel_nbins))
        self.channel_slices = {}
        begin = 0
        for name, nbins in self.channel_nbins.items():
            self.channel_slices[name] = slice(begin, begin + nbins)
            begin += nbins
        self.npars = core.npars
        self.auxdata_order = list(core.auxdata_order)
        self._par_order = list(core.par_order)
        self._par_names = list(core.par_names)
        self.parameters = sorted(self._par_order)
        self._auxdata = list(core.auxdata)
        self._nmaindata = core.nmaindata
        self._nauxdata = core.nauxdata
        self._poi_name = core.poi_name
        self._poi_index = core.poi_index
        self.par_map = {}
        for info in core.param_sets():
            self.par_map[info["name"]] = {
                "slice": slice(info["offset"], info["offset"] + info["size"]),
                "paramset": _ParamSet(info),
            }
        # The compiled model's defaults, which the C++ fits use when given None.
        self._compiled_defaults = (self.suggested_init(), self.suggested_bounds(), self.suggested_fixed())

    def _fit_args(self, init_pars, par_bounds, fixed_params):
        """(init_pars, par_bounds, fixed_params) for the C++ fits: each None stays None
        (the compiled defaults) unless the paramsets' suggested values were changed in
        Python (e.g. ``param_set(name).suggested_fixed = True``), which pyhf's fits use."""
        current = (init_pars, par_bounds, fixed_params)
        suggested = (self.suggested_init, self.suggested_bounds, self.suggested_fixed)
        out = []
        for given, compiled, fn in zip(current, self._compiled_defaults, suggested):
            if given is None:
                value = fn()
                given = None if value == compiled else value
            out.append(given)
        return tuple(out)

    @property
    def par_order(self):
        return list(self._par_order)

    @property
    def par_names(self):
        return list(self._par_names)

    @property
    def poi_name(self):
        return self._poi_name

    @property
    def poi_index(self):
        return self._poi_index

    @property
    def auxdata(self):
        return list(self._auxdata)

    @property
    def nmaindata(self):
        return self._nmaindata

    @property
    def nauxdata(self):
        return self._nauxdata

    def suggested_init(self):
        return [v for name in self._par_order for v in self.par_map[name]["paramset"].suggested_init]

    def suggested_bounds(self):
        return [b for name in self._par_order for b in self.par_map[name]["paramset"].suggested_bounds]

    def suggested_fixed(self):
        return [f for name in self._par_order for f in self.par_map[name]["paramset"].suggested_fixed]

    def par_slice(self, name):
        try:
            return self.par_map[name]["slice"]
        except KeyError:
            raise InvalidModel(f"no parameter set named {name!r} in the model") from None

    def param_set(self, name):
        try:
            return self.par_map[name]["paramset"]
        except KeyError:
            raise InvalidModel(f"no parameter set named {name!r} in the model") from None

    def set_poi(self, name):
        """Changes the POI in place (None = no POI), like pyhf's config.set_poi."""
        _checks.optional_name(name, "poi_name")
        self._owner._set_core(self._core.with_poi(name or ""))

    def __repr__(self):
        return f"<hfx model config: {self.npars} parameters, channels {self.channels}>"


class _MainModel:
    """pyhf's model.main_model: the main bins' expected data and Poisson log-likelihood."""

    def __init__(self, model):
        self._model = model

    def expected_data(self, pars, return_by_sample=False):
        """The main bins' expected data, or with return_by_sample one row per sample of
        model.config.samples (zeros in channels without that sample)."""
        if return_by_sample:
            return self._model._expected_by_sample(pars)
        return self._model.expected_actualdata(pars)

    def logpdf(self, maindata, pars):
        return self._model.mainlogpdf(maindata, pars)


class _ConstraintModel:
    """pyhf's model.constraint_model: the auxiliary data's expectation and constraint terms."""

    def __init__(self, model):
        self._model = model

    def expected_data(self, pars):
        return self._model.expected_auxdata(pars)

    def logpdf(self, auxdata, pars):
        return self._model.constraint_logpdf(auxdata, pars)


class _IndexViewer:
    """Cuts a dataset into pieces by index lists and joins pieces back (the tensorviewer
    of Model.make_pdf's Simultaneous)."""

    def __init__(self, indices, size):
        self.indices = [np.asarray(i, dtype=int) for i in indices]
        self.size = size

    def split(self, data):
        data = np.asarray(data, dtype=float)
        return [data[..., i] for i in self.indices]

    def stitch(self, pieces):
        pieces = [np.asarray(p, dtype=float) for p in pieces]
        out = np.zeros(pieces[0].shape[:-1] + (self.size,))
        for i, p in zip(self.indices, pieces):
            out[..., i] = p
        return out


class Model:
    """A HistFactory model compiled by hfx (pyhf.Model's API).

    ``Model(spec, poi_name=..., modifier_settings=...)`` with a pyhf model spec
    ``{"channels": [...], "parameters": [...]}``. As in pyhf, the default is no POI.
    """

    def __init__(
        self,
        spec,
        modifier_set=None,
        batch_size=None,
        validate=True,
        clip_sample_data=None,
        clip_bin_data=None,
        **config_kwargs,
    ):
        batch_size = _batch_size(batch_size)
        if clip_sample_data is not None or clip_bin_data is not None:
            raise Unsupported("clip_sample_data / clip_bin_data are not supported by hfx")
        config_kwargs.pop("schema", None)
        config_kwargs.pop("version", None)
        poi_name = _checks.optional_name(config_kwargs.pop("poi_name", None), "poi_name")
        modifier_settings = config_kwargs.pop("modifier_settings", None)
        if config_kwargs:
            raise Unsupported(f"Unsupported options were passed in: {list(config_kwargs)}.")
        if modifier_set is not None:
            from . import _custom, _custom_model

            custom_set = _custom.split_modifier_set(modifier_set)
            if custom_set:
                if batch_size is not None:
                    raise Unsupported("batch_size with custom modifier kinds")
                self.__class__ = _custom_model.CustomModel
                self._init_custom(copy.deepcopy(_checks.mapping(spec, "spec")), custom_set, modifier_set, poi_name, modifier_settings)
                return
            _custom.CustomPart.check_kinds(spec, modifier_set)
        normsys, histosys = _interp_codes(modifier_settings)
        core = _core.model_from_spec(_json.dumps(spec, "spec"), poi_name or "", normsys, histosys)
        self._init(core, copy.deepcopy(spec), modifier_settings, batch_size)

    @classmethod
    def _from_core(cls, core, spec_factory, modifier_settings, batch_size=None):
        self = cls.__new__(cls)
        self._init(core, None, modifier_settings, _batch_size(batch_size))
        self._spec_factory = spec_factory
        return self

    def _init(self, core, spec, modifier_settings, batch_size):
        self.batch_size = batch_size
        self.schema = "model.json"
        self.version = None
        self._spec = spec
        self._spec_factory = None
        self._modifier_settings = modifier_settings
        self._set_core(core)

    def _set_core(self, core):
        self._core = core
        self._config = _ModelConfig(core, self._modifier_settings)
        self._config._owner = self

    @property
    def _engine(self):
        """(module, model argument) that fits and tests this model: the C++ core."""
        return _core, self._core

    def _expected_by_sample(self, pars):
        if self.batch_size is not None:
            return self._per_row(self._core.expected_by_sample, pars)
        return self._core.expected_by_sample(pars)

    @property
    def spec(self):
        """The model spec {channels, parameters} (a copy owned by the model)."""
        if self._spec is None and self._spec_factory is not None:
            self._spec = self._spec_factory()
        return self._spec

    @property
    def config(self):
        return self._config

    # --- evaluation: thin wrappers, numpy arrays pass to C++ without copies ---
    @property
    def main_model(self):
        return _MainModel(self)

    @property
    def constraint_model(self):
        return _ConstraintModel(self)

    def make_pdf(self, pars):
        """The likelihood at ``pars`` as an :class:`hfx.probability.Simultaneous`: Poisson
        main bins, then the Normal and the Poisson constraint terms, over data laid out as
        ``expected_data`` (main bins, then auxdata). For sampling pseudo-data and
        evaluating it with numpy; hfx's own fits and toys do not use it. With batch_size N,
        ``pars`` is (N, npars) and every piece carries that batch axis."""
        from . import probability

        pars = np.asarray(pars, dtype=float)
        nmain, naux = self.config.nmaindata, self.config.nauxdata
        aux = np.asarray(self.expected_auxdata(pars), dtype=float)
        normal, sigmas, poisson = [], [], []
        k = 0
        for name in self.config.auxdata_order:
            ps = self.config.param_set(name)
            for j in range(ps.n_parameters):
                if ps.pdf_type == "normal":
                    normal.append(k)
                    sigmas.append(ps.sigmas[j])
                else:
                    poisson.append(k)
                k += 1
        pieces = [probability.Independent(probability.Poisson(self.expected_actualdata(pars)))]
        indices = [np.arange(nmain)]
        if normal:
            pieces.append(probability.Independent(probability.Normal(aux[..., normal], sigmas)))
            indices.append(nmain + np.asarray(normal))
        if poisson:
            pieces.append(probability.Independent(probability.Poisson(aux[..., poisson])))
            indices.append(nmain + np.asarray(poisson))
        return probability.Simultaneous(pieces, _IndexViewer(indices, nmain + naux))

    # --- batched models (batch_size=N): pars is (N, npars), data one row or N rows ---
    def _pars_rows(self, pars):
        rows = np.asarray(pars, dtype=float)
        if rows.shape != (self.batch_size, self.config.npars):
            raise InvalidPdfParameters(
                f"pars: a model with batch_size={self.batch_size} takes a ({self.batch_size}, "
                f"{self.config.npars}) array of parameter points, got shape {rows.shape}"
            )
        return rows

    def _per_row(self, fn, pars, *data):
        """fn(row, data row...) for every parameter point, stacked along a first axis."""
        rows = self._pars_rows(pars)
        columns = []
        for d in data:
            d = np.asarray(d, dtype=float)
            if d.ndim == 2 and d.shape[0] != self.batch_size:
                raise InvalidPdfData(f"data: expected one row or {self.batch_size} rows, got shape {d.shape}")
            columns.append(d if d.ndim == 2 else np.broadcast_to(d, (self.batch_size,) + d.shape))
        return np.stack([np.asarray(fn(r, *(c[i] for c in columns))) for i, r in enumerate(rows)])

    def logpdf(self, pars, data):
        """log-likelihood of ``data`` (main + aux) at ``pars``, as a 1-element array
        (with batch_size N: an array of N values)."""
        if self.batch_size is None:
            return self._core.logpdf(pars, data)
        if np.ndim(data) == 2 and np.shape(data)[0] == 1 and self.batch_size != 1:
            data = np.asarray(data)[0]  # one row for every point, as numpy broadcasts it
        if np.ndim(data) == 1:
            return self._core.logpdf_batch(self._pars_rows(pars), data)
        return self._core.logpdf_rows(self._pars_rows(pars), data)

    def pdf(self, pars, data):
        return np.exp(self.logpdf(pars, data))

    def logpdf_and_grad(self, pars, data):
        """(logpdf as float, d logpdf / d pars as array) with hfx's analytic gradient."""
        return self._core.logpdf_and_grad(pars, data)

    def logpdf_batch(self, pars, data):
        """logpdf at each row of a (n, npars) array of parameter points (releases the GIL)."""
        return self._core.logpdf_batch(pars, data)

    def expected_data(self, pars, include_auxdata=True):
        if not isinstance(include_auxdata, (bool, np.bool_)):
            raise TypeError(f"include_auxdata: expected a bool, got {include_auxdata!r}"[:200])
        if self.batch_size is not None:
            return self._core.expected_data_batch(self._pars_rows(pars), bool(include_auxdata))
        return self._core.expected_data(pars, bool(include_auxdata))

    def expected_actualdata(self, pars):
        if self.batch_size is not None:
            return self._core.expected_data_batch(self._pars_rows(pars), False)
        return self._core.expected_actualdata(pars)

    def expected_auxdata(self, pars):
        if self.batch_size is not None:
            return self._core.expected_data_batch(self._pars_rows(pars), True)[:, self.config.nmaindata :]
        return self._core.expected_auxdata(pars)

    def mainlogpdf(self, maindata, pars):
        """pyhf's argument order: (maindata, pars)."""
        if self.batch_size is not None:
            return self._per_row(lambda p, d: self._core.mainlogpdf(p, d), pars, maindata)
        return np.float64(self._core.mainlogpdf(pars, maindata))

    def constraint_logpdf(self, auxdata, pars):
        """pyhf's argument order: (auxdata, pars)."""
        if self.batch_size is not None:
            return self._per_row(lambda p, d: self._core.constraint_logpdf(p, d), pars, auxdata)
        return np.float64(self._core.constraint_logpdf(pars, auxdata))

    def __repr__(self):
        return f"<hfx.Model: {self.config.npars} parameters, POI {self.config.poi_name!r}>"
