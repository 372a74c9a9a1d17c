// Decoding TH1C/S/I/F/D objects from their streamed bytes, two ways.
//
// Through the file's streamer information (File::histogram): the object is read by the
// description of each class version it was written with (object_reader.hpp), and the
// histogram takes fName, fTitle, fNcells, fXaxis (fNbins, fXmin, fXmax, fXbins), fEntries,
// fSumw2 and the bin contents (the TArray base) from it.
//
// Without it (decode_histogram, for an object's bytes alone), by the layouts of TH1 class
// versions 3-8 and TAxis up to 10: each class part starts with a byte count (flag
// 0x40000000) and a 16-bit version; the TH1 part holds TNamed, the line, fill and marker
// attributes, fNcells, three TAxis, bar offset and width, the entry and sum statistics,
// maximum, minimum, norm factor, fContour, fSumw2 and then members this reader steps over
// by the byte count; the derived class adds its TArray of bin contents.
#include "hfx/root_file.hpp"

#include "byte_reader.hpp"
#include "object_reader.hpp"
#include "streamer_info.hpp"

#include <fmt/format.h>

namespace hfx::root {

using detail::ByteReader;
using detail::end_part;
using detail::kUnknownEnd;
using detail::named;
using detail::Part;
using detail::part;
using detail::skip_part;

namespace {

// The derived class's TArray of bin contents: TH1D holds a TArrayD, TH1F a TArrayF, ...
std::vector<double> contents_array(ByteReader& r, std::string_view cls) {
  return detail::read_tarray(r, fmt::format("TArray{}", cls.back()), "bin contents");
}

bool is_th1(std::string_view cls) { return cls == "TH1D" || cls == "TH1F" || cls == "TH1I" || cls == "TH1S" || cls == "TH1C"; }

[[noreturn]] void unsupported(std::string_view class_name, const std::string& where) {
  throw IOError(fmt::format("{}: unsupported class {} (hfx reads the one-dimensional histograms TH1C, TH1S, TH1I, TH1F, TH1D)", where,
                            class_name));
}

// The checks both ways of decoding share, and uniform bin edges.
void finish(Histogram& h, double n_bins_value, double n_cells_value, double x_min, double x_max, ByteReader& r) {
  if (!(n_bins_value >= 1 && n_bins_value < 2e9) || !(n_cells_value >= 0 && n_cells_value < 2e9))
    r.fail(fmt::format("{} bins in {} cells", n_bins_value, n_cells_value));
  const auto n_bins = static_cast<std::int64_t>(n_bins_value), n_cells = static_cast<std::int64_t>(n_cells_value);
  if (n_bins + 2 != n_cells) r.fail(fmt::format("{} bins do not match the {} cells of a one-dimensional histogram", n_bins, n_cells));
  if (h.contents.size() != static_cast<std::size_t>(n_cells)) r.fail(fmt::format("{} bin contents for {} cells", h.contents.size(), n_cells));
  if (!h.sumw2.empty() && h.sumw2.size() != h.contents.size())
    r.fail(fmt::format("{} sums of squared weights for {} cells", h.sumw2.size(), n_cells));
  if (h.edges.empty()) {
    // numpy.linspace's arithmetic, so edges equal uproot's.
    const double step = (x_max - x_min) / static_cast<double>(n_bins);
    h.edges.resize(static_cast<std::size_t>(n_bins) + 1);
    for (std::size_t i = 0; i < static_cast<std::size_t>(n_bins); ++i) h.edges[i] = x_min + static_cast<double>(i) * step;
    h.edges.back() = x_max;
  } else if (h.edges.size() != static_cast<std::size_t>(n_bins) + 1) {
    r.fail(fmt::format("{} bin edges for {} bins", h.edges.size(), n_bins));
  }
}

const detail::Value& member(const detail::Members& m, const char* name, std::string_view cls, ByteReader& r) {
  const auto it = m.find(name);
  if (it == m.end()) r.fail(fmt::format("the streamer information of {} has no member {}", cls, name));
  return it->second;
}

}  // namespace

std::vector<double> Histogram::values() const {
  return contents.size() < 2 ? std::vector<double>{} : std::vector<double>(contents.begin() + 1, contents.end() - 1);
}

Json to_json(const Histogram& h) {
  return Json{{"class", h.class_name}, {"name", h.name},        {"title", h.title},     {"edges", h.edges},
              {"contents", h.contents}, {"sumw2", h.sumw2}, {"entries", h.entries}};
}

std::vector<double> Histogram::variances() const {
  if (!weighted()) return values();
  return std::vector<double>(sumw2.begin() + 1, sumw2.end() - 1);
}

Histogram decode_histogram(std::string_view class_name, std::string_view bytes, const std::string& where) {
  if (!is_th1(class_name)) unsupported(class_name, where);
  ByteReader r(bytes, where);
  Histogram h;
  h.class_name = std::string(class_name);
  const Part derived = part(r, h.class_name.c_str());
  const Part th1 = part(r, "TH1");
  if (th1.version < 3 || th1.version > 8) r.fail(fmt::format("TH1 class version {} is not supported (hfx reads 3 to 8)", th1.version));
  std::tie(h.name, h.title) = named(r);
  skip_part(r, "TAttLine");
  skip_part(r, "TAttFill");
  skip_part(r, "TAttMarker");
  const std::int32_t n_cells = r.i32();

  const Part axis = part(r, "TAxis");
  if (axis.version > 10) r.fail(fmt::format("TAxis class version {} is not supported (hfx reads up to 10)", axis.version));
  named(r);
  skip_part(r, "TAttAxis");
  const std::int32_t n_bins = r.i32();
  const double x_min = r.f64(), x_max = r.f64();
  h.edges = detail::read_array<double>(r, "variable bin edges");
  end_part(r, axis, "TAxis");
  skip_part(r, "TAxis (y)");
  skip_part(r, "TAxis (z)");

  r.skip(2 + 2);  // bar offset and width
  h.entries = r.f64();
  r.skip(4 * 8 + 3 * 8);  // sums of weights (w, w², wx, wx²); maximum, minimum, norm factor
  detail::read_array<double>(r, "contour levels");
  h.sumw2 = detail::read_array<double>(r, "sum of squared weights");
  if (th1.end == kUnknownEnd)
    r.fail("the TH1 part has no byte count (written by a program other than ROOT, such as Geant4's g4tools), "
           "so its remaining members cannot be stepped over");
  end_part(r, th1, "TH1");
  h.contents = contents_array(r, class_name);
  end_part(r, derived, h.class_name.c_str());

  finish(h, n_bins, n_cells, x_min, x_max, r);
  return h;
}

namespace detail {

Histogram decode_histogram(std::string_view class_name, std::string_view bytes, const std::string& where, const StreamerInfos& infos) {
  if (!is_th1(class_name)) unsupported(class_name, where);
  ByteReader r(bytes, where);
  Members m;
  ObjectReader(infos, r).read_class(std::string(class_name), m);
  Histogram h;
  h.class_name = std::string(class_name);
  h.name = member(m, "fName", class_name, r).text;
  h.title = member(m, "fTitle", class_name, r).text;
  const Value& axis = member(m, "fXaxis", class_name, r);
  if (!axis.object) r.fail(fmt::format("{}'s fXaxis is not an object", class_name));
  h.edges = member(*axis.object, "fXbins", "TAxis", r).numbers;
  h.entries = member(m, "fEntries", class_name, r).number;
  h.sumw2 = member(m, "fSumw2", class_name, r).numbers;
  h.contents = member(m, "fArray", class_name, r).numbers;
  finish(h, member(*axis.object, "fNbins", "TAxis", r).number, member(m, "fNcells", class_name, r).number,
         member(*axis.object, "fXmin", "TAxis", r).number, member(*axis.object, "fXmax", "TAxis", r).number, r);
  return h;
}

}  // namespace detail

}  // namespace hfx::root
