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


def dumps(obj, name=None):
    """JSON text of obj; with ``name``, a value JSON cannot hold raises TypeError naming
    the argument (NaN and infinities pass, for the C++ parser to report with their path)."""
    try:
        return json.dumps(obj, default=_default, allow_nan=True)
    except (TypeError, ValueError) as err:
        if name is None:
            raise
        raise TypeError(f"{name}: not a JSON document ({err})") from None
