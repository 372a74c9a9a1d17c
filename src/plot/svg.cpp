#include "plot/svg.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace hfx::plot {

namespace {
const char* const kFont = "DejaVu Sans, Helvetica, Arial, sans-serif";
}

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
    }
  }
  return out;
}

Ticks nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / target;
  int e = static_cast<int>(std::floor(std::log10(raw)));
  double m = 10;
  for (double c : {1.0, 2.0, 2.5, 5.0})
    if (c * std::pow(10.0, e) >= raw) {
      m = c;
      break;
    }
  if (m == 10) m = 1, ++e;
  const double step = m * std::pow(10.0, e);
  Ticks t;
  for (double k = std::ceil(lo / step - 1e-9); k * step <= hi + 1e-9 * step; ++k) t.values.push_back(k == 0 ? 0 : k * step);
  t.decimals = std::max(0, (m == 2.5 ? 1 : 0) - e);
  return t;
}

const char* category_colour(std::size_t i) {
  // tab10, then tab20's lighter companions: twenty samples before a colour repeats.
  static constexpr std::array<const char*, 20> kColours{
      "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
      "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"};
  return kColours[i % kColours.size()];
}

std::string diverging_colour(double t) {
  // From matplotlib's "RdBu_r" ends: blue (-1) through white (0) to red (+1).
  t = std::clamp(t, -1.0, 1.0);
  const std::array<double, 3> blue{33, 102, 172}, red{178, 24, 43}, white{247, 247, 247};
  const auto& end = t < 0 ? blue : red;
  const double f = std::abs(t);
  const auto c = [&](std::size_t k) { return static_cast<int>(std::lround(white[k] + f * (end[k] - white[k]))); };
  return fmt::format("#{:02x}{:02x}{:02x}", c(0), c(1), c(2));
}

Document::Document(double width, double height) {
  s_ = fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" "
                   "height=\"{1}\" viewBox=\"0 0 {0} {1}\" font-family=\"{2}\">\n"
                   "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n",
                   width, height, kFont);
}

void Document::text(double x, double y, std::string_view content, std::string_view anchor, double size,
                    std::string_view extra) {
  s_ += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"{}\" font-size=\"{}\"{}{}>{}</text>\n", x, y, anchor,
                    size, extra.empty() ? "" : " ", extra, xml_escape(content));
}

void Document::heading(double x, std::string_view title, std::string_view subtitle) {
  text(x, 30, title, "middle", 19, "font-weight=\"bold\"");
  if (!subtitle.empty()) text(x, 52, subtitle, "middle", 12.5, "fill=\"#555\"");
}

std::string Document::finish() { return s_ + "</svg>\n"; }

void axes_below(Document& doc, const Frame& f, const AxisSpec& x, const AxisSpec& y) {
  doc.add("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#ffffff\"/>\n", f.left, f.top,
          f.width(), f.height());
  std::string grid, labels;
  if (x.ticks) {
    const Ticks t = nice_ticks(f.x0, f.x1, x.target);
    for (double v : t.values) {
      const double X = f.sx(v);
      if (x.grid) grid += fmt::format("M{:.2f},{:.1f}V{:.1f}", X, f.top, f.bottom);
      if (x.labels)
        labels += fmt::format("<text x=\"{:.2f}\" y=\"{:.1f}\" text-anchor=\"middle\">{:.{}f}</text>\n", X, f.bottom + 19, v,
                              t.decimals);
    }
  }
  if (y.ticks) {
    const Ticks t = nice_ticks(f.y0, f.y1, y.target);
    for (double v : t.values) {
      const double Y = f.sy(v);
      if (y.grid) grid += fmt::format("M{:.1f},{:.2f}H{:.1f}", f.left, Y, f.right);
      if (y.labels)
        labels += fmt::format("<text x=\"{:.1f}\" y=\"{:.2f}\" text-anchor=\"end\" dy=\"0.35em\">{:.{}f}</text>\n",
                              f.left - 8, Y, v, t.decimals);
    }
  }
  if (!grid.empty()) doc.add("<path d=\"{}\" stroke=\"#e6e6e6\" stroke-width=\"1\" fill=\"none\"/>\n", grid);
  if (!labels.empty()) doc.add("<g font-size=\"13\" fill=\"#222\">\n{}</g>\n", labels);
  if (!x.title.empty()) doc.text((f.left + f.right) / 2, f.bottom + 44, x.title, "middle", 15);
  if (!y.title.empty())
    doc.add("<text transform=\"translate({:.1f},{:.1f}) rotate(-90)\" text-anchor=\"middle\" font-size=\"15\">{}</text>\n",
            f.left - 58, (f.top + f.bottom) / 2, xml_escape(y.title));
}

void outline(Document& doc, const Frame& f, const AxisSpec& x, const AxisSpec& y) {
  std::string ticks;
  if (x.ticks)
    for (double v : nice_ticks(f.x0, f.x1, x.target).values)
      ticks += fmt::format("M{0:.2f},{1:.1f}v-6M{0:.2f},{2:.1f}v6", f.sx(v), f.bottom, f.top);
  if (y.ticks)
    for (double v : nice_ticks(f.y0, f.y1, y.target).values)
      ticks += fmt::format("M{1:.1f},{0:.2f}h6M{2:.1f},{0:.2f}h-6", f.sy(v), f.left, f.right);
  doc.add("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#222\" "
          "stroke-width=\"1.2\"/>\n",
          f.left, f.top, f.width(), f.height());
  if (!ticks.empty()) doc.add("<path d=\"{}\" stroke=\"#222\" stroke-width=\"1.1\"/>\n", ticks);
}

std::string short_number(double v) {
  if (std::isnan(v)) return "n/a";
  return fmt::format("{:.4g}", v);
}

}  // namespace hfx::plot
