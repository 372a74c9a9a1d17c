// The correlation heat map: a cell per pair of parameters, coloured from -1 (blue) to +1
// (red), the value printed in the cell while the cells are large enough to read it.
#include "hfx/plots.hpp"
#include "plot/svg.hpp"

#include <algorithm>
#include <cmath>

namespace hfx {

using plot::Document;

std::string correlations_svg(const Correlations& c, const std::string& subtitle) {
  const std::size_t n = c.names.size();
  std::size_t longest = 0;
  for (const auto& name : c.names) longest = std::max(longest, name.size());
  const double cell = std::clamp(620.0 / static_cast<double>(std::max<std::size_t>(n, 1)), 7.0, 38.0);
  const double label_font = std::clamp(cell * 0.55, 7.0, 12.0);
  const double label = std::clamp(0.6 * label_font * static_cast<double>(longest), 60.0, 560.0);
  const double left = label + 20, top = 74, side = cell * static_cast<double>(n);
  const double bar_x = left + std::max(side, 200.0) + 30;
  Document doc(bar_x + 90, top + std::max(side, 200.0) + label * 0.75 + 30);
  doc.heading(left + std::max(side, 200.0) / 2, "Post-fit correlations", subtitle);
  if (n == 0) doc.text(left + 100, top + 20, "no parameters above the threshold", "middle", 13);
  const bool numbers = cell >= 26;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const double rho = c.matrix[i * n + j];
      const double x = left + cell * static_cast<double>(j), y = top + cell * static_cast<double>(i);
      doc.add("<rect x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"{}\"><title>{}</title></rect>\n", x, y,
              cell, cell, std::isfinite(rho) ? plot::diverging_colour(rho) : "#cccccc",
              plot::xml_escape(fmt::format("{} \u2013 {}: \u03c1 = {:.3f}", c.names[i], c.names[j], rho)));
      if (numbers && std::isfinite(rho))
        doc.text(x + cell / 2, y + cell / 2, fmt::format("{:.2f}", rho), "middle", std::min(cell * 0.32, 11.0),
                 std::abs(rho) > 0.6 ? "dy=\"0.35em\" fill=\"#fff\"" : "dy=\"0.35em\" fill=\"#222\"");
    }
    const double mid = top + cell * (static_cast<double>(i) + 0.5);
    doc.text(left - 6, mid, c.names[i], "end", label_font, "dy=\"0.35em\"");
    const double cx = left + cell * (static_cast<double>(i) + 0.5);
    doc.add("<text transform=\"translate({:.2f},{:.2f}) rotate(-50)\" text-anchor=\"end\" font-size=\"{}\" dy=\"0.35em\">{}</text>\n",
            cx, top + side + 6, label_font, plot::xml_escape(c.names[i]));
  }
  if (n > 0)
    doc.add("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#222\"/>\n", left, top, side,
            side);
  // Colour bar, -1 at the bottom to +1 at the top.
  const double bar_h = std::max(side, 200.0);
  doc.add("<defs><linearGradient id=\"rho-scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">");
  for (int k = 0; k <= 20; ++k) doc.add("<stop offset=\"{}\" stop-color=\"{}\"/>", k / 20.0, plot::diverging_colour(k / 10.0 - 1));
  doc.add("</linearGradient></defs>\n");
  doc.add("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"18\" height=\"{:.1f}\" fill=\"url(#rho-scale)\" stroke=\"#222\" stroke-width=\"0.8\"/>\n",
          bar_x, top, bar_h);
  for (double v : {-1.0, -0.5, 0.0, 0.5, 1.0}) {
    const double y = top + (1 - (v + 1) / 2) * bar_h;
    doc.add("<path d=\"M{:.1f},{:.1f}h5\" stroke=\"#222\"/>", bar_x + 18, y);
    doc.text(bar_x + 27, y, fmt::format("{:g}", v), "start", 12, "dy=\"0.35em\"");
  }
  doc.add("<text transform=\"translate({:.1f},{:.1f}) rotate(-90)\" text-anchor=\"middle\" font-size=\"14\">\u03c1</text>\n",
          bar_x - 8, top + bar_h / 2);
  return doc.finish();
}

}  // namespace hfx
