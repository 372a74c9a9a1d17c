// `hfx combine WORKSPACE_ONE WORKSPACE_TWO`: like `pyhf combine` (Workspace.combine).
#include "common.hpp"

#include "hfx/workspace.hpp"

#include <memory>

namespace hfx::cli {

void add_combine(CLI::App& app) {
  struct Opts {
    std::string workspace_one = "-";
    std::string workspace_two = "-";
    std::string join = "none";
    std::string output_file;
    bool merge_channels = false;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "combine",
      "Combine two workspaces into a single workspace (like `pyhf combine`).\n"
      "Channels, observations and measurements of both are joined by name:\n"
      "  none         every name must be distinct (the default);\n"
      "  outer        items present in both must be identical; measurements with the same\n"
      "               name and POI get their parameter configurations merged (which must\n"
      "               not conflict);\n"
      "  left outer   on a name clash the first workspace's item wins;\n"
      "  right outer  on a name clash the second workspace's item wins, and it comes first.\n"
      "The one-sided joins silence the conflicts an 'outer' join reports. Modifiers with\n"
      "the same name are correlated across the two (e.g. 'lumi').\n"
      "See pyhf.workspace.Workspace.combine.");
  cmd->add_option("workspace-one", opts->workspace_one, "First workspace JSON file ('-': standard input)");
  cmd->add_option("workspace-two", opts->workspace_two, "Second workspace JSON file ('-': standard input)");
  cmd->add_option("-j,--join", opts->join, "The join operation to apply when combining the two workspaces.")
      ->check(CLI::IsMember({"none", "outer", "left outer", "right outer"}))
      ->capture_default_str();
  cmd->add_option("--output-file", opts->output_file,
                  "The location of the output json file. If not specified, prints to screen.");
  cmd->add_flag("--merge-channels,!--no-merge-channels", opts->merge_channels,
                "Whether or not to deeply merge channels (samples of same-named channels are\n"
                "joined by name). Can only be done with the outer and left/right outer joins.");
  cmd->callback([opts] {
    const JoinMode join = join_mode_from_string(opts->join);
    const Workspace one = Workspace::load(opts->workspace_one);
    const Workspace two = Workspace::load(opts->workspace_two);
    write_pyhf_json(Workspace::combine(one, two, join, opts->merge_channels).document(), opts->output_file);
  });
}

}  // namespace hfx::cli
