#!/usr/bin/env python3
"""Loading before/after: two builds of hfx timed in interleaved rounds (a benchmark, not a test).

Each round runs, for each build (their order alternating between rounds):
in-process, `hfx_bench_load WORKSPACE PATCHSET 11` over the reference files (the median of 11
loads + validations, freeing included); as whole processes, 5 runs each of `hfx --version` (what
any process costs), `hfx digest WORKSPACE` and `hfx patchset inspect PATCHSET`, wall time and the
child's user + sys time. Prints the medians over all rounds and the load average seen.

Usage: bench/compare_load_builds.py BEFORE_BUILD_DIR AFTER_BUILD_DIR [ROUNDS]
(a build dir holds bench/hfx_bench_load and cli/hfx; older hfx_bench_load take WORKSPACE PATCHSET N)
"""
import os
import re
import resource
import statistics
import subprocess
import sys
import time

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data", "reference")
files = {
    "sbottom BkgOnly": "sbottom-multib-regionA/published/BkgOnly.json",
    "3L BkgOnly": "3L-eRJR/published/BkgOnly.json",
    "3L patchset": "3L-eRJR/published/patchset.json",
    "1Lbb simplified_patchset": "1Lbb-simplified/published/simplified_patchset.json",
}
files = {k: os.path.normpath(os.path.join(root, f)) for k, f in files.items()}
# (workspace, patchset) pairs for hfx_bench_load
pairs = [(files["sbottom BkgOnly"], files["3L patchset"]), (files["3L BkgOnly"], files["1Lbb simplified_patchset"])]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    builds = {"before": sys.argv[1], "after": sys.argv[2]}
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    jobs = [("--version", ["--version"], None)]
    for k, f in files.items():
        jobs.append((k, ["patchset", "inspect", f] if "patchset" in k else ["digest", f], f))
    wall = {(b, j[0]): [] for b in builds for j in jobs}
    cpu = {(b, j[0]): [] for b in builds for j in jobs}
    inproc = {(b, k): [] for b in builds for k in files}
    loads = []
    for r in range(rounds):
        loads.append(os.getloadavg()[0])
        for b in (["before", "after"] if r % 2 == 0 else ["after", "before"]):
            for ws, ps in pairs:
                out = subprocess.run([os.path.join(builds[b], "bench", "hfx_bench_load"), ws, ps, "11"],
                                     capture_output=True, text=True, check=True).stdout
                for m in re.finditer(r"load\+validate (\S+): ([\d.]+) ms", out):
                    key = next(k for k, f in files.items() if f == os.path.normpath(m.group(1)))
                    inproc[(b, key)].append(float(m.group(2)))
            for name, args, _ in jobs:
                for _ in range(5):
                    u0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    t0 = time.perf_counter()
                    subprocess.run([os.path.join(builds[b], "cli", "hfx")] + args, stdout=subprocess.DEVNULL, check=True)
                    t1 = time.perf_counter()
                    u1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    wall[(b, name)].append((t1 - t0) * 1e3)
                    cpu[(b, name)].append((u1.ru_utime + u1.ru_stime - u0.ru_utime - u0.ru_stime) * 1e3)
    med = statistics.median
    print(f"{rounds} rounds; load average (1 min) at their starts: median {med(loads):.2f}, "
          f"min {min(loads):.2f}, max {max(loads):.2f}")
    print(f"in-process load+validate (median over rounds of the median of 11):")
    for k, f in files.items():
        mb = os.path.getsize(f) / 1e6
        b, a = med(inproc[("before", k)]), med(inproc[("after", k)])
        print(f"  {k:26} {mb:5.2f} MB  before {b:7.2f} ms ({mb / b * 1e3:4.0f} MB/s)  "
              f"after {a:6.2f} ms ({mb / a * 1e3:4.0f} MB/s)  x{b / a:.2f}")
    print(f"process (median of {5 * rounds} runs): wall (MB/s), cpu = user + sys")
    for name, args, f in jobs:
        bw, aw = med(wall[("before", name)]), med(wall[("after", name)])
        bc, ac = med(cpu[("before", name)]), med(cpu[("after", name)])
        mb = os.path.getsize(f) / 1e6 if f else 0
        rate = (lambda t: f" ({mb / t * 1e3:4.0f} MB/s)") if f else (lambda t: "")
        shown = " ".join(os.path.relpath(a, root) if a.startswith("/") else a for a in args)
        print(f"  hfx {shown:68} before {bw:6.2f} ms{rate(bw)} cpu {bc:6.2f} | "
              f"after {aw:6.2f} ms{rate(aw)} cpu {ac:6.2f}  x{bw / aw:.2f}")


if __name__ == "__main__":
    main()
