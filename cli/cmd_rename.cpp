// `hfx rename WORKSPACE`: like `pyhf rename` (Workspace.rename), same options and output.
#include "common.hpp"

#include "hfx/workspace.hpp"

#include <map>
#include <memory>
#include <utility>

namespace hfx::cli {

namespace {
using Pairs = std::vector<std::pair<std::string, std::string>>;

std::map<std::string, std::string> to_map(const Pairs& pairs) {
  std::map<std::string, std::string> out;
  for (const auto& [from, to] : pairs) out.insert_or_assign(from, to);  // like dict(): the last one wins
  return out;
}
}  // namespace

void add_rename(CLI::App& app) {
  struct Opts {
    std::string workspace = "-";
    std::string output_file;
    Pairs channels, samples, modifiers, measurements;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "rename",
      "Rename components of the workspace (like `pyhf rename`).\n"
      "Each option takes the current name and the new one. Renaming a channel renames its\n"
      "observation; renaming a modifier renames its parameter configurations and the POI.\n"
      "Every current name must exist, and the result must still be a valid workspace (no\n"
      "two channels, samples of a channel, or same-type modifiers of a sample may share a\n"
      "name). Prints the renamed workspace as JSON with sorted keys.\n"
      "See pyhf.workspace.Workspace.rename.");
  cmd->add_option("workspace", opts->workspace, "Workspace JSON file ('-' or omitted: standard input)");
  cmd->add_option("--output-file", opts->output_file,
                  "The location of the output json file. If not specified, prints to screen.");
  cmd->add_option("-c,--channel", opts->channels, "Rename channel OLD to NEW (repeatable)")
      ->type_name("<PATTERN> <REPLACE>")
      ->allow_extra_args(false);
  cmd->add_option("-s,--sample", opts->samples, "Rename sample OLD to NEW in every channel (repeatable)")
      ->type_name("<PATTERN> <REPLACE>")
      ->allow_extra_args(false);
  cmd->add_option("-m,--modifier", opts->modifiers, "Rename modifier (parameter) OLD to NEW (repeatable)")
      ->type_name("<PATTERN> <REPLACE>")
      ->allow_extra_args(false);
  cmd->add_option("--measurement", opts->measurements, "Rename measurement OLD to NEW (repeatable)")
      ->type_name("<PATTERN> <REPLACE>")
      ->allow_extra_args(false);
  cmd->callback([opts] {
    const Workspace ws = Workspace::load(opts->workspace);
    RenameOptions r;
    r.channels = to_map(opts->channels);
    r.samples = to_map(opts->samples);
    r.modifiers = to_map(opts->modifiers);
    r.measurements = to_map(opts->measurements);
    write_pyhf_json(ws.rename(r).document(), opts->output_file);
  });
}

}  // namespace hfx::cli
