#include "model_input.hpp"

#include "hfx/errors.hpp"
#include "hfx/patchset.hpp"

#include <fmt/format.h>

#include <filesystem>

namespace hfx::cli {

void ModelInput::add_to(CLI::App* cmd) {
  cmd->add_option("workspace", workspace, "Workspace JSON file ('-' for stdin)")->default_val("-");
  cmd->add_option("-p,--patch", patches, "JSON Patch file applied to the workspace first (repeatable)");
  add_model_options(cmd);
}

std::string input_label(const std::string& workspace, const std::vector<std::string>& patches) {
  std::string label = workspace == "-" ? "<stdin>" : std::filesystem::path(workspace).filename().string();
  for (const auto& p : patches) label += " + " + std::filesystem::path(p).filename().string();
  return label;
}

void ModelInput::add_model_options(CLI::App* cmd) {
  cmd->add_option("--measurement", measurement, "Measurement name (default: the workspace's first)");
  cmd->add_option("--normsys-interp", normsys_interp, "normsys interpolation code (code0, code1, code2, code4, code4p)")
      ->capture_default_str();
  cmd->add_option("--histosys-interp", histosys_interp, "histosys interpolation code (code0, code1, code2, code4, code4p)")
      ->capture_default_str();
}

Workspace apply_patches(Workspace ws, const std::vector<std::string>& patches) {
  for (const auto& path : patches) {
    const JsonPatch patch = JsonPatch::load(path);  // its errors name the file
    try {
      ws = patch.apply(ws);
    } catch (const Error& e) {
      throw InvalidPatch(fmt::format("{}: {}", path, e.what()));
    }
  }
  return ws;
}

ModelOptions ModelInput::model_options() const {
  ModelOptions opts;
  opts.measurement = measurement;
  opts.normsys_interp = interp_code_from_string(normsys_interp);
  opts.histosys_interp = interp_code_from_string(histosys_interp);
  return opts;
}

LoadedModel load_model(const ModelInput& in) {
  LoadedModel out;
  Workspace ws = apply_patches(Workspace::load(in.workspace), in.patches);
  const ModelOptions opts = in.model_options();
  out.workspace = std::make_unique<Workspace>(std::move(ws));
  out.model = std::make_unique<Model>(compile(*out.workspace, opts));
  out.data = observed_data(*out.workspace, *out.model);
  return out;
}

}  // namespace hfx::cli
