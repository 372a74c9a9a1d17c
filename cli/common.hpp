// Shared helpers of the hfx command-line adapter.
#pragma once

#include "hfx/fit.hpp"
#include "hfx/json.hpp"
#include "hfx/model.hpp"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hfx::cli {

// Writes `value` as indented JSON to `output_file`, or to stdout when it is empty.
// A non-finite number in `value` is a bug of the command (each must say why a value is
// missing, as null with a reason): throws std::logic_error instead of writing it.
void write_json(const Json& value, const std::string& output_file, int indent = 4);
// Writes text to `output_file`, or stdout when empty. A regular file is replaced
// atomically (temporary file, fsync, rename): a killed or failed write leaves the old
// file or none, never a partial one. Every write is checked: throws IOError on failure
// (a full disk, /dev/full, a closed pipe).
void write_text(const std::string& text, const std::string& output_file);
// Flushes stdout; throws IOError if anything written to it was lost (main calls it last).
void finish_stdout();
// A number for JSON output, or null where it is not finite: for values whose absence the
// output explains next to them (a *_problem key).
Json number_or_null(double v);
Json numbers_or_null(std::span<const double> v);

// A one-line progress bar redrawn on stderr ("LABEL [####....] 40% 50/125 12.3/s ETA 5s");
// callers create it only when stderr is a terminal.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  void operator()(std::size_t done, std::size_t total);

 private:
  std::string label_;
  double t0_;
};

// All of `text` as a finite number, or nothing (no spaces, no hex, whatever the locale).
std::optional<double> finite_number(std::string_view text);
// Strict readers of numeric option values; each throws Unsupported with a message that
// names the option, the allowed range and what was given (never a library's text):
// a finite number (all of `text`, no trailing characters) ...
double number_option(std::string_view option, const std::string& text);
// ... a finite number with lo < value < hi ...
double number_option_between(std::string_view option, const std::string& text, double lo, double hi);
// ... and a whole number in [lo, hi] (no sign, no fraction, no exponent).
std::uint64_t integer_option(std::string_view option, const std::string& text, std::uint64_t lo, std::uint64_t hi);
// --scan START STOP N: N equally spaced values from START to STOP (START < STOP, N from 2
// to 100000); empty when the option was not given (`scan` empty).
std::vector<double> scan_values(const std::vector<std::string>& scan);

// Throws InvalidPdfParameters "OPTION V: outside the bounds [lo, hi] of parameter NAME"
// unless lo <= value <= hi for model parameter `index` (pyhf refuses such values too).
void require_within_bounds(std::string_view option, double value, const Model& model, std::size_t index);

// The index of the parameter `name`; throws InvalidModel "OPTION: no parameter 'NAME' in
// the model" when there is none.
std::size_t parameter_index(std::string_view option, const Model& model, const std::string& name);

// Python's json.dumps(value, indent=4, sort_keys=True) + "\n", byte for byte (ASCII-only
// output with \uXXXX escapes, floats in repr form): what pyhf's spec/patchset commands print.
std::string pyhf_json_dumps(const Json& value);
// Prints it like pyhf: to stdout with a final newline, or to `output_file` without one.
void write_pyhf_json(const Json& value, const std::string& output_file);
// Compiles the measurement ("" = first) for display; a background-only workspace whose POI is not a parameter gets a model without POI, explained in *note (cmd_inspect.cpp).
// pyhf's --backend / --optimizer / --optconf. --optimizer scipy reproduces pyhf's default
// SciPy SLSQP fits (FitMethod::scipy); minuit or newton (the default) use hfx's own fit,
// which like Minuit converges to the minimum. --optconf takes maxiter=N (either fit's
// iteration limit) and, for scipy, tolerance=X (SciPy's ftol); --backend is accepted and
// ignored (hfx has one backend).
struct OptimizerChoice {
  std::string backend, optimizer;
  std::vector<std::string> optconf;
};
void add_optimizer_option(CLI::App* cmd, OptimizerChoice& choice);

// --plot FILE.svg|.png|.pdf: the command's picture (any other extension is refused, so
// that a file never holds another format than its name says). `what` names the picture
// in the help text. write_plot writes an SVG picture in the form `path` asks for.
void add_plot_option(CLI::App* cmd, std::string& path, const std::string& what);
void write_plot(const std::string& svg, const std::string& path);
FitOptions fit_options_for(const OptimizerChoice& choice);

Model compile_for_cli(const Workspace& ws, const std::string& measurement, std::string* note);

// CLs at test_poi (qtilde, asymptotic; "cls": {CLs_obs, CLs_exp}) and the 95% CL upper
// limits ("upper_limit": {obs, exp}) of a model with a POI, for the commands that compare
// models; a fit that does not converge is "cls_problem", any other failure "problem".
Json cls_and_limits(const Model& model, std::span<const double> data, double test_poi, const FitOptions& options);

// Subcommand registration, one per file in cli/.
void add_digest(CLI::App& app);
void add_inspect(CLI::App& app);
void add_yields(CLI::App& app);
void add_combine(CLI::App& app);
void add_combine_analyses(CLI::App& app);
void add_simplify(CLI::App& app);
void add_signal_yields(CLI::App& app);
void add_prune(CLI::App& app);
void add_rename(CLI::App& app);
void add_sort(CLI::App& app);
void add_patchset(CLI::App& app);
void add_fit(CLI::App& app);
void add_cls(CLI::App& app);
void add_upper_limit(CLI::App& app);
void add_significance(CLI::App& app);
void add_contour(CLI::App& app);
void add_scan(CLI::App& app);
void add_rootfile(CLI::App& app);
void add_utils(CLI::App& app);
void add_pulls(CLI::App& app);
void add_ranking(CLI::App& app);
void add_profile(CLI::App& app);
void add_correlations(CLI::App& app);
void add_brazil(CLI::App& app);
// command_line: argv joined, for the report's provenance.
void add_report(CLI::App& app, const std::string& command_line);
void add_xml2json(CLI::App& app);
void add_json2xml(CLI::App& app);
void add_convert(CLI::App& app);

}  // namespace hfx::cli
