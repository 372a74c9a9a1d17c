// `hfx upper-limit`: observed and expected CLs upper limits on the POI (pyhf has no CLI
// for this; same result as pyhf.infer.intervals.upper_limits.upper_limit).
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/errors.hpp"
#include "hfx/infer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace hfx::cli {

void add_upper_limit(CLI::App& app) {
  struct Opts {
    ModelInput in;
    std::string output_file, teststat = "qtilde";
    double level = 0.05, rtol = 1e-5;
    std::vector<double> scan;
    bool table = false;
    OptimizerChoice optimizer;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("upper-limit", "Upper limit on the POI at CLs = level (default 95% CL): observed and "
                                                "the expected band (-2 ... +2 sigma), by TOMS748 root finding or a scan.");
  o->in.add_to(cmd);
  cmd->add_option("--output-file", o->output_file, "Write the JSON result here instead of stdout");
  cmd->add_option("--level", o->level, "CLs level (0.05 = 95% CL)")->capture_default_str();
  cmd->add_option("--rtol", o->rtol, "Relative tolerance on the limit (root finding)")->capture_default_str();
  cmd->add_option("--scan", o->scan, "Scan these POI values instead of root finding: START STOP N")->expected(3);
  cmd->add_option("--test-stat,--teststat", o->teststat, "Test statistic")
      ->check(CLI::IsMember({"q", "qtilde"}))->capture_default_str();
  cmd->add_flag("--table", o->table, "Print a readable table instead of JSON");
  add_optimizer_option(cmd, o->optimizer);
  cmd->callback([o] {
    LoadedModel lm = load_model(o->in);
    const auto ts = test_statistic_from_string(o->teststat);
    const FitOptions fit_options = fit_options_for(o->optimizer);
    UpperLimitResult r;
    if (!o->scan.empty()) {
      const int n = static_cast<int>(o->scan[2]);
      if (n < 2) throw Unsupported("--scan needs N >= 2 points");
      std::vector<double> mus;
      for (int i = 0; i < n; ++i) mus.push_back(o->scan[0] + (o->scan[1] - o->scan[0]) * i / (n - 1));
      r = upper_limit_scan(*lm.model, lm.data, mus, o->level, ts, fit_options);
    } else {
      r = upper_limit(*lm.model, lm.data, o->level, ts, o->rtol, fit_options);
    }
    if (!std::isfinite(r.observed))
      throw FailedMinimization("the observed limit could not be determined (CLs never crosses the level in the range)");
    // A band entry whose CLs does not cross the level inside a scan's range has no limit
    // there: say so instead of printing a number.
    const std::string not_reached = o->scan.empty() ? "not found" : "outside the scanned range";
    auto shown = [&](double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : not_reached; };
    if (o->table) {
      std::string t = fmt::format("{:.0f}% CL upper limit on {}\n", 100 * (1 - o->level), lm.model->poi_name().value_or("POI"));
      t += fmt::format("observed: {}\n", shown(r.observed));
      const char* labels[5] = {"-2 sigma", "-1 sigma", "median", "+1 sigma", "+2 sigma"};
      for (int k = 0; k < 5; ++k) t += fmt::format("expected {:>8}: {}\n", labels[k], shown(r.expected[k]));
      write_text(t, o->output_file);
      return;
    }
    Json out = Json::object();
    out["obs"] = r.observed;
    Json exp = Json::array();
    for (double v : r.expected) exp.push_back(std::isfinite(v) ? Json(v) : Json(nullptr));
    out["exp"] = exp;  // null: the band entry does not cross the level in the range
    if (std::any_of(r.expected.begin(), r.expected.end(), [](double v) { return !std::isfinite(v); }))
      out["note"] = o->scan.empty() ? "null expected limits: not found" : "null expected limits: CLs does not cross the level within the scanned range";
    out["level"] = o->level;
    out["hypotests"] = r.hypotests;
    Json scan = Json::array();
    for (const auto& [mu, cls] : r.scan) scan.push_back({{"mu", mu}, {"CLs_obs", cls}});
    out["scan"] = scan;
    write_json(out, o->output_file);
  });
}

}  // namespace hfx::cli
