// hfx.diagnostics' and hfx.viz's C++ side: pulls, ranking, profile scans and pruned
// correlations (include/hfx/diagnostics.hpp), their pictures (plots.hpp) and the report
// page (report.hpp), with the GIL released while they fit.
#include "bindings.hpp"

#include "hfx/diagnostics.hpp"
#include "hfx/errors.hpp"
#include "hfx/plots.hpp"
#include "hfx/report.hpp"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <limits>
#include <optional>

namespace hfxpy {

namespace {
std::vector<double> data_vector(const hfx::Model& model, py::handle data) {
  std::vector<double> d = to_vector(data, "data", ArgKind::data);
  check_data(model, d, "data");
  return d;
}
}  // namespace

void init_diagnostics(py::module_& m) {
  m.def(
      "pulls",
      [](const PyModel& pm, py::handle data, py::object init, py::object bounds, py::object fixed, py::object optimizer,
         bool plot) {
        const auto d = data_vector(pm.model, data);
        const hfx::FitProblem problem = make_problem(pm.model, init, bounds, fixed);
        const hfx::FitOptions options = fit_options(optimizer);
        hfx::PullsResult r;
        {
          py::gil_scoped_release release;
          r = hfx::pulls(pm.model, d, problem, options);
        }
        std::vector<double> cols[6];
        py::list names;
        for (const auto& e : r.parameters) {
          names.append(e.name);
          for (auto [k, v] : {std::pair{0, e.prefit}, {1, e.prefit_uncertainty}, {2, e.bestfit}, {3, e.uncertainty}, {4, e.pull}, {5, e.constraint}})
            cols[k].push_back(v);
        }
        py::dict out;
        out["labels"] = names;
        const char* keys[6] = {"prefit", "prefit_uncertainty", "bestfit", "uncertainty", "pull", "constraint"};
        for (int k = 0; k < 6; ++k) out[keys[k]] = to_array(cols[k]);
        out["twice_nll"] = r.fit.twice_nll();
        if (plot) out["svg"] = hfx::pulls_svg(r);
        return out;
      },
      py::arg("model"), py::arg("data"), py::arg("init_pars") = py::none(), py::arg("par_bounds") = py::none(),
      py::arg("fixed_params") = py::none(), py::arg("optimizer") = py::none(), py::arg("plot") = false);

  m.def(
      "ranking",
      [](const PyModel& pm, py::handle data, py::object init, py::object bounds, py::object fixed, py::object optimizer,
         unsigned threads, std::size_t plot_top) {
        const auto d = data_vector(pm.model, data);
        const hfx::FitProblem problem = make_problem(pm.model, init, bounds, fixed);
        const hfx::FitOptions options = fit_options(optimizer);
        hfx::RankingResult r;
        {
          py::gil_scoped_release release;
          r = hfx::ranking(pm.model, d, problem, options, threads);
        }
        py::list entries;
        for (const auto& e : r.impacts) {
          py::dict x;
          x["name"] = e.name;
          x["bestfit"] = e.bestfit;
          x["uncertainty"] = e.uncertainty;
          x["prefit_up"] = e.prefit_up;
          x["prefit_down"] = e.prefit_down;
          x["postfit_up"] = e.postfit_up;
          x["postfit_down"] = e.postfit_down;
          x["problem"] = e.problem;
          entries.append(x);
        }
        py::dict out;
        out["impacts"] = entries;
        out["bestfit"] = to_array(r.nominal.x);
        out["uncertainty"] = to_array(r.nominal.uncertainties);
        if (plot_top > 0) out["svg"] = hfx::ranking_svg(r, plot_top);
        return out;
      },
      py::arg("model"), py::arg("data"), py::arg("init_pars") = py::none(), py::arg("par_bounds") = py::none(),
      py::arg("fixed_params") = py::none(), py::arg("optimizer") = py::none(), py::arg("threads") = 0u,
      py::arg("plot_top") = 0);

  m.def(
      "profile_scan_2d",
      [](const PyModel& pm, py::handle data, std::size_t px, std::size_t py_, std::optional<std::array<double, 4>> ranges,
         std::size_t nx, std::size_t ny, unsigned threads, py::object init, py::object bounds, py::object fixed,
         py::object optimizer, bool plot) {
        const auto d = data_vector(pm.model, data);
        const hfx::FitProblem problem = make_problem(pm.model, init, bounds, fixed);
        const hfx::FitOptions options = fit_options(optimizer);
        const double nan = std::numeric_limits<double>::quiet_NaN();
        std::array<double, 2> lo{nan, nan}, hi{nan, nan};
        if (ranges) lo = {(*ranges)[0], (*ranges)[2]}, hi = {(*ranges)[1], (*ranges)[3]};
        hfx::ProfileScan2D s;
        {
          py::gil_scoped_release release;
          s = hfx::profile_scan_2d(pm.model, d, problem, {px, py_}, lo, hi, {nx, ny}, options, threads);
        }
        py::list contours;
        for (const auto& c : s.contours) {
          py::list lines;
          for (const auto& line : c.lines) {
            std::vector<double> xy;
            for (const auto& q : line) xy.insert(xy.end(), {q.x, q.y});
            lines.append(to_array(xy).attr("reshape")(-1, 2));
          }
          py::dict x;
          x["cl"] = c.cl;
          x["level"] = c.level;
          x["lines"] = lines;
          contours.append(x);
        }
        py::dict out;
        out["names"] = py::make_tuple(s.parameters[0], s.parameters[1]);
        out["bestfit"] = py::make_tuple(s.best.x[px], s.best.x[py_]);
        out["uncertainty"] = py::make_tuple(s.best.uncertainties[px], s.best.uncertainties[py_]);
        out["x"] = to_array(s.x);
        out["y"] = to_array(s.y);
        out["delta_nlls"] = to_array(s.delta_twice_nll).attr("reshape")(s.y.size(), s.x.size());
        out["contours"] = contours;
        out["problems"] = s.problems;
        if (plot) out["svg"] = hfx::profile2d_svg(s);
        return out;
      },
      py::arg("model"), py::arg("data"), py::arg("x"), py::arg("y"), py::arg("ranges") = py::none(), py::arg("nx") = 21,
      py::arg("ny") = 21, py::arg("threads") = 0u, py::arg("init_pars") = py::none(), py::arg("par_bounds") = py::none(),
      py::arg("fixed_params") = py::none(), py::arg("optimizer") = py::none(), py::arg("plot") = false);

  m.def(
      "profile_scan",
      [](const PyModel& pm, py::handle data, std::size_t parameter, std::optional<double> lo, std::optional<double> hi,
         std::size_t points, py::object init, py::object bounds, py::object fixed, py::object optimizer, bool plot) {
        const auto d = data_vector(pm.model, data);
        const hfx::FitProblem problem = make_problem(pm.model, init, bounds, fixed);
        const hfx::FitOptions options = fit_options(optimizer);
        const double nan = std::numeric_limits<double>::quiet_NaN();
        hfx::ProfileScan s;
        {
          py::gil_scoped_release release;
          s = hfx::profile_scan(pm.model, d, problem, parameter, lo.value_or(nan), hi.value_or(nan), points, options);
        }
        py::list intervals;
        for (const auto& iv : s.intervals) {
          py::dict x;
          x["cl"] = iv.cl;
          x["level"] = iv.level;
          x["low"] = iv.low;
          x["high"] = iv.high;
          intervals.append(x);
        }
        py::dict out;
        out["name"] = s.parameter;
        out["bestfit"] = s.best.x[parameter];
        out["uncertainty"] = s.best.uncertainties[parameter];
        out["parameter_values"] = to_array(s.values);
        out["delta_nlls"] = to_array(s.delta_twice_nll);
        out["intervals"] = intervals;
        out["problems"] = s.problems;
        if (plot) out["svg"] = hfx::profile_svg(s);
        return out;
      },
      py::arg("model"), py::arg("data"), py::arg("parameter"), py::arg("low") = py::none(), py::arg("high") = py::none(),
      py::arg("points") = 11, py::arg("init_pars") = py::none(), py::arg("par_bounds") = py::none(),
      py::arg("fixed_params") = py::none(), py::arg("optimizer") = py::none(), py::arg("plot") = false);

  m.def(
      "correlations",
      [](const PyModel& pm, py::handle data, double min_abs, py::object init, py::object bounds, py::object fixed,
         py::object optimizer, bool plot) {
        const auto d = data_vector(pm.model, data);
        const hfx::FitProblem problem = make_problem(pm.model, init, bounds, fixed);
        const hfx::FitOptions options = fit_options(optimizer);
        hfx::Correlations c;
        {
          py::gil_scoped_release release;
          c = hfx::correlations(pm.model, d, problem, min_abs, options);
        }
        const auto n = static_cast<py::ssize_t>(c.names.size());
        auto matrix = to_array(c.matrix);
        if (plot) return py::make_tuple(c.names, matrix.reshape({n, n}), hfx::correlations_svg(c));
        return py::make_tuple(c.names, matrix.reshape({n, n}));
      },
      py::arg("model"), py::arg("data"), py::arg("min_abs") = 0.0, py::arg("init_pars") = py::none(),
      py::arg("par_bounds") = py::none(), py::arg("fixed_params") = py::none(), py::arg("optimizer") = py::none(),
      py::arg("plot") = false);

  m.def(
      "prefit_uncertainties",
      [](const PyModel& pm) { return to_array(hfx::prefit_uncertainties(pm.model, hfx::FitProblem::from_model(pm.model))); },
      py::arg("model"));

  m.def(
      "yield_stdev",
      [](const PyModel& pm, py::handle pars, py::handle sigma, py::handle correlations) {
        const auto p = to_vector(pars, "parameters", ArgKind::pars);
        const auto s = to_vector(sigma, "uncertainty", ArgKind::pars);
        const auto c = to_vector(correlations, "corr_mat", ArgKind::data);
        const std::size_t n = pm.model.npars();
        if (p.size() != n || s.size() != n || c.size() != n * n)
          throw hfx::InvalidPdfParameters(fmt::format("yield_stdev: expected {} parameters, {} uncertainties and a {}x{} "
                                                      "correlation matrix, got {}, {} and {} values",
                                                      n, n, n, n, p.size(), s.size(), c.size()));
        std::vector<hfx::ChannelYieldStdev> r;
        {
          py::gil_scoped_release release;
          r = hfx::yield_stdev(pm.model, p, s, c);
        }
        py::list out;
        for (const auto& ch : r) out.append(py::make_tuple(ch.samples, ch.total, ch.sample_sums, ch.sum));
        return out;
      },
      py::arg("model"), py::arg("parameters"), py::arg("uncertainty"), py::arg("corr_mat"));

  m.def(
      "brazil_band",
      [](const PyModel& pm, py::handle data, const std::vector<double>& mus, double level, const std::string& test_stat,
         py::object optimizer, bool plot) {
        const auto d = data_vector(pm.model, data);
        const hfx::FitOptions options = fit_options(optimizer);
        const hfx::TestStatistic ts = hfx::test_statistic_from_string(test_stat);
        hfx::BrazilBand b;
        {
          py::gil_scoped_release release;
          b = hfx::brazil_band(pm.model, d, mus, level, ts, options);
        }
        if (!b.limits.fit_problems.empty())
          throw hfx::FailedMinimization("fits behind the upper limits did not converge: " + b.limits.fit_problems.front());
        std::vector<double> expected;
        for (const auto& band : b.cls_expected) expected.insert(expected.end(), band.begin(), band.end());
        py::dict out;
        out["mu"] = to_array(b.mu);
        out["cls_obs"] = to_array(b.cls_observed);
        out["cls_exp"] = to_array(expected).reshape({static_cast<py::ssize_t>(b.mu.size()), py::ssize_t{5}});
        out["obs_limit"] = b.limits.observed;
        out["exp_limits"] = to_array(b.limits.expected);
        out["problems"] = b.problems;
        if (plot) out["svg"] = hfx::brazil_svg(b, pm.model.par_names()[*pm.model.poi_index()]);
        return out;
      },
      py::arg("model"), py::arg("data"), py::arg("mus"), py::arg("level"), py::arg("test_stat"),
      py::arg("optimizer") = py::none(), py::arg("plot") = false);

  m.def(
      "yields_svg",
      [](const PyModel& pm, py::handle data, bool postfit, py::object init, py::object bounds, py::object fixed,
         py::object optimizer) {
        const auto d = data_vector(pm.model, data);
        const hfx::FitProblem problem = make_problem(pm.model, init, bounds, fixed);
        const hfx::FitOptions options = fit_options(optimizer);
        py::gil_scoped_release release;
        const hfx::PrefitPostfitYields y = hfx::prefit_postfit_yields(pm.model, d, problem, postfit, options);
        return hfx::yields_svg(y.prefit, y.postfit);
      },
      py::arg("model"), py::arg("data"), py::arg("postfit"), py::arg("init_pars") = py::none(),
      py::arg("par_bounds") = py::none(), py::arg("fixed_params") = py::none(), py::arg("optimizer") = py::none());

  m.def(
      "picture_for_file",
      [](const std::string& svg, const std::string& path) {
        std::string out;
        {
          py::gil_scoped_release release;
          out = hfx::picture_for_file(svg, path);
        }
        return py::bytes(out);
      },
      py::arg("svg"), py::arg("path"));

  m.def(
      "report",
      [](const hfx::Workspace& ws, const PyModel& pm, py::handle data, const std::string& source, double level,
         std::size_t top, double min_abs, unsigned threads, py::object optimizer) {
        const auto d = data_vector(pm.model, data);
        hfx::ReportOptions o;
        o.source = source;
        o.command = "hfx.viz.report (Python)";
        o.level = level;
        o.ranking_top = top;
        o.correlation_min = min_abs;
        o.threads = threads;
        o.fit = fit_options(optimizer);
        hfx::Report r;
        {
          py::gil_scoped_release release;
          r = hfx::make_report(ws, pm.model, d, o);
        }
        py::dict pictures;
        for (const auto& [stem, svg] : r.pictures) pictures[py::str(stem)] = svg;
        py::list problems;
        for (const auto& [section, why] : r.problems) problems.append(section + ": " + why);
        return py::make_tuple(r.html, pictures, problems);
      },
      py::arg("workspace"), py::arg("model"), py::arg("data"), py::arg("source"), py::arg("level"), py::arg("top"),
      py::arg("min_abs"), py::arg("threads"), py::arg("optimizer") = py::none());
}

}  // namespace hfxpy
