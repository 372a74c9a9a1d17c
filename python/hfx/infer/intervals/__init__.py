"""Interval estimation (pyhf.infer.intervals)."""

from . import upper_limits

__all__ = ["upper_limits", "upper_limit"]


def upper_limit(data, model, scan=None, level=0.05, return_results=False, **hypotest_kwargs):
    """Alias of :func:`hfx.infer.intervals.upper_limits.upper_limit` (pyhf keeps it too)."""
    return upper_limits.upper_limit(data, model, scan, level, return_results, **hypotest_kwargs)
