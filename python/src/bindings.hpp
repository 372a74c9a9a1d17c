// Shared declarations of the hfx._core bindings: the per-concept init functions and the
// conversions between Python values and the spans/vectors the C++ API takes.
#pragma once

#include "hfx/model.hpp"
#include "hfx/evaluator.hpp"
#include "hfx/fit.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hfxpy {

namespace py = pybind11;

// What a flat sequence of numbers stands for: decides the exception raised when it has
// the wrong shape (pyhf's InvalidPdfParameters / InvalidPdfData, else ValueError).
enum class ArgKind { pars, data, other };

// Storage for one converted argument: small ones stay on the stack (logpdf's arguments
// convert without allocating), larger ones go to the heap.
class DoubleBuf {
 public:
  DoubleBuf() = default;
  DoubleBuf(const DoubleBuf&) = delete;
  DoubleBuf& operator=(const DoubleBuf&) = delete;
  // Room for n values (previous contents not kept).
  double* resize(std::size_t n) {
    if (n <= kInline) return inline_;
    heap_.resize(n);
    return heap_.data();
  }

 private:
  static constexpr std::size_t kInline = 64;
  double inline_[kInline];
  std::vector<double> heap_;
};

// A read-only view of a 1-D sequence of real numbers; `name` is the argument's name in
// error messages. Zero-copy for aligned C-contiguous native float64 1-D numpy arrays;
// lists/tuples, other numeric arrays and array-likes are converted into `buf` (which must
// outlive the view; give each call its own buffer: a conversion can run Python code, and
// with it other threads). Raises TypeError for None, scalars, strings, dicts, complex,
// string/object-with-non-numbers arrays and non-numeric elements, and the ArgKind's
// exception for arrays of more than one dimension. Does not check length or finiteness.
std::span<const double> as_doubles(py::handle h, DoubleBuf& buf, const char* name, ArgKind kind = ArgKind::other);
std::vector<double> to_vector(py::handle h, const char* name, ArgKind kind = ArgKind::other);
// A new 1-D float64 numpy array holding a copy of `v`.
py::array_t<double> to_array(std::span<const double> v);
// A (rows, cols) C-contiguous float64 array from a 2-D real numeric array or nested
// sequences (TypeError for other dtypes, InvalidPdfParameters for another shape).
py::array_t<double, py::array::c_style> as_matrix(py::handle h, std::size_t cols, const char* name);

// Length checks with one-line messages naming the argument (InvalidPdfParameters /
// InvalidPdfData).
void check_pars(const hfx::Model& m, std::span<const double> pars, const char* name);
void check_data(const hfx::Model& m, std::span<const double> data, const char* name);
// InvalidPdfParameters unless v is finite (a POI value, say).
double finite_par(double v, const char* name);
// -log L as the Evaluator gives it, made NaN when it is not finite because a parameter is
// NaN (as pyhf's logpdf), rather than +inf from the NaN rate "not being positive".
double nan_if_nan_pars(double nll, std::span<const double> pars);

// A compiled model with a cached evaluator for the single-call hot path (logpdf,
// logpdf_and_grad), which run with the GIL held. Never moved after construction: the
// evaluator refers to `model`. Calls that release the GIL make their own evaluators.
//
// Thread safety: the model is immutable. Arguments are converted into per-call buffers
// before the cached evaluator is touched (a conversion can run Python code -- a
// __float__ -- and so let other threads, or a re-entrant logpdf, run). The cached
// evaluator is used by one call at a time: a call takes `busy` for the bind + evaluation,
// during which no Python code runs; a call that finds it taken (possible only without a
// GIL, in a free-threaded Python) uses an evaluator of its own instead.
struct PyModel {
  explicit PyModel(hfx::Model m) : model(std::move(m)), ev(model) {}
  PyModel(const PyModel&) = delete;
  PyModel& operator=(const PyModel&) = delete;

  // -log L(pars | data) (lengths already checked), on the cached evaluator when free.
  double nll(std::span<const double> pars, std::span<const double> data);
  // Same with the gradient written into grad (npars values).
  double nll_and_grad(std::span<const double> pars, std::span<const double> data, std::span<double> grad);

  hfx::Model model;

 private:
  // Binds `data` to the cached evaluator unless it already holds exactly these values.
  // Only with `busy` held.
  void bind(std::span<const double> data);

  hfx::Evaluator ev;
  bool bound = false;
  std::atomic_flag busy;  // clear (C++20)
};

// pyhf's defaults for init/bounds/fixed where the caller passes None. Checks lengths,
// finite inits, (low, high) pairs without NaN and low <= high (InvalidPdfParameters) and
// that fixed flags are bools (TypeError).
hfx::FitProblem make_problem(const hfx::Model& model, const py::object& init, const py::object& bounds,
                             const py::object& fixed);

// The fit options of a Python optimizer object (hfx.optimize; None: hfx's defaults).
hfx::FitOptions fit_options(py::handle optimizer);

void init_errors(py::module_& m);
void init_workspace(py::module_& m);
void init_patchset(py::module_& m);
void init_model(py::module_& m);
void init_infer(py::module_& m);
void init_scan(py::module_& m);
void init_interchange(py::module_& m);
void init_diagnostics(py::module_& m);
void init_reinterpret(py::module_& m);

}  // namespace hfxpy
