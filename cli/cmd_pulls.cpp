// `hfx pulls WS`: the post-fit pulls and constraints of every parameter (cabinetry's
// pull plot data): (bestfit - prefit) / prefit_uncertainty and uncertainty /
// prefit_uncertainty for constrained parameters, values and uncertainties for all.
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/diagnostics.hpp"
#include "hfx/plots.hpp"

#include <fmt/format.h>

namespace hfx::cli {

void add_pulls(CLI::App& app) {
  struct Opts {
    ModelInput in;
    std::string output_file, plot;
    bool table = false;
    OptimizerChoice optimizer;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "pulls",
      "Fit and list every parameter's pull: (bestfit - prefit) / prefit_uncertainty and the constraint "
      "uncertainty / prefit_uncertainty for constrained parameters (the Gaussian sigma, or 1/sqrt(tau) for a "
      "Poisson constraint), bestfit and uncertainty for all (cabinetry's definitions). JSON, or --table.");
  o->in.add_to(cmd);
  cmd->add_option("--output-file", o->output_file, "Write the result here instead of stdout");
  cmd->add_flag("--table", o->table, "Print a readable table instead of JSON");
  add_plot_option(cmd, o->plot, "the pulls of the constrained parameters");
  add_optimizer_option(cmd, o->optimizer);
  cmd->callback([o] {
    naming_workspace(o->in, [&] {
      LoadedModel lm = load_model(o->in);
      const PullsResult r = pulls(*lm.model, lm.data, FitProblem::from_model(*lm.model), fit_options_for(o->optimizer));
      if (!o->plot.empty()) write_plot(pulls_svg(r, input_label(o->in.workspace, o->in.patches)), o->plot);
      if (o->table) {
        std::string t = fmt::format("{:<40} {:>12} {:>12} {:>10} {:>10}\n", "parameter", "bestfit", "uncertainty", "pull",
                                    "constraint");
        for (const auto& e : r.parameters) {
          const auto cell = [](double v) { return std::isfinite(v) ? fmt::format("{:10.3f}", v) : fmt::format("{:>10}", "-"); };
          t += fmt::format("{:<40} {:12.5g} {:12.5g} {} {}{}\n", e.name, e.bestfit, e.uncertainty, cell(e.pull),
                           cell(e.constraint), e.fixed ? "  (fixed)" : "");
        }
        write_text(t, o->output_file);
        return;
      }
      Json pars = Json::array();
      for (const auto& e : r.parameters)
        pars.push_back(Json{{"name", e.name},
                            {"constrained", e.constrained},
                            {"fixed", e.fixed},
                            {"prefit", e.prefit},
                            {"prefit_uncertainty", e.prefit_uncertainty},
                            {"bestfit", e.bestfit},
                            {"uncertainty", number_or_null(e.uncertainty)},
                            {"pull", number_or_null(e.pull)},
                            {"constraint", number_or_null(e.constraint)}});
      write_json(Json{{"status", std::string(to_string(r.fit.status))}, {"twice_nll", r.fit.twice_nll()}, {"parameters", pars}},
                 o->output_file);
    });
  });
}

}  // namespace hfx::cli
