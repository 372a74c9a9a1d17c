// `hfx cls`: CLs of a POI value (pyhf cls's options and JSON keys).
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/errors.hpp"
#include "hfx/infer.hpp"

#include <fmt/format.h>

namespace hfx::cli {

void add_cls(CLI::App& app) {
  struct Opts {
    ModelInput in;
    std::string output_file, teststat = "qtilde", calctype = "asymptotics";
    double test_poi = 1.0;
    bool table = false, tail = false;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("cls", "Compute CLs value(s) for a given pyhf workspace.\n"
                                        "JSON keys as `pyhf cls` (CLs_obs, CLs_exp from -2 to +2 sigma) plus fit status.");
  o->in.add_to(cmd);
  cmd->add_option("--output-file", o->output_file, "Write the JSON result here instead of stdout");
  cmd->add_option("--test-poi,--testpoi", o->test_poi, "POI value to test")->capture_default_str();
  cmd->add_option("--test-stat,--teststat", o->teststat, "Test statistic")
      ->check(CLI::IsMember({"q", "qtilde"}))->capture_default_str();
  cmd->add_option("--calctype", o->calctype, "Calculator (asymptotics)")
      ->check(CLI::IsMember({"asymptotics", "toybased"}))->capture_default_str();
  cmd->add_flag("--tail-probs", o->tail, "Also report CLsb and CLb (observed and expected)");
  cmd->add_flag("--table", o->table, "Print a readable table instead of JSON");
  cmd->add_option("--backend,--optimizer,--optconf", "Accepted for pyhf compatibility and ignored")->expected(0, 1);
  cmd->callback([o] {
    if (o->calctype != "asymptotics")
      throw Unsupported("--calctype toybased is not available yet in hfx; use asymptotics");
    LoadedModel lm = load_model(o->in);
    const HypotestResult h = hypotest(o->test_poi, *lm.model, lm.data, test_statistic_from_string(o->teststat));
    if (!h.all_converged())
      throw FailedMinimization(fmt::format(
          "a fit did not converge (free: {}, fixed: {}, Asimov free: {}, Asimov fixed: {}); no CLs printed",
          to_string(h.free_fit.status), to_string(h.fixed_fit.status), to_string(h.asimov_free_fit.status),
          to_string(h.asimov_fixed_fit.status)));
    if (o->table) {
      std::string t = fmt::format("mu = {}   test statistic {}\n", o->test_poi, o->teststat);
      t += fmt::format("CLs observed: {:.6g}\n", h.cls);
      const char* labels[5] = {"-2 sigma", "-1 sigma", "median", "+1 sigma", "+2 sigma"};
      for (int k = 0; k < 5; ++k) t += fmt::format("CLs expected {:>8}: {:.6g}\n", labels[k], h.cls_expected[k]);
      write_text(t, o->output_file);
      return;
    }
    Json out = Json::object();
    out["CLs_exp"] = std::vector<double>(h.cls_expected.begin(), h.cls_expected.end());
    out["CLs_obs"] = h.cls;
    if (o->tail) {
      out["CLsb_obs"] = h.clsb;
      out["CLb_obs"] = h.clb;
      out["CLsb_exp"] = std::vector<double>(h.clsb_expected.begin(), h.clsb_expected.end());
      out["CLb_exp"] = std::vector<double>(h.clb_expected.begin(), h.clb_expected.end());
    }
    write_json(out, o->output_file);
  });
}

}  // namespace hfx::cli
