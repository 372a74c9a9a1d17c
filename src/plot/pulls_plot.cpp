// The pull plot: one row per constrained free parameter, (bestfit - prefit) / prefit width
// as a point and post-fit / pre-fit width as its error bar, over the +-1 and +-2 bands.
#include "hfx/plots.hpp"
#include "plot/svg.hpp"

#include <algorithm>
#include <cmath>

namespace hfx {

using plot::Document;
using plot::Frame;

std::string pulls_svg(const PullsResult& pulls, const std::string& subtitle) {
  std::vector<const PullEntry*> rows;
  std::size_t longest = 0;
  double reach = 2.5;
  for (const auto& p : pulls.parameters)
    if (p.constrained && !p.fixed && std::isfinite(p.pull)) {
      rows.push_back(&p);
      longest = std::max(longest, p.name.size());
      reach = std::max(reach, std::abs(p.pull) + (std::isfinite(p.constraint) ? p.constraint : 0));
    }
  const double row = 20, label = std::clamp(7.0 * static_cast<double>(longest), 100.0, 560.0);
  const double range = std::min(std::ceil(reach + 0.25), 10.0);
  Frame f;
  f.left = label + 24, f.right = f.left + 560, f.top = 74;
  f.bottom = f.top + row * static_cast<double>(std::max<std::size_t>(rows.size(), 1)) + 8;
  f.x0 = -range, f.x1 = range, f.y0 = 0, f.y1 = f.height();
  Document doc(f.right + 30, f.bottom + 66);
  doc.heading((f.left + f.right) / 2, "Nuisance parameter pulls", subtitle);
  plot::AxisSpec x{.title = "(\u03b8\u0302 \u2212 \u03b8\u2080) / \u0394\u03b8"}, y{.ticks = false, .title = ""};
  plot::axes_below(doc, f, x, y);
  doc.add("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#ffe97f\"/>\n", f.sx(-2), f.top,
          f.sx(2) - f.sx(-2), f.height());
  doc.add("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#8fd18f\"/>\n", f.sx(-1), f.top,
          f.sx(1) - f.sx(-1), f.height());
  doc.add("<path d=\"M{0:.1f},{1:.1f}V{2:.1f}\" stroke=\"#555\" stroke-dasharray=\"4,3\"/>\n", f.sx(0), f.top, f.bottom);
  if (rows.empty()) doc.text((f.left + f.right) / 2, f.top + 18, "no constrained free parameters", "middle", 13);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const PullEntry& p = *rows[i];
    const double Y = f.top + 4 + row * (static_cast<double>(i) + 0.5);
    const double X = f.sx(std::clamp(p.pull, -range, range));
    doc.add("<g><title>{}</title>", plot::xml_escape(fmt::format("{}: pull {:.3f}, constraint {:.3f} (best fit {:.4g} \u00b1 {:.3g})",
                                                                p.name, p.pull, p.constraint, p.bestfit, p.uncertainty)));
    if (std::isfinite(p.constraint))
      doc.add("<path d=\"M{:.1f},{:.1f}H{:.1f}\" stroke=\"#111\" stroke-width=\"1.6\"/>",
              f.sx(std::max(p.pull - p.constraint, -range)), Y, f.sx(std::min(p.pull + p.constraint, range)));
    doc.add("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.6\" fill=\"#111\"/></g>\n", X, Y);
    doc.text(f.left - 8, Y, p.name, "end", 12, "dy=\"0.35em\"");
  }
  plot::outline(doc, f, x, y);
  return doc.finish();
}

}  // namespace hfx
