// Which vector instructions this CPU runs, asked once (internal). Built with the x86
// kernels (CMake option HFX_ENABLE_X86, HFX_ENABLE_X86=1), the Evaluator's vectorised
// kernels pick their AVX2+FMA variant when the CPU has it and the portable variant
// otherwise, so one binary runs on every x86-64 machine. Setting the environment variable
// HFX_NO_AVX2 (to anything) forces the portable variants: the test suite runs its kernel
// checks once that way, so both are tested on an AVX2 machine. Built without them
// (any other architecture), only the portable variants exist.
#pragma once

#include <cstdlib>

#ifndef HFX_ENABLE_X86
#error "HFX_ENABLE_X86 must be defined (0 or 1) by the build"
#endif

namespace hfx::detail {

#if HFX_ENABLE_X86
inline bool cpu_has_avx2_fma() {
  static const bool has =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && std::getenv("HFX_NO_AVX2") == nullptr;
  return has;
}
#else
constexpr bool cpu_has_avx2_fma() { return false; }
#endif

}  // namespace hfx::detail
