// `hfx cls`: CLs of a POI value (pyhf cls's options and JSON keys), asymptotic or from toys.
#include "common.hpp"
#include "model_input.hpp"
#include "toy_checkpoint.hpp"

#include "hfx/errors.hpp"
#include "hfx/infer.hpp"
#include "hfx/toys.hpp"

#include <fmt/format.h>

#include <memory>
#include <cmath>
#include <cstdio>
#include <unistd.h>

namespace hfx::cli {

void add_cls(CLI::App& app) {
  struct Opts {
    ModelInput in;
    std::string output_file, teststat = "qtilde", calctype = "asymptotics", toys_output;
    OptimizerChoice optimizer;
    std::string test_poi = "1.0", ntoys = "2000", seed = "0", threads = "0";
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
  cmd->add_option("--calctype", o->calctype, "Calculator: asymptotics, or toybased (pyhf's ToyCalculator)")
      ->check(CLI::IsMember({"asymptotics", "toybased"}))->capture_default_str();
  cmd->add_option("--ntoys", o->ntoys, "toybased: toys per hypothesis (s+b and b-only each), 1 to 100000000")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "toybased: random seed, 0 to 2^64-1; results depend only on it, not on --threads")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "toybased: worker threads, 0 (all cores) to 1024")->capture_default_str();
  cmd->add_option("--toys-output", o->toys_output,
                  "toybased: write the test-statistic distributions (observed value, s+b and b-only toys) as JSON here; "
                  "while the toys run, each is saved in FILE.partial, and the same command run again after a kill "
                  "resumes from it (same results)");
  cmd->add_flag("--tail-probs", o->tail, "Also report CLsb and CLb (observed and expected)");
  cmd->add_flag("--table", o->table, "Print a readable table instead of JSON");
  add_optimizer_option(cmd, o->optimizer);
  cmd->callback([o] {
    naming_workspace(o->in, [&] {
      if (o->calctype == "asymptotics" && !o->toys_output.empty())
        throw Unsupported("--toys-output needs --calctype toybased");
      const double test_poi = number_option("--test-poi", o->test_poi);
      const std::size_t ntoys = integer_option("--ntoys", o->ntoys, 1, 100000000);
      const std::uint64_t seed = integer_option("--seed", o->seed, 0, UINT64_MAX);
      const auto threads = static_cast<unsigned>(integer_option("--threads", o->threads, 0, 1024));
      LoadedModel lm = load_model(o->in);
      const std::size_t poi = detail::require_free_poi(*lm.model, FitProblem::from_model(*lm.model));
      require_within_bounds("--test-poi", test_poi, *lm.model, poi);
      const TestStatistic ts = test_statistic_from_string(o->teststat);
      const FitOptions fit_options = fit_options_for(o->optimizer);
      if (o->calctype == "toybased" && fit_options.method != FitMethod::newton)
        throw Unsupported("--optimizer scipy is for the asymptotic calculator; toys use hfx's own fits");
      double cls = 0, clsb = 0, clb = 0;
      Band cls_exp{}, clsb_exp{}, clb_exp{};
      std::string problem;  // why the observed CLs is undetermined (toys), else empty
      std::unique_ptr<ToyCheckpoint> checkpoint;  // with --toys-output: removed once all output is written
      Json extra = Json::object();
      if (o->calctype == "asymptotics") {
        const HypotestResult h = hypotest(test_poi, *lm.model, lm.data, ts, nullptr, fit_options);
        if (!h.all_converged()) throw FailedMinimization(h.fit_problem() + "; no CLs printed");
        cls = h.cls, clsb = h.clsb, clb = h.clb;
        cls_exp = h.cls_expected, clsb_exp = h.clsb_expected, clb_exp = h.clb_expected;
      } else {
        ToyOptions opt;
        opt.ntoys = ntoys;
        opt.seed = seed;
        opt.threads = threads;
        opt.test_stat = ts;
        if (isatty(fileno(stderr))) opt.progress = ProgressBar("toys");
        if (!o->toys_output.empty()) {
          const Json header = {{"hfx_toys_checkpoint", 1},      {"workspace_digest", lm.workspace->digest()},
                               {"measurement", o->in.measurement}, {"normsys_interp", o->in.normsys_interp},
                               {"histosys_interp", o->in.histosys_interp}, {"poi", test_poi},
                               {"test_stat", o->teststat},       {"ntoys", ntoys},
                               {"seed", seed}};
          checkpoint = std::make_unique<ToyCheckpoint>(o->toys_output, header);
          opt.known = checkpoint->resume();
          if (!opt.known.empty())
            std::fprintf(stderr, "hfx: resuming from %s: %zu of %zu toys already done\n", checkpoint->path().c_str(),
                         opt.known.size(), 2 * ntoys);
          opt.on_toy = [&checkpoint](const ToyOutcome& outcome) { checkpoint->record(outcome); };
        }
        const ToyResult t = toy_hypotest(test_poi, *lm.model, lm.data, opt);
        if (!t.observed_fits_converged()) throw FailedMinimization(t.observed_fit_problem() + "; no CLs printed");
        cls = t.cls, clsb = t.clsb, clb = t.clb;
        cls_exp = t.cls_expected, clsb_exp = t.clsb_expected, clb_exp = t.clb_expected;
        problem = t.cls_problem;
        if (t.clb_upper_bound) extra["CLb_obs_upper_bound"] = *t.clb_upper_bound;
        extra["ntoys"] = t.ntoys;
        extra["n_failed"] = t.n_failed();
        extra["seed"] = t.seed;
        if (!o->toys_output.empty()) {
          Json d = Json::object();
          d["poi"] = test_poi;
          d["test_stat"] = o->teststat;
          d["ntoys"] = t.ntoys;
          d["seed"] = t.seed;
          d["teststat_obs"] = t.teststat_obs;
          d["sb_teststats"] = t.sb_teststats;
          d["b_teststats"] = t.b_teststats;
          d["n_failed_sb"] = t.n_failed_sb;
          d["n_failed_b"] = t.n_failed_b;
          write_json(d, o->toys_output, -1);
        }
      }
      if (o->table) {
        std::string text = fmt::format("mu = {}   test statistic {}   calculator {}\n", test_poi, o->teststat, o->calctype);
        if (o->calctype == "toybased")
          text += fmt::format("toys: {} per hypothesis, seed {}, failed fits {}\n", ntoys, seed,
                              extra["n_failed"].get<std::size_t>());
        const auto shown = [](double v) { return std::isfinite(v) ? fmt::format("{:.6g}", v) : std::string("undetermined"); };
        text += fmt::format("CLs observed: {}\n", shown(cls));
        const char* labels[5] = {"-2 sigma", "-1 sigma", "median", "+1 sigma", "+2 sigma"};
        for (int k = 0; k < 5; ++k) text += fmt::format("CLs expected {:>8}: {}\n", labels[k], shown(cls_exp[k]));
        if (!problem.empty()) text += "note: " + problem + "\n";
        write_text(text, o->output_file);
      } else {
        Json out = Json::object();
        out["CLs_exp"] = numbers_or_null(cls_exp);
        out["CLs_obs"] = number_or_null(cls);
        if (!problem.empty()) out["CLs_obs_problem"] = problem;
        if (o->tail) {
          out["CLsb_obs"] = number_or_null(clsb);
          out["CLb_obs"] = number_or_null(clb);
          out["CLsb_exp"] = numbers_or_null(clsb_exp);
          out["CLb_exp"] = numbers_or_null(clb_exp);
        }
        for (auto it = extra.begin(); it != extra.end(); ++it) out[it.key()] = it.value();
        write_json(out, o->output_file);
      }
      if (checkpoint) checkpoint->finish();
      if (!problem.empty()) throw Undetermined(problem);
    });
  });
}

}  // namespace hfx::cli
