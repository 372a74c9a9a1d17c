// `hfx brazil WS`: observed CLs and the expected band versus the POI, with the upper
// limits (pyhf.contrib.viz.brazil's data).
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/diagnostics.hpp"
#include "hfx/plots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace hfx::cli {

void add_brazil(CLI::App& app) {
  struct Opts {
    ModelInput in;
    std::string output_file, level = "0.05", teststat = "qtilde", plot;
    std::vector<std::string> scan;
    bool table = false;
    OptimizerChoice optimizer;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "brazil",
      "CLs observed and expected (-2..+2 sigma) at each POI value of --scan (default: 31 values from the POI's lower "
      "bound to 1.5 times the largest finite limit), and the observed and expected upper limits at CLs = --level "
      "(root finding). JSON keys: level, mu, CLs_obs, CLs_exp (one band per mu), obs, exp (null with obs_problem / "
      "exp_problem where there is no limit), or --table.");
  o->in.add_to(cmd);
  cmd->add_option("--scan", o->scan, "POI values START STOP N (N from 2 to 100000)")->expected(3);
  cmd->add_option("--level", o->level, "CLs level, between 0 and 1")->capture_default_str();
  cmd->add_option("--test-stat,--teststat", o->teststat, "Test statistic")
      ->check(CLI::IsMember({"q", "qtilde"}))->capture_default_str();
  cmd->add_option("--output-file", o->output_file, "Write the result here instead of stdout");
  cmd->add_flag("--table", o->table, "Print a readable table instead of JSON");
  add_plot_option(cmd, o->plot, "the Brazil band");
  add_optimizer_option(cmd, o->optimizer);
  cmd->callback([o] {
    const double level = number_option_between("--level", o->level, 0, 1);
    naming_workspace(o->in, [&] {
      LoadedModel lm = load_model(o->in);
      const Model& m = *lm.model;
      if (!m.poi_index()) throw UnspecifiedPOI("a Brazil band needs a model with a POI");
      const std::size_t poi = *m.poi_index();
      const FitOptions fo = fit_options_for(o->optimizer);
      const auto ts = test_statistic_from_string(o->teststat);
      const std::vector<double> mus = scan_values(o->scan);  // empty: brazil_band's default grid
      if (!mus.empty()) {
        require_within_bounds("--scan START", mus.front(), m, poi);
        require_within_bounds("--scan STOP", mus.back(), m, poi);
      }
      const BrazilBand b = brazil_band(m, lm.data, mus, level, ts, fo);
      if (!b.limits.fit_problems.empty())
        throw FailedMinimization(fmt::format("fits behind the upper limits did not converge: {}", b.limits.fit_problems.front()));
      if (!o->plot.empty()) write_plot(brazil_svg(b, m.par_names()[poi], input_label(o->in.workspace, o->in.patches)), o->plot);
      const auto problem = [&](double v) { return b.limits.problem(v, level); };
      if (o->table) {
        const auto shown = [&](double v) { return problem(v).empty() ? fmt::format("{:.6g}", v) : "none (" + problem(v) + ")"; };
        std::string t = fmt::format("upper limits at CLs = {}: observed {}, expected", level, shown(b.limits.observed));
        for (double v : b.limits.expected) t += " " + shown(v);
        t += fmt::format("\n\n{:>12} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12}\n", "mu", "CLs obs", "exp -2s", "exp -1s",
                         "exp", "exp +1s", "exp +2s");
        for (std::size_t i = 0; i < b.mu.size(); ++i) {
          t += fmt::format("{:12.6g} {:12.6g}", b.mu[i], b.cls_observed[i]);
          for (double v : b.cls_expected[i]) t += fmt::format(" {:12.6g}", v);
          t += "\n";
        }
        write_text(t, o->output_file);
        return;
      }
      Json exp = Json::array(), exp_problem = Json::array(), bands = Json::array();
      for (double v : b.limits.expected) {
        exp.push_back(problem(v).empty() ? Json(v) : Json(nullptr));
        exp_problem.push_back(problem(v).empty() ? Json(nullptr) : Json(problem(v)));
      }
      for (const auto& band : b.cls_expected) bands.push_back(numbers_or_null(band));
      Json out{{"level", level},
               {"mu", b.mu},
               {"CLs_obs", numbers_or_null(b.cls_observed)},
               {"CLs_exp", bands},
               {"obs", problem(b.limits.observed).empty() ? Json(b.limits.observed) : Json(nullptr)},
               {"obs_problem", problem(b.limits.observed).empty() ? Json(nullptr) : Json(problem(b.limits.observed))},
               {"exp", exp},
               {"exp_problem", exp_problem}};
      if (!b.problems.empty()) out["CLs_problem"] = b.problems;
      write_json(out, o->output_file);
    });
  });
}

}  // namespace hfx::cli
