// hfx::Model for Python: pyhf's model.config accessors and the evaluation hot path.
//
// logpdf/logpdf_and_grad run with the GIL held on a cached Evaluator (binding the data
// only when it changes), so a call costs little more than the likelihood itself;
// logpdf_batch releases the GIL and uses its own Evaluator. Every entry point checks its
// arguments' types, shapes and lengths (see convert.cpp); NaN parameters give NaN.
#include "bindings.hpp"

#include "hfx/errors.hpp"
#include "hfx/json.hpp"
#include "hfx/workspace.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace hfxpy {

namespace {

hfx::InterpCode code_or(const std::optional<std::string>& s, hfx::InterpCode fallback) {
  return s ? hfx::interp_code_from_string(*s) : fallback;
}

// pyhf's model specs ({channels, parameters}) are compiled as a workspace with one
// measurement "measurement" and zero observations, so they get the same validation.
std::unique_ptr<PyModel> model_from_spec(const std::string& text, const std::string& poi,
                                         std::optional<std::string> normsys, std::optional<std::string> histosys,
                                         bool allow_no_parameters) {
  using hfx::Json;
  Json spec = hfx::parse_json(text, "<model spec>");
  if (!spec.is_object())
    throw hfx::InvalidSpecification("/: a model spec is an object with 'channels' and optionally 'parameters'");
  for (const auto& item : spec.items())
    if (item.key() != "channels" && item.key() != "parameters")
      throw hfx::InvalidSpecification(
          fmt::format("/{}: unknown key in a model spec (expected 'channels' and 'parameters')", item.key()));
  if (!spec.contains("channels")) throw hfx::InvalidSpecification("/: the model spec has no 'channels'");
  Json observations = Json::array();
  if (spec["channels"].is_array()) {
    for (const auto& ch : spec["channels"]) {
      if (!ch.is_object() || !ch.contains("name") || !ch["name"].is_string()) continue;
      std::size_t nbins = 0;
      if (ch.contains("samples") && ch["samples"].is_array() && !ch["samples"].empty()) {
        const auto& s0 = ch["samples"][0];
        if (s0.is_object() && s0.contains("data") && s0["data"].is_array()) nbins = s0["data"].size();
      }
      observations.push_back(Json{{"name", ch["name"]}, {"data", Json(std::vector<double>(nbins, 0.0))}});
    }
  }
  Json doc = Json::object();
  doc["channels"] = spec["channels"];
  doc["observations"] = std::move(observations);
  Json config = Json::object();
  config["poi"] = poi;  // "" is a measurement without POI
  config["parameters"] = spec.contains("parameters") ? spec["parameters"] : Json::array();
  doc["measurements"] = Json::array({Json{{"name", "measurement"}, {"config", std::move(config)}}});
  doc["version"] = "1.0.0";
  hfx::Workspace ws(std::move(doc));
  hfx::ModelOptions o;
  o.measurement = "measurement";
  o.poi_name = poi;
  o.normsys_interp = code_or(normsys, o.normsys_interp);
  o.histosys_interp = code_or(histosys, o.histosys_interp);
  o.allow_no_parameters = allow_no_parameters;
  return std::make_unique<PyModel>(hfx::compile(ws, o));
}

py::dict param_set_dict(const hfx::ParameterSet& p) {
  py::dict d;
  d["name"] = p.name;
  d["type"] = std::string(hfx::to_string(p.type));
  d["constraint"] = std::string(hfx::to_string(p.constraint));
  d["is_scalar"] = p.is_scalar;
  d["offset"] = p.offset;
  d["size"] = p.size;
  d["inits"] = p.inits;
  py::list bounds;
  for (auto [lo, hi] : p.bounds) bounds.append(py::make_tuple(lo, hi));
  d["bounds"] = bounds;
  d["fixed"] = p.fixed;
  d["auxdata"] = p.auxdata;
  d["sigmas"] = p.sigmas;
  d["factors"] = p.factors;
  return d;
}

// The logpdf of one part of the model (its main bins or its constraint terms): `pars`
// and that part's data, `name`d, `expected` values long (`what` they are), checked.
template <class F>
double part_logpdf(const PyModel& s, py::handle pars, py::handle data, const char* name, std::size_t expected,
                   const char* what, F&& logpdf) {
  DoubleBuf pbuf, dbuf;
  const auto p = as_doubles(pars, pbuf, "pars", ArgKind::pars);
  const auto d = as_doubles(data, dbuf, name, ArgKind::data);
  check_pars(s.model, p, "pars");
  if (d.size() != expected)
    throw hfx::InvalidPdfData(fmt::format("{}: expected {} values ({}), got {}", name, expected, what, d.size()));
  return -nan_if_nan_pars(-logpdf(p, d), p);
}

}  // namespace

