// The two forms hfx::simplify dispatches to (include/hfx/reinterpret.hpp documents them).
#pragma once

#include "hfx/reinterpret.hpp"

namespace hfx::detail {

SimplifiedLikelihood simplify_histfactory(const Workspace& ws, const SimplifyOptions& options);
SimplifiedLikelihood simplify_covariance(const Workspace& ws, const SimplifyOptions& options);

}  // namespace hfx::detail
