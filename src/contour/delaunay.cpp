// Delaunay triangulation by incremental insertion (Bowyer-Watson) with ghost triangles.
//
// Each hull edge carries a "ghost" triangle whose third vertex is a point at infinity; a
// point outside the hull is then in conflict with the ghosts of the hull edges it sees,
// and every insertion is the same cavity re-triangulation, without the far-away super
// triangle whose corners can leave hull edges out. Points are inserted in Hilbert-curve
// order and located by walking from the last new triangle, so each insertion touches a
// few triangles (about n log n in all for scattered points).
#include "contour/predicates.hpp"
#include "hfx/contour.hpp"
#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>

namespace hfx {
namespace {

constexpr std::size_t kInf = std::numeric_limits<std::size_t>::max();  // the vertex at infinity
constexpr std::size_t kNone = kInf;

// v counter-clockwise; n[i] is the triangle across the edge opposite v[i], i.e. the edge
// (v[i+1], v[i+2]). A ghost keeps its infinite vertex in v[2], so its hull edge
// v[0] -> v[1] has the outside on its left.
struct Tri {
  std::array<std::size_t, 3> v, n;
  bool ghost() const { return v[2] == kInf; }
};

// Position along a Hilbert curve over a 2^16 x 2^16 grid (the classic xy -> d loop).
std::uint64_t hilbert_index(std::uint32_t x, std::uint32_t y) {
  std::uint64_t d = 0;
  for (std::uint32_t s = 1u << 15; s > 0; s >>= 1) {
    const std::uint32_t rx = (x & s) ? 1 : 0, ry = (y & s) ? 1 : 0;
    d += static_cast<std::uint64_t>(s) * s * ((3 * rx) ^ ry);
    if (ry == 0) {
      if (rx == 1) {
        x = s - 1 - (x & (s - 1));
        y = s - 1 - (y & (s - 1));
      }
      std::swap(x, y);
    }
  }
  return d;
}

class Builder {
 public:
  explicit Builder(std::span<const Point2> p) : p_(p), start_(p.size() + 1, kNone) {}

  void run(std::vector<std::size_t> order);
  std::vector<Triangle> triangles() const;

 private:
  bool conflicts(const Tri& t, std::size_t q) const;
  std::size_t locate(std::size_t q);
  void insert(std::size_t q);
  std::size_t new_tri(std::size_t a, std::size_t b, std::size_t c);
  std::size_t slot(std::size_t v) const { return v == kInf ? p_.size() : v; }

