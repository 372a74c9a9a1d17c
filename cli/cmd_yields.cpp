// `hfx yields WORKSPACE`: the model's prediction (per channel, per sample, totals and the
// observation) at the suggested init or at parameters read from a JSON file, as JSON or as
// a readable table. pyhf has no such command; its keys follow pyhf's vocabulary
// (par_names, expected_data, auxdata, logpdf).
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/diagnostics.hpp"
#include "hfx/errors.hpp"
#include "hfx/fit.hpp"
#include "hfx/evaluator.hpp"
#include "hfx/model.hpp"
#include "hfx/patchset.hpp"
#include "hfx/plots.hpp"
#include "hfx/workspace.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace hfx::cli {
namespace {

std::vector<double> number_list(const Json& value, std::size_t size, const std::string& where) {
  if (!value.is_array() || value.size() != size)
    throw InvalidPdfParameters(fmt::format("{}: expected a list of {} numbers, got {}", where, size,
                                           value.is_array() ? fmt::format("a list of {}", value.size())
                                                            : std::string(value.type_name())));
  std::vector<double> out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_number())
      throw InvalidPdfParameters(fmt::format("{}[{}]: expected a number, got {}", where, i, value[i].type_name()));
    out.push_back(value[i].get<double>());
  }
  return out;
}

// Reads parameters from `path`: a list in par_names order, or an object mapping parameter
// set names to values (lists for vector sets) or single "name[i]" entries to numbers;
// parameters the object does not name keep their suggested init.
std::vector<double> read_pars(const std::string& path, const Model& model) {
  const Json doc = load_json_file(path);
  if (doc.is_array()) return number_list(doc, model.npars(), path);
  if (!doc.is_object())
    throw InvalidPdfParameters(fmt::format("{}: expected a list of {} numbers or an object name -> value, got {}",
                                           path, model.npars(), doc.type_name()));
  std::vector<double> pars = model.suggested_init();
  const auto& names = model.par_names();
  for (const auto& item : doc.items()) {
    const std::string& key = item.key();
    const Json& value = item.value();
    const std::string where = fmt::format("{}: parameter '{}'", path, key);
    const auto& sets = model.parameter_sets();
    const auto set = std::find_if(sets.begin(), sets.end(), [&](const ParameterSet& p) { return p.name == key; });
    if (set != sets.end()) {
      if (set->is_scalar && value.is_number()) {
        pars[set->offset] = value.get<double>();
      } else if (set->is_scalar && !value.is_array()) {
        throw InvalidPdfParameters(fmt::format("{}: expected a number, got {}", where, value.type_name()));
      } else {
        const auto v = number_list(value, set->size, where);
        std::copy(v.begin(), v.end(), pars.begin() + static_cast<std::ptrdiff_t>(set->offset));
      }
      continue;
    }
    const auto it = std::find(names.begin(), names.end(), key);
    if (it == names.end())
      throw InvalidPdfParameters(fmt::format("{}: unknown parameter '{}' (not one of the model's {} parameter "
                                             "sets or {} parameter names)",
                                             path, key, sets.size(), names.size()));
    if (!value.is_number())
      throw InvalidPdfParameters(fmt::format("{}: expected a number, got {}", where, value.type_name()));
    pars[static_cast<std::size_t>(it - names.begin())] = value.get<double>();
  }
  return pars;
}

Json channels_json(const std::vector<ChannelYields>& channels) {
  Json out = Json::array();
  for (const auto& ch : channels) {
    Json samples = Json::array();
    for (std::size_t k = 0; k < ch.samples.size(); ++k) {
      Json sample{{"name", ch.samples[k]}, {"yields", ch.yields[k]}};
      if (!ch.stdev.empty()) sample["stdev"] = ch.stdev[k];
      samples.push_back(std::move(sample));
    }
    Json j{{"name", ch.name}, {"bins", ch.total.size()}, {"samples", std::move(samples)}, {"total", ch.total},
           {"observed", ch.observed}};
    if (!ch.total_stdev.empty()) {
      j["total_stdev"] = ch.total_stdev;
      j["sum"] = ch.sum;
      j["sum_stdev"] = ch.sum_stdev;
    }
    out.push_back(std::move(j));
  }
  return out;
}

std::string table(const Json& result, const std::string& header) {
  std::string out = header;
  for (const auto& ch : result["channels"]) {
    std::size_t name_width = std::string("observed").size();
    for (const auto& s : ch["samples"]) name_width = std::max(name_width, s["name"].get_ref<const std::string&>().size());
    const std::size_t nbins = ch["bins"].get<std::size_t>();
    const auto row = [&](const std::string& name, const Json& values) {
      std::string r = fmt::format("  {:<{}}", name, name_width);
      for (const auto& v : values) r += fmt::format("  {:>12.6g}", v.get<double>());
      return r + "\n";
    };
    out += fmt::format("\nchannel '{}' ({} bin{})\n", ch["name"].get_ref<const std::string&>(), nbins,
                       nbins == 1 ? "" : "s");
    std::string head = fmt::format("  {:<{}}", "sample", name_width);
    for (std::size_t i = 0; i < nbins; ++i) head += fmt::format("  {:>12}", fmt::format("bin {}", i));
    out += head + "\n";
    for (const auto& s : ch["samples"]) out += row(s["name"].get<std::string>(), s["yields"]);
    out += "  " + std::string(name_width + 14 * nbins, '-') + "\n";
    out += row("total", ch["total"]);
    if (ch.contains("total_stdev")) out += row("+- stdev", ch["total_stdev"]);
    out += row("observed", ch["observed"]);
  }
  return out;
}

}  // namespace

