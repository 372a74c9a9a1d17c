"""Shared paths and helpers for the hfx Python tests. Data is found relative to this file."""

import json
import os
import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
REFERENCE = DATA / "reference"
GOLDEN = DATA / "golden"

# The published (real) cases that have reference.json.
REAL_CASES = ["1Lbb-simplified", "3L-eRJR", "sbottom-multib-regionA", "staus-highmass"]


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def all_reference_workspaces():
    return sorted(str(p.parent.relative_to(REFERENCE)) for p in REFERENCE.rglob("workspace.json"))


@pytest.fixture(scope="session")
def golden_infer():
    return load_json(GOLDEN / "infer.json")


def assert_rel(got, want, rel, what=""):
    got, want = float(got), float(want)
    assert abs(got - want) <= rel * max(abs(want), 1e-300), f"{what}: got {got!r}, want {want!r} (rel {rel})"


def with_interchange_defaults(ws):
    """What a workspace becomes in HistFactory XML or HS3 without loss (both give every
    normfactor a configuration: pyhf's defaults bounds [[0, 10]] and inits [1] where the
    original has none; both keep observations only for channels). A copy."""
    import copy

    ws = copy.deepcopy(ws)
    types = {m["name"]: m["type"] for c in ws["channels"] for s in c["samples"] for m in s["modifiers"]}
    channels = {c["name"] for c in ws["channels"]}
    ws["observations"] = [o for o in ws["observations"] if o["name"] in channels]
    for meas in ws["measurements"]:
        pars = meas["config"]["parameters"]
        by_name = {p["name"]: p for p in pars}
        for name, t in types.items():
            if t != "normfactor":
                continue
            if name not in by_name:
                pars.append({"name": name, "bounds": [[0.0, 10.0]], "inits": [1.0]})
            else:
                by_name[name].setdefault("bounds", [[0.0, 10.0]])
                by_name[name].setdefault("inits", [1.0])
    return ws


@pytest.fixture(scope="session")
def hfx_cli():
    path = pathlib.Path(os.environ.get("HFX_CLI", REPO / "build" / "release" / "cli" / "hfx"))
    if not path.is_file():
        pytest.skip(f"no hfx CLI at {path} (build it, or set HFX_CLI)")
    if subprocess.run([str(path), "report", "--help"], capture_output=True).returncode != 0:
        pytest.skip(f"{path} has no 'report' subcommand (an older build)")
    return str(path)
