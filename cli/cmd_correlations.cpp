// `hfx correlations WS [--min 0.2]`: the post-fit correlation matrix of the parameters
// correlated above a threshold (cabinetry's pruned correlation plot data).
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/diagnostics.hpp"
#include "hfx/plots.hpp"

#include <fmt/format.h>

namespace hfx::cli {

void add_correlations(CLI::App& app) {
  struct Opts {
    ModelInput in;
    std::string output_file, min = "0", plot;
    bool table = false;
    OptimizerChoice optimizer;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "correlations",
      "Fit and print the correlation matrix of the free parameters that have an off-diagonal |correlation| of at "
      "least --min with another one (0: all free parameters). JSON {parameters, correlations (rows)}, or --table.");
  o->in.add_to(cmd);
  cmd->add_option("--min", o->min, "Threshold on |correlation|, 0 to 1")->capture_default_str();
  cmd->add_option("--output-file", o->output_file, "Write the result here instead of stdout");
  cmd->add_flag("--table", o->table, "Print a readable table instead of JSON");
  add_plot_option(cmd, o->plot, "the matrix as a heat map");
  add_optimizer_option(cmd, o->optimizer);
  cmd->callback([o] {
    const double min = number_option("--min", o->min);
    if (!(min >= 0 && min <= 1)) throw Unsupported(fmt::format("--min '{}': expected a number from 0 to 1", o->min));
    naming_workspace(o->in, [&] {
      LoadedModel lm = load_model(o->in);
      const Correlations c = correlations(*lm.model, lm.data, FitProblem::from_model(*lm.model), min, fit_options_for(o->optimizer));
      const std::size_t n = c.names.size();
      if (!o->plot.empty()) write_plot(correlations_svg(c, input_label(o->in.workspace, o->in.patches)), o->plot);
      if (o->table) {
        std::string t = fmt::format("{} parameters with |correlation| >= {} (of {})\n", n, min, lm.model->npars());
        for (std::size_t i = 0; i < n; ++i) {
          t += fmt::format("{:<36}", c.names[i]);
          for (std::size_t j = 0; j < n; ++j) t += fmt::format(" {:6.2f}", c.matrix[i * n + j]);
          t += "\n";
        }
        write_text(t, o->output_file);
        return;
      }
      Json rows = Json::array();
      for (std::size_t i = 0; i < n; ++i)
        rows.push_back(numbers_or_null(std::span<const double>(c.matrix).subspan(i * n, n)));
      write_json(Json{{"min", min}, {"parameters", c.names}, {"correlations", rows}}, o->output_file);
    });
  });
}

}  // namespace hfx::cli
