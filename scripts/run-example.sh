#!/usr/bin/env bash
# The main job on a bundled real published likelihood: installs dependencies, builds,
# then computes CLs at mu = 1 (as `pyhf cls`) and the 95% CL upper limit for the
# ATLAS SUSY-2018-31 sbottom multi-b region A background-only workspace with the
# signal patch for the point 1300_205_60, and CLs for one point of the ATLAS
# SUSY-2018-06 3L eRJR patchset; then scans that whole grid (CLs and upper limits of all
# 64 points) and draws its exclusion contours (build/example/3L-eRJR-plane.svg), and
# writes the fit report of the sbottom point (build/example/report/index.html).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh release >/dev/null
hfx=build/release/cli/hfx
ex=examples/sbottom-multib-regionA
echo "== hfx cls $ex/BkgOnly.json -p $ex/patch.sbottom_1300_205_60.json"
"$hfx" cls "$ex/BkgOnly.json" -p "$ex/patch.sbottom_1300_205_60.json"
echo "== hfx upper-limit (same workspace)"
"$hfx" upper-limit "$ex/BkgOnly.json" -p "$ex/patch.sbottom_1300_205_60.json" --table
ex3=examples/3L-eRJR
echo "== hfx patchset apply $ex3/BkgOnly.json $ex3/patchset.json --name ERJR_200p0_100p0 | hfx cls -"
"$hfx" patchset apply "$ex3/BkgOnly.json" "$ex3/patchset.json" --name ERJR_200p0_100p0 | "$hfx" cls - --table
out=build/example
mkdir -p "$out"
rm -f "$out/3L-eRJR-scan.jsonl"
echo "== hfx scan $ex3/BkgOnly.json $ex3/patchset.json --upper-limit -o $out/3L-eRJR-scan.jsonl   (the whole grid)"
"$hfx" scan "$ex3/BkgOnly.json" "$ex3/patchset.json" --upper-limit -o "$out/3L-eRJR-scan.jsonl"
echo "== hfx contour $out/3L-eRJR-scan.jsonl --plot $out/3L-eRJR-plane.svg -o $out/3L-eRJR-contours.json"
"$hfx" contour "$out/3L-eRJR-scan.jsonl" --plot "$out/3L-eRJR-plane.svg" -o "$out/3L-eRJR-contours.json"
echo "wrote $out/3L-eRJR-scan.jsonl (one JSON line per point), $out/3L-eRJR-contours.json and $out/3L-eRJR-plane.svg"
echo "== hfx report $ex/BkgOnly.json -p $ex/patch.sbottom_1300_205_60.json -o $out/report"
"$hfx" report "$ex/BkgOnly.json" -p "$ex/patch.sbottom_1300_205_60.json" -o "$out/report"
echo "open $out/report/index.html in a browser: pulls, impacts, correlations, profile, CLs, yields, every parameter"
