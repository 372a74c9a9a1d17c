// The profile likelihood scan: -2 Delta log L against the parameter, with the levels of
// the 68% and 95% CL intervals and the interval ends read from the profile.
#include "hfx/plots.hpp"
#include "plot/svg.hpp"

#include <algorithm>
#include <cmath>

namespace hfx {

using plot::Document;
using plot::Frame;

std::string profile_svg(const ProfileScan& scan, const std::string& subtitle) {
  Frame f;
  f.left = 90, f.right = 690, f.top = 74, f.bottom = 474;
  double top = 4.5;
  for (double v : scan.delta_twice_nll)
    if (std::isfinite(v)) top = std::max(top, v);
  f.x0 = scan.values.empty() ? 0 : scan.values.front();
  f.x1 = scan.values.empty() ? 1 : scan.values.back();
  if (!(f.x1 > f.x0)) f.x1 = f.x0 + 1;
  f.y0 = 0, f.y1 = top * 1.08;
  Document doc(760, 560);
  std::string sub = subtitle;
  if (!scan.intervals.empty()) {
    const auto& i = scan.intervals.front();
    const auto end = [](double v, bool open) { return open ? std::string("open") : fmt::format("{:.4g}", v); };
    sub += fmt::format("{}68% CL: [{}, {}]", sub.empty() ? "" : " \u00b7 ", end(i.low, i.low_open), end(i.high, i.high_open));
  }
  doc.heading((f.left + f.right) / 2, fmt::format("Profile likelihood of {}", scan.parameter), sub);
  plot::AxisSpec x{.title = scan.parameter}, y{.title = "\u22122 \u0394 ln L"};
  plot::axes_below(doc, f, x, y);
  doc.add("<defs><clipPath id=\"profile-frame\"><rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\"/></clipPath></defs>\n",
          f.left, f.top, f.width(), f.height());
  doc.add("<g clip-path=\"url(#profile-frame)\">\n");
  const char* const colours[] = {"#2ca02c", "#ff7f0e"};
  for (std::size_t k = 0; k < scan.intervals.size() && k < 2; ++k) {
    const ProfileInterval& in = scan.intervals[k];
    const double lo = in.low_open ? f.x0 : in.low, hi = in.high_open ? f.x1 : in.high;
    if (std::isfinite(lo) && std::isfinite(hi) && k == 0)
      doc.add("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"#2ca02c\" fill-opacity=\"0.12\"/>\n",
              f.sx(lo), f.top, f.sx(hi) - f.sx(lo), f.height());
    doc.add("<path d=\"M{:.1f},{:.1f}H{:.1f}\" stroke=\"{}\" stroke-width=\"1.5\" stroke-dasharray=\"6,4\"/>\n", f.left,
            f.sy(in.level), f.right, colours[k]);
    for (const auto& [v, open] : {std::pair{in.low, in.low_open}, std::pair{in.high, in.high_open}})
      if (!open && std::isfinite(v))
        doc.add("<path d=\"M{0:.1f},{1:.1f}V{2:.1f}\" stroke=\"{3}\" stroke-width=\"1.2\" stroke-dasharray=\"2,3\"/>\n", f.sx(v),
                f.sy(in.level), f.bottom, colours[k]);
  }
  std::string d;
  for (std::size_t i = 0; i < scan.values.size(); ++i)
    if (std::isfinite(scan.delta_twice_nll[i]))
      d += fmt::format("{}{:.2f},{:.2f}", d.empty() ? "M" : "L", f.sx(scan.values[i]), f.sy(scan.delta_twice_nll[i]));
  if (!d.empty()) doc.add("<path d=\"{}\" fill=\"none\" stroke=\"#1f3b73\" stroke-width=\"2.2\" stroke-linejoin=\"round\"/>\n", d);
  for (std::size_t i = 0; i < scan.values.size(); ++i)
    if (std::isfinite(scan.delta_twice_nll[i]))
      doc.add("<circle cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"2.6\" fill=\"#1f3b73\"><title>{}</title></circle>\n", f.sx(scan.values[i]),
              f.sy(scan.delta_twice_nll[i]),
              plot::xml_escape(fmt::format("{} = {:.4g}: \u22122\u0394lnL = {:.4g}", scan.parameter, scan.values[i],
                                           scan.delta_twice_nll[i])));
  doc.add("</g>\n");
  for (std::size_t k = 0; k < scan.intervals.size() && k < 2; ++k) {
    const ProfileInterval& in = scan.intervals[k];
    if (f.sy(in.level) > f.top + 8)
      doc.text(f.right - 6, f.sy(in.level) - 5, fmt::format("{:.3g}% CL", 100 * in.cl), "end", 12.5,
               fmt::format("fill=\"{}\"", colours[k]));
  }
  plot::outline(doc, f, x, y);
  return doc.finish();
}

}  // namespace hfx
