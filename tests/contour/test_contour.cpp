// Contours of scans: the Delaunay triangulation (empty circumcircles, counts, validity on
// random points and on regular lattices full of co-circular points), level lines of
// fields whose contours are known, and `hfx contour` on a small results file.
#include "contour/predicates.hpp"
#include "hfx/contour.hpp"
#include "hfx/errors.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <random>

namespace hfx {
namespace {

namespace fs = std::filesystem;

std::vector<Point2> random_points(std::size_t n, unsigned seed, double w = 1000, double h = 500) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> ux(0, w), uy(0, h);
  std::vector<Point2> p(n);
  for (auto& q : p) q = {ux(rng), uy(rng)};
  return p;
}

std::vector<Point2> lattice(std::size_t nx, std::size_t ny, double x0, double dx, double y0, double dy) {
  std::vector<Point2> p;
  for (std::size_t j = 0; j < ny; ++j)
    for (std::size_t i = 0; i < nx; ++i) p.push_back({x0 + dx * static_cast<double>(i), y0 + dy * static_cast<double>(j)});
  return p;
}

double area2(Point2 a, Point2 b, Point2 c) { return (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x); }

// Hull vertices, collinear ones included (Andrew's monotone chain keeping straight turns).
std::vector<Point2> hull(std::vector<Point2> p) {
  std::sort(p.begin(), p.end(), [](Point2 a, Point2 b) { return std::tie(a.x, a.y) < std::tie(b.x, b.y); });
  std::vector<Point2> h(2 * p.size());
  std::size_t k = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    while (k >= 2 && detail::orient2d(h[k - 2], h[k - 1], p[i]) < 0) --k;
    h[k++] = p[i];
  }
  for (std::size_t i = p.size() - 1, t = k + 1; i-- > 0;) {
    while (k >= t && detail::orient2d(h[k - 2], h[k - 1], p[i]) < 0) --k;
    h[k++] = p[i];
  }
  h.resize(k - 1);
  return h;
}

double polygon_area2(const std::vector<Point2>& h) {
  double a = 0;
  for (std::size_t i = 0; i < h.size(); ++i) a += h[i].x * h[(i + 1) % h.size()].y - h[(i + 1) % h.size()].x * h[i].y;
  return a;
}

// A valid triangulation of the hull: counter-clockwise triangles, each edge in one
// triangle per direction, 2n - 2 - h triangles covering exactly the hull's area.
void expect_valid(const std::vector<Point2>& p, const std::vector<Triangle>& tris) {
  const auto h = hull(p);
  EXPECT_EQ(tris.size(), 2 * p.size() - 2 - h.size());
  std::map<std::pair<std::size_t, std::size_t>, int> directed;
  double area = 0;
  for (const auto& t : tris) {
    ASSERT_EQ(detail::orient2d(p[t[0]], p[t[1]], p[t[2]]), 1) << "triangle not counter-clockwise";
    area += area2(p[t[0]], p[t[1]], p[t[2]]);
    for (int i = 0; i < 3; ++i) {
      const std::pair<std::size_t, std::size_t> edge{t[i], t[(i + 1) % 3]};
      EXPECT_EQ(++directed[edge], 1) << "edge used twice in one direction";
    }
  }
  std::size_t boundary = 0;
  for (const auto& [e, c] : directed) boundary += !directed.contains({e.second, e.first});
  EXPECT_EQ(boundary, h.size());
  EXPECT_NEAR(area, polygon_area2(h), 1e-9 * std::abs(polygon_area2(h)));
}

// No point strictly inside any triangle's circumcircle (exact test).
void expect_empty_circumcircles(const std::vector<Point2>& p, const std::vector<Triangle>& tris) {
  std::size_t bad = 0;
  for (const auto& t : tris)
    for (std::size_t i = 0; i < p.size(); ++i)
      bad += detail::incircle(p[t[0]], p[t[1]], p[t[2]], p[i]) > 0;
  EXPECT_EQ(bad, 0u);
}

