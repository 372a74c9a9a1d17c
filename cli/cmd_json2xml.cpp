// `hfx json2xml WS`: like `pyhf json2xml` (JSON -> HistFactory XML + a ROOT file).
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/errors.hpp"
#include "hfx/file_io.hpp"
#include "hfx/histfactory_xml.hpp"
#include "hfx/workspace.hpp"

#include <filesystem>
#include <iostream>
#include <memory>

namespace hfx::cli {

void add_json2xml(CLI::App& app) {
  struct Opts {
    std::string workspace = "-";
    xml::WriteOptions write;
    std::vector<std::string> patches;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "json2xml",
      "Convert a pyhf JSON workspace to HistFactory XML + ROOT histograms (like `pyhf json2xml`),\n"
      "without ROOT: OUTPUT_DIR/RESULTPREFIX.xml, OUTPUT_DIR/SPECROOT/RESULTPREFIX_CHANNEL.xml,\n"
      "OUTPUT_DIR/DATAROOT/data.root (TH1D) and OUTPUT_DIR/HistFactorySchema.dtd. Paths inside\n"
      "are relative to OUTPUT_DIR: `hfx xml2json OUTPUT_DIR/FitConfig.xml --basedir OUTPUT_DIR`\n"
      "gives the workspace back. What HistFactory XML cannot hold is listed as warnings and kept\n"
      "in a restore record (a comment at the end of RESULTPREFIX.xml that ROOT and pyhf ignore),\n"
      "so hfx xml2json gives back exactly the workspace written.");
  cmd->add_option("workspace", opts->workspace, "Workspace JSON file ('-' or omitted: standard input)");
  cmd->add_option("--output-dir", opts->write.output_dir, "Directory to write into (default: .)");
  cmd->add_option("--specroot", opts->write.specroot, "Subdirectory for the channel XML files (default: config)");
  cmd->add_option("--dataroot", opts->write.dataroot, "Subdirectory for data.root (default: data)");
  cmd->add_option("--resultprefix", opts->write.resultprefix, "Name of the top-level file and prefix of the channel files (default: FitConfig)");
  cmd->add_option("-p,--patch", opts->patches, "JSON Patch file applied to the workspace first ('-' for stdin); repeatable");
  cmd->callback([opts] {
    const Workspace ws = apply_patches(Workspace::load(opts->workspace), opts->patches);
    const xml::WriteResult r = xml::write(ws, opts->write);
    for (const std::string& w : r.warnings) std::cerr << "hfx: warning: " << w << "\n";
    write_file((std::filesystem::path(opts->write.output_dir) / (opts->write.resultprefix + ".xml")).string(), r.top_xml);
  });
}

}  // namespace hfx::cli
