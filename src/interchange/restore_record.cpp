#include "interchange/restore_record.hpp"

#include "hfx/errors.hpp"
#include "hfx/patchset.hpp"

#include <fmt/format.h>

#include <cmath>

namespace hfx::interchange {

namespace {

bool is_float(const Json& v) { return v.is_number_float(); }

// Equal as the digest sees them: same JSON type, integers equal, doubles equal with sign.
bool same(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) {
    if (is_float(a) != is_float(b)) return false;
    if (is_float(a)) {
      const double x = a.get<double>(), y = b.get<double>();
      return x == y && std::signbit(x) == std::signbit(y);
    }
    return a == b;
  }
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      const auto jt = b.find(it.key());
      if (jt == b.end() || !same(*it, *jt)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

bool all_numbers(const Json& a) {
  for (const Json& v : a)
    if (!v.is_number()) return false;
  return true;
}

// Operations turning `a` into `b`: arrays of numbers and arrays whose length changed are
// replaced whole (a bin-wise patch would be longer than the array).
void diff(const Json& a, const Json& b, const std::string& path, Json& ops) {
  if (same(a, b)) return;
  if (a.is_object() && b.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it)
      if (!b.contains(it.key())) ops.push_back(Json{{"op", "remove"}, {"path", path + "/" + json_pointer_escape(it.key())}});
    for (auto it = b.begin(); it != b.end(); ++it) {
      const std::string p = path + "/" + json_pointer_escape(it.key());
      if (!a.contains(it.key())) ops.push_back(Json{{"op", "add"}, {"path", p}, {"value", *it}});
      else diff(a[it.key()], *it, p, ops);
    }
    return;
  }
  if (a.is_array() && b.is_array() && a.size() == b.size() && !(all_numbers(a) && all_numbers(b))) {
    for (std::size_t i = 0; i < a.size(); ++i) diff(a[i], b[i], fmt::format("{}/{}", path, i), ops);
    return;
  }
  ops.push_back(Json{{"op", "replace"}, {"path", path}, {"value", b}});
}

std::string digest_of(const Json& v) { return sha256_hex(python_json_dumps(v)); }

}  // namespace

Json make_restore_record(const Json& read_back, const Json& original) {
  Json ops = Json::array();
  diff(read_back, original, "", ops);
  if (ops.empty()) return nullptr;
  return Json{{"version", 1}, {"base_sha256", digest_of(read_back)}, {"patch", std::move(ops)}};
}

std::optional<Json> apply_restore_record(const Json& read_back, const Json& record, std::string& why) {
  if (!record.is_object() || record.value("version", Json()) != Json(1) || !record.contains("base_sha256") ||
      !record["base_sha256"].is_string() || !record.contains("patch") || !record["patch"].is_array()) {
    why = "not a restore record this hfx reads (expected {\"version\": 1, \"base_sha256\", \"patch\"}); read as written";
    return std::nullopt;
  }
  if (record["base_sha256"].get<std::string>() != digest_of(read_back)) {
    why = "the document changed after hfx wrote it, so the record no longer applies; read as written";
    return std::nullopt;
  }
  try {
    return JsonPatch(record["patch"]).apply(read_back);
  } catch (const Error& e) {
    why = fmt::format("its patch does not apply ({}); read as written", e.what());
    return std::nullopt;
  }
}

std::string to_xml_comment(const Json& record) {
  const std::string text = record.dump();
  std::string out = kXmlCommentTag;
  for (std::size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '-' && i + 1 < text.size() && text[i + 1] == '-') {  // only inside strings
      out += "\\u002d";
      ++i;
    }
  }
  return out;
}

Json from_xml_comment(const std::string& comment) {
  try {
    return parse_json(std::string_view(comment).substr(std::string_view(kXmlCommentTag).size()), "restore record");
  } catch (const Error&) {
    return nullptr;
  }
}

}  // namespace hfx::interchange
