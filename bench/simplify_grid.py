"""How far hfx simplify's histfactory form is from the full model over a signal grid:
for every (stride-th) point of a patchset, the relative differences of CLs at mu = 1
(observed, expected median) and of the upper limits (observed, expected median).

Usage: PYTHONPATH=build/release/python /usr/bin/python3 bench/simplify_grid.py BKG.json PATCHSET.json [STRIDE] [noverify]
(noverify: apply the patches without checking the patchset's digest of BKG.json)."""
import json, sys, time, numpy as np, hfx
bkg = json.load(open(sys.argv[1])); ps = hfx.PatchSet(json.load(open(sys.argv[2])))
stride = int(sys.argv[3]) if len(sys.argv) > 3 else 1
rows = []
t0 = time.time()
for p in ps.patches[::stride]:
    full = hfx.Workspace(p.apply(bkg) if "noverify" in sys.argv else ps.apply(bkg, p.name))
    sl, info = hfx.reinterpret.simplify(full)
    out = []
    for w in (full, sl):
        m = w.model(); d = w.data(m)
        o, e = hfx.infer.hypotest(1.0, d, m, test_stat="qtilde", return_expected_set=True)
        try:
            ul = hfx.infer.intervals.upper_limits.upper_limit(d, m)
            lim = (float(ul[0]), float(ul[1][2]))
        except ValueError:
            lim = (np.nan, np.nan)
        out.append((float(o), float(e[2])) + lim)
    (fo, fe, fu, fue), (so, se, su, sue) = out
    rows.append((p.name, fo, so / fo - 1, se / fe - 1, su / fu - 1, sue / fue - 1, info["components"]))
r = np.array([x[2:6] for x in rows])
print(f"{len(rows)} points, {time.time() - t0:.1f} s")
for k, name in enumerate(["CLs obs", "CLs exp", "limit obs", "limit exp"]):
    a = np.abs(r[:, k]); a = a[np.isfinite(a)]
    print(f"{name}: median |diff| {100*np.median(a):.2f}%  90% {100*np.quantile(a, 0.9):.2f}%  max {100*a.max():.2f}%  within 5%: {np.sum(a < 0.05)}/{len(a)}")
mask = np.array([x[1] for x in rows]) > 1e-3
a = np.abs(r[mask, 0]); print(f"CLs obs, points with full CLs > 0.001: {mask.sum()}, max {100*a.max():.2f}%, within 5%: {np.sum(a<0.05)}")
worst = sorted(rows, key=lambda x: -abs(x[2]))[:3]
for w in worst: print("worst", w)
