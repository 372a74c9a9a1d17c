// `hfx sort WORKSPACE`: like `pyhf sort` (Workspace.sorted), same options and output.
#include "common.hpp"

#include "hfx/workspace.hpp"

#include <memory>

namespace hfx::cli {

void add_sort(CLI::App& app) {
  struct Opts {
    std::string workspace = "-";
    std::string output_file;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "sort",
      "Sort the workspace (like `pyhf sort`).\n"
      "Channels, samples, measurements, parameter configurations and observations are sorted\n"
      "by name, modifiers by name and then type. Prints the sorted workspace as JSON with\n"
      "sorted keys. See pyhf.workspace.Workspace.sorted.");
  cmd->add_option("workspace", opts->workspace, "Workspace JSON file ('-' or omitted: standard input)");
  cmd->add_option("--output-file", opts->output_file,
                  "The location of the output json file. If not specified, prints to screen.");
  cmd->callback([opts] {
    const Workspace ws = Workspace::load(opts->workspace);
    write_pyhf_json(ws.sorted().document(), opts->output_file);
  });
}

}  // namespace hfx::cli
