// `hfx rootfile FILE [KEY...]`: what a ROOT file holds, as JSON (keys, histograms).
#include "common.hpp"

#include "hfx/errors.hpp"
#include "hfx/root_file.hpp"

#include <fmt/format.h>

#include <memory>

namespace hfx::cli {

namespace {

bool is_histogram(const root::Key& k) {
  return k.class_name == "TH1D" || k.class_name == "TH1F" || k.class_name == "TH1I" || k.class_name == "TH1S" ||
         k.class_name == "TH1C";
}

}  // namespace

void add_rootfile(CLI::App& app) {
  struct Opts {
    std::string file;
    std::vector<std::string> keys;
    std::string output_file;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "rootfile",
      "Show what a ROOT file holds, without ROOT: every key (directory path, cycle, class,\n"
      "title) and the one-dimensional histograms (TH1C/S/I/F/D: bin edges, contents and sums\n"
      "of squared weights including under- and overflow, entries). With KEY arguments\n"
      "(\"dir/name\" or \"dir/name;cycle\") only those histograms are decoded.");
  cmd->add_option("file", opts->file, "ROOT file")->required();
  cmd->add_option("key", opts->keys, "Histograms to show (default: every one-dimensional histogram)");
  cmd->add_option("--output-file", opts->output_file, "Write the JSON here instead of standard output");
  cmd->callback([opts] {
    const root::File file = root::File::open(opts->file);
    Json keys = Json::array();
    for (const root::Key& k : file.keys())
      keys.push_back(Json{{"path", k.path}, {"cycle", k.cycle}, {"class", k.class_name}, {"title", k.title}});
    Json histograms = Json::object();
    if (opts->keys.empty()) {
      for (const root::Key& k : file.keys())
        if (is_histogram(k)) histograms[fmt::format("{};{}", k.path, k.cycle)] = root::to_json(file.histogram(k));
    } else {
      for (const std::string& name : opts->keys) {
        const root::Key* k = file.find(name);
        if (!k) throw IOError(fmt::format("{}: no key '{}'", opts->file, name));
        histograms[fmt::format("{};{}", k->path, k->cycle)] = root::to_json(file.histogram(*k));
      }
    }
    write_json(Json{{"file", opts->file}, {"keys", keys}, {"histograms", histograms}}, opts->output_file, 2);
  });
}

}  // namespace hfx::cli
