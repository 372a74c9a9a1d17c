#pragma once
// The pieces every hfx picture shares: an SVG document built as text (no library; the
// pictures are part of the product, so their layout is fixed here), XML escaping, round
// tick values and a plot frame with linear axes.
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hfx::plot {

// Text safe inside XML elements and attributes (control characters, not allowed in XML
// 1.0, become '?').
std::string xml_escape(std::string_view s);

// About `target` round values (1, 2, 2.5 or 5 times a power of ten) in [lo, hi], and the
// decimals their labels need.
struct Ticks {
  std::vector<double> values;
  int decimals = 0;
};
Ticks nice_ticks(double lo, double hi, int target);

// Colours used across the pictures (matplotlib's "tab10", which projectors show well,
// then tab20's lighter companions), and the i-th of them, cycling after 20.
const char* category_colour(std::size_t i);

// A diverging blue-white-red scale for t in [-1, 1] (correlations).
std::string diverging_colour(double t);

// An SVG document: the header with size and font, then whatever `add` appends.
class Document {
 public:
  Document(double width, double height);
  void add(std::string_view svg) { s_ += svg; }
  template <class... A>
  void add(fmt::format_string<A...> f, A&&... args) {
    s_ += fmt::format(f, std::forward<A>(args)...);
  }
  // Text at (x, y); anchor is start, middle or end; extra attributes verbatim.
  void text(double x, double y, std::string_view content, std::string_view anchor = "start", double size = 13,
            std::string_view extra = "");
  // Title line and a grey subtitle line centred at x.
  void heading(double x, std::string_view title, std::string_view subtitle);
  std::string finish();

 private:
  std::string s_;
};

// A plot frame: a pixel rectangle showing [x0, x1] x [y0, y1].
struct Frame {
  double left = 0, top = 0, right = 0, bottom = 0;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  double sx(double x) const { return left + (x - x0) / (x1 - x0) * (right - left); }
  double sy(double y) const { return bottom - (y - y0) / (y1 - y0) * (bottom - top); }
  double width() const { return right - left; }
  double height() const { return bottom - top; }
};

// White background, light grid lines at the ticks and the tick labels of the axes asked
// for; `outline` then draws the frame and the tick marks over the data.
struct AxisSpec {
  bool ticks = true, labels = true, grid = true;
  int target = 7;
  std::string title;
};
void axes_below(Document& doc, const Frame& f, const AxisSpec& x, const AxisSpec& y);
void outline(Document& doc, const Frame& f, const AxisSpec& x, const AxisSpec& y);

// "%.4g"-style number for labels.
std::string short_number(double v);

}  // namespace hfx::plot
