// `hfx profile WS`: the profile likelihood scan of the POI (or any parameter) and the
// 68% / 95% CL intervals read off it; with two --par, the 2-D scan and its contours.
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/diagnostics.hpp"
#include "hfx/plots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace hfx::cli {

namespace {

struct Opts {
  ModelInput in;
  std::string output_file, points = "21", plot;
  std::vector<std::string> pars, range;
  bool table = false;
  OptimizerChoice optimizer;
};

// NxM (or N×M): the grid of a 2-D scan; a single N means N x N.
std::array<std::size_t, 2> grid_points(const std::string& text) {
  std::string t = text;
  for (const std::string times : {"\xc3\x97", "X"})  // U+00D7 in UTF-8
    for (std::size_t at; (at = t.find(times)) != std::string::npos;) t.replace(at, times.size(), "x");
  const auto x = t.find('x');
  if (x == std::string::npos) {
    const auto n = static_cast<std::size_t>(integer_option("--points", t, 2, 10000));
    return {n, n};
  }
  return {static_cast<std::size_t>(integer_option("--points N", t.substr(0, x), 2, 10000)),
          static_cast<std::size_t>(integer_option("--points M", t.substr(x + 1), 2, 10000))};
}

void profile_2d(const Opts& o) {
  const auto points = grid_points(o.points);
  if (o.range.size() != 0 && o.range.size() != 4)
    throw Unsupported("--range: a 2-D scan takes it twice (--range LO HI for each parameter) or not at all");
  std::array<double, 2> lo{std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()}, hi = lo;
  for (std::size_t a = 0; a < 2 && !o.range.empty(); ++a) {
    lo[a] = number_option("--range LO", o.range[2 * a]);
    hi[a] = number_option("--range HI", o.range[2 * a + 1]);
    if (!(lo[a] < hi[a])) throw Unsupported(fmt::format("--range {} {}: expected LO < HI", o.range[2 * a], o.range[2 * a + 1]));
  }
  naming_workspace(o.in, [&] {
    LoadedModel lm = load_model(o.in);
    const Model& m = *lm.model;
    const std::array<std::size_t, 2> index{parameter_index("--par", m, o.pars[0]), parameter_index("--par", m, o.pars[1])};
    const ProfileScan2D s = profile_scan_2d(m, lm.data, FitProblem::from_model(m), index, lo, hi, points, fit_options_for(o.optimizer));
    if (!o.plot.empty()) write_plot(profile2d_svg(s, input_label(o.in.workspace, o.in.patches)), o.plot);
    if (o.table) {
      std::string t;
      for (std::size_t a = 0; a < 2; ++a)
        t += fmt::format("{} = {:.6g} +- {:.6g}\n", s.parameters[a], s.best.x[index[a]], s.best.uncertainties[index[a]]);
      for (const auto& c : s.contours) t += fmt::format("{:.2f}% CL contour (-2 dlnL = {:.4g}): {} line(s)\n", 100 * c.cl, c.level, c.lines.size());
      t += fmt::format("\n{:>14} {:>14} {:>14}\n", s.parameters[0], s.parameters[1], "-2 dlnL");
      for (std::size_t j = 0; j < s.y.size(); ++j)
        for (std::size_t i = 0; i < s.x.size(); ++i)
          t += fmt::format("{:14.6g} {:14.6g} {:14.6g}\n", s.x[i], s.y[j], s.delta_twice_nll[j * s.x.size() + i]);
      write_text(t, o.output_file);
      return;
    }
    Json grid = Json::array(), contours = Json::array();
    for (std::size_t j = 0; j < s.y.size(); ++j)
      grid.push_back(numbers_or_null(std::span(s.delta_twice_nll).subspan(j * s.x.size(), s.x.size())));
    for (const auto& c : s.contours) {
      Json lines = Json::array();
      for (const Polyline& l : c.lines) {
        Json line = Json::array();
        for (const Point2& q : l) line.push_back(Json::array({q.x, q.y}));
        lines.push_back(std::move(line));
      }
      contours.push_back(Json{{"cl", c.cl}, {"level", c.level}, {"lines", std::move(lines)}});
    }
    Json out{{"parameters", s.parameters},
             {"bestfit", {s.best.x[index[0]], s.best.x[index[1]]}},
             {"uncertainties", {number_or_null(s.best.uncertainties[index[0]]), number_or_null(s.best.uncertainties[index[1]])}},
             {"twice_nll", s.best.twice_nll()},
             {"x", s.x},
             {"y", s.y},
             {"delta_twice_nll", std::move(grid)},
             {"contours", std::move(contours)}};
    if (!s.problems.empty()) out["delta_twice_nll_problem"] = s.problems;
    write_json(out, o.output_file);
  });
}

}  // namespace

void add_profile(CLI::App& app) {
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "profile",
      "Profile likelihood scan: -2 Delta log L of the POI (or --par NAME) at --points values in --range "
      "(default: best fit +- 3 uncertainties within the bounds), each a fit with the parameter fixed, and the "
      "68.27% / 95% CL intervals where it stays below 1 / 3.84 (ends by root finding on the profile; an end "
      "beyond the range is null with \"open\": true). With two --par: -2 Delta log L on the --points NxM grid "
      "(--range twice: first parameter, then second) and its 68.27% / 95% CL contours (2.30 / 5.99) as polylines; --plot draws the grid shaded with the contours and the best fit.");
  o->in.add_to(cmd);
  cmd->add_option("--par", o->pars, "Parameter to scan (default: the POI); a per-bin parameter as NAME[i]; twice for a 2-D scan")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--range", o->range, "LO HI: the scanned range (twice for a 2-D scan)")
      ->expected(2)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--points", o->points, "Number of scanned values, 2 to 100000; NxM for a 2-D scan (default 21, 2-D: 21x21)")
      ->capture_default_str();
  cmd->add_option("--output-file", o->output_file, "Write the result here instead of stdout");
  cmd->add_flag("--table", o->table, "Print a readable table instead of JSON");
  add_plot_option(cmd, o->plot, "the profile with its CL levels (2-D: the grid, contours and best fit)");
  add_optimizer_option(cmd, o->optimizer);
  cmd->callback([o] {
    if (o->pars.size() > 2) throw Unsupported(fmt::format("--par given {} times: a scan has one or two parameters", o->pars.size()));
    if (o->pars.size() == 2) return profile_2d(*o);
    if (o->range.size() > 2) throw Unsupported("--range given twice: a one-parameter scan has one range");
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
      if (o->pars.empty()) {
        if (!m.poi_index()) throw UnspecifiedPOI("the model has no POI: name the parameter to scan with --par");
        index = *m.poi_index();
      } else {
        index = parameter_index("--par", m, o->pars[0]);
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