void init_model(py::module_& m) {
  m.def("model_from_spec", &model_from_spec, py::arg("spec_json"), py::arg("poi_name") = "",
        py::arg("normsys_interp") = py::none(), py::arg("histosys_interp") = py::none(),
        py::arg("allow_no_parameters") = false,
        py::call_guard<py::gil_scoped_release>(),
        "Compiles a pyhf model spec {channels, parameters} given as JSON text (poi_name \"\" = no POI).");

  py::class_<PyModel>(m, "Model")
      // --- configuration ---
      .def_property_readonly("npars", [](const PyModel& s) { return s.model.npars(); })
      .def_property_readonly("par_order", [](const PyModel& s) { return s.model.par_order(); })
      .def_property_readonly("par_names", [](const PyModel& s) { return s.model.par_names(); })
      .def("par_slice", [](const PyModel& s, const std::string& name) { return s.model.par_slice(name); })
      .def("param_set", [](const PyModel& s, const std::string& name) { return param_set_dict(s.model.param_set(name)); })
      .def("param_sets",
           [](const PyModel& s) {
             py::list out;
             for (const auto& p : s.model.parameter_sets()) out.append(param_set_dict(p));
             return out;
           })
      .def("suggested_init", [](const PyModel& s) { return s.model.suggested_init(); })
      .def("suggested_bounds",
           [](const PyModel& s) {
             py::list out;
             for (auto [lo, hi] : s.model.suggested_bounds()) out.append(py::make_tuple(lo, hi));
             return out;
           })
      .def("suggested_fixed",
           [](const PyModel& s) {
             py::list out;
             for (bool b : s.model.suggested_fixed()) out.append(py::bool_(b));
             return out;
           })
      .def_property_readonly("poi_name", [](const PyModel& s) { return s.model.poi_name(); })
      .def_property_readonly("poi_index", [](const PyModel& s) { return s.model.poi_index(); })
      .def("with_poi", [](const PyModel& s, const std::string& name) { return std::make_unique<PyModel>(s.model.with_poi(name)); })
      .def_property_readonly("channels", [](const PyModel& s) { return s.model.channels(); })
      .def_property_readonly("channel_nbins", [](const PyModel& s) { return s.model.channel_nbins(); })
      .def_property_readonly("samples", [](const PyModel& s) { return s.model.samples(); })
      .def_property_readonly("modifiers", [](const PyModel& s) { return s.model.modifiers(); })
      .def_property_readonly("nmaindata", [](const PyModel& s) { return s.model.nmaindata(); })
      .def_property_readonly("nauxdata", [](const PyModel& s) { return s.model.nauxdata(); })
      .def_property_readonly("auxdata", [](const PyModel& s) { return s.model.auxdata(); })
      .def_property_readonly("auxdata_order", [](const PyModel& s) { return s.model.auxdata_order(); })
      .def_property_readonly("measurement_name", [](const PyModel& s) { return s.model.measurement_name(); })
      .def_property_readonly("normsys_interp", [](const PyModel& s) { return std::string(hfx::to_string(s.model.normsys_interp())); })
      .def_property_readonly("histosys_interp", [](const PyModel& s) { return std::string(hfx::to_string(s.model.histosys_interp())); })
      // --- evaluation ---
      // Arguments are converted into buffers local to the call (see PyModel). Results are
      // allocated after the evaluation: no Python code runs while the cached evaluator is
      // in use.
      .def(
          "logpdf",
          [](PyModel& s, py::handle pars, py::handle data) {
            DoubleBuf pbuf, dbuf;
            const auto p = as_doubles(pars, pbuf, "pars", ArgKind::pars);
            const auto d = as_doubles(data, dbuf, "data", ArgKind::data);
            check_pars(s.model, p, "pars");
            check_data(s.model, d, "data");
            const double v = -nan_if_nan_pars(s.nll(p, d), p);
            py::array_t<double> out(1);
            *out.mutable_data() = v;
            return out;
          },
          py::arg("pars"), py::arg("data"), "log-likelihood as a 1-element array (pyhf's numpy backend)")
      .def(
          "logpdf_and_grad",
          [](PyModel& s, py::handle pars, py::handle data) {
            DoubleBuf pbuf, dbuf;
            const auto p = as_doubles(pars, pbuf, "pars", ArgKind::pars);
            const auto d = as_doubles(data, dbuf, "data", ArgKind::data);
            check_pars(s.model, p, "pars");
            check_data(s.model, d, "data");
            py::array_t<double> grad(static_cast<py::ssize_t>(p.size()));
            double* g = grad.mutable_data();
            const double v = -nan_if_nan_pars(s.nll_and_grad(p, d, {g, p.size()}), p);
            for (std::size_t i = 0; i < p.size(); ++i) g[i] = -g[i];
            return py::make_tuple(v, grad);
          },
          py::arg("pars"), py::arg("data"), "(logpdf, d logpdf / d pars) with the analytic gradient")
      .def(
          "logpdf_batch",
          [](const PyModel& s, py::handle pars, py::handle data) {
            const auto rows = as_matrix(pars, s.model.npars(), "pars");
            const std::vector<double> d = to_vector(data, "data", ArgKind::data);
            check_data(s.model, d, "data");
            const std::size_t n = static_cast<std::size_t>(rows.shape(0)), np = s.model.npars();
            py::array_t<double> out(static_cast<py::ssize_t>(n));
            double* o = out.mutable_data();
            const double* p = rows.data();
            {
              py::gil_scoped_release release;
              hfx::Evaluator ev(s.model);
              ev.set_data(d);
              for (std::size_t i = 0; i < n; ++i) {
                const std::span<const double> row{p + i * np, np};
                o[i] = -nan_if_nan_pars(ev.nll(row), row);
              }
            }
            return out;
          },
          py::arg("pars"), py::arg("data"), "logpdf at each row of a (n, npars) array; releases the GIL")
      .def(
          "logpdf_rows",
          [](const PyModel& s, py::handle pars, py::handle data) {
            const auto prows = as_matrix(pars, s.model.npars(), "pars");
            const std::size_t nd = s.model.nmaindata() + s.model.nauxdata();
            const auto drows = as_matrix(data, nd, "data");
            const std::size_t n = static_cast<std::size_t>(prows.shape(0)), np = s.model.npars();
            if (static_cast<std::size_t>(drows.shape(0)) != n)
              throw hfx::InvalidPdfData(fmt::format("data: expected {} rows (one per parameter point), got {}", n, drows.shape(0)));
            const double* p = prows.data();
            const double* d = drows.data();
            for (std::size_t i = 0; i < n; ++i) check_data(s.model, {d + i * nd, nd}, "data");
            py::array_t<double> out(static_cast<py::ssize_t>(n));
            double* o = out.mutable_data();
            {
              py::gil_scoped_release release;
              hfx::Evaluator ev(s.model);
              for (std::size_t i = 0; i < n; ++i) {
                const std::span<const double> row{p + i * np, np};
                ev.set_data({d + i * nd, nd});
                o[i] = -nan_if_nan_pars(ev.nll(row), row);
              }
            }
            return out;
          },
          py::arg("pars"), py::arg("data"), "logpdf of row i of data at row i of pars; releases the GIL")
      .def(
          "expected_data_batch",
          [](const PyModel& s, py::handle pars, bool include_auxdata) {
            const auto rows = as_matrix(pars, s.model.npars(), "pars");
            const std::size_t n = static_cast<std::size_t>(rows.shape(0)), np = s.model.npars();
            const std::size_t width = s.model.nmaindata() + (include_auxdata ? s.model.nauxdata() : 0);
            const double* p = rows.data();
            for (std::size_t i = 0; i < n; ++i) check_pars(s.model, {p + i * np, np}, "pars");
            py::array_t<double> out({static_cast<py::ssize_t>(n), static_cast<py::ssize_t>(width)});
            double* o = out.mutable_data();
            {
              py::gil_scoped_release release;
              hfx::Evaluator ev(s.model);
              const std::size_t nmain = s.model.nmaindata();
              for (std::size_t i = 0; i < n; ++i) {
                const std::span<const double> row{p + i * np, np};
                const auto main = ev.expected_main(row);
                std::copy(main.begin(), main.end(), o + i * width);
                if (include_auxdata) ev.expected_aux(row, {o + i * width + nmain, width - nmain});
              }
            }
            return out;
          },
          py::arg("pars"), py::arg("include_auxdata") = true, "expected data at each row of a (n, npars) array")
      .def(
          "expected_data",
          [](const PyModel& s, py::handle pars, bool include_auxdata) {
            DoubleBuf buf;
            const auto p = as_doubles(pars, buf, "pars", ArgKind::pars);
            check_pars(s.model, p, "pars");
            return to_array(s.model.expected_data(p, include_auxdata));
          },
          py::arg("pars"), py::arg("include_auxdata") = true)
      .def(
          "expected_by_sample",
          [](const PyModel& s, py::handle pars) {
            DoubleBuf buf;
            const auto p = as_doubles(pars, buf, "pars", ArgKind::pars);
            check_pars(s.model, p, "pars");
            // samples x main bins, zero where a channel does not define the sample
            const std::size_t ns = s.model.samples().size(), nmain = s.model.nmaindata();
            py::array_t<double> out({static_cast<py::ssize_t>(ns), static_cast<py::ssize_t>(nmain)});
            auto v = out.mutable_unchecked<2>();
            for (std::size_t a = 0; a < ns; ++a)
              for (std::size_t b = 0; b < nmain; ++b) v(a, b) = 0.0;
            std::vector<std::size_t> offset(s.model.channels().size() + 1, 0);
            for (std::size_t c = 0; c < s.model.channels().size(); ++c)
              offset[c + 1] = offset[c] + s.model.channel_nbins()[c];
            for (const auto& y : s.model.expected_by_sample(p))
              for (std::size_t b = 0; b < y.yields.size(); ++b) v(y.sample, offset[y.channel] + b) = y.yields[b];
            return out;
          },
          py::arg("pars"))
      .def(
          "expected_actualdata",
          [](const PyModel& s, py::handle pars) {
            DoubleBuf buf;
            const auto p = as_doubles(pars, buf, "pars", ArgKind::pars);
            check_pars(s.model, p, "pars");
            return to_array(s.model.expected_actualdata(p));
          },
          py::arg("pars"))
      .def(
          "expected_auxdata",
          [](const PyModel& s, py::handle pars) {
            DoubleBuf buf;
            const auto p = as_doubles(pars, buf, "pars", ArgKind::pars);
            check_pars(s.model, p, "pars");
            return to_array(s.model.expected_auxdata(p));
          },
          py::arg("pars"))
      .def(
          "mainlogpdf",
          [](const PyModel& s, py::handle pars, py::handle maindata) {
            return part_logpdf(s, pars, maindata, "maindata", s.model.nmaindata(), "the main bins",
                               [&](auto p, auto d) { return s.model.mainlogpdf(p, d); });
          },
          py::arg("pars"), py::arg("maindata"))
      .def(
          "constraint_logpdf",
          [](const PyModel& s, py::handle pars, py::handle auxdata) {
            return part_logpdf(s, pars, auxdata, "auxdata", s.model.nauxdata(), "the auxdata",
                               [&](auto p, auto d) { return s.model.constraint_logpdf(p, d); });
          },
          py::arg("pars"), py::arg("auxdata"));
}

}  // namespace hfxpy
