"""Simplified likelihoods (hfx_simplified, docs/reinterpretation.md) against an independent
NumPy implementation of the published formulas: SLv1 (CMS-NOTE-2017-001) as
L = prod Pois(n_i | mu s_i + m1_i + theta_i) N(theta; 0, m2), SLv2 (arXiv:1809.05548) with
b_i = A_i + B_i theta_i + C_i theta_i^2, theta ~ N(0, rho), the coefficients found here by
solving the moment equations numerically (not by the closed form hfx uses). Likelihood
values, fits and CLs to 1e-8 relative, on random cases and on CMS-SUS-17-001's seven
aggregated signal regions."""
import json
import math

import numpy as np
import pytest
from scipy.special import ndtr

import hfx
from conftest import DATA

CMS_SUS_17_001 = DATA / "simplified" / "CMS-SUS-17-001.json"


def coefficients(m1, m2, m3):
    """A, B, C, rho from the moments: 4 C^3 - 6 m2 C + m3 = 0 (the third central moment of
    B t + C (t^2 - 1) is 6 B^2 C + 8 C^3 with B^2 = m2 - 2 C^2), the root of least |C|;
    rho_ij from B_i B_j r + 2 C_i C_j r^2 = m2_ij, the root nearest the SLv1 correlation."""
    n = len(m1)
    d = np.diag(m2)
    C = np.zeros(n)
    for i in range(n):
        if m3[i] != 0:
            roots = np.roots([4.0, 0.0, -6.0 * d[i], m3[i]])
            real = roots[np.abs(roots.imag) < 1e-9].real
            C[i] = real[np.argmin(np.abs(real))]
            # polish the root (np.roots is only good to ~1e-12 relative)
            for _ in range(3):
                C[i] -= (4 * C[i] ** 3 - 6 * d[i] * C[i] + m3[i]) / (12 * C[i] ** 2 - 6 * d[i])
    B = np.sqrt(d - 2 * C ** 2)
    rho = np.eye(n)
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            lin = m2[i, j] / (B[i] * B[j])
            a = 2 * C[i] * C[j]
            if a == 0:
                rho[i, j] = lin
            else:
                r = np.roots([a, B[i] * B[j], -m2[i, j]]).real
                rho[i, j] = r[np.argmin(np.abs(r - lin))]
    return m1 - C, B, C, rho


