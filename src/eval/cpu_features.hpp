// Which vector instructions this CPU runs, asked once (internal). The Evaluator's
// vectorised kernels pick their AVX2+FMA variant when it is present and a baseline
// (SSE2) variant otherwise, so one binary runs on every x86-64 machine. Setting the
// environment variable HFX_NO_AVX2 (to anything) forces the baseline variants: the test
// suite runs its kernel checks once that way, so both variants are tested on an AVX2
// machine.
#pragma once

#include <cstdlib>

namespace hfx::detail {

inline bool cpu_has_avx2_fma() {
  static const bool has =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && std::getenv("HFX_NO_AVX2") == nullptr;
  return has;
}

// AVX-512 Foundation and DQ (with AVX2+FMA), for the generated code's eight-lane
// variants; HFX_NO_AVX512 (to anything) leaves them out.
inline bool cpu_has_avx512() {
  static const bool has = cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512dq") && std::getenv("HFX_NO_AVX512") == nullptr;
  return has;
}

}  // namespace hfx::detail
