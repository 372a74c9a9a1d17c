"""Shared paths and helpers for the hfx Python tests. Data is found relative to this file."""

import json
import pathlib

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
