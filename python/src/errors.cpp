// Translates hfx::Error into the Python exception class of the same name in
// hfx.exceptions (pyhf's names), so `except hfx.exceptions.InvalidSpecification` works.
#include "bindings.hpp"

#include "hfx/errors.hpp"

namespace hfxpy {

void init_errors(py::module_& m) {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const hfx::Error& e) {
      py::object cls;
      try {
        py::module_ exc = py::module_::import("hfx.exceptions");
        cls = py::getattr(exc, e.kind(), py::none());
        if (cls.is_none()) cls = exc.attr("HfxError");
      } catch (py::error_already_set&) {
        PyErr_Clear();
        PyErr_SetString(PyExc_RuntimeError, e.what());
        return;
      }
      PyErr_SetString(cls.ptr(), e.what());
    }
  });
  // Lets tests check that every C++ error kind has a Python class.
  m.def("_raise_error", [](const std::string& kind, const std::string& message) {
#define HFX_RAISE(Name) if (kind == #Name) throw hfx::Name(message)
    HFX_RAISE(InvalidSpecification); HFX_RAISE(InvalidWorkspaceOperation); HFX_RAISE(InvalidMeasurement);
    HFX_RAISE(InvalidModel); HFX_RAISE(InvalidModifier); HFX_RAISE(InvalidNameReuse); HFX_RAISE(InvalidPatch);
    HFX_RAISE(InvalidPatchLookup); HFX_RAISE(PatchSetVerificationError); HFX_RAISE(InvalidPdfParameters);
    HFX_RAISE(InvalidPdfData); HFX_RAISE(InvalidInterpCode); HFX_RAISE(UnspecifiedPOI);
    HFX_RAISE(FailedMinimization); HFX_RAISE(Unsupported); HFX_RAISE(IOError);
#undef HFX_RAISE
    throw hfx::Error(message);
  });
}

}  // namespace hfxpy
