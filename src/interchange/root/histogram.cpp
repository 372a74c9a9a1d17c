// Decoding TH1C/S/I/F/D objects from their streamed bytes.
//
// Layout (TH1 class versions 3-8, TAxis up to 10): each class part starts with a byte
// count (flag 0x40000000) and a 16-bit version; the TH1 part holds TNamed, the line,
// fill and marker attributes, fNcells, three TAxis, bar offset and width, the entry and
// sum statistics, maximum, minimum, norm factor, fContour, fSumw2 and then members this
// reader steps over by the byte count; the derived class adds its TArray of bin contents.
#include "hfx/root_file.hpp"

#include "byte_reader.hpp"

#include <fmt/format.h>

namespace hfx::root {

using detail::ByteReader;

namespace {

constexpr std::uint32_t kByteCountMask = 0x40000000;
constexpr std::uint16_t kByteCountVMask = 0x4000;
constexpr std::uint32_t kIsReferenced = 1u << 4;

constexpr std::size_t kUnknownEnd = std::size_t(-1);

struct Part {
  int version = 0;
  std::size_t end = kUnknownEnd;  // one past the part's last byte, when a byte count says
};

// A class part's header; `what` names it in errors. ROOT writes a byte count before
// each version; some other writers (Geant4's g4tools) leave it out of the parts they
// write field by field, which the reader then reads field by field too.
Part part(ByteReader& r, const char* what) {
  const std::size_t start = r.pos();
  const std::uint32_t count = r.u32();
  Part p;
  if (!(count & kByteCountMask)) {
    r.seek(start);
    p.version = r.i16();
    return p;
  }
  p.end = start + 4 + (count & ~kByteCountMask);
  if (p.end > r.size() || p.end < start + 6) r.fail(fmt::format("{}'s byte count {} points outside the object", what, count & ~kByteCountMask));
  p.version = r.i16();
  return p;
}

void end_part(ByteReader& r, const Part& p, const char* what) {
  if (p.end == kUnknownEnd) return;
  if (r.pos() > p.end) r.fail(fmt::format("{} is longer than its byte count says", what));
  r.seek(p.end);
}

// Steps over a part hfx does not read, which needs its byte count.
void skip_part(ByteReader& r, const char* what) {
  const std::size_t start = r.pos();
  const Part p = part(r, what);
  if (p.end == kUnknownEnd) r.fail(fmt::format("{} has no byte count (offset {})", what, start));
  r.seek(p.end);
}

// TNamed: TObject (version, unique id, bits, process id if referenced), name, title.
std::pair<std::string, std::string> named(ByteReader& r) {
  const Part p = part(r, "TNamed");
  const auto version = static_cast<std::uint16_t>(r.i16());
  if (version & kByteCountVMask) r.skip(4);
  r.u32();
  if (r.u32() & kIsReferenced) r.skip(2);
  std::pair<std::string, std::string> out;
  out.first = r.string();
  out.second = r.string();
  end_part(r, p, "TNamed");
  return out;
}

template <class T>
std::vector<double> array(ByteReader& r, const char* what) {
  const std::int32_t n = r.i32();
  if (n < 0 || static_cast<std::size_t>(n) > (r.size() - r.pos()) / sizeof(T))
    r.fail(fmt::format("{} claims {} values, more than the object holds", what, n));
  std::vector<double> out(static_cast<std::size_t>(n));
  for (double& v : out) v = static_cast<double>(r.read<T>());
  return out;
}

std::vector<double> contents_array(ByteReader& r, std::string_view cls) {
  if (cls == "TH1D") return array<double>(r, "bin contents");
  if (cls == "TH1F") return array<float>(r, "bin contents");
  if (cls == "TH1I") return array<std::int32_t>(r, "bin contents");
  if (cls == "TH1S") return array<std::int16_t>(r, "bin contents");
  return array<std::int8_t>(r, "bin contents");  // TH1C
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
  if (class_name != "TH1D" && class_name != "TH1F" && class_name != "TH1I" && class_name != "TH1S" && class_name != "TH1C")
    throw IOError(fmt::format("{}: unsupported class {} (hfx reads the one-dimensional histograms TH1C, TH1S, TH1I, TH1F, TH1D)",
                              where, class_name));
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
  h.edges = array<double>(r, "variable bin edges");
  end_part(r, axis, "TAxis");
  skip_part(r, "TAxis (y)");
  skip_part(r, "TAxis (z)");

  r.skip(2 + 2);  // bar offset and width
  h.entries = r.f64();
  r.skip(4 * 8 + 3 * 8);  // sums of weights (w, w², wx, wx²); maximum, minimum, norm factor
  array<double>(r, "contour levels");
  h.sumw2 = array<double>(r, "sum of squared weights");
  if (th1.end == kUnknownEnd)
    r.fail("the TH1 part has no byte count (written by a program other than ROOT, such as Geant4's g4tools), "
           "so its remaining members cannot be stepped over");
  end_part(r, th1, "TH1");
  h.contents = contents_array(r, class_name);
  end_part(r, derived, h.class_name.c_str());

  if (n_bins < 1 || static_cast<std::int64_t>(n_bins) + 2 != n_cells)
    r.fail(fmt::format("{} bins do not match the {} cells of a one-dimensional histogram", n_bins, n_cells));
  if (h.contents.size() != static_cast<std::size_t>(n_cells))
    r.fail(fmt::format("{} bin contents for {} cells", h.contents.size(), n_cells));
  if (!h.sumw2.empty() && h.sumw2.size() != h.contents.size())
    r.fail(fmt::format("{} sums of squared weights for {} cells", h.sumw2.size(), n_cells));
  if (h.edges.empty()) {
    // numpy.linspace's arithmetic, so edges equal uproot's.
    const double step = (x_max - x_min) / n_bins;
    h.edges.resize(static_cast<std::size_t>(n_bins) + 1);
    for (std::size_t i = 0; i < static_cast<std::size_t>(n_bins); ++i) h.edges[i] = x_min + static_cast<double>(i) * step;
    h.edges.back() = x_max;
  } else if (h.edges.size() != static_cast<std::size_t>(n_bins) + 1) {
    r.fail(fmt::format("{} bin edges for {} bins", h.edges.size(), n_bins));
  }
  return h;
}

}  // namespace hfx::root
