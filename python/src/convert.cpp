// Conversions between Python sequences / numpy arrays and C++ spans, and the argument
// checks shared by the bindings. Every rejected argument raises a Python exception whose
// one-line message names the argument, what was expected and what was given.
#include "bindings.hpp"

#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <cstring>

namespace hfxpy {

namespace {

namespace npd = py::detail;

std::string type_name(py::handle h) { return Py_TYPE(h.ptr())->tp_name; }

std::string shape_of(const npd::PyArray_Proxy* a) {
  std::string s = "(";
  for (int i = 0; i < a->nd; ++i) s += i ? fmt::format(", {}", a->dimensions[i]) : fmt::format("{}", a->dimensions[i]);
  return s + (a->nd == 1 ? ",)" : ")");
}

[[noreturn]] void shape_error(ArgKind kind, const std::string& msg) {
  if (kind == ArgKind::pars) throw hfx::InvalidPdfParameters(msg);
  if (kind == ArgKind::data) throw hfx::InvalidPdfData(msg);
  throw py::value_error(msg);
}

[[noreturn]] void not_a_sequence(py::handle h, const char* name) {
  throw py::type_error(fmt::format("{}: expected a 1-D sequence of numbers, got {}", name,
                                   h.is_none() ? std::string("None") : type_name(h)));
}

// numpy's byte-order character of a non-native float64 array.
constexpr char kForeignByteOrder = std::endian::native == std::endian::little ? '>' : '<';

bool real_kind(char k) { return k == 'f' || k == 'i' || k == 'u' || k == 'b'; }

// numpy.complexfloating: numpy's complex scalars have a __float__ that drops the
// imaginary part (with only a warning), so they are rejected by type.
PyObject* numpy_complex_type() {
  static PyObject* t = [] {
    return py::object(py::module_::import("numpy").attr("complexfloating")).release().ptr();
  }();
  return t;
}

// One element of a list/tuple/object array as a double. Elements that are not Python
// floats may run Python code (__float__): the caller must hold its own reference to `o`.
double element(PyObject* o, const char* name, std::size_t i) {
  if (PyFloat_Check(o)) return PyFloat_AS_DOUBLE(o);
  if (PyLong_Check(o)) {  // int and bool
    const double v = PyLong_AsDouble(o);
    if (v == -1.0 && PyErr_Occurred()) throw py::error_already_set();  // OverflowError
    return v;
  }
  bool problem = o == Py_None || PyUnicode_Check(o) || PyBytes_Check(o) || PyComplex_Check(o) ||
                 PyObject_TypeCheck(o, reinterpret_cast<PyTypeObject*>(numpy_complex_type()));
  if (!problem && npd::npy_api::get().PyArray_Check_(o)) {
    const auto* a = npd::array_proxy(o);
    problem = a->nd != 0 || !real_kind(npd::array_descriptor_proxy(a->descr)->kind);
  }
  if (!problem) {
    const double v = PyFloat_AsDouble(o);
    if (!(v == -1.0 && PyErr_Occurred())) return v;
    if (PyErr_ExceptionMatches(PyExc_OverflowError)) throw py::error_already_set();
    PyErr_Clear();
  }
  throw py::type_error(fmt::format("{}[{}]: expected a number, got {}", name, i,
                                   o == Py_None ? std::string("None") : Py_TYPE(o)->tp_name));
}

// A list or tuple, element by element. The size is read again at each step and each
// element is held while it converts: a __float__ can run Python code, and another thread
// could change the list meanwhile.
std::span<const double> from_list_or_tuple(PyObject* o, DoubleBuf& buf, const char* name) {
  const bool is_list = PyList_Check(o);
  const std::size_t n = static_cast<std::size_t>(is_list ? PyList_GET_SIZE(o) : PyTuple_GET_SIZE(o));
  double* out = buf.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (is_list && static_cast<std::size_t>(PyList_GET_SIZE(o)) != n)
      throw py::value_error(fmt::format("{}: the list changed size while it was being read", name));
    PyObject* item = is_list ? PyList_GET_ITEM(o, i) : PyTuple_GET_ITEM(o, i);
    if (PyFloat_Check(item)) {
      out[i] = PyFloat_AS_DOUBLE(item);
      continue;
    }
    py::object hold = py::reinterpret_borrow<py::object>(item);
    out[i] = element(hold.ptr(), name, i);
  }
  return {out, n};
}

std::span<const double> from_array(py::handle h, DoubleBuf& buf, const char* name, ArgKind kind,
                                   py::handle original) {
  const auto* a = npd::array_proxy(h.ptr());
  const auto* descr = npd::array_descriptor_proxy(a->descr);
  if (a->nd == 0) not_a_sequence(original, name);
  if (a->nd != 1)
    shape_error(kind, fmt::format("{}: expected a 1-D array, got shape {}", name, shape_of(a)));
  const std::size_t n = static_cast<std::size_t>(a->dimensions[0]);
  if (descr->kind == 'O') {
    double* out = buf.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      py::object item = py::reinterpret_steal<py::object>(PySequence_GetItem(h.ptr(), static_cast<Py_ssize_t>(i)));
      if (!item) throw py::error_already_set();
      out[i] = element(item.ptr(), name, i);
    }
    return {out, n};
  }
  if (!real_kind(descr->kind))
    throw py::type_error(fmt::format("{}: expected real numbers, got a numpy array of dtype {}", name,
                                     py::str(py::handle(a->descr)).cast<std::string>()));
  auto arr = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(h);
  if (!arr) throw py::error_already_set();
  double* out = buf.resize(n);
  std::copy(arr.data(), arr.data() + n, out);
  return {out, n};
}

}  // namespace

