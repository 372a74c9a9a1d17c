"""Minimal backend selection for code written against pyhf: hfx computes with its own
C++ engine and returns numpy arrays, so only the numpy backend exists."""

import numpy as np

from .exceptions import InvalidBackend

__all__ = ["get_backend", "set_backend", "numpy_backend"]


class numpy_backend:
    """The subset of pyhf's numpy backend that user code commonly calls."""

    name = "numpy"
    precision = "64b"
    dtypemap = {"float": np.float64, "int": np.int64, "bool": np.bool_}

    def astensor(self, tensor_in, dtype="float"):
        return np.asarray(tensor_in, dtype=self.dtypemap[dtype])

    def tolist(self, tensor_in):
        return np.asarray(tensor_in).tolist()

    def shape(self, tensor):
        return np.shape(tensor)

    def sum(self, tensor_in, axis=None):
        return np.sum(tensor_in, axis=axis)

    def exp(self, tensor_in):
        return np.exp(tensor_in)

    def log(self, tensor_in):
        return np.log(tensor_in)

    def sqrt(self, tensor_in):
        return np.sqrt(tensor_in)

    def zeros(self, shape, dtype="float"):
        return np.zeros(shape, dtype=self.dtypemap[dtype])

    def ones(self, shape, dtype="float"):
        return np.ones(shape, dtype=self.dtypemap[dtype])

    def stack(self, sequence, axis=0):
        return np.stack(sequence, axis=axis)

    def concatenate(self, sequence, axis=-1):
        return np.concatenate(sequence, axis=axis)

    def __repr__(self):
        return "<hfx numpy backend>"


class hfx_optimizer:
    """Stands in for pyhf's optimizer objects: hfx always uses its own minimizer."""

    name = "hfx"

    def __init__(self, requested=None):
        self.requested = requested

    def __repr__(self):
        return "<hfx minimizer>"


_state = {"tensorlib": numpy_backend(), "optimizer": hfx_optimizer()}


def get_backend():
    return _state["tensorlib"], _state["optimizer"]


def set_backend(backend, custom_optimizer=None, precision=None, default=False):
    """Accepts the numpy backend only (by name or object); any optimizer name is accepted
    and ignored, since fits always run in hfx's C++ minimizer."""
    name = backend if isinstance(backend, str) else getattr(backend, "name", None)
    if name != "numpy":
        raise InvalidBackend(f"hfx supports the numpy backend only, not {backend!r}")
    if precision not in (None, "64b"):
        raise InvalidBackend("hfx computes in double precision only (precision='64b')")
    if custom_optimizer is not None:
        requested = custom_optimizer if isinstance(custom_optimizer, str) else getattr(custom_optimizer, "name", None)
        _state["optimizer"] = hfx_optimizer(requested)
