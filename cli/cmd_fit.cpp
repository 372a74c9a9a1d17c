// `hfx fit`: maximum-likelihood fit (pyhf fit's options and JSON keys, plus status,
// uncertainties and correlations).
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/errors.hpp"
#include "hfx/fit.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <span>

namespace hfx::cli {

namespace {
// Up to this many parameters `hfx fit` prints the correlation matrix by default (a
// million numbers); beyond, only when asked.
constexpr std::size_t kAutoCorrelations = 1000;
}  // namespace

void add_fit(CLI::App& app) {
  struct Opts {
    ModelInput in;
    std::string output_file;
    bool value = false, table = false, correlations = false, no_correlations = false, no_uncertainties = false;
    std::vector<std::string> fix, pois;
    OptimizerChoice optimizer;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("fit", "Perform a maximum likelihood fit for a given pyhf workspace.\n"
                                        "JSON keys as `pyhf fit` (mle_parameters, twice_nll with --value) plus status, "
                                        "uncertainties, correlations (up to 1000 parameters unless --correlations), "
                                        "iterations and evaluations.");
  o->in.add_to(cmd);
  cmd->add_option("--output-file", o->output_file, "Write the JSON result here instead of stdout");
  cmd->add_flag("--value", o->value, "Include the fitted value of the objective (twice_nll)");
  cmd->add_option("--fix", o->fix, "Fix a parameter: NAME=VALUE (repeatable)");
  cmd->add_option("--poi", o->pois,
                  "Parameters of interest to report together: NAME[,NAME...] (repeatable): their best fits, "
                  "uncertainties and correlation matrix under \"pois\" (all parameters are fitted either way)")
      ->delimiter(',');
  cmd->add_flag("--table", o->table, "Print a readable table instead of JSON");
  cmd->add_flag("--correlations", o->correlations,
                "Include the correlation matrix whatever the model's size (by default it is included up to "
                "1000 parameters: it has npars^2 numbers)");
  cmd->add_flag("--no-correlations", o->no_correlations, "Leave the correlation matrix out")->excludes("--correlations");
  cmd->add_flag("--no-uncertainties", o->no_uncertainties,
                "Leave out uncertainties and correlations (no Hessian at the minimum: on models with thousands of "
                "parameters per channel the Hessian's inverse costs more than the fit)")
      ->excludes("--correlations");
  add_optimizer_option(cmd, o->optimizer);
  cmd->callback([o] {
    naming_workspace(o->in, [&] {
      LoadedModel lm = load_model(o->in);
      const Model& m = *lm.model;
      FitProblem prob = FitProblem::from_model(m);
      for (const auto& f : o->fix) {
        const auto eq = f.find('=');
        if (eq == std::string::npos) throw Unsupported(fmt::format("--fix '{}': expected NAME=VALUE", f));
        const std::string name = f.substr(0, eq);
        const std::size_t i = parameter_index("--fix", m, name);
        prob.init[i] = number_option("--fix " + name, f.substr(eq + 1));
        require_within_bounds("--fix " + name + " =", prob.init[i], m, i);
        prob.fixed[i] = true;
      }
      std::vector<std::size_t> poi_index;
      for (const std::string& name : o->pois) {
        const std::size_t i = parameter_index("--poi", m, name);
        if (std::find(poi_index.begin(), poi_index.end(), i) != poi_index.end())
          throw Unsupported(fmt::format("--poi: '{}' given twice", name));
        poi_index.push_back(i);
      }
      if (!poi_index.empty() && o->no_uncertainties) throw Unsupported("--poi reports uncertainties and correlations: drop --no-uncertainties");
      FitOptions opts = fit_options_for(o->optimizer);
      opts.uncertainties = !o->no_uncertainties;
      // The whole matrix is printed only up to kAutoCorrelations parameters unless asked;
      // --poi needs the matrix for its own rows either way.
      const bool full_correlations =
          opts.uncertainties && !o->table && !o->no_correlations && (o->correlations || m.npars() <= kAutoCorrelations);
      opts.correlations = full_correlations || !poi_index.empty();
      const FitResult r = fit(m, lm.data, prob, opts);
      if (!r.converged())
        throw FailedMinimization(fmt::format("the fit did not converge ({}: {}); no result printed", to_string(r.status), r.message));
      Json pars = Json::object(), errs = Json::object();
      for (const auto& p : m.parameter_sets()) {
        pars[p.name] = std::vector<double>(r.x.begin() + p.offset, r.x.begin() + p.offset + p.size);
        if (opts.uncertainties) errs[p.name] = numbers_or_null(std::span(r.uncertainties).subspan(p.offset, p.size));
      }
      const std::size_t np = m.npars();
      const auto correlation = [&](std::size_t i, std::size_t j) { return r.correlations[i * np + j]; };
      if (o->table) {
        std::string t = fmt::format("status: {}   twice_nll: {:.10g}   iterations: {}   evaluations: {}\n\n", to_string(r.status),
                                    r.twice_nll(), r.iterations, r.evaluations);
        if (!poi_index.empty()) {
          t += "parameters of interest:\n";
          for (const std::size_t i : poi_index)
            t += fmt::format("  {:<30} {:>14.6g} +- {:<12.4g}\n", m.par_names()[i], r.x[i], r.uncertainties[i]);
          t += "correlations:\n";
          for (const std::size_t i : poi_index) {
            t += fmt::format("  {:<30}", m.par_names()[i]);
            for (const std::size_t j : poi_index) t += fmt::format(" {:>8.4f}", correlation(i, j));
            t += "\n";
          }
          t += "\n";
        }
        t += fmt::format("{:<50} {:>14} {:>12}\n", "parameter", "value", "uncertainty");
        for (std::size_t i = 0; i < m.npars(); ++i)
          t += fmt::format("{:<50} {:>14.6g} {:>12}{}\n", m.par_names()[i], r.x[i],
                           !opts.uncertainties || std::isnan(r.uncertainties[i]) ? std::string("none")
                                                                                  : fmt::format("{:.4g}", r.uncertainties[i]),
                           prob.fixed[i] ? "  (fixed)" : "");
        write_text(t, o->output_file);
        return;
      }
      Json out = Json::object();
      out["mle_parameters"] = pars;
      if (o->value) out["twice_nll"] = r.twice_nll();
      if (opts.uncertainties) out["uncertainties"] = errs;
      const bool no_covariance = std::any_of(r.uncertainties.begin(), r.uncertainties.end(), [](double u) { return std::isnan(u); });
      if (no_covariance)
        out["uncertainties_problem"] = "the Hessian at the minimum is singular or not positive definite: no covariance";
      out["status"] = std::string(to_string(r.status));
      out["iterations"] = r.iterations;
      out["evaluations"] = r.evaluations;
      out["projected_gradient_norm"] = r.grad_norm;
      out["par_names"] = m.par_names();
      if (!poi_index.empty()) {
        Json names = Json::array(), best = Json::array(), unc = Json::array(), c = Json::array();
        for (const std::size_t i : poi_index) {
          names.push_back(m.par_names()[i]);
          best.push_back(r.x[i]);
          unc.push_back(number_or_null(r.uncertainties[i]));
          Json row = Json::array();
          for (const std::size_t j : poi_index) row.push_back(number_or_null(correlation(i, j)));
          c.push_back(std::move(row));
        }
        out["pois"] = Json{{"names", names}, {"bestfit", best}, {"uncertainties", unc}, {"correlations", c}};
      }
      if (full_correlations) {
        Json corr = Json::array();
        for (std::size_t i = 0; i < m.npars(); ++i)
          corr.push_back(numbers_or_null(std::span(r.correlations).subspan(i * m.npars(), m.npars())));
        out["correlations"] = corr;
      } else if (opts.uncertainties && !o->no_correlations) {
        out["correlations_note"] = fmt::format("left out for {} parameters (more than {}); --correlations includes them",
                                               m.npars(), kAutoCorrelations);
      }
      write_json(out, o->output_file);
    });
  });
}

}  // namespace hfx::cli