TEST(Predicates, ExactWhereRoundingDecidesWrongly) {
  // Nearly collinear: the rounded determinant is 0 or of the wrong sign.
  const Point2 a{0.5, 0.5}, b{12, 12}, c{24, 24};
  EXPECT_EQ(detail::orient2d(a, b, c), 0);
  EXPECT_EQ(detail::orient2d(a, b, {24, std::nextafter(24.0, 25.0)}), 1);
  EXPECT_EQ(detail::orient2d(a, b, {24, std::nextafter(24.0, 23.0)}), -1);
  // Four co-circular lattice points, and a point just inside/outside the circle.
  EXPECT_EQ(detail::incircle({0, 0}, {0.1, 0}, {0.1, 0.3}, {0, 0.3}), 0);
  EXPECT_EQ(detail::incircle({0, 0}, {1, 0}, {1, 1}, {0, std::nextafter(1.0, 0.0)}), 1);
  EXPECT_EQ(detail::incircle({0, 0}, {1, 0}, {1, 1}, {0, std::nextafter(1.0, 2.0)}), -1);
}

TEST(Delaunay, RandomPointsHaveEmptyCircumcircles) {
  for (unsigned seed : {1u, 2u, 3u}) {
    const auto p = random_points(400, seed);
    const auto tris = delaunay(p);
    expect_valid(p, tris);
    expect_empty_circumcircles(p, tris);
  }
}

TEST(Delaunay, RegularLatticesAreValidAndDelaunay) {
  // Exactly representable spacing (every cell's four corners co-circular) and a spacing
  // of 0.1 x 0.3, where rounding makes the corners almost co-circular.
  for (const auto& p : {lattice(17, 11, 100, 25, 0, 50), lattice(13, 9, 0, 0.1, 0, 0.3), lattice(3, 3, 0, 1, 0, 1)}) {
    const auto tris = delaunay(p);
    expect_valid(p, tris);
    expect_empty_circumcircles(p, tris);
  }
  const auto p = lattice(17, 11, 100, 25, 0, 50);
  EXPECT_EQ(delaunay(p).size(), 2u * 16 * 10);
}

TEST(Delaunay, ManyPointsOnOneCircle) {
  // The 20 integer points with x^2 + y^2 = 625 (all exactly co-circular), alone, with the
  // centre, and with the 12 of radius 5.
  std::vector<Point2> ring;
  for (int x = -25; x <= 25; ++x)
    for (int y = -25; y <= 25; ++y)
      if (x * x + y * y == 625) ring.push_back({double(x), double(y)});
  ASSERT_EQ(ring.size(), 20u);
  auto with_centre = ring, with_inner = ring;
  with_centre.push_back({0, 0});
  for (int x = -5; x <= 5; ++x)
    for (int y = -5; y <= 5; ++y)
      if (x * x + y * y == 25) with_inner.push_back({double(x), double(y)});
  for (const auto& p : {ring, with_centre, with_inner}) {
    const auto tris = delaunay(p);
    expect_valid(p, tris);
    expect_empty_circumcircles(p, tris);
  }
}

TEST(Delaunay, LatticeWithScatteredPointsAndCollinearHull) {
  auto p = lattice(20, 20, 0, 1, 0, 1);
  for (const auto& q : random_points(200, 9, 19, 19)) p.push_back(q);
  for (int i = 0; i < 19; ++i) p.push_back({i + 0.5, 0});  // more points on the lower hull edge
  const auto tris = delaunay(p);
  expect_valid(p, tris);
  expect_empty_circumcircles(p, tris);
}

TEST(Delaunay, LargeInputsStayValid) {
  // 10^4 points: scattered, and a 100 x 100 lattice (checked for validity, not for
  // empty circumcircles, which would take n^2 tests).
  for (const auto& p : {random_points(10000, 4), lattice(100, 100, 0, 10, 0, 10)}) expect_valid(p, delaunay(p));
}

