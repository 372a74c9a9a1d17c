// Conversions between Python sequences / numpy arrays and C++ spans.
#include "bindings.hpp"

#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <cstring>

namespace hfxpy {

std::span<const double> as_doubles(py::handle h, std::vector<double>& buf) {
  using Contig = py::array_t<double, py::array::c_style>;
  if (Contig::check_(h)) {
    auto arr = py::reinterpret_borrow<py::array>(h);
    return {static_cast<const double*>(arr.data()), static_cast<std::size_t>(arr.size())};
  }
  PyObject* o = h.ptr();
  if (PyList_Check(o) || PyTuple_Check(o)) {
    const bool is_list = PyList_Check(o);
    const Py_ssize_t n = is_list ? PyList_GET_SIZE(o) : PyTuple_GET_SIZE(o);
    buf.resize(static_cast<std::size_t>(n));
    for (Py_ssize_t i = 0; i < n; ++i) {
      PyObject* item = is_list ? PyList_GET_ITEM(o, i) : PyTuple_GET_ITEM(o, i);
      const double v = PyFloat_Check(item) ? PyFloat_AS_DOUBLE(item) : PyFloat_AsDouble(item);
      if (v == -1.0 && PyErr_Occurred()) throw py::error_already_set();
      buf[static_cast<std::size_t>(i)] = v;
    }
    return {buf.data(), buf.size()};
  }
  auto arr = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(h);
  if (!arr) throw py::type_error("expected a sequence of numbers");
  buf.assign(arr.data(), arr.data() + arr.size());
  return {buf.data(), buf.size()};
}

std::vector<double> to_vector(py::handle h) {
  std::vector<double> buf;
  auto s = as_doubles(h, buf);
  if (s.data() != buf.data()) buf.assign(s.begin(), s.end());
  return buf;
}

py::array_t<double> to_array(std::span<const double> v) {
  py::array_t<double> out(static_cast<py::ssize_t>(v.size()));
  if (!v.empty()) std::memcpy(out.mutable_data(), v.data(), v.size() * sizeof(double));
  return out;
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

hfx::FitProblem make_problem(const hfx::Model& model, const py::object& init, const py::object& bounds,
                             const py::object& fixed) {
  hfx::FitProblem p = hfx::FitProblem::from_model(model);
  const std::size_t n = model.npars();
  if (!init.is_none()) {
    p.init = to_vector(init);
    if (p.init.size() != n)
      throw hfx::InvalidPdfParameters(fmt::format("init_pars has {} values; the model has {} parameters", p.init.size(), n));
  }
  if (!bounds.is_none()) {
    p.bounds.clear();
    for (auto b : bounds) {
      auto v = to_vector(b);
      if (v.size() != 2) throw hfx::InvalidPdfParameters("par_bounds entries must be (low, high) pairs");
      p.bounds.emplace_back(v[0], v[1]);
    }
    if (p.bounds.size() != n)
      throw hfx::InvalidPdfParameters(fmt::format("par_bounds has {} entries; the model has {} parameters", p.bounds.size(), n));
  }
  if (!fixed.is_none()) {
    p.fixed.clear();
    for (auto f : fixed) {
      const int t = PyObject_IsTrue(f.ptr());
      if (t < 0) throw py::error_already_set();
      p.fixed.push_back(t == 1);
    }
    if (p.fixed.size() != n)
      throw hfx::InvalidPdfParameters(fmt::format("fixed_params has {} entries; the model has {} parameters", p.fixed.size(), n));
  }
  return p;
}

}  // namespace hfxpy