void add_yields(CLI::App& app) {
  struct Opts {
    std::string workspace = "-";
    std::vector<std::string> patches;
    std::string measurement;
    std::string pars_file;
    std::string output_file, plot;
    bool table = false, postfit = false, uncertainties = false;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "yields",
      "Print the model's prediction: expected yields per channel and sample, channel totals and the "
      "observed data, at the suggested init or at the parameters in --pars. JSON keys: par_names, "
      "pars, expected_data (main bins in pyhf's order), auxdata (expected auxdata at pars), logpdf "
      "(of the observed data; null when not finite, with logpdf_problem naming the channel and bin "
      "whose expected rate is not positive) and channels [{name, bins, samples [{name, yields}], "
      "total, observed}].");
  cmd->add_option("workspace", opts->workspace, "Workspace JSON file ('-' or omitted: stdin)");
  cmd->add_option("-p,--patch", opts->patches,
                  "JSON Patch file (RFC 6902) applied to the workspace before building the model; "
                  "repeat to apply several, in order");
  cmd->add_option("--measurement", opts->measurement, "Measurement to use (default: the first)");
  cmd->add_option("--pars", opts->pars_file,
                  "JSON file with the parameters: a list of npars numbers in par_names order, or an "
                  "object {\"name\": value} where vector parameter sets take lists and \"name[i]\" sets "
                  "one component; parameters not named keep their suggested init");
  auto* postfit = cmd->add_flag("--postfit", opts->postfit,
                                "Fit first and give the yields at the best fit, with their standard deviations from the "
                                "fit's uncertainties and correlations (cabinetry's yield_stdev): 'stdev' per sample, "
                                "'total_stdev' per bin, 'sum' and 'sum_stdev' per channel, and 'fit' {status, twice_nll}");
  cmd->add_flag("--uncertainties", opts->uncertainties,
                "Add the standard deviations from the pre-fit constraint widths, uncorrelated (as --postfit does "
                "with the post-fit ones)");
  postfit->excludes("--pars")->excludes("--uncertainties");
  cmd->add_flag("--table", opts->table, "Print a readable per-channel table instead of JSON");
  cmd->add_option("--output-file", opts->output_file, "Write the output to this file instead of stdout");
  add_plot_option(cmd, opts->plot,
                  "the stacked yields per channel with the data and data / model (with --postfit: pre-fit with the "
                  "pre-fit uncertainties beside post-fit)");
  cmd->callback([opts] {
    const Workspace ws = apply_patches(Workspace::load(opts->workspace), opts->patches);
    std::string note;
    const Model model = compile_for_cli(ws, opts->measurement, &note);
    std::vector<double> pars = opts->pars_file.empty() ? model.suggested_init() : read_pars(opts->pars_file, model);
    const std::vector<double> observed = observed_data(ws, model, true);
    std::vector<double> sigma;
    Json fit_status;
    const FitProblem fit_problem = FitProblem::from_model(model);
    PrefitPostfitYields both;
    if (opts->postfit) {
      both = prefit_postfit_yields(model, observed, fit_problem, true);
      pars = both.fit.x;
      fit_status = Json{{"status", std::string(to_string(both.fit.status))}, {"twice_nll", both.fit.twice_nll()}};
    } else if (opts->uncertainties) {
      sigma = prefit_uncertainties(model, fit_problem);
    }
    const std::vector<double> expected = model.expected_actualdata(pars);
    for (std::size_t i = 0; i < expected.size(); ++i)
      if (!std::isfinite(expected[i]))
        throw InvalidPdfParameters(fmt::format("{}: the expected data are not finite at these parameters (main bin {} of {})",
                                               opts->pars_file, i, expected.size()));
    const std::vector<double> observed_main(observed.begin(), observed.begin() + static_cast<std::ptrdiff_t>(model.nmaindata()));

    Json result = Json::object();
    result["par_names"] = model.par_names();
    result["pars"] = pars;
    result["expected_data"] = expected;
    result["auxdata"] = model.expected_auxdata(pars);
    const double logpdf = model.logpdf(pars, observed);
    result["logpdf"] = number_or_null(logpdf);  // JSON has no infinities: null, with logpdf_problem
    // Not finite: which main bin's rate is not positive (or what else), never a bare null.
    std::string problem;
    if (!std::isfinite(logpdf)) {
      Evaluator ev(model);
      ev.set_data(observed);
      (void)ev.nll(pars);
      problem = ev.nonfinite_reason();
      result["logpdf_problem"] = problem;
    }
    const std::vector<ChannelYields> channels =
        opts->postfit ? both.postfit : channel_yields(model, pars, observed_main, sigma);
    result["channels"] = channels_json(channels);
    if (opts->postfit) result["fit"] = fit_status;
    if (!note.empty()) result["note"] = note;

    if (!opts->plot.empty()) {
      std::string label = input_label(opts->workspace, opts->patches);
      if (!opts->pars_file.empty()) label += " \u00b7 parameters from " + std::filesystem::path(opts->pars_file).filename().string();
      write_plot(opts->postfit ? yields_svg(both.prefit, both.postfit, label) : yields_svg(channels, {}, label), opts->plot);
    }
    if (opts->table) {
      std::string header = fmt::format("measurement '{}', parameters {}; logpdf of the observed data = {}\n",
                                       model.measurement_name(),
                                       opts->postfit ? std::string("at the best fit")
                                       : opts->pars_file.empty() ? std::string("at the suggested init")
                                                                 : fmt::format("from {}", opts->pars_file),
                                       std::isfinite(logpdf) ? fmt::format("{}", logpdf) : std::string("not finite"));
      if (!problem.empty()) header += "logpdf is not finite: " + problem + "\n";
      if (!note.empty()) header += "note: " + note + "\n";
      write_text(table(result, header), opts->output_file);
    } else {
      write_json(result, opts->output_file, 2);
    }
  });
}

}  // namespace hfx::cli
