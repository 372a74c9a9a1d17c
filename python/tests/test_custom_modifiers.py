"""Custom modifier kinds (pyhf's modifier_set with builder/applicator classes): checked
against the compiled kinds they imitate."""

import numpy as np
import pytest

import hfx


def _scale_kind(paramset):
    """A custom kind that multiplies the samples it is on by its parameter's value
    (``shape(alpha)`` maps the parameter to the factor), requiring ``paramset``."""

    class builder:
        is_shared = True

        def __init__(self, config):
            self.config = config
            self.required_parsets = {}
            self.builder_data = {}

        def append(self, key, channel, sample, thismod, defined_samp):
            nbins = self.config.channel_nbins[channel]
            self.builder_data.setdefault(key, {}).setdefault(sample, []).extend([thismod is not None] * nbins)
            if thismod:
                self.required_parsets.setdefault(thismod["name"], [dict(paramset)])

        def finalize(self):
            return self.builder_data

    class applicator:
        op_code = "multiplication"

        def __init__(self, modifiers=None, pdfconfig=None, builder_data=None, batch_size=None):
            self.names = [name for name, _ in modifiers]
            self.config = pdfconfig
            self.masks = np.array([[builder_data[f"{kind}/{name}"][s] for s in pdfconfig.samples] for name, kind in modifiers])

        def apply(self, pars):
            values = np.array([paramset["shape"](pars[self.config.par_slice(n)][0]) for n in self.names])
            return np.where(self.masks, values[:, None, None], 1.0)[:, :, None, :]

    return builder, applicator


_FREE = {"paramset_type": "unconstrained", "n_parameters": 1, "inits": (1.0,), "bounds": ((0.0, 10.0),), "fixed": False,
         "shape": lambda v: v}
# 1 + 0.1 alpha with a unit Gaussian constraint: a normsys of hi 1.1, lo 0.9 with linear interpolation (code0)
_GAUSS = {"paramset_type": "constrained_by_normal", "n_parameters": 1, "inits": (0.0,), "bounds": ((-5.0, 5.0),),
          "fixed": False, "auxdata": (0.0,), "sigmas": (1.0,), "shape": lambda a: 1.0 + 0.1 * a}


def _spec(signal_mod, syst_mod):
    return {
        "channels": [
            {
                "name": "SR",
                "samples": [
                    {"name": "sig", "data": [12.0, 11.0], "modifiers": [signal_mod]},
                    {"name": "bkg", "data": [50.0, 52.0], "modifiers": [
                        {"name": "u", "type": "shapesys", "data": [3.0, 7.0]}, syst_mod]},
                ],
            },
            {"name": "CR", "samples": [{"name": "bkg", "data": [100.0], "modifiers": [syst_mod]}]},
        ]
    }


def _pair():
    """(compiled model, the same model with custom kinds for mu and the systematic)."""
    compiled = hfx.Model(
        _spec({"name": "mu", "type": "normfactor", "data": None}, {"name": "syst", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}),
        poi_name="mu",
        modifier_settings={"normsys": {"interpcode": "code0"}, "histosys": {"interpcode": "code0"}},
    )
    modifier_set = {"scale": _scale_kind(_FREE), "gscale": _scale_kind(_GAUSS), **hfx.modifiers.histfactory_set}
    custom = hfx.Model(
        _spec({"name": "mu", "type": "scale", "data": None}, {"name": "syst", "type": "gscale", "data": None}),
        modifier_set=modifier_set,
        poi_name="mu",
    )
    return compiled, custom


def _in_order_of(model, other, pars):
    """pars of `other` rearranged into `model`'s parameter order."""
    out = np.zeros(model.config.npars)
    for name in other.config.par_order:
        out[model.config.par_slice(name)] = np.asarray(pars)[other.config.par_slice(name)]
    return out


