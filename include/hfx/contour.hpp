// Exclusion contours of signal-grid scans: Delaunay triangulation of the scanned points,
// linear interpolation of the significance Z = Phi^-1(1 - CLs) over its triangles, and
// the level lines of that interpolant (marching triangles), as scipy's
// griddata(method="linear") and matplotlib's tricontour would draw them.
//
// The input is what `hfx scan` writes (JSON Lines: a header, then one row per point);
// docs/scan.md, "Contours", describes the method and the output. Everything here is a
// pure function of its arguments and safe to call from several threads.
#pragma once

#include "hfx/json.hpp"

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace hfx {

struct Point2 {
  double x = 0, y = 0;
};
// Three indices into a point array, in counter-clockwise order.
using Triangle = std::array<std::size_t, 3>;
// Vertices of a level line; a closed loop repeats its first vertex at the end.
using Polyline = std::vector<Point2>;

// Delaunay triangulation of `points` in their raw coordinates (no rescaling): no point
// lies strictly inside any triangle's circumcircle. Where four or more points are
// co-circular (regular mass grids) one valid diagonal is chosen, always the same for
// the same input. Points on the hull that are collinear with their neighbours are
// vertices too, so there are 2n - 2 - h triangles for n points, h of them on the hull.
// Exact orientation and in-circle predicates (Shewchuk's error-bounded filters with an
// exact fallback) keep the result valid for any finite coordinates of moderate size.
// Throws InvalidSpecification for a repeated point (naming both indices) or when fewer
// than 3 points are not all on one line.
std::vector<Triangle> delaunay(std::span<const Point2> points);

// Level lines of the function that is linear on each triangle and takes `values[i]` at
// `points[i]`, at `level`. A vertex whose value equals the level counts as above it (as
// in matplotlib's tricontour): a line may then touch that vertex, and which triangles it
// crosses is still decided the same way every time. Triangles must be counter-clockwise
// or clockwise (as delaunay's, not degenerate). Crossing points lie on triangle edges (linear interpolation, computed from the
// edge's lower-indexed end so both triangles of an edge give the same bits); segments
// are joined through shared edges into polylines: open ones start and end on the
// triangulation's boundary, closed ones repeat their first point. A point repeated
// because the line passes through a vertex is given once, and a line that only touches
// the level at one vertex is left out. Lines run with the values at or above the level
// on their left. Values must be finite.
std::vector<Polyline> level_lines(std::span<const Point2> points, std::span<const Triangle> triangles,
                                  std::span<const double> values, double level);

// Level lines of values on a rectangular grid (marching squares, as matplotlib's contour
// draws them): values[j * xs.size() + i] is the value at (xs[i], ys[j]); xs and ys
// increase. Crossing points are linearly interpolated on the grid's edges (from the left
// or lower end); in a cell whose corners alternate above and below the level, the mean of
// the four corners decides which corners connect; a value equal to the level counts as
// above. Cells with a non-finite corner have no lines (lines end at them). Lines run with
// the values at or above the level on their left; closed ones repeat their first point.
// Throws InvalidSpecification when the sizes do not match (at least 2 x 2).
std::vector<Polyline> grid_level_lines(std::span<const double> xs, std::span<const double> ys, std::span<const double> values,
                                       double level);

// Z = Phi^-1(1 - CLs), with CLs clamped to [1e-300, 1 - 1e-16] so that Z is finite
// (Z in about [-8.2, 37]). CLs = 0.05 gives 1.6449; smaller CLs, larger Z.
double cls_significance(double cls);

// One row of a scan's results file (JSON Lines), as read.
struct ScanRow {
  std::size_t line = 0;  // 1-based line number in the file
  std::string name, status, message;
  Json values;  // the row's "values" object (label -> number), or null
  // Observed CLs and expected CLs (-2, -1, 0, +1, +2 sigma); NaN where null or not "ok".
  double cls_obs = 0;
  std::array<double, 5> cls_exp{};
};

struct ScanResults {
  std::string source;  // file name as given ("<stdin>" for "-")
  Json header;         // the first line
  std::vector<std::string> labels;
  std::vector<ScanRow> rows;
  bool ignored_incomplete_last_line = false;  // a killed scan's partial last line
};

// Reads `hfx scan` results ("-" = stdin). Line 1 is the header {"hfx_scan": 1,
// "labels": [...], ...}; each further line one point (rows in any order). A last line
// without a newline that is not valid JSON is ignored (the scan was killed while writing
// it); blank lines are skipped. CLs are read from "ok" rows (CLs_obs and CLs_exp
// required, each a number or null) and from "undetermined" rows (CLs_exp if present).
// Throws InvalidSpecification "FILE:LINE: ..." for any other malformed line, a row
// without name or status, an unknown status, CLs outside [0, 1], or a name that appears
// twice.
ScanResults read_scan_results(const std::string& path);

// The scan's points in one plane and their contours at CLs = level.
struct ContourPlane {
  struct Point {
    std::string name;
    std::string status;  // "" for ok; "undetermined": no observed CLs, expected CLs given
    double x = 0, y = 0;
    double cls_obs = 0;               // NaN: no observed CLs
    std::array<double, 5> cls_exp{};  // NaN: no value
  };
  // One contour. A curve is drawn through the points that have its CLs, so when some
  // point lacks it the curve's triangulation differs from the others'.
  struct Curve {
    std::string key;                  // "observed", "expected", ...
    std::vector<Triangle> triangles;  // indices into ContourPlane::points
    std::vector<Polyline> lines;
    std::string problem;  // why there is no triangulation (fewer than 3 usable points, ...)
  };
  struct Other {  // a row without CLs values (failed, error): shown as a marker only
    std::string name, status, message;
    bool has_xy = false;
    double x = 0, y = 0;
  };
  std::string source, xlabel, ylabel;
  double level = 0.05;
  std::vector<Point> points;  // the "ok" rows and "undetermined" ones with expected CLs, in file order
  std::vector<Other> others;
  // observed (CLs_obs), expected (CLs_exp[2]), expected_minus1sigma (CLs_exp[1]),
  // expected_plus1sigma (CLs_exp[3]).
  std::array<Curve, 4> curves;
  bool ignored_incomplete_last_line = false;
};

// Builds the plane of labels `xlabel` and `ylabel` ("" = the header's first and second
// label) at CLs = `level` (0 < level < 1). Its points are the "ok" rows and the
// "undetermined" rows that give expected CLs (an observed CLs from toys that does not
// exist: `hfx scan` still writes the expected band). Throws InvalidSpecification naming
// FILE:LINE for such a row without a finite number for a label, for two of them at the
// same point, and when fewer than 3 are not on one line; Unsupported for a label the
// header does not list, or the same label twice.
ContourPlane contour_plane(const ScanResults& results, const std::string& xlabel, const std::string& ylabel,
                           double level);

// The plane as JSON: {"x", "y", "level", "points": [{"name", "x", "y", "CLs_obs",
// "CLs_exp", ["status" when not ok]}], "triangles": {curve: [[i, j, k], ...]}, "contours": {curve: [[[x, y],
// ...], ...]}, "problems": {curve: reason} (only curves without a triangulation),
// "not_ok": [{"name", "status", "message"}], "ignored_incomplete_last_line"}.
Json contour_plane_json(const ContourPlane& plane);

// read_scan_results + contour_plane + contour_plane_json.
Json contours_from_scan(const std::string& path, const std::string& xlabel = "", const std::string& ylabel = "",
                        double level = 0.05);

// An SVG picture of the plane (self-contained, no scripts or external resources):
// points coloured by observed CLs on a logarithmic colour bar, the expected +-1 sigma
// band in yellow, expected (dashed black) and observed (solid red) contours, axes with
// the labels as titles, a legend and a title. `title` "" = a default naming the level.
std::string contour_plane_svg(const ContourPlane& plane, const std::string& title = "");

}  // namespace hfx
