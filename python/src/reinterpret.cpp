// hfx.reinterpret's C++ side: many signal-yield hypotheses on one compiled model
// (include/hfx/reinterpret.hpp), with the GIL released while they fit.
#include "bindings.hpp"

#include "hfx/reinterpret.hpp"

#include <pybind11/stl.h>

#include <set>

namespace hfxpy {

void init_reinterpret_combine(py::module_& m);
void init_reinterpret_simplify(py::module_& m);

void init_reinterpret(py::module_& m) {
  init_reinterpret_combine(m);
  init_reinterpret_simplify(m);
  m.def(
      "profile_signal_yields",
      [](const PyModel& pm, py::handle data, std::vector<std::size_t> yield_pars, py::array_t<double, py::array::c_style | py::array::forcecast> signals,
         double poi_value, bool gradients, unsigned threads, py::object init, py::object bounds, py::object fixed,
         py::object optimizer) {
        std::vector<double> d = to_vector(data, "data", ArgKind::data);
        check_data(pm.model, d, "data");
        const hfx::FitProblem problem = make_problem(pm.model, init, bounds, fixed);
        hfx::SignalYieldsOptions options;
        options.poi_value = poi_value;
        options.gradients = gradients;
        options.threads = threads;
        options.fit = fit_options(optimizer);
        const std::span<const double> s(signals.data(), static_cast<std::size_t>(signals.size()));
        std::vector<hfx::SignalYieldsPoint> r;
        {
          py::gil_scoped_release release;
          r = hfx::profile_signal_yields(pm.model, d, problem, yield_pars, s, options);
        }
        const std::size_t K = r.size(), n = yield_pars.size();
        std::vector<double> q(K), mu_hat(K), nll_cond(K), nll_free(K), grad(gradients ? K * n : 0);
        py::list status;
        for (std::size_t k = 0; k < K; ++k) {
          q[k] = r[k].q;
          mu_hat[k] = r[k].mu_hat;
          nll_cond[k] = r[k].nll_conditional;
          nll_free[k] = r[k].nll_free;
          status.append(std::string(hfx::to_string(r[k].status)));
          for (std::size_t j = 0; j < n && gradients; ++j) grad[k * n + j] = r[k].gradient[j];
        }
        py::dict out;
        out["q"] = to_array(q);
        out["mu_hat"] = to_array(mu_hat);
        out["nll_conditional"] = to_array(nll_cond);
        out["nll_free"] = to_array(nll_free);
        out["status"] = status;
        if (gradients) out["gradient"] = to_array(grad).attr("reshape")(K, n);
        return out;
      },
      py::arg("model"), py::arg("data"), py::arg("yield_pars"), py::arg("signals"), py::arg("poi_value") = 1.0,
      py::arg("gradients") = false, py::arg("threads") = 0u, py::arg("init_pars") = py::none(),
      py::arg("par_bounds") = py::none(), py::arg("fixed_params") = py::none(), py::arg("optimizer") = py::none());
}

void init_reinterpret_combine(py::module_& m) {
  m.def(
      "combine_analyses",
      [](std::vector<const hfx::Workspace*> workspaces, std::vector<std::string> labels, std::vector<std::string> measurements,
         const std::string& poi, std::set<std::string> correlated) {
        std::vector<hfx::Analysis> analyses;
        for (std::size_t k = 0; k < workspaces.size(); ++k)
          analyses.push_back(hfx::Analysis{*workspaces[k], labels.at(k), measurements.at(k)});
        py::gil_scoped_release release;
        return hfx::combine_analyses(analyses, poi, correlated);
      },
      py::arg("workspaces"), py::arg("labels"), py::arg("measurements"), py::arg("poi"), py::arg("correlated"));
}

void init_reinterpret_simplify(py::module_& m) {
  m.attr("SIGNAL_YIELDS_SAMPLE") = hfx::kSignalYieldsSample;
  m.def(
      "signal_yields_workspace",
      [](const hfx::Workspace& ws, std::vector<std::string> channels, const std::string& poi, const std::string& measurement,
         const std::string& signal_modifiers) {
        hfx::SignalYieldsWorkspace w = hfx::signal_yields_workspace(ws, channels, poi, measurement, hfx::Json::parse(signal_modifiers));
        return py::make_tuple(std::move(w.workspace), w.poi, w.measurement, w.regions, w.yield_parameters);
      },
      py::arg("workspace"), py::arg("channels"), py::arg("poi"), py::arg("measurement"), py::arg("signal_modifiers"));
  m.def(
      "simplified_likelihood_document",
      [](std::vector<double> observed, std::vector<double> background, std::vector<double> covariance,
         std::vector<double> third_moments, std::vector<double> signal, std::string name, std::string poi,
         std::pair<double, double> poi_bounds) {
        hfx::SimplifiedLikelihoodSpec spec{std::move(observed), std::move(background), std::move(covariance),
                                           std::move(third_moments), std::move(signal), std::move(name),
                                           std::move(poi), "", poi_bounds};
        return hfx::simplified_likelihood_document(spec).dump();
      },
      py::arg("observed"), py::arg("background"), py::arg("covariance"), py::arg("third_moments"), py::arg("signal"),
      py::arg("name"), py::arg("poi"), py::arg("poi_bounds"));
  m.def(
      "simplify",
      [](const hfx::Workspace& ws, const std::string& form, std::size_t components, std::vector<std::string> signal_regions,
         bool fit_all_regions, std::size_t samples, std::uint64_t seed, const std::string& measurement) {
        hfx::SimplifyOptions o;
        if (form != "histfactory" && form != "covariance")
          throw py::value_error("form: expected 'histfactory' or 'covariance', got '" + form + "'");
        o.form = form == "histfactory" ? hfx::SimplifiedForm::histfactory : hfx::SimplifiedForm::covariance;
        o.components = components;
        o.signal_regions = std::move(signal_regions);
        o.fit_all_regions = fit_all_regions;
        o.samples = samples;
        o.seed = seed;
        o.model.measurement = measurement;
        hfx::SimplifiedLikelihood sl = [&] {
          py::gil_scoped_release release;
          return hfx::simplify(ws, o);
        }();
        std::string info = hfx::simplify_summary(sl, o.form).dump();
        return py::make_tuple(std::move(sl.workspace), info);
      },
      py::arg("workspace"), py::arg("form"), py::arg("components"), py::arg("signal_regions"), py::arg("fit_all_regions"),
      py::arg("samples"), py::arg("seed"), py::arg("measurement"));
}

}  // namespace hfxpy
