#!/usr/bin/env bash
# Builds the seed corpora of the libFuzzer targets from tests/data (nothing is committed):
# OUT/fuzz_workspace, OUT/fuzz_patch, OUT/fuzz_model, each a fresh directory of small
# JSON files (< 50 KB): workspaces and malformed documents for fuzz_workspace and
# fuzz_model; JSON Patches and PatchSets, alone (applied to the built-in seed workspace)
# and as "WORKSPACE \0 PATCH" pairs, for fuzz_patch; ROOT files (< 64 KiB) behind the
# two bytes that select fuzz_root_file's whole-file mode.
# Usage: tests/fuzz/make_corpus.sh OUT
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
data=$root/tests/data
out=${1:?usage: make_corpus.sh OUT}
max=50000

for t in fuzz_workspace fuzz_patch fuzz_model fuzz_root_file; do rm -rf "${out:?}/$t"; mkdir -p "$out/$t"; done

# name for a corpus file: its path under tests/data with / -> _
seed_name() { local rel=${1#"$data"/}; echo "${rel//\//_}"; }

while IFS= read -r -d '' f; do
  name=$(seed_name "$f")
  if grep -q '"channels"' "$f" || [[ $f == "$data"/malformed/* ]]; then
    cp "$f" "$out/fuzz_workspace/$name"
  fi
  if grep -q '"channels"' "$f" && grep -q '"measurements"' "$f"; then
    cp "$f" "$out/fuzz_model/$name"
  fi
  if grep -q '"op"' "$f" || grep -q '"patches"' "$f"; then
    cp "$f" "$out/fuzz_patch/$name"
  fi
done < <(find "$data" -name '*.json' -size -"$max"c -print0)

# fuzz_patch pairs: a workspace, a NUL byte, a patch or patchset written for it.
pair() { { cat "$1"; printf '\0'; cat "$2"; } > "$out/fuzz_patch/pair_$(basename "$1" .json)_$(basename "$2")"; }
for p in "$data"/malformed/patch*.json; do pair "$data/malformed/_bkgonly.json" "$p"; done
ex=$data/reference/small/pyhf-patchset-example/published
pair "$ex/example_bkgonly.json" "$ex/example_patchset.json"
# Every op on the built-in seed workspace (tests/fuzz/fuzz_common.hpp).
ops=(
  '[{"op": "add", "path": "/channels/0/samples/-", "value": {"name": "new", "data": [1.0, 2.0], "modifiers": []}}]'
  '[{"op": "remove", "path": "/channels/1/samples/0/modifiers/1"}]'
  '[{"op": "replace", "path": "/observations/0/data", "value": [1, 2]}]'
  '[{"op": "copy", "from": "/channels/0", "path": "/channels/-"}, {"op": "replace", "path": "/channels/2/name", "value": "SR2"}]'
  '[{"op": "move", "from": "/measurements/1", "path": "/measurements/0"}]'
  '[{"op": "test", "path": "/version", "value": "1.0.0"}, {"op": "add", "path": "/measurements/0/config/parameters/-", "value": {"name": "bkg_norm", "bounds": [[0, 5]]}}]'
  '[{"op": "copy", "from": "", "path": "/metadata"}]'
)
i=0
for o in "${ops[@]}"; do printf '%s' "$o" > "$out/fuzz_patch/ops_$i.json"; i=$((i + 1)); done

while IFS= read -r -d '' f; do
  { printf '\0\0'; cat "$f"; } > "$out/fuzz_root_file/$(seed_name "$f")"
done < <(find "$data" -name '*.root' -size -65000c -print0)

for t in fuzz_workspace fuzz_patch fuzz_model fuzz_root_file; do
  printf '%s: %s files\n' "$t" "$(find "$out/$t" -type f | wc -l)"
done
