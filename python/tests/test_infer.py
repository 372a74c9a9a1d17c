"""hfx.infer on every reference workspace against pyhf's numbers, and pyhf's return shapes."""

import numpy as np
import pytest

import hfx
from conftest import GOLDEN, REAL_CASES, REFERENCE, REPO, assert_rel, load_json

_GOLDEN = load_json(GOLDEN / "infer.json")
_CASES = [c for c in _GOLDEN["cases"] if "skipped" not in c]

# pyhf's default SLSQP fits stop at a loose tolerance, so its p-values carry relative
# errors up to a few 1e-4 (most for tiny p-values and for p0 near 0.5, where q0 ~ 0);
# hfx converges fully. Small p-values get an absolute floor.
REL, ABS = 1e-3, 1e-9

# hfx's C++ minimizer stops in a local minimum on this model (its histosys makes the NLL
# non-convex): with the validation settings the free fit ends at twice_nll 30.285 where
# pyhf finds 29.287, and the Asimov fits differ with the default settings too. The Python
# layer passes the C++ result through unchanged; this is a C++ fit issue.


def _close(got, want, what, rel=REL):
    assert abs(float(got) - want) <= rel * abs(want) + ABS, f"{what}: got {float(got)!r}, want {want!r}"


def _model_and_data(case):
    ws = hfx.Workspace(load_json(REPO / case["input"]))
    model = ws.model(measurement_name=case["measurement"], modifier_settings=case["modifier_settings"])
    return model, ws.data(model)


def _id(case):
    return f"{case['case']}-{case['settings']}"


def _params(cases):
    return list(cases)


@pytest.mark.parametrize("case", _params(_CASES), ids=_id)
def test_hypotest_matches_pyhf(case):
    model, data = _model_and_data(case)
    for ts in ("qtilde", "q"):
        ref = case[f"hypotest_{ts}_mu1"]
        obs, tails, band = hfx.infer.hypotest(
            1.0, data, model, test_stat=ts, return_tail_probs=True, return_expected_set=True
        )
        _close(obs, ref["CLs_obs"], f"{ts} CLs_obs")
        _close(tails[0], ref["CLsb"], f"{ts} CLsb")
        _close(tails[1], ref["CLb"], f"{ts} CLb")
        for k in range(5):
            _close(band[k], ref["CLs_exp"][k], f"{ts} CLs_exp[{k}]")
    ref = case["hypotest_q0_mu0"]
    p0, (clb,), p0_band = hfx.infer.hypotest(
        0.0, data, model, test_stat="q0", return_tail_probs=True, return_expected_set=True
    )
    _close(p0, ref["p0_obs"], "p0")
    for k in range(5):
        _close(p0_band[k], ref["p0_exp"][k], f"p0_exp[{k}]")


@pytest.mark.parametrize("case", _params(_CASES), ids=_id)
def test_fits_and_test_statistics_match_pyhf(case):
    model, data = _model_and_data(case)
    cfg = model.config
    args = (data, model, cfg.suggested_init(), cfg.suggested_bounds(), cfg.suggested_fixed())
    bestfit, twice_nll = hfx.infer.mle.fit(data, model, return_fitted_val=True)
    # hfx's minimum is at least as low as pyhf's (SLSQP stops early)
    assert float(twice_nll) <= case["mle_fit"]["twice_nll"] + 1e-6
    assert float(twice_nll) == pytest.approx(case["mle_fit"]["twice_nll"], rel=1e-5, abs=1e-5)
    fixed, twice_nll_fixed = hfx.infer.mle.fixed_poi_fit(1.0, data, model, return_fitted_val=True)
    assert fixed[cfg.poi_index] == 1.0
    assert float(twice_nll_fixed) <= case["fixed_poi_fit_mu1"]["twice_nll"] + 1e-6
    ts = hfx.infer.test_statistics
    for fn, key in [(ts.qmu_tilde, "qmu_tilde_mu1"), (ts.qmu, "qmu_mu1"), (ts.tmu, "tmu_mu1"), (ts.tmu_tilde, "tmu_tilde_mu1")]:
        assert float(fn(1.0, *args)) == pytest.approx(case[key], rel=1e-4, abs=1e-5), key
    assert float(ts.q0(0.0, *args)) == pytest.approx(case["q0_mu0"], rel=1e-4, abs=1e-5)


