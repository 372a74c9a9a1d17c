"""Backend selection for code written against pyhf: hfx computes with its own C++ engine
and returns numpy arrays, so only the numpy backend exists (with pyhf's tensorlib
functions)."""

import logging

import numpy as np
from scipy import special, stats

from . import optimize
from .exceptions import InvalidBackend

_log = logging.getLogger(__name__)

__all__ = ["get_backend", "set_backend", "numpy_backend"]


class numpy_backend:
    """pyhf's numpy tensor backend (``pyhf.tensorlib``): thin functions over numpy and
    scipy with pyhf's names and signatures, for code written against pyhf's tensorlib.
    hfx's own computations run in C++ and do not go through it. ``precision`` "64b"
    (default) or "32b" sets the float and int types of ``astensor``/``zeros``/``ones``."""

    array_type = np.ndarray
    array_subtype = np.number

    def __init__(self, **kwargs):
        self.name = "numpy"
        self.precision = kwargs.get("precision", "64b")
        if self.precision not in ("64b", "32b"):
            raise ValueError(f"precision: expected '64b' or '32b', got {self.precision!r}")
        wide = self.precision == "64b"
        self.dtypemap = {
            "float": np.float64 if wide else np.float32,
            "int": np.int64 if wide else np.int32,
            "bool": np.bool_,
        }
        self.default_do_grad = False

    def _setup(self):
        """Nothing to set up for numpy."""

    def _dtype(self, dtype):
        try:
            return self.dtypemap[dtype]
        except KeyError:
            _log.error("Invalid dtype: dtype must be one of %s.", list(self.dtypemap))
            raise

    # construction and conversion
    def astensor(self, tensor_in, dtype="float"):
        return np.asarray(tensor_in, dtype=self._dtype(dtype))

    def zeros(self, shape, dtype="float"):
        return np.zeros(shape, dtype=self._dtype(dtype))

    def ones(self, shape, dtype="float"):
        return np.ones(shape, dtype=self._dtype(dtype))

    def tolist(self, tensor_in):
        if isinstance(tensor_in, list):
            return tensor_in
        return tensor_in.tolist()

    def to_numpy(self, tensor_in):
        return tensor_in

    # shapes
    def shape(self, tensor):
        return np.shape(tensor)

    def reshape(self, tensor, newshape):
        return np.reshape(tensor, newshape)

    def ravel(self, tensor):
        return np.ravel(tensor)

    def transpose(self, tensor_in):
        return np.transpose(tensor_in)

    def tile(self, tensor_in, repeats):
        return np.tile(tensor_in, repeats)

    def stack(self, sequence, axis=0):
        return np.stack(sequence, axis=axis)

    def concatenate(self, sequence, axis=0):
        return np.concatenate(sequence, axis=axis)

    def simple_broadcast(self, *args):
        return np.broadcast_arrays(*args)

    # selection
    def gather(self, tensor, indices):
        return tensor[indices]

    def boolean_mask(self, tensor, mask):
        return tensor[mask]

    def where(self, mask, tensor_in_1, tensor_in_2):
        return np.where(mask, tensor_in_1, tensor_in_2)

    def conditional(self, predicate, true_callable, false_callable):
        return true_callable() if predicate else false_callable()

    def isfinite(self, tensor):
        return np.isfinite(tensor)

    # arithmetic and reductions
    def clip(self, tensor_in, min_value, max_value):
        return np.clip(tensor_in, min_value, max_value)

    def sum(self, tensor_in, axis=None):
        return np.sum(tensor_in, axis=axis)

    def product(self, tensor_in, axis=None):
        return np.prod(tensor_in, axis=axis)

    def abs(self, tensor):
        return np.abs(tensor)

    def power(self, tensor_in_1, tensor_in_2):
        return np.power(tensor_in_1, tensor_in_2)

    def divide(self, tensor_in_1, tensor_in_2):
        return np.divide(tensor_in_1, tensor_in_2)

    def sqrt(self, tensor_in):
        return np.sqrt(tensor_in)

    def log(self, tensor_in):
        return np.log(tensor_in)

    def exp(self, tensor_in):
        return np.exp(tensor_in)

    def outer(self, tensor_in_1, tensor_in_2):
        return np.outer(tensor_in_1, tensor_in_2)

    def einsum(self, subscripts, *operands):
        return np.einsum(subscripts, *operands)

    def percentile(self, tensor_in, q, axis=None, method="linear"):
        return np.percentile(tensor_in, q, axis=axis, method=method)

    def erf(self, tensor_in):
        return special.erf(tensor_in)

    def erfinv(self, tensor_in):
        return special.erfinv(tensor_in)

    # distributions (Poisson continued to real n through the gamma function)
    def poisson_logpdf(self, n, lam):
        n = np.asarray(n)
        return special.xlogy(n, lam) - lam - special.gammaln(n + 1.0)

    def poisson(self, n, lam):
        return np.exp(self.poisson_logpdf(n, np.asarray(lam)))

    def normal_logpdf(self, x, mu, sigma):
        z = (np.asarray(x) - mu) / sigma
        return -0.5 * z * z - np.log(sigma * np.sqrt(2.0 * np.pi))

    def normal(self, x, mu, sigma):
        return stats.norm.pdf(x, loc=mu, scale=sigma)

    def normal_cdf(self, x, mu=0.0, sigma=1.0):
        return stats.norm.cdf(x, loc=mu, scale=sigma)

    def poisson_dist(self, rate):
        from .probability import Poisson

        return Poisson(rate)

    def normal_dist(self, mu, sigma):
        from .probability import Normal

        return Normal(mu, sigma)

    def __repr__(self):
        return "<hfx numpy backend>"


_state = {"tensorlib": numpy_backend(), "optimizer": optimize.hfx_optimizer()}


def get_backend():
    return _state["tensorlib"], _state["optimizer"]


def set_backend(backend, custom_optimizer=None, precision=None, default=False):
    """Accepts the numpy backend only (by name or object, str or bytes). The optimizer (a
    name: "scipy", "minuit", "hfx", or an object) chooses how fits run: see hfx.optimize."""
    if isinstance(backend, bytes):
        backend = backend.decode("utf-8")
    name = backend if isinstance(backend, str) else getattr(backend, "name", None)
    if name != "numpy":
        raise InvalidBackend(f"hfx supports the numpy backend only, not {backend!r}")
    if precision not in (None, "64b") or getattr(backend, "precision", "64b") != "64b":
        raise InvalidBackend("hfx computes in double precision only (precision='64b')")
    if custom_optimizer is not None:
        if isinstance(custom_optimizer, (str, bytes)):
            custom_optimizer = optimize._from_name(custom_optimizer)
        elif getattr(custom_optimizer, "name", None) in ("scipy", "minuit"):
            # an object standing for pyhf's scipy/minuit optimizer must carry their options
            missing = [a for a in ("tolerance", "maxiter") if not hasattr(custom_optimizer, a)]
            if missing:
                raise AttributeError(f"optimizer {custom_optimizer!r} named {custom_optimizer.name!r} has no {', '.join(missing)}")
        _state["optimizer"] = custom_optimizer
