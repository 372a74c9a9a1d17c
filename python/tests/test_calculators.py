"""hfx.infer.calculators against pyhf's: the asymptotic calculator's test statistic,
p-values and expected p-values, and the distribution objects. The expected numbers
(data/pyhf_calculators.json) were computed with pyhf (numpy backend, scipy optimizer at
tolerance=1e-12) on pyhf's simple two-bin model."""

import json
import os
import pathlib
import subprocess

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


def _seed_after(k):
    """The seed hfx's toy calculator draws after numpy.random.seed(k)."""
    np.random.seed(k)
    return int(np.random.randint(0, 2**63 - 1, dtype=np.int64))


def _cli():
    path = pathlib.Path(os.environ.get("HFX_CLI", pathlib.Path(__file__).parents[2] / "build" / "release" / "cli" / "hfx"))
    if not path.exists():
        pytest.skip(f"no hfx CLI at {path} (build it, or set HFX_CLI)")
    return path


@pytest.mark.parametrize("ts", ["qtilde", "q"])
def test_toy_hypotest_is_the_cli_toy_run_with_the_same_seed(ts, model_data, tmp_path):
    """Python's toys are `hfx cls --calctype toybased`'s: same seed, same numbers."""
    model, data = model_data
    mu = 1.0
    np.random.seed(7)
    cls, tails, band = hfx.infer.hypotest(
        mu, data, model, calctype="toybased", ntoys=300, test_stat=ts, return_tail_probs=True, return_expected_set=True
    )
    ws = tmp_path / "ws.json"
    ws.write_text(json.dumps(hfx.Workspace.build(model, [51, 48])))
    out = subprocess.run(
        [str(_cli()), "cls", str(ws), "--calctype", "toybased", "--ntoys", "300", "--seed", str(_seed_after(7)),
         "--test-poi", str(mu), "--teststat", ts],
        capture_output=True, text=True, check=True,
    )
    cli = json.loads(out.stdout)
    assert float(cls) == cli["CLs_obs"]
    assert [float(v) for v in band] == cli["CLs_exp"]


def test_toy_calculator_objects(model_data):
    model, data = model_data
    np.random.seed(3)
    calc = hfx.infer.calculators.ToyCalculator(data, model, ntoys=400, track_progress=False)
    sb, b = calc.distributions(1.0)
    assert isinstance(sb, hfx.infer.calculators.EmpiricalDistribution)
    assert sb.samples.size == b.samples.size == 400  # every toy fit converges on this model
    ts = calc.teststatistic(1.0)
    clsb, clb, cls = calc.pvalues(ts, sb, b)
    # the same toys through hypotest (same seed drawn): the C++ p-values and band
    np.random.seed(3)
    cls2, tails, band = hfx.infer.hypotest(
        1.0, data, model, calctype="toybased", ntoys=400, return_tail_probs=True, return_expected_set=True
    )
    assert float(cls) == pytest.approx(float(cls2), rel=1e-12)
    assert [float(clsb), float(clb)] == pytest.approx([float(v) for v in tails], rel=1e-12)
    # expected_pvalues in numpy (percentiles of the p-values at every b-only toy)
    # against the C++ band
    exp = calc.expected_pvalues(sb, b)
    assert [float(v) for v in exp[2]] == pytest.approx([float(v) for v in band], rel=1e-9, abs=1e-12)
    # repeatable under numpy's seed, different without it
    np.random.seed(3)
    again = hfx.infer.hypotest(1.0, data, model, calctype="toybased", ntoys=400)
    assert float(again) == float(cls2)
    np.random.seed(4)
    other = hfx.infer.calculators.ToyCalculator(data, model, ntoys=400).distributions(1.0)[0]
    assert not np.array_equal(other.samples, sb.samples)


@pytest.mark.parametrize("calctype", ["asymptotics", "toybased"])
def test_hypotest_returns_its_calculator(calctype, model_data):
    model, data = model_data
    kind = {"asymptotics": hfx.infer.calculators.AsymptoticCalculator,
            "toybased": hfx.infer.calculators.ToyCalculator}[calctype]
    extra = {"ntoys": 50} if calctype == "toybased" else {}
    r = hfx.infer.hypotest(1.0, data, model, calctype=calctype, return_calculator=True, **extra)
    assert len(r) == 2 and isinstance(r[1], kind)
    r = hfx.infer.hypotest(1.0, data, model, calctype=calctype, return_calculator=True, return_expected_set=True, **extra)
    assert len(r) == 3 and len(r[1]) == 5 and isinstance(r[2], kind)


def test_bad_toy_options(model_data):
    model, data = model_data
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ValueError, match="ntoys"):
            hfx.infer.calculators.ToyCalculator(data, model, ntoys=bad)
    with pytest.raises(ValueError, match="calctype"):
        hfx.infer.hypotest(1.0, data, model, calctype="bootstrap")


