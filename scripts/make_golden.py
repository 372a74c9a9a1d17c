#!/usr/bin/env python3
"""Generate golden reference outputs of HistFactory workspace operations with the REAL pyhf.

Run from the repository root:

    bash /work/shared/tools/pyhf-ref.sh /work/.mirror/scikit-hep+pyhf/repo /tmp/pyhf-ref
    PYTHONPATH=/tmp/pyhf-ref/src /usr/bin/python3 scripts/make_golden.py

Writes tests/data/golden/manifest.json (a JSON list of cases) plus one JSON file per
expected output (tests/data/golden/<op>/<id>.json).  Prepared inputs (workspaces renamed /
pruned / edited so that combinations are meaningful) go to tests/data/golden/inputs/.
Output is deterministic: re-running produces byte-identical files (the generation date
is recorded only in tests/data/golden/PROVENANCE.json, at day resolution).

Manifest entry keys:
  id, op, inputs (paths relative to the repo root), args, expected (path or null),
  error (pyhf exception class name or null), error_message (str or null),
  digest (pyhf.utils.digest of the output workspace, or of the input for op "digest"),
  plus op-specific extras (expected_text for patchset_inspect, note).
This script only *uses* pyhf as an oracle; no pyhf code is copied into the project.
"""
import copy
import datetime
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

# pyhf error messages format Python sets; fix the hash seed so reruns are byte-identical
if os.environ.get("PYTHONHASHSEED") != "0":
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable, *sys.argv])

import jsonpatch
import numpy as np
import scipy

import pyhf

ROOT = Path(__file__).resolve().parent.parent
REF = ROOT / "tests" / "data" / "reference"
GOLD = ROOT / "tests" / "data" / "golden"
PYHF_DIR = Path(os.environ.get("PYHF_REF_DIR", "/tmp/pyhf-ref"))
PYHF_CLI = PYHF_DIR / "pyhf"


