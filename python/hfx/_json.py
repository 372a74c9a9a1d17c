"""JSON text for the C++ core: json.dumps that also accepts numpy arrays and scalars."""

import json

import numpy as np


def _default(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, (tuple, set)):
        return list(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def dumps(obj):
    return json.dumps(obj, default=_default, allow_nan=True)
