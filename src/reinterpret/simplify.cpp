// simplify, covariance form: full workspace -> SLv1/SLv2 simplified likelihood of its signal regions.
#include "simplify_forms.hpp"

#include "hfx/diagnostics.hpp"
#include "hfx/errors.hpp"
#include "hfx/evaluator.hpp"
#include "hfx/reinterpret.hpp"

#include <Eigen/Dense>
#include <Eigen/Eigenvalues>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

namespace hfx {

namespace {

// ATLAS and CMS name regions SR..., CR..., VR...; "CRISR" is a control region.
bool looks_like_signal_region(const std::string& name) {
  return name.size() >= 2 && std::toupper(static_cast<unsigned char>(name[0])) == 'S' &&
         std::toupper(static_cast<unsigned char>(name[1])) == 'R';
}

// The signal-region yields' mean, covariance and third central moments over samples of
// the parameters from N(x, C) (clamped to their bounds).
void sample_moments(const Model& model, const std::vector<double>& x, const Eigen::MatrixXd& C,
                    const std::vector<std::size_t>& rows, const SimplifyOptions& options, SimplifiedLikelihood& out) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(C);
  const Eigen::VectorXd& lambda = eig.eigenvalues();
  std::vector<Eigen::Index> dirs;
  for (Eigen::Index k = 0; k < lambda.size(); ++k)
    if (lambda[k] > 1e-14 * std::max(1.0, lambda.maxCoeff())) dirs.push_back(k);
  Eigen::MatrixXd A(C.rows(), static_cast<Eigen::Index>(dirs.size()));
  for (std::size_t k = 0; k < dirs.size(); ++k) A.col(static_cast<Eigen::Index>(k)) = eig.eigenvectors().col(dirs[k]) * std::sqrt(lambda[dirs[k]]);
  const std::size_t n = rows.size(), N = options.samples;
  const auto bounds = model.suggested_bounds();
  Evaluator ev(model);
  std::mt19937_64 rng(options.seed);
  std::normal_distribution<double> normal;
  Eigen::VectorXd z(static_cast<Eigen::Index>(dirs.size()));
  std::vector<double> y(N * n), p(x.size());
  for (std::size_t s = 0; s < N; ++s) {
    for (Eigen::Index k = 0; k < z.size(); ++k) z[k] = normal(rng);
    const Eigen::VectorXd shift = A * z;
    for (std::size_t i = 0; i < x.size(); ++i)
      p[i] = std::clamp(x[i] + shift[static_cast<Eigen::Index>(i)], bounds[i].first, bounds[i].second);
    const auto rates = ev.expected_main(p);
    for (std::size_t r = 0; r < n; ++r) y[s * n + r] = rates[rows[r]];
  }
  std::vector<double> mean(n, 0.0);
  for (std::size_t s = 0; s < N; ++s)
    for (std::size_t r = 0; r < n; ++r) mean[r] += y[s * n + r] / static_cast<double>(N);
  out.third_moments.assign(n, 0.0);
  for (std::size_t s = 0; s < N; ++s)
    for (std::size_t i = 0; i < n; ++i) {
      const double di = y[s * n + i] - mean[i];
      out.third_moments[i] += di * di * di / static_cast<double>(N);
      for (std::size_t j = 0; j <= i; ++j) out.covariance[i * n + j] += di * (y[s * n + j] - mean[j]) / static_cast<double>(N - 1);
    }
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) out.covariance[j * n + i] = out.covariance[i * n + j];
  out.background = mean;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = out.covariance[i * n + i];
    const double bound = std::sqrt(8 * v * v * v);
    if (std::abs(out.third_moments[i]) > bound) {
      out.third_moments[i] = std::copysign(0.999 * bound, out.third_moments[i]);
      ++out.clipped_third_moments;
    }
  }
}

}  // namespace

SimplifiedLikelihood simplify(const Workspace& ws, const SimplifyOptions& options) {
  return options.form == SimplifiedForm::histfactory ? detail::simplify_histfactory(ws, options)
                                                     : detail::simplify_covariance(ws, options);
}

