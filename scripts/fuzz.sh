#!/usr/bin/env bash
# Coverage-guided fuzzing of hfx with libFuzzer under ASan + UBSan (docs/fuzzing.md).
# Installs dependencies, builds the `fuzz` preset (clang; or $HFX_FUZZ_PRESET), generates
# the seed corpora from tests/data, then runs each target for SECONDS (default 60). The
# corpus each run grows is kept in build/PRESET/corpus/TARGET (later runs start from it);
# libFuzzer's output goes to build/PRESET/logs/TARGET.log, crash reproducers to
# build/PRESET/artifacts/.
# Exits non-zero if a target crashed (the reproducer's path and the log's tail printed).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (targets: fuzz_workspace fuzz_patch fuzz_model fuzz_root_file)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_workspace fuzz_patch fuzz_model fuzz_root_file)

# HFX_FUZZ_PRESET=asan fuzzes with the asan preset's build (scripts/test.sh: one clang build
# for the sanitizer tests and the fuzzers); the default is the fuzz preset.
preset=${HFX_FUZZ_PRESET:-fuzz}
out=build/$preset
mkdir -p "$out/logs" "$out/artifacts"

bash scripts/install-deps.sh
echo "== fuzz build (clang, ASan + UBSan + libFuzzer)"
if ! { cmake --preset "$preset" && cmake --build --preset "$preset" -j "$(nproc)"; } >"$out/logs/build.log" 2>&1; then
  tail -n 40 "$out/logs/build.log"
  echo "fuzz: build failed (full log: $out/logs/build.log)"
  exit 1
fi
bash tests/fuzz/make_corpus.sh "$out/seeds" | sed 's/^/seeds: /'

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for t in "${targets[@]}"; do
  bin=$out/tests/fuzz/$t
  [ -x "$bin" ] || { echo "fuzz: no such target: $t"; exit 2; }
  mkdir -p "$out/corpus/$t"
  log=$out/logs/$t.log
  status=0
  dict=(-dict=tests/fuzz/json.dict)
  [ "$t" = fuzz_root_file ] && dict=()
  "$bin" -max_total_time="$seconds" "${dict[@]}" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$out/artifacts/$t-" \
    "$out/corpus/$t" "$out/seeds/$t" >"$log" 2>&1 || status=$?
  # The last status line, e.g. "#123456  DONE  cov: 2345 ft: 9876 corp: 321/45Kb ... exec/s: 2057".
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1 || true)
  execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | grep -oE '[0-9]+$' || true)
  [ -n "$execs" ] || execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
  cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || true)
  ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || true)
  corp=$(grep -oE 'corp: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || true)
  rate=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$log" | grep -oE '[0-9]+$' || true)
  printf '%-15s %ss: %s execs (%s/s), cov: %s, ft: %s, corpus: %s\n' \
    "$t" "$seconds" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
  if [ "$status" -ne 0 ]; then
    echo "---- $t FAILED (exit $status); from $log:"
    # The first report (sanitizer, libFuzzer, uncaught exception, failed invariant), its
    # top frames, and the summary line.
    awk '/==[0-9]+==ERROR|runtime error:|hfx fuzz invariant failed|terminate called|ERROR: libFuzzer|deadly signal|out-of-memory/ && !n { n = 1 }
         n && n <= 24 { sub(/ \(BuildId: [0-9a-f]+\)/, ""); print; n++ }' "$log"
    grep -m 1 '^SUMMARY' "$log" || true
    artifact=$(grep -oE "(Test unit written to|artifact_prefix.*; Test unit written to) [^ ]+" "$log" | tail -n 1 | awk '{print $NF}' || true)
    echo "---- $t crash reproducer: ${artifact:-none written}  (rerun: $bin ${artifact:-FILE})"
    failed+=("$t")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzz: no crashes"
