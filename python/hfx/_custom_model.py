"""hfx.Model with custom modifier kinds (see ``_custom.py``): the compiled HistFactory part
plus Python-evaluated custom factors, fitted and tested by ``_pyengine.py``."""

import numpy as np

from . import _checks, _core, _custom, _pyengine
from .exceptions import InvalidModel, Unsupported
from .pdf import Model, _interp_codes, _ModelConfig, _ParamSet


class _CustomConfig(_ModelConfig):
    """The compiled model's configuration with the custom parameter sets appended."""

    def _append_custom(self, paramsets, custom_modifiers):
        offset = self.npars
        for name, info in paramsets.items():
            size = info["size"]
            self.par_map[name] = {"slice": slice(offset, offset + size), "paramset": _ParamSet(info)}
            self._par_order.append(name)
            self._par_names += [name] if info["is_scalar"] else [f"{name}[{i}]" for i in range(size)]
            if info["constraint"] != "unconstrained":
                self._auxdata += info["auxdata"]
                self.auxdata_order.append(name)
            offset += size
        self.npars = offset
        self.parameters = sorted(self._par_order)
        self._nauxdata = len(self._auxdata)
        self.modifiers += [tuple(m) for m in custom_modifiers]
        self._compiled_defaults = (self.suggested_init(), self.suggested_bounds(), self.suggested_fixed())

    def set_poi(self, name):
        _checks.optional_name(name, "poi_name")
        if not name:
            self._poi_name, self._poi_index = None, None
            return
        if name not in self.par_map:
            raise InvalidModel(f"The parameter of interest {name!r} is not a parameter of the model")
        ps = self.par_map[name]["paramset"]
        if ps.n_parameters != 1:
            raise InvalidModel(
                f"The parameter '{name}' contains multiple components and is not currently supported as parameter "
                f"of interest ({ps.n_parameters} components)"
            )
        self._poi_name, self._poi_index = name, self.par_map[name]["slice"].start


class CustomModel(Model):
    """A model whose spec uses custom modifier kinds (``Model(spec, modifier_set=...)``)."""

    def _init_custom(self, spec, custom_set, modifier_set, poi_name, modifier_settings):
        _custom.check_structure(spec)
        normsys, histosys = _interp_codes(modifier_settings)
        compiled_names = {
            m["name"]
            for c in spec["channels"]
            for s in c["samples"]
            for m in s["modifiers"]
            if m["type"] not in custom_set
        }
        custom_names = {p["name"] for p in spec.get("parameters", [])} - compiled_names
        core = _core.model_from_spec(_custom.core_spec(spec, custom_set, custom_names), "", normsys, histosys, True)
        self.batch_size = None
        self.schema = "model.json"
        self.version = None
        self._spec = spec
        self._spec_factory = None
        self._modifier_settings = modifier_settings
        self._core = core
        base = _ModelConfig(core, modifier_settings)
        self._custom = _custom.CustomPart(spec, custom_set, modifier_set, base)
        if not self._custom.paramsets and core.npars == 0:
            raise InvalidModel("No parameters specified for the Model.")
        config = _CustomConfig(core, modifier_settings)
        config._owner = self
        config._append_custom(self._custom.paramsets, self._custom.modifiers)
        config.set_poi(poi_name)
        self._config = config
        self._custom.make_appliers(config)
        self._eval = _custom.Evaluation(self)

    def _set_core(self, core):
        raise Unsupported("models with custom modifiers keep their compiled part")

    @property
    def _engine(self):
        return _pyengine, self

    def _expected_by_sample(self, pars):
        return self._eval.by_sample(pars)

    def logpdf(self, pars, data):
        return np.array([self._eval.logpdf(pars, data)])

    def pdf(self, pars, data):
        return np.exp(self.logpdf(pars, data))

    def logpdf_and_grad(self, pars, data):
        raise Unsupported("models with custom modifiers have no analytic gradient")

    def logpdf_batch(self, pars, data):
        return np.array([self._eval.logpdf(p, data) for p in np.asarray(pars, dtype=float)])

    def expected_data(self, pars, include_auxdata=True):
        if not isinstance(include_auxdata, (bool, np.bool_)):
            raise TypeError(f"include_auxdata: expected a bool, got {include_auxdata!r}"[:200])
        main = self._eval.main(pars)
        return np.concatenate([main, self._eval.aux(pars)]) if include_auxdata else main

    def expected_actualdata(self, pars):
        return self._eval.main(pars)

    def expected_auxdata(self, pars):
        return self._eval.aux(pars)

    def mainlogpdf(self, maindata, pars):
        return np.float64(self._eval.main_logpdf(maindata, pars))

    def constraint_logpdf(self, auxdata, pars):
        return np.float64(self._eval.constraint_logpdf(auxdata, pars))

    def __repr__(self):
        return f"<hfx.Model with custom modifiers {self._custom.kinds}: {self.config.npars} parameters, POI {self.config.poi_name!r}>"
