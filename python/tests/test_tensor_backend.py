"""hfx.tensorlib: pyhf's numpy backend functions, checked against numpy and scipy."""

import logging

import numpy as np
import pytest
from scipy import stats

import hfx
from hfx.tensor import numpy_backend


def test_distributions_are_scipys():
    tb = numpy_backend()
    n, lam = np.array([0.0, 3.0, 12.0]), np.array([0.5, 4.0, 10.0])
    assert tb.poisson_logpdf(n, lam) == pytest.approx(stats.poisson.logpmf(n, lam), rel=1e-13)
    assert tb.poisson(n, lam) == pytest.approx(stats.poisson.pmf(n, lam), rel=1e-13)
    assert tb.poisson(0.0, 0.0) == 1.0  # the limit at rate 0
    x, mu, sigma = np.array([1.0, -2.0]), np.array([0.5, 0.0]), np.array([2.0, 0.3])
    assert tb.normal_logpdf(x, mu, sigma) == pytest.approx(stats.norm.logpdf(x, mu, sigma), rel=1e-13)
    assert tb.normal(x, mu, sigma) == pytest.approx(stats.norm.pdf(x, mu, sigma), rel=1e-13)
    assert tb.normal_cdf(0.5) == pytest.approx(stats.norm.cdf(0.5), rel=1e-15)
    assert tb.erfinv(tb.erf(np.array([0.3, -1.2]))) == pytest.approx([0.3, -1.2], rel=1e-12)
    np.random.seed(2)
    assert tb.poisson_dist(np.array([5.0, 7.0])).sample((100,)).shape == (100, 2)
    assert tb.normal_dist(np.array([5.0]), np.array([1.0])).log_prob(5.0) == pytest.approx(
        [stats.norm.logpdf(5.0, 5.0, 1.0)]
    )


def test_precision_and_dtypes(caplog):
    assert numpy_backend().astensor([1, 2]).dtype == np.float64
    low = numpy_backend(precision="32b")
    assert low.astensor([1, 2]).dtype == np.float32
    assert low.astensor([1, 2], dtype="int").dtype == np.int32
    assert low.zeros((2,), dtype="bool").dtype == np.bool_
    with caplog.at_level(logging.ERROR), pytest.raises(KeyError):
        low.ones((2,), dtype="complex")
    assert "Invalid dtype" in caplog.text
    with pytest.raises(ValueError, match="precision"):
        numpy_backend(precision="16b")
    with pytest.raises(hfx.exceptions.InvalidBackend):
        hfx.set_backend(low)


def test_array_functions():
    tb = numpy_backend()
    a = tb.astensor([[1.0, 2.0], [3.0, 4.0]])
    assert tb.tolist(tb.tile(tb.astensor([1.0, 2.0]), (2, 1))) == [[1.0, 2.0], [1.0, 2.0]]
    assert tb.tolist(tb.einsum("ij,j->i", a, tb.astensor([1.0, 1.0]))) == [3.0, 7.0]
    assert tb.tolist(tb.gather(tb.astensor([5.0, 6.0, 7.0]), np.array([2, 0]))) == [7.0, 5.0]
    assert tb.tolist(tb.boolean_mask(tb.astensor([5.0, 6.0]), np.array([False, True]))) == [6.0]
    assert tb.conditional(True, lambda: 1, lambda: 2) == 1 and tb.conditional(False, lambda: 1, lambda: 2) == 2
    b1, b2 = tb.simple_broadcast(tb.astensor([1.0]), tb.astensor([1.0, 2.0, 3.0]))
    assert tb.shape(b1) == (3,) and tb.tolist(b1) == [1.0, 1.0, 1.0]
    assert tb.percentile(tb.astensor([1.0, 2.0, 3.0, 4.0]), 50) == 2.5
    assert tb.percentile(tb.astensor([1.0, 2.0, 3.0, 4.0]), 50, method="lower") == 2.0
    assert tb.tolist(tb.concatenate([tb.astensor([1.0]), tb.astensor([2.0])])) == [1.0, 2.0]
    assert tb.product(a) == 24.0 and tb.tolist(tb.product(a, axis=0)) == [3.0, 8.0]
    assert tb.tolist(tb.clip(tb.astensor([-2.0, 0.5, 2.0]), -1, 1)) == [-1.0, 0.5, 1.0]
    assert tb.tolist(tb.where(np.array([True, False]), tb.astensor([1.0, 2.0]), tb.astensor([3.0, 4.0]))) == [1.0, 4.0]
    assert tb.tolist([1, 2]) == [1, 2]
