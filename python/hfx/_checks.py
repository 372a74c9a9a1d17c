"""Argument checks of the pure-Python layer: one-line messages naming the argument, what
was expected and what was given. Arrays of parameters and data are checked in C++."""

import math
import numbers
from collections.abc import Mapping

import numpy as np

from .exceptions import InvalidPdfParameters

__all__ = ["model", "real", "finite_poi", "level", "scan", "optional_name", "mapping", "poi_bounds"]


def _what(value):
    return "None" if value is None else type(value).__name__


def model(value, name="pdf"):
    """``value`` if it is an hfx.Model, else TypeError."""
    from .pdf import Model

    if not isinstance(value, Model):
        raise TypeError(f"{name}: expected an hfx.Model, got {_what(value)}")
    return value


def real(value, name, one_element_array=False):
    """A real number (Python or numpy scalar, a 0-d real array, or with
    ``one_element_array`` a real array of shape (1,)) as a float. TypeError for strings,
    None, bools, complex numbers and anything else."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.ndarray)):
        got = "None" if value is None else f"{type(value).__name__} {value!r}"
        raise TypeError(f"{name}: expected a real number, got {got}"[:200])
    if isinstance(value, np.ndarray):
        if value.size != 1 or value.ndim > int(one_element_array) or value.dtype.kind not in "iuf":
            raise TypeError(f"{name}: expected a real number, got an array of shape {value.shape} and dtype {value.dtype}")
        value = value.reshape(()).item()
    return float(value)


def finite_poi(value, name="poi_test"):
    """A finite POI value (InvalidPdfParameters for NaN or infinities). An array of shape
    (1,) is accepted too, as pyhf's tensors are."""
    v = real(value, name, one_element_array=True)
    if not math.isfinite(v):
        raise InvalidPdfParameters(f"{name}: expected a finite number, got {v}")
    return v


def level(value, name="level"):
    """A CLs level in (0, 1) (ValueError otherwise)."""
    v = real(value, name)
    if not 0 < v < 1:
        raise ValueError(f"{name}: expected a CLs level in (0, 1), got {v}")
    return v


def scan(values, name="scan"):
    """POI values to scan: a 1-D sequence of at least two finite, increasing numbers."""
    if values is None or isinstance(values, (str, bytes, Mapping, numbers.Number)):
        raise TypeError(f"{name}: expected a 1-D sequence of POI values, got {_what(values)}")
    arr = np.asarray(values)
    if arr.dtype.kind == "O" and arr.ndim == 1:
        arr = np.array([real(v, f"{name}[{i}]") for i, v in enumerate(arr)], dtype=float)
    if arr.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected real numbers, got dtype {arr.dtype}")
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"{name}: expected a 1-D sequence of at least 2 POI values, got shape {arr.shape}")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: expected finite POI values, got {arr.tolist()}"[:200])
    if not np.all(np.diff(arr) > 0):
        raise ValueError(f"{name}: expected increasing POI values, got {arr.tolist()}"[:200])
    return arr


def optional_name(value, name):
    """A name (str) or None; TypeError otherwise."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{name}: expected a str or None, got {type(value).__name__} {value!r}"[:200])
    return value


def mapping(value, name):
    """A dict-like document (TypeError otherwise)."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name}: expected a dict (a JSON object), got {_what(value)}")
    return value


def poi_bounds(pdf, par_bounds):
    """(low, high) of the POI from ``par_bounds`` (None: the suggested bounds), or None when
    the model has no POI or the bounds are malformed (the C++ checks report those)."""
    index = pdf.config.poi_index
    if index is None:
        return None
    try:
        bounds = pdf.config.suggested_bounds() if par_bounds is None else par_bounds
        pair = np.asarray(bounds[index], dtype=float)
    except (IndexError, KeyError, TypeError, ValueError):
        return None
    return (float(pair[0]), float(pair[1])) if pair.shape == (2,) else None
