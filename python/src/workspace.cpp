// hfx::Workspace for Python: a validated document and pyhf's workspace algebra.
// Documents cross the boundary as JSON text (the Python layer uses json.dumps/loads), which
// keeps number forms (int vs float) and therefore pyhf's digests. Parsing, validation,
// compilation and the workspace algebra release the GIL (their arguments are C++ copies
// and a Workspace is immutable, so threads may share one).
#include "bindings.hpp"

#include "hfx/json.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"

#include <map>

namespace hfxpy {

namespace {

hfx::InterpCode code_or(const std::optional<std::string>& s, hfx::InterpCode fallback) {
  return s ? hfx::interp_code_from_string(*s) : fallback;
}

}  // namespace

void init_workspace(py::module_& m) {
  py::class_<hfx::Workspace>(m, "Workspace")
      .def(py::init([](const std::string& text) {
             py::gil_scoped_release release;
             return hfx::Workspace(hfx::parse_json(text, "<workspace>"));
           }),
           py::arg("json_text"), "Validates a workspace given as JSON text. Raises InvalidSpecification.")
      .def_static("load", &hfx::Workspace::load, py::arg("path"), py::call_guard<py::gil_scoped_release>())
      .def("document", [](const hfx::Workspace& w) { return w.document().dump(); },
           "The document as JSON text (key order and number forms as written).")
      .def("digest", &hfx::Workspace::digest, py::call_guard<py::gil_scoped_release>(),
           "sha256 of json.dumps(document, sort_keys=True) (pyhf digest)")
      .def("version", &hfx::Workspace::version)
      .def("channel_names_sorted", &hfx::Workspace::channel_names_sorted)
      .def("measurement_names",
           [](const hfx::Workspace& w) {
             std::vector<std::string> out;
             for (const auto& ms : w.measurements()) out.push_back(ms.name);
             return out;
           })
      .def("measurement_poi", [](const hfx::Workspace& w, const std::string& name) { return w.measurement(name).poi; },
           py::arg("name") = "")
      .def(
          "prune",
          [](const hfx::Workspace& w, std::vector<std::string> channels, std::vector<std::string> samples,
             std::vector<std::string> modifiers, std::vector<std::string> modifier_types,
             std::vector<std::string> measurements) {
            hfx::PruneOptions o{std::move(channels), std::move(samples), std::move(modifiers),
                                std::move(modifier_types), std::move(measurements)};
            py::gil_scoped_release release;
            return w.prune(o);
          },
          py::arg("channels"), py::arg("samples"), py::arg("modifiers"), py::arg("modifier_types"),
          py::arg("measurements"))
      .def(
          "rename",
          [](const hfx::Workspace& w, std::map<std::string, std::string> channels,
             std::map<std::string, std::string> samples, std::map<std::string, std::string> modifiers,
             std::map<std::string, std::string> measurements) {
            hfx::RenameOptions o{std::move(channels), std::move(samples), std::move(modifiers), std::move(measurements)};
            py::gil_scoped_release release;
            return w.rename(o);
          },
          py::arg("channels"), py::arg("samples"), py::arg("modifiers"), py::arg("measurements"))
      .def("sorted", &hfx::Workspace::sorted, py::call_guard<py::gil_scoped_release>())
      .def_static(
          "combine",
          [](const hfx::Workspace& a, const hfx::Workspace& b, const std::string& join, bool merge_channels) {
            py::gil_scoped_release release;
            return hfx::Workspace::combine(a, b, hfx::join_mode_from_string(join), merge_channels);
          },
          py::arg("left"), py::arg("right"), py::arg("join") = "none", py::arg("merge_channels") = false)
      .def(
          "model",
          [](const hfx::Workspace& w, const std::string& measurement, std::optional<std::string> poi_name,
             std::optional<std::string> normsys, std::optional<std::string> histosys) {
            hfx::ModelOptions o;
            o.measurement = measurement;
            o.poi_name = std::move(poi_name);
            o.normsys_interp = code_or(normsys, o.normsys_interp);
            o.histosys_interp = code_or(histosys, o.histosys_interp);
            py::gil_scoped_release release;
            return std::make_unique<PyModel>(hfx::compile(w, o));
          },
          py::arg("measurement") = "", py::arg("poi_name") = py::none(), py::arg("normsys_interp") = py::none(),
          py::arg("histosys_interp") = py::none(),
          "Compiles a measurement (\"\" = the first). poi_name None = the measurement's POI, \"\" = none.")
      .def(
          "data",
          [](const hfx::Workspace& w, const PyModel& model, bool include_auxdata) {
            return hfx::observed_data(w, model.model, include_auxdata);
          },
          py::arg("model"), py::arg("include_auxdata") = true);
}

}  // namespace hfxpy
