// `hfx significance`: discovery p-value and Z from q0, observed and expected.
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/errors.hpp"
#include "hfx/infer.hpp"

#include <fmt/format.h>

namespace hfx::cli {

void add_significance(CLI::App& app) {
  struct Opts {
    ModelInput in;
    std::string output_file;
    bool table = false;
    OptimizerChoice optimizer;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("significance", "Discovery significance: observed and expected p-value and Z from "
                                                 "the q0 test statistic (pyhf's hypotest(0, test_stat='q0')).");
  o->in.add_to(cmd);
  cmd->add_option("--output-file", o->output_file, "Write the JSON result here instead of stdout");
  cmd->add_flag("--table", o->table, "Print a readable table instead of JSON");
  add_optimizer_option(cmd, o->optimizer);
  cmd->callback([o] {
    naming_workspace(o->in, [&] {
      LoadedModel lm = load_model(o->in);
      const SignificanceResult s = significance(*lm.model, lm.data, fit_options_for(o->optimizer));
      if (!s.fit_problems.empty())
        throw FailedMinimization(fmt::format("{} fit{} behind the significance did not converge, first: {}; no "
                                             "significance printed",
                                             s.fit_problems.size(), s.fit_problems.size() == 1 ? "" : "s",
                                             s.fit_problems.front()));
      if (o->table) {
        write_text(fmt::format("observed: p0 = {:.6g}  Z = {:.4f}\nexpected: p0 = {:.6g}  Z = {:.4f}\n", s.p0_observed,
                               s.z_observed, s.p0_expected, s.z_expected), o->output_file);
        return;
      }
      Json out = Json::object();
      out["q0"] = s.q0;
      out["p0_obs"] = s.p0_observed;
      out["Z_obs"] = s.z_observed;
      out["p0_exp"] = s.p0_expected;
      out["Z_exp"] = s.z_expected;
      out["p0_exp_band"] = std::vector<double>(s.p0_expected_band.begin(), s.p0_expected_band.end());
      write_json(out, o->output_file);
    });
  });
}

}  // namespace hfx::cli
