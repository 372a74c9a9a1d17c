// hfx._core: the compiled half of the `hfx` Python package. The pure-Python package
// (python/hfx/) gives it pyhf's API; this module exposes only hfx's public C++ API.
#include "bindings.hpp"

#include "hfx/citation.hpp"
#include "hfx/version.hpp"

PYBIND11_MODULE(_core, m) {
  m.doc() = "hfx: HistFactory likelihoods in C++20 (compiled core of the hfx package)";
  m.attr("__version__") = hfx::kVersion;
  m.attr("citation") = hfx::citation();
  hfxpy::init_errors(m);
  hfxpy::init_workspace(m);
  hfxpy::init_patchset(m);
  hfxpy::init_model(m);
  hfxpy::init_infer(m);
  hfxpy::init_scan(m);
  hfxpy::init_interchange(m);
  hfxpy::init_diagnostics(m);
  hfxpy::init_reinterpret(m);
}
