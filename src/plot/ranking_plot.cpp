// The ranking plot (cabinetry's and TRExFitter's layout): per parameter the impacts on the
// POI as bars against the upper axis, and its pull with constraint as a point against the
// lower axis, both axes sharing the centre line.
#include "hfx/plots.hpp"
#include "plot/svg.hpp"

#include <algorithm>
#include <cmath>

namespace hfx {

using plot::Document;
using plot::Frame;

namespace {
constexpr const char* kUp = "#4c78a8";
constexpr const char* kDown = "#f58518";
}  // namespace

std::string ranking_svg(const RankingResult& ranking, std::size_t top, const std::string& subtitle) {
  const std::size_t n = top == 0 ? ranking.impacts.size() : std::min(top, ranking.impacts.size());
  std::size_t longest = 0;
  double impact_reach = 0, pull_reach = 2;
  for (std::size_t i = 0; i < n; ++i) {
    const ImpactEntry& e = ranking.impacts[i];
    longest = std::max(longest, e.name.size());
    for (double v : {e.prefit_up, e.prefit_down, e.postfit_up, e.postfit_down})
      if (std::isfinite(v)) impact_reach = std::max(impact_reach, std::abs(v));
    if (e.prefit_uncertainty > 0)
      pull_reach = std::max(pull_reach, std::abs((e.bestfit - e.prefit) / e.prefit_uncertainty) +
                                            e.uncertainty / e.prefit_uncertainty);
  }
  if (!(impact_reach > 0)) impact_reach = 1;
  impact_reach *= 1.15;
  pull_reach = std::min(std::ceil(pull_reach + 0.2), 10.0);
  const double row = 26, label = std::clamp(7.0 * static_cast<double>(longest), 100.0, 560.0);
  Frame f;  // x in units of the pull axis; impacts are scaled onto it
  f.left = label + 24, f.right = f.left + 560, f.top = 168;
  f.bottom = f.top + row * static_cast<double>(std::max<std::size_t>(n, 1)) + 6;
  f.x0 = -pull_reach, f.x1 = pull_reach, f.y0 = 0, f.y1 = 1;
  Frame impacts = f;
  impacts.x0 = -impact_reach, impacts.x1 = impact_reach;
  Document doc(f.right + 30, f.bottom + 66);
  doc.heading((f.left + f.right) / 2, fmt::format("Impacts on {}", ranking.poi), subtitle);
  // Legend: two rows above the impact axis.
  const auto swatch = [&](double x, double y, const char* colour, bool filled, const std::string& text) {
    doc.add("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"22\" height=\"12\" fill=\"{}\" stroke=\"{}\" stroke-width=\"1.4\"/>\n",
            x, y - 6, filled ? colour : "none", colour);
    doc.text(x + 28, y, text, "start", 12.5, "dy=\"0.35em\"");
  };
  const double lx = f.left + 10;
  swatch(lx, 72, kUp, false, "Pre-fit impact, \u03b8 = \u03b8\u0302 + \u0394\u03b8");
  swatch(lx + 280, 72, kDown, false, "Pre-fit impact, \u03b8 = \u03b8\u0302 \u2212 \u0394\u03b8");
  swatch(lx, 92, kUp, true, "Post-fit impact, \u03b8 = \u03b8\u0302 + \u0394\u03b8\u0302");
  swatch(lx + 280, 92, kDown, true, "Post-fit impact, \u03b8 = \u03b8\u0302 \u2212 \u0394\u03b8\u0302");
  plot::AxisSpec pull_axis{.target = 8, .title = "(\u03b8\u0302 \u2212 \u03b8\u2080) / \u0394\u03b8"}, none{.ticks = false, .title = ""};
  plot::axes_below(doc, f, pull_axis, none);
  // The impact axis on top: its own ticks and title.
  const plot::Ticks it = plot::nice_ticks(impacts.x0, impacts.x1, 6);
  std::string marks;
  for (double v : it.values) {
    marks += fmt::format("M{:.2f},{:.1f}v6", impacts.sx(v), f.top);
    doc.text(impacts.sx(v), f.top - 9, fmt::format("{:.{}f}", v, it.decimals), "middle", 13);
  }
  doc.text((f.left + f.right) / 2, f.top - 32, fmt::format("\u0394{}", ranking.poi), "middle", 15);
  doc.add("<path d=\"M{0:.1f},{1:.1f}V{2:.1f}\" stroke=\"#555\" stroke-dasharray=\"4,3\"/>\n", f.sx(0), f.top, f.bottom);
  if (n == 0) doc.text((f.left + f.right) / 2, f.top + 18, "no free nuisance parameters", "middle", 13);
  for (std::size_t i = 0; i < n; ++i) {
    const ImpactEntry& e = ranking.impacts[i];
    const double y0 = f.top + 3 + row * static_cast<double>(i), Y = y0 + row / 2;
    const auto bar = [&](double v, const char* colour, bool filled) {
      if (!std::isfinite(v) || v == 0) return;
      const double a = impacts.sx(0), b = impacts.sx(v);
      doc.add("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" fill-opacity=\"{}\" "
              "stroke=\"{}\" stroke-width=\"1.3\"/>",
              std::min(a, b), y0 + 3, std::abs(b - a), row - 6, filled ? colour : "none", filled ? 0.85 : 1, colour);
    };
    doc.add("<g><title>{}</title>",
            plot::xml_escape(fmt::format("{}: post-fit impact +{:.4g} / {:.4g}, pre-fit +{:.4g} / {:.4g}{}", e.name, e.postfit_up,
                                         e.postfit_down, e.prefit_up, e.prefit_down,
                                         e.problem.empty() ? "" : " (" + e.problem + ")")));
    bar(e.postfit_up, kUp, true);
    bar(e.postfit_down, kDown, true);
    bar(e.prefit_up, kUp, false);
    bar(e.prefit_down, kDown, false);
    if (e.prefit_uncertainty > 0) {
      const double pull = (e.bestfit - e.prefit) / e.prefit_uncertainty, c = e.uncertainty / e.prefit_uncertainty;
      if (std::isfinite(c))
        doc.add("<path d=\"M{:.1f},{:.1f}H{:.1f}\" stroke=\"#111\" stroke-width=\"1.6\"/>",
                f.sx(std::max(pull - c, f.x0)), Y, f.sx(std::min(pull + c, f.x1)));
      doc.add("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.6\" fill=\"#111\"/>", f.sx(std::clamp(pull, f.x0, f.x1)), Y);
    }
    doc.add("</g>\n");
    doc.text(f.left - 8, Y, e.name, "end", 12, "dy=\"0.35em\"");
  }
  plot::outline(doc, f, pull_axis, none);
  doc.add("<path d=\"{}\" stroke=\"#222\" stroke-width=\"1.1\"/>\n", marks);
  return doc.finish();
}

}  // namespace hfx
