#!/usr/bin/env bash
# Whole signal grids with `hfx scan --upper-limit` (CLs at mu = 1 and observed + expected
# 95% CL upper limits, every point, loading included: process wall time) next to pyhf doing
# the same point by point. A benchmark, not a test.
#
# hfx: N runs per grid, interleaved between the grids, median and min of the process wall
# time; per-point median of the rows' time_s. pyhf: bench/pyhf_grid_sample.py times a sample
# of K points (patch + model + hypotest + upper_limit, pyhf's defaults) and scales the mean
# per-point time to the grid; with --pyhf it is run now (needs /tmp/pyhf-ref, see
# ../shared/tools/pyhf-ref.sh), else the last results in bench/results/ are used.
# Usage: bench/compare_scan.sh [BUILD_DIR] [N] [--pyhf K]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
n=${2:-11}
pyhf_k=""
if [ "${3:-}" = "--pyhf" ]; then pyhf_k=${4:-8}; fi
hfx="$build/cli/hfx"
ref=tests/data/reference
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

declare -A args
args[1Lbb]="$ref/1Lbb-simplified/published/simplified_BkgOnly.json $ref/1Lbb-simplified/published/simplified_patchset.json --no-verify"
args[3L]="$ref/3L-eRJR/published/BkgOnly.json $ref/3L-eRJR/published/patchset.json"
grids=(1Lbb 3L)

if [ -n "$pyhf_k" ]; then
  for g in "${grids[@]}"; do
    read -r bkg ps flag <<<"${args[$g]}"
    PYTHONPATH=/tmp/pyhf-ref/src /usr/bin/python3 bench/pyhf_grid_sample.py "$bkg" "$ps" --sample "$pyhf_k" \
      ${flag:+--no-verify} --out "bench/results/pyhf_grid_$g.json"
  done
fi

for ((i = 0; i < n; i++)); do
  for g in "${grids[@]}"; do
    rm -f "$tmp/$g.jsonl"
    # shellcheck disable=SC2086
    /usr/bin/time -f "%e" -o "$tmp/$g.time.$i" "$hfx" scan ${args[$g]} --upper-limit -o "$tmp/$g.jsonl" \
      >/dev/null 2>"$tmp/$g.err" || { cat "$tmp/$g.err" >&2; exit 1; }
    cp "$tmp/$g.jsonl" "$tmp/$g.last.jsonl"
  done
done

/usr/bin/python3 - "$tmp" "$n" "${grids[@]}" <<'PY'
import json, os, statistics, sys
tmp, n, grids = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; hfx: {n} runs per grid, interleaved")
print("| grid | points | hfx scan wall (median / min) | hfx per point (median time_s) | pyhf per point (median, sample) | pyhf grid (N x mean) | ratio |")
print("|---|---|---|---|---|---|---|")
for g in grids:
    walls = sorted(float(open(f"{tmp}/{g}.time.{i}").read().split()[-1]) for i in range(n))
    lines = open(f"{tmp}/{g}.last.jsonl").read().splitlines()
    rows = [json.loads(x) for x in lines[1:]]
    statuses = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    per_point = statistics.median(r["time_s"] for r in rows)
    wall = statistics.median(walls)
    pyhf = f"bench/results/pyhf_grid_{g}.json"
    if os.path.exists(pyhf):
        s = json.load(open(pyhf))["summary"]
        grid_s = s["estimated_grid_incl_load_s"]
        pyhf_cols = f"{s['median_per_point_total_s']:.3f} s ({s['points_run']} pts) | {grid_s:.1f} s | {grid_s / wall:,.0f}x"
    else:
        pyhf_cols = "- | - | -"
    print(f"| {g} | {len(rows)} {statuses} | {wall:.3f} s / {walls[0]:.3f} s | {per_point * 1e3:.2f} ms | {pyhf_cols} |")
PY
