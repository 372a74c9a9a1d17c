// An SVG picture of a scan's plane and its contours, written by hand (no library): the
// picture is part of the product, so its layout is fixed here and checked by rendering.
#include "contour/predicates.hpp"
#include "plot/svg.hpp"
#include "hfx/contour.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>

namespace hfx {
namespace {

using plot::xml_escape;

// Canvas and plot frame (pixels); the right column holds the legend and colour bar.
constexpr double kWidth = 900, kHeight = 700;
constexpr double kLeft = 92, kTop = 78, kRight = 640, kBottom = 612;
constexpr double kColumn = 668;
const char* const kFont = "DejaVu Sans, Helvetica, Arial, sans-serif";

// Matplotlib's "Blues" reversed, without its near-white end: dark navy for small CLs
// (strongly excluded) to light blue at CLs = 1, so that neither end competes with the
// yellow band or the red line, and a CLs = 1 point still shows on white.
constexpr std::array<std::array<double, 3>, 7> kBlues{{{8, 48, 107}, {8, 81, 156}, {33, 113, 181}, {66, 146, 198},
                                                       {107, 174, 214}, {158, 202, 225}, {198, 219, 239}}};

std::string colour(double t) {
  const std::size_t last = kBlues.size() - 1;
  t = std::clamp(t, 0.0, 1.0) * static_cast<double>(last);
  const std::size_t i = std::min(static_cast<std::size_t>(t), last - 1);
  const double f = t - static_cast<double>(i);
  const auto c = [&](std::size_t k) { return static_cast<int>(std::lround(kBlues[i][k] + f * (kBlues[i + 1][k] - kBlues[i][k]))); };
  return fmt::format("#{:02x}{:02x}{:02x}", c(0), c(1), c(2));
}

// A polygon's vertex with the values of two functions linear on it. Keeping the part
// where sign * a >= 0 (on_a) or sign * b >= 0 is cutting by a straight line, so a convex
// polygon stays convex (Sutherland-Hodgman, one half-plane).
struct Vertex {
  double x, y, a, b;
};
std::vector<Vertex> clip(std::vector<Vertex> poly, bool on_a, double sign) {
  std::vector<Vertex> out;
  const auto f = [&](const Vertex& v) { return sign * (on_a ? v.a : v.b); };
  for (std::size_t i = 0; i < poly.size(); ++i) {
    const Vertex &p = poly[i], &q = poly[(i + 1) % poly.size()];
    const double fp = f(p), fq = f(q);
    if (fp >= 0) out.push_back(p);
    if ((fp >= 0) != (fq >= 0)) {
      const double t = fp / (fp - fq);
      out.push_back({p.x + t * (q.x - p.x), p.y + t * (q.y - p.y), p.a + t * (q.a - p.a), p.b + t * (q.b - p.b)});
    }
  }
  return out;
}

class Svg {
 public:
  explicit Svg(const ContourPlane& plane);
  std::string draw(const std::string& title);

 private:
  double sx(double x) const { return kLeft + (x - x0_) / (x1_ - x0_) * (kRight - kLeft); }
  double sy(double y) const { return kBottom - (y - y0_) / (y1_ - y0_) * (kBottom - kTop); }
  std::string path_of(const Polyline& line) const {
    std::string d;
    for (const Point2& q : line) d += fmt::format("{}{:.2f},{:.2f}", d.empty() ? "M" : "L", sx(q.x), sy(q.y));
    return d;
  }
  // Position of a CLs on the logarithmic colour scale: 0 at 10^decades_ (or below), 1 at 1.
  double colour_t(double cls) const {
    return (std::log10(std::max(cls, std::pow(10.0, decades_))) - decades_) / -decades_;
  }
  void axes();
  void band();
  void curve(const ContourPlane::Curve& c, const char* stroke, double width, const char* dash);
  void markers();
  void legend_and_colour_bar();

