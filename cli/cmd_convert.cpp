// `hfx convert FILE --to hs3 | --from hs3`: pyhf JSON <-> HS3 (include/hfx/hs3.hpp).
#include "common.hpp"

#include "hfx/errors.hpp"
#include "hfx/hs3.hpp"
#include "hfx/json.hpp"
#include "hfx/workspace.hpp"

#include <iostream>
#include <memory>

namespace hfx::cli {

void add_convert(CLI::App& app) {
  struct Opts {
    std::string input = "-";
    std::string to, from;
    std::string output_file;
    bool no_restore = false;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "convert",
      "Convert between pyhf JSON and HS3 (the HEP Statistics Serialization Standard, v0.2, as\n"
      "ROOT 6.30-6.36 writes HistFactory models): --to hs3 reads a pyhf workspace, --from hs3\n"
      "reads an HS3 document (from hfx or ROOT) and writes the pyhf workspace. What the target\n"
      "cannot hold is a warning on stderr, and kept in the document's restore record\n"
      "(/misc/hfx_restore_record) so that --from hs3 gives back exactly the workspace written\n"
      "(docs/interchange.md).");
  cmd->add_option("input", opts->input, "Input JSON file ('-' or omitted: standard input)");
  auto* to = cmd->add_option("--to", opts->to, "Write this format (hs3)")->check(CLI::IsMember({"hs3"}));
  auto* from = cmd->add_option("--from", opts->from, "Read this format (hs3)")->check(CLI::IsMember({"hs3"}));
  to->excludes(from);
  cmd->add_flag("--no-restore", opts->no_restore, "With --from hs3: ignore hfx's restore record, read the document as ROOT does")->needs(from);
  cmd->add_option("--output-file", opts->output_file, "Write the result here instead of standard output");
  cmd->callback([opts] {
    if (opts->to.empty() == opts->from.empty()) throw Unsupported("convert: give --to hs3 or --from hs3");
    hs3::Result r;
    if (!opts->to.empty()) {
      r = hs3::to_hs3(Workspace::load(opts->input));
      for (const std::string& w : r.warnings) std::cerr << "hfx: warning: " << w << "\n";
      write_json(r.document, opts->output_file, 2);
    } else {
      r = hs3::from_hs3(load_json_file(opts->input), opts->input == "-" ? "<stdin>" : opts->input, !opts->no_restore);
      for (const std::string& w : r.warnings) std::cerr << "hfx: warning: " << w << "\n";
      write_pyhf_json(r.document, opts->output_file);
    }
  });
}

}  // namespace hfx::cli
