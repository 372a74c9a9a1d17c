#!/usr/bin/env bash
# Compiles every source of the hfx library for aarch64 (Debian's g++-aarch64-linux-gnu
# cross compiler) to show that the portable build has no x86 code left: the x86 kernels
# are left out (HFX_ENABLE_X86=0) as CMake does on any other architecture. Object files
# only: the cross toolchain has no aarch64 builds of the dependencies to link with, so
# their (architecture-independent) headers are taken from the host.
# Usage: scripts/cross-compile-aarch64.sh [BUILD_DIR]   (BUILD_DIR: a configured build
# whose generated sources are compiled too; default build/release)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
cxx=aarch64-linux-gnu-g++
command -v "$cxx" >/dev/null || { echo "needs $cxx: apt-get install g++-aarch64-linux-gnu" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The dependencies' headers from /usr/include one by one (not /usr/include itself, whose
# C library headers are the host's), OpenSSL's with its configuration headers.
mkdir -p "$tmp/inc/openssl"
for h in nlohmann fmt boost tbb oneapi simdjson.h pugixml.hpp pugiconfig.hpp zlib.h zconf.h lzma.h lzma lz4.h lz4frame.h \
  zstd.h zstd_errors.h xxhash.h CLI; do
  ln -s "/usr/include/$h" "$tmp/inc/$h"
done
ln -s /usr/include/eigen3/Eigen "$tmp/inc/Eigen"
for f in /usr/include/openssl/* /usr/include/*-linux-gnu/openssl/*; do ln -sf "$f" "$tmp/inc/openssl/"; done
pc_flags=$(pkg-config --cflags librsvg-2.0 cairo | tr ' ' '\n' | grep -v -- '-linux-gnu$' | tr '\n' ' ')
sources=$(find src -name '*.cpp' | sort)
generated=$(ls "$build"/src/*.cpp 2>/dev/null || true)
n=0
for f in $sources $generated; do
  echo "$f"
done | xargs -P "$(nproc)" -I{} sh -c "$cxx -std=c++20 -O1 -Wno-psabi -c -o $tmp/\$(echo {} | tr / _).o -DHFX_ENABLE_X86=0 \
  -Iinclude -Isrc -isystem $tmp/inc $pc_flags {} || { echo 'failed: {}' >&2; exit 255; }"
n=$(ls "$tmp"/*.o | wc -l)
file "$(ls "$tmp"/*.o | head -1)" | sed 's/^[^:]*: /object format: /'
echo "compiled $n library sources for aarch64"
