// `hfx prune WORKSPACE`: like `pyhf prune` (Workspace.prune), same options and output.
#include "common.hpp"

#include "hfx/workspace.hpp"

#include <memory>

namespace hfx::cli {

void add_prune(CLI::App& app) {
  struct Opts {
    std::string workspace = "-";
    std::string output_file;
    PruneOptions prune;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "prune",
      "Prune components from the workspace (like `pyhf prune`).\n"
      "Removes the named channels (with their observations), samples, modifiers (with their\n"
      "parameter configurations in every measurement), all modifiers of the given types, and\n"
      "measurements. Every name must exist in the workspace, and the result must still be a\n"
      "valid workspace. Prints the pruned workspace as JSON with sorted keys.\n"
      "See pyhf.workspace.Workspace.prune.");
  cmd->add_option("workspace", opts->workspace, "Workspace JSON file ('-' or omitted: standard input)");
  cmd->add_option("--output-file", opts->output_file,
                  "The location of the output json file. If not specified, prints to screen.");
  cmd->add_option("-c,--channel", opts->prune.channels, "A channel to prune (repeatable)")
      ->type_name("<CHANNEL>")
      ->allow_extra_args(false);
  cmd->add_option("-s,--sample", opts->prune.samples, "A sample to prune, in every channel (repeatable)")
      ->type_name("<SAMPLE>")
      ->allow_extra_args(false);
  cmd->add_option("-m,--modifier", opts->prune.modifiers,
                  "A modifier to prune, by name, with its parameter configurations (repeatable)")
      ->type_name("<MODIFIER>")
      ->allow_extra_args(false);
  cmd->add_option("-t,--modifier-type", opts->prune.modifier_types, "Prune every modifier of this type (repeatable)")
      ->check(CLI::IsMember({"histosys", "lumi", "normfactor", "normsys", "shapefactor", "shapesys", "staterror"}))
      ->allow_extra_args(false);
  cmd->add_option("--measurement", opts->prune.measurements, "A measurement to prune (repeatable)")
      ->type_name("<MEASUREMENT>")
      ->allow_extra_args(false);
  cmd->callback([opts] {
    const Workspace ws = Workspace::load(opts->workspace);
    write_pyhf_json(ws.prune(opts->prune).document(), opts->output_file);
  });
}

}  // namespace hfx::cli
