// `hfx signal-yields WS --signals FILE`: -2 ln lambda(mu) of many signal-yield hypotheses
// on one compiled background-only model (hfx::signal_yields_workspace and
// hfx::profile_signal_yields), for reinterpretation tools outside Python.
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/errors.hpp"
#include "hfx/reinterpret.hpp"

#include <fmt/format.h>

#include <memory>
#include <sstream>

namespace hfx::cli {

namespace {

// Rows of numbers separated by commas, spaces or tabs; '#' starts a comment; a first line
// whose first field is not a number is a header. Each row must have `n` numbers.
std::vector<double> read_signals(const std::string& path, std::size_t n) {
  std::istringstream in(read_file(path));
  std::vector<double> out;
  std::string line;
  std::size_t lineno = 0;
  bool header_allowed = true;
  while (std::getline(in, line)) {
    ++lineno;
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    for (char& c : line)
      if (c == ',' || c == '\t' || c == '\r' || c == ';') c = ' ';
    std::istringstream fields(line);
    std::vector<double> row;
    std::string field;
    bool numeric = true;
    while (fields >> field) {
      const auto v = finite_number(field);
      if (!v) {
        numeric = false;
        break;
      }
      row.push_back(*v);
    }
    if (!numeric && header_allowed && row.empty()) {
      header_allowed = false;
      continue;
    }
    if (!numeric) throw InvalidSpecification(fmt::format("{}: line {}: '{}' is not a finite number", path, lineno, field));
    if (row.empty()) continue;
    header_allowed = false;
    if (row.size() != n)
      throw InvalidSpecification(fmt::format("{}: line {}: {} yields, expected {} (one per signal-region bin)", path, lineno,
                                             row.size(), n));
    out.insert(out.end(), row.begin(), row.end());
  }
  if (out.empty()) throw InvalidSpecification(fmt::format("{}: no signal-yield rows", path));
  return out;
}

}  // namespace

void add_signal_yields(CLI::App& app) {
  struct Opts {
    ModelInput in;
    std::string signals, output_file, test_poi = "1.0", threads = "0";
    std::vector<std::string> channels, signal_modifiers;
    bool gradient = false, list_regions = false;
    OptimizerChoice optimizer;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "signal-yields",
      "Many signal hypotheses on one background-only workspace (docs/reinterpretation.md): a signal sample\n"
      "whose per-bin yields are fixed parameters is added to the signal-region channels, the model is\n"
      "compiled once, and each row of --signals (one yield per signal-region bin, in the order\n"
      "--list-regions prints) gives q = -2 ln lambda(mu) at --test-poi (two-sided, mu_hat within the POI's\n"
      "bounds), mu_hat and the fits' status; with --gradient also dq/d(yields). Fits run in parallel.");
  o->in.add_to(cmd);
  cmd->add_option("--signals", o->signals, "Signal yields: a row per hypothesis, numbers separated by commas or "
                  "spaces, '#' comments, an optional header line");
  cmd->add_option("--channels", o->channels, "Signal-region channels (default: every channel)")
      ->delimiter(',')->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--signal-modifier", o->signal_modifiers,
                  "A modifier (JSON) added to the signal sample, e.g. '{\"name\": \"lumi\", \"type\": \"lumi\", "
                  "\"data\": null}' (repeatable)");
  cmd->add_option("--test-poi", o->test_poi, "The mu of -2 ln lambda(mu)")->capture_default_str();
  cmd->add_flag("--gradient", o->gradient, "Also the gradient of q in the yields");
  cmd->add_option("--threads", o->threads, "Threads (0: all cores)")->capture_default_str();
  cmd->add_flag("--list-regions", o->list_regions, "Print the signal-region bins, in the order of a row, and stop");
  cmd->add_option("-o,--output-file", o->output_file, "Write the JSON here instead of stdout");
  add_optimizer_option(cmd, o->optimizer);
  cmd->callback([o] {
    naming_workspace(o->in, [&] {
      const double test_poi = number_option("--test-poi", o->test_poi);
      const auto threads = static_cast<unsigned>(integer_option("--threads", o->threads, 0, 4096));
      const Workspace bkg = apply_patches(Workspace::load(o->in.workspace), o->in.patches);
      Json mods = Json::array();
      for (const auto& m : o->signal_modifiers) {
        Json j;
        try {
          j = Json::parse(m);
        } catch (const std::exception&) {
          throw Unsupported(fmt::format("--signal-modifier '{}': not JSON", m));
        }
        if (!j.is_object()) throw Unsupported(fmt::format("--signal-modifier '{}': expected a JSON object", m));
        mods.push_back(j);
      }
      const SignalYieldsWorkspace sy = signal_yields_workspace(bkg, o->channels, "", o->in.measurement, mods);
      Json regions = Json::array();
      for (const auto& [c, j] : sy.regions) regions.push_back(Json{{"channel", c}, {"bin", j}});
      if (o->list_regions) {
        write_json(Json{{"regions", regions}}, o->output_file);
        return;
      }
      if (o->signals.empty()) throw Unsupported("--signals FILE is required (or --list-regions)");
      ModelOptions mopts = o->in.model_options();
      mopts.measurement = sy.measurement;
      mopts.poi_name = sy.poi;
      const Model model = compile(sy.workspace, mopts);
      const std::vector<double> data = observed_data(sy.workspace, model);
      std::vector<std::size_t> yield_pars;
      for (const auto& name : sy.yield_parameters) {
        const auto [b, e] = model.par_slice(name);
        for (std::size_t k = b; k < e; ++k) yield_pars.push_back(k);
      }
      const std::vector<double> signals = read_signals(o->signals, yield_pars.size());
      SignalYieldsOptions so;
      so.poi_value = test_poi;
      so.gradients = o->gradient;
      so.threads = threads;
      so.fit = fit_options_for(o->optimizer);
      const auto points = profile_signal_yields(model, data, FitProblem::from_model(model), yield_pars, signals, so);
      Json hypotheses = Json::array();
      for (const auto& p : points) {
        Json h{{"status", std::string(to_string(p.status))}};
        if (p.status == FitStatus::converged) {
          h["q"] = p.q;
          h["mu_hat"] = p.mu_hat;
          h["nll_conditional"] = p.nll_conditional;
          h["nll_free"] = p.nll_free;
          if (o->gradient) h["gradient"] = numbers_or_null(p.gradient);
        } else {
          h["problem"] = "a fit did not converge; no q";
        }
        hypotheses.push_back(h);
      }
      write_json(Json{{"poi", sy.poi}, {"test_poi", test_poi}, {"regions", regions}, {"hypotheses", hypotheses}},
                 o->output_file);
    });
  });
}

}  // namespace hfx::cli