std::span<const double> as_doubles(py::handle h, DoubleBuf& buf, const char* name, ArgKind kind) {
  PyObject* o = h.ptr();
  const auto& api = npd::npy_api::get();
  if (api.PyArray_Check_(o)) {
    // The hot path: an aligned, C-contiguous, native-endian float64 vector is read in place.
    const auto* a = npd::array_proxy(o);
    const auto* descr = npd::array_descriptor_proxy(a->descr);
    constexpr int kFlags = npd::npy_api::NPY_ARRAY_C_CONTIGUOUS_ | npd::npy_api::NPY_ARRAY_ALIGNED_;
    if (a->nd == 1 && descr->type_num == npd::npy_api::NPY_DOUBLE_ && (a->flags & kFlags) == kFlags &&
        descr->byteorder != kForeignByteOrder)
      return {reinterpret_cast<const double*>(a->data), static_cast<std::size_t>(a->dimensions[0])};
    return from_array(h, buf, name, kind, h);
  }
  if (PyList_Check(o) || PyTuple_Check(o)) return from_list_or_tuple(o, buf, name);
  if (o == Py_None || PyUnicode_Check(o) || PyBytes_Check(o) || PyByteArray_Check(o) || PyDict_Check(o) ||
      PyFloat_Check(o) || PyLong_Check(o) || PyComplex_Check(o))
    not_a_sequence(h, name);
  // Anything else numpy can read (range, array.array, pandas, numpy scalars, ...).
  py::object arr = py::reinterpret_steal<py::object>(api.PyArray_FromAny_(o, nullptr, 0, 0, npd::npy_api::NPY_ARRAY_ENSUREARRAY_, nullptr));
  if (!arr) {
    if (PyErr_ExceptionMatches(PyExc_TypeError) || PyErr_ExceptionMatches(PyExc_ValueError)) {
      PyErr_Clear();
      not_a_sequence(h, name);
    }
    throw py::error_already_set();
  }
  return from_array(arr, buf, name, kind, h);
}

std::vector<double> to_vector(py::handle h, const char* name, ArgKind kind) {
  DoubleBuf buf;
  const auto s = as_doubles(h, buf, name, kind);
  return {s.begin(), s.end()};
}

py::array_t<double> to_array(std::span<const double> v) {
  py::array_t<double> out(static_cast<py::ssize_t>(v.size()));
  if (!v.empty()) std::memcpy(out.mutable_data(), v.data(), v.size() * sizeof(double));
  return out;
}

