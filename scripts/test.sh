#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs dependencies, builds the release preset
# and runs every C++ (ctest) and Python (pytest) test, then builds and runs the C++
# tests once more under AddressSanitizer + UndefinedBehaviorSanitizer (clang) in the
# portable configuration (HFX_ENABLE_X86 OFF: what other architectures build), then fuzzes each
# libFuzzer target for HFX_FUZZ_SECONDS (default 15) seconds (scripts/fuzz.sh).
# Usage: scripts/test.sh            (everything)
#        scripts/test.sh --no-asan  (skip the sanitizer pass)
#        scripts/test.sh --no-fuzz  (skip the fuzzing pass; both flags may be given)
set -euo pipefail
cd "$(dirname "$0")/.."
asan=1
fuzz=1
for arg in "$@"; do
  case "$arg" in
    --no-asan) asan=0 ;;
    --no-fuzz) fuzz=0 ;;
    *) echo "usage: scripts/test.sh [--no-asan] [--no-fuzz]" >&2; exit 2 ;;
  esac
done

echo "== release build"
bash scripts/build.sh release
echo "== release tests"
ctest --preset release

if [ -n "$(ls build/release/python/hfx/_core*.so 2>/dev/null)" ]; then
  echo "== python tests"
  PYTHONPATH="$PWD/build/release/python" /usr/bin/python3 -m pytest -q python/tests
fi

if [ "$asan" = 1 ]; then
  echo "== asan+ubsan build"
  bash scripts/build.sh asan
  echo "== asan+ubsan tests"
  (  # a subshell: these settings stay out of the fuzzing pass
    # fontconfig, reached through librsvg, keeps its caches to the end by design (tests/lsan.supp)
    export HFX_SANITIZED=1 ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" \
      UBSAN_OPTIONS=print_stacktrace=1
    # The test binary in one process per core (gtest shards), not ctest's process per test:
    # an instrumented process takes ~0.3 s to start, which over ~1,000 tests was two thirds
    # of this pass (docs/benchmarks.md, "CI time").
    shards=$(nproc)
    pids=()
    for ((i = 0; i < shards; i++)); do
      GTEST_TOTAL_SHARDS=$shards GTEST_SHARD_INDEX=$i timeout 1800 build/asan/tests/hfx_tests --gtest_brief=1 \
        > "build/asan/tests/shard$i.log" 2>&1 &
      pids+=($!)
    done
    failed=0
    for ((i = 0; i < shards; i++)); do
      if ! wait "${pids[$i]}"; then
        failed=1
        tail -n 200 "build/asan/tests/shard$i.log"
      fi
    done
    [ "$failed" = 0 ] || { echo "asan+ubsan tests failed (build/asan/tests/shard*.log)"; exit 1; }
    grep -h "tests ran\|PASSED" build/asan/tests/shard*.log
  )
fi

if [ "$fuzz" = 1 ]; then
  echo "== fuzzing (libFuzzer + ASan + UBSan, ${HFX_FUZZ_SECONDS:-15} s per target)"
  if [ "$asan" = 1 ]; then
    HFX_FUZZ_PRESET=asan bash scripts/fuzz.sh "${HFX_FUZZ_SECONDS:-15}"
  else
    bash scripts/fuzz.sh "${HFX_FUZZ_SECONDS:-15}"
  fi
fi
echo "== all tests passed"
