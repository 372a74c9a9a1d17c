// The fits' sum of Gaussian constraint terms (internal), four terms at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hfx::detail {

// The terms' parameters are given as runs of consecutive parameters: run r covers terms
// [runs[3 r], runs[3 r + 1]) and term k of it constrains x[runs[3 r + 2] + k -
// runs[3 r]]. pyhf's parameter order keeps a model's Gaussian-constrained parameters in
// a few such runs (two in each published reference model), so the lanes load them
// contiguously.

// Appends to runs the (begin, end, first parameter) triples of the maximal runs of
// consecutive parameters in par[0, n).
void append_param_runs(const std::uint32_t* par, std::size_t n, std::vector<std::uint32_t>& runs);

// 0.5 * sum_k ((aux[k] - x[p_k]) * inv_sigma[k])^2 over the terms of the nruns runs, p_k
// the parameter of term k: four lanes with AVX2+FMA when the CPU has it and there are 8
// terms or more, else a scalar loop. It rounds differently (ulps) from a left-to-right sum of (aux - x) / sigma
// terms, which the `pyhf` arithmetic keeps. Allocation-free.
double gauss_constraint_sum(const std::uint32_t* runs, std::size_t nruns, const double* aux, const double* inv_sigma,
                            const double* x);

// grad[p_k] += (x[p_k] - aux[k]) * inv_var[k] over the terms of the nruns runs (the
// sum's gradient, inv_var = 1 / sigma^2): four lanes with AVX2 when the CPU has it and
// there are 8 terms or more, else a scalar loop. Rounds differently (ulps) from (x -
// aux) / (sigma sigma), which the `pyhf` arithmetic keeps. Allocation-free.
void add_gauss_constraint_grad(const std::uint32_t* runs, std::size_t nruns, const double* aux, const double* inv_var,
                               const double* x, double* grad);

}  // namespace hfx::detail