  const ContourPlane& plane_;
  double x0_, x1_, y0_, y1_;
  double radius_;
  int decades_ = -3;
  std::size_t no_result_ = 0, no_observed_ = 0;
  std::string s_, frame_;
};

Svg::Svg(const ContourPlane& plane) : plane_(plane) {
  double x0 = plane.points[0].x, x1 = x0, y0 = plane.points[0].y, y1 = y0;
  double lowest = 1;
  for (const auto& p : plane.points) {
    x0 = std::min(x0, p.x), x1 = std::max(x1, p.x), y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
    if (p.cls_obs > 0) lowest = std::min(lowest, p.cls_obs);
    if (std::isnan(p.cls_obs)) ++no_observed_;
  }
  for (const auto& o : plane.others) no_result_ += o.has_xy;
  const double mx = 0.04 * (x1 - x0), my = 0.04 * (y1 - y0);
  x0_ = x0 - mx, x1_ = x1 + mx, y0_ = y0 - my, y1_ = y1 + my;
  decades_ = std::clamp(static_cast<int>(std::floor(std::log10(lowest))), -6, -1);
  // Markers a fifth of the typical spacing of a grid filling the frame (dense scans: dots).
  const double spacing = std::sqrt((kRight - kLeft) * (kBottom - kTop) / static_cast<double>(plane.points.size()));
  radius_ = std::clamp(0.2 * spacing, 1.2, 6.0);
}

void Svg::axes() {
  s_ += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", kLeft, kTop,
                    kRight - kLeft, kBottom - kTop);
  const plot::Ticks xticks = plot::nice_ticks(x0_, x1_, 7), yticks = plot::nice_ticks(y0_, y1_, 7);
  const auto& xt = xticks.values;
  const auto& yt = yticks.values;
  const int xd = xticks.decimals, yd = yticks.decimals;
  std::string grid, ticks, labels;
  for (double v : xt) {
    const double X = sx(v);
    grid += fmt::format("M{:.2f},{}V{}", X, kTop, kBottom);
    ticks += fmt::format("M{:.2f},{}v-7M{:.2f},{}v7", X, kBottom, X, kTop);
    labels += fmt::format("<text x=\"{:.2f}\" y=\"{}\" text-anchor=\"middle\">{:.{}f}</text>\n", X, kBottom + 22, v, xd);
  }
  for (double v : yt) {
    const double Y = sy(v);
    grid += fmt::format("M{},{:.2f}H{}", kLeft, Y, kRight);
    ticks += fmt::format("M{},{:.2f}h7M{},{:.2f}h-7", kLeft, Y, kRight, Y);
    labels += fmt::format("<text x=\"{}\" y=\"{:.2f}\" text-anchor=\"end\" dy=\"0.35em\">{:.{}f}</text>\n", kLeft - 10,
                          Y, v, yd);
  }
  s_ += fmt::format("<path d=\"{}\" stroke=\"#e8e8e8\" stroke-width=\"1\" fill=\"none\"/>\n", grid);
  s_ += fmt::format("<g font-size=\"14\" fill=\"#222\">\n{}</g>\n", labels);
  s_ += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"17\">{}</text>\n",
                    (kLeft + kRight) / 2, kBottom + 52, xml_escape(plane_.xlabel));
  s_ += fmt::format("<text transform=\"translate({},{}) rotate(-90)\" text-anchor=\"middle\" font-size=\"17\">{}</text>\n",
                    kLeft - 64, (kTop + kBottom) / 2, xml_escape(plane_.ylabel));
  // The frame and ticks go on top of everything else (draw() adds them last).
  frame_ = fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#222\" "
                       "stroke-width=\"1.2\"/>\n<path d=\"{}\" stroke=\"#222\" stroke-width=\"1.2\"/>\n",
                       kLeft, kTop, kRight - kLeft, kBottom - kTop, ticks);
}

// The region between the -1 and +1 sigma expected contours: where exactly one of the two
// interpolants is at or above the level, cut out of each triangle exactly. One path, so
// that the pieces join without anti-aliasing seams.
void Svg::band() {
  const double z0 = cls_significance(plane_.level);
  std::vector<std::size_t> use;
  std::vector<Point2> sub;
  for (std::size_t i = 0; i < plane_.points.size(); ++i) {
    const auto& p = plane_.points[i];
    if (!std::isnan(p.cls_exp[1]) && !std::isnan(p.cls_exp[3])) {
      use.push_back(i);
      sub.push_back({p.x, p.y});
    }
  }
  std::vector<Triangle> tris;
  try {
    tris = delaunay(sub);
  } catch (const std::exception&) {
    return;  // fewer than 3 points with both values: the band's edge lines still show
  }
  std::string d;
  for (const Triangle& t : tris) {
    std::vector<Vertex> tri;
    for (std::size_t k : t) {
      const auto& p = plane_.points[use[k]];
      tri.push_back({p.x, p.y, cls_significance(p.cls_exp[1]) - z0, cls_significance(p.cls_exp[3]) - z0});
    }
    for (const bool a_above : {true, false}) {
      const auto piece = clip(clip(tri, true, a_above ? 1 : -1), false, a_above ? -1 : 1);
      if (piece.size() < 3) continue;
      for (std::size_t k = 0; k < piece.size(); ++k)
        d += fmt::format("{}{:.2f},{:.2f}", k == 0 ? "M" : "L", sx(piece[k].x), sy(piece[k].y));
      d += "Z";
    }
  }
  if (!d.empty()) s_ += fmt::format("<path d=\"{}\" fill=\"#ffd92f\" fill-opacity=\"0.75\" stroke=\"none\"/>\n", d);
}