class Published:
    """-log L of the published form in (mu, theta); theta ~ N(aux, rho) (SLv2) or the
    absolute shifts theta' = B theta ~ N(B aux, m2) (SLv1: the same function of mu)."""

    def __init__(self, n, m1, m2, m3, s):
        self.n, self.s = np.asarray(n, float), np.asarray(s, float)
        self.A, self.B, self.C, self.rho = coefficients(np.asarray(m1, float), np.asarray(m2, float), np.asarray(m3, float))
        self.rho_inv = np.linalg.inv(self.rho)
        self.logdet = np.linalg.slogdet(2 * np.pi * self.rho)[1]
        self.lgam = np.array([math.lgamma(v + 1) for v in self.n])

    def rates(self, mu, t):
        return mu * self.s + self.A + self.B * t + self.C * t ** 2

    def nll(self, mu, t, n=None, aux=None):
        n = self.n if n is None else n
        aux = np.zeros_like(t) if aux is None else aux
        lam = self.rates(mu, t)
        if np.any(lam <= 0):
            return np.inf
        lg = np.array([math.lgamma(v + 1) for v in n])
        d = t - aux
        return float(np.sum(lam - n * np.log(lam) + lg) + 0.5 * d @ self.rho_inv @ d + 0.5 * self.logdet)

    def fit(self, n=None, aux=None, mu=None, bounds=(0.0, 10.0)):
        """Damped Newton with the exact Hessian in (mu, theta); mu fixed when given,
        else kept in bounds (an active bound fixes it there)."""
        n = self.n if n is None else n
        aux = np.zeros(len(self.n)) if aux is None else aux
        free_mu = mu is None
        x = np.concatenate([[1.0 if free_mu else mu], np.zeros(len(self.n))])

        def grad_hess(x):
            m, t = x[0], x[1:]
            lam = self.rates(m, t)
            w = 1 - n / lam
            dl_dt = self.B + 2 * self.C * t
            g = np.concatenate([[w @ self.s], w * dl_dt + self.rho_inv @ (t - aux)])
            k = n / lam ** 2
            H = np.zeros((len(x), len(x)))
            H[0, 0] = k @ self.s ** 2
            H[0, 1:] = H[1:, 0] = k * self.s * dl_dt
            H[1:, 1:] = np.diag(k * dl_dt ** 2 + w * 2 * self.C) + self.rho_inv
            return g, H

        f = self.nll(x[0], x[1:], n, aux)
        for _ in range(200):
            g, H = grad_hess(x)
            active = [0] if not free_mu else []
            if free_mu and ((x[0] <= bounds[0] and g[0] > 0) or (x[0] >= bounds[1] and g[0] < 0)):
                active = [0]
            keep = [i for i in range(len(x)) if i not in active]
            step = np.zeros_like(x)
            step[keep] = -np.linalg.solve(H[np.ix_(keep, keep)], g[keep])
            if np.max(np.abs(step)) < 1e-13:
                break
            a = 1.0
            while True:
                y = x + a * step
                y[0] = np.clip(y[0], *bounds) if free_mu else x[0]
                fy = self.nll(y[0], y[1:], n, aux)
                if fy <= f + 1e-15 * abs(f) or a < 1e-10:
                    break
                a /= 2
            x, f = y, fy
        return x, f

    def cls(self, mu_test):
        """pyhf's asymptotic qtilde CLs with the expected band."""
        free, f_free = self.fit()
        _, f_cond = self.fit(mu=mu_test)
        q = 2 * (f_cond - f_free) if free[0] <= mu_test else 0.0
        b_only, _ = self.fit(mu=0.0)
        n_a, aux_a = self.rates(0.0, b_only[1:]), b_only[1:]
        _, fa_free = self.fit(n=n_a, aux=aux_a)
        _, fa_cond = self.fit(n=n_a, aux=aux_a, mu=mu_test)
        qa = max(2 * (fa_cond - fa_free), 0.0)
        sq, sqa = math.sqrt(max(q, 0.0)), math.sqrt(qa)
        t = sq - sqa if sq <= sqa else (q - qa) / (2 * sqa)
        cls = lambda v: (1 - ndtr(v + sqa)) / (1 - ndtr(v))  # noqa: E731
        return cls(t), [cls(k) for k in (2, 1, 0, -1, -2)], free, f_free


def hfx_model(n, m1, m2, m3, s):
    spec = hfx.simplified.workspace(n, m1, m2, third_moments=None if not np.any(m3) else m3, signal=s)
    ws = hfx.Workspace(spec)
    model = ws.model()
    return spec, model, ws.data(model)


def random_case(rng, nreg, slv2):
    m1 = rng.uniform(5, 60, nreg)
    sd = np.sqrt(m1) * rng.uniform(0.2, 0.6, nreg)
    X = rng.normal(size=(nreg, nreg + 3))
    corr = np.corrcoef(X)
    m2 = corr * np.outer(sd, sd)
    m3 = rng.uniform(0.05, 0.8, nreg) * np.sqrt(8 * np.diag(m2) ** 3) * rng.choice([-1, 1], nreg) * 0.3 if slv2 else np.zeros(nreg)
    s = rng.uniform(0.5, 6, nreg)
    n = np.round(m1 + rng.normal(0, 1, nreg) * np.sqrt(m1))
    return n, m1, m2, m3, s