@pytest.mark.parametrize("case", [c for c in REAL_CASES if c != "3L-eRJR"])
def test_real_case_cls_matches_reference(case):
    # 3L-eRJR is excluded: pyhf's fit there does not converge and its CLs is wrong.
    ref = load_json(REFERENCE / case / "reference.json")
    ws = hfx.Workspace(load_json(REFERENCE / case / "workspace.json"))
    model = ws.model()
    cls_obs, cls_exp = hfx.infer.hypotest(1.0, ws.data(model), model, return_expected_set=True)
    _close(cls_obs, ref["hypotest_mu1"]["CLs_obs"], "CLs_obs", rel=1e-4)
    for k in range(5):
        _close(cls_exp[k], ref["hypotest_mu1"]["CLs_exp_band"][k], f"CLs_exp[{k}]")


def test_3l_erjr_fit_finds_the_true_minimum():
    ws = hfx.Workspace(load_json(REFERENCE / "3L-eRJR" / "workspace.json"))
    model = ws.model()
    _, twice_nll = hfx.infer.mle.fit(ws.data(model), model, return_fitted_val=True)
    assert float(twice_nll) <= 272.30  # iminuit's minimum; pyhf's SLSQP stays at 319.33


def test_hypotest_return_shapes_follow_pyhf():
    model = hfx.simplemodels.uncorrelated_background([12, 11], [50, 52], [3, 7])
    data = [51, 48] + model.config.auxdata
    cls = hfx.infer.hypotest(1.0, data, model)
    assert isinstance(cls, np.ndarray) and cls.shape == ()
    cls2, exp = hfx.infer.hypotest(1.0, data, model, return_expected=True)
    assert exp.shape == () and float(cls2) == float(cls)
    r = hfx.infer.hypotest(1.0, data, model, return_tail_probs=True, return_expected=True, return_expected_set=True)
    assert len(r) == 4 and len(r[1]) == 2 and r[2].shape == () and len(r[3]) == 5
    assert float(r[2]) == float(r[3][2])
    assert float(r[0]) == pytest.approx(float(r[1][0]) / float(r[1][1]), rel=1e-12)
    r = hfx.infer.hypotest(0.0, data, model, test_stat="q0", return_tail_probs=True)
    assert len(r) == 2 and len(r[1]) == 1


def test_fit_options_follow_pyhf():
    model = hfx.simplemodels.uncorrelated_background([12, 11], [50, 52], [3, 7])
    data = [51, 48] + model.config.auxdata
    x = hfx.infer.mle.fit(data, model)
    assert x.shape == (3,)
    xu, corr, fval, res = hfx.infer.mle.fit(
        data, model, return_uncertainties=True, return_correlations=True, return_fitted_val=True, return_result_obj=True
    )
    assert xu.shape == (3, 2) and corr.shape == (3, 3) and fval.shape == ()
    np.testing.assert_allclose(np.diag(corr), 1.0, rtol=1e-8)
    assert np.all(xu[:, 1] > 0) and res.success
    fixed = model.config.suggested_fixed()
    fixed[1] = True
    init = model.config.suggested_init()
    init[1] = 1.2
    x = hfx.infer.mle.fit(data, model, init_pars=init, fixed_params=fixed)
    assert x[1] == 1.2
    stat, (fixed_pars, free_pars) = hfx.infer.test_statistics.qmu_tilde(
        1.0, data, model, model.config.suggested_init(), model.config.suggested_bounds(),
        model.config.suggested_fixed(), return_fitted_pars=True,
    )
    assert fixed_pars[model.config.poi_index] == 1.0 and stat.shape == ()


def test_failed_fit_raises_failed_minimization():
    model = hfx.simplemodels.uncorrelated_background([12, 11], [50, 52], [3, 7])
    data = [51, 48] + model.config.auxdata
    bounds = model.config.suggested_bounds()
    bounds[0] = (0.0, 10.0)
    # a bound that excludes every positive rate: the NLL is not finite anywhere
    bounds[1] = (-2.0, -1.0)
    with pytest.raises(hfx.exceptions.FailedMinimization):
        hfx.infer.mle.fit(data, model, par_bounds=bounds, init_pars=[1.0, -1.5, 1.0])


