// Exception types thrown at hfx's edges (spec loading, compilation, API misuse).
//
// Names follow pyhf.exceptions so that users recognise them. Every message is one line
// that names the JSON path (where there is one), the object involved and what was
// expected versus found. Numerical routines never throw for non-convergence: they
// return a status (see fit.hpp).
#pragma once

#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>

namespace hfx {

// Base of every hfx exception. The message is made one printable line: control
// characters (a newline in a sample name, say) become escapes such as \n or \x01, and
// text beyond kMaxMessage bytes is cut with a note, so that no input can turn an error
// into several lines or megabytes of output.
class Error : public std::runtime_error {
 public:
  static constexpr std::size_t kMaxMessage = 2000;
  explicit Error(const std::string& what) : std::runtime_error(one_line(what)) {}
  explicit Error(const char* what) : Error(std::string(what)) {}
  // `text` with control characters escaped and cut at kMaxMessage bytes.
  static std::string one_line(const std::string& text);
  // The pyhf-style class name, e.g. "InvalidSpecification" (used by the CLI and Python).
  virtual const char* kind() const noexcept { return "Error"; }
  // An error of the same kind whose message is `prefix` + this one's (adapters put the
  // file a message is about in front of it): std::rethrow_exception(e.with_prefix(...)).
  virtual std::exception_ptr with_prefix(const std::string& prefix) const {
    return std::make_exception_ptr(Error(prefix + what()));
  }
};

#define HFX_DECLARE_ERROR_OF(Name, Base)                            \
  class Name : public Base {                                        \
   public:                                                          \
    using Base::Base;                                               \
    const char* kind() const noexcept override { return #Name; }    \
    std::exception_ptr with_prefix(const std::string& prefix) const override { \
      return std::make_exception_ptr(Name(prefix + what()));        \
    }                                                               \
  }
#define HFX_DECLARE_ERROR(Name) HFX_DECLARE_ERROR_OF(Name, Error)

// The document is not valid JSON, or not a valid HistFactory document (schema, shapes).
HFX_DECLARE_ERROR(InvalidSpecification);
// A prune/rename/combine request that cannot be carried out.
HFX_DECLARE_ERROR(InvalidWorkspaceOperation);
// A measurement that does not exist or is ambiguous.
HFX_DECLARE_ERROR(InvalidMeasurement);
// The document does not describe a consistent model (e.g. a sample with another number
// of bins than its channel, a POI that is not a parameter). A kind of invalid document.
HFX_DECLARE_ERROR_OF(InvalidModel, InvalidSpecification);
// A modifier of unknown type or whose data does not fit its sample. A kind of invalid
// document.
HFX_DECLARE_ERROR_OF(InvalidModifier, InvalidSpecification);
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
// A valid question whose answer the computation could not determine (e.g. toy-based CLs
// when no background-only toy reaches the observed test statistic).
HFX_DECLARE_ERROR(Undetermined);
// An option or combination of options hfx does not support.
HFX_DECLARE_ERROR(Unsupported);
// Reading a file failed.
HFX_DECLARE_ERROR(IOError);

#undef HFX_DECLARE_ERROR

}  // namespace hfx