def check(n, m1, m2, m3, s, rng):
    spec, model, data = hfx_model(n, m1, m2, m3, s)
    ref = Published(n, m1, m2, m3, s)
    names = model.config.par_names
    k_mu = names.index("mu")
    z_slice = [i for i, p in enumerate(names) if p.startswith("SL_theta")]
    L = np.linalg.cholesky(ref.rho)
    # likelihood values: hfx's parameters are z = L^-1 theta, so its logpdf is the
    # published one plus ln det L
    for _ in range(5):
        x = np.array(model.config.suggested_init(), float)
        x[k_mu] = rng.uniform(0, 2)
        x[z_slice] = rng.normal(0, 0.7, len(z_slice))
        theta = L @ x[z_slice]
        want = -ref.nll(x[k_mu], theta) + np.sum(np.log(np.diag(L)))
        got = float(model.logpdf(x, data)[0])
        assert got == pytest.approx(want, rel=1e-10, abs=1e-10)
        # the rates themselves
        np.testing.assert_allclose(model.expected_actualdata(x), ref.rates(x[k_mu], theta), rtol=1e-12)
    # fits
    best, twice_nll = hfx.infer.mle.fit(data, model, return_fitted_val=True)
    xr, fr = ref.fit()
    assert float(twice_nll) / 2 + np.sum(np.log(np.diag(L))) == pytest.approx(fr, rel=1e-10)
    assert best[k_mu] == pytest.approx(xr[0], rel=1e-6, abs=1e-8)
    np.testing.assert_allclose(L @ np.asarray(best)[z_slice], xr[1:], rtol=1e-5, atol=1e-7)
    # CLs at mu = 1 with the expected band
    obs, exp, _, _ = ref.cls(1.0)
    got_obs, got_exp = hfx.infer.hypotest(1.0, data, model, test_stat="qtilde", return_expected_set=True)
    assert float(got_obs) == pytest.approx(obs, rel=1e-8)
    np.testing.assert_allclose(np.asarray(got_exp, float), exp, rtol=1e-8)


@pytest.mark.parametrize("slv2", [False, True], ids=["SLv1", "SLv2"])
def test_random_cases(slv2):
    rng = np.random.default_rng(17 if slv2 else 5)
    for nreg in (1, 3, 6):
        check(*random_case(rng, nreg, slv2), rng)


def test_cms_sus_17_001():
    sl = json.loads(CMS_SUS_17_001.read_text())
    rng = np.random.default_rng(2)
    s = np.array(sl["example_signal"], float)
    check(sl["observed"], sl["background"], np.array(sl["covariance"]), np.zeros(len(sl["observed"])), s, rng)


def test_slv1_is_slv2_without_skew():
    rng = np.random.default_rng(9)
    n, m1, m2, _, s = random_case(rng, 4, False)
    spec1 = hfx.simplified.workspace(n, m1, m2, signal=s)
    spec2 = hfx.simplified.workspace(n, m1, m2, signal=s, third_moments=np.zeros(4))
    logs = []
    for spec in (spec1, spec2):
        ws = hfx.Workspace(spec)
        m = ws.model()
        x = np.array(m.config.suggested_init(), float) + 0.1
        logs.append(float(m.logpdf(x, ws.data(m))[0]))
    assert logs[0] == logs[1]