def _by_paramset(model, aux):
    """{paramset: its auxdata values}, cut from auxdata in the model's auxdata_order."""
    out, k = {}, 0
    for name in model.config.auxdata_order:
        n = model.config.param_set(name).n_parameters
        out[name] = [round(float(v), 12) for v in aux[k : k + n]]
        k += n
    assert k == len(aux)
    return out


def test_custom_kinds_reproduce_the_compiled_likelihood():
    compiled, custom = _pair()
    assert sorted(custom.config.parameters) == sorted(compiled.config.parameters)
    assert custom.config.poi_name == "mu" and custom.config.param_set("syst").constrained
    assert _by_paramset(custom, custom.config.auxdata) == _by_paramset(compiled, compiled.config.auxdata)
    data = [51.0, 48.0, 104.0]
    rng = np.random.default_rng(1)
    for _ in range(5):
        p = np.array(custom.config.suggested_init()) + rng.normal(0, 0.1, custom.config.npars)
        q = _in_order_of(compiled, custom, p)
        np.testing.assert_allclose(custom.expected_actualdata(p), compiled.expected_actualdata(q), rtol=1e-14)
        full_c = data + custom.config.auxdata
        full_r = data + compiled.config.auxdata
        assert _by_paramset(custom, custom.expected_auxdata(p)) == _by_paramset(compiled, compiled.expected_auxdata(q))
        assert custom.logpdf(p, full_c)[0] == pytest.approx(compiled.logpdf(q, full_r)[0], rel=1e-13)
        by_sample = custom.main_model.expected_data(p, return_by_sample=True)
        np.testing.assert_allclose(by_sample, compiled.main_model.expected_data(q, return_by_sample=True), rtol=1e-14)


def test_fits_and_hypotests_of_custom_kinds_agree_with_the_compiled_ones():
    compiled, custom = _pair()
    data = [51.0, 48.0, 104.0]
    dc, dr = data + custom.config.auxdata, data + compiled.config.auxdata
    x, twice_nll = hfx.infer.mle.fit(dc, custom, return_fitted_val=True)
    xr, twice_nll_r = hfx.infer.mle.fit(dr, compiled, return_fitted_val=True)
    np.testing.assert_allclose(_in_order_of(compiled, custom, x), xr, atol=2e-5)
    assert float(twice_nll) == pytest.approx(float(twice_nll_r), abs=1e-8)
    unc = hfx.infer.mle.fit(dc, custom, return_uncertainties=True)[:, 1]
    unc_r = hfx.infer.mle.fit(dr, compiled, return_uncertainties=True)[:, 1]
    np.testing.assert_allclose(_in_order_of(compiled, custom, unc), unc_r, rtol=1e-3)
    for test_stat in ("qtilde", "q", "q0"):
        mu = 0.0 if test_stat == "q0" else 1.0
        got = hfx.infer.hypotest(mu, dc, custom, test_stat=test_stat, return_expected_set=True)
        want = hfx.infer.hypotest(mu, dr, compiled, test_stat=test_stat, return_expected_set=True)
        assert float(got[0]) == pytest.approx(float(want[0]), rel=1e-5)
        np.testing.assert_allclose(np.array(got[1], dtype=float), np.array(want[1], dtype=float), rtol=1e-5)
    scan = np.linspace(0.5, 3.0, 6)
    obs, exp = hfx.infer.intervals.upper_limits.upper_limit(dc, custom, scan=scan)
    obs_r, exp_r = hfx.infer.intervals.upper_limits.upper_limit(dr, compiled, scan=scan)
    assert float(obs) == pytest.approx(float(obs_r), rel=1e-5)
    value = hfx.infer.test_statistics.qmu_tilde(1.5, dc, custom, None, None, None)
    assert float(value) == pytest.approx(float(hfx.infer.test_statistics.qmu_tilde(1.5, dr, compiled, None, None, None)), rel=1e-5)


