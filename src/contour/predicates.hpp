// Exact geometric predicates for the Delaunay triangulation.
//
// A floating-point evaluation decides when its error bound allows (Shewchuk, "Adaptive
// Precision Floating-Point Arithmetic and Fast Robust Geometric Predicates", 1997, bounds
// A); otherwise the determinant is evaluated exactly as a floating-point expansion.
// Regular grids make many in-circle tests exactly zero, which only exact arithmetic
// reports reliably: a rounded answer can make the triangulation inconsistent.
// Exact for finite inputs whose products neither overflow nor underflow.
#pragma once

#include "hfx/contour.hpp"

namespace hfx::detail {

// +1 if c lies left of the directed line a -> b (a, b, c counter-clockwise), -1 if right,
// 0 if the three points are collinear.
int orient2d(Point2 a, Point2 b, Point2 c);

// For a, b, c counter-clockwise: +1 if d lies strictly inside their circumcircle, -1 if
// strictly outside, 0 on it.
int incircle(Point2 a, Point2 b, Point2 c, Point2 d);

}  // namespace hfx::detail
