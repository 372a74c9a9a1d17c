// hfx::PatchSet and hfx::JsonPatch for Python. JSON values cross as JSON text. Parsing and
// applying patches release the GIL (PatchSet, JsonPatch and Workspace are immutable).
#include "bindings.hpp"

#include "hfx/patchset.hpp"

namespace hfxpy {

void init_patchset(py::module_& m) {
  py::class_<hfx::JsonPatch>(m, "JsonPatch")
      .def(py::init([](const std::string& text) {
             py::gil_scoped_release release;
             return hfx::JsonPatch(hfx::parse_json(text, "<patch>"));
           }),
           py::arg("json_text"))
      .def("operations", [](const hfx::JsonPatch& p) { return p.operations().dump(); })
      .def("apply_json",
           [](const hfx::JsonPatch& p, const std::string& doc) {
             py::gil_scoped_release release;
             return p.apply(hfx::parse_json(doc, "<document>")).dump();
           },
           py::arg("document_json"), "Applies the patch to a JSON document given as text; returns text.")
      .def("apply_workspace", [](const hfx::JsonPatch& p, const hfx::Workspace& w) { return p.apply(w); },
           py::call_guard<py::gil_scoped_release>());

  py::class_<hfx::PatchSet>(m, "PatchSet")
      .def(py::init([](const std::string& text) {
             py::gil_scoped_release release;
             return hfx::PatchSet(hfx::parse_json(text, "<patchset>"));
           }),
           py::arg("json_text"))
      .def("document", [](const hfx::PatchSet& s) { return s.document().dump(); })
      .def("labels", &hfx::PatchSet::labels)
      .def("description", &hfx::PatchSet::description)
      .def("version", &hfx::PatchSet::version)
      .def("size", &hfx::PatchSet::size)
      .def("patch_names",
           [](const hfx::PatchSet& s) {
             std::vector<std::string> out;
             for (const auto& p : s.patches()) out.push_back(p.name);
             return out;
           })
      .def("patch_values_json", [](const hfx::PatchSet& s, const std::string& name) { return s[name].values.dump(); })
      .def("patch_metadata_json", [](const hfx::PatchSet& s, const std::string& name) { return s[name].metadata.dump(); })
      .def("patch_operations_json",
           [](const hfx::PatchSet& s, const std::string& name) { return s[name].patch.operations().dump(); })
      .def("name_by_values",
           [](const hfx::PatchSet& s, const std::string& values) {
             return s.by_values(hfx::parse_json(values, "<values>")).name;
           })
      .def("verify", &hfx::PatchSet::verify, py::arg("workspace"), py::call_guard<py::gil_scoped_release>())
      .def("apply", [](const hfx::PatchSet& s, const hfx::Workspace& w, const std::string& name) { return s.apply(w, name); },
           py::arg("workspace"), py::arg("name"), py::call_guard<py::gil_scoped_release>())
      .def("apply_values",
           [](const hfx::PatchSet& s, const hfx::Workspace& w, const std::string& values) {
             return s.apply_values(w, hfx::parse_json(values, "<values>"));
           },
           py::arg("workspace"), py::arg("values_json"), py::call_guard<py::gil_scoped_release>());
}

}  // namespace hfxpy