@pytest.mark.parametrize("change, message", [
    (lambda d: d["covariance"][0].append(1.0), "/covariance/0: expected 3 numbers (an 3 x 3 matrix), got 4"),
    (lambda d: d["covariance"][1].__setitem__(0, 99.0), "/covariance/1/0: the covariance must be symmetric"),
    (lambda d: d["covariance"][2].__setitem__(2, 0.0), "/covariance/2/2: a variance must be > 0, got 0"),
    (lambda d: d.__setitem__("covariance", [[4, 3.9, 0], [3.9, 4, 3.9], [0, 3.9, 4]]), "/covariance: the covariance is not positive semi-definite"),
    (lambda d: d.__setitem__("third_moments", [100.0, 0.0, 0.0]), "/third_moments/0: |m3| = 100 exceeds sqrt(8 m2^3)"),
    (lambda d: d.__setitem__("third_moments", [1.0, 0.0]), "/third_moments: expected 3 numbers (channel 'SL' has 3 bins), got 2"),
    (lambda d: d.__setitem__("skew", [1.0, 0.0, 0.0]), "unknown key 'skew'"),
])
def test_bad_documents_name_the_path(change, message):
    spec = hfx.simplified.workspace([5, 6, 7], [5.0, 6.0, 7.0], np.diag([4.0, 4.0, 4.0]).tolist())
    change(spec["channels"][0]["samples"][0]["modifiers"][0]["data"])
    with pytest.raises(hfx.exceptions.InvalidSpecification) as err:
        hfx.Workspace(spec).model()
    assert "/channels/0/samples/0/modifiers/0/data" in str(err.value)
    assert message in str(err.value)


def test_a_singular_covariance_is_a_degenerate_gaussian():
    """Three regions that one uncertainty moves together (covariance v v^T, rank 1): one
    nuisance parameter z, rates m1 + v z, against the NumPy likelihood in z."""
    v = np.array([2.0, 1.0, 0.5])
    n, m1, s = np.array([12.0, 7.0, 3.0]), np.array([10.0, 6.0, 2.5]), np.array([2.0, 1.0, 1.5])
    spec = hfx.simplified.workspace(n, m1, np.outer(v, v), signal=s)
    ws = hfx.Workspace(spec)
    model = ws.model()
    data = ws.data(model)
    assert model.config.param_set("SL_theta").n_parameters == 1
    lg = sum(math.lgamma(k + 1) for k in n)

    def nll(mu, z):
        lam = mu * s + m1 + v * z
        return float(np.sum(lam - n * np.log(lam)) + lg + 0.5 * z * z + 0.5 * math.log(2 * math.pi))

    names = model.config.par_names
    for mu, z in ((1.0, 0.3), (0.5, -0.7)):
        x = np.zeros(2)
        x[names.index("mu")], x[names.index("SL_theta")] = mu, z
        # the eigenvector's sign is the model's choice: z and -z give the two orientations
        got = -float(model.logpdf(x, data)[0])
        assert got == pytest.approx(nll(mu, z), rel=1e-12) or got == pytest.approx(nll(mu, -z), rel=1e-12)
    from scipy.optimize import minimize
    ref = minimize(lambda p: nll(p[0], p[1]), [1.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-12, "fatol": 1e-14})
    _, twice = hfx.infer.mle.fit(data, model, return_fitted_val=True)
    assert float(twice) / 2 == pytest.approx(ref.fun, rel=1e-9)


def test_a_fit_that_meets_negative_rates_keeps_to_the_finite_region():
    """A strongly skewed one-region SLv2 (m3 near its bound, from hfx simplify on staus):
    the rate is positive only for |theta| < ~1.5, and a cold start's quasi-Newton step
    lands outside. The fit must still find the minimum (here checked by Nelder-Mead from
    four starts) instead of ending on an infinite NLL."""
    spec = hfx.simplified.workspace([7.0], [7.825496567061071], [[75.8628351351869]], third_moments=[-1867.0419896605183],
                                    signal=[10.268057823181154])
    ws = hfx.Workspace(spec)
    model = ws.model()
    data = ws.data(model)
    from scipy.optimize import minimize

    def f(x):
        return -float(model.logpdf(x, data)[0]) if 0 <= x[0] <= 10 else 1e9

    ref = min((minimize(f, [mu, z], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12})
               for mu in (0.1, 1.0) for z in (-1.0, 1.0)), key=lambda r: r.fun)
    best, twice = hfx.infer.mle.fit(data, model, return_fitted_val=True)
    assert float(twice) == pytest.approx(2 * ref.fun, rel=1e-10)
