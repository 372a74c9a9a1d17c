// pyhf's default optimizer reproduced: SciPy's SLSQP (Kraft's sequential least-squares
// QP, the scipy.optimize.minimize method pyhf calls) on twice the NLL, with SciPy's
// forward-difference gradient, ftol 1e-6 and the fixed parameters held by equality
// constraints. Used for FitMethod::scipy, so that results agree with a default pyhf run
// to the precision at which SLSQP stops rather than to the true minimum.
#pragma once

#include "hfx/fit.hpp"

namespace hfx::detail {

// Minimises 2 * NLL of `ev`'s bound data from problem.init (as pyhf: no warm start).
// Evaluates with pyhf's arithmetic whatever `ev` was built with.
FitResult minimize_scipy_slsqp(const Evaluator& ev, const FitProblem& problem, const FitOptions& options);

}  // namespace hfx::detail
