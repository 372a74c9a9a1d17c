// Bindings of hfx's interchange formats: HistFactory XML (readxml) and ROOT histograms.
#include "bindings.hpp"

#include "hfx/histfactory_xml.hpp"
#include "hfx/hs3.hpp"
#include "hfx/json.hpp"
#include "hfx/root_file.hpp"
#include "hfx/workspace.hpp"

namespace hfxpy {

void init_interchange(py::module_& m) {
  m.def(
      "readxml_parse",
      [](const std::string& config_file, const std::string& rootdir, const std::vector<std::pair<std::string, std::string>>& mounts,
         bool validation_as_error, bool restore) {
        hfx::xml::ReadOptions o;
        o.rootdir = rootdir;
        o.validation_as_error = validation_as_error;
        o.restore = restore;
        for (const auto& [host, mount] : mounts) o.mounts.push_back({host, mount});
        hfx::xml::ReadResult r;
        {
          py::gil_scoped_release release;
          r = hfx::xml::read(config_file, o);
        }
        return py::make_tuple(hfx::python_json_dumps(r.workspace), r.warnings);
      },
      py::arg("config_file"), py::arg("rootdir"), py::arg("mounts"), py::arg("validation_as_error"), py::arg("restore") = true,
      "HistFactory XML -> (workspace as JSON text, warnings); see hfx/histfactory_xml.hpp.");
  m.def(
      "readxml_measurements",
      [](std::string xml, const std::string& configs_json) {
        std::vector<hfx::Json> configs;
        for (auto& c : hfx::parse_json(configs_json, "parameter configurations")) configs.push_back(c);
        std::vector<std::string> warnings;
        const hfx::Json result = hfx::xml::measurements(std::move(xml), "<Combination>", configs, &warnings);
        return py::make_tuple(hfx::python_json_dumps(result), warnings);
      },
      py::arg("xml"), py::arg("parameter_configs_json"), "pyhf's process_measurements on a <Combination> document's text.");
  m.def(
      "writexml",
      [](const std::string& spec_json, const std::string& output_dir, const std::string& specroot, const std::string& dataroot,
         const std::string& resultprefix) {
        hfx::xml::WriteOptions o{output_dir, specroot, dataroot, resultprefix};
        hfx::xml::WriteResult r;
        {
          hfx::Workspace ws(hfx::parse_json(spec_json, "spec"));
          py::gil_scoped_release release;
          r = hfx::xml::write(ws, o);
        }
        return py::make_tuple(py::bytes(r.top_xml), r.warnings);
      },
      py::arg("spec_json"), py::arg("output_dir"), py::arg("specroot"), py::arg("dataroot"), py::arg("resultprefix"),
      "Workspace -> HistFactory XML + data.root; returns (top-level XML, warnings).");
  m.def(
      "to_hs3",
      [](const std::string& spec_json) {
        const hfx::hs3::Result r = hfx::hs3::to_hs3(hfx::Workspace(hfx::parse_json(spec_json, "workspace")));
        return py::make_tuple(hfx::python_json_dumps(r.document), r.warnings);
      },
      py::arg("spec_json"), "Workspace -> (HS3 document as JSON text, warnings).");
  m.def(
      "from_hs3",
      [](const std::string& doc_json, const std::string& source, bool restore) {
        const hfx::hs3::Result r = hfx::hs3::from_hs3(hfx::parse_json(doc_json, source), source, restore);
        return py::make_tuple(hfx::python_json_dumps(r.document), r.warnings);
      },
      py::arg("doc_json"), py::arg("source"), py::arg("restore") = true, "HS3 document -> (workspace as JSON text, warnings).");
  m.def(
      "root_keys",
      [](const std::string& path) {
        const hfx::root::File f = hfx::root::File::open(path);
        py::list out;
        for (const auto& k : f.keys()) out.append(py::make_tuple(k.path, k.cycle, k.class_name, k.title));
        return out;
      },
      py::arg("path"), "(path, cycle, class, title) of every key of a ROOT file.");
  m.def(
      "root_histogram",
      [](const std::string& path, const std::string& key) {
        return hfx::python_json_dumps(hfx::root::to_json(hfx::root::File::open(path).histogram(key)));
      },
      py::arg("path"), py::arg("key"), "One TH1 of a ROOT file as JSON text (hfx::root::to_json).");
}

}  // namespace hfxpy
