"""hfx.diagnostics (cabinetry's names): checked against fits made with hfx.infer.mle."""

import json

import numpy as np
import pytest

import hfx
from conftest import REFERENCE


@pytest.fixture(scope="module")
def three_leptons():
    ws = hfx.Workspace(json.loads((REFERENCE / "3L-eRJR" / "workspace.json").read_text()))
    model = ws.model()
    return model, ws.data(model)


def test_ranking_impacts_are_poi_shifts_of_fixed_fits(three_leptons):
    model, data = three_leptons
    r = hfx.diagnostics.ranking(model, data)
    poi = model.config.poi_index
    assert r.labels == [n for i, n in enumerate(model.config.par_names) if i != poi]
    best = hfx.infer.mle.fit(data, model, return_uncertainties=True)
    order = np.argsort(-np.maximum(np.abs(r.postfit_up), np.abs(r.postfit_down)))
    for j in order[:3]:
        k = model.config.par_names.index(r.labels[j])
        assert r.bestfit[j] == pytest.approx(best[k, 0], abs=1e-6)
        for shift, impact in ((best[k, 1], r.postfit_up[j]), (-best[k, 1], r.postfit_down[j])):
            init = model.config.suggested_init()
            init[k] = float(np.clip(best[k, 0] + shift, *model.config.suggested_bounds()[k]))
            fixed = model.config.suggested_fixed()
            fixed[k] = True
            refit = hfx.infer.mle.fit(data, model, init_pars=init, fixed_params=fixed)
            assert impact == pytest.approx(refit[poi] - best[poi, 0], abs=1e-5)
    # a fixed parameter has no impact, as in cabinetry
    fixed = model.config.suggested_fixed()
    k = model.config.par_names.index("SigPDF")
    fixed[k] = True
    r2 = hfx.diagnostics.ranking(model, data, fix_pars=fixed, threads=1)
    j = r2.labels.index("SigPDF")
    assert (r2.postfit_up[j], r2.postfit_down[j], r2.prefit_up[j], r2.prefit_down[j]) == (0, 0, 0, 0)


def test_scan_is_the_profile_of_fixed_fits(three_leptons):
    model, data = three_leptons
    s = hfx.diagnostics.scan(model, data, "mu_SIG", par_range=(0.0, 2.0), n_steps=5)
    assert s.parameter_values.tolist() == [0.0, 0.5, 1.0, 1.5, 2.0]
    _, twice_nll = hfx.infer.mle.fit(data, model, return_fitted_val=True)
    for x, d in zip(s.parameter_values, s.delta_nlls):
        _, fixed = hfx.infer.mle.fixed_poi_fit(x, data, model, return_fitted_val=True)
        assert d == pytest.approx(float(fixed - twice_nll), abs=1e-6)
    low, high = s.intervals[0.6827]
    for end in (low, high):
        _, fixed = hfx.infer.mle.fixed_poi_fit(end, data, model, return_fitted_val=True)
        assert float(fixed - twice_nll) == pytest.approx(1.0, abs=1e-6)
    assert np.isnan(s.intervals[0.95][0])  # -2 dlnL at mu = 0 stays below 3.84
    with pytest.raises(hfx.exceptions.InvalidModel, match="nosuch"):
        hfx.diagnostics.scan(model, data, "nosuch")


def test_pulls_and_correlations(three_leptons):
    model, data = three_leptons
    p = hfx.diagnostics.pulls(model, data)
    best = hfx.infer.mle.fit(data, model, return_uncertainties=True)
    for i, name in enumerate(p.labels):
        ps = model.config.param_set(name.split("[")[0])
        assert p.bestfit[i] == pytest.approx(best[i, 0], abs=1e-6)
        if ps.constrained and not model.config.suggested_fixed()[i]:
            width = ps.width()[0 if ps.is_scalar else int(name.split("[")[1][:-1])]
            assert p.pull[i] == pytest.approx((best[i, 0] - model.config.suggested_init()[i]) / width, abs=1e-5)
        else:
            assert np.isnan(p.pull[i])
    labels, matrix = hfx.diagnostics.correlations(model, data, min_abs=0.3)
    _, full = hfx.infer.mle.fit(data, model, return_uncertainties=True, return_correlations=True)
    idx = [model.config.par_names.index(n) for n in labels]
    np.testing.assert_allclose(matrix, full[np.ix_(idx, idx)], atol=1e-6)
    assert all(np.any(np.abs(np.delete(full[i], i)) >= 0.3 - 1e-6) for i in idx)


def test_what_diagnostics_refuse(three_leptons):
    model, data = three_leptons
    no_poi = hfx.Workspace(json.loads((REFERENCE / "3L-eRJR" / "workspace.json").read_text())).model(poi_name=None)
    with pytest.raises(ValueError, match="no POI"):
        hfx.diagnostics.ranking(no_poi, data)
    with pytest.raises(ValueError, match="threads"):
        hfx.diagnostics.ranking(model, data, threads=-1)
    with pytest.raises(ValueError, match="min_abs"):
        hfx.diagnostics.correlations(model, data, min_abs=2)
