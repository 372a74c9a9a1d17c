"""Signal hypotheses for reinterpretation tools (SModelS-style): a background-only
workspace (full or simplified) plus the signal regions, compiled once; each hypothesis is
a vector of signal yields per signal-region bin, set as fixed parameters of the model
(docs/reinterpretation.md).

    sy = hfx.reinterpret.SignalYields(bkg_only_spec, channels=["SRLM", "SRMM", "SRHM"])
    q, grad = sy.q(signals, mu=1.0, gradient=True)   # signals: (K, sy.nregions)
"""

import copy
import json

import numpy as np

from . import _core, _json
from .diagnostics import _compiled
from .workspace import Workspace, _as_core

__all__ = ["SignalYields", "combine_analyses", "simplify"]

SAMPLE = _core.SIGNAL_YIELDS_SAMPLE



class SignalYields:
    """A background-only workspace with a signal sample ``hfx_signal`` added to each of
    ``channels`` (default: all, in the workspace's order): zero nominal yields, the POI as
    a normfactor and an ``hfx_yields`` modifier whose fixed parameters are the yields.
    ``regions`` lists the (channel, bin) of each entry of a signal vector.
    ``signal_modifiers`` are added to the signal sample too (e.g. the luminosity's
    ``{"name": "lumi", "type": "lumi", "data": None}``); they must not change the
    per-bin shape with the yields (normfactor, lumi, normsys)."""

    def __init__(self, workspace, channels=None, *, poi=None, measurement=None, signal_modifiers=()):
        if isinstance(channels, str):
            channels = [channels]
        core, self.poi, meas, regions, yield_sets = _core.signal_yields_workspace(
            _as_core(workspace, "workspace"), [] if channels is None else [str(c) for c in channels],
            "" if poi is None else str(poi), "" if measurement is None else str(measurement),
            _json.dumps(list(signal_modifiers), "signal_modifiers"))
        self.regions = [tuple(r) for r in regions]
        self.channels = list(dict.fromkeys(c for c, _ in self.regions))
        self.workspace = Workspace._from_core(core)
        self.model = self.workspace.model(measurement_name=meas, poi_name=self.poi)
        self.data = self.workspace.data(self.model)
        self._yield_pars = []
        for name in yield_sets:
            s = self.model.config.par_slice(name)
            self._yield_pars += list(range(s.start, s.stop))
        self.nregions = len(self._yield_pars)

    def _signals(self, signals):
        s = np.asarray(signals, dtype=float)
        single = s.ndim == 1
        s = np.atleast_2d(s)
        if s.ndim != 2 or s.shape[1] != self.nregions:
            raise ValueError(f"signals: expected {self.nregions} yields per hypothesis (one per signal-region bin), "
                             f"got shape {np.asarray(signals).shape}")
        if not np.all(np.isfinite(s)):
            raise ValueError("signals: every yield must be finite")
        return np.ascontiguousarray(s), single

    def _fit_args(self, signal):
        init = np.array(self.model.config.suggested_init(), dtype=float)
        init[self._yield_pars] = signal
        return init.tolist()

    def profile(self, signals, mu=1.0, *, gradient=False, threads=0):
        """For each hypothesis (a row of ``signals``): dict of arrays ``q`` (-2 ln lambda(mu),
        two-sided, mu_hat within the POI's bounds), ``mu_hat``, ``nll_conditional``,
        ``nll_free``, ``status`` and, with ``gradient``, ``gradient`` (K x nregions):
        dq/d(yields) by the envelope theorem. Fits run in parallel in C++."""
        s, _ = self._signals(signals)
        return _core.profile_signal_yields(_compiled(self.model), self.data, self._yield_pars, s, float(mu),
                                           bool(gradient), int(threads))

    def q(self, signals, mu=1.0, *, gradient=False, threads=0):
        """-2 ln lambda(mu) per hypothesis (a float for one vector), and with ``gradient``
        its gradient in the yields; NaN where a fit did not converge."""
        s, single = self._signals(signals)
        r = self.profile(s, mu, gradient=gradient, threads=threads)
        q = r["q"][0] if single else r["q"]
        if not gradient:
            return float(q) if single else q
        g = r["gradient"][0] if single else r["gradient"]
        return (float(q) if single else q), g

    def nll(self, mu, signal):
        """-log L at POI = mu with the nuisance parameters profiled (the conditional fit)."""
        r = self.profile(signal, mu)
        return float(r["nll_conditional"][0])

    def cls(self, signal, mu=1.0, *, test_stat="qtilde", return_expected_set=False):
        """pyhf's asymptotic CLs at POI = mu for one signal vector (hfx.infer.hypotest on the
        compiled model, the yields fixed)."""
        from .infer import hypotest

        s, _ = self._signals(signal)
        return hypotest(float(mu), self.data, self.model, init_pars=self._fit_args(s[0]),
                        fixed_params=self.model.config.suggested_fixed(), test_stat=test_stat,
                        return_expected_set=return_expected_set)

    def workspace_for(self, signal):
        """The workspace with this signal's yields as the signal sample's nominal yields (a
        plain HistFactory workspace pyhf reads, e.g. for upper limits)."""
        s, _ = self._signals(signal)
        spec = copy.deepcopy(dict(self.workspace))
        first = {}
        for k, (c, j) in enumerate(self.regions):
            first.setdefault(c, k)
        for c in spec["channels"]:
            for smp in c["samples"]:
                if smp["name"] == SAMPLE:
                    k = first[c["name"]]
                    smp["data"] = s[0, k:k + len(smp["data"])].tolist()
                    smp["modifiers"] = [m for m in smp["modifiers"] if m["type"] != "hfx_yields"]
        return spec

    def upper_limit(self, signal, level=0.05):
        """Observed and expected upper limits on the POI (hfx.infer.intervals.upper_limit on
        workspace_for(signal), compiled for it)."""
        from .infer.intervals import upper_limit

        ws = Workspace(self.workspace_for(signal))
        model = ws.model(poi_name=self.poi)
        return upper_limit(ws.data(model), model, level=level)


