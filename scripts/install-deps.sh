#!/usr/bin/env bash
# Installs every Debian package hfx needs to build, test and benchmark.
# Idempotent: does nothing (not even `apt-get update`) when everything is already present.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git
  nlohmann-json3-dev libcli11-dev libfmt-dev libeigen3-dev liblbfgspp-dev
  libboost-math-dev libssl-dev
  libtbb-dev libsimdjson-dev
  libpugixml-dev zlib1g-dev liblzma-dev liblz4-dev libzstd-dev libxxhash-dev  # XML + ROOT files (src/interchange)
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  python3 python3-dev python3-numpy python3-pytest pybind11-dev python3-scipy
  python3-matplotlib  # python/tests/test_contour.py compares with its tricontour
  python3-distributed  # python/tests/test_scan.py runs hfx.scan on a Dask LocalCluster
  python3-jsonschema  # hfx.schema validates documents of other schema versions and kinds
  python3-requests  # hfx.contrib.utils.download fetches HEPData archives
  librsvg2-dev libcairo2-dev  # PNG and PDF pictures (src/plot/raster.cpp)
  chromium fonts-dejavu-core  # python/tests/test_report.py loads the report page in a real browser
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