def test_pyhfs_protocol_builds_without_applying():
    class builder:
        is_shared = True

        def __init__(self, config):
            self.required_parsets = {"k1": [{"paramset_type": "unconstrained", "n_parameters": 1, "is_constrained": False,
                                             "inits": (1.0,), "bounds": ((-5, 5),), "fixed": False}]}

        def append(self, key, channel, sample, thismod, defined_samp):
            pass

        def finalize(self):
            return {}

    class applicator:
        op_code = "multiplication"

        def __init__(self, modifiers=None, pdfconfig=None, builder_data=None, batch_size=None):
            pass

        def apply(self, pars):
            raise NotImplementedError

    spec = {"channels": [{"name": "c", "samples": [
        {"name": "signal", "data": [10.0] * 20, "modifiers": [{"name": "m", "type": "customfunc", "data": None}]},
        {"name": "background", "data": [300.0] * 20, "modifiers": []}]}]}
    modifier_set = {"customfunc": (builder, applicator), **hfx.modifiers.histfactory_set}
    model = hfx.Model(spec, modifier_set=modifier_set, poi_name="k1", validate=False)
    assert model.config.parameters == ["k1"] and model.config.poi_index == 0
    with pytest.raises(hfx.exceptions.InvalidModel, match="nosuch"):
        hfx.Model(spec, modifier_set=modifier_set, poi_name="nosuch")
    with pytest.raises(hfx.exceptions.InvalidModifier, match="customfunc"):
        hfx.Model(spec, modifier_set=dict(hfx.modifiers.histfactory_set))
    with pytest.raises(hfx.exceptions.InvalidModifier, match="customfunc"):
        hfx.Model(spec)


def test_what_custom_kinds_cannot_do_is_refused():
    compiled, custom = _pair()
    data = [51.0, 48.0, 104.0] + custom.config.auxdata
    with pytest.raises(hfx.exceptions.Unsupported, match="scan"):
        hfx.infer.intervals.upper_limits.upper_limit(data, custom)
    with pytest.raises(hfx.exceptions.Unsupported, match="toys"):
        hfx.infer.hypotest(1.0, data, custom, calctype="toybased", ntoys=10)
    with pytest.raises(hfx.exceptions.Unsupported, match="gradient"):
        custom.logpdf_and_grad(custom.config.suggested_init(), data)
    with pytest.raises(hfx.exceptions.InvalidPdfData, match="auxdata: expected 3"):
        custom.constraint_logpdf(custom.config.auxdata[:2], custom.config.suggested_init())
    fixed = custom.config.suggested_fixed()
    fixed[custom.config.poi_index] = True
    with pytest.raises(hfx.exceptions.InvalidModel, match="fixed"):
        hfx.infer.hypotest(1.0, data, custom, fixed_params=fixed)
    broken = _spec({"name": "mu", "type": "scale", "data": None}, {"name": "syst", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}})
    del broken["channels"][0]["samples"][1]["modifiers"][1]["name"]  # the systematic, on both channels
    with pytest.raises(hfx.exceptions.InvalidSpecification, match="/channels/0/samples/1/modifiers/1/name"):
        hfx.Model(broken, modifier_set={"scale": _scale_kind(_FREE), **hfx.modifiers.histfactory_set})
    builder, applicator = _scale_kind(_FREE)
    applicator.op_code = "addition"
    spec = _spec({"name": "mu", "type": "add", "data": None}, {"name": "syst", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}})
    with pytest.raises(hfx.exceptions.Unsupported, match="multiplicative"):
        hfx.Model(spec, modifier_set={"add": (builder, applicator), **hfx.modifiers.histfactory_set}, poi_name="mu")
    shared = _spec({"name": "u", "type": "scale", "data": None}, {"name": "syst", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}})
    with pytest.raises(hfx.exceptions.Unsupported, match="share"):
        hfx.Model(shared, modifier_set={"scale": _scale_kind(_FREE), **hfx.modifiers.histfactory_set})
    with pytest.raises(hfx.exceptions.Unsupported, match="compiled"):
        hfx.Model(shared, modifier_set={"normsys": _scale_kind(_FREE)})
