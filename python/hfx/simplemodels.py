"""Single-channel models built from lists, as pyhf.simplemodels builds them."""

from .pdf import Model


def _poi(poi_name):
    if not isinstance(poi_name, str):
        raise TypeError(f"poi_name: expected a str, got {poi_name!r}")
    return poi_name

__all__ = ["correlated_background", "uncorrelated_background"]


def _signal_sample(signal, poi_name):
    return {
        "name": "signal",
        "data": signal,
        "modifiers": [{"name": poi_name, "type": "normfactor", "data": None}],
    }


def correlated_background(signal, bkg, bkg_up, bkg_down, batch_size=None, validate=True, poi_name="mu"):
    """Signal + background with a fully correlated (histosys) background uncertainty.

    Parameters: ``correlated_bkg_uncertainty`` and the POI ``mu`` (channel ``single_channel``).
    """
    _poi(poi_name)
    spec = {
        "channels": [
            {
                "name": "single_channel",
                "samples": [
                    _signal_sample(signal, poi_name),
                    {
                        "name": "background",
                        "data": bkg,
                        "modifiers": [
                            {
                                "name": "correlated_bkg_uncertainty",
                                "type": "histosys",
                                "data": {"hi_data": bkg_up, "lo_data": bkg_down},
                            }
                        ],
                    },
                ],
            }
        ]
    }
    return Model(spec, batch_size=batch_size, validate=validate, poi_name=poi_name)


def uncorrelated_background(signal, bkg, bkg_uncertainty, batch_size=None, validate=True, poi_name="mu"):
    """Signal + background with an uncorrelated per-bin (shapesys) background uncertainty.

    Parameters: the POI ``mu`` and ``uncorr_bkguncrt`` (channel ``singlechannel``).
    """
    _poi(poi_name)
    spec = {
        "channels": [
            {
                "name": "singlechannel",
                "samples": [
                    _signal_sample(signal, poi_name),
                    {
                        "name": "background",
                        "data": bkg,
                        "modifiers": [{"name": "uncorr_bkguncrt", "type": "shapesys", "data": bkg_uncertainty}],
                    },
                ],
            }
        ]
    }
    return Model(spec, batch_size=batch_size, validate=validate, poi_name=poi_name)
