// `hfx ranking WS`: the impact of every free nuisance parameter on the POI (cabinetry's
// ranking), sorted by the larger post-fit impact, refits parallel over parameters.
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/diagnostics.hpp"
#include "hfx/plots.hpp"

#include <fmt/format.h>

#include <cmath>

namespace hfx::cli {

void add_ranking(CLI::App& app) {
  struct Opts {
    ModelInput in;
    std::string output_file, top = "0", threads = "0", plot;
    bool table = false;
    OptimizerChoice optimizer;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "ranking",
      "Impact of each free nuisance parameter on the POI: the POI's best fit with the parameter fixed at its best "
      "fit +- its post-fit uncertainty (postfit_up/down) and +- its pre-fit constraint width (prefit_up/down, 0 for "
      "unconstrained parameters), minus the nominal best fit; sorted by max(|postfit_up|, |postfit_down|), as "
      "cabinetry. A refit that does not converge gives null and a 'problem'. JSON, or --table.");
  o->in.add_to(cmd);
  cmd->add_option("--output-file", o->output_file, "Write the result here instead of stdout");
  cmd->add_option("--top", o->top, "Keep the N largest impacts (0: all)")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Parameters refitted at once, 0 (all cores) to 1024; results do not depend on it")
      ->capture_default_str();
  cmd->add_flag("--table", o->table, "Print a readable table instead of JSON");
  add_plot_option(cmd, o->plot, "the impacts and pulls (the --top ones, else the 20 largest)");
  add_optimizer_option(cmd, o->optimizer);
  cmd->callback([o] {
    const auto top = static_cast<std::size_t>(integer_option("--top", o->top, 0, 1000000000));
    const auto threads = static_cast<unsigned>(integer_option("--threads", o->threads, 0, 1024));
    naming_workspace(o->in, [&] {
      LoadedModel lm = load_model(o->in);
      const Model& m = *lm.model;
      RankingResult r = ranking(m, lm.data, FitProblem::from_model(m), fit_options_for(o->optimizer), threads);
      if (top > 0 && r.impacts.size() > top) r.impacts.resize(top);
      if (!o->plot.empty()) write_plot(ranking_svg(r, top > 0 ? top : 20, input_label(o->in.workspace, o->in.patches)), o->plot);
      const std::size_t poi = *m.poi_index();
      if (o->table) {
        std::string t = fmt::format("POI {} = {:.6g} +- {:.6g}\n\n{:<40} {:>11} {:>11} {:>11} {:>11}\n", r.poi, r.nominal.x[poi],
                                    r.nominal.uncertainties[poi], "parameter", "postfit up", "postfit dn", "prefit up",
                                    "prefit dn");
        for (const auto& e : r.impacts)
          t += fmt::format("{:<40} {:11.4g} {:11.4g} {:11.4g} {:11.4g}{}\n", e.name, e.postfit_up, e.postfit_down, e.prefit_up,
                           e.prefit_down, e.problem.empty() ? "" : "  (" + e.problem + ")");
        write_text(t, o->output_file);
        return;
      }
      Json pars = Json::array();
      for (const auto& e : r.impacts) {
        Json j{{"name", e.name},
               {"bestfit", e.bestfit},
               {"uncertainty", number_or_null(e.uncertainty)},
               {"prefit_uncertainty", e.prefit_uncertainty},
               {"postfit_up", number_or_null(e.postfit_up)},
               {"postfit_down", number_or_null(e.postfit_down)},
               {"prefit_up", number_or_null(e.prefit_up)},
               {"prefit_down", number_or_null(e.prefit_down)}};
        if (!e.problem.empty()) j["problem"] = e.problem;
        pars.push_back(std::move(j));
      }
      write_json(Json{{"poi", r.poi},
                      {"poi_bestfit", r.nominal.x[poi]},
                      {"poi_uncertainty", number_or_null(r.nominal.uncertainties[poi])},
                      {"parameters", pars}},
                 o->output_file);
    });
  });
}

}  // namespace hfx::cli