def test_upper_limit_matches_pyhf():
    model = hfx.simplemodels.uncorrelated_background([12, 11], [50, 52], [3, 7])
    data = [51, 48] + model.config.auxdata
    obs, exp = hfx.infer.intervals.upper_limits.upper_limit(data, model)
    assert obs.shape == () and len(exp) == 5
    # pyhf 0.7.6 (toms748, default SLSQP): 1.01156939, [0.55988001 .. 2.05078782]
    assert float(obs) == pytest.approx(1.01156939, rel=2e-5)
    np.testing.assert_allclose(exp, [0.55988001, 0.75702336, 1.06234693, 1.50116924, 2.05078782], rtol=2e-5)
    # every hypotest at the limits sits at CLs = 0.05
    assert float(hfx.infer.hypotest(float(obs), data, model)) == pytest.approx(0.05, rel=1e-5)
    obs_s, exp_s, (scan, results) = hfx.infer.intervals.upper_limits.upper_limit(
        data, model, scan=np.linspace(0, 5, 21), return_results=True
    )
    assert len(results) == 21 and len(results[0][1]) == 5
    assert float(obs_s) == pytest.approx(float(obs), rel=2e-2)


def test_real_case_upper_limit():
    case = "1Lbb-simplified"
    ref = load_json(REFERENCE / case / "reference.json")["upper_limit_toms748"]
    ws = hfx.Workspace(load_json(REFERENCE / case / "workspace.json"))
    model = ws.model()
    obs, exp = hfx.infer.intervals.upper_limits.upper_limit(ws.data(model), model)
    assert float(obs) == pytest.approx(ref["obs"], rel=1e-3)
    np.testing.assert_allclose(exp, ref["exp_band"], rtol=1e-3)


def test_hypotests_in_threads_agree_with_serial():
    # fits and hypotests release the GIL; a model may be shared between threads
    from concurrent.futures import ThreadPoolExecutor

    ws = hfx.Workspace(load_json(REFERENCE / "1Lbb-simplified" / "workspace.json"))
    model = ws.model()
    data = ws.data(model)
    mus = [0.5, 1.0, 1.5, 2.0]
    serial = [float(hfx.infer.hypotest(mu, data, model)) for mu in mus]
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = [float(v) for v in pool.map(lambda mu: hfx.infer.hypotest(mu, data, model), mus)]
    assert threaded == serial


def test_upper_limit_above_the_poi_bound_is_refused():
    # Data far above the background with the POI bounded at 10: CLs stays above 0.05 up
    # to the bound, so there is no limit (pyhf's bracketed root finding refuses too).
    spec = {
        "channels": [{"name": "c", "samples": [
            {"name": "s", "data": [5.0, 3.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
            {"name": "b", "data": [50.0, 30.0], "modifiers": []}]}],
        "observations": [{"name": "c", "data": [500.0, 300.0]}],
        "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": [{"name": "mu", "bounds": [[0, 10]]}]}}],
        "version": "1.0.0",
    }
    ws = hfx.Workspace(spec)
    model = ws.model()
    with pytest.raises(ValueError, match="above the POI's upper bound 10"):
        hfx.infer.intervals.upper_limits.upper_limit(ws.data(model), model)


def test_hypotest_of_a_fixed_poi_raises_invalid_model():
    model = hfx.simplemodels.uncorrelated_background([12, 11], [50, 52], [3, 7])
    data = [51, 48] + model.config.auxdata
    fixed = model.config.suggested_fixed()
    fixed[model.config.poi_index] = True
    with pytest.raises(hfx.exceptions.InvalidModel, match="the POI 'mu' is fixed"):
        hfx.infer.hypotest(1.0, data, model, fixed_params=fixed)


def test_toms748_scan_finds_the_level_crossings():
    model = hfx.simplemodels.uncorrelated_background([12.0, 11.0], [50.0, 52.0], [3.0, 7.0])
    data = [51, 48] + model.config.auxdata
    upper_limits = hfx.infer.intervals.upper_limits
    obs, exp = upper_limits.toms748_scan(data, model, 0, 5, rtol=1e-8)
    assert float(hfx.infer.hypotest(obs, data, model)) == pytest.approx(0.05, rel=1e-6)
    for i in range(5):
        band = hfx.infer.hypotest(exp[i], data, model, return_expected_set=True)[1]
        assert float(band[i]) == pytest.approx(0.05, rel=1e-6)
    # the roots do not depend on the starting bracket
    obs2, exp2 = upper_limits.toms748_scan(data, model, 3, 5, rtol=1e-8)
    assert float(obs2) == pytest.approx(float(obs), rel=1e-7)
    assert np.allclose(exp2, exp, rtol=1e-7)
    obs3, exp3, (mus, results) = upper_limits.toms748_scan(data, model, 0, 1, rtol=1e-4, from_upper_limit_fn=True)
    assert float(obs3) == pytest.approx(float(obs), rel=1e-3) and len(mus) == len(results) > 0
    for bad in ((5, 0), (1, 1), (0, float("inf"))):
        with pytest.raises(ValueError, match="bounds_low"):
            upper_limits.toms748_scan(data, model, *bad)
    with pytest.raises(ValueError, match="atol"):
        upper_limits.toms748_scan(data, model, 0, 5, atol=-1)


