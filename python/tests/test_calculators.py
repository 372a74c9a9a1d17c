"""hfx.infer.calculators against pyhf's: the asymptotic calculator's test statistic,
p-values and expected p-values, and the distribution objects. The expected numbers
(data/pyhf_calculators.json) were computed with pyhf (numpy backend, scipy optimizer at
tolerance=1e-12) on pyhf's simple two-bin model."""

import json
import pathlib

import numpy as np
import pytest

import hfx

REF = json.loads((pathlib.Path(__file__).parent / "data" / "pyhf_calculators.json").read_text())
CASES = [k for k in REF if k.count("/") == 2]


@pytest.fixture(scope="module")
def model_data():
    m = hfx.simplemodels.uncorrelated_background(signal=[12.0, 11.0], bkg=[50.0, 52.0], bkg_uncertainty=[3.0, 7.0])
    return m, [51, 48] + m.config.auxdata


@pytest.mark.parametrize("case", CASES)
def test_asymptotic_calculator_matches_pyhf(case, model_data):
    ts, mu, base = case.split("/")
    model, data = model_data
    ref = REF[case]
    calc = hfx.infer.calculators.AsymptoticCalculator(data, model, test_stat=ts, calc_base_dist=base)
    with pytest.raises(RuntimeError, match="teststatistic"):
        calc.distributions(float(mu))
    t = calc.teststatistic(float(mu))
    assert float(t) == pytest.approx(ref["teststat"], abs=1e-6)
    assert calc.sqrtqmuA_v == pytest.approx(ref["sqrtqmuA"], rel=1e-6)
    sb, b = calc.distributions(float(mu))
    assert [float(p) for p in calc.pvalues(t, sb, b)] == pytest.approx(ref["pvalues"], rel=1e-5, abs=1e-9)
    expected = calc.expected_pvalues(sb, b)
    assert len(expected) == 3 and all(len(row) == 5 for row in expected)
    assert np.asarray(expected, dtype=float) == pytest.approx(np.asarray(ref["expected"]), rel=1e-5, abs=1e-9)
    fp = calc.fitted_pars
    assert len(fp.free_fit_to_data) == model.config.npars
    assert fp.fixed_poi_fit_to_data[model.config.poi_index] == pytest.approx(float(mu))


def test_hypotest_agrees_with_the_calculator(model_data):
    model, data = model_data
    calc = hfx.infer.calculators.AsymptoticCalculator(data, model)
    t = calc.teststatistic(1.0)
    sb, b = calc.distributions(1.0)
    _, _, cls = calc.pvalues(t, sb, b)
    assert float(hfx.infer.hypotest(1.0, data, model)) == pytest.approx(float(cls), rel=1e-12)


def test_distributions_match_pyhf():
    ref = REF["dist"]
    d = hfx.infer.calculators.AsymptoticTestStatDistribution(-1.5, cutoff=-1.0)
    assert float(d.cdf(0.3)) == pytest.approx(ref["cdf"], rel=1e-12)
    assert float(d.pvalue(0.3)) == pytest.approx(ref["pvalue"][0], rel=1e-12)
    assert np.isnan(d.pvalue(-2.0)) and ref["pvalue"][1] is None  # below the cutoff
    assert list(d.expected_value(np.array([-2, -1, 0, 1, 2]))) == pytest.approx(ref["expected"])
    e = hfx.infer.calculators.EmpiricalDistribution(np.array([0.1, 0.5, 0.5, 1.2, 2.0, 3.5, 0.0, 0.7]))
    assert [float(e.pvalue(v)) for v in [0.5, 0.0, 4.0]] == pytest.approx(REF["empirical"]["pvalue"])
    assert [float(e.expected_value(n)) for n in [-2, -1, 0, 1, 2]] == pytest.approx(REF["empirical"]["expected"])


def test_generate_asimov_data_is_the_expected_data_of_the_conditional_fit(model_data):
    model, data = model_data
    asimov, pars = hfx.infer.calculators.generate_asimov_data(
        0.0, data, model, None, None, None, return_fitted_pars=True
    )
    assert pars[model.config.poi_index] == 0.0
    assert np.asarray(asimov) == pytest.approx(np.asarray(model.expected_data(pars)))


def test_toy_calculator_is_not_in_python_yet(model_data):
    model, data = model_data
    with pytest.raises(hfx.exceptions.Unsupported, match="hfx cls --calctype toybased"):
        hfx.infer.calculators.ToyCalculator(data, model)
