// Exception types thrown at hfx's edges (spec loading, compilation, API misuse).
//
// Names follow pyhf.exceptions so that users recognise them. Every message is one line
// that names the JSON path (where there is one), the object involved and what was
// expected versus found. Numerical routines never throw for non-convergence: they
// return a status (see fit.hpp).
#pragma once

#include <stdexcept>
#include <string>

namespace hfx {

// Base of every hfx exception.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  // The pyhf-style class name, e.g. "InvalidSpecification" (used by the CLI and Python).
  virtual const char* kind() const noexcept { return "Error"; }
};

#define HFX_DECLARE_ERROR(Name)                                     \
  class Name : public Error {                                       \
   public:                                                          \
    using Error::Error;                                             \
    const char* kind() const noexcept override { return #Name; }    \
  }

// The document is not valid JSON, or not a valid HistFactory document (schema, shapes).
HFX_DECLARE_ERROR(InvalidSpecification);
// A prune/rename/combine request that cannot be carried out.
HFX_DECLARE_ERROR(InvalidWorkspaceOperation);
// A measurement that does not exist or is ambiguous.
HFX_DECLARE_ERROR(InvalidMeasurement);
// The document is valid but does not describe a consistent model.
HFX_DECLARE_ERROR(InvalidModel);
// A modifier whose data is inconsistent with its sample.
HFX_DECLARE_ERROR(InvalidModifier);
// The same parameter name used in incompatible ways.
HFX_DECLARE_ERROR(InvalidNameReuse);
// A JSON Patch that cannot be applied.
HFX_DECLARE_ERROR(InvalidPatch);
// A PatchSet lookup or application that fails.
HFX_DECLARE_ERROR(InvalidPatchLookup);
HFX_DECLARE_ERROR(PatchSetVerificationError);
// Parameters or data of the wrong length/values handed to the model.
HFX_DECLARE_ERROR(InvalidPdfParameters);
HFX_DECLARE_ERROR(InvalidPdfData);
// An unknown interpolation code.
HFX_DECLARE_ERROR(InvalidInterpCode);
// An inference request that needs a POI on a model that has none.
HFX_DECLARE_ERROR(UnspecifiedPOI);
// A fit that did not converge, raised only where the API promises a minimum (e.g. Python).
HFX_DECLARE_ERROR(FailedMinimization);
// An option or combination of options hfx does not support.
HFX_DECLARE_ERROR(Unsupported);
// Reading a file failed.
HFX_DECLARE_ERROR(IOError);

#undef HFX_DECLARE_ERROR

}  // namespace hfx
