#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs dependencies, builds the release preset
# and runs every C++ (ctest) and Python (pytest) test, then builds and runs the C++
# tests once more under AddressSanitizer + UndefinedBehaviorSanitizer.
# Usage: scripts/test.sh            (everything)
#        scripts/test.sh --no-asan  (skip the sanitizer pass)
set -euo pipefail
cd "$(dirname "$0")/.."
asan=1
[ "${1:-}" = "--no-asan" ] && asan=0

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
  HFX_SANITIZED=1 ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --preset asan
fi
echo "== all tests passed"
