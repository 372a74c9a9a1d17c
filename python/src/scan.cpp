// hfx::scan for Python (python/hfx/scan.py builds hfx.scan on it). JSON crosses as text;
// the computing calls release the GIL.
#include "bindings.hpp"

#include "hfx/scan.hpp"

namespace hfxpy {

namespace {

struct PyGrid {
  hfx::scan::Grid grid;
  std::vector<std::string> warnings;
};

}  // namespace

void init_scan(py::module_& m) {
  py::class_<PyGrid>(m, "ScanGrid")
      .def_static(
          "from_files",
          [](const std::vector<std::string>& files, bool verify) {
            py::gil_scoped_release release;
            PyGrid g;
            g.grid = hfx::scan::load_grid(files, verify, &g.warnings);
            return g;
          },
          py::arg("files"), py::arg("verify") = true)
      .def_static(
          "from_documents",
          [](const std::string& background, const std::string& patchset, bool verify) {
            py::gil_scoped_release release;
            PyGrid g;
            auto bkg = std::make_shared<const hfx::Workspace>(hfx::parse_json(background, "<background>"));
            auto ps = std::make_shared<const hfx::PatchSet>(hfx::parse_json(patchset, "<patchset>"));
            g.grid = hfx::scan::grid_from_patchset(bkg, ps, verify, &g.warnings);
            g.grid.inputs = hfx::Json::array({{{"kind", "background"}, {"sha256", hfx::sha256_hex(background)}},
                                              {{"kind", "patchset"}, {"sha256", hfx::sha256_hex(patchset)}}});
            return g;
          },
          py::arg("background_json"), py::arg("patchset_json"), py::arg("verify") = true)
      .def_property_readonly("warnings", [](const PyGrid& g) { return g.warnings; })
      .def_property_readonly("labels", [](const PyGrid& g) { return g.grid.labels; })
      .def_property_readonly("names",
                             [](const PyGrid& g) {
                               std::vector<std::string> out;
                               for (const auto& p : g.grid.points) out.push_back(p.name);
                               return out;
                             })
      .def(
          "select",
          [](const PyGrid& g, const std::vector<std::string>& names, const std::vector<std::string>& values,
             std::size_t shard_index, std::size_t shard_count) {
            hfx::scan::Selection s{names, values, shard_index, shard_count};
            const auto sel = hfx::scan::select(g.grid, s);
            return py::make_tuple(sel.all, sel.shard);
          },
          py::arg("names"), py::arg("values"), py::arg("shard_index") = 0, py::arg("shard_count") = 1)
      .def(
          "header",
          [](const PyGrid& g, const std::vector<std::string>& names, const std::vector<std::string>& values,
             std::size_t shard_index, std::size_t shard_count, const std::string& settings) {
            hfx::scan::Selection s{names, values, shard_index, shard_count};
            const auto sel = hfx::scan::select(g.grid, s);
            const auto st = hfx::scan::Settings::from_json(hfx::parse_json(settings, "<settings>"));
            return hfx::scan::results_header(g.grid, sel, s, st).dump();
          },
          py::arg("names"), py::arg("values"), py::arg("shard_index"), py::arg("shard_count"), py::arg("settings_json"))
      .def("background_json",
           [](const PyGrid& g) -> std::optional<std::string> {
             if (!g.grid.background) return std::nullopt;
             return g.grid.background->document().dump();
           })
      .def(
          "task",
          [](const PyGrid& g, std::size_t i) {
            // What a remote worker needs for point i: name, values, and the patch or workspace.
            const auto& p = g.grid.points.at(i);
            const bool patch = static_cast<bool>(p.patch);
            return py::make_tuple(p.name, p.values.dump(), patch ? "patch" : "workspace",
                                  patch ? p.patch->operations().dump() : p.workspace->document().dump());
          },
          py::arg("index"))
      .def(
          "run",
          [](const PyGrid& g, const std::vector<std::size_t>& todo, const std::string& settings, unsigned threads,
             py::object on_row) {
            const auto st = hfx::scan::Settings::from_json(hfx::parse_json(settings, "<settings>"));
            hfx::scan::RunOptions opt;
            opt.threads = threads;
            if (!on_row.is_none())
              opt.on_row = [&on_row](const hfx::Json& row) {
                py::gil_scoped_acquire acquire;
                on_row(row.dump());
              };
            std::vector<hfx::Json> rows;
            {
              py::gil_scoped_release release;
              rows = hfx::scan::run(g.grid, todo, st, opt);
            }
            std::vector<std::string> out;
            for (const auto& r : rows) out.push_back(r.dump());
            return out;
          },
          py::arg("todo"), py::arg("settings_json"), py::arg("threads") = 0, py::arg("on_row") = py::none());

  m.def(
      "scan_settings",
      [](const std::string& overrides) {
        // The default settings updated with `overrides` (JSON object), validated.
        hfx::Json s = hfx::scan::Settings{}.to_json();
        const hfx::Json o = hfx::parse_json(overrides, "<settings>");
        if (!o.is_object()) throw hfx::InvalidSpecification("scan settings: expected an object");
        for (auto it = o.begin(); it != o.end(); ++it) {
          if (!s.contains(it.key()) && it.key() != "ntoys" && it.key() != "seed")
            throw hfx::InvalidSpecification("scan settings: unknown setting '" + it.key() + "'");
          s[it.key()] = it.value();
        }
        if (s["calctype"] == "toybased") {
          if (!s.contains("ntoys")) s["ntoys"] = 2000;
          if (!s.contains("seed")) s["seed"] = 0;
        }
        return hfx::scan::Settings::from_json(s).to_json().dump();
      },
      py::arg("overrides_json"));

  m.def(
      "scan_evaluate",
      [](const std::optional<std::string>& background, const std::vector<py::tuple>& tasks, const std::string& settings) {
        // Runs tasks (from ScanGrid.task) one after the other: a remote worker's share.
        std::vector<std::tuple<std::string, std::string, std::string, std::string>> items;
        for (const auto& t : tasks)
          items.emplace_back(t[0].cast<std::string>(), t[1].cast<std::string>(), t[2].cast<std::string>(),
                             t[3].cast<std::string>());
        py::gil_scoped_release release;
        const auto st = hfx::scan::Settings::from_json(hfx::parse_json(settings, "<settings>"));
        hfx::scan::Grid grid;
        if (background) grid.background = std::make_shared<const hfx::Workspace>(hfx::parse_json(*background, "<background>"));
        std::vector<std::string> out;
        for (const auto& [name, values, kind, doc] : items) {
          hfx::scan::Point p;
          p.name = name;
          p.values = hfx::parse_json(values, "<values>");
          if (kind == "patch") p.patch = std::make_shared<const hfx::JsonPatch>(hfx::parse_json(doc, "<patch>"));
          else p.workspace = std::make_shared<const hfx::Workspace>(hfx::parse_json(doc, "<workspace>"));
          out.push_back(hfx::scan::evaluate(grid, p, st).dump());
        }
        return out;
      },
      py::arg("background_json"), py::arg("tasks"), py::arg("settings_json"));

  py::class_<hfx::scan::ResultsFile>(m, "ScanResultsFile")
      .def(py::init([](const std::string& path, const std::string& header) {
             return std::make_unique<hfx::scan::ResultsFile>(path, hfx::parse_json(header, "<header>"));
           }),
           py::arg("path"), py::arg("header_json"))
      .def("resumed",
           [](const hfx::scan::ResultsFile& f) {
             std::vector<std::string> out;
             for (const auto& r : f.resumed()) out.push_back(r.dump());
             return out;
           })
      .def("append", [](hfx::scan::ResultsFile& f, const std::string& row) { f.append(hfx::parse_json(row, "<row>")); },
           py::arg("row_json"))
      .def("finish", &hfx::scan::ResultsFile::finish);
}

}  // namespace hfxpy