def git(*args):
    return subprocess.run(
        ["git", "-C", str(PYHF_DIR), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


PYHF_COMMIT = git("rev-parse", "HEAD")
PYHF_COMMIT_DATE = git("log", "-1", "--format=%cI")

MANIFEST = []
IDS = set()


# ----------------------------------------------------------------------------- helpers
def rel(p):
    return str(Path(p).resolve().relative_to(ROOT))


def load(p):
    with open(p, encoding="utf-8") as f:
        return json.load(f)


def dump(obj, path, compact=True):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        if compact:
            json.dump(obj, f, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        else:
            json.dump(obj, f, sort_keys=True, indent=1, ensure_ascii=False)
        f.write("\n")
    return rel(path)


def safe(s):
    return s.replace("/", ".").replace(" ", "_")


def add(op, case_id, inputs, args, fn, kind="workspace", extra=None):
    """Run fn() (the pyhf oracle); record expected output or the exception."""
    cid = f"{op}/{case_id}"
    assert cid not in IDS, cid
    IDS.add(cid)
    entry = {
        "id": cid,
        "op": op,
        "inputs": [rel(i) for i in inputs],
        "args": args,
        "expected": None,
        "error": None,
        "error_message": None,
        "digest": None,
        "pyhf_commit": PYHF_COMMIT,
    }
    try:
        out = fn()
    except Exception as e:  # noqa: BLE001 - we record what pyhf raises
        entry["error"] = type(e).__name__
        entry["error_message"] = str(e)[:500]
        out = None
    if entry["error"] is None:
        if kind == "workspace":
            entry["expected"] = dump(dict(out), GOLD / op / f"{safe(case_id)}.json")
            entry["digest"] = pyhf.utils.digest(out)
        elif kind == "json":
            entry["expected"] = dump(out, GOLD / op / f"{safe(case_id)}.json")
        elif kind == "none":
            pass
        elif kind == "digest":
            entry["digest"] = out
        elif kind == "file":  # fn returned text already in JSON form (e.g. CLI stdout)
            p = GOLD / op / f"{safe(case_id)}.json"
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(out, encoding="utf-8")
            entry["expected"] = rel(p)
    if extra:
        entry.update(extra)
    MANIFEST.append(entry)
    status = entry["error"] or "ok"
    print(f"{cid:70s} {status}", file=sys.stderr)
    return out


def ws_files():
    return sorted(REF.glob("**/workspace.json"))


def case_name(p):
    return str(Path(p).parent.relative_to(REF))


def poi_of(ws, meas=None):
    return ws.get_measurement(measurement_name=meas)["config"]["poi"]


def input_ws(name, spec, note=None):
    """Write a prepared input workspace under golden/inputs and return its path."""
    p = GOLD / "inputs" / f"{name}.json"
    dump(dict(spec), p)
    return p


# ----------------------------------------------------------------------------- ops
def do_digest():
    files = sorted(
        [p for p in REF.glob("**/workspace.json")]
        + [p for p in REF.glob("**/published/*.json")]
    )
    for p in files:
        spec = load(p)
        kind = (
            "workspace"
            if isinstance(spec, dict) and "channels" in spec
            else "patchset"
            if isinstance(spec, dict) and "patches" in spec
            else "jsonpatch"
        )
        add(
            "digest",
            rel(p).replace("tests/data/reference/", ""),
            [p],
            {},
            lambda spec=spec: pyhf.utils.digest(spec),
            kind="digest",
            extra={"input_kind": kind},
        )


def do_sorted():
    for p in ws_files():
        ws = pyhf.Workspace(load(p))
        add("sorted", case_name(p), [p], {}, lambda ws=ws: pyhf.Workspace.sorted(ws))


def prune_args(channels=(), samples=(), modifiers=(), modifier_types=(), measurements=()):
    return {
        "channels": list(channels),
        "samples": list(samples),
        "modifiers": list(modifiers),
        "modifier_types": list(modifier_types),
        "measurements": list(measurements),
    }


def rename_args(channels=None, samples=None, modifiers=None, measurements=None):
    return {
        "channels": dict(channels or {}),
        "samples": dict(samples or {}),
        "modifiers": dict(modifiers or {}),
        "measurements": dict(measurements or {}),
    }


def run_prune(ws, a):
    return ws.prune(
        channels=a["channels"],
        samples=a["samples"],
        modifiers=a["modifiers"],
        modifier_types=a["modifier_types"],
        measurements=a["measurements"],
    )


def run_rename(ws, a):
    return ws.rename(
        channels=a["channels"],
        samples=a["samples"],
        modifiers=a["modifiers"],
        measurements=a["measurements"],
    )


REAL = [
    "sbottom-multib-regionA",
    "3L-eRJR",
    "1Lbb-simplified",
    "staus-highmass",
    "small/pyhf-patchset-example",
    "small/litehf-staterror-shapesys",
]


def signal_and_bkg(ws):
    poi = poi_of(ws)
    sig = sorted(
        {
            s["name"]
            for c in ws["channels"]
            for s in c["samples"]
            for m in s["modifiers"]
            if m["name"] == poi
        }
    )
    bkg = [s for s in ws.samples if s not in sig]
    return sig, bkg


def do_prune():
    for p in ws_files():
        case = case_name(p)
        ws = pyhf.Workspace(load(p))
        poi = poi_of(ws)
        chans = [c["name"] for c in ws["channels"]]
        sig, bkg = signal_and_bkg(ws)
        mods = sorted({n for n, _ in ws.modifiers if n != poi})
        types = sorted({t for _, t in ws.modifiers})
        cases = []
        full = case in REAL
        # one modifier type (every type for the real / multi-feature cases)
        for t in types if full else types[:1]:
            if t == "normfactor":
                continue
            cases.append((f"type_{t}", prune_args(modifier_types=[t])))
        if bkg:
            cases.append(("sample_" + bkg[0], prune_args(samples=[bkg[0]])))
        if len(chans) > 1:
            cases.append(("channel_" + chans[0], prune_args(channels=[chans[0]])))
        if full:
            pick = [mods[0], mods[len(mods) // 2], mods[-1]] if len(mods) >= 3 else mods
            pick = sorted(set(pick))
            cases.append(("modifiers_3", prune_args(modifiers=pick)))
            cases.append(("poi_modifier", prune_args(modifiers=[poi])))
            if "lumi" in dict(ws.modifiers):
                cases.append(("lumi", prune_args(modifiers=["lumi"])))
            if len(chans) > 1 and len(bkg) > 1:
                cases.append(
                    (
                        "combo",
                        prune_args(
                            channels=[chans[-1]],
                            samples=[bkg[-1]],
                            modifiers=[mods[0]],
                            modifier_types=[types[0]] if types[0] != "normfactor" else [],
                        ),
                    )
                )
            if len(ws.measurement_names) > 1:
                cases.append(
                    ("measurement", prune_args(measurements=[ws.measurement_names[0]]))
                )
                cases.append(
                    ("measurements_all", prune_args(measurements=list(ws.measurement_names)))
                )
            # every sample of the signal (leaves channels with only bkg; ok) and all
            # samples (empty channels -> schema error)
            cases.append(("samples_all", prune_args(samples=list(ws.samples))))
            cases.append(("channels_all", prune_args(channels=chans)))
            # errors: names that do not exist
            cases.append(("err_channel", prune_args(channels=["no_such_channel"])))
            cases.append(("err_sample", prune_args(samples=["no_such_sample"])))
            cases.append(("err_modifier", prune_args(modifiers=["no_such_modifier"])))
            missing_types = [
                t
                for t in ["shapefactor", "shapesys", "staterror", "histosys", "normsys", "lumi"]
                if t not in types
            ]
            cases.append(
                ("err_modifier_type_absent", prune_args(modifier_types=[missing_types[0]]))
            )
            cases.append(
                ("err_modifier_type_invalid", prune_args(modifier_types=["no_such_type"]))
            )
            cases.append(("err_measurement", prune_args(measurements=["no_such_measurement"])))
            cases.append(
                (
                    "err_mixed_valid_and_missing",
                    prune_args(channels=[chans[0]], samples=["no_such_sample"]),
                )
            )
        for name, a in cases:
            add("prune", f"{case}/{name}", [p], a, lambda ws=ws, a=a: run_prune(ws, a))


def do_rename():
    for p in ws_files():
        case = case_name(p)
        ws = pyhf.Workspace(load(p))
        poi = poi_of(ws)
        chans = [c["name"] for c in ws["channels"]]
        sig, bkg = signal_and_bkg(ws)
        # lumi modifiers must be named "lumi" (pyhf schema), so renaming lumi is its own
        # (failing) case and is excluded from the generic picks
        mods = sorted({n for n, _ in ws.modifiers if n != poi and n != "lumi"})
        full = case in REAL
        cases = [
            ("channel", rename_args(channels={chans[0]: chans[0] + "_renamed"})),
            ("poi", rename_args(modifiers={poi: "mu_renamed"})),
        ]
        if full:
            cases.append(
                ("sample", rename_args(samples={s: s + "_X" for s in (sig[:1] + bkg[:1])}))
            )
            cases.append(
                (
                    "modifiers",
                    rename_args(modifiers={mods[0]: "renamed_a", mods[-1]: "renamed_b"}),
                )
            )
            if "lumi" in dict(ws.modifiers):
                cases.append(("err_lumi", rename_args(modifiers={"lumi": "luminosity"})))
            cases.append(
                (
                    "measurement",
                    rename_args(measurements={ws.measurement_names[0]: "renamed_meas"}),
                )
            )
            cases.append(
                (
                    "all",
                    rename_args(
                        channels={c: f"ch{i}" for i, c in enumerate(chans)},
                        samples={s: f"smp{i}" for i, s in enumerate(ws.samples)},
                        modifiers={m: f"mod{i}" for i, m in enumerate(mods)},
                        measurements={m: f"meas{i}" for i, m in enumerate(ws.measurement_names)},
                    ),
                )
            )
            cases.append(("identity", rename_args(channels={chans[0]: chans[0]})))
            if len(chans) > 1:
                cases.append(
                    ("swap_channels", rename_args(channels={chans[0]: chans[1], chans[1]: chans[0]}))
                )
                cases.append(
                    ("err_channel_collision", rename_args(channels={chans[0]: chans[1]}))
                )
            if len(ws.samples) > 1:
                cases.append(
                    ("err_sample_collision", rename_args(samples={ws.samples[0]: ws.samples[1]}))
                )
            if len(mods) > 1:
                # same-name modifiers are allowed if their types differ (then they share a
                # parameter); same type within one sample -> InvalidModel
                cases.append(
                    ("modifier_collision", rename_args(modifiers={mods[0]: mods[1]}))
                )
            if len(ws.measurement_names) > 1:
                cases.append(
                    (
                        "measurement_collision",
                        rename_args(
                            measurements={ws.measurement_names[0]: ws.measurement_names[1]}
                        ),
                    )
                )
            cases.append(("err_channel", rename_args(channels={"no_such_channel": "x"})))
            cases.append(("err_sample", rename_args(samples={"no_such_sample": "x"})))
            cases.append(("err_modifier", rename_args(modifiers={"no_such_modifier": "x"})))
            cases.append(
                ("err_measurement", rename_args(measurements={"no_such_measurement": "x"}))
            )
        for name, a in cases:
            add("rename", f"{case}/{name}", [p], a, lambda ws=ws, a=a: run_rename(ws, a))


def do_combine():
    def comb(l, r, join, merge):
        return pyhf.Workspace.combine(l, r, join=join, merge_channels=merge)

    JOINS = ["none", "outer", "left outer", "right outer"]

    def all_joins(tag, lp, rp, lw, rw, note=None):
        for join in JOINS:
            for merge in (False, True):
                add(
                    "combine",
                    f"{tag}/{join.replace(' ', '_')}{'_merge' if merge else ''}",
                    [lp, rp],
                    {"join": join, "merge_channels": merge},
                    lambda lw=lw, rw=rw, join=join, merge=merge: comb(lw, rw, join, merge),
                    extra={"note": note} if note else None,
                )

    # --- small multi-measurement example (lumi with parameter configs) -------------
    ap = REF / "small/pyhf-patchset-example/workspace.json"
    A = pyhf.Workspace(load(ap))
    all_joins("ex_self", ap, ap, A, A, "identical workspaces")

    # disjoint: channel + all measurements renamed -> join none works
    B = A.rename(
        channels={"channel1": "channel2"},
        measurements={m: m + "_2" for m in A.measurement_names},
    )
    bp = input_ws("ex_disjoint", B)
    all_joins("ex_disjoint", ap, bp, A, B, "no common channel/measurement names")

    # channel renamed only: identical measurements shared
    C = A.rename(channels={"channel1": "channel2"})
    cp = input_ws("ex_chan2", C)
    all_joins("ex_chan2_samemeas", ap, cp, A, C, "disjoint channels, identical measurements")

    # measurement clash with different parameter configs (lumi sigma and auxdata changed,
    # extra parameter config added)
    D = copy.deepcopy(dict(C))
    for m in D["measurements"]:
        for par in m["config"]["parameters"]:
            if par["name"] == "lumi":
                par["sigmas"] = [0.05]
                par["auxdata"] = [1.0]
                par["bounds"] = [[0.7, 1.3]]
        m["config"]["parameters"].append({"name": "syst2", "fixed": True})
    D = pyhf.Workspace(D)
    dp = input_ws("ex_chan2_lumiconf", D)
    all_joins(
        "ex_meas_clash_config",
        ap,
        dp,
        A,
        D,
        "same measurement names, different lumi parameter config + extra fixed param",
    )

    # measurement clash with only an added parameter config (mergeable under outer)
    E = copy.deepcopy(dict(C))
    for m in E["measurements"]:
        m["config"]["parameters"].append({"name": "syst2", "fixed": True})
    E = pyhf.Workspace(E)
    ep = input_ws("ex_chan2_extraparam", E)
    all_joins(
        "ex_meas_extra_param",
        ap,
        ep,
        A,
        E,
        "same measurement names, right adds a parameter config (mergeable)",
    )

    # measurement clash with different POI
    F = C.rename(modifiers={"SigXsecOverSM": "mu_other"})
    fp = input_ws("ex_chan2_otherpoi", F)
    all_joins("ex_meas_clash_poi", ap, fp, A, F, "same measurement names, different POI")

    # same channel name, different samples (merge_channels matters)
    G = A.rename(samples={"background1": "background3"})
    gp = input_ws("ex_samplerenamed", G)
    all_joins("ex_same_channel_diff_samples", ap, gp, A, G, "same channel, right has background3 instead of background1")

    # same channel, same samples but different observation -> observations clash
    H = copy.deepcopy(dict(G))
    H["observations"][0]["data"] = [x + 1.0 for x in H["observations"][0]["data"]]
    H = pyhf.Workspace(H)
    hp = input_ws("ex_samplerenamed_obs", H)
    all_joins("ex_same_channel_diff_obs", ap, hp, A, H, "as ex_same_channel_diff_samples, observation +1")

    # --- pyhf-validation 2-channel models: same channel names, different contents ----
    vp = REF / "pyhf-validation/2bin_2channel/workspace.json"
    wp = REF / "pyhf-validation/2bin_2channel_couplednorm/workspace.json"
    all_joins("val_2ch_vs_couplednorm", vp, wp, pyhf.Workspace(load(vp)), pyhf.Workspace(load(wp)))

    # --- real workspaces: sbottom + 1Lbb-simplified (different measurements) --------
    sp = REF / "sbottom-multib-regionA/workspace.json"
    S = pyhf.Workspace(load(sp))
    lp = REF / "1Lbb-simplified/workspace.json"
    L = pyhf.Workspace(load(lp))
    L2 = L.rename(modifiers={poi_of(L): poi_of(S)}, measurements={L.measurement_names[0]: S.measurement_names[0]})
    l2p = input_ws("1Lbb_as_NormalMeasurement", L2)
    for join in JOINS:
        add(
            "combine",
            f"sbottom_1Lbb/{join.replace(' ', '_')}",
            [sp, lp],
            {"join": join, "merge_channels": False},
            lambda join=join: comb(S, L, join, False),
        )
        add(
            "combine",
            f"sbottom_1Lbb_samemeas/{join.replace(' ', '_')}",
            [sp, l2p],
            {"join": join, "merge_channels": False},
            lambda join=join: comb(S, L2, join, False),
            extra={"note": "1Lbb POI and measurement renamed to sbottom's; lumi configs differ"},
        )
    # self-combination of a real workspace under outer join with merge
    add(
        "combine",
        "sbottom_self/outer_merge",
        [sp, sp],
        {"join": "outer", "merge_channels": True},
        lambda: comb(S, S, "outer", True),
    )
    # split a real workspace into two halves and recombine
    chans = [c["name"] for c in S["channels"]]
    S1 = S.prune(channels=chans[1:])
    S2 = S.prune(channels=chans[:1])
    s1p = input_ws("sbottom_first_channel", S1)
    s2p = input_ws("sbottom_other_channels", S2)
    for join in ["none", "outer"]:
        add(
            "combine",
            f"sbottom_split/{join}",
            [s1p, s2p],
            {"join": join, "merge_channels": False},
            lambda join=join: comb(S1, S2, join, False),
            extra={"note": "halves of one workspace (pruned by channel); measurements identical"},
        )
    # invalid join value
    add(
        "combine",
        "ex_self/err_invalid_join",
        [ap, ap],
        {"join": "inner", "merge_channels": False},
        lambda: comb(A, A, "inner", False),
    )


def do_data():
    files = ws_files() + sorted(REF.glob("**/published/*BkgOnly*.json")) + sorted(
        REF.glob("**/published/example_bkgonly.json")
    )
    for p in files:
        case = rel(p).replace("tests/data/reference/", "").replace(".json", "")
        ws = pyhf.Workspace(load(p))
        if "published" in case:
            # bkg-only workspaces lack the POI modifier: ws.model() raises InvalidModel;
            # ws.model(poi_name=None) builds a POI-less model
            for aux in (True, False):
                def fn0(ws=ws, aux=aux):
                    model = ws.model(poi_name=None)
                    return [float(x) for x in np.asarray(ws.data(model, include_auxdata=aux))]

                add(
                    "data",
                    f"{case}/default_poi_none/{'aux' if aux else 'noaux'}",
                    [p],
                    {"measurement": None, "include_auxdata": aux, "poi_name": None},
                    fn0,
                    kind="json",
                )
        for meas in [None] + (ws.measurement_names if len(ws.measurement_names) > 1 else []):
            for aux in (True, False):
                def fn(ws=ws, meas=meas, aux=aux):
                    model = ws.model(measurement_name=meas)
                    return [float(x) for x in np.asarray(ws.data(model, include_auxdata=aux))]

                add(
                    "data",
                    f"{case}/{meas or 'default'}/{'aux' if aux else 'noaux'}",
                    [p],
                    {"measurement": meas, "include_auxdata": aux},
                    fn,
                    kind="json",
                )
    p = REF / "small/pyhf-patchset-example/workspace.json"
    ws = pyhf.Workspace(load(p))
    add(
        "data",
        "small/pyhf-patchset-example/err_measurement",
        [p],
        {"measurement": "no_such_measurement", "include_auxdata": True},
        lambda: ws.data(ws.model(measurement_name="no_such_measurement")),
        kind="json",
    )


PATCHSETS = [
    ("small/pyhf-patchset-example", "published/example_bkgonly.json", "published/example_patchset.json"),
    ("1Lbb-simplified", "published/simplified_BkgOnly.json", "published/simplified_patchset.json"),
    ("3L-eRJR", "published/BkgOnly.json", "published/patchset.json"),
]


def pick_patches(ps, case):
    names = [p.name for p in ps.patches]
    if case == "3L-eRJR":
        want = ["ERJR_200p0_100p0", names[0], names[-1]]
    elif len(names) > 3:
        want = [names[0], names[len(names) // 2], names[-1]]
        if "C1N2_Wh_hbb_700_150" in names:
            want[1] = "C1N2_Wh_hbb_700_150"
    else:
        want = names
    out = []
    for n in want:
        if n not in out:
            out.append(n)
    return out


def cli(*args):
    r = subprocess.run([str(PYHF_CLI), *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"pyhf {' '.join(args)} failed: {r.stderr[-2000:]}")
    return r.stdout


def do_patchsets():
    for case, bkg_rel, ps_rel in PATCHSETS:
        bp, pp = REF / case / bkg_rel, REF / case / ps_rel
        ps_spec = load(pp)
        ps = pyhf.PatchSet(ps_spec)
        bkg = pyhf.Workspace(load(bp))

        # inspect
        text = cli("patchset", "inspect", str(pp))
        tp = GOLD / "patchset_inspect" / f"{safe(case)}.txt"
        tp.parent.mkdir(parents=True, exist_ok=True)
        tp.write_text(text, encoding="utf-8")
        add(
            "patchset_inspect",
            case,
            [pp],
            {},
            lambda ps=ps: {
                "metadata": ps.metadata,
                "version": ps.version,
                "description": ps.description,
                "references": ps.references,
                "digests": ps.digests,
                "labels": ps.labels,
                "patches": [p.name for p in ps.patches],
                "values": [list(p.values) for p in ps.patches],
                "npatches": len(ps),
            },
            kind="json",
            extra={"expected_text": rel(tp)},
        )

        names = pick_patches(ps, case)
        # extract (CLI output stored verbatim)
        for n in names:
            add(
                "patchset_extract",
                f"{case}/{n}",
                [pp],
                {"name": n, "with_metadata": False},
                lambda n=n, pp=pp: cli("patchset", "extract", str(pp), "--name", n),
                kind="file",
            )
        add(
            "patchset_extract",
            f"{case}/{names[0]}/with_metadata",
            [pp],
            {"name": names[0], "with_metadata": True},
            lambda n=names[0], pp=pp: cli(
                "patchset", "extract", str(pp), "--name", n, "--with-metadata"
            ),
            kind="file",
        )
        add(
            "patchset_extract",
            f"{case}/err_no_such_patch",
            [pp],
            {"name": "no_such_patch", "with_metadata": False},
            lambda ps=ps: ps["no_such_patch"].patch,
            kind="json",
        )

        # verify
        add("patchset_verify", case, [bp, pp], {}, lambda ps=ps, bkg=bkg: ps.verify(bkg), kind="none")

        # apply (by name, by values)
        for n in names:
            add(
                "patchset_apply",
                f"{case}/{n}",
                [bp, pp],
                {"name": n},
                lambda ps=ps, bkg=bkg, n=n: ps.apply(bkg, n),
            )
        vals = list(ps[names[-1]].values)
        add(
            "patchset_apply",
            f"{case}/values_{'_'.join(str(v) for v in vals)}",
            [bp, pp],
            {"values": vals},
            lambda ps=ps, bkg=bkg, vals=vals: ps.apply(bkg, vals),
        )
        add(
            "patchset_apply",
            f"{case}/err_no_such_patch",
            [bp, pp],
            {"name": "no_such_patch"},
            lambda ps=ps, bkg=bkg: ps.apply(bkg, "no_such_patch"),
        )
        add(
            "patchset_apply",
            f"{case}/err_no_such_values",
            [bp, pp],
            {"values": [-1, -1]},
            lambda ps=ps, bkg=bkg: ps.apply(bkg, [-1, -1]),
        )

    # verify against the wrong workspace -> PatchSetVerificationError
    ex_ps = REF / "small/pyhf-patchset-example/published/example_patchset.json"
    l3_bkg = REF / "3L-eRJR/published/BkgOnly.json"
    add(
        "patchset_verify",
        "example_patchset_vs_3L_BkgOnly",
        [l3_bkg, ex_ps],
        {},
        lambda: pyhf.PatchSet(load(ex_ps)).verify(pyhf.Workspace(load(l3_bkg))),
        kind="none",
    )
    add(
        "patchset_apply",
        "example_patchset_vs_3L_BkgOnly",
        [l3_bkg, ex_ps],
        {"name": "patch_channel1_signal_syst1"},
        lambda: pyhf.PatchSet(load(ex_ps)).apply(
            pyhf.Workspace(load(l3_bkg)), "patch_channel1_signal_syst1"
        ),
    )
    # verify the example patchset against the *signal-patched* workspace (not bkg-only)
    ex_ws = REF / "small/pyhf-patchset-example/workspace.json"
    add(
        "patchset_verify",
        "example_patchset_vs_patched_workspace",
        [ex_ws, ex_ps],
        {},
        lambda: pyhf.PatchSet(load(ex_ps)).verify(pyhf.Workspace(load(ex_ws))),
        kind="none",
    )


def do_jsonpatch():
    for p in sorted(REF.glob("**/published/patch.*.json")):
        case = p.parent.parent
        bkg = sorted(case.glob("published/*BkgOnly*.json"))[0]
        spec = load(bkg)
        patch = load(p)

        def fn(spec=spec, patch=patch):
            return pyhf.Workspace(jsonpatch.apply_patch(spec, patch))

        name = f"{case.name}/{p.stem}"
        add("jsonpatch_apply", name, [bkg, p], {}, fn)
        # is the result the corpus workspace.json?
        MANIFEST[-1]["same_as"] = (
            rel(case / "workspace.json")
            if MANIFEST[-1]["digest"] == pyhf.utils.digest(load(case / "workspace.json"))
            else None
        )
    # 1Lbb-simplified: the patchset's digest does not match the published bkg-only file, so
    # PatchSet.apply raises; apply the extracted patches (golden patchset_extract outputs)
    # unverified with jsonpatch instead.
    case = REF / "1Lbb-simplified"
    bkg = case / "published/simplified_BkgOnly.json"
    for e in [e for e in MANIFEST if e["op"] == "patchset_extract"]:
        if not e["id"].startswith("patchset_extract/1Lbb-simplified/") or e["error"]:
            continue
        if e["args"].get("with_metadata"):
            continue
        patch = load(ROOT / e["expected"])
        add(
            "jsonpatch_apply",
            f"1Lbb-simplified/extracted.{e['args']['name']}",
            [bkg, ROOT / e["expected"]],
            {},
            lambda spec=load(bkg), patch=patch: pyhf.Workspace(jsonpatch.apply_patch(spec, patch)),
            extra={"note": "unverified apply: patchset digest != simplified_BkgOnly digest"},
        )


def main():
    os.chdir(ROOT)
    if GOLD.exists():
        for sub in GOLD.iterdir():
            if sub.is_dir() and sub.name in {
                "digest", "sorted", "prune", "rename", "combine", "data", "inputs",
                "patchset_inspect", "patchset_extract", "patchset_apply",
                "patchset_verify", "jsonpatch_apply",
            }:
                shutil.rmtree(sub)
    GOLD.mkdir(parents=True, exist_ok=True)
    do_digest()
    do_sorted()
    do_prune()
    do_rename()
    do_combine()
    do_data()
    do_patchsets()
    do_jsonpatch()
    dump(MANIFEST, GOLD / "manifest.json", compact=False)
    prov = {
        "generator": "scripts/make_golden.py (+ make_golden_infer.py, make_golden_toys.py)",
        "pyhf_version": pyhf.__version__,
        "pyhf_commit": PYHF_COMMIT,
        "pyhf_commit_date": PYHF_COMMIT_DATE,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "jsonpatch": getattr(jsonpatch, "__version__", None),
        "python": sys.version.split()[0],
        "generated_date": datetime.date.today().isoformat(),
        "command": "PYTHONPATH=/tmp/pyhf-ref/src /usr/bin/python3 scripts/make_golden.py",
        "n_manifest_entries": len(MANIFEST),
    }
    dump(prov, GOLD / "PROVENANCE.json", compact=False)
    print(f"{len(MANIFEST)} entries", file=sys.stderr)


if __name__ == "__main__":
    main()