TEST(Delaunay, Errors) {
  const std::vector<Point2> dup = {{0, 0}, {1, 0}, {0, 1}, {1, 0}};
  try {
    delaunay(dup);
    FAIL() << "no error for a repeated point";
  } catch (const InvalidSpecification& e) {
    EXPECT_NE(std::string(e.what()).find("points 1 and 3 are the same point (1, 0)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(delaunay(std::vector<Point2>{{0, 0}, {1, 1}}), InvalidSpecification);
  EXPECT_THROW(delaunay(std::vector<Point2>{{0, 0}, {1, 1}, {2, 2}, {3, 3}}), InvalidSpecification);
  EXPECT_THROW(delaunay(std::vector<Point2>{{0, 0}, {1, 1}, {NAN, 2}}), InvalidSpecification);
  EXPECT_EQ(delaunay(std::vector<Point2>{{0, 0}, {1, 1}, {2, 2}, {3, 2}}).size(), 2u);
}

TEST(LevelLines, LinearFieldGivesOneStraightLine) {
  const auto p = random_points(300, 5, 10, 10);
  const auto tris = delaunay(p);
  std::vector<double> v;
  for (const auto& q : p) v.push_back(2 * q.x + 3 * q.y - 5);
  const auto lines = level_lines(p, tris, v, 20);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_GT(lines[0].size(), 5u);
  for (const auto& q : lines[0]) EXPECT_NEAR(2 * q.x + 3 * q.y - 5, 20, 1e-12);
  // Both ends on the hull, and the side above the level on the line's left.
  const auto h = hull(p);
  for (const Point2 end : {lines[0].front(), lines[0].back()}) {
    bool on_hull = false;
    for (std::size_t i = 0; i < h.size(); ++i)
      on_hull |= std::abs(area2(h[i], h[(i + 1) % h.size()], end)) < 1e-9;
    EXPECT_TRUE(on_hull);
  }
  const Point2 a = lines[0][0], b = lines[0][1];
  const Point2 left{(a.x + b.x) / 2 - (b.y - a.y), (a.y + b.y) / 2 + (b.x - a.x)};
  EXPECT_GT(2 * left.x + 3 * left.y - 5, 20);
}

TEST(LevelLines, RadialFieldGivesClosedCircle) {
  const auto p = lattice(41, 41, -2, 0.1, -2, 0.1);
  const auto tris = delaunay(p);
  std::vector<double> r;
  for (const auto& q : p) r.push_back(std::hypot(q.x, q.y));
  const auto lines = level_lines(p, tris, r, 1.0);
  ASSERT_EQ(lines.size(), 1u);
  const Polyline& c = lines[0];
  EXPECT_EQ(c.front().x, c.back().x);
  EXPECT_EQ(c.front().y, c.back().y);
  // The interpolant of the convex r lies above r, so the line runs just inside the circle,
  // by at most h^2/8 * max r'' along the longest edge (the diagonal, 0.1 sqrt 2).
  for (const auto& q : c) {
    EXPECT_LE(std::hypot(q.x, q.y), 1 + 1e-12);
    EXPECT_GE(std::hypot(q.x, q.y), 1 - 0.02 / 8 / 0.9);
  }
  // Enclosing the unit disc counter-clockwise (the higher r outside is on the left of a
  // clockwise loop, so the loop runs clockwise).
  double a2 = 0;
  for (std::size_t i = 0; i + 1 < c.size(); ++i) a2 += c[i].x * c[i + 1].y - c[i + 1].x * c[i].y;
  EXPECT_NEAR(-a2 / 2, M_PI, 0.02);
}

TEST(LevelLines, VertexExactlyAtTheLevelCountsAsAbove) {
  // A square with its centre at the level: the line passes through the centre, once.
  const std::vector<Point2> p = {{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0.5, 0.5}};
  const std::vector<double> v = {0, 0, 2, 2, 1};
  const auto lines = level_lines(p, delaunay(p), v, 1.0);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].size(), 3u);  // the centre once, though two edges cross there
  for (const auto& q : lines[0]) EXPECT_EQ(q.y, 0.5);
  EXPECT_EQ(std::min(lines[0].front().x, lines[0].back().x), 0);
  EXPECT_EQ(std::max(lines[0].front().x, lines[0].back().x), 1);
  // Nothing at or above the level: no line; everything: none either.
  EXPECT_TRUE(level_lines(p, delaunay(p), v, 2.5).empty());
  EXPECT_TRUE(level_lines(p, delaunay(p), v, 0.0).empty());
  // A peak exactly at the level only touches it: no line.
  EXPECT_TRUE(level_lines(p, delaunay(p), std::vector<double>{0, 0, 0, 0, 1}, 1.0).empty());
}

TEST(LevelLines, SeveralLoopsAndOpenLines) {
  // cos(x) cos(y) on a grid: closed loops around the maxima inside, open lines at the edges.
  const auto p = lattice(61, 61, 0, 0.25, 0, 0.25);  // [0, 15]^2
  std::vector<double> v;
  for (const auto& q : p) v.push_back(std::cos(q.x) * std::cos(q.y));
  const auto lines = level_lines(p, delaunay(p), v, 0.5);
  std::size_t closed = 0;
  for (const auto& l : lines) {
    const bool loop = l.front().x == l.back().x && l.front().y == l.back().y;
    closed += loop;
    if (!loop) {  // open lines end on the square's sides
      for (const Point2 e : {l.front(), l.back()}) EXPECT_TRUE(e.x == 0 || e.x == 15 || e.y == 0 || e.y == 15) << e.x << ", " << e.y;
    }
  }
  // Maxima (cos x cos y = 1) at (k pi, l pi) with k + l even; inside: k, l in 1..4, 8 loops.
  EXPECT_EQ(closed, 8u);
  EXPECT_GT(lines.size(), closed);
}

TEST(Significance, NormalQuantile) {
  EXPECT_NEAR(cls_significance(0.05), 1.6448536269514722, 1e-15);
  EXPECT_EQ(cls_significance(0.5), 0);
  EXPECT_NEAR(cls_significance(1e-10), 6.361340902404056, 1e-12);
  EXPECT_TRUE(std::isfinite(cls_significance(0)));
  EXPECT_TRUE(std::isfinite(cls_significance(1)));
  EXPECT_GT(cls_significance(0), 37);
  EXPECT_LT(cls_significance(1), -8);
}

// --- the CLI on tests/data/scan ---

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

const std::string kGrid = test::data_path("scan/grid_small.jsonl");

TEST(CliContour, SmallGrid) {
  const fs::path out = test::scratch("contours.json"), svg = test::scratch("plane.svg");
  const auto [code, text] = test::run_hfx({"contour", kGrid, "-o", out.string(), "--plot", svg.string()});
  ASSERT_EQ(code, 0) << text;
  const Json j = load_json_file(out.string());
  EXPECT_EQ(j["x"], "m1");
  EXPECT_EQ(j["y"], "m2");
  EXPECT_EQ(j["level"], 0.05);
  EXPECT_EQ(j["points"].size(), 19u);  // 20 rows, one failed; the cut-off last line ignored
  EXPECT_EQ(j["ignored_incomplete_last_line"], true);
  ASSERT_EQ(j["not_ok"].size(), 1u);
  EXPECT_EQ(j["not_ok"][0]["name"], "C1N2_Wh_hbb_600_300");
  EXPECT_EQ(j["not_ok"][0]["status"], "failed");
  // Z is linear in the masses in this file: each contour is an exact straight line,
  // m1 + m2/2 = 700 (expected), 625 (observed: Z 0.3 lower), 825 and 575 (-1 and +1 sigma: CLs_exp[1]
  // is the smaller CLs, excluding more).
  const std::map<std::string, double> offset = {
      {"expected", 700}, {"observed", 625}, {"expected_minus1sigma", 825}, {"expected_plus1sigma", 575}};
  for (const auto& [curve, c] : offset) {
    ASSERT_EQ(j["contours"][curve].size(), 1u) << curve;
    const Json& line = j["contours"][curve][0];
    EXPECT_GE(line.size(), 3u) << curve;
    for (const auto& q : line) EXPECT_NEAR(q[0].get<double>() + q[1].get<double>() / 2, c, 1e-9) << curve;
  }
  // The point without an observed CLs is in the expected triangulation only.
  std::size_t no_obs = 0;
  while (j["points"][no_obs]["name"] != "C1N2_Wh_hbb_1000_100") ++no_obs;
  EXPECT_TRUE(j["points"][no_obs]["CLs_obs"].is_null());
  const auto uses = [&](const std::string& curve) {
    for (const auto& t : j["triangles"][curve])
      for (const auto& i : t)
        if (i == no_obs) return true;
    return false;
  };
  EXPECT_TRUE(uses("expected"));
  EXPECT_FALSE(uses("observed"));
  EXPECT_EQ(j["triangles"]["observed"].size(), 2 * 18 - 2 - 12u);  // 18 points, 12 on the hull
  const std::string s = read_text(svg);
  EXPECT_EQ(s.rfind("<?xml", 0), 0u);
  EXPECT_NE(s.find("</svg>"), std::string::npos);
  EXPECT_NE(s.find(">m1</text>"), std::string::npos);
  EXPECT_NE(s.find("stroke=\"#d62728\""), std::string::npos);
  EXPECT_NE(s.find("No result (1)"), std::string::npos);
}

TEST(CliContour, AxesLevelAndStdout) {
  const auto [code, text] = test::run_hfx({"contour", kGrid, "--x", "m2", "--level", "0.1"}, "2>/dev/null");
  ASSERT_EQ(code, 0) << text;
  const Json j = parse_json(text, "stdout");
  EXPECT_EQ(j["x"], "m2");
  EXPECT_EQ(j["y"], "m1");  // the first label that is not --x
  EXPECT_EQ(j["level"], 0.1);
  // CLs 0.1 is Z = 1.2816: m1 + m2/2 = 200 + 250 (3.6449 - 1.2816) = 790.8 (x is m2 now).
  for (const auto& q : j["contours"]["expected"][0])
    EXPECT_NEAR(q[1].get<double>() + q[0].get<double>() / 2, 200 + 250 * (3.6448536269514722 - 1.2815515655446004), 1e-9);
}

TEST(CliContour, UndeterminedRowsGiveExpectedCurves) {
  // hfx scan writes "undetermined" when the observed CLs from toys does not exist; the
  // expected band is still there and belongs in the expected contours.
  std::string text = read_text(kGrid);
  text.resize(text.rfind('\n') + 1);  // without the cut-off last line
  text += R"({"name": "U", "values": {"m1": 1200, "m2": 0}, "status": "undetermined", "message": "CLs_obs: no toy", )"
          R"("CLs_obs": null, "CLs_exp": [0.5, 0.6, 0.7, 0.8, 0.9]})" "\n"
          R"({"name": "V", "values": {"m1": 1200, "m2": 100}, "status": "undetermined", "message": "no numbers"})" "\n";
  const fs::path in = test::scratch("undetermined.jsonl");
  write_text(in, text);
  const auto [code, out] = test::run_hfx({"contour", in.string()}, "2>/dev/null");
  ASSERT_EQ(code, 0) << out;
  const Json j = parse_json(out, "stdout");
  ASSERT_EQ(j["points"].size(), 20u);
  const std::size_t u = 19;
  EXPECT_EQ(j["points"][u]["name"], "U");
  EXPECT_EQ(j["points"][u]["status"], "undetermined");
  EXPECT_FALSE(j["points"][0].contains("status"));
  const auto uses = [&](const std::string& curve) {
    for (const auto& t : j["triangles"][curve])
      for (const auto& i : t)
        if (i == u) return true;
    return false;
  };
  EXPECT_TRUE(uses("expected"));
  EXPECT_TRUE(uses("expected_plus1sigma"));
  EXPECT_FALSE(uses("observed"));
  ASSERT_EQ(j["not_ok"].size(), 2u);
  EXPECT_EQ(j["not_ok"][1]["name"], "V");
  EXPECT_EQ(j["ignored_incomplete_last_line"], false);
}

TEST(CliContour, BadInputNamesFileAndLine) {
  const std::string lines = read_text(kGrid);
  const std::size_t second = lines.find('\n') + 1, third = lines.find('\n', second) + 1;
  const std::string head = lines.substr(0, second), row2 = lines.substr(second, third - second);
  const auto fails = [&](const std::string& text, const std::vector<std::string>& extra, const std::string& want) {
    const fs::path in = test::scratch("bad.jsonl"), out = test::scratch("bad-out.json"), svg = test::scratch("bad.svg");
    fs::remove(out);
    fs::remove(svg);
    write_text(in, text);
    std::vector<std::string> args = {"contour", in.string(), "-o", out.string(), "--plot", svg.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto [code, msg] = test::run_hfx(args);
    EXPECT_EQ(code, 2) << msg;
    EXPECT_NE(msg.find(want), std::string::npos) << "want '" << want << "' in: " << msg;
    EXPECT_EQ(std::count(msg.begin(), msg.end(), '\n'), 1) << msg;
    EXPECT_FALSE(fs::exists(out));
    EXPECT_FALSE(fs::exists(svg));
  };
  const std::string in = test::scratch("bad.jsonl").string();
  fails(head + row2 + "{\"name\": \"x\", \"status\": \"ok\",\n" + lines.substr(third), {}, in + ":3:");
  fails(head + row2 + "[1, 2]\n", {}, in + ":3: expected an object");
  fails(head + row2 + row2, {}, in + ":3: point");
  fails(head + "{\"name\": \"a\", \"status\": \"done\"}\n", {}, in + ":2: /status: 'done'");
  fails(head + "{\"name\": \"a\", \"status\": \"ok\", \"values\": {\"m1\": 1, \"m2\": 2}, \"CLs_obs\": 1.5, "
               "\"CLs_exp\": [0, 0, 0, 0, 0]}\n", {}, in + ":2: /CLs_obs: CLs 1.5 is outside [0, 1]");
  fails(head + "{\"name\": \"a\", \"status\": \"ok\", \"values\": {\"m1\": 1}, \"CLs_obs\": 0.5, "
               "\"CLs_exp\": [0, 0, 0, 0, 0]}\n", {}, in + ":2: /values/m2: expected a finite number");
  // The same masses under another name.
  std::string dup = row2;
  dup.replace(dup.find("C1N2_Wh_hbb_"), 12, "other_");
  fails(head + row2 + dup, {}, "is at the same m1 = ");
  fails("{\"labels\": [\"m1\", \"m2\"]}\n" + row2, {}, in + ":1: not hfx scan results");
  fails("{\"hfx_scan\": 1, \"labels\": [\"m1\"]}\n" + row2, {}, in + ":1: /labels: the scan has 1 label; a plane needs two");
  fails(head + row2, {}, "1 point with CLs values; contours need at least 3");
  fails("", {}, in + ": empty");
  fails(lines, {"--x", "m3"}, "label 'm3' is not one of the scan's labels (m1, m2)");
  fails(lines, {"--x", "m1", "--y", "m1"}, "x and y are both label 'm1'");
  fails(lines, {"--level", "1.5"}, "--level");
}

}  // namespace
}  // namespace hfx

