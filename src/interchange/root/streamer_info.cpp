#include "streamer_info.hpp"

#include "object_reader.hpp"

#include <fmt/format.h>

#include <limits>
#include <tuple>

namespace hfx::root::detail {

namespace {

// A TStreamerElement (of subclass `cls`): its TStreamerElement part, then what the
// subclass adds (TStreamerBase: the base version; TStreamerBasicPointer and
// TStreamerLoop: the counter's name).
StreamerElement element(ByteReader& r, const std::string& cls) {
  StreamerElement e;
  e.element_class = cls;
  const Part outer = part(r, cls.c_str());
  // TStreamerSTLstring derives from TStreamerSTL, which holds the TStreamerElement part.
  const bool stl_string = cls == "TStreamerSTLstring";
  const Part stl = stl_string ? part(r, "TStreamerSTL") : Part{};
  const Part base = part(r, "TStreamerElement");
  std::tie(e.name, e.title) = named(r);
  e.type = r.i32();
  r.i32();  // size in memory
  e.array_length = r.i32();
  r.i32();  // dimensions
  if (base.version == 1) {
    const std::int32_t n = r.i32();
    if (n < 0 || n > 5) r.fail(fmt::format("TStreamerElement {} has {} dimensions", e.name, n));
    r.skip(4 * static_cast<std::size_t>(n));
  } else {
    r.skip(4 * 5);
  }
  e.type_name = r.string();
  if (e.type == 11 && (e.type_name == "Bool_t" || e.type_name == "bool")) e.type = 18;
  end_part(r, base, "TStreamerElement");
  if (stl_string) end_part(r, stl, "TStreamerSTL");
  if (cls == "TStreamerBase" && outer.version >= 2) e.base_version = r.i32();
  if (cls == "TStreamerBasicPointer" || cls == "TStreamerLoop") {
    r.i32();  // the counter's class version
    e.count_name = r.string();
  }
  end_part(r, outer, cls.c_str());
  return e;
}

ClassStreamer streamer_info(ByteReader& r, ClassTags& tags) {
  ClassStreamer c;
  const Part p = part(r, "TStreamerInfo");
  c.name = named(r).first;
  c.checksum = r.u32();
  c.version = r.i32();
  tags.read(r, [&](const std::string& cls) {
    if (cls != "TObjArray") r.fail(fmt::format("the members of {} are a {}, not a TObjArray", c.name, cls));
    const Part a = part(r, "TObjArray");
    tobject(r);
    r.string();
    const std::int32_t n = r.i32();
    r.i32();  // lower bound
    if (n < 0 || static_cast<std::size_t>(n) > r.size() / 8) r.fail(fmt::format("{} claims {} members", c.name, n));
    for (std::int32_t i = 0; i < n; ++i)
      if (!tags.read(r, [&](const std::string& ecls) { c.elements.push_back(element(r, ecls)); }))
        r.fail(fmt::format("member {} of {} is missing", i, c.name));
    end_part(r, a, "TObjArray");
  });
  end_part(r, p, "TStreamerInfo");
  return c;
}

}  // namespace

StreamerInfos StreamerInfos::parse(std::string_view bytes, std::int32_t key_len, const std::string& where) {
  ByteReader r(bytes, where);
  ClassTags tags(key_len);
  StreamerInfos out;
  const Part list = part(r, "TList");
  tobject(r);
  r.string();
  const std::int32_t n = r.i32();
  if (n < 0 || static_cast<std::size_t>(n) > r.size() / 8) r.fail(fmt::format("the list claims {} entries", n));
  for (std::int32_t i = 0; i < n; ++i) {
    tags.read(r, [&](const std::string& cls) {
      if (cls == "TStreamerInfo") out.classes_.push_back(streamer_info(r, tags));  // others: schema evolution rules
    });
    r.skip(r.u8());  // the entry's option string
  }
  end_part(r, list, "TList");
  for (std::size_t i = 0; i < out.classes_.size(); ++i) out.index_.emplace(std::make_pair(out.classes_[i].name, out.classes_[i].version), i);
  return out;
}

const ClassStreamer* StreamerInfos::find(std::string_view name, int version) const {
  const auto it = index_.find(std::make_pair(std::string(name), version));
  return it == index_.end() ? nullptr : &classes_[it->second];
}

bool StreamerInfos::has(std::string_view name) const {
  const auto it = index_.lower_bound(std::make_pair(std::string(name), std::numeric_limits<int>::min()));
  return it != index_.end() && it->first.first == name;
}

}  // namespace hfx::root::detail
