"""Extras beyond the likelihood (pyhf.contrib): ``hfx.contrib.utils.download`` fetches
published likelihoods from HEPData."""

from . import utils

__all__ = ["utils"]