def combine_analyses(workspaces, labels=None, *, poi="mu", correlated=(), measurements=None):
    """The product likelihood of independent analyses with one shared POI (not
    Workspace.combine, pyhf's merge of two workspaces as they are): each analysis'
    channels and modifiers get the prefix ``LABEL_``, except its POI, which becomes
    ``poi``, the modifier names in ``correlated`` and lumi, which stay shared. Each input
    is a full workspace (with its signal). Returns the combined Workspace, with one
    measurement "combined"."""
    workspaces = list(workspaces)
    labels = [f"A{k + 1}" for k in range(len(workspaces))] if labels is None else [str(v) for v in labels]
    if len(labels) != len(workspaces):
        raise ValueError(f"labels: expected {len(workspaces)} labels, got {len(labels)}")
    measurements = [""] * len(workspaces) if measurements is None else ["" if m is None else str(m) for m in measurements]
    cores = [_as_core(w, f"workspaces[{k}]") for k, w in enumerate(workspaces)]
    return Workspace._from_core(_core.combine_analyses(cores, labels, measurements, str(poi), set(map(str, correlated))))


def simplify(workspace, *, form="histfactory", components=0, signal_regions=(), fit_regions="control", samples=0, seed=1,
             measurement=None):
    """A simplified likelihood derived from a full workspace, as ``hfx simplify`` makes it
    (docs/reinterpretation.md). ``form="histfactory"``: every region kept, samples merged by
    their free normalisations, the constrained parameters replaced by the (``components``
    largest, 0: all) principal directions of the merged yields' prior covariance, each a
    per-bin normsys or histosys. ``form="covariance"``: an SLv1 (or with ``samples`` > 0 an SLv2) of
    ``signal_regions`` (default: channels whose name starts with "SR") from a
    background-only fit to the control regions (``fit_regions="all"``: to every region).
    Returns (Workspace, info) with info the report's description of what was built."""
    if form not in ("histfactory", "covariance"):
        raise ValueError(f"form: expected 'histfactory' or 'covariance', got {form!r}")
    if fit_regions not in ("control", "all"):
        raise ValueError(f"fit_regions: expected 'control' or 'all', got {fit_regions!r}")
    if isinstance(signal_regions, (bytes, bytearray)):
        raise TypeError("signal_regions: expected channel names (str), got bytes")
    signal_regions = [signal_regions] if isinstance(signal_regions, str) else list(signal_regions)
    if not all(isinstance(c, str) for c in signal_regions):
        raise TypeError(f"signal_regions: expected channel names (str), got {signal_regions!r}")
    for name, value, top in (("components", components, 10**6), ("samples", samples, 10**7), ("seed", seed, 2**64 - 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not 0 <= value <= top:
            raise ValueError(f"{name}: expected a whole number from 0 to {top}, got {value!r}")
    if samples == 1:
        raise ValueError("samples: moments need at least 2 samples (or 0: none)")
    given = {"histfactory": {"signal_regions": bool(signal_regions), "fit_regions": fit_regions != "control",
                             "samples": samples != 0, "seed": seed != 1},
             "covariance": {"components": components != 0}}[form]
    for name, set_ in given.items():
        if set_:
            raise ValueError(f"{name} applies to form={'covariance' if form == 'histfactory' else 'histfactory'!r}")
    core, info = _core.simplify(_as_core(workspace, "workspace"), str(form), int(components),
                                signal_regions, fit_regions == "all", int(samples), int(seed),
                                "" if measurement is None else str(measurement))
    return Workspace._from_core(core), json.loads(info)
