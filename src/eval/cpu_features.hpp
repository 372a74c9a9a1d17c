// Which vector instructions this CPU runs, asked once (internal). The Evaluator's
// vectorised kernels pick their AVX2+FMA variant when it is present and a baseline
// (SSE2) variant otherwise, so one binary runs on every x86-64 machine.
#pragma once

namespace hfx::detail {

inline bool cpu_has_avx2_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

}  // namespace hfx::detail
