"""Helpers with pyhf.utils' names."""

import hashlib
import json

__all__ = ["digest", "citation"]


def digest(obj, algorithm="sha256"):
    """Hex digest of ``json.dumps(obj, sort_keys=True)`` -- pyhf.utils.digest.

    Workspaces (and any JSON-serialisable object) hash to the same value as in pyhf.
    """
    try:
        stringified = json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf8")
    except TypeError as err:
        raise ValueError(
            "The supplied object is not JSON-serializable for calculating a hash."
        ) from err
    if not isinstance(algorithm, str):
        raise TypeError(f"algorithm: expected a hashlib algorithm name (str), got {algorithm!r}")
    try:
        hash_alg = getattr(hashlib, algorithm)
    except AttributeError as err:
        raise ValueError(f"{algorithm} is not an algorithm provided by Python's hashlib library.") from err
    return hash_alg(stringified).hexdigest()


def citation(oneline=False):
    """How to cite hfx (and pyhf, whose model it implements)."""
    text = "hfx: a C++20 implementation of the pyhf HistFactory likelihoods; cite pyhf (doi:10.5281/zenodo.1169739)."
    return text if oneline else text + "\n"
