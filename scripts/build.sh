#!/usr/bin/env bash
# Installs dependencies (if missing) and builds hfx with a CMake preset (default: release).
# Usage: scripts/build.sh [release|asan]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-release}
bash scripts/install-deps.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$(nproc)"
