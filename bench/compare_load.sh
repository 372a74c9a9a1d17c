#!/usr/bin/env bash
# Times loading + validating the largest reference workspaces and patchsets with hfx:
# in-process (hfx_bench_load: load+validate, and parse_json alone, median of N) and as
# whole processes (`hfx digest WORKSPACE`, `hfx patchset inspect PATCHSET`, and
# `hfx --version` for what any process costs; median wall time of N runs). When the pyhf
# reference is set up (/tmp/pyhf-ref, see ../shared/tools/pyhf-ref.sh), pyhf doing the
# same in-process (json.load + pyhf.Workspace / pyhf.PatchSet with schema validation).
# A benchmark, not a test.
# Usage: bench/compare_load.sh [BUILD_DIR] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
n=${2:-20}
ws=tests/data/reference/sbottom-multib-regionA/published/BkgOnly.json  # largest workspace (880 kB)
ps=tests/data/reference/3L-eRJR/published/patchset.json      # largest patchset (3 MB)
ps_ws=tests/data/reference/3L-eRJR/published/BkgOnly.json
ps2=tests/data/reference/1Lbb-simplified/published/simplified_patchset.json  # 810 kB
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/hfx_bench_load" "$ws" "$ps_ws" "$ps" "$ps2" "$n"
/usr/bin/python3 - "$build/cli/hfx" "$n" "$ws" "$ps_ws" "$ps" "$ps2" <<'PY'
import os, statistics, subprocess, sys, time
hfx, n, files = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
jobs = [(["--version"], None)]
for f in files:
    jobs.append((["patchset", "inspect", f] if "patchset" in os.path.basename(f) else ["digest", f], f))
for args, f in jobs:
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([hfx] + args, stdout=subprocess.DEVNULL, check=True)
        ts.append(time.perf_counter() - t0)
    med = statistics.median(ts)
    rate = f" ({os.path.getsize(f) / 1e6 / med:.0f} MB/s)" if f else ""
    print(f"hfx   process {' '.join(args)}: {med * 1e3:.2f} ms{rate}")
PY
if [ -d /tmp/pyhf-ref/src ]; then
  PYTHONPATH=/tmp/pyhf-ref/src /usr/bin/python3 - "$ws" "$ps" "$n" <<'PY'
import json, statistics, sys, time
import pyhf
ws_path, ps_path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def med(f):
    ts = []
    for _ in range(n):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts)
def load_ws():
    with open(ws_path) as fh: pyhf.Workspace(json.load(fh))
def load_ps():
    with open(ps_path) as fh: pyhf.PatchSet(json.load(fh))
print(f"pyhf  workspace load+validate {ws_path}: {med(load_ws)*1e3:.2f} ms")
print(f"pyhf  patchset  load+validate {ps_path}: {med(load_ps)*1e3:.2f} ms")
PY
fi
