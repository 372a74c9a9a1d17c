#include "object_reader.hpp"

#include <fmt/format.h>

#include <cstring>

namespace hfx::root::detail {

namespace {

constexpr std::uint32_t kByteCountMask = 0x40000000;
constexpr std::uint16_t kByteCountVMask = 0x4000;
constexpr std::uint32_t kIsReferenced = 1u << 4;
constexpr std::uint32_t kNewClassTag = 0xFFFFFFFF;
constexpr std::uint32_t kClassMask = 0x80000000;
constexpr std::uint32_t kMapOffset = 2;
constexpr int kMaxDepth = 32;

// TVirtualStreamerInfo::EReadWrite codes hfx reads.
enum Type : int {
  kBase = 0, kOffsetL = 20, kOffsetP = 40, kObject = 61, kAny = 62, kObjectp = 63, kObjectP = 64,
  kTString = 65, kTObject = 66, kTNamed = 67, kAnyp = 68, kAnyP = 69, kSTLp = 71, kSTL = 300, kSTLstring = 365, kStreamer = 500,
  kStreamLoop = 501,
};

}  // namespace

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

void skip_part(ByteReader& r, const char* what) {
  const std::size_t start = r.pos();
  const Part p = part(r, what);
  if (p.end == kUnknownEnd) r.fail(fmt::format("{} has no byte count (offset {})", what, start));
  r.seek(p.end);
}

void tobject(ByteReader& r) {
  const auto version = static_cast<std::uint16_t>(r.i16());
  if (version & kByteCountVMask) r.skip(4);
  r.u32();
  if (r.u32() & kIsReferenced) r.skip(2);
}

std::pair<std::string, std::string> named(ByteReader& r) {
  const Part p = part(r, "TNamed");
  tobject(r);
  std::pair<std::string, std::string> out;
  out.first = r.string();
  out.second = r.string();
  end_part(r, p, "TNamed");
  return out;
}

std::pair<std::string, std::size_t> ClassTags::header(ByteReader& r) {
  const std::size_t start = r.pos();
  const std::uint32_t first = r.u32();
  if (!(first & kByteCountMask) || first == kNewClassTag) {
    if (first == 0 || !(first & kClassMask)) return {"", kUnknownEnd};  // null, or an object read before
    r.fail(fmt::format("object at offset {} has no byte count", start));
  }
  const std::size_t end = start + 4 + (first & ~kByteCountMask);
  if (end > r.size() || end < start + 8)
    r.fail(fmt::format("byte count {} at offset {} points outside the record", first & ~kByteCountMask, start));
  const std::uint32_t tag = r.u32();
  if (!(tag & kClassMask)) {  // a reference to an object read before
    r.seek(end);
    return {"", kUnknownEnd};
  }
  // ROOT counts the position of the class tag (after the byte count) from the key's start.
  const std::uint32_t position = static_cast<std::uint32_t>(start + 4) + static_cast<std::uint32_t>(key_len_) + kMapOffset;
  if (tag == kNewClassTag) {
    std::string name;
    for (char c; (c = static_cast<char>(r.u8())) != '\0';) {
      if (name.size() > 1000) r.fail(fmt::format("class name at offset {} does not end", start));
      name += c;
    }
    names_[position] = name;
    return {name, end};
  }
  const auto it = names_.find(tag & ~kClassMask);
  if (it == names_.end()) r.fail(fmt::format("object at offset {} refers to a class (tag {}) not read before", start, tag & ~kClassMask));
  return {it->second, end};
}

double ObjectReader::basic(int type, const StreamerElement& e) {
  switch (type) {
    case 1: return r_.i8();
    case 2: return r_.i16();
    case 3: case 6: return r_.i32();
    case 4: case 16: return static_cast<double>(r_.i64());
    case 5: return r_.f32();
    case 8: return r_.f64();
    case 9:  // Double32_t: a float unless the title gives a packing range
      if (e.title.find('[') != std::string::npos)
        r_.fail(fmt::format("member {} is a packed {} ({}), which hfx does not read", e.name, e.type_name, e.title));
      return r_.f32();
    case 19: {  // Float16_t: an exponent byte and 12 mantissa bits (ROOT's default truncation)
      if (e.title.find('[') != std::string::npos)
        r_.fail(fmt::format("member {} is a packed {} ({}), which hfx does not read", e.name, e.type_name, e.title));
      constexpr int kBits = 12;
      const std::uint32_t exponent = r_.u8();
      const std::uint32_t mantissa = r_.read<std::uint16_t>();
      const std::uint32_t bits = (exponent << 23) | ((mantissa & ((1u << (kBits + 1)) - 1)) << (23 - kBits));
      float f;
      std::memcpy(&f, &bits, sizeof f);
      return (mantissa & (1u << (kBits + 1))) ? -f : f;
    }
    case 11: case 18: return r_.u8();
    case 12: return r_.read<std::uint16_t>();
    case 13: case 15: return r_.u32();
    case 14: case 17: return static_cast<double>(r_.read<std::uint64_t>());
    default: r_.fail(fmt::format("member {} has type {} ({}), which hfx does not read", e.name, type, e.type_name));
  }
}

std::vector<double> read_tarray(ByteReader& r, std::string_view cls, std::string_view what) {
  if (cls == "TArrayD") return read_array<double>(r, what);
  if (cls == "TArrayF") return read_array<float>(r, what);
  if (cls == "TArrayI") return read_array<std::int32_t>(r, what);
  if (cls == "TArrayS") return read_array<std::int16_t>(r, what);
  if (cls == "TArrayC") return read_array<std::int8_t>(r, what);
  if (cls == "TArrayL" || cls == "TArrayL64") return read_array<std::int64_t>(r, what);
  r.fail(fmt::format("{} is a {}, not an array class hfx reads", what, cls));
}

void ObjectReader::read_class(const std::string& cls, Members& out, int depth) {
  if (depth > kMaxDepth) r_.fail(fmt::format("{}: objects nested deeper than {}", cls, kMaxDepth));
  if (cls == "TObject") return tobject(r_);
  const std::size_t start = r_.pos();
  const Part p = part(r_, cls.c_str());
  const ClassStreamer* info = infos_.find(cls, p.version);
  if (!info) r_.fail(fmt::format("the file has no streamer information for {} version {} (offset {})", cls, p.version, start));
  for (const StreamerElement& e : info->elements) read_element(e, out, depth);
  end_part(r_, p, cls.c_str());
}

void ObjectReader::read_element(const StreamerElement& e, Members& out, int depth) {
  const int t = e.type;
  if (t == kBase || e.element_class == "TStreamerBase") {  // TObject and TNamed bases have types 66 and 67
    if (e.name.rfind("TArray", 0) == 0) out["fArray"].numbers = read_tarray(r_, e.name, e.name);  // hand-written streamer: no header
    else read_class(e.name, out, depth + 1);
  } else if (t > 0 && t < kOffsetL) {
    out[e.name].number = basic(t, e);
  } else if (t > kOffsetL && t < kOffsetP) {
    if (e.array_length < 0 || static_cast<std::size_t>(e.array_length) > r_.size()) r_.fail(fmt::format("member {} has length {}", e.name, e.array_length));
    std::vector<double> v(static_cast<std::size_t>(e.array_length));
    for (double& x : v) x = basic(t - kOffsetL, e);
    out[e.name].numbers = std::move(v);
  } else if (t > kOffsetP && t < kObject) {  // basic-type pointer: a flag, then fCountName values
    std::vector<double> v;
    if (r_.u8() != 0) {
      const auto it = out.find(e.count_name);
      if (it == out.end()) r_.fail(fmt::format("member {} counts with {}, which was not read before it", e.name, e.count_name));
      const double n = it->second.number;
      if (!(n >= 0) || n > static_cast<double>(r_.size() - r_.pos())) r_.fail(fmt::format("member {} claims {} values", e.name, n));
      v.resize(static_cast<std::size_t>(n));
      for (double& x : v) x = basic(t - kOffsetP, e);
    }
    out[e.name].numbers = std::move(v);
  } else if (t == kTString) {
    out[e.name].text = r_.string();
  } else if (t == kTObject) {
    tobject(r_);
  } else if (t == kObject || t == kAny || t == kTNamed) {
    if (e.type_name.rfind("TArray", 0) == 0) {
      out[e.name].numbers = read_tarray(r_, e.type_name, e.name);
    } else if (e.type_name == "TString") {
      out[e.name].text = r_.string();
    } else {
      auto sub = std::make_shared<Members>();
      read_class(t == kTNamed ? std::string("TNamed") : e.type_name, *sub, depth + 1);
      out[e.name].object = std::move(sub);
    }
  } else if (t == kObjectp || t == kObjectP || t == kAnyp || t == kAnyP) {
    const std::size_t start = r_.pos();
    const std::uint32_t first = r_.u32();
    if (first & kByteCountMask && first != kNewClassTag) {
      const std::size_t end = start + 4 + (first & ~kByteCountMask);
      if (end > r_.size()) r_.fail(fmt::format("member {}'s byte count points outside the object", e.name));
      r_.seek(end);
    } else if (first != 0 && (first & kClassMask)) {
      r_.fail(fmt::format("member {} (offset {}) has no byte count", e.name, start));
    }
  } else if (t == kSTL || t == kSTLp || t == kSTLstring || t == kStreamer || t == kStreamLoop) {
    skip_part(r_, e.name.c_str());
  } else {
    r_.fail(fmt::format("member {} has type {} ({}), which hfx does not read", e.name, t, e.type_name));
  }
}

}  // namespace hfx::root::detail