void Svg::curve(const ContourPlane::Curve& c, const char* stroke, double width, const char* dash) {
  for (const Polyline& line : c.lines)
    s_ += fmt::format("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}{}{} stroke-linejoin=\"round\" "
                      "stroke-linecap=\"round\"/>\n",
                      path_of(line), stroke, width, *dash ? " stroke-dasharray=\"" : "",
                      dash, *dash ? "\"" : "");
}

void Svg::markers() {
  const double r = radius_;
  std::string crosses;
  for (const auto& o : plane_.others)
    if (o.has_xy) {
      const double X = sx(o.x), Y = sy(o.y);
      crosses += fmt::format("M{:.2f},{:.2f}l{:.2f},{:.2f}m0,{:.2f}l{:.2f},{:.2f}", X - r, Y - r, 2 * r, 2 * r, -2 * r,
                             -2 * r, 2 * r);
    }
  if (!crosses.empty()) s_ += fmt::format("<path d=\"{}\" stroke=\"#7f7f7f\" stroke-width=\"1.5\"/>\n", crosses);
  // Points without an observed CLs: open grey diamonds, a shape of their own.
  s_ += radius_ >= 2.5 ? "<g stroke-width=\"0.6\">\n" : "<g stroke-width=\"0\">\n";  // dense: outlines would hide the fill
  for (const auto& p : plane_.points) {
    if (std::isnan(p.cls_obs))
      s_ += fmt::format("<path d=\"M{:.2f},{:.2f}l{:.2f},{:.2f}l{:.2f},{:.2f}l{:.2f},{:.2f}z\" fill=\"none\" stroke=\"#7f7f7f\" "
                        "stroke-width=\"1.4\"><title>{}</title></path>\n",
                        sx(p.x), sy(p.y) - 1.3 * r, 1.3 * r, 1.3 * r, -1.3 * r, 1.3 * r, -1.3 * r, -1.3 * r,
                        xml_escape(p.name + ": no observed CLs"));
    else
      s_ += fmt::format("<circle cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"{:.2f}\" fill=\"{}\" stroke=\"#333\"><title>{}</title></circle>\n",
                        sx(p.x), sy(p.y), r, colour(colour_t(p.cls_obs)), xml_escape(fmt::format("{}: CLs = {:.3g}", p.name, p.cls_obs)));
  }
  s_ += "</g>\n";
}

