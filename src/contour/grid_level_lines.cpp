// Level lines of values on a rectangular grid (marching squares), as matplotlib's contour.
#include "hfx/contour.hpp"
#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <cmath>

namespace hfx {

std::vector<Polyline> grid_level_lines(std::span<const double> xs, std::span<const double> ys, std::span<const double> values,
                                       double level) {
  const std::size_t nx = xs.size(), ny = ys.size();
  if (nx < 2 || ny < 2 || values.size() != nx * ny)
    throw InvalidSpecification(fmt::format("grid_level_lines: {} values for a {} x {} grid (at least 2 x 2)", values.size(), nx, ny));
  const auto z = [&](std::size_t i, std::size_t j) { return values[j * nx + i]; };
  // Edges: horizontal (i, j)-(i+1, j), then vertical (i, j)-(i, j+1).
  const std::size_t n_horizontal = ny * (nx - 1), none = std::size_t(-1);
  const auto horizontal = [&](std::size_t i, std::size_t j) { return j * (nx - 1) + i; };
  const auto vertical = [&](std::size_t i, std::size_t j) { return n_horizontal + j * nx + i; };
  // The crossing on an edge, interpolated from its left or lower end.
  const auto crossing = [&](std::size_t edge) {
    if (edge < n_horizontal) {
      const std::size_t j = edge / (nx - 1), i = edge % (nx - 1);
      const double t = (level - z(i, j)) / (z(i + 1, j) - z(i, j));
      return Point2{xs[i] + t * (xs[i + 1] - xs[i]), ys[j]};
    }
    const std::size_t j = (edge - n_horizontal) / nx, i = (edge - n_horizontal) % nx;
    const double t = (level - z(i, j)) / (z(i, j + 1) - z(i, j));
    return Point2{xs[i], ys[j] + t * (ys[j + 1] - ys[j])};
  };
  // Directed segments with the values at or above the level on their left: each starts on
  // a cell edge that, walked counter-clockwise, goes from above to below the level.
  struct Segment {
    std::size_t from, to;
  };
  std::vector<Segment> segments;
  std::vector<std::size_t> leaving(n_horizontal + nx * (ny - 1), none), entering(leaving.size(), none);
  const auto add = [&](std::size_t from, std::size_t to) {
    leaving[from] = entering[to] = segments.size();
    segments.push_back({from, to});
  };
  for (std::size_t j = 0; j + 1 < ny; ++j) {
    for (std::size_t i = 0; i + 1 < nx; ++i) {
      const double c[4] = {z(i, j), z(i + 1, j), z(i + 1, j + 1), z(i, j + 1)};  // counter-clockwise
      if (!(std::isfinite(c[0]) && std::isfinite(c[1]) && std::isfinite(c[2]) && std::isfinite(c[3]))) continue;
      const std::size_t e[4] = {horizontal(i, j), vertical(i + 1, j), horizontal(i, j + 1), vertical(i, j)};  // e[k]: c[k] -> c[k+1]
      bool up[4];
      int n_up = 0;
      for (int k = 0; k < 4; ++k) n_up += up[k] = c[k] >= level;
      if (n_up == 0 || n_up == 4) continue;
      if (n_up == 2 && up[0] == up[2]) {  // a saddle: the mean of the corners decides which corners connect
        const bool centre_up = (c[0] + c[1] + c[2] + c[3]) / 4 >= level;
        for (int k = 0; k < 4; ++k) {
          if (centre_up && !up[k]) add(e[(k + 3) % 4], e[k]);  // cut off the corner below
          if (!centre_up && up[k]) add(e[k], e[(k + 3) % 4]);  // cut off the corner above
        }
        continue;
      }
      std::size_t from = none, to = none;
      for (int k = 0; k < 4; ++k) {
        if (up[k] && !up[(k + 1) % 4]) from = e[k];
        if (!up[k] && up[(k + 1) % 4]) to = e[k];
      }
      add(from, to);
    }
  }
  // Open lines start on an edge no segment enters (the grid's boundary or a cell without
  // values); what is left is closed loops, which repeat their first point.
  std::vector<Polyline> lines;
  std::vector<char> used(segments.size(), 0);
  const auto follow = [&](std::size_t s) {
    Polyline line{crossing(segments[s].from)};
    for (;;) {
      used[s] = 1;
      const Point2 q = crossing(segments[s].to);
      if (q.x != line.back().x || q.y != line.back().y) line.push_back(q);
      const std::size_t next = leaving[segments[s].to];
      if (next == none || used[next]) break;
      s = next;
    }
    if (line.size() > 1) lines.push_back(std::move(line));
  };
  for (std::size_t s = 0; s < segments.size(); ++s)
    if (entering[segments[s].from] == none) follow(s);
  for (std::size_t s = 0; s < segments.size(); ++s)
    if (!used[s]) follow(s);
  return lines;
}

}  // namespace hfx
