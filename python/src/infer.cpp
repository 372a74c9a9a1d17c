// Fits, test statistics, hypothesis tests and upper limits for Python. Every call
// converts its inputs, releases the GIL for the numerical work, and returns plain dicts
// that the Python layer shapes into pyhf's return values.
#include "bindings.hpp"

#include "hfx/errors.hpp"
#include "hfx/infer.hpp"
#include "hfx/toys.hpp"

#include <fmt/format.h>

#include <cmath>

namespace hfxpy {

namespace {

py::dict fit_dict(const hfx::FitResult& r, std::size_t npars) {
  py::dict d;
  d["x"] = to_array(r.x);
  d["nll"] = r.nll;
  d["twice_nll"] = r.twice_nll();
  d["status"] = std::string(hfx::to_string(r.status));
  d["converged"] = r.converged();
  d["message"] = r.message;
  d["iterations"] = r.iterations;
  d["evaluations"] = r.evaluations;
  d["restarts"] = r.restarts;
  d["grad_norm"] = r.grad_norm;
  if (!r.uncertainties.empty()) d["uncertainties"] = to_array(r.uncertainties);
  if (r.correlations.size() == npars * npars && npars > 0) {
    auto c = to_array(r.correlations);
    d["correlations"] = c.reshape({static_cast<py::ssize_t>(npars), static_cast<py::ssize_t>(npars)});
  }
  return d;
}

py::list band(const hfx::Band& b) {
  py::list out;
  for (double v : b) out.append(v);
  return out;
}

// CLs, CLs+b, CLb and their expected bands: the same keys for asymptotic and toy results.
template <class Result>
void put_cls(py::dict& d, const Result& r) {
  d["cls"] = r.cls;
  d["clsb"] = r.clsb;
  d["clb"] = r.clb;
  d["cls_expected"] = band(r.cls_expected);
  d["clsb_expected"] = band(r.clsb_expected);
  d["clb_expected"] = band(r.clb_expected);
}

py::dict hypotest_dict(const hfx::HypotestResult& h, std::size_t npars) {
  py::dict d;
  d["poi"] = h.poi;
  put_cls(d, h);
  d["teststat"] = h.teststat;
  d["qmu"] = h.qmu;
  d["qmu_asimov"] = h.qmu_asimov;
  d["converged"] = h.all_converged();
  d["free_fit"] = fit_dict(h.free_fit, npars);
  d["fixed_fit"] = fit_dict(h.fixed_fit, npars);
  d["asimov_free_fit"] = fit_dict(h.asimov_free_fit, npars);
  d["asimov_fixed_fit"] = fit_dict(h.asimov_fixed_fit, npars);
  return d;
}

}  // namespace

// The fit options of a Python optimizer object (hfx.optimize): "scipy" reproduces pyhf's
// SLSQP fits with its tolerance (ftol) and maxiter; anything else is hfx's own minimizer,
// which takes maxiter as its iteration limit.
hfx::FitOptions fit_options(py::handle optimizer) {
  hfx::FitOptions o;
  if (optimizer.is_none()) return o;
  const bool scipy = py::str(py::getattr(optimizer, "name", py::str(""))).cast<std::string>() == "scipy";
  if (scipy) o.method = hfx::FitMethod::scipy;
  const py::object tol = py::getattr(optimizer, "tolerance", py::none());
  if (scipy && !tol.is_none()) {
    o.scipy_ftol = tol.cast<double>();
    if (!(o.scipy_ftol > 0 && std::isfinite(o.scipy_ftol)))
      throw py::value_error(fmt::format("optimizer tolerance: expected a finite number > 0, got {}", o.scipy_ftol));
  }
  const py::object maxiter = py::getattr(optimizer, "maxiter", py::none());
  if (!maxiter.is_none()) {
    const long n = maxiter.cast<long>();
    if (n < 1 || n > 1000000000) throw py::value_error(fmt::format("optimizer maxiter: expected 1 to 1e9, got {}", n));
    (scipy ? o.scipy_max_iterations : o.max_total_iterations) = static_cast<int>(n);
  }
  return o;
}

void init_infer(py::module_& m) {
  m.def(
      "toy_hypotest",
      [](double mu, const PyModel& pm, py::handle data, const std::string& test_stat, std::size_t ntoys,
         std::uint64_t seed, py::object init, py::object bounds, py::object fixed, py::object optimizer) {
        const hfx::Model& model = pm.model;
        finite_par(mu, "poi_test");
        if (ntoys == 0) throw hfx::InvalidPdfParameters("ntoys: expected at least 1 toy");
        const std::vector<double> d = to_vector(data, "data", ArgKind::data);
        check_data(model, d, "data");
        hfx::ToyOptions options;
        options.ntoys = ntoys;
        options.seed = seed;
        options.test_stat = hfx::test_statistic_from_string(test_stat);
        options.problem = make_problem(model, init, bounds, fixed);
        options.fit_options = fit_options(optimizer);
        hfx::ToyResult r;
        {
          py::gil_scoped_release release;
          r = hfx::toy_hypotest(mu, model, d, options);
        }
        py::dict out;
        out["converged"] = r.observed_fits_converged();
        out["fit_problem"] = r.observed_fit_problem();
        put_cls(out, r);
        out["teststat"] = r.teststat_obs;
        out["sb_teststats"] = to_array(r.sb_teststats);
        out["b_teststats"] = to_array(r.b_teststats);
        out["cls_problem"] = r.cls_problem;
        out["n_failed"] = r.n_failed();
        out["seed"] = r.seed;
        return out;
      },
      py::arg("poi_test"), py::arg("model"), py::arg("data"), py::arg("test_stat"), py::arg("ntoys"), py::arg("seed"),
      py::arg("init_pars") = py::none(), py::arg("par_bounds") = py::none(), py::arg("fixed_params") = py::none(),
      py::arg("optimizer") = py::none());

  m.def(
      "fit",
      [](const PyModel& pm, py::handle data, py::object init, py::object bounds, py::object fixed,
         std::optional<double> fixed_poi, bool uncertainties, bool correlations, py::object optimizer) {
        const hfx::Model& model = pm.model;
        const std::vector<double> d = to_vector(data, "data", ArgKind::data);
        check_data(model, d, "data");
        const hfx::FitProblem problem = make_problem(model, init, bounds, fixed);
        if (fixed_poi) finite_par(*fixed_poi, "poi_val");
        hfx::FitOptions options = fit_options(optimizer);
        options.uncertainties = uncertainties || correlations;
        options.correlations = correlations;
        hfx::FitResult r;
        {
          py::gil_scoped_release release;
          r = fixed_poi ? hfx::fixed_poi_fit(model, *fixed_poi, d, problem, options)
                        : hfx::fit(model, d, problem, options);
        }
        return fit_dict(r, model.npars());
      },
      py::arg("model"), py::arg("data"), py::arg("init_pars") = py::none(), py::arg("par_bounds") = py::none(),
      py::arg("fixed_params") = py::none(), py::arg("fixed_poi") = py::none(), py::arg("uncertainties") = false,
      py::arg("correlations") = false, py::arg("optimizer") = py::none());

  m.def(
      "test_statistic",
      [](const std::string& name, double mu, const PyModel& pm, py::handle data, py::object init, py::object bounds,
         py::object fixed, py::object optimizer) {
        const hfx::Model& model = pm.model;
        const hfx::TestStatistic ts = hfx::test_statistic_from_string(name);
        finite_par(mu, "mu");
        const std::vector<double> d = to_vector(data, "data", ArgKind::data);
        check_data(model, d, "data");
        const hfx::FitProblem problem = make_problem(model, init, bounds, fixed);
        hfx::TestStatResult r;
        const hfx::FitOptions options = fit_options(optimizer);
        {
          py::gil_scoped_release release;
          r = hfx::test_statistic(ts, mu, model, d, problem, options);
        }
        py::dict out;
        out["value"] = r.value;
        out["free_fit"] = fit_dict(r.free_fit, model.npars());
        out["fixed_fit"] = fit_dict(r.fixed_fit, model.npars());
        out["converged"] = r.free_fit.converged() && r.fixed_fit.converged();
        return out;
      },
      py::arg("test_stat"), py::arg("mu"), py::arg("model"), py::arg("data"), py::arg("init_pars") = py::none(),
      py::arg("par_bounds") = py::none(), py::arg("fixed_params") = py::none(), py::arg("optimizer") = py::none());

  m.def(
      "hypotest_scan",
      [](std::vector<double> mus, const PyModel& pm, py::handle data, const std::string& test_stat, py::object init,
         py::object bounds, py::object fixed, py::object optimizer) {
        const hfx::Model& model = pm.model;
        const hfx::TestStatistic ts = hfx::test_statistic_from_string(test_stat);
        for (double mu : mus) finite_par(mu, "poi_test");
        std::vector<double> d = to_vector(data, "data", ArgKind::data);
        check_data(model, d, "data");
        hfx::FitProblem problem = make_problem(model, init, bounds, fixed);
        std::vector<hfx::HypotestResult> results;
        const hfx::FitOptions options = fit_options(optimizer);
        {
          py::gil_scoped_release release;
          if (mus.size() == 1) {
            results.push_back(hfx::hypotest(mus[0], model, d, ts, &problem, options));
          } else {
            hfx::AsymptoticCalculator calc(model, std::move(d), ts, std::move(problem), options);
            for (double mu : mus) results.push_back(calc.hypotest(mu));
          }
        }
        py::list out;
        for (const auto& h : results) out.append(hypotest_dict(h, model.npars()));
        return out;
      },
      py::arg("mus"), py::arg("model"), py::arg("data"), py::arg("test_stat") = "qtilde",
      py::arg("init_pars") = py::none(), py::arg("par_bounds") = py::none(), py::arg("fixed_params") = py::none(),
      py::arg("optimizer") = py::none(),
      "Asymptotic hypothesis tests at each mu (one calculator, so mu-independent fits are made once).");

  m.def(
      "upper_limit",
      [](const PyModel& pm, py::handle data, double level, const std::string& test_stat, double rtol, py::object optimizer) {
        const hfx::Model& model = pm.model;
        const hfx::TestStatistic ts = hfx::test_statistic_from_string(test_stat);
        if (!(level > 0 && level < 1))
          throw py::value_error(fmt::format("level: expected a CLs level in (0, 1), got {}", level));
        if (!(rtol > 0 && std::isfinite(rtol)))
          throw py::value_error(fmt::format("rtol: expected a finite tolerance > 0, got {}", rtol));
        const std::vector<double> d = to_vector(data, "data", ArgKind::data);
        check_data(model, d, "data");
        hfx::UpperLimitResult r;
        const hfx::FitOptions options = fit_options(optimizer);
        {
          py::gil_scoped_release release;
          r = hfx::upper_limit(model, d, level, ts, rtol, options);
        }
        if (!r.fit_problems.empty())
          throw hfx::FailedMinimization(fmt::format("{} fit(s) behind the upper limit did not converge, first: {}",
                                                    r.fit_problems.size(), r.fit_problems.front()));
        // As pyhf, whose root finding is bracketed by the POI's bounds: a limit above the
        // upper bound is no limit.
        for (double v : {r.observed, r.expected[0], r.expected[1], r.expected[2], r.expected[3], r.expected[4]})
          if (r.above_bound(v))
            throw py::value_error(fmt::format(
                "upper_limit: a limit lies above the POI's upper bound {} (CLs stays above {} up to it); widen the "
                "POI's bounds",
                r.poi_upper_bound, level));
        py::dict out;
        out["observed"] = r.observed;
        out["expected"] = band(r.expected);
        out["hypotests"] = r.hypotests;
        py::list scan;
        for (auto [mu, cls] : r.scan) scan.append(py::make_tuple(mu, cls));
        out["scan"] = scan;
        return out;
      },
      py::arg("model"), py::arg("data"), py::arg("level") = 0.05, py::arg("test_stat") = "qtilde",
      py::arg("rtol") = 1e-6, py::arg("optimizer") = py::none());
}

}  // namespace hfxpy
