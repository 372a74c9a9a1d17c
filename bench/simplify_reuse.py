"""Is a histfactory-form simplified likelihood derived for one signal usable for another?
Derives it for REF, then for other points of the patchset swaps in their nominal signal
yields (scaling each signal sample's bin, its histosys sides too, by new / reference;
normsys ratios kept) and compares CLs at mu = 1 with each point's full model.

Usage: PYTHONPATH=build/release/python /usr/bin/python3 bench/simplify_reuse.py BKG.json PATCHSET.json REF [STRIDE]"""
import copy
import json
import sys

import numpy as np

import hfx

bkg = json.load(open(sys.argv[1]))
ps = hfx.PatchSet(json.load(open(sys.argv[2])))
ref = sys.argv[3]
stride = int(sys.argv[4]) if len(sys.argv) > 4 else 4


def full(name):
    return hfx.Workspace(ps.apply(bkg, name))


sl, _ = hfx.reinterpret.simplify(full(ref))
sl = dict(sl)
poi = sl["measurements"][0]["config"]["poi"]


def signal_nominal(spec):
    out = {}
    for c in spec["channels"]:
        y = np.zeros(len(c["samples"][0]["data"]))
        for s in c["samples"]:
            if any(m["name"] == poi for m in s["modifiers"]):
                y += np.array(s["data"])
        out[c["name"]] = y
    return out


def cls(w):
    m = w.model()
    d = w.data(m)
    o, e = hfx.infer.hypotest(1.0, d, m, test_stat="qtilde", return_expected_set=True)
    return float(o), float(e[2])


ref_sig = signal_nominal(dict(full(ref)))
for p in ps.patches[::stride]:
    f = full(p.name)
    sig = signal_nominal(dict(f))
    new = copy.deepcopy(sl)
    for c in new["channels"]:
        for s in c["samples"]:
            if not s["name"].startswith("signal"):
                continue
            j = int(s["name"].rsplit("_bin", 1)[1]) if "_bin" in s["name"] else 0
            r = sig[c["name"]][j] / ref_sig[c["name"]][j] if ref_sig[c["name"]][j] else 0.0
            s["data"] = [v * r for v in s["data"]]
            for m in s["modifiers"]:
                if m["type"] == "histosys":
                    m["data"] = {k: [v * r for v in vs] for k, vs in m["data"].items()}
    fo, fe = cls(f)
    so, se = cls(hfx.Workspace(new))
    print(f"{p.name:20s} full CLs {fo:.4g}  obs {100 * (so / fo - 1):+.1f}%  exp {100 * (se / fe - 1):+.1f}%")
