// The two-parameter profile scan: -2 Delta log L on the grid as coloured cells (darker =
// more likely), the 68.27% and 95% CL contours over them, and the best fit.
#include "hfx/plots.hpp"
#include "plot/svg.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace hfx {

using plot::Document;
using plot::Frame;

namespace {

// White at 0 to pale grey-blue at the top of the scale (the contours stay readable).
std::string cell_colour(double v, double top) {
  const double t = std::clamp(1.0 - v / top, 0.0, 1.0);
  const std::array<double, 3> low{250, 250, 250}, high{107, 142, 191};
  const auto c = [&](std::size_t k) { return static_cast<int>(std::lround(low[k] + t * (high[k] - low[k]))); };
  return fmt::format("#{:02x}{:02x}{:02x}", c(0), c(1), c(2));
}

}  // namespace

std::string profile2d_svg(const ProfileScan2D& scan, const std::string& subtitle) {
  Frame f;
  f.left = 90, f.right = 610, f.top = 74, f.bottom = 594;
  const std::size_t nx = scan.x.size(), ny = scan.y.size();
  f.x0 = nx ? scan.x.front() : 0, f.x1 = nx ? scan.x.back() : 1;
  f.y0 = ny ? scan.y.front() : 0, f.y1 = ny ? scan.y.back() : 1;
  if (!(f.x1 > f.x0)) f.x1 = f.x0 + 1;
  if (!(f.y1 > f.y0)) f.y1 = f.y0 + 1;
  const double top = 12.0;  // the colour scale's end (beyond the 99.7% CL level 11.8)
  Document doc(760, 680);
  doc.heading((f.left + f.right) / 2, fmt::format("Profile likelihood of {} and {}", scan.parameters[0], scan.parameters[1]),
              subtitle);
  plot::AxisSpec x{.title = scan.parameters[0]}, y{.title = scan.parameters[1]};
  plot::axes_below(doc, f, x, y);
  doc.add("<defs><clipPath id=\"profile2d-frame\"><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/></clipPath></defs>\n",
          f.left, f.top, f.width(), f.height());
  doc.add("<g clip-path=\"url(#profile2d-frame)\">\n");
  // Each grid point's cell reaches halfway to its neighbours.
  auto edges = [](const std::vector<double>& v, std::size_t i) {
    const double lo = i == 0 ? v[0] : 0.5 * (v[i - 1] + v[i]);
    const double hi = i + 1 == v.size() ? v[i] : 0.5 * (v[i] + v[i + 1]);
    return std::pair{lo, hi};
  };
  for (std::size_t j = 0; j < ny; ++j)
    for (std::size_t i = 0; i < nx; ++i) {
      const double v = scan.delta_twice_nll[j * nx + i];
      const auto [x0, x1] = edges(scan.x, i);
      const auto [y0, y1] = edges(scan.y, j);
      doc.add("<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"{}\"><title>{}</title></rect>\n", f.sx(x0),
              f.sy(y1), f.sx(x1) - f.sx(x0) + 0.3, f.sy(y0) - f.sy(y1) + 0.3,
              std::isfinite(v) ? cell_colour(v, top) : std::string("#d9d9d9"),
              plot::xml_escape(fmt::format("{} = {:.4g}, {} = {:.4g}: \u22122\u0394lnL = {}", scan.parameters[0], scan.x[i],
                                           scan.parameters[1], scan.y[j], std::isfinite(v) ? fmt::format("{:.4g}", v) : "no fit")));
    }
  const char* const colours[] = {"#1f3b73", "#d62728"};
  const char* const dashes[] = {"", " stroke-dasharray=\"7,4\""};
  for (std::size_t k = 0; k < scan.contours.size() && k < 2; ++k)
    for (const auto& line : scan.contours[k].lines) {
      std::string d;
      for (const auto& p : line) d += fmt::format("{}{:.2f},{:.2f}", d.empty() ? "M" : "L", f.sx(p.x), f.sy(p.y));
      doc.add("<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2.2\" stroke-linejoin=\"round\"{}/>\n", d, colours[k],
              dashes[k]);
    }
  if (scan.best.x.size() > std::max(scan.index[0], scan.index[1])) {
    const double bx = f.sx(scan.best.x[scan.index[0]]), by = f.sy(scan.best.x[scan.index[1]]);
    doc.add("<path d=\"M{0:.1f},{1:.1f}m-6,-6l12,12m0,-12l-12,12\" stroke=\"#000\" stroke-width=\"2\"><title>{2}</title></path>\n", bx, by,
            plot::xml_escape(fmt::format("best fit: {} = {:.4g}, {} = {:.4g}", scan.parameters[0], scan.best.x[scan.index[0]],
                                         scan.parameters[1], scan.best.x[scan.index[1]])));
  }
  doc.add("</g>\n");
  plot::outline(doc, f, x, y);
  // Legend to the right of the frame.
  const double lx = f.right + 22;
  double ly = f.top + 14;
  for (std::size_t k = 0; k < scan.contours.size() && k < 2; ++k, ly += 24) {
    doc.add("<path d=\"M{:.1f},{:.1f}h28\" stroke=\"{}\" stroke-width=\"2.2\"{}/>\n", lx, ly, colours[k], dashes[k]);
    doc.text(lx + 34, ly, fmt::format("{:.4g}% CL", 100 * scan.contours[k].cl), "start", 12.5, "dy=\"0.35em\"");
  }
  doc.add("<path d=\"M{0:.1f},{1:.1f}m-6,-6l12,12m0,-12l-12,12\" stroke=\"#000\" stroke-width=\"2\"/>\n", lx + 14, ly);
  doc.text(lx + 34, ly, "best fit", "start", 12.5, "dy=\"0.35em\"");
  ly += 34;
  doc.text(lx, ly, "\u22122\u0394lnL", "start", 12.5);
  for (int k = 0; k <= 4; ++k) {
    const double v = top * k / 4.0;
    doc.add("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"18\" height=\"18\" fill=\"{}\" stroke=\"#999\" stroke-width=\"0.5\"/>\n", lx,
            ly + 8 + 20 * k, cell_colour(v, top));
    doc.text(lx + 26, ly + 17 + 20 * k, k == 4 ? fmt::format("\u2265 {:g}", v) : fmt::format("{:g}", v), "start", 12,
             "dy=\"0.35em\"");
  }
  return doc.finish();
}

}  // namespace hfx