SimplifiedLikelihood detail::simplify_covariance(const Workspace& ws, const SimplifyOptions& options) {
  const ModelOptions& mopts = options.model;
  const Model model = compile(ws, mopts);
  const auto poi = model.poi_index();
  if (!poi) throw InvalidWorkspaceOperation("simplify: the model has no POI (the signal is the POI's sample)");
  const std::vector<double> data = observed_data(ws, model);
  std::vector<std::string> srs = options.signal_regions;
  if (srs.empty())
    for (const auto& c : model.channels())
      if (looks_like_signal_region(c)) srs.push_back(c);
  if (srs.empty()) throw InvalidWorkspaceOperation("simplify: no channel name starts with 'SR'; name the signal regions");
  if (options.samples == 1) throw InvalidWorkspaceOperation("simplify: moments need at least 2 samples (or 0: none)");
  for (const auto& c : srs)
    if (std::find(model.channels().begin(), model.channels().end(), c) == model.channels().end())
      throw InvalidWorkspaceOperation(fmt::format("simplify: '{}' is not a channel of the workspace", c));

  SimplifiedLikelihood out{.workspace = ws};
  const std::size_t npars = model.npars();
  std::vector<double> x = model.suggested_init();
  x[*poi] = 0;
  Eigen::MatrixXd C = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(npars), static_cast<Eigen::Index>(npars));
  std::vector<bool> from_fit(npars, false);
  // The background-only fit to the control regions.
  for (const auto& c : model.channels())
    if (std::find(srs.begin(), srs.end(), c) == srs.end()) out.control_regions.push_back(c);
  if (!out.control_regions.empty() || options.fit_all_regions) {
    PruneOptions prune;
    if (!options.fit_all_regions) prune.channels = srs;
    const Workspace cr = options.fit_all_regions ? ws : ws.prune(prune);
    ModelOptions cr_opts = mopts;
    cr_opts.poi_name = std::string();  // the POI may not act in the control regions
    const Model cm = compile(cr, cr_opts);
    FitProblem problem = FitProblem::from_model(cm);
    for (std::size_t i = 0; i < cm.npars(); ++i)
      if (cm.par_names()[i] == model.par_names()[*poi]) problem = problem.with_fixed(i, 0.0);
    FitOptions fo = options.fit;
    fo.uncertainties = fo.correlations = true;
    const FitResult f = fit(cm, observed_data(cr, cm), problem, fo);
    if (!f.converged())
      throw InvalidWorkspaceOperation(fmt::format("simplify: the background-only fit did not converge ({})", f.message));
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < npars; ++i) index.emplace(model.par_names()[i], i);
    std::vector<std::size_t> full(cm.npars());
    for (std::size_t i = 0; i < cm.npars(); ++i) {
      full[i] = index.at(cm.par_names()[i]);
      x[full[i]] = f.x[i];
      from_fit[full[i]] = true;
    }
    const std::size_t m = cm.npars();
    for (std::size_t i = 0; i < m; ++i)
      for (std::size_t j = 0; j < m; ++j) {
        const double si = f.uncertainties[i], sj = f.uncertainties[j];
        C(static_cast<Eigen::Index>(full[i]), static_cast<Eigen::Index>(full[j])) =
            si == 0 || sj == 0 ? 0.0 : f.correlations[i * m + j] * si * sj;
      }
  }
  // Parameters the control regions do not see: their constraints' prior widths.
  const std::vector<bool> fixed = model.suggested_fixed();
  const std::vector<double> widths = prefit_uncertainties(model, FitProblem::from_model(model));
  for (std::size_t k = 0; k < npars; ++k) {
    if (from_fit[k] || fixed[k] || k == *poi) continue;
    if (widths[k] == 0)  // unconstrained
      throw InvalidWorkspaceOperation(fmt::format("simplify: the free parameter '{}' acts only in the signal regions, so "
                                                  "no background-only fit determines it; give control regions that do",
                                                  model.par_names()[k]));
    C(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(k)) = widths[k] * widths[k];
  }
  // The signal regions' bins.
  std::vector<std::size_t> rows;
  std::size_t offset = 0;
  for (std::size_t c = 0; c < model.channels().size(); ++c) {
    if (std::find(srs.begin(), srs.end(), model.channels()[c]) != srs.end())
      for (std::size_t j = 0; j < model.channel_nbins()[c]; ++j) {
        rows.push_back(offset + j);
        out.regions.emplace_back(model.channels()[c], j);
      }
    offset += model.channel_nbins()[c];
  }
  const std::size_t n = rows.size();
  const std::vector<double> b = model.expected_actualdata(x);
  std::vector<double> x1 = x;
  x1[*poi] = 1.0;
  const std::vector<double> sb = model.expected_actualdata(x1);
  for (std::size_t r = 0; r < n; ++r) {
    out.observed.push_back(data[rows[r]]);
    out.background.push_back(b[rows[r]]);
    out.signal.push_back(sb[rows[r]] - b[rows[r]]);
  }
  out.covariance.assign(n * n, 0.0);
  if (options.samples == 0) {
    Evaluator ev(model);
    std::vector<double> jac(model.nmaindata() * npars);
    ev.jacobian(x, jac);
    Eigen::MatrixXd J(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(npars));
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t k = 0; k < npars; ++k) J(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(k)) = jac[rows[r] * npars + k];
    const Eigen::MatrixXd S = J * C * J.transpose();
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j)
        out.covariance[i * n + j] = 0.5 * (S(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) +
                                           S(static_cast<Eigen::Index>(j), static_cast<Eigen::Index>(i)));
  } else {
    sample_moments(model, x, C, rows, options, out);
  }
  // The workspace.
  SimplifiedLikelihoodSpec spec{out.observed,  out.background,   out.covariance,
                                out.third_moments, out.signal, "SR",
                                *model.poi_name(), "simplified", model.suggested_bounds()[*poi]};
  Json doc = simplified_likelihood_document(spec);
  try {
    out.workspace = Workspace(std::move(doc));
    (void)compile(out.workspace);  // the covariance's checks
  } catch (const InvalidSpecification& e) {
    throw InvalidWorkspaceOperation(fmt::format("simplify: the derived simplified likelihood is not valid: {}", e.what()));
  }
  return out;
}

