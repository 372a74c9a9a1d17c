// Stacked yields per channel (cabinetry's and TRExFitter's data/MC plot): the samples
// stacked per bin, the data with Poisson error bars, the total's uncertainty hatched,
// and data / model with the relative uncertainty in a panel below.
#include "hfx/errors.hpp"
#include "hfx/plots.hpp"
#include "plot/svg.hpp"

#include <algorithm>
#include <cmath>

namespace hfx {

using plot::Document;
using plot::Frame;

namespace {

constexpr double kPanelWidth = 470, kMainHeight = 250, kRatioHeight = 90, kRowHeight = 440;

std::string rect_path(double x0, double x1, double ya, double yb) {
  return fmt::format("M{:.2f},{:.2f}H{:.2f}V{:.2f}H{:.2f}Z", x0, ya, x1, yb, x0);
}

void panel(Document& doc, const ChannelYields& ch, const std::vector<std::string>& all_samples, double left, double top,
           const std::string& heading) {
  const std::size_t nb = ch.total.size();
  const bool band = !ch.total_stdev.empty();
  Frame main;
  main.left = left + 78, main.right = left + kPanelWidth - 20, main.top = top, main.bottom = top + kMainHeight;
  main.x0 = 0, main.x1 = static_cast<double>(std::max<std::size_t>(nb, 1));
  double hi = 0, lo = 0;
  for (std::size_t b = 0; b < nb; ++b) {
    double pos = 0, neg = 0;
    for (const auto& y : ch.yields) (y[b] >= 0 ? pos : neg) += y[b];
    hi = std::max({hi, pos, ch.total[b] + (band ? ch.total_stdev[b] : 0), ch.observed[b] + std::sqrt(std::max(ch.observed[b], 0.0))});
    lo = std::min(lo, neg);
  }
  if (!(hi > lo)) hi = lo + 1;
  main.y0 = lo, main.y1 = hi * 1.3;
  Frame ratio = main;
  ratio.top = main.bottom + 8, ratio.bottom = ratio.top + kRatioHeight;
  double rlo = 0.5, rhi = 1.5;
  for (std::size_t b = 0; b < nb; ++b)
    if (ch.total[b] > 0) {
      const double r = ch.observed[b] / ch.total[b], e = std::sqrt(std::max(ch.observed[b], 0.0)) / ch.total[b];
      rlo = std::min(rlo, r - e), rhi = std::max(rhi, r + e);
      if (band) rlo = std::min(rlo, 1 - ch.total_stdev[b] / ch.total[b]), rhi = std::max(rhi, 1 + ch.total_stdev[b] / ch.total[b]);
    }
  ratio.y0 = std::max(rlo - 0.05, 0.0), ratio.y1 = std::min(rhi + 0.05, 3.0);
  const int xt = static_cast<int>(std::clamp<std::size_t>(nb, 1, 10));
  plot::AxisSpec none_x{.labels = false, .target = xt, .title = ""}, x{.target = xt, .title = "bin"}, y{.target = 5, .title = "Events"},
      ry{.target = 4, .title = "Data / model"};
  doc.text((main.left + main.right) / 2, top - 10, heading, "middle", 14, "font-weight=\"bold\"");
  plot::axes_below(doc, main, none_x, y);
  // Stacked samples, one path per sample.
  std::vector<double> pos(nb, 0.0), neg(nb, 0.0);
  for (std::size_t s = 0; s < ch.samples.size(); ++s) {
    std::string d;
    for (std::size_t b = 0; b < nb; ++b) {
      const double v = ch.yields[s][b];
      double& base = v >= 0 ? pos[b] : neg[b];
      if (v != 0)
        d += rect_path(main.sx(static_cast<double>(b)), main.sx(static_cast<double>(b + 1)), main.sy(base), main.sy(base + v));
      base += v;
    }
    const auto k = static_cast<std::size_t>(std::find(all_samples.begin(), all_samples.end(), ch.samples[s]) - all_samples.begin());
    if (!d.empty())
      doc.add("<path d=\"{}\" fill=\"{}\" stroke=\"#333\" stroke-width=\"0.5\"><title>{}</title></path>\n", d,
              plot::category_colour(k), plot::xml_escape(ch.samples[s]));
  }
  std::string unc, data, rdata, runc, tips;
  for (std::size_t b = 0; b < nb; ++b) {
    const double x0 = main.sx(static_cast<double>(b)), x1 = main.sx(static_cast<double>(b + 1)), xc = (x0 + x1) / 2;
    const double t = ch.total[b], n = ch.observed[b], e = std::sqrt(std::max(n, 0.0));
    if (band && ch.total_stdev[b] > 0) {  // clamped to the frames: a band wider than the axis stops at its edge
      const double sd = ch.total_stdev[b];
      unc += rect_path(x0, x1, main.sy(std::max(t - sd, main.y0)), main.sy(std::min(t + sd, main.y1)));
      if (t > 0)
        runc += rect_path(x0, x1, ratio.sy(std::clamp(1 - sd / t, ratio.y0, ratio.y1)),
                          ratio.sy(std::clamp(1 + sd / t, ratio.y0, ratio.y1)));
    }
    data += fmt::format("M{:.2f},{:.2f}V{:.2f}", xc, main.sy(std::max(n - e, 0.0)), main.sy(n + e));
    tips += fmt::format("<circle cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"3.4\"><title>{}</title></circle>", xc, main.sy(n),
                        plot::xml_escape(fmt::format("bin {}: data {:g}, model {:.4g}{}", b, n, t,
                                                     band ? fmt::format(" \u00b1 {:.3g}", ch.total_stdev[b]) : "")));
    if (t > 0) {
      const double r = n / t;
      rdata += fmt::format("M{:.2f},{:.2f}V{:.2f}", xc, ratio.sy(std::clamp(r - e / t, ratio.y0, ratio.y1)),
                           ratio.sy(std::clamp(r + e / t, ratio.y0, ratio.y1)));
      if (r >= ratio.y0 && r <= ratio.y1) rdata += fmt::format("M{:.2f},{:.2f}h0.01", xc, ratio.sy(r));
    }
  }
  if (!unc.empty()) doc.add("<path d=\"{}\" fill=\"url(#hatch)\" stroke=\"none\"/>\n", unc);
  doc.add("<path d=\"{}\" stroke=\"#000\" stroke-width=\"1.5\"/>\n<g fill=\"#000\">{}</g>\n", data, tips);
  plot::outline(doc, main, none_x, y);
  plot::axes_below(doc, ratio, x, ry);
  if (!runc.empty()) doc.add("<path d=\"{}\" fill=\"url(#hatch)\" stroke=\"none\"/>\n", runc);
  doc.add("<path d=\"M{:.1f},{:.2f}H{:.1f}\" stroke=\"#d62728\" stroke-width=\"1.2\" stroke-dasharray=\"5,3\"/>\n", ratio.left,
          ratio.sy(1), ratio.right);
  if (!rdata.empty())
    doc.add("<path d=\"{}\" stroke=\"#000\" stroke-width=\"1.5\" stroke-linecap=\"round\"/>\n", rdata);
  for (std::size_t b = 0; b < nb; ++b)
    if (ch.total[b] > 0 && ch.observed[b] / ch.total[b] >= ratio.y0 && ch.observed[b] / ch.total[b] <= ratio.y1)
      doc.add("<circle cx=\"{:.2f}\" cy=\"{:.2f}\" r=\"3\"/>", (main.sx(static_cast<double>(b)) + main.sx(static_cast<double>(b + 1))) / 2,
              ratio.sy(ch.observed[b] / ch.total[b]));
  doc.add("\n");
  plot::outline(doc, ratio, x, ry);
}

}  // namespace

std::string yields_svg(const std::vector<ChannelYields>& prefit, const std::vector<ChannelYields>& postfit,
                       const std::string& subtitle) {
  if (!postfit.empty() && postfit.size() != prefit.size())
    throw InvalidPdfParameters(fmt::format("yields picture: {} post-fit channels for {} pre-fit ones", postfit.size(), prefit.size()));
  std::vector<std::string> all;
  for (const auto& ch : prefit)
    for (const auto& s : ch.samples)
      if (std::find(all.begin(), all.end(), s) == all.end()) all.push_back(s);
  const double columns = postfit.empty() ? 1 : 2;
  const double width = std::max(columns * kPanelWidth + 20, 520.0);
  // Legend: samples in rows of as many columns as the longest name allows, then data and
  // uncertainty.
  std::size_t longest = 11;
  for (const auto& s : all) longest = std::max(longest, s.size());
  const double column = 7.2 * static_cast<double>(longest) + 44;
  const double per_row = std::max(1.0, std::floor((width - 40) / column));
  const std::size_t entries = all.size() + 2;
  const double legend_rows = std::ceil(static_cast<double>(entries) / per_row);
  const double legend_top = 70, first_row = legend_top + 22 * legend_rows + 40;
  Document doc(width, first_row + kRowHeight * static_cast<double>(std::max<std::size_t>(prefit.size(), 1)) - 40);
  doc.heading(width / 2, postfit.empty() ? "Pre-fit yields" : "Pre- and post-fit yields", subtitle);
  doc.add("<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
          "<path d=\"M0,0V6\" stroke=\"#333\" stroke-width=\"1.4\"/></pattern></defs>\n");
  for (std::size_t i = 0; i < entries; ++i) {
    const double x = 30 + column * std::fmod(static_cast<double>(i), per_row);
    const double y = legend_top + 22 * std::floor(static_cast<double>(i) / per_row);
    std::string swatch, text;
    if (i < all.size()) {
      swatch = fmt::format("<rect x=\"0\" y=\"-7\" width=\"22\" height=\"14\" fill=\"{}\" stroke=\"#333\" stroke-width=\"0.5\"/>",
                           plot::category_colour(i));
      text = all[i];
    } else if (i == all.size()) {
      swatch = "<path d=\"M11,-7V7\" stroke=\"#000\" stroke-width=\"1.5\"/><circle cx=\"11\" cy=\"0\" r=\"3.4\"/>";
      text = "Data";
    } else {
      swatch = "<rect x=\"0\" y=\"-7\" width=\"22\" height=\"14\" fill=\"url(#hatch)\" stroke=\"#333\" stroke-width=\"0.5\"/>";
      text = "Uncertainty";
    }
    doc.add("<g transform=\"translate({:.1f},{:.1f})\">{}</g>\n", x, y, swatch);
    doc.text(x + 30, y, text, "start", 12.5, "dy=\"0.35em\"");
  }
  for (std::size_t c = 0; c < prefit.size(); ++c) {
    const double top = first_row + kRowHeight * static_cast<double>(c);
    panel(doc, prefit[c], all, 10, top, prefit[c].name + (postfit.empty() ? "" : " \u2014 pre-fit"));
    if (!postfit.empty()) panel(doc, postfit[c], all, 10 + kPanelWidth, top, postfit[c].name + " \u2014 post-fit");
  }
  if (prefit.empty()) doc.text(width / 2, first_row, "the model has no channels", "middle", 13);
  return doc.finish();
}

}  // namespace hfx
