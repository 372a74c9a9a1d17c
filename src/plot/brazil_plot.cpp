// The Brazil band: observed CLs and the expected median with its +-1 and +-2 sigma band
// against the POI, the CLs level and the observed and expected upper limits.
#include "hfx/plots.hpp"
#include "plot/svg.hpp"

#include <algorithm>
#include <cmath>

namespace hfx {

using plot::Document;
using plot::Frame;

namespace {
constexpr const char* kYellow = "#ffd92f";
constexpr const char* kGreen = "#5cb85c";
}  // namespace

std::string brazil_svg(const BrazilBand& band, const std::string& poi, const std::string& subtitle) {
  Frame f;
  f.left = 90, f.right = 690, f.top = 74, f.bottom = 474;
  f.x0 = band.mu.empty() ? 0 : *std::min_element(band.mu.begin(), band.mu.end());
  f.x1 = band.mu.empty() ? 1 : *std::max_element(band.mu.begin(), band.mu.end());
  if (!(f.x1 > f.x0)) f.x1 = f.x0 + 1;
  f.y0 = 0, f.y1 = 1.05;
  Document doc(760, 560);
  const auto limit = [](double v) { return std::isfinite(v) ? fmt::format("{:.4g}", v) : std::string("none in range"); };
  std::string sub = fmt::format("{:.4g}% CL upper limit: observed {}, expected {}", 100 * (1 - band.level),
                                limit(band.limits.observed), limit(band.limits.expected[2]));
  if (!subtitle.empty()) sub = subtitle + " \u00b7 " + sub;
  doc.heading((f.left + f.right) / 2, "CLs scan", sub);
  plot::AxisSpec x{.title = poi}, y{.title = "CLs"};
  plot::axes_below(doc, f, x, y);
  // A band between two expected quantiles, over the points where both are finite.
  const auto area = [&](std::size_t lo, std::size_t hi, const char* colour) {
    std::string upper, lower;
    for (std::size_t i = 0; i < band.mu.size(); ++i) {
      const double a = band.cls_expected[i][lo], b = band.cls_expected[i][hi];
      if (!std::isfinite(a) || !std::isfinite(b)) continue;
      upper += fmt::format("{}{:.2f},{:.2f}", upper.empty() ? "M" : "L", f.sx(band.mu[i]), f.sy(b));
      lower = fmt::format("L{:.2f},{:.2f}", f.sx(band.mu[i]), f.sy(a)) + lower;
    }
    if (!upper.empty()) doc.add("<path d=\"{}{}Z\" fill=\"{}\" stroke=\"none\"/>\n", upper, lower, colour);
  };
  area(0, 4, kYellow);
  area(1, 3, kGreen);
  const auto line = [&](const auto& value, const char* style) {
    std::string d;
    for (std::size_t i = 0; i < band.mu.size(); ++i) {
      const double v = value(i);
      if (std::isfinite(v)) d += fmt::format("{}{:.2f},{:.2f}", d.empty() ? "M" : "L", f.sx(band.mu[i]), f.sy(v));
    }
    if (!d.empty()) doc.add("<path d=\"{}\" fill=\"none\" {}/>\n", d, style);
  };
  line([&](std::size_t i) { return band.cls_expected[i][2]; }, "stroke=\"#000\" stroke-width=\"2\" stroke-dasharray=\"7,5\"");
  line([&](std::size_t i) { return band.cls_observed[i]; }, "stroke=\"#000\" stroke-width=\"2.2\"");
  for (std::size_t i = 0; i < band.mu.size(); ++i)
    if (std::isfinite(band.cls_observed[i]))
      doc.add("<circle cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"2.8\" fill=\"#000\"><title>{}</title></circle>\n", f.sx(band.mu[i]),
              f.sy(band.cls_observed[i]),
              plot::xml_escape(fmt::format("{} = {:.4g}: observed CLs {:.4g}, expected {:.4g}", poi, band.mu[i],
                                           band.cls_observed[i], band.cls_expected[i][2])));
  doc.add("<path d=\"M{:.1f},{:.2f}H{:.1f}\" stroke=\"#d62728\" stroke-width=\"1.8\"/>\n", f.left, f.sy(band.level), f.right);
  for (const auto& [v, dash] : {std::pair{band.limits.observed, ""}, std::pair{band.limits.expected[2], "4,3"}})
    if (std::isfinite(v) && v >= f.x0 && v <= f.x1)
      doc.add("<path d=\"M{0:.2f},{1:.2f}V{2:.1f}\" stroke=\"#d62728\" stroke-width=\"1.3\"{3}{4}{5}/>\n", f.sx(v), f.sy(band.level),
              f.bottom, *dash ? " stroke-dasharray=\"" : "", dash, *dash ? "\"" : "");
  // Legend, upper right.
  const double lx = f.right - 215, ly = f.top + 12;
  doc.add("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"205\" height=\"118\" rx=\"3\" fill=\"#fff\" fill-opacity=\"0.92\" stroke=\"#bbb\"/>\n",
          lx, ly);
  const std::string entries[] = {
      "<path d=\"M0,0h28\" stroke=\"#000\" stroke-width=\"2.2\"/><circle cx=\"14\" cy=\"0\" r=\"2.8\"/>",
      "<path d=\"M0,0h28\" stroke=\"#000\" stroke-width=\"2\" stroke-dasharray=\"7,5\"/>",
      fmt::format("<rect x=\"0\" y=\"-7\" width=\"28\" height=\"14\" fill=\"{}\"/>", kGreen),
      fmt::format("<rect x=\"0\" y=\"-7\" width=\"28\" height=\"14\" fill=\"{}\"/>", kYellow),
      "<path d=\"M0,0h28\" stroke=\"#d62728\" stroke-width=\"1.8\"/>"};
  const std::string texts[] = {"Observed CLs", "Expected CLs (median)", "Expected \u00b11\u03c3", "Expected \u00b12\u03c3",
                               fmt::format("CLs = {:g}", band.level)};
  for (int i = 0; i < 5; ++i) {
    const double row = ly + 16 + 21.5 * i;
    doc.add("<g transform=\"translate({:.1f},{:.1f})\">{}</g>\n", lx + 10, row, entries[i]);
    doc.text(lx + 46, row, texts[i], "start", 12.5, "dy=\"0.35em\"");
  }
  plot::outline(doc, f, x, y);
  return doc.finish();
}

}  // namespace hfx
