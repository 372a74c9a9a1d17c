#!/usr/bin/env bash
# Times `hfx cls --calctype toybased` on the synthetic 50-channel workspace
# (bench/make_toy_workspace.py): NTOYS s+b + NTOYS b-only toys of qtilde at mu = 1.
#
#   bench/bench_toys.sh [HFX_BINARY] [NTOYS] [THREADS]
#   (defaults: build/cli/hfx, 10000, 0 = all cores)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hfx="${1:-$here/../build/cli/hfx}"
ntoys="${2:-10000}"
threads="${3:-0}"
cores="$threads"
[[ "$cores" == 0 ]] && cores="$(nproc)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$here/make_toy_workspace.py" "$tmp/ws.json"
start=$(date +%s.%N)
"$hfx" cls "$tmp/ws.json" --calctype toybased --ntoys "$ntoys" --seed 1 --threads "$threads" \
  --test-poi 1 --output-file "$tmp/out.json" 2>/dev/null
end=$(date +%s.%N)
/usr/bin/python3 - "$start" "$end" "$ntoys" "$cores" "$tmp/out.json" <<'PY'
import json, sys
start, end, ntoys, cores, out = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
wall = end - start
r = json.load(open(out))
toys = 2 * ntoys
print(f"hfx cls --calctype toybased --ntoys {ntoys}: {toys} toys (s+b and b) on {cores} core(s)")
print(f"wall time {wall:.3f} s   {toys / wall:.0f} toys/s   {toys / wall / cores:.0f} toys/s/core")
print(f"CLs_obs {r['CLs_obs']:.4f}  CLs_exp {[round(x, 4) for x in r['CLs_exp']]}  n_failed {r['n_failed']}")
PY
