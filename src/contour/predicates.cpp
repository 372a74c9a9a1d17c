// Exact orientation and in-circle tests (see predicates.hpp).
#include "contour/predicates.hpp"

#include <cmath>
#include <limits>
#include <vector>

namespace hfx::detail {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon() / 2;  // 2^-53, Shewchuk's epsilon
constexpr double kOrientBound = (3 + 16 * kEps) * kEps;
constexpr double kInCircleBound = (10 + 96 * kEps) * kEps;

// A sum of doubles with no two overlapping, in increasing magnitude, without zeros: its
// sign is the sign of its last (largest) component.
using Expansion = std::vector<double>;

void two_sum(double a, double b, double& s, double& e) {
  s = a + b;
  const double bv = s - a, av = s - bv;
  e = (a - av) + (b - bv);
}

// e += b exactly (Shewchuk's Grow-Expansion with zero elimination).
void grow(Expansion& e, double b) {
  double q = b;
  std::size_t k = 0;
  for (std::size_t i = 0; i < e.size(); ++i) {
    double s, h;
    two_sum(q, e[i], s, h);
    if (h != 0) e[k++] = h;
    q = s;
  }
  e.resize(k);
  if (q != 0) e.push_back(q);
}

Expansion difference(double a, double b) {
  Expansion e;
  grow(e, a);
  grow(e, -b);
  return e;
}

Expansion sum(Expansion a, const Expansion& b) {
  for (double v : b) grow(a, v);
  return a;
}

Expansion negated(Expansion a) {
  for (double& v : a) v = -v;
  return a;
}

// Every pairwise product is exact as p + err (err by one fused multiply-add).
Expansion product(const Expansion& a, const Expansion& b) {
  Expansion r;
  for (double u : a)
    for (double v : b) {
      const double p = u * v;
      grow(r, std::fma(u, v, -p));
      grow(r, p);
    }
  return r;
}

int sign(const Expansion& e) { return e.empty() ? 0 : (e.back() > 0 ? 1 : -1); }

int orient2d_exact(Point2 a, Point2 b, Point2 c) {
  const Expansion acx = difference(a.x, c.x), bcy = difference(b.y, c.y);
  const Expansion acy = difference(a.y, c.y), bcx = difference(b.x, c.x);
  return sign(sum(product(acx, bcy), negated(product(acy, bcx))));
}

int incircle_exact(Point2 a, Point2 b, Point2 c, Point2 d) {
  const Expansion adx = difference(a.x, d.x), ady = difference(a.y, d.y);
  const Expansion bdx = difference(b.x, d.x), bdy = difference(b.y, d.y);
  const Expansion cdx = difference(c.x, d.x), cdy = difference(c.y, d.y);
  const Expansion alift = sum(product(adx, adx), product(ady, ady));
  const Expansion blift = sum(product(bdx, bdx), product(bdy, bdy));
  const Expansion clift = sum(product(cdx, cdx), product(cdy, cdy));
  const Expansion bc = sum(product(bdx, cdy), negated(product(cdx, bdy)));
  const Expansion ca = sum(product(cdx, ady), negated(product(adx, cdy)));
  const Expansion ab = sum(product(adx, bdy), negated(product(bdx, ady)));
  return sign(sum(sum(product(alift, bc), product(blift, ca)), product(clift, ab)));
}

}  // namespace

int orient2d(Point2 a, Point2 b, Point2 c) {
  const double left = (a.x - c.x) * (b.y - c.y), right = (a.y - c.y) * (b.x - c.x);
  const double det = left - right;
  const double bound = kOrientBound * (std::abs(left) + std::abs(right));
  if (det > bound) return 1;
  if (-det > bound) return -1;
  return orient2d_exact(a, b, c);
}

int incircle(Point2 a, Point2 b, Point2 c, Point2 d) {
  const double adx = a.x - d.x, ady = a.y - d.y, bdx = b.x - d.x, bdy = b.y - d.y;
  const double cdx = c.x - d.x, cdy = c.y - d.y;
  const double bdxcdy = bdx * cdy, cdxbdy = cdx * bdy, cdxady = cdx * ady;
  const double adxcdy = adx * cdy, adxbdy = adx * bdy, bdxady = bdx * ady;
  const double alift = adx * adx + ady * ady, blift = bdx * bdx + bdy * bdy, clift = cdx * cdx + cdy * cdy;
  const double det = alift * (bdxcdy - cdxbdy) + blift * (cdxady - adxcdy) + clift * (adxbdy - bdxady);
  const double permanent = (std::abs(bdxcdy) + std::abs(cdxbdy)) * alift +
                           (std::abs(cdxady) + std::abs(adxcdy)) * blift +
                           (std::abs(adxbdy) + std::abs(bdxady)) * clift;
  const double bound = kInCircleBound * permanent;
  if (det > bound) return 1;
  if (-det > bound) return -1;
  return incircle_exact(a, b, c, d);
}

}  // namespace hfx::detail
