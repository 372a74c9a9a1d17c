// The fits' Poisson terms of a small model in one eight-lane log (internal; AVX-512).
//
// Why: a model with a few main bins and a few Poisson constraints (shapesys) took one
// libm log per main bin and one libm log1p per constraint, eight calls for
// pyhf-validation/2bin_2channel, whose latencies the core overlaps only in part. With at
// most eight such terms in all, one log8 (log8.hpp) does them all: the main bins' lanes
// take log(rate), the constraints' lanes log1p(u) through log8's extra-addend form.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace hfx::detail {

// The per-lane constants of a joint sum, built once per data set (make_joint_poisson).
// Lanes [0, nmain) are the main bins, [nmain, nmain + npois) the constraints.
struct JointPoisson {
  alignas(64) double q[8];    // main: the count n; constraint: its aux count a; else 0
  alignas(64) double c[8];    // main: lgamma(n + 1); else 0
  alignas(64) double r[8];    // constraint: tau / a; else 1
  alignas(64) std::int64_t par[8];  // constraint: its parameter's index; else 0
  std::uint32_t nmain = 0, npois = 0;
  bool run = false;  // the constraints' parameters are consecutive, from par[nmain]
};

// The joint sum's constants when it applies -- the CPU has AVX-512 (cpu_has_avx512) and
// 1 <= nmain, 1 <= npois, nmain + npois <= 8 -- else null. count/c: per main bin; par/r/a: per
// constraint with a > 0 (as Evaluator::set_data's arrays). Immutable once built, so
// copies of an Evaluator may share it.
std::shared_ptr<const JointPoisson> make_joint_poisson(const double* count, const double* c, std::size_t nmain,
                                                       const std::uint32_t* par, const double* r, const double* a,
                                                       std::size_t npois);

// When every rate is normal, positive and finite and every constraint's x[par] r is
// positive with 1 + u normal (u = x[par] r - 1): sets *sum = sum over the main bins of
// rate - n log rate + lgamma(n + 1) plus sum over the constraints of a (u - log1p u),
// and returns true. That is main_poisson_sum's sum plus poisson_constraint_sum's, as
// one sum of eight lanes (so rounded differently). Otherwise returns false and leaves
// *sum alone: the caller's separate sums handle such points. Allocation-free.
bool joint_poisson_sum(const JointPoisson& j, const double* rate, const double* x, double* sum);

}  // namespace hfx::detail
