// `hfx xml2json TOP.xml`: like `pyhf xml2json` (HistFactory XML + ROOT files -> JSON).
#include "common.hpp"

#include "hfx/errors.hpp"
#include "hfx/histfactory_xml.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

namespace hfx::cli {

void add_xml2json(CLI::App& app) {
  struct Opts {
    std::string entrypoint;
    std::string basedir = ".";
    std::vector<std::string> mounts;
    std::string output_file;
    bool hide_progress = false;
    bool validation_as_warning = false;
    bool no_restore = false;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "xml2json",
      "Convert HistFactory XML + ROOT histograms to a pyhf JSON workspace (like `pyhf xml2json`),\n"
      "without ROOT. The JSON is what pyhf writes for the same input (same names, order and\n"
      "numbers; `hfx digest` of it equals pyhf's). What pyhf ignores (StatErrorConfig, ShapeSys\n"
      "ConstraintType, ConstraintTerm, an inactive StatError) is ignored with a warning. Files\n"
      "written by `hfx json2xml` give back exactly the workspace written (its restore record).");
  cmd->add_option("entrypoint_xml", opts->entrypoint, "The top-level XML file (<Combination>)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--basedir", opts->basedir, "The base directory for the XML files to point relative to (default: .)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("-v,--mount", opts->mounts,
                  "HOST:MOUNT: files the XML names at or below MOUNT are read from HOST (like a Docker volume); repeatable");
  cmd->add_option("--output-file", opts->output_file, "The location of the output json file. If not specified, prints to screen.");
  cmd->add_flag("--hide-progress,!--track-progress", opts->hide_progress, "Accepted for pyhf compatibility (hfx shows no progress bar)");
  cmd->add_flag("--validation-as-warning,!--validation-as-error", opts->validation_as_warning,
                "Print a warning instead of failing when the result is not a valid workspace");
  cmd->add_flag("--no-restore", opts->no_restore,
                "Ignore the restore record `hfx json2xml` leaves in the top-level file: read what pyhf and ROOT read");
  cmd->callback([opts] {
    xml::ReadOptions options;
    options.rootdir = opts->basedir;
    options.validation_as_error = !opts->validation_as_warning;
    options.restore = !opts->no_restore;
    for (const std::string& m : opts->mounts) {
      const auto colon = m.find(':');
      if (colon == std::string::npos || m.find(':', colon + 1) != std::string::npos)
        throw Unsupported(fmt::format("--mount '{}' is not a valid colon-separated option: expected HOST:MOUNT", m));
      const std::string host = m.substr(0, colon);
      if (!std::filesystem::exists(host)) throw Unsupported(fmt::format("--mount '{}': host path '{}' does not exist", m, host));
      options.mounts.push_back({std::filesystem::absolute(host).lexically_normal().string(), m.substr(colon + 1)});
    }
    const xml::ReadResult result = xml::read(opts->entrypoint, options);
    for (const std::string& w : result.warnings) std::cerr << "hfx: warning: " << w << "\n";
    write_pyhf_json(result.workspace, opts->output_file);
  });
}

}  // namespace hfx::cli
