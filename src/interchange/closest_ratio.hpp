// Relative values that multiply back to an absolute one (HistFactory XML and HS3 store
// shapesys and luminosity errors relative to the nominal; pyhf's JSON absolute).
#pragma once

#include <cmath>
#include <optional>

namespace hfx::interchange {

// A factor r for which fl(base * r) is closest to target: bit for bit where such an r
// exists, else within an ulp or two (base 50, target 7: no double r gives exactly 7).
// nullopt when base is 0 and target is not.
inline std::optional<double> closest_ratio(double target, double base) {
  if (base == 0) return target == 0 ? std::optional<double>(0.0) : std::nullopt;
  const double r = target / base;
  double best = r, up = r, down = r;
  for (int i = 0; i < 4; ++i) {
    up = std::nextafter(up, INFINITY), down = std::nextafter(down, -INFINITY);
    for (double x : {up, down})
      if (std::fabs(base * x - target) < std::fabs(base * best - target)) best = x;
  }
  return best;
}

}  // namespace hfx::interchange
