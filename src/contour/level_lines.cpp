// Level lines of a piecewise-linear function on triangles (marching triangles).
#include "contour/predicates.hpp"
#include "hfx/contour.hpp"
#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <unordered_map>

namespace hfx {

std::vector<Polyline> level_lines(std::span<const Point2> points, std::span<const Triangle> triangles,
                                  std::span<const double> values, double level) {
  const std::size_t n = points.size();
  if (values.size() != n)
    throw InvalidSpecification(fmt::format("level_lines: {} values for {} points", values.size(), n));
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(values[i])) throw InvalidSpecification(fmt::format("level_lines: value {} is not finite", i));
  const auto key = [n](std::size_t a, std::size_t b) {
    return static_cast<std::uint64_t>(std::min(a, b)) * n + std::max(a, b);
  };
  // The crossing on edge (a, b), from its lower-indexed end: the same bits from both sides.
  const auto crossing = [&](std::size_t a, std::size_t b) {
    if (a > b) std::swap(a, b);
    const double t = (level - values[a]) / (values[b] - values[a]);
    return Point2{points[a].x + t * (points[b].x - points[a].x), points[a].y + t * (points[b].y - points[a].y)};
  };
  // One directed segment per crossed triangle, with the side at or above the level on
  // its left: then the segment that ends on an edge continues in the triangle across it.
  struct Segment {
    std::uint64_t from, to;
  };
  std::vector<Segment> segments;
  std::unordered_map<std::uint64_t, Point2> at;         // edge -> its crossing point
  std::unordered_map<std::uint64_t, std::size_t> from;  // edge -> the segment leaving it
  std::unordered_map<std::uint64_t, std::size_t> into;  // edge -> the segment entering it
  for (const Triangle& tri : triangles) {
    Triangle t = tri;
    for (std::size_t v : t)
      if (v >= n) throw InvalidSpecification(fmt::format("level_lines: triangle vertex {} is not a point index", v));
    if (detail::orient2d(points[t[0]], points[t[1]], points[t[2]]) < 0) std::swap(t[1], t[2]);
    const bool up[3] = {values[t[0]] >= level, values[t[1]] >= level, values[t[2]] >= level};
    if (up[0] == up[1] && up[1] == up[2]) continue;
    // The vertex alone on its side, and its successor and predecessor counter-clockwise.
    const std::size_t i = up[0] == up[1] ? 2 : (up[0] == up[2] ? 1 : 0);
    const std::size_t lone = t[i], next = t[(i + 1) % 3], prev = t[(i + 2) % 3];
    Segment s{key(lone, next), key(prev, lone)};
    if (!up[i]) std::swap(s.from, s.to);
    at.emplace(key(lone, next), crossing(lone, next));
    at.emplace(key(prev, lone), crossing(prev, lone));
    if (!from.emplace(s.from, segments.size()).second || !into.emplace(s.to, segments.size()).second)
      throw InvalidSpecification("level_lines: an edge is shared by more than two triangles or they overlap");
    segments.push_back(s);
  }
  // Open lines start on an edge no segment enters (the boundary); what is left is loops.
  std::vector<Polyline> lines;
  std::vector<char> used(segments.size(), 0);
  // A vertex exactly at the level is the crossing point of each of its edges that cross:
  // such repeats are dropped, and a line that shrinks to one point (it only touches the
  // level there) with them.
  const auto follow = [&](std::size_t s) {
    Polyline line{at.at(segments[s].from)};
    for (;;) {
      used[s] = 1;
      const Point2 q = at.at(segments[s].to);
      if (q.x != line.back().x || q.y != line.back().y) line.push_back(q);
      const auto it = from.find(segments[s].to);
      if (it == from.end() || used[it->second]) break;
      s = it->second;
    }
    if (line.size() > 1) lines.push_back(std::move(line));
  };
  for (std::size_t s = 0; s < segments.size(); ++s)
    if (!used[s] && !into.contains(segments[s].from)) follow(s);
  for (std::size_t s = 0; s < segments.size(); ++s)
    if (!used[s]) follow(s);
  return lines;
}

}  // namespace hfx
