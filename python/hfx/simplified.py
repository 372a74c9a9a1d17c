"""Simplified likelihoods (CMS-NOTE-2017-001, SLv1; arXiv:1809.05548, SLv2) as hfx
workspaces: one channel whose bins are the signal regions, a ``signal`` sample scaled by
the POI ``mu`` and a ``background`` sample carrying the ``hfx_simplified`` modifier with
the published covariance (and third moments). Every hfx command and API then takes it
like any workspace (docs/reinterpretation.md)."""

import json

import numpy as np

from . import _core

__all__ = ["workspace"]


def _vector(name, values, n=None):
    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or (n is not None and v.size != n):
        raise ValueError(f"{name}: expected {n if n is not None else 'a list of'} numbers, got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{name}: every value must be finite")
    return v


def workspace(observed, background, covariance, *, third_moments=None, signal=None, name="SL", poi="mu",
              mu_bounds=(0.0, 10.0)):
    """The workspace (a dict) of a simplified likelihood: ``observed`` counts, expected
    ``background`` yields m1 and their ``covariance`` m2 per signal region, optional
    ``third_moments`` m3 (SLv2; omitted: SLv1), ``signal`` yields (default zeros) scaled by
    the POI. The modifier checks the covariance (symmetric, positive definite) and the
    third moments when a model is built."""
    n_obs = _vector("observed", observed)
    n = n_obs.size
    m1 = _vector("background", background, n)
    m2 = np.asarray(covariance, dtype=float)
    if m2.shape != (n, n):
        raise ValueError(f"covariance: expected a {n} x {n} matrix, got shape {m2.shape}")
    if not np.all(np.isfinite(m2)):
        raise ValueError("covariance: every value must be finite")
    s = np.zeros(n) if signal is None else _vector("signal", signal, n)
    m3 = [] if third_moments is None else _vector("third_moments", third_moments, n).tolist()
    return json.loads(_core.simplified_likelihood_document(
        n_obs.tolist(), m1.tolist(), m2.ravel().tolist(), m3, s.tolist(), str(name), str(poi),
        (float(mu_bounds[0]), float(mu_bounds[1]))))
