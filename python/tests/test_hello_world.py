"""pyhf's hello world, written as a pyhf user writes it with only the import changed."""

import numpy as np

import hfx
from conftest import assert_rel


def test_hello_world_matches_pyhf(golden_infer):
    model = hfx.simplemodels.uncorrelated_background(signal=[12, 11], bkg=[50, 52], bkg_uncertainty=[3, 7])
    data = [51, 48] + model.config.auxdata
    CLs_obs, CLs_exp = hfx.infer.hypotest(1.0, data, model, return_expected_set=True)

    # pyhf at the golden commit with its default SLSQP optimizer. SLSQP stops at a loose
    # tolerance (pyhf's own result moves by ~1e-5 relative when it is tightened), so the
    # default-settings numbers agree to that precision only.
    ref = golden_infer["simplemodels"]["uncorrelated_background"]["hypotest_qtilde_mu1"]
    assert_rel(CLs_obs, ref["CLs_obs"], 2e-5, "CLs_obs vs pyhf default")
    for got, want in zip(CLs_exp, ref["CLs_exp"]):
        assert_rel(got, want, 1e-4, "CLs_exp vs pyhf default")

    # The same pyhf with scipy_optimizer(tolerance=1e-14) -- the converged answer:
    #   pyhf.set_backend("numpy", pyhf.optimize.scipy_optimizer(tolerance=1e-14))
    assert_rel(CLs_obs, 0.05251552495712269, 1e-6, "CLs_obs vs converged pyhf")
    tight_exp = [0.0026064045350392834, 0.01382063983674602, 0.06445515410201935, 0.23526090159310173, 0.5730416531136292]
    for got, want in zip(CLs_exp, tight_exp):
        assert_rel(got, want, 1e-6, "CLs_exp vs converged pyhf")


def test_hello_world_return_types():
    model = hfx.simplemodels.uncorrelated_background(signal=[12, 11], bkg=[50, 52], bkg_uncertainty=[3, 7])
    data = [51, 48] + model.config.auxdata
    CLs_obs, CLs_exp = hfx.infer.hypotest(1.0, data, model, return_expected_set=True)
    assert isinstance(CLs_obs, np.ndarray) and CLs_obs.shape == ()
    assert isinstance(CLs_exp, list) and len(CLs_exp) == 5
    assert all(isinstance(v, np.ndarray) and v.shape == () for v in CLs_exp)
    assert list(CLs_exp) == sorted(CLs_exp)


def test_simplemodels_structure_matches_pyhf(golden_infer):
    for name, factory in [
        ("uncorrelated_background", hfx.simplemodels.uncorrelated_background),
        ("correlated_background", hfx.simplemodels.correlated_background),
    ]:
        g = golden_infer["simplemodels"][name]
        model = factory(**g["args"])
        cfg, want = model.config, g["model"]
        assert cfg.par_order == want["par_order"]
        assert cfg.par_names == want["par_names"]
        assert cfg.poi_name == want["poi_name"] and cfg.poi_index == want["poi_index"]
        assert cfg.suggested_init() == want["suggested_init"]
        assert [list(b) for b in cfg.suggested_bounds()] == want["suggested_bounds"]
        assert cfg.suggested_fixed() == want["suggested_fixed"]
        assert cfg.nmaindata == want["nmain"] and cfg.nauxdata == want["naux"]
        np.testing.assert_allclose(cfg.auxdata, want["auxdata"], rtol=1e-14)
        data = g["observed_main"] + cfg.auxdata
        np.testing.assert_allclose(model.expected_data(cfg.suggested_init()), g["expected_data_at_init"], rtol=1e-14)
        assert_rel(model.logpdf(cfg.suggested_init(), data)[0], g["logpdf_at_init"], 1e-12, "logpdf")
        # spec is what pyhf builds (pyhf's golden spec has floats where the args had ints)
        assert model.spec["channels"][0]["samples"][1]["modifiers"][0]["name"] == g["spec"]["channels"][0]["samples"][1]["modifiers"][0]["name"]
        assert model.spec["channels"][0]["name"] == g["spec"]["channels"][0]["name"]


def test_simplemodels_inference_matches_pyhf(golden_infer):
    for name, factory in [
        ("uncorrelated_background", hfx.simplemodels.uncorrelated_background),
        ("correlated_background", hfx.simplemodels.correlated_background),
    ]:
        g = golden_infer["simplemodels"][name]
        model = factory(**g["args"])
        data = g["observed_main"] + model.config.auxdata
        bestfit, twice_nll = hfx.infer.mle.fit(data, model, return_fitted_val=True)
        assert twice_nll <= g["mle_fit"]["twice_nll"] + 1e-6
        np.testing.assert_allclose(bestfit, g["mle_fit"]["bestfit"], atol=2e-3)
        bestfit, twice_nll = hfx.infer.mle.fixed_poi_fit(1.0, data, model, return_fitted_val=True)
        assert twice_nll <= g["fixed_poi_fit_mu1"]["twice_nll"] + 1e-6
        assert bestfit[model.config.poi_index] == 1.0
        for ts in ("q", "qtilde"):
            ref = g[f"hypotest_{ts}_mu1"]
            got = hfx.infer.hypotest(1.0, data, model, return_tail_probs=True, return_expected_set=True, test_stat=ts)
            assert_rel(got[0], ref["CLs_obs"], 1e-4, f"{name} {ts} CLs")
            assert_rel(got[1][0], ref["CLsb"], 1e-4, f"{name} {ts} CLsb")
            assert_rel(got[1][1], ref["CLb"], 1e-4, f"{name} {ts} CLb")
            np.testing.assert_allclose(got[2], ref["CLs_exp"], rtol=2e-4)
