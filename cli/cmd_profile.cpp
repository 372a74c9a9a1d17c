// `hfx profile WS`: the profile likelihood scan of the POI (or any parameter) and the
// 68% / 95% CL intervals read off it.
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/diagnostics.hpp"
#include "hfx/plots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hfx::cli {

void add_profile(CLI::App& app) {
  struct Opts {
    ModelInput in;
    std::string output_file, par, points = "21", plot;
    std::vector<std::string> range;
    bool table = false;
    OptimizerChoice optimizer;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "profile",
      "Profile likelihood scan: -2 Delta log L of the POI (or --par NAME) at --points values in --range "
      "(default: best fit +- 3 uncertainties within the bounds), each a fit with the parameter fixed, and the "
      "68.27% / 95% CL intervals where it stays below 1 / 3.84 (ends by root finding on the profile; an end "
      "beyond the range is null with \\\"open\\\": true).");
  o->in.add_to(cmd);
  cmd->add_option("--par", o->par, "Parameter to scan (default: the POI); a per-bin parameter as NAME[i]");
  cmd->add_option("--range", o->range, "LO HI: the scanned range")->expected(2);
  cmd->add_option("--points", o->points, "Number of scanned values, 2 to 100000")->capture_default_str();
  cmd->add_option("--output-file", o->output_file, "Write the result here instead of stdout");
  cmd->add_flag("--table", o->table, "Print a readable table instead of JSON");
  add_plot_option(cmd, o->plot, "the profile with its CL levels");
  add_optimizer_option(cmd, o->optimizer);
  cmd->callback([o] {
    const auto points = static_cast<std::size_t>(integer_option("--points", o->points, 2, 100000));
    double lo = std::numeric_limits<double>::quiet_NaN(), hi = lo;
    if (!o->range.empty()) {
      lo = number_option("--range LO", o->range[0]);
      hi = number_option("--range HI", o->range[1]);
      if (!(lo < hi)) throw Unsupported(fmt::format("--range {} {}: expected LO < HI", o->range[0], o->range[1]));
    }
    naming_workspace(o->in, [&] {
      LoadedModel lm = load_model(o->in);
      const Model& m = *lm.model;
      std::size_t index = 0;
      if (o->par.empty()) {
        if (!m.poi_index()) throw UnspecifiedPOI("the model has no POI: name the parameter to scan with --par");
        index = *m.poi_index();
      } else {
        const auto& names = m.par_names();
        const auto it = std::find(names.begin(), names.end(), o->par);
        if (it == names.end()) throw InvalidModel(fmt::format("--par: no parameter '{}' in the model", o->par));
        index = static_cast<std::size_t>(it - names.begin());
      }
      const ProfileScan s = profile_scan(m, lm.data, FitProblem::from_model(m), index, lo, hi, points, fit_options_for(o->optimizer));
      if (!o->plot.empty()) write_plot(profile_svg(s, input_label(o->in.workspace, o->in.patches)), o->plot);
      if (o->table) {
        std::string t = fmt::format("{} = {:.6g} +- {:.6g} (twice_nll {:.10g})\n", s.parameter, s.best.x[index],
                                    s.best.uncertainties[index], s.best.twice_nll());
        for (const auto& iv : s.intervals)
          t += fmt::format("{:.2f}% CL: [{}, {}]\n", 100 * iv.cl, iv.low_open ? "open" : fmt::format("{:.6g}", iv.low),
                           iv.high_open ? "open" : fmt::format("{:.6g}", iv.high));
        t += fmt::format("\n{:>14} {:>14}\n", s.parameter, "-2 dlnL");
        for (std::size_t i = 0; i < s.values.size(); ++i) t += fmt::format("{:14.6g} {:14.6g}\n", s.values[i], s.delta_twice_nll[i]);
        write_text(t, o->output_file);
        return;
      }
      Json intervals = Json::array();
      for (const auto& iv : s.intervals)
        intervals.push_back(Json{{"cl", iv.cl}, {"level", iv.level}, {"low", number_or_null(iv.low)},
                                 {"high", number_or_null(iv.high)}, {"low_open", iv.low_open}, {"high_open", iv.high_open}});
      Json out{{"parameter", s.parameter},
               {"bestfit", s.best.x[index]},
               {"uncertainty", number_or_null(s.best.uncertainties[index])},
               {"twice_nll", s.best.twice_nll()},
               {"values", s.values},
               {"delta_twice_nll", numbers_or_null(s.delta_twice_nll)},
               {"intervals", intervals}};
      if (!s.problems.empty()) out["delta_twice_nll_problem"] = s.problems;
      write_json(out, o->output_file);
    });
  });
}

}  // namespace hfx::cli
