#!/usr/bin/env python3
"""Writes the synthetic workspace of the toy benchmark (bench/bench_toys.sh).

    /usr/bin/python3 bench/make_toy_workspace.py [OUT.json]   (default: stdout)

50 channels x 4 bins. Channel i, bin j: signal 2.0 + 0.05*(j mod 3) scaled by the
normfactor `mu`; background 50 + 0.25*j + 0.1*(i mod 5) with one shapesys per channel
(5.0 in every bin); observations = background. POI mu: 1 + 50*4 = 201 parameters.
"""
import json
import sys

NCHANNELS, NBINS = 50, 4


def workspace():
    channels, observations = [], []
    for i in range(NCHANNELS):
        name = f"ch{i:02d}"
        sig = [2.0 + 0.05 * (j % 3) for j in range(NBINS)]
        bkg = [50 + 0.25 * j + 0.1 * (i % 5) for j in range(NBINS)]
        channels.append(
            {
                "name": name,
                "samples": [
                    {"name": "signal", "data": sig,
                     "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
                    {"name": "background", "data": bkg,
                     "modifiers": [{"name": f"shapesys_{name}", "type": "shapesys", "data": [5.0] * NBINS}]},
                ],
            }
        )
        observations.append({"name": name, "data": bkg})
    return {
        "channels": channels,
        "observations": observations,
        "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": []}}],
        "version": "1.0.0",
    }


if __name__ == "__main__":
    text = json.dumps(workspace(), indent=1)
    if len(sys.argv) > 1 and sys.argv[1] != "-":
        with open(sys.argv[1], "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)
