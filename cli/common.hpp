// Shared helpers of the hfx command-line adapter.
#pragma once

#include "hfx/fit.hpp"
#include "hfx/json.hpp"
#include "hfx/model.hpp"

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hfx::cli {

// Writes `value` as indented JSON to `output_file`, or to stdout when it is empty.
void write_json(const Json& value, const std::string& output_file, int indent = 4);
// Writes text to `output_file`, or stdout when empty.
void write_text(const std::string& text, const std::string& output_file);
// Python's json.dumps(value, indent=4, sort_keys=True) + "\n", byte for byte (ASCII-only
// output with \uXXXX escapes, floats in repr form): what pyhf's spec/patchset commands print.
std::string pyhf_json_dumps(const Json& value);
// Prints it like pyhf: to stdout with a final newline, or to `output_file` without one.
void write_pyhf_json(const Json& value, const std::string& output_file);
// Compiles the measurement ("" = first) for display; a background-only workspace whose POI is not a parameter gets a model without POI, explained in *note (cmd_inspect.cpp).
// pyhf's --backend / --optimizer / --optconf. --optimizer scipy reproduces pyhf's default
// SciPy SLSQP fits (FitMethod::scipy); minuit or newton (the default) use hfx's own fit,
// which like Minuit converges to the minimum. --optconf takes tolerance=X (SciPy's ftol)
// and maxiter=N; --backend is accepted and ignored (hfx has one backend).
struct OptimizerChoice {
  std::string backend, optimizer;
  std::vector<std::string> optconf;
};
void add_optimizer_option(CLI::App* cmd, OptimizerChoice& choice);
FitOptions fit_options_for(const OptimizerChoice& choice);

Model compile_for_cli(const Workspace& ws, const std::string& measurement, std::string* note);

// Subcommand registration, one per file in cli/.
void add_digest(CLI::App& app);
void add_inspect(CLI::App& app);
void add_yields(CLI::App& app);
void add_combine(CLI::App& app);
void add_prune(CLI::App& app);
void add_rename(CLI::App& app);
void add_sort(CLI::App& app);
void add_patchset(CLI::App& app);
void add_fit(CLI::App& app);
void add_cls(CLI::App& app);
void add_upper_limit(CLI::App& app);
void add_significance(CLI::App& app);

}  // namespace hfx::cli
