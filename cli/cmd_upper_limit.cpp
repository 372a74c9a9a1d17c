// `hfx upper-limit`: observed and expected CLs upper limits on the POI (pyhf has no CLI
// for this; same result as pyhf.infer.intervals.upper_limits.upper_limit).
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/errors.hpp"
#include "hfx/infer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace hfx::cli {

void add_upper_limit(CLI::App& app) {
  struct Opts {
    ModelInput in;
    std::string output_file, teststat = "qtilde", level = "0.05", rtol = "1e-5";
    std::vector<std::string> scan;
    bool table = false;
    OptimizerChoice optimizer;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("upper-limit", "Upper limit on the POI at CLs = level (default 95% CL): observed and "
                                                "the expected band (-2 ... +2 sigma), by TOMS748 root finding or a scan.\n"
                                                "Exits with 1 and prints no limit when a fit behind it did not converge; a "
                                                "limit above the POI's upper bound is reported as null with a note.\n"
                                                "JSON keys: obs, exp, level, poi_bounds, hypotests, and scan: the observed CLs "
                                                "at every POI value evaluated ([{mu, CLs_obs}], sorted by mu).");
  o->in.add_to(cmd);
  cmd->add_option("--output-file", o->output_file, "Write the JSON result here instead of stdout");
  cmd->add_option("--level", o->level, "CLs level, between 0 and 1 (0.05 = 95% CL)")->capture_default_str();
  cmd->add_option("--rtol", o->rtol, "Relative tolerance on the limit (root finding), between 0 and 1")->capture_default_str();
  cmd->add_option("--scan", o->scan, "Scan these POI values instead of root finding: START STOP N (N from 2 to 100000)")
      ->expected(3);
  cmd->add_option("--test-stat,--teststat", o->teststat, "Test statistic")
      ->check(CLI::IsMember({"q", "qtilde"}))->capture_default_str();
  cmd->add_flag("--table", o->table, "Print a readable table instead of JSON");
  add_optimizer_option(cmd, o->optimizer);
  cmd->callback([o] {
    naming_workspace(o->in, [&] {
      const double level = number_option_between("--level", o->level, 0, 1);
      const double rtol = number_option_between("--rtol", o->rtol, 0, 1);
      const std::vector<double> mus = scan_values(o->scan);
      LoadedModel lm = load_model(o->in);
      if (!mus.empty() && lm.model->poi_index()) {
        require_within_bounds("--scan START", mus.front(), *lm.model, *lm.model->poi_index());
        require_within_bounds("--scan STOP", mus.back(), *lm.model, *lm.model->poi_index());
      }
      const auto ts = test_statistic_from_string(o->teststat);
      const FitOptions fit_options = fit_options_for(o->optimizer);
      const UpperLimitResult r = mus.empty() ? upper_limit(*lm.model, lm.data, level, ts, rtol, fit_options)
                                             : upper_limit_scan(*lm.model, lm.data, mus, level, ts, fit_options);
      if (!r.fit_problems.empty())
        throw FailedMinimization(fmt::format("{} fit{} behind the limit did not converge, first: {}; no limit printed",
                                             r.fit_problems.size(), r.fit_problems.size() == 1 ? "" : "s",
                                             r.fit_problems.front()));
      // Why a limit is not printed: CLs does not cross the level (in the scan's range), or
      // it crosses above the POI's upper bound, where the model is not defined.
      const auto problem = [&](double v) { return r.problem(v, level); };
      const std::string obs_problem = problem(r.observed);
      std::array<std::string, 5> exp_problem;
      for (int k = 0; k < 5; ++k) exp_problem[k] = problem(r.expected[k]);
      const auto shown = [&](double v) { return problem(v).empty() ? fmt::format("{:.6g}", v) : "none (" + problem(v) + ")"; };
      if (o->table) {
        std::string t = fmt::format("{:.4g}% CL upper limit on {}\n", 100 * (1 - level), lm.model->poi_name().value_or("POI"));
        t += fmt::format("observed: {}\n", shown(r.observed));
        const char* labels[5] = {"-2 sigma", "-1 sigma", "median", "+1 sigma", "+2 sigma"};
        for (int k = 0; k < 5; ++k) t += fmt::format("expected {:>8}: {}\n", labels[k], shown(r.expected[k]));
        write_text(t, o->output_file);
      } else {
        Json out = Json::object();
        out["obs"] = obs_problem.empty() ? Json(r.observed) : Json(nullptr);
        if (!obs_problem.empty()) out["obs_problem"] = obs_problem;
        Json exp = Json::array(), exp_notes = Json::array();
        for (int k = 0; k < 5; ++k) {
          exp.push_back(exp_problem[k].empty() ? Json(r.expected[k]) : Json(nullptr));
          exp_notes.push_back(exp_problem[k].empty() ? Json(nullptr) : Json(exp_problem[k]));
        }
        out["exp"] = exp;  // null: that band entry has no limit, exp_problem says why
        if (std::any_of(exp_problem.begin(), exp_problem.end(), [](const auto& p) { return !p.empty(); }))
          out["exp_problem"] = exp_notes;
        out["level"] = level;
        out["poi_bounds"] = {lm.model->suggested_bounds()[*lm.model->poi_index()].first, r.poi_upper_bound};
        out["hypotests"] = r.hypotests;
        Json scan = Json::array();
        for (const auto& [mu, cls] : r.scan) scan.push_back({{"mu", mu}, {"CLs_obs", number_or_null(cls)}});
        out["scan"] = scan;
        write_json(out, o->output_file);
      }
      if (!obs_problem.empty()) throw Undetermined("the observed limit is " + obs_problem);
    });
  });
}

}  // namespace hfx::cli
