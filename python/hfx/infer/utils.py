"""Inference helpers (pyhf.infer.utils): pick a calculator or a test statistic by name."""

from ..exceptions import InvalidTestStatistic
from . import calculators, test_statistics

__all__ = ["all_pois_floating", "create_calculator", "get_test_stat"]

_TEST_STATS = {
    "q0": test_statistics.q0,
    "q": test_statistics.qmu,
    "qtilde": test_statistics.qmu_tilde,
}


def all_pois_floating(pdf, fixed_params):
    """True unless ``fixed_params`` (one bool per parameter) fixes the model's POI."""
    poi_index = pdf.config.poi_index
    return poi_index is None or not bool(fixed_params[poi_index])


def create_calculator(calctype, *args, **kwargs):
    """``calctype`` "asymptotics" or "toybased": the calculator class called with the
    remaining arguments, e.g. ``create_calculator("toybased", data, model, ntoys=500)``."""
    kinds = {"asymptotics": calculators.AsymptoticCalculator, "toybased": calculators.ToyCalculator}
    try:
        kind = kinds[calctype]
    except (KeyError, TypeError):
        raise ValueError(f"calctype {calctype!r}: expected 'asymptotics' or 'toybased'") from None
    return kind(*args, **kwargs)


def get_test_stat(name):
    """The test statistic function for "q0", "q" (qmu) or "qtilde" (qmu_tilde), the names
    hypotest's ``test_stat`` takes."""
    try:
        return _TEST_STATS[name]
    except (KeyError, TypeError):
        raise InvalidTestStatistic(f"test statistic {name!r}: expected one of 'q0', 'q', 'qtilde'") from None
