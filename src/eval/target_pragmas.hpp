// Compiling a region of code for an instruction-set extension (AVX2+FMA) that
// the rest of the build does not assume, the run-time dispatch choosing it only on CPUs
// that have it. GCC says so with push_options/target pragmas, clang with an attribute
// applied to every function of the region; one spelling for both:
//   HFX_TARGET_PUSH("avx2,fma") ... HFX_TARGET_POP
#pragma once

#define HFX_PRAGMA(x) _Pragma(#x)
#if defined(__clang__)
#define HFX_TARGET_PUSH(features) HFX_PRAGMA(clang attribute push(__attribute__((target(features))), apply_to = function))
#define HFX_TARGET_POP HFX_PRAGMA(clang attribute pop)
#else
#define HFX_TARGET_PUSH(features) HFX_PRAGMA(GCC push_options) HFX_PRAGMA(GCC target(features))
#define HFX_TARGET_POP HFX_PRAGMA(GCC pop_options)
#endif
