// One point of a scan: its workspace, model and results as one row. The same library
// calls as `hfx cls`, `hfx upper-limit` and `hfx significance` make, so a row equals
// what those commands print for the patched workspace.
#include "hfx/errors.hpp"
#include "hfx/scan.hpp"
#include "hfx/toys.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

namespace hfx::scan {

namespace {

Json band_json(const Band& b) {
  Json out = Json::array();
  for (double v : b) out.push_back(std::isfinite(v) ? Json(v) : Json(nullptr));
  return out;
}

// Why a limit is not a number: CLs does not cross the level, or crosses above the POI's
// upper bound, where the model is not defined (as `hfx upper-limit` reports it).
std::string count_fits(const std::vector<std::string>& problems) {
  return fmt::format("{} fit{} did not converge, first: {}", problems.size(), problems.size() == 1 ? "" : "s",
                     problems.front());
}

// Fills `row` with the point's results; throws FailedMinimization for a fit that did not
// converge and hfx::Error for a point that cannot be computed.
void compute(Json& row, const Workspace& ws, const Settings& s, unsigned toy_threads) {
  const Model model = compile(ws, s.model);
  const std::vector<double> data = observed_data(ws, model);
  const std::size_t poi = detail::require_free_poi(model, FitProblem::from_model(model));
  const auto [lo, hi] = model.suggested_bounds()[poi];
  if (!(s.test_poi >= lo && s.test_poi <= hi))
    throw InvalidPdfParameters(fmt::format("test POI {}: outside the bounds [{}, {}] of parameter {}", s.test_poi, lo, hi,
                                           model.par_names()[poi]));
  std::string undetermined;
  if (!s.toys) {
    const HypotestResult h = hypotest(s.test_poi, model, data, s.test_stat, nullptr, s.fit);
    if (!h.all_converged()) throw FailedMinimization(h.fit_problem());
    row["CLs_obs"] = h.cls;
    row["CLs_exp"] = band_json(h.cls_expected);
  } else {
    ToyOptions opt;
    opt.ntoys = s.ntoys;
    opt.seed = s.seed;
    opt.threads = toy_threads;
    opt.test_stat = s.test_stat;
    const ToyResult t = toy_hypotest(s.test_poi, model, data, opt);
    if (!t.observed_fits_converged()) throw FailedMinimization(t.observed_fit_problem());
    row["CLs_obs"] = std::isfinite(t.cls) ? Json(t.cls) : Json(nullptr);
    row["CLs_exp"] = band_json(t.cls_expected);
    if (!t.cls_problem.empty()) {
      row["CLs_obs_problem"] = t.cls_problem;
      undetermined = "CLs_obs: " + t.cls_problem;
    }
    row["toys"] = {{"ntoys", t.ntoys}, {"n_failed", t.n_failed()}, {"seed", t.seed}};
  }
  if (s.upper_limit) {
    const UpperLimitResult r = hfx::upper_limit(model, data, s.level, s.test_stat, s.rtol, s.fit);
    if (!r.fit_problems.empty()) throw FailedMinimization("upper limit: " + count_fits(r.fit_problems));
    Json ul = Json::object();
    const std::string obs_problem = r.problem(r.observed, s.level);
    ul["obs"] = obs_problem.empty() ? Json(r.observed) : Json(nullptr);
    if (!obs_problem.empty()) ul["obs_problem"] = obs_problem;
    Json exp = Json::array(), notes = Json::array();
    bool any = false;
    for (double v : r.expected) {
      const std::string p = r.problem(v, s.level);
      exp.push_back(p.empty() ? Json(v) : Json(nullptr));
      notes.push_back(p.empty() ? Json(nullptr) : Json(p));
      any = any || !p.empty();
    }
    ul["exp"] = exp;
    if (any) ul["exp_problem"] = notes;
    row["upper_limit"] = ul;
  }
  if (s.significance) {
    const SignificanceResult z = hfx::significance(model, data, s.fit);
    if (!z.fit_problems.empty()) throw FailedMinimization("significance: " + count_fits(z.fit_problems));
    row["significance"] = {{"p0_obs", z.p0_observed}, {"Z_obs", z.z_observed}, {"p0_exp", z.p0_expected},
                           {"Z_exp", z.z_expected}};
  }
  row["status"] = undetermined.empty() ? "ok" : "undetermined";
  if (!undetermined.empty()) row["message"] = undetermined;
}

}  // namespace

Json evaluate(const Grid& grid, const Point& point, const Settings& settings, unsigned toy_threads) {
  const auto t0 = std::chrono::steady_clock::now();
  Json row = Json::object();
  row["name"] = point.name;
  row["values"] = point.values;
  row["status"] = "ok";
  const auto fail = [&row](const char* status, const std::string& message) {
    Json keep = {{"name", row["name"]}, {"values", row["values"]}, {"status", status}, {"message", message}};
    row = std::move(keep);
  };
  try {
    if (point.patch) {
      if (!grid.background) throw InvalidSpecification("a patch point needs the grid's background workspace");
      compute(row, point.patch->apply(*grid.background), settings, toy_threads);
    } else if (point.workspace) {
      compute(row, *point.workspace, settings, toy_threads);
    } else {
      throw InvalidSpecification("the point has neither a patch nor a workspace");
    }
  } catch (const FailedMinimization& e) {
    fail("failed", e.what());
  } catch (const Error& e) {
    fail("error", fmt::format("{}: {}", e.kind(), e.what()));
  } catch (const std::bad_alloc&) {
    throw;  // not the point's own problem: the scan stops and a rerun resumes it
  } catch (const std::exception& e) {
    fail("error", fmt::format("internal error: {}", Error::one_line(e.what())));
  }
  row["time_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return row;
}

}  // namespace hfx::scan
