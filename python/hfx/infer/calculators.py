"""Calculators of pyhf's API (pyhf.infer.calculators): the asymptotic calculator and its
test-statistic distributions, the empirical distribution of toys, Asimov data.

The asymptotic calculator's fits run in C++ (one hfx hypothesis test per tested value,
the GIL released); what is left here is the arithmetic of the p-values in the
:math:`-\\hat{\\mu}/\\sigma` space that pyhf (and ROOT) use, so that the distribution
objects answer as pyhf's do. The toy calculator's toys run in C++ as well (``hfx cls
--calctype toybased``'s, on all cores); its random numbers come from a seed drawn from
numpy's global generator, so ``numpy.random.seed`` makes a run repeatable, as in pyhf
(the toys themselves differ from pyhf's).
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from .. import _checks
from ..tensor import get_backend
from ..exceptions import FailedMinimization, Unsupported
from . import mle

__all__ = [
    "AsymptoticCalculator",
    "AsymptoticTestStatDistribution",
    "EmpiricalDistribution",
    "HypoTestFitResults",
    "ToyCalculator",
    "generate_asimov_data",
]

_N_SIGMA = (2, 1, 0, -1, -2)


def generate_asimov_data(asimov_mu, data, pdf, init_pars, par_bounds, fixed_params, return_fitted_pars=False):
    """The expected data at the fit with the POI fixed at ``asimov_mu`` (and those parameters)."""
    pars = mle.fixed_poi_fit(asimov_mu, data, pdf, init_pars, par_bounds, fixed_params)
    asimov = pdf.expected_data(pars)
    return (asimov, pars) if return_fitted_pars else asimov


class AsymptoticTestStatDistribution:
    """The test statistic's asymptotic distribution: a unit normal in
    :math:`-\\hat{\\mu}/\\sigma` space centred at ``shift``, p-values undefined (NaN) below
    ``cutoff`` (the clipped normal's edge; minus infinity for the plain normal)."""

    def __init__(self, shift, cutoff=float("-inf")):
        self.shift = shift
        self.cutoff = cutoff

    def cdf(self, value):
        """P(test statistic <= value)."""
        return ndtr(np.asarray(value, dtype=float) - self.shift)

    def pvalue(self, value):
        """P(test statistic >= value): Phi(-(value - shift)) -- the lower tail of the
        mirrored value, which keeps small p-values accurate."""
        value = np.asarray(value, dtype=float)
        return np.where(value >= self.cutoff, ndtr(-(value - self.shift)), np.nan)

    def expected_value(self, nsigma):
        """The value ``nsigma`` standard deviations from the centre, not below the cutoff."""
        v = self.shift + np.asarray(nsigma, dtype=float)
        return np.where(v > self.cutoff, v, self.cutoff)


class EmpiricalDistribution:
    """The distribution of a test statistic as sampled by toys."""

    def __init__(self, samples):
        self.samples = np.ravel(np.asarray(samples, dtype=float))

    def pvalue(self, value):
        """The fraction of samples at least as large as ``value``."""
        return np.asarray(np.count_nonzero(self.samples >= value) / self.samples.size)

    def expected_value(self, nsigma):
        """The sample percentile at the normal tail of ``nsigma``, interpolated linearly
        between samples (numpy's default)."""
        return np.percentile(self.samples, 100.0 * float(ndtr(nsigma)))


def _setup(calc, kind, data, pdf, init_pars, par_bounds, fixed_params, test_stat):
    """The arguments both calculators keep: the model's suggestions where None is given."""
    _checks.model(pdf)
    if test_stat not in ("q0", "q", "qtilde"):
        raise Unsupported(f"test_stat={test_stat!r}: the {kind} calculator takes 'q0', 'q' or 'qtilde'")
    calc.data = data
    calc.pdf = pdf
    calc.init_pars = init_pars if init_pars is not None else pdf.config.suggested_init()
    calc.par_bounds = par_bounds if par_bounds is not None else pdf.config.suggested_bounds()
    calc.fixed_params = fixed_params if fixed_params is not None else pdf.config.suggested_fixed()
    calc.test_stat = test_stat


@dataclass(frozen=True)
class HypoTestFitResults:
    """The fits behind an asymptotic test (pyhf's field names)."""

    asimov_pars: np.ndarray
    free_fit_to_data: np.ndarray
    free_fit_to_asimov: np.ndarray
    fixed_poi_fit_to_data: np.ndarray
    fixed_poi_fit_to_asimov: np.ndarray


class AsymptoticCalculator:
    """pyhf's asymptotic calculator: call ``teststatistic(mu)``, then
    ``distributions(mu)``, ``pvalues(...)`` and ``expected_pvalues(...)``."""

    def __init__(
        self, data, pdf, init_pars=None, par_bounds=None, fixed_params=None, test_stat="qtilde", calc_base_dist="normal"
    ):
        _setup(self, "asymptotic", data, pdf, init_pars, par_bounds, fixed_params, test_stat)
        if calc_base_dist not in ("normal", "clipped_normal"):
            raise ValueError(f"unknown base distribution for asymptotics {calc_base_dist}")
        self.calc_base_dist = calc_base_dist
        self.sqrtqmuA_v = None
        self.fitted_pars = None

    def teststatistic(self, poi_test):
        """The observed test statistic in :math:`-\\hat{\\mu}/\\sigma` space (after the
        fits to the data and to the Asimov data, which ``fitted_pars`` then holds)."""
        poi = _checks.finite_poi(poi_test, "poi_test")
        init, bounds, fixed = self.pdf.config._fit_args(self.init_pars, self.par_bounds, self.fixed_params)
        engine, target = self.pdf._engine
        (r,) = engine.hypotest_scan([poi], target, self.data, self.test_stat, init, bounds, fixed, get_backend()[1])
        if not r["converged"]:
            raise FailedMinimization(f"hypotest at {poi}: a fit did not converge")
        self.sqrtqmuA_v = math.sqrt(max(r["qmu_asimov"], 0.0))
        asimov_mu = 1.0 if self.test_stat == "q0" else 0.0
        _, asimov_pars = generate_asimov_data(
            asimov_mu, self.data, self.pdf, self.init_pars, self.par_bounds, self.fixed_params, return_fitted_pars=True
        )
        self.fitted_pars = HypoTestFitResults(
            asimov_pars=np.asarray(asimov_pars),
            free_fit_to_data=np.asarray(r["free_fit"]["x"]),
            free_fit_to_asimov=np.asarray(r["asimov_free_fit"]["x"]),
            fixed_poi_fit_to_data=np.asarray(r["fixed_fit"]["x"]),
            fixed_poi_fit_to_asimov=np.asarray(r["asimov_fixed_fit"]["x"]),
        )
        return np.asarray(r["teststat"])

    def distributions(self, poi_test):
        """(signal+background, background-only) distributions of the test statistic."""
        if self.sqrtqmuA_v is None:
            raise RuntimeError("need to call .teststatistic(poi_test) first")
        cutoff = float("-inf") if self.calc_base_dist == "normal" else -self.sqrtqmuA_v
        return AsymptoticTestStatDistribution(-self.sqrtqmuA_v, cutoff), AsymptoticTestStatDistribution(0.0, cutoff)

    def pvalues(self, teststat, sig_plus_bkg_distribution, bkg_only_distribution):
        """(CLsb, CLb, CLs) of a test statistic value."""
        clsb = sig_plus_bkg_distribution.pvalue(teststat)
        clb = bkg_only_distribution.pvalue(teststat)
        return clsb, clb, np.asarray(clsb / clb)

    def expected_pvalues(self, sig_plus_bkg_distribution, bkg_only_distribution):
        """[CLsb band, CLb band, CLs band], each for +2 ... -2 sigma of the b-only distribution
        (that is -2 ... +2 sigma in CLs)."""
        rows = [
            self.pvalues(bkg_only_distribution.expected_value(n), sig_plus_bkg_distribution, bkg_only_distribution)
            for n in _N_SIGMA
        ]
        return [list(col) for col in zip(*rows)]


def _toy_seed():
    """A seed for hfx's toy generator from numpy's global generator."""
    return int(np.random.randint(0, 2**63 - 1, dtype=np.int64))


class ToyCalculator:
    """pyhf's toy calculator: ``teststatistic(mu)`` on the data, ``distributions(mu)``
    (the signal+background and background-only toys' test statistics as
    :class:`EmpiricalDistribution`), ``pvalues(...)`` and ``expected_pvalues(...)``.
    ``ntoys`` toys per hypothesis; ``track_progress`` is accepted and ignored."""

    def __init__(
        self,
        data,
        pdf,
        init_pars=None,
        par_bounds=None,
        fixed_params=None,
        test_stat="qtilde",
        ntoys=2000,
        track_progress=True,
    ):
        _setup(self, "toy", data, pdf, init_pars, par_bounds, fixed_params, test_stat)
        if isinstance(ntoys, bool) or not isinstance(ntoys, (int, np.integer)) or ntoys < 1:
            raise ValueError(f"ntoys: expected a positive integer, got {ntoys!r}")
        self.ntoys = int(ntoys)
        self.track_progress = track_progress
        self._toys = {}

    def _run(self, poi_test):
        """hfx's toy hypothesis test at poi_test (cached per value)."""
        poi = _checks.finite_poi(poi_test, "poi_test")
        if poi not in self._toys:
            init, bounds, fixed = self.pdf.config._fit_args(self.init_pars, self.par_bounds, self.fixed_params)
            engine, target = self.pdf._engine
            r = engine.toy_hypotest(
                poi, target, self.data, self.test_stat, self.ntoys, _toy_seed(), init, bounds, fixed, get_backend()[1]
            )
            if not r["converged"]:
                raise FailedMinimization(f"toys at {poi}: {r['fit_problem']}")
            self._toys[poi] = r
        return self._toys[poi]

    def teststatistic(self, poi_test):
        """The observed test statistic (q0, q or qtilde itself, not its square root)."""
        from . import test_statistics

        stat = {"q0": test_statistics.q0, "q": test_statistics.qmu, "qtilde": test_statistics.qmu_tilde}
        return stat[self.test_stat](poi_test, self.data, self.pdf, self.init_pars, self.par_bounds, self.fixed_params)

    def distributions(self, poi_test, track_progress=None):
        """(signal+background, background-only) distributions of the test statistic from
        ``ntoys`` toys each (toys whose fits did not converge are left out)."""
        r = self._run(poi_test)
        return EmpiricalDistribution(r["sb_teststats"]), EmpiricalDistribution(r["b_teststats"])

    def pvalues(self, teststat, sig_plus_bkg_distribution, bkg_only_distribution):
        """(CLsb, CLb, CLs) of a test statistic value: the fractions of toys at least as
        large. CLs is NaN (with numpy's warning) when no background-only toy is."""
        clsb = sig_plus_bkg_distribution.pvalue(teststat)
        clb = bkg_only_distribution.pvalue(teststat)
        with np.errstate(divide="ignore", invalid="ignore"):
            cls = np.asarray(clsb / clb) if clb > 0 else np.asarray(float("nan"))
        return clsb, clb, cls

    def expected_pvalues(self, sig_plus_bkg_distribution, bkg_only_distribution):
        """[CLsb band, CLb band, CLs band] for (-2, -1, 0, 1, 2) sigma: the p-values at
        every background-only toy's test statistic, at the normal percentiles."""
        pvalues = np.asarray(
            [
                [float(v) for v in self.pvalues(t, sig_plus_bkg_distribution, bkg_only_distribution)]
                for t in bkg_only_distribution.samples
            ]
        )
        percentiles = 100.0 * ndtr(np.asarray([-2.0, -1.0, 0.0, 1.0, 2.0]))
        band = np.percentile(pvalues, percentiles, axis=0).T
        return [[np.asarray(v) for v in row] for row in band]
