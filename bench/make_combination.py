#!/usr/bin/env python3
"""Writes a synthetic combination-like HistFactory workspace (pyhf JSON) for the scaling
benchmark (bench/scaling.sh).

    /usr/bin/python3 bench/make_combination.py --channels 2000 --params 10000 [-o OUT.json]

The model imitates a combination of many analyses: channels are grouped into analyses of
--channels-per-analysis channels. Every channel has a signal (scaled by the POI `mu`) and
--samples - 1 backgrounds. Parameters, in the proportions of a published combination:

  * global: `lumi` and --global-normsys normsys that touch every background in every
    channel (luminosity, theory cross-sections shared by all analyses);
  * per analysis: normsys and histosys that each touch the first background of 2 to 4 of
    the analysis' channels (detector systematics of one analysis), and one normfactor
    (a control-region normalisation) on the second background of all its channels;
  * per channel: one staterror on every background (one parameter per bin), and a
    shapesys on the last background when --shapesys is set.

--params sets the number of per-analysis normsys + histosys (one histosys in five) so that
the total comes out near the target; the total is printed on stderr. The yields and
observations are deterministic functions of the indices (no random numbers), and the data
are the background prediction shifted by a small pattern, so fits converge near the
nominal point as in a real combination.
"""
import argparse
import json
import math
import sys


def make(channels, bins, samples, per_analysis, target_params, global_normsys, shapesys):
    n_analyses = math.ceil(channels / per_analysis)
    # Parameters that do not depend on the per-analysis count.
    fixed = 1 + 1 + global_normsys + n_analyses + channels * bins + (channels * bins if shapesys else 0)
    per_an = max(0, round((target_params - fixed) / n_analyses))
    backgrounds = [f"bkg{k}" for k in range(1, samples)]
    # Modifiers added to (channel, background): filled per analysis below.
    extra = {}
    for a in range(n_analyses):
        chans = list(range(a * per_analysis, min(channels, (a + 1) * per_analysis)))
        for p in range(per_an):
            kind = "histosys" if p % 5 == 4 else "normsys"
            name = f"an{a}_{kind}{p}"
            width = 2 + (p % 3)
            start = (p * 7) % len(chans)
            for t in range(min(width, len(chans))):
                c = chans[(start + t) % len(chans)]
                extra.setdefault((c, backgrounds[0]), []).append((name, kind, p))
    ch_list, obs = [], []
    for c in range(channels):
        a = c // per_analysis
        name = f"an{a}_ch{c}"
        sig = [1.0 + 0.5 * ((c + j) % 4) for j in range(bins)]
        smp = [{"name": "signal", "data": sig,
                "modifiers": [{"name": "mu", "type": "normfactor", "data": None},
                              {"name": "lumi", "type": "lumi", "data": None}]}]
        total = [0.0] * bins
        for k, b in enumerate(backgrounds):
            nom = [20.0 + 10.0 * k + 3.0 * ((c * 3 + j * 5 + k) % 7) for j in range(bins)]
            total = [t + v for t, v in zip(total, nom)]
            mods = [{"name": "lumi", "type": "lumi", "data": None}]
            for g in range(global_normsys):
                h = 1.0 + 0.01 * (1 + (g + k) % 5)
                mods.append({"name": f"theory{g}", "type": "normsys", "data": {"hi": h, "lo": 2 - h}})
            if k == 1:
                mods.append({"name": f"an{a}_norm", "type": "normfactor", "data": None})
            for (mname, kind, p) in extra.get((c, b), []):
                if kind == "normsys":
                    h = 1.0 + 0.02 + 0.01 * (p % 4)
                    mods.append({"name": mname, "type": "normsys", "data": {"hi": h, "lo": 1 / h}})
                else:
                    up = [v * (1.0 + 0.03 * (1 + (j + p) % 3)) for j, v in enumerate(nom)]
                    dn = [v * (1.0 - 0.02 * (1 + (j + p) % 2)) for j, v in enumerate(nom)]
                    mods.append({"name": mname, "type": "histosys", "data": {"hi_data": up, "lo_data": dn}})
            mods.append({"name": f"staterror_{name}", "type": "staterror",
                         "data": [math.sqrt(v) * 0.3 for v in nom]})
            if shapesys and k == len(backgrounds) - 1:
                mods.append({"name": f"shapesys_{name}", "type": "shapesys",
                             "data": [0.05 * v for v in nom]})
            smp.append({"name": b, "data": nom, "modifiers": mods})
        ch_list.append({"name": name, "samples": smp})
        obs.append({"name": name, "data": [round(t * (1.0 + 0.03 * math.sin(c + 2.0 * j)))
                                          for j, t in enumerate(total)]})
    params = [{"name": "lumi", "auxdata": [1.0], "sigmas": [0.017], "bounds": [[0.9, 1.1]], "inits": [1.0]}]
    ws = {"channels": ch_list, "observations": obs,
          "measurements": [{"name": "combination", "config": {"poi": "mu", "parameters": params}}],
          "version": "1.0.0"}
    total_params = fixed + n_analyses * per_an
    return ws, total_params


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--channels", type=int, default=100)
    ap.add_argument("--bins", type=int, default=2)
    ap.add_argument("--samples", type=int, default=3, help="signal + backgrounds (>= 3)")
    ap.add_argument("--channels-per-analysis", type=int, default=20)
    ap.add_argument("--params", type=int, default=500, help="target number of parameters")
    ap.add_argument("--global-normsys", type=int, default=5)
    ap.add_argument("--shapesys", action="store_true")
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()
    if a.samples < 3 or a.channels < 1 or a.bins < 1:
        ap.error("need --samples >= 3, --channels >= 1, --bins >= 1")
    ws, n = make(a.channels, a.bins, a.samples, a.channels_per_analysis, a.params, a.global_normsys, a.shapesys)
    text = json.dumps(ws, separators=(",", ":"))
    if a.output == "-":
        print(text)
    else:
        with open(a.output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    print(f"{a.channels} channels, {n} parameters", file=sys.stderr)


if __name__ == "__main__":
    main()