py::array_t<double, py::array::c_style> as_matrix(py::handle h, std::size_t cols, const char* name) {
  PyObject* o = h.ptr();
  const auto& api = npd::npy_api::get();
  if (o == Py_None || PyUnicode_Check(o) || PyBytes_Check(o) || PyDict_Check(o) || PyFloat_Check(o) || PyLong_Check(o))
    throw py::type_error(fmt::format("{}: expected a 2-D array of numbers, got {}", name,
                                     o == Py_None ? std::string("None") : type_name(h)));
  py::object arr = py::reinterpret_steal<py::object>(api.PyArray_FromAny_(o, nullptr, 0, 0, npd::npy_api::NPY_ARRAY_ENSUREARRAY_, nullptr));
  if (!arr) {
    if (!PyErr_ExceptionMatches(PyExc_ValueError)) throw py::error_already_set();
    PyErr_Clear();  // ragged nested sequences
    throw hfx::InvalidPdfParameters(fmt::format("{}: expected shape (n, {}) (one row per point), got ragged rows", name, cols));
  }
  const auto* a = npd::array_proxy(arr.ptr());
  const char k = npd::array_descriptor_proxy(a->descr)->kind;
  if (!real_kind(k))
    throw py::type_error(fmt::format("{}: expected real numbers, got a numpy array of dtype {}", name,
                                     py::str(py::handle(a->descr)).cast<std::string>()));
  if (a->nd != 2 || static_cast<std::size_t>(a->dimensions[1]) != cols)
    throw hfx::InvalidPdfParameters(fmt::format("{}: expected shape (n, {}) (one row per point), got {}", name, cols, shape_of(a)));
  auto out = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(arr);
  if (!out) throw py::error_already_set();
  return out;
}

void check_pars(const hfx::Model& m, std::span<const double> pars, const char* name) {
  if (pars.size() != m.npars())
    throw hfx::InvalidPdfParameters(
        fmt::format("{}: expected {} values (one per model parameter), got {}", name, m.npars(), pars.size()));
}

void check_data(const hfx::Model& m, std::span<const double> data, const char* name) {
  if (data.size() != m.nmaindata() + m.nauxdata())
    throw hfx::InvalidPdfData(fmt::format("{}: expected {} values (main {} + aux {}), got {}", name,
                                          m.nmaindata() + m.nauxdata(), m.nmaindata(), m.nauxdata(), data.size()));
}

double finite_par(double v, const char* name) {
  if (!std::isfinite(v)) throw hfx::InvalidPdfParameters(fmt::format("{}: expected a finite number, got {}", name, v));
  return v;
}

double nan_if_nan_pars(double nll, std::span<const double> pars) {
  if (std::isfinite(nll)) return nll;
  for (double p : pars)
    if (std::isnan(p)) return std::numeric_limits<double>::quiet_NaN();
  return nll;
}

void PyModel::bind(std::span<const double> data) {
  const auto cur = ev.data();
  if (bound && cur.size() == data.size() &&
      (data.empty() || std::memcmp(cur.data(), data.data(), data.size() * sizeof(double)) == 0))
    return;
  bound = false;
  ev.set_data(data);
  bound = true;
}

namespace {
// Holds PyModel::busy for one call.
struct Busy {
  explicit Busy(std::atomic_flag& f) : flag(f), taken(!f.test_and_set(std::memory_order_acquire)) {}
  ~Busy() {
    if (taken) flag.clear(std::memory_order_release);
  }
  Busy(const Busy&) = delete;
  Busy& operator=(const Busy&) = delete;
  std::atomic_flag& flag;
  const bool taken;
};
}  // namespace

double PyModel::nll(std::span<const double> pars, std::span<const double> data) {
  Busy busy_(busy);
  if (!busy_.taken) {
    hfx::Evaluator own(model);
    own.set_data(data);
    return own.nll(pars);
  }
  bind(data);
  return ev.nll(pars);
}

double PyModel::nll_and_grad(std::span<const double> pars, std::span<const double> data, std::span<double> grad) {
  Busy busy_(busy);
  if (!busy_.taken) {
    hfx::Evaluator own(model);
    own.set_data(data);
    return own.nll_and_grad(pars, grad);
  }
  bind(data);
  return ev.nll_and_grad(pars, grad);
}

