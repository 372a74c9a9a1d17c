"""hfx.probability (pyhf.probability's interface) against scipy.stats and the model's
own likelihood."""

import numpy as np
import pytest
from scipy import stats

import hfx
from hfx import probability


def test_poisson_log_prob_is_scipys_and_broadcasts():
    rates = np.array([10.0, 3.5])
    counts = np.array([2.0, 7.0])
    got = probability.Poisson(rates).log_prob(counts)
    assert got == pytest.approx(stats.poisson.logpmf(counts, rates), rel=1e-13)
    assert probability.Poisson([10.0]).log_prob(2.0).shape == (1,)
    assert probability.Poisson(rates).log_prob(2.0).shape == (2,)
    assert probability.Poisson(rates).log_prob([[2.0, 3.0]]).shape == (1, 2)
    # n = 0 at rate 0 is certain
    assert probability.Poisson([0.0]).log_prob([0.0])[0] == 0.0
    # real-valued counts continue through the gamma function
    assert probability.Poisson([4.0]).log_prob([2.5])[0] == pytest.approx(
        2.5 * np.log(4.0) - 4.0 - np.log(3.323350970447843), rel=1e-12
    )


def test_normal_log_prob_is_scipys():
    loc, scale = np.array([10.0, -1.0]), np.array([2.0, 0.5])
    x = np.array([9.0, 0.3])
    assert probability.Normal(loc, scale).log_prob(x) == pytest.approx(stats.norm.logpdf(x, loc, scale), rel=1e-13)
    assert probability.Normal([10.0], [1.0]).log_prob(2.0).shape == (1,)
    assert probability.Normal(loc, scale).log_prob([[2.0, 3.0]]).shape == (1, 2)


def test_samples_follow_numpys_generator_and_the_distribution():
    np.random.seed(11)
    s = probability.Poisson([10.0, 200.0]).sample((4000,))
    assert s.shape == (4000, 2)
    assert s.mean(axis=0) == pytest.approx([10.0, 200.0], rel=0.02)
    np.random.seed(11)
    assert np.array_equal(probability.Poisson([10.0, 200.0]).sample((4000,)), s)
    n = probability.Normal([1.0, -3.0], [0.5, 2.0]).sample((4000,))
    assert n.shape == (4000, 2)
    assert n.std(axis=0) == pytest.approx([0.5, 2.0], rel=0.05)


def test_independent_and_simultaneous_sum_their_pieces():
    p1 = probability.Poisson([10.0]).log_prob(2.0)
    p2 = probability.Poisson([10.0]).log_prob(3.0)
    joint = probability.Simultaneous._joint_logpdf([p1, p2])
    assert joint == pytest.approx(p1 + p2, rel=1e-15)
    ind = probability.Independent(probability.Poisson([10.0, 10.0])).log_prob([2.0, 3.0])
    assert float(ind) == pytest.approx(float(joint[0]), rel=1e-15)
    sim = probability.Simultaneous([1, 2, 3], None)
    assert list(sim) == [1, 2, 3] and sim[1] == 2 and len(sim) == 3
    with pytest.raises(ValueError, match="tensorviewer"):
        sim.expected_data()


class _Halves:
    """A tensorviewer for a dataset of main bins followed by auxdata."""

    def __init__(self, nmain):
        self.nmain = nmain

    def split(self, data):
        data = np.asarray(data, dtype=float)
        return [data[..., : self.nmain], data[..., self.nmain :]]

    def stitch(self, pieces):
        return np.concatenate([np.asarray(p, dtype=float) for p in pieces], axis=-1)


def test_a_hand_written_likelihood_equals_the_models():
    """shapesys model: Poisson main bins times Poisson constraints (rate gamma * tau),
    written with hfx.probability, equals hfx's compiled logpdf."""
    model = hfx.simplemodels.uncorrelated_background([12.0, 11.0], [50.0, 52.0], [3.0, 7.0])
    pars = np.array([1.3, 0.97, 1.08])  # mu, gamma_1, gamma_2 (pyhf's order)
    data = np.array([51.0, 48.0] + list(model.config.auxdata))
    tau = np.asarray(model.config.auxdata)
    main = probability.Independent(probability.Poisson(model.expected_data(pars, include_auxdata=False)))
    aux = probability.Independent(probability.Poisson(pars[1:] * tau))
    sim = probability.Simultaneous([main, aux], _Halves(2))
    assert float(sim.log_prob(data)) == pytest.approx(float(model.logpdf(pars, data)[0]), rel=1e-12)
    assert sim.expected_data() == pytest.approx(np.asarray(model.expected_data(pars)), rel=1e-12)


def test_make_pdf_is_the_models_likelihood():
    """Model.make_pdf: the same log-likelihood as model.logpdf (normal and Poisson
    constraints), samples shaped like the data, and main_model / constraint_model."""
    spec = {
        "channels": [
            {
                "name": "sr",
                "samples": [
                    {"name": "signal", "data": [5.0, 8.0],
                     "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
                    {"name": "bkg", "data": [50.0, 40.0],
                     "modifiers": [{"name": "stat", "type": "staterror", "data": [3.0, 4.0]},
                                   {"name": "syst", "type": "normsys", "data": {"hi": 1.1, "lo": 0.92}},
                                   {"name": "shape", "type": "shapesys", "data": [5.0, 2.0]}]},
                ],
            }
        ]
    }
    model = hfx.Model(spec, poi_name="mu")
    pars = np.asarray(model.config.suggested_init(), dtype=float) + 0.03
    data = np.asarray(model.expected_data(model.config.suggested_init()), dtype=float) + 0.5
    pdf = model.make_pdf(pars)
    assert float(pdf.log_prob(data)) == pytest.approx(float(model.logpdf(pars, data)[0]), rel=1e-12)
    assert pdf.expected_data() == pytest.approx(np.asarray(model.expected_data(pars)), rel=1e-12)
    np.random.seed(5)
    toys = pdf.sample((200,))
    assert toys.shape == (200, model.config.nmaindata + model.config.nauxdata)
    assert pdf.log_prob(toys).shape == (200,)
    by_sample = model.main_model.expected_data(pars, return_by_sample=True)
    assert by_sample.shape == (2, 2)
    assert by_sample.sum(axis=0) == pytest.approx(np.asarray(model.main_model.expected_data(pars)), rel=1e-12)
    assert model.constraint_model.expected_data(pars) == pytest.approx(np.asarray(model.expected_auxdata(pars)))
    aux = data[model.config.nmaindata:]
    assert model.constraint_model.logpdf(aux, pars) == pytest.approx(model.constraint_logpdf(aux, pars), rel=1e-15)
