// A scan's settings as JSON: recorded in the results header (a resumed scan must use the
// same ones) and the form in which the Python adapter sends them to remote workers.
#include "hfx/errors.hpp"
#include "hfx/scan.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>

namespace hfx::scan {

Json Settings::to_json() const {
  Json s = Json::object();
  s["measurement"] = model.measurement;
  s["poi_name"] = model.poi_name ? Json(*model.poi_name) : Json(nullptr);
  s["normsys_interp"] = to_string(model.normsys_interp);
  s["histosys_interp"] = to_string(model.histosys_interp);
  s["test_poi"] = test_poi;
  s["test_stat"] = to_string(test_stat);
  s["optimizer"] = to_string(fit.method);
  s["max_iterations"] = fit.max_iterations;
  s["tolerance"] = fit.tolerance;
  s["edm_tolerance"] = fit.edm_tolerance;
  s["lbfgs_memory"] = fit.lbfgs_memory;
  s["max_restarts"] = fit.max_restarts;
  s["scipy_ftol"] = fit.scipy_ftol;
  s["scipy_maxiter"] = fit.scipy_max_iterations;
  s["upper_limit"] = upper_limit;
  s["level"] = level;
  s["rtol"] = rtol;
  s["significance"] = significance;
  s["calctype"] = toys ? "toybased" : "asymptotics";
  if (toys) {
    s["ntoys"] = ntoys;
    s["seed"] = seed;
  }
  return s;
}

namespace {

const Json& field(const Json& s, const char* key) {
  if (!s.is_object() || !s.contains(key))
    throw InvalidSpecification(fmt::format("scan settings: /{}: missing", key));
  return s.at(key);
}

template <class T>
T get(const Json& s, const char* key) {
  try {
    return field(s, key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw InvalidSpecification(fmt::format("scan settings: /{}: wrong type ({})", key, field(s, key).dump()));
  }
}

// A whole number >= 0 (nlohmann would wrap -1 around to 2^64 - 1 and cut 1.5 to 1).
std::uint64_t whole(const Json& s, const char* key) {
  const Json& v = field(s, key);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0))
    throw InvalidSpecification(fmt::format("scan settings: /{}: expected a whole number >= 0, got {}", key, v.dump()));
  return v.get<std::uint64_t>();
}

}  // namespace

Settings Settings::from_json(const Json& s) {
  Settings out;
  out.model.measurement = get<std::string>(s, "measurement");
  if (!field(s, "poi_name").is_null()) out.model.poi_name = get<std::string>(s, "poi_name");
  out.model.normsys_interp = interp_code_from_string(get<std::string>(s, "normsys_interp"));
  out.model.histosys_interp = interp_code_from_string(get<std::string>(s, "histosys_interp"));
  out.test_poi = get<double>(s, "test_poi");
  out.test_stat = test_statistic_from_string(get<std::string>(s, "test_stat"));
  out.fit.method = fit_method_from_string(get<std::string>(s, "optimizer"));
  out.fit.max_iterations = get<int>(s, "max_iterations");
  out.fit.tolerance = get<double>(s, "tolerance");
  out.fit.edm_tolerance = get<double>(s, "edm_tolerance");
  out.fit.lbfgs_memory = get<int>(s, "lbfgs_memory");
  out.fit.max_restarts = get<int>(s, "max_restarts");
  out.fit.scipy_ftol = get<double>(s, "scipy_ftol");
  out.fit.scipy_max_iterations = get<int>(s, "scipy_maxiter");
  out.upper_limit = get<bool>(s, "upper_limit");
  out.level = get<double>(s, "level");
  out.rtol = get<double>(s, "rtol");
  out.significance = get<bool>(s, "significance");
  const auto calctype = get<std::string>(s, "calctype");
  if (calctype != "asymptotics" && calctype != "toybased")
    throw InvalidSpecification(fmt::format("scan settings: /calctype: expected asymptotics or toybased, got '{}'", calctype));
  out.toys = calctype == "toybased";
  if (out.toys) {
    out.ntoys = whole(s, "ntoys");
    out.seed = whole(s, "seed");
  }
  out.check();
  return out;
}

void Settings::check() const {
  if (!std::isfinite(test_poi)) throw Unsupported(fmt::format("test POI {}: expected a finite number", test_poi));
  if (!(level > 0 && level < 1)) throw Unsupported(fmt::format("level {}: expected 0 < level < 1", level));
  if (!(rtol > 0 && rtol < 1)) throw Unsupported(fmt::format("rtol {}: expected 0 < rtol < 1", rtol));
  if (toys && upper_limit)
    throw Unsupported("upper limits are computed with the asymptotic calculator only; drop --upper-limit or use "
                      "--calctype asymptotics");
  if (toys && fit.method != FitMethod::newton)
    throw Unsupported("--optimizer scipy is for the asymptotic calculator; toys use hfx's own fits");
  if (toys && (ntoys < 1 || ntoys > 100000000))
    throw Unsupported(fmt::format("ntoys {}: expected 1 to 100000000 toys per hypothesis", ntoys));
}

}  // namespace hfx::scan