  std::span<const Point2> p_;
  std::vector<Tri> tris_;
  std::vector<char> alive_;
  std::vector<std::size_t> free_;
  std::vector<std::uint32_t> in_, out_;  // cavity marks: the insertion number that set them
  std::uint32_t stamp_ = 0;
  std::size_t last_ = 0;
  std::uint32_t rng_ = 2463534242u;
  std::vector<std::size_t> start_;  // per vertex: the new triangle whose cavity edge starts there
  // Scratch of one insertion, kept to avoid reallocations.
  std::vector<std::size_t> stack_, cavity_;
  struct Edge {
    std::size_t u, w, outside;
  };
  std::vector<Edge> boundary_;
};

std::size_t Builder::new_tri(std::size_t a, std::size_t b, std::size_t c) {
  std::size_t t;
  if (!free_.empty()) {
    t = free_.back();
    free_.pop_back();
  } else {
    t = tris_.size();
    tris_.emplace_back();
    alive_.push_back(0);
    in_.push_back(0);
    out_.push_back(0);
  }
  tris_[t] = Tri{{a, b, c}, {kNone, kNone, kNone}};
  alive_[t] = 1;
  return t;
}

// Real triangle: q strictly inside the circumcircle. Ghost: q strictly outside its hull
// edge, or on the open edge itself (then inside the real neighbour's circle too).
bool Builder::conflicts(const Tri& t, std::size_t q) const {
  if (!t.ghost()) return detail::incircle(p_[t.v[0]], p_[t.v[1]], p_[t.v[2]], p_[q]) > 0;
  const Point2 a = p_[t.v[0]], b = p_[t.v[1]], c = p_[q];
  const int o = detail::orient2d(a, b, c);
  if (o != 0) return o > 0;
  if (a.x != b.x) return std::min(a.x, b.x) < c.x && c.x < std::max(a.x, b.x);
  return std::min(a.y, b.y) < c.y && c.y < std::max(a.y, b.y);
}

// A triangle in conflict with q: the real triangle containing q, or a ghost whose hull
// edge q sees. Visibility walk with a random first edge (which cannot cycle on a
// Delaunay triangulation); a linear search is the fallback that should never run.
std::size_t Builder::locate(std::size_t q) {
  std::size_t t = last_;
  if (tris_[t].ghost()) t = tris_[t].n[2];
  for (std::size_t steps = 0; steps < 4 * tris_.size() + 16; ++steps) {
    const Tri& tri = tris_[t];
    if (tri.ghost()) return t;
    rng_ ^= rng_ << 13, rng_ ^= rng_ >> 17, rng_ ^= rng_ << 5;
    const std::size_t r = rng_ % 3;
    std::size_t next = kNone;
    for (std::size_t k = 0; k < 3 && next == kNone; ++k) {
      const std::size_t i = (r + k) % 3;
      if (detail::orient2d(p_[tri.v[(i + 1) % 3]], p_[tri.v[(i + 2) % 3]], p_[q]) < 0) next = tri.n[i];
    }
    if (next == kNone) return t;
    t = next;
  }
  for (std::size_t s = 0; s < tris_.size(); ++s)
    if (alive_[s] && conflicts(tris_[s], q)) return s;
  throw std::logic_error("delaunay: no triangle in conflict with an inserted point");
}

void Builder::insert(std::size_t q) {
  ++stamp_;
  const std::size_t t0 = locate(q);
  stack_.assign(1, t0);
  cavity_.assign(1, t0);
  boundary_.clear();
  in_[t0] = stamp_;
  while (!stack_.empty()) {
    const std::size_t t = stack_.back();
    stack_.pop_back();
    for (std::size_t i = 0; i < 3; ++i) {
      const std::size_t nb = tris_[t].n[i];
      if (in_[nb] == stamp_) continue;
      if (out_[nb] != stamp_ && conflicts(tris_[nb], q)) {
        in_[nb] = stamp_;
        stack_.push_back(nb);
        cavity_.push_back(nb);
        continue;
      }
      out_[nb] = stamp_;
      boundary_.push_back({tris_[t].v[(i + 1) % 3], tris_[t].v[(i + 2) % 3], nb});
    }
  }
  for (std::size_t t : cavity_) {
    alive_[t] = 0;
    free_.push_back(t);
  }
  // One new triangle (u, w, q) per cavity edge; neighbours through q are found by the
  // vertex each edge starts at (the cavity's boundary is a cycle around q).
  for (const Edge& e : boundary_) {
    const std::size_t t = new_tri(e.u, e.w, q);
    tris_[t].n[2] = e.outside;
    Tri& out = tris_[e.outside];
    for (std::size_t j = 0; j < 3; ++j)
      if (out.v[(j + 1) % 3] == e.w && out.v[(j + 2) % 3] == e.u) out.n[j] = t;
    start_[slot(e.u)] = t;
  }
  for (const Edge& e : boundary_) {
    const std::size_t t = start_[slot(e.u)], next = start_[slot(e.w)];
    tris_[t].n[0] = next;  // across (w, q)
    tris_[next].n[1] = t;  // across (q, w) seen from the next triangle
  }
  for (const Edge& e : boundary_) {
    const std::size_t t = start_[slot(e.u)];
    Tri& tri = tris_[t];
    // Rotate a ghost so that its infinite vertex is v[2] again.
    while (tri.v[0] == kInf || tri.v[1] == kInf) {
      std::rotate(tri.v.begin(), tri.v.begin() + 1, tri.v.end());
      std::rotate(tri.n.begin(), tri.n.begin() + 1, tri.n.end());
    }
    start_[slot(e.u)] = kNone;
    last_ = t;
  }
}

void Builder::run(std::vector<std::size_t> order) {
  const std::size_t a0 = order[0], b0 = order[1];
  std::size_t c0 = kNone;
  int o = 0;
  for (std::size_t k = 2; k < order.size() && c0 == kNone; ++k)
    if ((o = detail::orient2d(p_[a0], p_[b0], p_[order[k]])) != 0) c0 = order[k];
  if (c0 == kNone)
    throw InvalidSpecification(fmt::format("delaunay: all {} points lie on one line; a plane needs 3 points that do not",
                                           p_.size()));
  const std::size_t a = o > 0 ? a0 : b0, b = o > 0 ? b0 : a0, c = c0;
  // The first triangle and the ghosts of its three edges, linked by matching edges.
  new_tri(a, b, c);
  new_tri(b, a, kInf);
  new_tri(c, b, kInf);
  new_tri(a, c, kInf);
  for (std::size_t s = 0; s < 4; ++s)
    for (std::size_t i = 0; i < 3; ++i)
      for (std::size_t t = 0; t < 4; ++t)
        for (std::size_t j = 0; j < 3; ++j)
          if (tris_[t].v[(j + 1) % 3] == tris_[s].v[(i + 2) % 3] && tris_[t].v[(j + 2) % 3] == tris_[s].v[(i + 1) % 3])
            tris_[s].n[i] = t;
  last_ = 0;
  for (std::size_t q : order)
    if (q != a && q != b && q != c) insert(q);
}

std::vector<Triangle> Builder::triangles() const {
  std::vector<Triangle> out;
  for (std::size_t t = 0; t < tris_.size(); ++t)
    if (alive_[t] && !tris_[t].ghost()) out.push_back({tris_[t].v[0], tris_[t].v[1], tris_[t].v[2]});
  return out;
}

}  // namespace

std::vector<Triangle> delaunay(std::span<const Point2> points) {
  const std::size_t n = points.size();
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(points[i].x) || !std::isfinite(points[i].y))
      throw InvalidSpecification(fmt::format("delaunay: point {} has a coordinate that is not a finite number", i));
  if (n < 3) throw InvalidSpecification(fmt::format("delaunay: {} point{}; a plane needs at least 3", n, n == 1 ? "" : "s"));
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) {
    return std::tie(points[i].x, points[i].y, i) < std::tie(points[j].x, points[j].y, j);
  });
  for (std::size_t k = 1; k < n; ++k) {
    const Point2 u = points[order[k - 1]], w = points[order[k]];
    if (u.x == w.x && u.y == w.y)
      throw InvalidSpecification(fmt::format("delaunay: points {} and {} are the same point ({}, {})",
                                             std::min(order[k - 1], order[k]), std::max(order[k - 1], order[k]), u.x, u.y));
  }
  double x0 = points[0].x, x1 = x0, y0 = points[0].y, y1 = y0;
  for (const Point2& q : points) {
    x0 = std::min(x0, q.x), x1 = std::max(x1, q.x);
    y0 = std::min(y0, q.y), y1 = std::max(y1, q.y);
  }
  // Hilbert order of the grid cell (the scaling only orders the insertions).
  const auto cell = [](double v, double lo, double hi) {
    return hi > lo ? static_cast<std::uint32_t>(std::min(65535.0, (v - lo) / (hi - lo) * 65536.0)) : 0u;
  };
  std::vector<std::uint64_t> key(n);
  for (std::size_t i = 0; i < n; ++i) key[i] = hilbert_index(cell(points[i].x, x0, x1), cell(points[i].y, y0, y1));
  std::sort(order.begin(), order.end(), [&](std::size_t i, std::size_t j) { return std::tie(key[i], i) < std::tie(key[j], j); });
  Builder b(points);
  b.run(std::move(order));
  return b.triangles();
}

}  // namespace hfx
