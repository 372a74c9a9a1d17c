// Writing a ROOT file of TH1D histograms (the inputs of HistFactory XML).
//
// Layout (a "small" file, 32-bit seeks, format version 6.24): the header; at byte 100
// the TFile key with the file's name and title and the top directory record; one key
// per histogram holding the zlib-compressed TH1D (class version 3, TH1 8, TAxis 10);
// the streamer information (a TList of the TStreamerInfo of TH1D and the classes it
// contains, as ROOT 6.24 writes them: src/interchange/root/th1d_streamer_info.bin,
// taken from a ROOT-written file of scikit-hep-testdata); the key list; the free-segment
// list. Written to memory, then to disk in one atomic write_file.
#include "hfx/file_io.hpp"
#include "hfx/root_file.hpp"

#include "hfx/errors.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <set>

namespace hfx::root {

namespace detail {
// th1d_streamer_info.cpp, generated from th1d_streamer_info.bin by CMake.
extern const unsigned char kTh1dStreamerInfo[];
extern const std::size_t kTh1dStreamerInfoSize;
}  // namespace detail

namespace {

constexpr std::int32_t kFileVersion = 62406;
constexpr std::int32_t kBegin = 100;
constexpr std::int16_t kKeyVersion = 4;
constexpr std::uint32_t kByteCountMask = 0x40000000;
// 2026-01-01 00:00:00 in TDatime's packing: every file hfx writes for the same input is
// the same bytes.
constexpr std::uint32_t kDatime = (31u << 26) | (1u << 22) | (1u << 17);

// A growing big-endian buffer.
class Bytes {
 public:
  template <class T>
  void put(T v) {
    unsigned char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    for (std::size_t i = sizeof(T); i-- > 0;) s_.push_back(static_cast<char>(b[i]));
  }
  void i8(std::int8_t v) { put(v); }
  void i16(std::int16_t v) { put(v); }
  void i32(std::int32_t v) { put(v); }
  void u32(std::uint32_t v) { put(v); }
  void f32(float v) { put(v); }
  void f64(double v) { put(v); }
  void string(std::string_view v) {
    if (v.size() < 255) {
      put(static_cast<std::uint8_t>(v.size()));
    } else {
      put(static_cast<std::uint8_t>(255));
      put(static_cast<std::uint32_t>(v.size()));
    }
    s_.append(v);
  }
  void raw(std::string_view v) { s_.append(v); }
  // Starts a class part: a byte count (filled by end) and the version.
  std::size_t begin(std::int16_t version) {
    const std::size_t at = s_.size();
    u32(0);
    i16(version);
    return at;
  }
  void end(std::size_t at) {
    const std::uint32_t count = static_cast<std::uint32_t>(s_.size() - at - 4) | kByteCountMask;
    for (int i = 0; i < 4; ++i) s_[at + i] = static_cast<char>((count >> (8 * (3 - i))) & 0xff);
  }
  void set_i32(std::size_t at, std::int32_t v) {
    for (int i = 0; i < 4; ++i) s_[at + i] = static_cast<char>((static_cast<std::uint32_t>(v) >> (8 * (3 - i))) & 0xff);
  }
  std::size_t size() const { return s_.size(); }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

void tobject(Bytes& b, std::uint32_t bits) {
  b.i16(1);
  b.u32(0);  // unique id
  b.u32(bits);
}

void tnamed(Bytes& b, std::string_view name, std::string_view title, std::uint32_t bits) {
  const auto p = b.begin(1);
  tobject(b, bits);
  b.string(name);
  b.string(title);
  b.end(p);
}

void taxis(Bytes& b, std::string_view name, std::int32_t bins, double lo, double hi) {
  const auto p = b.begin(10);
  tnamed(b, name, "", 0x03000000);
  const auto att = b.begin(4);  // TAttAxis: ROOT's defaults
  b.i32(510), b.i16(1), b.i16(1), b.i16(42);
  b.f32(0.005f), b.f32(0.035f), b.f32(0.03f), b.f32(1.0f), b.f32(0.035f);
  b.i16(1), b.i16(42);
  b.end(att);
  b.i32(bins);
  b.f64(lo), b.f64(hi);
  b.i32(0);          // fXbins: uniform
  b.i32(0), b.i32(0);  // fFirst, fLast
  b.i16(0);          // fBits2
  b.i8(0);           // fTimeDisplay
  b.string("");      // fTimeFormat
  b.u32(0), b.u32(0);  // fLabels, fModLabs: none
  b.end(p);
}

// The streamed TH1D: bins 0..n on the axis, contents and (optionally) sumw2 with empty
// under- and overflow, the statistics ROOT's Fill would have accumulated.
std::string th1d(const HistogramToWrite& h) {
  const auto n = static_cast<std::int32_t>(h.contents.size());
  double sumw = 0, sumw2 = 0, sumwx = 0, sumwx2 = 0;
  for (std::int32_t i = 0; i < n; ++i) {
    const double w = h.contents[i], x = i + 0.5;
    sumw += w;
    sumw2 += h.sumw2.empty() ? w * w : h.sumw2[i];
    sumwx += w * x;
    sumwx2 += w * x * x;
  }
  const std::string name = h.path.substr(h.path.rfind('/') + 1);
  Bytes b;
  const auto th1d = b.begin(3);
  const auto th1 = b.begin(8);
  tnamed(b, name, h.title, 0x03000008);
  { const auto p = b.begin(2); b.i16(602), b.i16(1), b.i16(1); b.end(p); }          // TAttLine
  { const auto p = b.begin(2); b.i16(0), b.i16(1001); b.end(p); }                   // TAttFill
  { const auto p = b.begin(2); b.i16(1), b.i16(1), b.f32(1.0f); b.end(p); }         // TAttMarker
  b.i32(n + 2);
  taxis(b, "xaxis", n, 0.0, static_cast<double>(n));
  taxis(b, "yaxis", 1, 0.0, 1.0);
  taxis(b, "zaxis", 1, 0.0, 1.0);
  b.i16(0), b.i16(1000);  // bar offset, width
  b.f64(sumw);            // entries: one fill per unit weight
  b.f64(sumw), b.f64(sumw2), b.f64(sumwx), b.f64(sumwx2);
  b.f64(-1111), b.f64(-1111), b.f64(0);  // maximum, minimum, norm factor: unset
  b.i32(0);                               // fContour
  b.i32(h.sumw2.empty() ? 0 : n + 2);
  if (!h.sumw2.empty()) {
    b.f64(0);
    for (double v : h.sumw2) b.f64(v);
    b.f64(0);
  }
  b.string("");  // fOption
  { const auto p = b.begin(5); tobject(b, 0x03000000); b.string(""); b.i32(0); b.end(p); }  // fFunctions: empty TList
  b.i32(0);  // fBufferSize
  b.i8(0);   // fBuffer: none
  b.i32(0);  // fBinStatErrOpt
  b.i32(2);  // fStatOverflows: kNeutral
  b.end(th1);
  b.i32(n + 2);
  b.f64(0);
  for (double v : h.contents) b.f64(v);
  b.f64(0);
  b.end(th1d);
  return b.str();
}

// ROOT's compressed record: blocks of at most 16 MiB - 1, each "ZL" + method + sizes.
std::string compress(const std::string& object) {
  constexpr std::size_t kBlock = 0xffffff;
  std::string out;
  for (std::size_t at = 0; at < object.size(); at += kBlock) {
    const std::size_t n = std::min(kBlock, object.size() - at);
    uLongf c_size = compressBound(static_cast<uLong>(n));
    std::string block(c_size, '\0');
    if (compress2(reinterpret_cast<Bytef*>(block.data()), &c_size, reinterpret_cast<const Bytef*>(object.data() + at),
                  static_cast<uLong>(n), 1) != Z_OK)
      throw IOError("zlib failed to compress a histogram");
    if (c_size > kBlock) return object;  // incompressible: stored as it is
    const unsigned char header[9] = {'Z', 'L', 8,
                                     static_cast<unsigned char>(c_size), static_cast<unsigned char>(c_size >> 8), static_cast<unsigned char>(c_size >> 16),
                                     static_cast<unsigned char>(n), static_cast<unsigned char>(n >> 8), static_cast<unsigned char>(n >> 16)};
    out.append(reinterpret_cast<const char*>(header), 9);
    out.append(block.data(), c_size);
  }
  return out.size() < object.size() ? out : object;
}

struct KeyHeader {
  std::string class_name, name, title;
  std::int32_t obj_len = 0, stored_len = 0, seek = 0, seek_parent = 0;
};

std::int32_t key_length(const KeyHeader& k) {
  Bytes b;
  b.string(k.class_name), b.string(k.name), b.string(k.title);
  return static_cast<std::int32_t>(26 + b.size());
}

void key_header(Bytes& b, const KeyHeader& k) {
  const std::int32_t key_len = key_length(k);
  b.i32(key_len + k.stored_len);
  b.i16(kKeyVersion);
  b.i32(k.obj_len);
  b.u32(kDatime);
  b.i16(static_cast<std::int16_t>(key_len));
  b.i16(1);  // cycle
  b.i32(k.seek);
  b.i32(k.seek_parent);
  b.string(k.class_name), b.string(k.name), b.string(k.title);
}

}  // namespace

void write_histograms(const std::string& file_path, const std::vector<HistogramToWrite>& histograms) {
  std::set<std::string> names;
  for (const HistogramToWrite& h : histograms) {
    if (h.path.empty() || h.path.find('/') != std::string::npos)
      throw IOError(fmt::format("{}: histogram name '{}': expected a non-empty name without '/'", file_path, h.path));
    if (!names.insert(h.path).second) throw IOError(fmt::format("{}: histogram '{}' written twice", file_path, h.path));
    if (h.contents.empty()) throw IOError(fmt::format("{}: histogram '{}' has no bins", file_path, h.path));
    if (!h.sumw2.empty() && h.sumw2.size() != h.contents.size())
      throw IOError(fmt::format("{}: histogram '{}': {} sums of squared weights for {} bins", file_path, h.path, h.sumw2.size(), h.contents.size()));
  }
  const std::string file_name = file_path.substr(file_path.rfind('/') + 1);
  const std::string title = "written by hfx";

  // The TFile key and top directory; its key-list seek and sizes are filled in last.
  Bytes f;
  f.raw("root");
  f.i32(kFileVersion);
  f.i32(kBegin);
  const std::size_t at_end = f.size();
  f.i32(0), f.i32(0), f.i32(0), f.i32(1);  // end, seek free, bytes free, free segments
  const std::size_t at_name = f.size();
  f.i32(0);  // bytes of the TFile key + name
  f.put(static_cast<std::uint8_t>(4));  // units: 32-bit seeks
  f.i32(101);                           // compression: zlib, level 1
  const std::size_t at_info = f.size();
  f.i32(0), f.i32(0);  // streamer information: seek, bytes
  f.i16(4);            // UUID version, then the UUID
  for (int i = 0; i < 16; ++i) f.put(static_cast<std::uint8_t>(0x5a ^ i));
  while (f.size() < static_cast<std::size_t>(kBegin)) f.put(static_cast<std::uint8_t>(0));

  KeyHeader top{"TFile", file_name, title, 0, 0, kBegin, 0};
  Bytes named;
  named.string(file_name), named.string(title);
  Bytes dir;
  dir.i16(5);
  dir.u32(kDatime), dir.u32(kDatime);
  const std::size_t at_dir_nbytes_keys = dir.size();
  dir.i32(0);  // bytes of the key list
  dir.i32(key_length(top) + static_cast<std::int32_t>(named.size()));
  dir.i32(kBegin), dir.i32(0);
  const std::size_t at_dir_seek_keys = dir.size();
  dir.i32(0);  // seek of the key list
  dir.i16(4);
  for (int i = 0; i < 16; ++i) dir.put(static_cast<std::uint8_t>(0x5a ^ i));
  for (int i = 0; i < 3; ++i) dir.i32(0);  // room for 64-bit seeks, as ROOT leaves
  top.obj_len = top.stored_len = static_cast<std::int32_t>(named.size() + dir.size());
  key_header(f, top);
  f.set_i32(at_name, key_length(top) + static_cast<std::int32_t>(named.size()));
  f.raw(named.str());
  const std::size_t at_dir = f.size();
  f.raw(dir.str());

  auto add_record = [&](KeyHeader k, const std::string& object) {
    const std::string stored = compress(object);
    k.obj_len = static_cast<std::int32_t>(object.size());
    k.stored_len = static_cast<std::int32_t>(stored.size());
    k.seek = static_cast<std::int32_t>(f.size());
    k.seek_parent = kBegin;
    key_header(f, k);
    f.raw(stored);
    return k;
  };
  std::vector<KeyHeader> keys;
  for (const HistogramToWrite& h : histograms) {
    keys.push_back(add_record(KeyHeader{"TH1D", h.path, h.title, 0, 0, 0, 0}, th1d(h)));
  }
  const KeyHeader info = add_record(
      KeyHeader{"TList", "StreamerInfo", "Doubly linked list", 0, 0, 0, 0},
      std::string(reinterpret_cast<const char*>(detail::kTh1dStreamerInfo), detail::kTh1dStreamerInfoSize));
  f.set_i32(at_info, info.seek);
  f.set_i32(at_info + 4, key_length(info) + info.stored_len);

  // The key list of the top directory.
  Bytes list;
  list.i32(static_cast<std::int32_t>(keys.size()));
  for (const KeyHeader& k : keys) key_header(list, k);
  KeyHeader list_key{"TFile", file_name, title, static_cast<std::int32_t>(list.size()), static_cast<std::int32_t>(list.size()),
                     static_cast<std::int32_t>(f.size()), kBegin};
  const std::int32_t list_seek = list_key.seek;
  key_header(f, list_key);
  f.raw(list.str());
  f.set_i32(at_dir + at_dir_nbytes_keys, key_length(list_key) + list_key.stored_len);
  f.set_i32(at_dir + at_dir_seek_keys, list_seek);

  // The free segments: everything after the end of the file.
  Bytes free;
  free.i16(1);
  const std::size_t at_first = free.size();
  free.i32(0), free.i32(2000000000);
  KeyHeader free_key{"TFile", file_name, title, static_cast<std::int32_t>(free.size()), static_cast<std::int32_t>(free.size()),
                     static_cast<std::int32_t>(f.size()), kBegin};
  const std::int32_t free_seek = free_key.seek;
  const std::int32_t end = free_seek + key_length(free_key) + free_key.stored_len;
  free.set_i32(at_first, end);
  key_header(f, free_key);
  f.raw(free.str());
  f.set_i32(at_end, end);
  f.set_i32(at_end + 4, free_seek);
  f.set_i32(at_end + 8, key_length(free_key) + free_key.stored_len);
  // Every seek above is 32-bit: past 2 GiB they would be wrong, so nothing is written.
  if (f.size() > 0x7fffffff) throw IOError(file_path + ": more than 2 GiB of histograms (hfx writes small-format ROOT files)");
  write_file(file_path, f.str());
}

}  // namespace hfx::root
