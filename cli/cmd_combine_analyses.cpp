// `hfx combine-analyses A.json B.json ...`: the product likelihood of independent analyses
// with one shared POI (hfx::combine_analyses), then its fit, CLs, upper limits and POI
// profile, beside each analysis' own.
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/diagnostics.hpp"
#include "hfx/errors.hpp"
#include "hfx/infer.hpp"
#include "hfx/plots.hpp"
#include "hfx/reinterpret.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <limits>
#include <memory>
#include <set>

namespace hfx::cli {

namespace {

// Fit, CLs at test_poi and upper limits of one model; a fit that does not converge is a
// status with null results.
Json results(const Model& model, std::span<const double> data, double test_poi, const FitOptions& options) {
  FitOptions with_unc = options;
  with_unc.uncertainties = true;
  const std::size_t poi = *model.poi_index();
  const FitResult f = fit(model, data, FitProblem::from_model(model), with_unc);
  Json out{{"npars", model.npars()}, {"fit_status", std::string(to_string(f.status))}};
  if (!f.converged()) {
    out["problem"] = fmt::format("the free fit did not converge ({}); no results", f.message);
    return out;
  }
  out["mu_hat"] = f.x[poi];
  out["mu_hat_uncertainty"] = number_or_null(f.uncertainties[poi]);
  out["twice_nll"] = f.twice_nll();
  out.update(cls_and_limits(model, data, test_poi, options));
  return out;
}

}  // namespace

void add_combine_analyses(CLI::App& app) {
  struct Opts {
    std::vector<std::string> files, labels, correlated;
    std::string poi = "mu", output_file, output_workspace, plot, test_poi = "1.0", points = "21";
    OptimizerChoice optimizer;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "combine-analyses",
      "Combine independent analyses into one likelihood with a shared POI (not `hfx combine`, which is\n"
      "pyhf's merge of two workspaces as they are): each analysis' channels and nuisance parameters are\n"
      "kept apart (prefixed with its label), its POI becomes --poi, and the modifiers named by --correlated\n"
      "(and lumi, which HistFactory names alike) are shared. Prints the combination's fit (mu_hat), CLs at\n"
      "--test-poi, upper limits and POI profile intervals, and the same for each analysis alone.\n"
      "Each input is a full workspace (background and signal; a background-only one needs its signal patch:\n"
      "`hfx patchset apply`).");
  cmd->add_option("workspaces", o->files, "Analysis workspace JSON files (two or more)")->required()->expected(2, -1);
  cmd->add_option("--label", o->labels, "Label of each analysis, in order (default: the file names without .json)")
      ->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--correlated", o->correlated, "A modifier name shared by the analyses (repeatable)")
      ->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--poi", o->poi, "Name of the shared POI")->capture_default_str();
  cmd->add_option("--test-poi", o->test_poi, "POI value of the CLs")->capture_default_str();
  cmd->add_option("--points", o->points, "Points of the POI profile scan, 2 to 1000")->capture_default_str();
  cmd->add_option("--output-workspace", o->output_workspace, "Also write the combined workspace here");
  cmd->add_option("--output-file", o->output_file, "Write the JSON result here instead of stdout");
  add_plot_option(cmd, o->plot, "the combination's POI profile");
  add_optimizer_option(cmd, o->optimizer);
  cmd->callback([o] {
    if (!o->labels.empty() && o->labels.size() != o->files.size())
      throw Unsupported(fmt::format("--label: given {} times for {} workspaces", o->labels.size(), o->files.size()));
    const double test_poi = number_option("--test-poi", o->test_poi);
    const auto points = static_cast<std::size_t>(integer_option("--points", o->points, 2, 1000));
    const FitOptions options = fit_options_for(o->optimizer);
    std::vector<Analysis> analyses;
    for (std::size_t k = 0; k < o->files.size(); ++k) {
      const std::string label = o->labels.empty() ? std::filesystem::path(o->files[k]).stem().string() : o->labels[k];
      analyses.push_back(Analysis{Workspace::load(o->files[k]), label, ""});
    }
    const std::set<std::string> correlated(o->correlated.begin(), o->correlated.end());
    const Workspace combined = combine_analyses(analyses, o->poi, correlated);
    const Model model = compile(combined);
    const std::vector<double> data = observed_data(combined, model);
    Json per = Json::array();
    for (std::size_t k = 0; k < analyses.size(); ++k) {
      const Model m = compile(analyses[k].workspace);
      if (!m.poi_index()) throw InvalidModel(fmt::format("{}: the workspace has no POI", o->files[k]));
      Json r = results(m, observed_data(analyses[k].workspace, m), test_poi, options);
      r["label"] = analyses[k].label;
      r["file"] = o->files[k];
      r["poi"] = *m.poi_name();
      r["channels"] = m.channels().size();
      per.push_back(std::move(r));
    }
    Json out{{"poi", o->poi}, {"combination", results(model, data, test_poi, options)}, {"analyses", std::move(per)}};
    out["combination"]["channels"] = model.channels().size();
    if (out["combination"].contains("mu_hat")) {
      const std::size_t poi = *model.poi_index();
      const double nan = std::numeric_limits<double>::quiet_NaN();
      const ProfileScan s = profile_scan(model, data, FitProblem::from_model(model), poi, nan, nan, points, options);
      Json intervals = Json::array();
      for (const auto& in : s.intervals)
        intervals.push_back(Json{{"cl", in.cl}, {"low", in.low_open ? Json(nullptr) : Json(in.low)},
                                 {"high", in.high_open ? Json(nullptr) : Json(in.high)}});
      out["combination"]["profile"] =
          Json{{"values", s.values}, {"delta_twice_nll", numbers_or_null(s.delta_twice_nll)}, {"intervals", intervals}};
      if (!o->plot.empty()) write_plot(profile_svg(s, fmt::format("{} analyses combined", analyses.size())), o->plot);
    }
    if (!o->output_workspace.empty()) write_pyhf_json(combined.document(), o->output_workspace);
    write_json(out, o->output_file);
  });
}

}  // namespace hfx::cli
