// Shared declarations of the hfx._core bindings: the per-concept init functions and the
// conversions between Python values and the spans/vectors the C++ API takes.
#pragma once

#include "hfx/model.hpp"
#include "hfx/evaluator.hpp"
#include "hfx/fit.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hfxpy {

namespace py = pybind11;

// A read-only view of a flat sequence of numbers. Zero-copy for C-contiguous float64
// numpy arrays; lists/tuples and other array-likes are converted into `buf` (which must
// outlive the view). Throws TypeError for non-numeric input.
std::span<const double> as_doubles(py::handle h, std::vector<double>& buf);
std::vector<double> to_vector(py::handle h);
// A new 1-D float64 numpy array holding a copy of `v`.
py::array_t<double> to_array(std::span<const double> v);

// A compiled model with a cached evaluator for the GIL-protected single-call hot path
// (logpdf, logpdf_and_grad). Never moved after construction: the evaluator refers to
// `model`. Calls that release the GIL make their own evaluators.
struct PyModel {
  explicit PyModel(hfx::Model m) : model(std::move(m)), ev(model) {}
  PyModel(const PyModel&) = delete;
  PyModel& operator=(const PyModel&) = delete;

  // Binds `data` to the cached evaluator unless it already holds exactly these values.
  void bind(std::span<const double> data);

  hfx::Model model;
  hfx::Evaluator ev;
  bool bound = false;
  std::vector<double> pars_buf, data_buf, grad_buf;
};

// pyhf's defaults for init/bounds/fixed where the caller passes None.
hfx::FitProblem make_problem(const hfx::Model& model, const py::object& init, const py::object& bounds,
                             const py::object& fixed);

void init_errors(py::module_& m);
void init_workspace(py::module_& m);
void init_patchset(py::module_& m);
void init_model(py::module_& m);
void init_infer(py::module_& m);

}  // namespace hfxpy
