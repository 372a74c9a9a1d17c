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


# --- cabinetry's definitions, recomputed by hand on published workspaces -------------
#
# Each quantity is rebuilt from plain hfx.infer.mle fits and numpy: the pre-fit widths
# from the workspace JSON itself (not from hfx's compiled model), the pulls and
# constraints from the best fit, every impact from its own refit (started, as cabinetry
# does, from the suggested inits rather than from the best fit). 3L-eRJR joins sbottom
# and staus for what they lack: Poisson-constrained (shapesys) gammas, some with pre-fit
# widths above 1 whose shifted values fall below the 1e-10 bound, and a fixed parameter.

CABINETRY_CASES = ["sbottom-multib-regionA", "staus-highmass", "3L-eRJR"]


@pytest.fixture(scope="module", params=CABINETRY_CASES)
def published(request):
    spec = json.loads((REFERENCE / request.param / "workspace.json").read_text())
    ws = hfx.Workspace(spec)
    model = ws.model()
    return request.param, spec, model, ws.data(model)


def _constraint_widths(spec):
    """{modifier name: per-bin width of its constraint}, read off the workspace as pyhf
    defines them: 1 for normsys/histosys, the measurement's sigma for lumi,
    sqrt(sum unc^2) / sum nominal over the samples sharing a staterror, and unc / nominal
    (1 / sqrt(tau)) for a shapesys."""
    widths, stat = {}, {}
    for channel in spec["channels"]:
        for sample in channel["samples"]:
            nominal = np.asarray(sample["data"], dtype=float)
            for mod in sample["modifiers"]:
                if mod["type"] in ("normsys", "histosys"):
                    widths[mod["name"]] = [1.0]
                elif mod["type"] == "shapesys":
                    unc = np.asarray(mod["data"], dtype=float)
                    valid = (nominal > 0) & (unc > 0)  # other bins are fixed: width 0
                    widths[mod["name"]] = np.where(valid, unc / np.where(valid, nominal, 1), 0.0).tolist()
                elif mod["type"] == "staterror":
                    nom, var = stat.get(mod["name"], (0.0, 0.0))
                    stat[mod["name"]] = (nom + nominal, var + np.asarray(mod["data"], dtype=float) ** 2)
    for name, (nom, var) in stat.items():
        widths[name] = (np.sqrt(var) / nom).tolist()
    for par in spec["measurements"][0]["config"]["parameters"]:
        if "sigmas" in par:
            widths[par["name"]] = list(par["sigmas"])
    return widths


def _prefit_widths(spec, model, fixed):
    """cabinetry's prefit_uncertainties: the constraint width, 0 for unconstrained and
    for fixed parameters. Also checks the workspace's widths are the model's
    param_set(...).width(), which is what cabinetry reads."""
    from_spec = _constraint_widths(spec)
    out = []
    for name in model.config.par_order:
        ps = model.config.param_set(name)
        if ps.constrained:
            np.testing.assert_allclose(ps.width(), from_spec[name], rtol=1e-12, err_msg=name)
            out += list(from_spec[name])
        else:
            out += [0.0] * ps.n_parameters
    return np.where(fixed, 0.0, out)