namespace {

bool is_string_or_mapping(PyObject* o) {
  return PyUnicode_Check(o) || PyBytes_Check(o) || PyDict_Check(o);
}

// Iterates a sequence argument (list, tuple, array, any iterable but str/bytes/dict).
template <class F>
void for_each_entry(const py::object& seq, const char* name, const char* expected, F&& f) {
  if (is_string_or_mapping(seq.ptr()) ||
      (npd::npy_api::get().PyArray_Check_(seq.ptr()) && npd::array_proxy(seq.ptr())->nd == 0))
    throw py::type_error(fmt::format("{}: expected {}, got {}", name, expected, type_name(seq)));
  py::object it = py::reinterpret_steal<py::object>(PyObject_GetIter(seq.ptr()));
  if (!it) {
    PyErr_Clear();
    throw py::type_error(fmt::format("{}: expected {}, got {}", name, expected, type_name(seq)));
  }
  std::size_t i = 0;
  while (PyObject* item = PyIter_Next(it.ptr())) f(i++, py::reinterpret_steal<py::object>(item));
  if (PyErr_Occurred()) throw py::error_already_set();
}

PyObject* numpy_bool_type() {
  static PyObject* t = [] { return py::object(py::module_::import("numpy").attr("bool_")).release().ptr(); }();
  return t;
}

bool fixed_flag(PyObject* o, std::size_t i) {
  if (o == Py_True) return true;
  if (o == Py_False) return false;
  if (PyObject_TypeCheck(o, reinterpret_cast<PyTypeObject*>(numpy_bool_type()))) return PyObject_IsTrue(o) == 1;
  if (!PyFloat_Check(o) && PyIndex_Check(o)) {  // 0 / 1 as int or numpy integer
    const Py_ssize_t v = PyNumber_AsSsize_t(o, nullptr);
    if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
    if (v == 0 || v == 1) return v == 1;
  }
  throw py::type_error(fmt::format("fixed_params[{}]: expected a bool, got {}", i,
                                   o == Py_None ? std::string("None") : fmt::format("{} {}", Py_TYPE(o)->tp_name, py::repr(o).cast<std::string>())));
}

}  // namespace

hfx::FitProblem make_problem(const hfx::Model& model, const py::object& init, const py::object& bounds,
                             const py::object& fixed) {
  hfx::FitProblem p = hfx::FitProblem::from_model(model);
  const std::size_t n = model.npars();
  if (!init.is_none()) {
    p.init = to_vector(init, "init_pars", ArgKind::pars);
    check_pars(model, p.init, "init_pars");
    for (std::size_t i = 0; i < n; ++i)
      if (!std::isfinite(p.init[i]))
        throw hfx::InvalidPdfParameters(fmt::format("init_pars[{}]: expected a finite number, got {}", i, p.init[i]));
  }
  if (!bounds.is_none()) {
    p.bounds.clear();
    for_each_entry(bounds, "par_bounds", "a sequence of (low, high) pairs", [&](std::size_t i, const py::object& b) {
      const std::string name = fmt::format("par_bounds[{}]", i);
      DoubleBuf buf;
      const auto v = as_doubles(b, buf, name.c_str(), ArgKind::pars);
      if (v.size() != 2)
        throw hfx::InvalidPdfParameters(fmt::format("{}: expected a (low, high) pair, got {} values", name, v.size()));
      if (std::isnan(v[0]) || std::isnan(v[1]) || v[0] > v[1])
        throw hfx::InvalidPdfParameters(
            fmt::format("{}: expected low <= high and no NaN, got ({}, {})", name, v[0], v[1]));
      p.bounds.emplace_back(v[0], v[1]);
    });
    if (p.bounds.size() != n)
      throw hfx::InvalidPdfParameters(
          fmt::format("par_bounds: expected {} (low, high) pairs (one per model parameter), got {}", n, p.bounds.size()));
  }
  if (!fixed.is_none()) {
    p.fixed.clear();
    for_each_entry(fixed, "fixed_params", "a sequence of bools", [&](std::size_t i, const py::object& f) {
      p.fixed.push_back(fixed_flag(f.ptr(), i));
    });
    if (p.fixed.size() != n)
      throw hfx::InvalidPdfParameters(
          fmt::format("fixed_params: expected {} bools (one per model parameter), got {}", n, p.fixed.size()));
  }
  return p;
}

}  // namespace hfxpy
