#!/usr/bin/env bash
# Times loading + validating the largest reference workspace and patchset with hfx and,
# when the pyhf reference is set up (/tmp/pyhf-ref, see ../shared/tools/pyhf-ref.sh),
# with pyhf doing the same (json.load + pyhf.Workspace / pyhf.PatchSet with schema
# validation), in-process, median of N repetitions. A benchmark, not a test.
# Usage: bench/compare_load.sh [BUILD_DIR] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
n=${2:-20}
ws=tests/data/reference/sbottom-multib-regionA/published/BkgOnly.json  # largest workspace (880 kB)
ps=tests/data/reference/3L-eRJR/published/patchset.json      # largest patchset (3 MB)
ps_ws=tests/data/reference/3L-eRJR/published/BkgOnly.json
"$build/bench/hfx_bench_load" "$ws" "$ps" "$n"
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
