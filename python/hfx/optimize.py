"""pyhf's optimizer objects, mapped onto hfx's fits.

``hfx.set_backend("numpy", hfx.optimize.scipy_optimizer(tolerance=1e-12))`` works as in
pyhf. What each optimizer means here:

- ``scipy_optimizer`` reproduces pyhf's default fits: SciPy's SLSQP algorithm, followed
  step for step in C++ (``hfx fit --optimizer scipy``), with ``tolerance`` as SLSQP's ftol
  on twice the NLL (None: SciPy's 1e-6, pyhf's default) and ``maxiter`` (default 100000).
  pyhf's default fits stop ~1e-4 short of the minimum; a small tolerance converges them.
- ``minuit_optimizer`` and the default (``hfx_optimizer``) use hfx's own minimizer, which
  converges to the minimum (its gradient is analytic), and gives uncertainties from the
  Hessian as MINUIT's HESSE does. ``maxiter`` is its iteration limit (a fit that reaches
  it did not converge); ``tolerance``/``strategy``/``steps`` are recorded but do not
  change it.

Fit keyword arguments ``tolerance`` and ``maxiter`` (pyhf passes them to the optimizer)
apply the same way.
"""

from __future__ import annotations

from .exceptions import InvalidOptimizer

__all__ = ["hfx_optimizer", "minuit_optimizer", "scipy_optimizer"]


def __dir__():
    return __all__


class hfx_optimizer:
    """hfx's own minimizer (the default): fits converge to the minimum."""

    name = "hfx"

    def __init__(self, **kwargs):
        self.tolerance = kwargs.pop("tolerance", None)
        self.maxiter = kwargs.pop("maxiter", None)
        self.verbose = kwargs.pop("verbose", 0)
        self.solver_options = kwargs.pop("solver_options", {})
        if kwargs:
            raise TypeError(f"{self.name}_optimizer: unknown options {sorted(kwargs)}")

    def __repr__(self):
        return f"<hfx.optimize.{type(self).__name__} tolerance={self.tolerance} maxiter={self.maxiter}>"


class scipy_optimizer(hfx_optimizer):
    """pyhf's SciPy SLSQP fits, reproduced (see the module docstring)."""

    name = "scipy"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if self.maxiter is None:
            self.maxiter = 100000
        if self.tolerance is not None and not (float(self.tolerance) > 0):
            raise ValueError(f"tolerance: expected a number > 0, got {self.tolerance!r}")
        if int(self.maxiter) < 1:
            raise ValueError(f"maxiter: expected at least 1, got {self.maxiter!r}")


class minuit_optimizer(hfx_optimizer):
    """pyhf's MINUIT optimizer: hfx's own minimizer (see the module docstring)."""

    name = "minuit"

    def __init__(self, **kwargs):
        self.errordef = kwargs.pop("errordef", 1)
        self.steps = kwargs.pop("steps", 1000)
        self.strategy = kwargs.pop("strategy", None)
        kwargs.setdefault("tolerance", 0.1)
        super().__init__(**kwargs)


_BY_NAME = {"scipy": scipy_optimizer, "minuit": minuit_optimizer, "hfx": hfx_optimizer}


def _from_name(name):
    if isinstance(name, bytes):
        name = name.decode("utf-8")
    try:
        return _BY_NAME[name.lower()]()
    except KeyError:
        raise InvalidOptimizer(f"The requested optimizer '{name}' is not supported: choose scipy, minuit or hfx") from None


def _with_fit_kwargs(optimizer, kwargs):
    """The optimizer a fit uses: ``tolerance``/``maxiter`` given to the fit override the
    optimizer's own."""
    if not ({"tolerance", "maxiter"} & set(kwargs)):
        return optimizer
    kind = _BY_NAME.get(getattr(optimizer, "name", None), hfx_optimizer)
    return kind(
        tolerance=kwargs.get("tolerance", getattr(optimizer, "tolerance", None)),
        maxiter=kwargs.get("maxiter", getattr(optimizer, "maxiter", None)),
    )