namespace hfx {
namespace {

double signed_area(const Polyline& l) {
  double a = 0;
  for (std::size_t k = 0; k + 1 < l.size(); ++k) a += l[k].x * l[k + 1].y - l[k + 1].x * l[k].y;
  return a / 2;
}

// A paraboloid's level line is one closed loop on the circle's grid crossings, running
// clockwise (the values above the level, outside, on its left).
TEST(GridLevelLines, ParaboloidGivesOneClockwiseLoop) {
  std::vector<double> xs, ys, z;
  for (int i = 0; i <= 40; ++i) xs.push_back(-2 + 0.1 * i);
  ys = xs;
  for (double y : ys)
    for (double x : xs) z.push_back(x * x + y * y);
  const auto lines = grid_level_lines(xs, ys, z, 1.0);
  ASSERT_EQ(lines.size(), 1u);
  const Polyline& l = lines[0];
  EXPECT_EQ(l.front().x, l.back().x);
  EXPECT_EQ(l.front().y, l.back().y);
  EXPECT_LT(signed_area(l), 0);
  EXPECT_NEAR(-signed_area(l), M_PI, 0.02);
  for (const Point2& p : l) {
    EXPECT_NEAR(std::hypot(p.x, p.y), 1.0, 0.01);
    const bool on_x = std::any_of(xs.begin(), xs.end(), [&](double v) { return v == p.x; });
    const bool on_y = std::any_of(ys.begin(), ys.end(), [&](double v) { return v == p.y; });
    EXPECT_TRUE(on_x || on_y);  // crossings lie on grid edges
  }
}

// A cell whose corners alternate: the mean of the corners says which pair connects.
TEST(GridLevelLines, SaddleFollowsTheMeanOfTheCorners) {
  const std::vector<double> xs{0, 1}, ys{0, 1};
  // corners (0,0) and (1,1) above; (1,0) and (0,1) below
  const auto connected = [&](double high) {
    const std::vector<double> z{high, 0, 0, high};
    return grid_level_lines(xs, ys, z, 1.0);
  };
  for (const double high : {1.5, 3.0}) {  // mean 0.75 (below: the high corners are cut off) and 1.5 (above)
    const auto lines = connected(high);
    ASSERT_EQ(lines.size(), 2u);
    for (const Polyline& l : lines) {
      ASSERT_EQ(l.size(), 2u);
      const Point2 mid{(l[0].x + l[1].x) / 2, (l[0].y + l[1].y) / 2};
      // a cut-off corner is the one the segment passes near
      const bool near_high_corner = std::hypot(mid.x, mid.y) < 0.5 || std::hypot(mid.x - 1, mid.y - 1) < 0.5;
      EXPECT_EQ(near_high_corner, high < 2) << high;
    }
  }
}

TEST(GridLevelLines, CellsWithoutValuesEndTheLines) {
  std::vector<double> xs{0, 1, 2, 3}, ys{0, 1, 2, 3}, z;
  for (double y : ys)
    for (double x : xs) z.push_back(std::hypot(x - 1.5, y - 1.5));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(grid_level_lines(xs, ys, z, 1.0).size(), 1u);
  z[0] = nan;  // the corner cell has no line now: the loop opens
  const auto lines = grid_level_lines(xs, ys, z, 1.0);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_FALSE(lines[0].front().x == lines[0].back().x && lines[0].front().y == lines[0].back().y);
  EXPECT_THROW(grid_level_lines(xs, ys, std::vector<double>(15, 0.0), 1.0), InvalidSpecification);
}

}  // namespace
}  // namespace hfx