def _small():
    model = hfx.simplemodels.uncorrelated_background([6.0], [9.0], [3.0])
    return model, [9.0] + model.config.auxdata


@pytest.mark.parametrize(
    ("name", "poi_low", "warned"),
    [
        ("qmu", 0.0, "qmu test statistic used for fit configuration with POI bounded at zero"),
        ("tmu", 0.0, "tmu test statistic used for fit configuration with POI bounded at zero"),
        ("qmu", -5.0, None),
        ("qmu_tilde", -5.0, "qmu_tilde test statistic used for fit configuration with POI not bounded at zero"),
        ("tmu_tilde", -5.0, "tmu_tilde test statistic used for fit configuration with POI not bounded at zero"),
        ("qmu_tilde", 0.0, None),
    ],
)
def test_test_statistics_warn_about_the_poi_bound_they_are_not_made_for(caplog, name, poi_low, warned):
    model, data = _small()
    bounds = model.config.suggested_bounds()
    bounds[model.config.poi_index] = [poi_low, 10.0]
    with caplog.at_level("WARNING", "hfx.infer.test_statistics"):
        getattr(hfx.infer.test_statistics, name)(1.0, data, model, None, bounds, None)
    if warned:
        assert warned in caplog.text
    else:
        assert caplog.text == ""


def test_q0_warns_unless_mu_is_zero(caplog):
    model, data = _small()
    args = (data, model, None, None, None)
    with caplog.at_level("WARNING", "hfx.infer.test_statistics"):
        hfx.infer.test_statistics.q0(0.0, *args)
        assert caplog.text == ""
        hfx.infer.test_statistics.q0(1.0, *args)
        assert "q0 test statistic only used for fit configuration with POI set to zero" in caplog.text


def test_infer_utils_names():
    assert hfx.infer.utils.get_test_stat("q") is hfx.infer.test_statistics.qmu
    assert hfx.infer.utils.get_test_stat("qtilde") is hfx.infer.test_statistics.qmu_tilde
    assert hfx.infer.utils.get_test_stat("q0") is hfx.infer.test_statistics.q0
    with pytest.raises(hfx.exceptions.InvalidTestStatistic):
        hfx.infer.utils.get_test_stat("q1")
    model, data = _small()
    calc = hfx.infer.utils.create_calculator("asymptotics", data, model, test_stat="qtilde")
    assert isinstance(calc, hfx.infer.calculators.AsymptoticCalculator)
    calc = hfx.infer.utils.create_calculator("toybased", data, model, ntoys=10)
    assert isinstance(calc, hfx.infer.calculators.ToyCalculator)
    with pytest.raises(ValueError, match="calctype"):
        hfx.infer.utils.create_calculator("bayesian", data, model)
    fixed = model.config.suggested_fixed()
    assert hfx.infer.utils.all_pois_floating(model, fixed)
    fixed[model.config.poi_index] = True
    assert not hfx.infer.utils.all_pois_floating(model, fixed)


@pytest.mark.parametrize("poi_test", [-1.0, 10.1])
def test_hypotest_outside_the_poi_bounds_is_a_value_error(poi_test):
    model = hfx.simplemodels.uncorrelated_background([12.0, 11.0], [50.0, 52.0], [3.0, 7.0])
    data = [51.0, 48.0] + model.config.auxdata
    with pytest.raises(ValueError, match=r"lies outside of its bounds \[0.0, 10.0\]"):
        hfx.infer.hypotest(poi_test, data, model)
    bounds = model.config.suggested_bounds()
    bounds[model.config.poi_index] = [-5.0, 20.0]
    assert np.isfinite(hfx.infer.hypotest(poi_test, data, model, par_bounds=bounds, test_stat="q"))


def test_a_free_fit_on_the_tested_value_gives_exactly_zero():
    # the Asimov data of mu = 0 fit with mu bounded at 0: both fits solve one problem, and
    # their rounding difference must not reach sqrt(q) (pyhf issue 1992)
    model = hfx.simplemodels.uncorrelated_background([1.0], [1.0], [1.0])
    data = [2.0] + model.config.auxdata
    assert float(hfx.infer.test_statistics.qmu_tilde(0.0, data, model, None, None, None)) == 0.0
    calc = hfx.infer.calculators.AsymptoticCalculator(data, model, test_stat="qtilde")
    assert float(calc.teststatistic(0.0)) == 0.0