void Svg::legend_and_colour_bar() {
  const double x = kColumn, w = 222;
  struct Entry {
    std::string sample, text;
  };
  std::vector<Entry> entries = {
      {"<path d=\"M0,0h30\" stroke=\"#d62728\" stroke-width=\"2.6\"/>", "Observed limit"},
      {"<path d=\"M0,0h30\" stroke=\"#000\" stroke-width=\"2.2\" stroke-dasharray=\"8,5\"/>", "Expected limit"},
      {"<rect x=\"0\" y=\"-7\" width=\"30\" height=\"14\" fill=\"#ffd92f\" fill-opacity=\"0.75\"/>"
       "<path d=\"M0,-7h30M0,7h30\" stroke=\"#b8860b\" stroke-width=\"1.2\" stroke-dasharray=\"2,3\"/>",
       "Expected \u00b11\u03c3"},
      {fmt::format("<circle cx=\"15\" cy=\"0\" r=\"5\" fill=\"{}\" stroke=\"#333\" stroke-width=\"0.6\"/>", colour(0.55)),
       "Scan point"}};
  if (no_observed_ > 0)
    entries.push_back({"<path d=\"M15,-6.5l6.5,6.5l-6.5,6.5l-6.5,-6.5z\" fill=\"none\" stroke=\"#7f7f7f\" stroke-width=\"1.4\"/>",
                       fmt::format("No observed CLs ({})", no_observed_)});
  if (no_result_ > 0)
    entries.push_back({"<path d=\"M10,-5l10,10m0,-10l-10,10\" stroke=\"#7f7f7f\" stroke-width=\"1.5\"/>",
                       fmt::format("No result ({})", no_result_)});
  const double row = 25, h = 40 + row * static_cast<double>(entries.size());
  s_ += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"#fff\" stroke=\"#bbb\"/>\n", x,
                    kTop, w, h);
  s_ += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"15\" font-weight=\"bold\">{:.4g}% CL limits</text>\n", x + 12,
                    kTop + 24, 100 * (1 - plane_.level));
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const double y = kTop + 46 + row * static_cast<double>(i);
    s_ += fmt::format("<g transform=\"translate({},{})\">{}</g>\n", x + 12, y, entries[i].sample);
    s_ += fmt::format("<text x=\"{}\" y=\"{}\" dy=\"0.35em\" font-size=\"13\">{}</text>\n", x + 52, y, entries[i].text);
  }
  // Colour bar: logarithmic in CLs, from 10^decades_ (and below) to 1, the level marked.
  const double top = kTop + h + 58, bottom = kBottom, bx = x + 52, bw = 18;
  s_ += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"14\" text-anchor=\"middle\">Observed CLs</text>\n", bx + bw / 2,
                    top - 16);
  s_ += "<defs><linearGradient id=\"cls-scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">";
  for (int k = 0; k <= 16; ++k) s_ += fmt::format("<stop offset=\"{}\" stop-color=\"{}\"/>", k / 16.0, colour(k / 16.0));
  s_ += "</linearGradient></defs>\n";
  s_ += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"url(#cls-scale)\" stroke=\"#333\" "
                    "stroke-width=\"0.8\"/>\n",
                    bx, top, bw, bottom - top);
  const auto bar_y = [&](double t) { return bottom - t * (bottom - top); };
  const char* const kSuperscript[] = {"\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074", "\u2075", "\u2076"};
  for (int k = decades_; k <= 0; ++k) {
    const double y = bar_y(static_cast<double>(k - decades_) / -decades_);
    const std::string label = k == 0 ? "1" : fmt::format("10\u207b{}", kSuperscript[-k]);
    s_ += fmt::format("<path d=\"M{},{:.2f}h5\" stroke=\"#333\"/><text x=\"{}\" y=\"{:.2f}\" dy=\"0.35em\" "
                      "font-size=\"13\">{}</text>\n",
                      bx + bw, y, bx + bw + 8, y, label);
  }
  const double ly = bar_y(colour_t(plane_.level));
  s_ += fmt::format("<path d=\"M{},{:.2f}h{}\" stroke=\"#d62728\" stroke-width=\"2.2\"/><text x=\"{}\" y=\"{:.2f}\" "
                    "dy=\"0.35em\" font-size=\"13\" text-anchor=\"end\" fill=\"#d62728\">{:g}</text>\n",
                    bx - 4, ly, bw + 8, bx - 8, ly, plane_.level);
}

std::string Svg::draw(const std::string& title) {
  s_ = fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
                   "height=\"{1}\" viewBox=\"0 0 {0} {1}\" font-family=\"{2}\">\n",
                   kWidth, kHeight, kFont);
  s_ += "<rect width=\"100%\" height=\"100%\" fill=\"#fafafa\"/>\n";
  s_ += fmt::format("<defs><clipPath id=\"frame\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath></defs>\n",
                    kLeft, kTop, kRight - kLeft, kBottom - kTop);
  const std::string name = std::filesystem::path(plane_.source).filename().string();
  s_ += fmt::format("<text x=\"{}\" y=\"34\" text-anchor=\"middle\" font-size=\"21\" font-weight=\"bold\">{}</text>\n",
                    (kLeft + kRight) / 2,
                    xml_escape(title.empty() ? fmt::format("Exclusion contours at {:.4g}% CL", 100 * (1 - plane_.level))
                                             : title));
  s_ += fmt::format("<text x=\"{}\" y=\"58\" text-anchor=\"middle\" font-size=\"13\" fill=\"#555\">{}</text>\n",
                    (kLeft + kRight) / 2,
                    xml_escape(fmt::format("{} \u00b7 {} points{} \u00b7 CLs = {:g}", name, plane_.points.size(),
                                           plane_.others.empty() ? "" : fmt::format(" + {} without result", plane_.others.size()),
                                           plane_.level)));
  axes();
  s_ += "<g clip-path=\"url(#frame)\">\n";
  band();
  markers();
  curve(plane_.curves[2], "#b8860b", 1.2, "2,3");
  curve(plane_.curves[3], "#b8860b", 1.2, "2,3");
  curve(plane_.curves[1], "#000000", 2.2, "8,5");
  curve(plane_.curves[0], "#d62728", 2.6, "");
  s_ += "</g>\n" + frame_;
  legend_and_colour_bar();
  s_ += "</svg>\n";
  return s_;
}

}  // namespace

std::string contour_plane_svg(const ContourPlane& plane, const std::string& title) {
  if (plane.points.empty()) return {};
  return Svg(plane).draw(title);
}

}  // namespace hfx
