// `hfx simplify WS`: the simplified likelihood of a full workspace's signal regions
// (hfx::simplify), and how far its CLs and upper limits are from the full model's.
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/errors.hpp"
#include "hfx/infer.hpp"
#include "hfx/reinterpret.hpp"

#include <fmt/format.h>

#include <memory>

namespace hfx::cli {

namespace {

Json limits_and_cls(const Workspace& ws, const ModelOptions& model_options, double test_poi, const FitOptions& options) {
  const Model model = compile(ws, model_options);
  return cls_and_limits(model, observed_data(ws, model), test_poi, options);
}

}  // namespace

void add_simplify(CLI::App& app) {
  struct Opts {
    ModelInput in;
    std::vector<std::string> regions;
    std::string output_file, output_workspace, test_poi = "1.0", form = "histfactory", fit_regions = "control", samples = "0", components = "0",
                seed = "1";
    OptimizerChoice optimizer;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "simplify",
      "Derive a simplified likelihood from a full workspace (docs/reinterpretation.md) and report how far its CLs\n"
      "at --test-poi and upper limits are from the full model's.\n"
      "--form histfactory (default): a HistFactory workspace pyhf reads too. Every region stays; in each channel\n"
      "the samples are merged by the free normalisations acting on them (kept, the POI too), and the constrained\n"
      "parameters become the principal directions of the merged yields' prior covariance, each a per-bin normsys\n"
      "(or histosys, for linear responses) with the model's own yields at +-1 sigma. The signal keeps its\n"
      "uncertainties. --measurement and the interpolation codes apply to the full model.\n"
      "--form covariance: a CMS-style simplified likelihood of the signal regions (SLv1, or SLv2 with --samples):\n"
      "a background-only fit (POI fixed at 0) to the control regions, or with --fit-regions all to every region,\n"
      "gives the parameters and their covariance; the signal regions' post-fit background yields and their\n"
      "covariance (propagated through the model's Jacobian, or the moments over --samples draws) make an\n"
      "hfx_simplified background. The signal is what POI = 1 adds.\n"
      "--output-workspace writes the simplified likelihood.");
  o->in.add_to(cmd);
  cmd->add_option("--form", o->form, "histfactory or covariance")->check(CLI::IsMember({"histfactory", "covariance"}))
      ->capture_default_str();
  cmd->add_option("--components", o->components, "Histfactory form: keep the K largest principal directions (0: all)")
      ->capture_default_str();
  cmd->add_option("--signal-regions", o->regions, "Covariance form: signal-region channels (default: those whose name starts with 'SR')")
      ->delimiter(',')->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--test-poi", o->test_poi, "POI value of the CLs compared")->capture_default_str();
  cmd->add_option("--fit-regions", o->fit_regions, "Covariance form: the background-only fit's regions: all, or control (the others than "
                  "the signal regions)")->check(CLI::IsMember({"all", "control"}))->capture_default_str();
  cmd->add_option("--samples", o->samples, "Covariance form: samples of the parameters for the background's moments (SLv2: mean, "
                  "covariance, third moments), 0 to 10000000; 0: linear propagation of the covariance (SLv1)")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Covariance form: random seed of the samples")->capture_default_str();
  cmd->add_option("--output-workspace", o->output_workspace, "Write the simplified likelihood's workspace here");
  cmd->add_option("--output-file", o->output_file, "Write the JSON report here instead of stdout");
  add_optimizer_option(cmd, o->optimizer);
  cmd->callback([o, cmd] {
    naming_workspace(o->in, [&] {
      const double test_poi = number_option("--test-poi", o->test_poi);
      const Workspace ws = apply_patches(Workspace::load(o->in.workspace), o->in.patches);
      SimplifyOptions so;
      so.form = o->form == "histfactory" ? SimplifiedForm::histfactory : SimplifiedForm::covariance;
      if (so.form == SimplifiedForm::histfactory)
        for (const char* opt : {"--signal-regions", "--fit-regions", "--samples", "--seed"})
          if (cmd->count(opt) > 0) throw Unsupported(fmt::format("{} applies to --form covariance", opt));
      if (so.form == SimplifiedForm::covariance && cmd->count("--components") > 0)
        throw Unsupported("--components applies to --form histfactory");
      so.components = static_cast<std::size_t>(integer_option("--components", o->components, 0, 1000000));
      so.signal_regions = o->regions;
      so.fit_all_regions = o->fit_regions == "all";
      so.samples = static_cast<std::size_t>(integer_option("--samples", o->samples, 0, 10000000));
      so.seed = integer_option("--seed", o->seed, 0, UINT64_MAX);
      so.model = o->in.model_options();
      so.fit = fit_options_for(o->optimizer);
      const SimplifiedLikelihood sl = simplify(ws, so);
      Json full = limits_and_cls(ws, so.model, test_poi, so.fit);
      Json simple = limits_and_cls(sl.workspace, ModelOptions{}, test_poi, so.fit);
      Json out = simplify_summary(sl, so.form);
      out["full"] = full;
      out["simplified"] = simple;
      auto rel = [](const Json& a, const Json& b) {
        return a.is_number() && b.is_number() && a.get<double>() != 0 ? Json(b.get<double>() / a.get<double>() - 1) : Json(nullptr);
      };
      Json diff = Json::object();
      if (full.contains("cls") && simple.contains("cls")) {
        diff["CLs_obs"] = rel(full["cls"]["CLs_obs"], simple["cls"]["CLs_obs"]);
        diff["CLs_exp_median"] = rel(full["cls"]["CLs_exp"][2], simple["cls"]["CLs_exp"][2]);
      }
      if (full.contains("upper_limit") && simple.contains("upper_limit")) {
        diff["upper_limit_obs"] = rel(full["upper_limit"]["obs"], simple["upper_limit"]["obs"]);
        diff["upper_limit_exp_median"] = rel(full["upper_limit"]["exp"][2], simple["upper_limit"]["exp"][2]);
      }
      out["relative_difference"] = diff;
      write_json(out, o->output_file);
      // after the report, so that a command that fails leaves no workspace behind
      if (!o->output_workspace.empty()) write_pyhf_json(sl.workspace.document(), o->output_workspace);
    });
  });
}

}  // namespace hfx::cli
