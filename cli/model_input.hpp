// Options shared by every command that builds a model from a workspace (fit, cls,
// upper-limit, significance): WORKSPACE, --measurement, -p/--patch, interpolation codes.
#pragma once

#include "hfx/errors.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace hfx::cli {

struct ModelInput {
  std::string workspace;
  std::string measurement;
  std::vector<std::string> patches;
  std::string normsys_interp = "code4";
  std::string histosys_interp = "code4p";

  // Registers the options on `cmd`.
  void add_to(CLI::App* cmd);
  // Registers only --measurement and the interpolation codes (commands with other inputs).
  void add_model_options(CLI::App* cmd);
  // The model options these choose. Throws Unsupported for an unknown code.
  ModelOptions model_options() const;
};

struct LoadedModel {
  std::unique_ptr<Workspace> workspace;
  std::unique_ptr<Model> model;
  std::vector<double> data;  // observed main + auxdata
};

// The input as a picture's subtitle: the workspace file's name, "+ patch" names after it.
std::string input_label(const std::string& workspace, const std::vector<std::string>& patches);

// Loads, patches and compiles. Throws hfx::Error subclasses with clear messages.
LoadedModel load_model(const ModelInput& in);

// `ws` with the JSON Patch files applied in order; an error applying one is an
// InvalidPatch naming its file (loading errors name it already).
Workspace apply_patches(Workspace ws, const std::vector<std::string>& patches);

// Runs f(); an InvalidModel or InvalidMeasurement from it (compiling the measurement, a
// fixed POI, a rate that is no count) is thrown again with the workspace file in front,
// as the loading errors have it.
template <class F>
void naming_workspace(const ModelInput& in, F&& f) {
  const std::string file = in.workspace == "-" ? "<stdin>" : in.workspace;
  try {
    f();
  } catch (const InvalidModel& e) {
    std::rethrow_exception(e.with_prefix(file + ": "));
  } catch (const InvalidMeasurement& e) {
    std::rethrow_exception(e.with_prefix(file + ": "));
  }
}

}  // namespace hfx::cli