def test_pulls_match_cabinetry(published):
    _, spec, model, data = published
    cfg = model.config
    # lumi fixed by hand where the workspace does not fix it: fixed parameters have
    # neither a pre-fit width nor a pull
    fixed = cfg.suggested_fixed()
    fixed[cfg.par_names.index("lumi")] = True
    best = hfx.infer.mle.fit(data, model, fixed_params=fixed, return_uncertainties=True)
    width = _prefit_widths(spec, model, fixed)
    p = hfx.diagnostics.pulls(model, data, fix_pars=fixed)
    assert p.labels == cfg.par_names
    np.testing.assert_allclose(p.bestfit, best[:, 0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(p.uncertainty, best[:, 1], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(p.prefit, cfg.suggested_init())
    np.testing.assert_allclose(p.prefit_uncertainty, width, rtol=1e-12, atol=0)
    # a pull for exactly the constrained free parameters
    has_width = width > 0
    constrained = [cfg.param_set(n).constrained for n in cfg.par_order for _ in range(cfg.param_set(n).n_parameters)]
    np.testing.assert_array_equal(has_width, np.array(constrained) & ~np.array(fixed))
    pull = np.full(cfg.npars, np.nan)
    constraint = np.full(cfg.npars, np.nan)
    pull[has_width] = (best[has_width, 0] - np.asarray(cfg.suggested_init())[has_width]) / width[has_width]
    constraint[has_width] = best[has_width, 1] / width[has_width]
    np.testing.assert_allclose(p.pull, pull, rtol=0, atol=1e-5)  # NaN where NaN is expected
    np.testing.assert_allclose(p.constraint, constraint, rtol=0, atol=1e-5)


def test_correlations_match_cabinetry(published):
    _, _, model, data = published
    cfg = model.config
    fixed = cfg.suggested_fixed()
    fixed[cfg.par_names.index("lumi")] = True
    _, corr = hfx.infer.mle.fit(data, model, fixed_params=fixed, return_uncertainties=True, return_correlations=True)
    free = [i for i in range(cfg.npars) if not fixed[i]]
    # no threshold: every free parameter (cabinetry drops the fixed ones' zero rows)
    labels, matrix = hfx.diagnostics.correlations(model, data, fix_pars=fixed)
    assert labels == [cfg.par_names[i] for i in free]
    np.testing.assert_allclose(matrix, corr[np.ix_(free, free)], rtol=0, atol=1e-6)
    # cabinetry's pruning: keep a parameter with some off-diagonal |correlation| >= 0.2
    off = np.abs(corr - np.diag(np.diag(corr)))
    kept = [i for i in free if off[i].max() >= 0.2]
    assert 0 < len(kept) < len(free)
    labels, matrix = hfx.diagnostics.correlations(model, data, min_abs=0.2, fix_pars=fixed)
    assert labels == [cfg.par_names[i] for i in kept]
    np.testing.assert_allclose(matrix, corr[np.ix_(kept, kept)], rtol=0, atol=1e-6)


def _refit_impacts(spec, model, data, bounds):
    """cabinetry.fit.ranking by hand: (bestfit, uncertainty, impacts, n_clipped), impacts
    one row (prefit up, prefit down, postfit up, postfit down) per parameter but the POI.
    The parameter is fixed at bestfit +- width, moved onto its bounds where it falls
    beyond them (n_clipped counts these; under cabinetry iminuit does the same with a
    fixed value outside its limits); a value equal to the best fit (zero width, fixed
    parameter) is impact 0 without a fit."""
    cfg = model.config
    poi, fixed = cfg.poi_index, cfg.suggested_fixed()
    best = hfx.infer.mle.fit(data, model, par_bounds=bounds, fixed_params=fixed, return_uncertainties=True)
    width = _prefit_widths(spec, model, fixed)
    others = [k for k in range(cfg.npars) if k != poi]
    impacts, n_clipped = np.zeros((len(others), 4)), 0
    for j, k in enumerate(others):
        for col, shift in enumerate((width[k], -width[k], best[k, 1], -best[k, 1])):
            value = float(np.clip(best[k, 0] + shift, *bounds[k]))
            n_clipped += value != best[k, 0] + shift
            if value == best[k, 0]:
                continue
            init = cfg.suggested_init()
            init[k] = value
            fix = list(fixed)
            fix[k] = True
            refit = hfx.infer.mle.fit(data, model, init_pars=init, par_bounds=bounds, fixed_params=fix)
            impacts[j, col] = refit[poi] - best[poi, 0]
    return best[others, 0], best[others, 1], impacts, n_clipped


@pytest.mark.parametrize("poi_low", [None, -5.0], ids=["suggested-bounds", "poi-down-to-minus-5"])
def test_ranking_matches_cabinetry(published, poi_low):
    """Every impact of every parameter. With the suggested bounds the observed sbottom and
    staus fits put mu_SIG on its lower bound 0, where almost every impact is 0; letting
    the POI go down to -5 (its best fit becomes negative, the yields stay positive)
    gives each parameter a real impact to compare."""
    case, spec, model, data = published
    cfg = model.config
    bounds = [list(b) for b in cfg.suggested_bounds()]
    if poi_low is not None:
        bounds[cfg.poi_index][0] = poi_low
    bestfit, uncertainty, want, n_clipped = _refit_impacts(spec, model, data, bounds)
    r = hfx.diagnostics.ranking(model, data, par_bounds=bounds, threads=2)
    assert r.labels == [n for k, n in enumerate(cfg.par_names) if k != cfg.poi_index]
    np.testing.assert_allclose(r.bestfit, bestfit, rtol=0, atol=1e-6)
    np.testing.assert_allclose(r.uncertainty, uncertainty, rtol=0, atol=1e-6)
    got = np.column_stack([r.prefit_up, r.prefit_down, r.postfit_up, r.postfit_down])
    # not a comparison of zeros: many sizeable impacts, a gamma among them
    if poi_low is not None or case == "3L-eRJR":
        postfit = np.abs(want[:, 2:]).max(axis=1)
        assert (postfit > 1e-3).sum() >= 8
        assert any(postfit[j] > 1e-4 for j, n in enumerate(r.labels) if n.startswith(("staterror", "shape_")))
    # shifts moved onto bounds: staus' mu_QCD post-fit down (0.67 - 0.94) onto 0, and
    # 3L-eRJR's shapesys gammas with pre-fit widths above 1 onto 1e-10
    assert (n_clipped > 0) == (case != "sbottom-multib-regionA")
    # On sbottom with the POI down to -5, fixing ttbar_PS at its best fit + 1 moves mu_SIG
    # from -0.85 to -2.79; a refit warm-started from the best fit begins where a rate is
    # negative, so the ranking must fall back to a cold start to find it.
    assert not np.isnan(got).any(), [(r.labels[j], c, want[j, c]) for j, c in zip(*np.nonzero(np.isnan(got)))]
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


def test_fit_prediction_and_yield_stdev_match_cabinetry(three_leptons):
    """cabinetry's yield_stdev recomputed here: each parameter with an uncertainty moved by
    +-1 sigma gives a symmetric per-yield variation; variance = v^T rho v, per sample and
    bin, per bin of the total, and per channel sum (samples and total)."""
    model, data = three_leptons
    f = hfx.diagnostics.fit(model, data)
    best, twice_nll = hfx.infer.mle.fit(data, model, return_uncertainties=True, return_fitted_val=True)
    np.testing.assert_allclose(f.bestfit, best[:, 0], atol=1e-8)
    np.testing.assert_allclose(f.uncertainty, best[:, 1], atol=1e-8)
    assert f.best_twice_nll == pytest.approx(float(twice_nll), abs=1e-8) and f.labels == model.config.par_names

    def layout(pars):
        by_sample = model.main_model.expected_data(pars, return_by_sample=True)
        out = []
        for ch in model.config.channels:
            block = by_sample[:, model.config.channel_slices[ch]]
            out.append(np.concatenate([block.ravel(), block.sum(axis=0), block.sum(axis=1), [block.sum()]]))
        return out

    for pars, sigma, corr, label in (
        (np.asarray(model.config.suggested_init()), hfx._core.prefit_uncertainties(model._engine[1]), np.eye(len(f.bestfit)), "pre-fit"),
        (f.bestfit, f.uncertainty, f.corr_mat, "post-fit"),
    ):
        varied = [i for i in range(len(pars)) if sigma[i] > 0]
        deltas = []
        for i in varied:
            up, down = pars.copy(), pars.copy()
            up[i] += sigma[i]
            down[i] -= sigma[i]
            deltas.append([(u - d) / 2 for u, d in zip(layout(up), layout(down))])
        pred = hfx.diagnostics.prediction(model, fit_results=None if label == "pre-fit" else f)
        assert pred.label == label
        ns = len(model.config.samples)
        for c, ch in enumerate(model.config.channels):
            d = np.array([dl[c] for dl in deltas])  # (varied, entries)
            sd = np.sqrt(np.einsum("ae,ab,be->e", d, corr[np.ix_(varied, varied)], d))
            nb = model.config.channel_nbins[ch]
            want_bins = np.vstack([sd[: ns * nb].reshape(ns, nb), sd[ns * nb: (ns + 1) * nb]])
            np.testing.assert_allclose(pred.total_stdev_model_bins[c], want_bins, rtol=1e-9, atol=1e-9)
            np.testing.assert_allclose(pred.total_stdev_model_channels[c], sd[(ns + 1) * nb:], rtol=1e-9, atol=1e-9)
            yields = model.main_model.expected_data(pars, return_by_sample=True)[:, model.config.channel_slices[ch]]
            np.testing.assert_allclose(pred.model_yields[c], yields, rtol=1e-12)


def test_brazil_is_hypotests_on_a_grid(three_leptons):
    model, data = three_leptons
    b = hfx.diagnostics.brazil(model, data, mus=[0.5, 1.0, 2.0])
    for mu, obs, exp in zip(b.mu, b.cls_obs, b.cls_exp):
        cls_obs, cls_exp = hfx.infer.hypotest(mu, data, model, return_expected_set=True)
        assert obs == pytest.approx(float(cls_obs), abs=1e-8)
        np.testing.assert_allclose(exp, np.asarray(cls_exp, dtype=float), atol=1e-8)
    obs_limit, exp_limits = hfx.infer.intervals.upper_limits.upper_limit(data, model)
    assert b.obs_limit == pytest.approx(float(obs_limit), rel=1e-4)
    np.testing.assert_allclose(b.exp_limits, np.asarray(exp_limits, dtype=float), rtol=1e-4)
    assert len(hfx.diagnostics.brazil(model, data).mu) == 31
    assert hfx.diagnostics.brazil(model, data, mus=[2.0, 0.5, 1.0]).mu.tolist() == [0.5, 1.0, 2.0]
    with pytest.raises(ValueError, match="at least 2"):
        hfx.diagnostics.brazil(model, data, mus=[])
    with pytest.raises(ValueError, match="level"):
        hfx.diagnostics.brazil(model, data, level=1.5)


def test_profile_interval_matches_a_brute_force_scan(published):
    """The 68% and 95% interval ends against a dense grid of fits with the POI fixed (its
    lower bound moved to -5 so that both ends are inside the range): each end lies in the
    grid cell where the profile crosses its level, at the linear interpolation there."""
    case, _, model, data = published
    poi = model.config.poi_index
    bounds = [list(b) for b in model.config.suggested_bounds()]
    bounds[poi][0] = -5.0
    s = hfx.diagnostics.scan(model, data, model.config.poi_name, n_steps=5, par_bounds=bounds)
    grid = np.linspace(s.bestfit - 3.2 * s.uncertainty, s.bestfit + 3.2 * s.uncertainty, 321)
    grid = grid[(grid >= -5) & (grid <= bounds[poi][1])]
    free = hfx.infer.mle.fit(data, model, par_bounds=bounds, return_fitted_val=True)[1]
    profile = []
    for mu in grid:
        init = model.config.suggested_init()
        init[poi] = mu
        fixed = model.config.suggested_fixed()
        fixed[poi] = True
        try:
            fit = hfx.infer.mle.fit(data, model, init_pars=init, fixed_params=fixed, par_bounds=bounds, return_fitted_val=True)
            profile.append(float(fit[1] - free))
        except hfx.exceptions.FailedMinimization:  # a negative rate: the model ends there
            profile.append(np.nan)
    profile = np.array(profile)
    defined = np.isfinite(profile)
    assert defined.sum() > 150 and np.all(np.diff(np.nonzero(defined)[0]) == 1)  # one stretch
    grid, profile = grid[defined], profile[defined]
    step = grid[1] - grid[0]
    compared = 0
    for cl, level in ((0.6827, 1.0), (0.95, 3.84)):
        low, high = s.intervals[cl]
        crossings = np.nonzero(np.diff(np.sign(profile - level)))[0]
        # where the model is defined everywhere both ends cross; else the scan's end is
        # open exactly where the brute force finds no crossing
        ends = [e for e in (low, high) if not np.isnan(e)]
        assert len(crossings) == len(ends), (case, cl, crossings, (low, high))
        for end, i in zip(ends, crossings):
            compared += 1
            assert grid[i] <= end <= grid[i + 1]
            linear = grid[i] + (level - profile[i]) / (profile[i + 1] - profile[i]) * step
            assert end == pytest.approx(linear, abs=0.05 * step), (case, cl)  # the profile is nearly linear across one cell
    assert compared >= 2  # sbottom: the model ends (a rate below 0) before the profile reaches 1 below the best fit
