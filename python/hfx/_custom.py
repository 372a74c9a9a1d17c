"""Models with custom modifier kinds (pyhf's ``modifier_set``), evaluated in Python.

The HistFactory part of the spec is compiled by hfx's C++ core as usual; the custom
modifiers are built with pyhf's protocol and applied on top of its per-sample yields:

- builder ``B(config)`` with ``required_parsets`` ({name: [paramset requirements]}),
  ``append(key, channel, sample, thismod, defined_samp)`` for every channel, sample and
  custom modifier of its kind (``thismod`` is None where the modifier is absent) and
  ``finalize() -> builder_data``;
- applicator ``A(modifiers=[(name, kind)], pdfconfig=config, builder_data=..., batch_size=None)``
  with ``op_code = "multiplication"`` and ``apply(pars)``: factors of shape
  (modifiers, samples, 1, main bins) or None.

The custom factors multiply each sample's yield (HistFactory's multiplicative modifiers);
additive custom kinds are refused, since hfx's core returns yields with its own factors
already applied. The custom parameters follow the compiled ones in the parameter vector.
Fits and asymptotic hypothesis tests of such models run in Python (``hfx/_pyengine.py``):
correct, and much slower than the compiled path.
"""

import numpy as np
from scipy.special import gammaln, xlogy

from . import _json, modifiers
from .exceptions import InvalidModel, InvalidModifier, InvalidPdfData, InvalidSpecification, Unsupported

_PARAMSET_KEYS = ("inits", "bounds", "fixed", "auxdata", "sigmas", "factors")
_CONSTRAINTS = {
    "unconstrained": "unconstrained",
    "constrained_by_normal": "constrained_by_normal",
    "constrained_by_poisson": "constrained_by_poisson",
}


def split_modifier_set(modifier_set):
    """{kind: (builder, applicator)} of the custom kinds, after checking the set."""
    if not isinstance(modifier_set, dict):
        raise TypeError(f"modifier_set: expected a dict {{kind: (builder, applicator)}}, got {modifier_set!r}"[:200])
    custom = {}
    for kind, pair in modifier_set.items():
        if kind in modifiers.HISTFACTORY_KINDS:
            if pair is not modifiers.histfactory_set[kind]:
                raise Unsupported(f"modifier_set[{kind!r}]: hfx's HistFactory kinds are compiled and cannot be replaced")
            continue
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise TypeError(f"modifier_set[{kind!r}]: expected a (builder, applicator) pair, got {pair!r}"[:200])
        custom[kind] = pair
    return custom


def _kinds_in(spec):
    return {m["type"] for c in spec["channels"] for s in c["samples"] for m in s["modifiers"]}


def check_structure(spec):
    """The structure the custom path reads (channels, samples, modifiers with name and
    type), as InvalidSpecification with the JSON path; the compiled part and the builders
    check the rest."""

    def need(value, kind, path):
        if not isinstance(value, kind):
            raise InvalidSpecification(f"{path}: expected {'an object' if kind is dict else 'an array' if kind is list else 'a string'}")
        return value

    need(spec, dict, "/")
    for i, c in enumerate(need(spec.get("channels"), list, "/channels")):
        need(c, dict, f"/channels/{i}")
        need(c.get("name"), str, f"/channels/{i}/name")
        for j, s in enumerate(need(c.get("samples"), list, f"/channels/{i}/samples")):
            path = f"/channels/{i}/samples/{j}"
            need(s, dict, path)
            need(s.get("name"), str, path + "/name")
            for k, m in enumerate(need(s.get("modifiers"), list, path + "/modifiers")):
                need(m, dict, f"{path}/modifiers/{k}")
                need(m.get("name"), str, f"{path}/modifiers/{k}/name")
                need(m.get("type"), str, f"{path}/modifiers/{k}/type")
    for i, p in enumerate(need(spec.get("parameters", []), list, "/parameters")):
        need(p, dict, f"/parameters/{i}")
        need(p.get("name"), str, f"/parameters/{i}/name")


