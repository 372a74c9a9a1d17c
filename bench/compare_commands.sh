#!/usr/bin/env bash
# User-level commands timed with two hfx builds, interleaved (run k of every command with
# build A, then with build B), whole-process wall time; prints per command the median and
# range of each build.
#
#   bench/compare_commands.sh BUILD_A BUILD_B [RUNS]     (BUILD_* = a build directory)
#
# Inputs: the reference workspaces in tests/data/reference, and synthetic ones written by
# bench/make_toy_workspace.py and bench/make_combination.py into a scratch directory.
set -euo pipefail
a=${1:?usage: compare_commands.sh BUILD_A BUILD_B [RUNS]}
b=${2:?usage: compare_commands.sh BUILD_A BUILD_B [RUNS]}
runs=${3:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
ref=$root/tests/data/reference
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 "$root/bench/make_toy_workspace.py" "$tmp/toy201.json"
/usr/bin/python3 "$root/bench/make_combination.py" --channels 1000 --params 5000 -o "$tmp/comb5k.json" 2>/dev/null
/usr/bin/python3 "$root/bench/make_combination.py" --channels 100 --params 2000 -o "$tmp/comb2k.json" 2>/dev/null

commands=(
  "upper-limit staus|upper-limit $ref/staus-highmass/workspace.json"
  "upper-limit 3L-eRJR|upper-limit $ref/3L-eRJR/workspace.json"
  "upper-limit sbottom|upper-limit $ref/sbottom-multib-regionA/workspace.json"
  "upper-limit 1Lbb|upper-limit $ref/1Lbb-simplified/workspace.json"
  "scan 3L PatchSet --upper-limit|scan $ref/3L-eRJR/published/BkgOnly.json $ref/3L-eRJR/published/patchset.json --upper-limit -o $tmp/OUT.jsonl"
  "scan 1Lbb PatchSet|scan $ref/1Lbb-simplified/published/simplified_BkgOnly.json $ref/1Lbb-simplified/published/simplified_patchset.json -o $tmp/OUT.jsonl"
  "toys 10k synthetic 201 pars|cls $tmp/toy201.json --calctype toybased --ntoys 10000"
  "toys 2k staus|cls $ref/staus-highmass/workspace.json --calctype toybased --ntoys 2000"
  "toys 2k 3L-eRJR|cls $ref/3L-eRJR/workspace.json --calctype toybased --ntoys 2000"
  "ranking staus|ranking $ref/staus-highmass/workspace.json"
  "profile 2-D sbottom 50x50|profile $ref/sbottom-multib-regionA/workspace.json --par mu_SIG --par mu_ttbar --points 50x50"
  "fit 5,007 pars|fit $tmp/comb5k.json"
  "upper-limit 5,007 pars|upper-limit $tmp/comb5k.json"
  "upper-limit 2,002 pars|upper-limit $tmp/comb2k.json"
)

declare -A times
for ((k = 0; k < runs; ++k)); do
  for entry in "${commands[@]}"; do
    label=${entry%%|*}
    args=${entry#*|}
    for build in A B; do
      dir=$a
      [[ $build == B ]] && dir=$b
      rm -f "$tmp/OUT.jsonl"
      start=$(date +%s.%N)
      # shellcheck disable=SC2086
      "$dir/cli/hfx" $args > /dev/null 2>&1 || true
      end=$(date +%s.%N)
      times["$label|$build"]+="$(echo "$end - $start" | bc) "
    done
  done
done

printf '| command | A median (min–max) | B median (min–max) | B/A |\n|---|---:|---:|---:|\n'
for entry in "${commands[@]}"; do
  label=${entry%%|*}
  /usr/bin/python3 - "$label" "${times["$label|A"]}" "${times["$label|B"]}" <<'PY'
import statistics, sys
label, a, b = sys.argv[1], [float(v) for v in sys.argv[2].split()], [float(v) for v in sys.argv[3].split()]
ma, mb = statistics.median(a), statistics.median(b)
print(f"| {label} | {ma:.3f} ({min(a):.3f}–{max(a):.3f}) | {mb:.3f} ({min(b):.3f}–{max(b):.3f}) | {mb / ma:.2f} |")
PY
done
