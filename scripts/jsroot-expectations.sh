#!/usr/bin/env bash
# Regenerates tests/data/interchange/jsroot/*.json: what JSROOT (an independent ROOT
# reader, npm package jsroot) reads from every ROOT file under tests/data/interchange.
# tests/interchange/test_root_file.cpp holds hfx's reader to these. Needs node and npm.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm install --silent --omit=optional --ignore-scripts jsroot@7.11.2 >/dev/null)
cp "$here/tests/interchange/jsroot_dump.mjs" "$work/"
out="$here/tests/data/interchange/jsroot"
mkdir -p "$out"
cd "$here/tests/data/interchange"
find . -name '*.root' | sort | while read -r f; do
  name=$(echo "${f#./}" | tr '/' '_')
  src="$f"
  # JSROOT refuses a negative format-version word (xmlimport_input4 has one; ROOT and
  # uproot read such a file as a small one): give it a copy with that word set to 62400.
  if [ "$(od -An -tx1 -j4 -N1 "$f" | tr -d ' ')" = "ff" ]; then
    src="$work/patched.root"
    cp "$f" "$src"
    printf '\x00\x00\xf3\xc0' | dd of="$src" bs=1 seek=4 conv=notrunc status=none
  fi
  node "$work/jsroot_dump.mjs" "$src" > "$out/${name%.root}.json"
  echo "jsroot: $f"
done
