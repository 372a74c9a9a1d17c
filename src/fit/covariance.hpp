// Uncertainties and correlations at a fit's minimum, from the Hessian of the NLL.
#pragma once

#include "hfx/fit.hpp"

#include <Eigen/Sparse>

#include <cstddef>
#include <span>
#include <vector>

namespace hfx::detail {

// The Hessian of the NLL at x restricted to the parameters `free` (row/column k is
// parameter free[k]), as a sparse symmetric matrix with both triangles stored. The main
// terms come from central differences of the analytic channel Jacobian with a step of
// `step` * max(1, |x_i|); parameters that share no channel are stepped together (a
// greedy colouring), so the cost is two Jacobian sweeps per colour -- about the largest
// number of parameters in one channel -- rather than per parameter. The constraint
// terms' curvature is added exactly.
Eigen::SparseMatrix<double> sparse_hessian(Evaluator& ev, std::span<const double> x,
                                           const std::vector<std::size_t>& free, double step = 1e-5);

// The diagonal of A^-1 for a symmetric positive definite sparse A (both triangles
// stored), from a sparse LDL' factorisation and Takahashi's recurrence for the entries of
// the inverse on the factor's pattern (no dense inverse); a matrix more than a quarter
// filled is inverted densely (Cholesky). With `dense_inverse`, also all of A^-1 (n x n).
// Returns false when A is not positive definite (or not finite).
bool sparse_inverse(const Eigen::SparseMatrix<double>& a, std::vector<double>& diagonal,
                    Eigen::MatrixXd* dense_inverse = nullptr);

// Fills r.uncertainties (and, with `correlations`, r.correlations) at r.x; NaN for the
// free parameters when the Hessian there is not positive definite.
void add_uncertainties(Evaluator& ev, const FitProblem& problem, FitResult& r, bool correlations);

}  // namespace hfx::detail
