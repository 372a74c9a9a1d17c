// The contours of a scan's plane: points from the results, one triangulation and level
// line set per curve, and the JSON form.
#include "contour/predicates.hpp"
#include "hfx/contour.hpp"
#include "hfx/errors.hpp"

#include <boost/math/distributions/normal.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

namespace hfx {
namespace {

const char* const kCurveKeys[4] = {"observed", "expected", "expected_minus1sigma", "expected_plus1sigma"};

// The CLs a curve is drawn from: observed, then CLs_exp entries 2 (median), 1 and 3.
double curve_cls(const ContourPlane::Point& p, std::size_t curve) {
  constexpr std::size_t kExpIndex[4] = {0, 2, 1, 3};
  return curve == 0 ? p.cls_obs : p.cls_exp[kExpIndex[curve]];
}

// The number for `label` in a row's "values", if it is a finite number.
std::optional<double> value_of(const Json& values, const std::string& label) {
  if (!values.is_object() || !values.contains(label) || !values[label].is_number()) return std::nullopt;
  const double v = values[label].get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

// Whether some three of the points are not on one line.
bool spans_plane(std::span<const Point2> p) {
  if (p.size() < 3) return false;
  std::size_t b = 1;
  while (b < p.size() && p[b].x == p[0].x && p[b].y == p[0].y) ++b;
  for (std::size_t c = b + 1; c < p.size(); ++c)
    if (detail::orient2d(p[0], p[b], p[c]) != 0) return true;
  return false;
}

Json polylines_json(const std::vector<Polyline>& lines) {
  Json out = Json::array();
  for (const Polyline& line : lines) {
    Json l = Json::array();
    for (const Point2& q : line) l.push_back({q.x, q.y});
    out.push_back(std::move(l));
  }
  return out;
}

Json number_or_null(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

}  // namespace

double cls_significance(double cls) {
  const double c = std::clamp(cls, 1e-300, 1 - 1e-16);
  return boost::math::quantile(boost::math::complement(boost::math::normal_distribution<double>(), c));
}

ContourPlane contour_plane(const ScanResults& results, const std::string& xlabel, const std::string& ylabel,
                           double level) {
  const std::string& src = results.source;
  const auto& labels = results.labels;
  if (labels.size() < 2)
    throw InvalidSpecification(fmt::format("{}:1: /labels: the scan has {} label{}; a plane needs two", src,
                                           labels.size(), labels.size() == 1 ? "" : "s"));
  if (!(level > 0 && level < 1)) throw Unsupported(fmt::format("level {}: expected a CLs between 0 and 1", level));
  const auto known = [&](const std::string& l) { return std::find(labels.begin(), labels.end(), l) != labels.end(); };
  const auto other_than = [&](const std::string& l) { return labels[0] == l ? labels[1] : labels[0]; };
  ContourPlane plane;
  plane.source = src;
  plane.level = level;
  plane.xlabel = xlabel.empty() ? other_than(ylabel) : xlabel;
  plane.ylabel = ylabel.empty() ? other_than(plane.xlabel) : ylabel;
  std::string all;
  for (const auto& l : labels) all += (all.empty() ? "" : ", ") + l;
  for (const auto& l : {plane.xlabel, plane.ylabel})
    if (!known(l)) throw Unsupported(fmt::format("{}: label '{}' is not one of the scan's labels ({})", src, l, all));
  if (plane.xlabel == plane.ylabel)
    throw Unsupported(fmt::format("{}: x and y are both label '{}'; a plane needs two different labels", src, plane.xlabel));
  plane.ignored_incomplete_last_line = results.ignored_incomplete_last_line;

  std::vector<std::size_t> line_of;
  for (const ScanRow& row : results.rows) {
    const auto x = value_of(row.values, plane.xlabel), y = value_of(row.values, plane.ylabel);
    const bool numbers = std::any_of(row.cls_exp.begin(), row.cls_exp.end(), [](double c) { return !std::isnan(c); });
    if (row.status != "ok" && !(row.status == "undetermined" && numbers)) {
      plane.others.push_back({row.name, row.status, row.message, x && y, x.value_or(0), y.value_or(0)});
      continue;
    }
    for (const auto& [l, v] : {std::pair{plane.xlabel, x}, std::pair{plane.ylabel, y}})
      if (!v)
        throw InvalidSpecification(fmt::format("{}:{}: /values/{}: expected a finite number (point '{}')", src, row.line,
                                               json_pointer_escape(l), row.name));
    plane.points.push_back({row.name, row.status == "ok" ? "" : row.status, *x, *y, row.cls_obs, row.cls_exp});
    line_of.push_back(row.line);
  }
  const auto& pts = plane.points;
  std::vector<Point2> xy;
  for (const auto& p : pts) xy.push_back({p.x, p.y});
  std::vector<std::size_t> order(pts.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
    return std::tie(xy[i].x, xy[i].y, line_of[i]) < std::tie(xy[j].x, xy[j].y, line_of[j]);
  });
  for (std::size_t k = 1; k < order.size(); ++k) {
    const std::size_t i = order[k - 1], j = order[k];
    if (xy[i].x == xy[j].x && xy[i].y == xy[j].y)
      throw InvalidSpecification(fmt::format("{}:{}: point '{}' is at the same {} = {}, {} = {} as point '{}' on line {}",
                                             src, line_of[j], pts[j].name, plane.xlabel, xy[j].x, plane.ylabel, xy[j].y,
                                             pts[i].name, line_of[i]));
  }
  if (!spans_plane(xy))
    throw InvalidSpecification(fmt::format("{}: {} point{} with CLs values{}; contours need at least 3 not on one line",
                                           src, pts.size(), pts.size() == 1 ? "" : "s",
                                           pts.size() >= 3 ? ", all on one line" : ""));

  const double z0 = cls_significance(level);
  for (std::size_t c = 0; c < 4; ++c) {
    ContourPlane::Curve& curve = plane.curves[c];
    curve.key = kCurveKeys[c];
    std::vector<std::size_t> use;  // the points that have this curve's CLs
    for (std::size_t i = 0; i < pts.size(); ++i)
      if (!std::isnan(curve_cls(pts[i], c))) use.push_back(i);
    std::vector<Point2> sub;
    std::vector<double> z;
    for (std::size_t i : use) {
      sub.push_back(xy[i]);
      z.push_back(cls_significance(curve_cls(pts[i], c)));
    }
    if (!spans_plane(sub)) {
      curve.problem = fmt::format("{} point{} with a value{}; a triangulation needs 3 not on one line", use.size(),
                                  use.size() == 1 ? "" : "s", use.size() >= 3 ? ", all on one line" : "");
      continue;
    }
    const std::vector<Triangle> local = delaunay(sub);
    curve.lines = level_lines(sub, local, z, z0);
    for (const Triangle& t : local) curve.triangles.push_back({use[t[0]], use[t[1]], use[t[2]]});
  }
  return plane;
}

Json contour_plane_json(const ContourPlane& plane) {
  Json out = Json::object();
  out["x"] = plane.xlabel;
  out["y"] = plane.ylabel;
  out["level"] = plane.level;
  Json points = Json::array();
  for (const auto& p : plane.points) {
    Json exp = Json::array();
    for (double v : p.cls_exp) exp.push_back(number_or_null(v));
    points.push_back({{"name", p.name}, {"x", p.x}, {"y", p.y}, {"CLs_obs", number_or_null(p.cls_obs)}, {"CLs_exp", exp}});
    if (!p.status.empty()) points.back()["status"] = p.status;
  }
  out["points"] = std::move(points);
  Json triangles = Json::object(), contours = Json::object(), problems = Json::object();
  for (const auto& c : plane.curves) {
    Json t = Json::array();
    for (const Triangle& tri : c.triangles) t.push_back({tri[0], tri[1], tri[2]});
    triangles[c.key] = std::move(t);
    contours[c.key] = polylines_json(c.lines);
    if (!c.problem.empty()) problems[c.key] = c.problem;
  }
  out["triangles"] = std::move(triangles);
  out["contours"] = std::move(contours);
  if (!problems.empty()) out["problems"] = std::move(problems);
  Json others = Json::array();
  for (const auto& o : plane.others) {
    Json e = {{"name", o.name}, {"status", o.status}, {"message", o.message}};
    if (o.has_xy) e["x"] = o.x, e["y"] = o.y;
    others.push_back(std::move(e));
  }
  out["not_ok"] = std::move(others);
  out["ignored_incomplete_last_line"] = plane.ignored_incomplete_last_line;
  return out;
}

Json contours_from_scan(const std::string& path, const std::string& xlabel, const std::string& ylabel, double level) {
  return contour_plane_json(contour_plane(read_scan_results(path), xlabel, ylabel, level));
}

}  // namespace hfx
