#!/usr/bin/env python3
"""Before/after: two hfx binaries on the scaling benchmark's combinations, interleaved.

    /usr/bin/python3 bench/compare_scaling_builds.py OLD_HFX NEW_HFX WS.json... [--timeout S]

For each workspace, runs `hfx inspect`, `hfx fit` (each binary's default output) and
`hfx cls` with the old and then the new binary, and prints wall time and peak memory
(/usr/bin/time) side by side; a run beyond --timeout seconds is stopped and shown as such.
Make the workspaces with bench/scaling.py (or bench/make_combination.py).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scaling import timed  # noqa: E402


def show(result, timeout):
    return f"> {timeout:.0f} s" if result is None else f"{result[0]:.2f} s, {result[1]:.0f} MB"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("workspaces", nargs="+")
    ap.add_argument("--timeout", type=float, default=300)
    a = ap.parse_args()
    print("| workspace | command | old | new |")
    print("|---|---|---:|---:|")
    for ws in a.workspaces:
        for cmd in (["inspect"], ["fit"], ["cls"]):
            old = timed([a.old] + cmd + [ws], timeout=a.timeout)
            new = timed([a.new] + cmd + [ws], timeout=a.timeout)
            print(f"| {os.path.basename(ws)} | {' '.join(cmd)} | {show(old, a.timeout)} | {show(new, a.timeout)} |",
                  flush=True)


if __name__ == "__main__":
    main()