Json simplify_summary(const SimplifiedLikelihood& sl, SimplifiedForm form) {
  Json out{{"form", form == SimplifiedForm::histfactory ? "histfactory" : "covariance"}};
  if (form == SimplifiedForm::histfactory) {
    Json groups = Json::array();
    for (const auto& g : sl.groups) groups.push_back(Json{{"name", g.name}, {"samples", g.samples}, {"normalisations", g.normalisations}});
    out["groups"] = groups;
    out["components"] = sl.components;
    out["variance_kept"] = sl.variance_kept;
    out["dropped_bins"] = sl.dropped_bins;
    out["multiplicative_responses"] = sl.multiplicative_responses;
    out["additive_responses"] = sl.additive_responses;
    return out;
  }
  Json regions = Json::array();
  for (const auto& [c, j] : sl.regions) regions.push_back(Json{{"channel", c}, {"bin", j}});
  out["signal_regions"] = regions;
  out["control_regions"] = sl.control_regions;
  out["observed"] = sl.observed;
  out["background"] = sl.background;
  out["signal"] = sl.signal;
  out["version"] = sl.third_moments.empty() ? "SLv1" : "SLv2";
  if (!sl.third_moments.empty()) {
    out["third_moments"] = sl.third_moments;
    out["clipped_third_moments"] = sl.clipped_third_moments;
  }
  return out;
}

Json simplified_likelihood_document(const SimplifiedLikelihoodSpec& spec) {
  const std::size_t n = spec.observed.size();
  auto check = [&](const char* what, std::size_t size, std::size_t want) {
    if (size != want)
      throw InvalidWorkspaceOperation(fmt::format("simplified likelihood: {}: expected {} numbers, got {}", what, want, size));
  };
  check("background", spec.background.size(), n);
  check("covariance", spec.covariance.size(), n * n);
  if (!spec.third_moments.empty()) check("third_moments", spec.third_moments.size(), n);
  const std::vector<double> signal = spec.signal.empty() ? std::vector<double>(n, 0.0) : spec.signal;
  check("signal", signal.size(), n);
  Json cov = Json::array();
  for (std::size_t i = 0; i < n; ++i)
    cov.push_back(Json(std::vector<double>(spec.covariance.begin() + static_cast<std::ptrdiff_t>(i * n),
                                           spec.covariance.begin() + static_cast<std::ptrdiff_t>((i + 1) * n))));
  Json data{{"covariance", cov}};
  if (!spec.third_moments.empty()) data["third_moments"] = spec.third_moments;
  auto modifier = [](const std::string& name, const char* type, Json d) {
    return Json{{"name", name}, {"type", type}, {"data", std::move(d)}};
  };
  Json background{{"name", "background"}, {"data", spec.background},
                  {"modifiers", Json::array({modifier(spec.name + "_theta", "hfx_simplified", data)})}};
  Json sig{{"name", "signal"}, {"data", signal}, {"modifiers", Json::array({modifier(spec.poi, "normfactor", nullptr)})}};
  Json poi_config{{"name", spec.poi},
                  {"bounds", Json::array({Json::array({spec.poi_bounds.first, spec.poi_bounds.second})})},
                  {"inits", Json::array({std::clamp(1.0, spec.poi_bounds.first, spec.poi_bounds.second)})}};
  return Json{{"channels", Json::array({Json{{"name", spec.name}, {"samples", Json::array({background, sig})}}})},
              {"observations", Json::array({Json{{"name", spec.name}, {"data", spec.observed}}})},
              {"measurements", Json::array({Json{{"name", spec.measurement.empty() ? spec.name : spec.measurement},
                                                 {"config", Json{{"poi", spec.poi}, {"parameters", Json::array({poi_config})}}}}})},
              {"version", "1.0.0"}};
}

}  // namespace hfx
