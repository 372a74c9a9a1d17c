"""hfx.optimize: pyhf's optimizer objects and set_backend's optimizer argument."""

import numpy as np
import pytest

import hfx


@pytest.fixture(autouse=True)
def _restore_backend():
    yield
    hfx.set_backend("numpy", hfx.optimize.hfx_optimizer())


def _model():
    return hfx.simplemodels.correlated_background([12.0, 11.0], [50.0, 52.0], [55.0, 57.0], [45.0, 47.0])


@pytest.mark.parametrize("name", ["scipy", "minuit", b"scipy", b"minuit", "SciPy"])
def test_set_backend_by_name(name):
    hfx.set_backend("numpy", name)
    expected = (name.decode() if isinstance(name, bytes) else name).lower()
    assert isinstance(hfx.optimizer, getattr(hfx.optimize, f"{expected}_optimizer"))
    assert hfx.get_backend()[1].name == expected


@pytest.mark.parametrize("name", ["fail", b"fail"])
def test_unknown_optimizer_names_are_refused(name):
    with pytest.raises(hfx.exceptions.InvalidOptimizer):
        hfx.set_backend("numpy", name)


def test_objects():
    class pretends_to_be_scipy:
        name = "scipy"

    with pytest.raises(AttributeError):
        hfx.set_backend("numpy", pretends_to_be_scipy())

    class custom:
        name = "custom"

    hfx.set_backend(b"numpy", custom())
    assert hfx.optimizer.name == "custom"
    with pytest.raises(ValueError, match="tolerance"):
        hfx.optimize.scipy_optimizer(tolerance=-1)
    with pytest.raises(TypeError, match="unknown options"):
        hfx.optimize.scipy_optimizer(nonsense=1)


def test_scipy_optimizer_reproduces_pyhfs_default_and_converges_with_a_small_tolerance():
    model = _model()
    data = [60.0, 58.0] + model.config.auxdata
    best = hfx.infer.mle.fit(data, model, return_fitted_val=True)[1]
    hfx.set_backend("numpy", hfx.optimize.scipy_optimizer())
    loose = hfx.infer.mle.fit(data, model, return_fitted_val=True)[1]
    hfx.set_backend("numpy", hfx.optimize.scipy_optimizer(tolerance=1e-12))
    tight = hfx.infer.mle.fit(data, model, return_fitted_val=True)[1]
    # pyhf's default SLSQP stop is short of the minimum; ftol 1e-12 reaches it
    assert loose >= best - 1e-12
    assert tight == pytest.approx(best, abs=1e-8)
    # a fit's own tolerance overrides the optimizer's
    again = hfx.infer.mle.fit(data, model, return_fitted_val=True, tolerance=None)[1]
    assert again == pytest.approx(loose, abs=1e-12)
    # too few iterations: not converged, and said so
    hfx.set_backend("numpy", hfx.optimize.scipy_optimizer(maxiter=1))
    with pytest.raises(hfx.exceptions.FailedMinimization):
        hfx.infer.mle.fit(data, model)


def test_optimizer_reaches_hypotest_and_upper_limit():
    model = _model()
    data = [60.0, 58.0] + model.config.auxdata
    cls_hfx = float(hfx.infer.hypotest(1.0, data, model))
    ul_hfx = hfx.infer.intervals.upper_limits.upper_limit(data, model)[0]
    hfx.set_backend("numpy", hfx.optimize.scipy_optimizer(tolerance=1e-12))
    assert float(hfx.infer.hypotest(1.0, data, model)) == pytest.approx(cls_hfx, rel=1e-6)
    assert float(hfx.infer.intervals.upper_limits.upper_limit(data, model)[0]) == pytest.approx(float(ul_hfx), rel=1e-5)
    hfx.set_backend("numpy", "minuit")
    assert float(hfx.infer.hypotest(1.0, data, model)) == cls_hfx
    assert np.isfinite(hfx.infer.mle.fit(data, model, return_uncertainties=True)[:, 1]).all()


@pytest.mark.parametrize("optimizer", [hfx.optimize.hfx_optimizer, hfx.optimize.minuit_optimizer, hfx.optimize.scipy_optimizer])
def test_maxiter_is_the_fits_iteration_limit(optimizer):
    model = _model()
    data = [60.0, 58.0] + model.config.auxdata
    hfx.set_backend("numpy", optimizer(maxiter=1))
    with pytest.raises(hfx.exceptions.FailedMinimization):
        hfx.infer.mle.fit(data, model)
    hfx.set_backend("numpy", optimizer(maxiter=1000))
    assert np.isfinite(hfx.infer.mle.fit(data, model)).all()
    hfx.set_backend("numpy", optimizer())
    with pytest.raises(hfx.exceptions.FailedMinimization):
        hfx.infer.mle.fit(data, model, maxiter=1)