class CustomPart:
    """The custom modifiers of one model: their parameter sets and their factors."""

    @staticmethod
    def check_kinds(spec, modifier_set):
        """Every modifier kind the spec uses must be in the modifier set."""
        try:
            kinds = _kinds_in(spec)
        except (KeyError, TypeError, AttributeError):
            return  # a malformed spec: the compiler reports it with its JSON path
        unknown = kinds - set(modifier_set)
        if unknown:
            raise InvalidModifier(f"modifier kind {sorted(unknown)[0]!r} is not among {sorted(modifier_set)}")

    def __init__(self, spec, custom_set, modifier_set, config):
        self.check_kinds(spec, modifier_set)
        self.kinds = [k for k in custom_set if k in _kinds_in(spec)]
        builders = {k: custom_set[k][0](config) for k in self.kinds}
        # (name, kind) of every custom modifier, in the order of first appearance
        self.modifiers = []
        defined = {}
        for c in spec["channels"]:
            for s in c["samples"]:
                mods = {}
                for m in s["modifiers"]:
                    if m["type"] in custom_set:
                        key = f"{m['type']}/{m['name']}"
                        if (m["name"], m["type"]) not in self.modifiers:
                            self.modifiers.append((m["name"], m["type"]))
                        mods[key] = m
                defined[(c["name"], s["name"])] = (s, mods)
        for channel in config.channels:
            for sample in config.samples:
                sample_spec, mods = defined.get((channel, sample), (None, {}))
                for name, kind in self.modifiers:
                    key = f"{kind}/{name}"
                    builders[kind].append(key, channel, sample, mods.get(key), sample_spec)
        builder_data = {k: builders[k].finalize() for k in self.kinds}
        self.paramsets = self._paramsets(builders, spec.get("parameters", []), config)
        self._builder_data = builder_data
        self._custom_set = custom_set
        self.appliers = None

    @staticmethod
    def _paramsets(builders, user_parameters, config):
        """{name: requirements} merged from the builders, then the user's configuration."""
        required = {}
        for builder in builders.values():
            for name, reqs in builder.required_parsets.items():
                required.setdefault(name, []).extend(reqs)
        user = {p["name"]: p for p in user_parameters}
        out = {}
        for name in sorted(required):
            if name in config.par_map:
                raise Unsupported(f"parameter {name!r}: custom modifiers cannot share parameters with HistFactory modifiers")
            req = dict(required[name][0])
            if any(dict(r) != req for r in required[name][1:]):
                raise InvalidModel(f"parameter {name!r}: the custom modifiers require it in different ways")
            kind = req.get("paramset_type")
            if kind not in _CONSTRAINTS:
                raise InvalidModel(f"parameter {name!r}: paramset_type {kind!r} is not one of {sorted(_CONSTRAINTS)}")
            for key in _PARAMSET_KEYS:
                if key in user.get(name, {}):
                    req[key] = user[name][key]
            n = int(req["n_parameters"])
            ps = {
                "name": name,
                "size": n,
                "inits": [float(v) for v in req["inits"]],
                "bounds": [[float(lo), float(hi)] for lo, hi in req["bounds"]],
                "fixed": [bool(req.get("fixed", False))] * n if not isinstance(req.get("fixed"), (list, tuple)) else list(req["fixed"]),
                "is_scalar": bool(req.get("is_scalar", n == 1)),
                "constraint": _CONSTRAINTS[kind],
                "type": "custom",
            }
            if kind != "unconstrained":
                ps["auxdata"] = [float(v) for v in req["auxdata"]]
                if kind == "constrained_by_normal":
                    ps["sigmas"] = [float(v) for v in req.get("sigmas", [1.0] * n)]
                else:
                    ps["factors"] = [float(v) for v in req["factors"]]
            if not (len(ps["inits"]) == len(ps["bounds"]) == len(ps["fixed"]) == n):
                raise InvalidModel(f"parameter {name!r}: inits, bounds and fixed need {n} entries each")
            out[name] = ps
        return out

    def make_appliers(self, config):
        """The applicators, given the model's final configuration."""
        self.appliers = []
        for kind in self.kinds:
            applier = self._custom_set[kind][1](
                modifiers=[m for m in self.modifiers if m[1] == kind],
                pdfconfig=config,
                builder_data=self._builder_data.get(kind),
                batch_size=None,
            )
            if getattr(applier, "op_code", None) != "multiplication":
                raise Unsupported(
                    f"custom modifier kind {kind!r}: op_code {getattr(applier, 'op_code', None)!r}; hfx applies "
                    "multiplicative custom modifiers only"
                )
            self.appliers.append(applier)

    def factors(self, pars, nsamples, nbins):
        """The product of every custom factor, shape (samples, main bins)."""
        out = np.ones((nsamples, nbins))
        for applier in self.appliers:
            f = applier.apply(pars)
            if f is None:
                continue
            f = np.asarray(f, dtype=float)
            out *= np.prod(f.reshape(f.shape[0], nsamples, -1, nbins)[:, :, 0, :], axis=0)
        return out


def core_spec(spec, custom_set, custom_parameter_names):
    """The spec without the custom modifiers and their parameter configurations, as JSON."""
    channels = [
        {
            "name": c["name"],
            "samples": [
                {**s, "modifiers": [m for m in s["modifiers"] if m["type"] not in custom_set]} for s in c["samples"]
            ],
        }
        for c in spec["channels"]
    ]
    parameters = [p for p in spec.get("parameters", []) if p["name"] not in custom_parameter_names]
    return _json.dumps({"channels": channels, "parameters": parameters}, "spec")


class Evaluation:
    """Likelihood pieces of a custom model: ``pars`` is the full vector (compiled
    parameters first, then the custom ones)."""

    def __init__(self, model):
        self.model = model
        cfg = model.config
        self.ncore = model._core.npars
        self.nmain = cfg.nmaindata
        self.nsamples = len(cfg.samples)
        self.custom_sets = [cfg.par_map[name]["paramset"] for name in model._custom.paramsets]

    def split(self, pars):
        pars = np.asarray(pars, dtype=float)
        if pars.shape != (self.model.config.npars,):
            from .exceptions import InvalidPdfParameters

            raise InvalidPdfParameters(f"pars: expected {self.model.config.npars} values, got shape {pars.shape}")
        return pars, pars[: self.ncore]

    def by_sample(self, pars):
        pars, core_pars = self.split(pars)
        yields = self.model._core.expected_by_sample(core_pars)
        return yields * self.model._custom.factors(pars, self.nsamples, self.nmain)

    def main(self, pars):
        return self.by_sample(pars).sum(axis=0)

    def aux(self, pars):
        pars, core_pars = self.split(pars)
        parts = [np.asarray(self.model._core.expected_auxdata(core_pars))]
        for ps in self.custom_sets:
            if ps.constrained:
                values = pars[self.model.config.par_slice(ps.name)]
                parts.append(values * np.asarray(ps.factors) if ps.pdf_type == "poisson" else values)
        return np.concatenate(parts)

    def main_logpdf(self, maindata, pars):
        rates = self.main(pars)
        n = np.asarray(maindata, dtype=float)
        if n.shape != rates.shape:
            raise InvalidPdfData(f"maindata: expected {rates.size} values, got shape {n.shape}")
        return float(np.sum(xlogy(n, rates) - rates - gammaln(n + 1.0)))

    def constraint_logpdf(self, auxdata, pars):
        pars, core_pars = self.split(pars)
        aux = np.asarray(auxdata, dtype=float)
        if aux.shape != (self.model.config.nauxdata,):
            raise InvalidPdfData(f"auxdata: expected {self.model.config.nauxdata} values, got shape {aux.shape}")
        ncore_aux = self.model._core.nauxdata
        total = float(self.model._core.constraint_logpdf(core_pars, aux[:ncore_aux]))
        k = ncore_aux
        for ps in self.custom_sets:
            if not ps.constrained:
                continue
            values = pars[self.model.config.par_slice(ps.name)]
            a = aux[k : k + ps.n_parameters]
            k += ps.n_parameters
            if ps.pdf_type == "normal":
                sig = np.asarray(ps.sigmas)
                total += float(np.sum(-0.5 * ((a - values) / sig) ** 2 - np.log(sig) - 0.5 * np.log(2 * np.pi)))
            else:
                lam = values * np.asarray(ps.factors)
                total += float(np.sum(xlogy(a, lam) - lam - gammaln(a + 1.0)))
        return total

    def logpdf(self, pars, data):
        data = np.asarray(data, dtype=float)
        if data.shape != (self.nmain + self.model.config.nauxdata,):
            raise InvalidPdfData(
                f"data: expected {self.nmain + self.model.config.nauxdata} values (main + auxdata), got shape {data.shape}"
            )
        return self.main_logpdf(data[: self.nmain], pars) + self.constraint_logpdf(data[self.nmain :], pars)

