// parse_json's fast reader: simdjson's DOM turned into an hfx::Json (see json_parse.hpp).
#include "json_parse.hpp"

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>

namespace hfx::detail {
namespace {

namespace dom = simdjson::dom;

// Whether `text` may hold the integer literal -0: "-0" between a JSON delimiter (or
// whitespace) and one. nlohmann stores it as number_integer 0; simdjson's DOM gives an
// int64 0, which would be read as the unsigned 0 of the literal 0. Strings such as
// "SR-0j" do not match; a string holding " -0 " does and merely takes the reference path.
bool may_hold_negative_zero(std::string_view text) {
  const auto delimiter = [](char c) {
    return c == ',' || c == ':' || c == '[' || c == ']' || c == '{' || c == '}' || c == ' ' || c == '\t' ||
           c == '\n' || c == '\r';
  };
  for (std::size_t i = text.find("-0"); i != std::string_view::npos; i = text.find("-0", i + 2)) {
    if (i > 0 && !delimiter(text[i - 1])) continue;
    if (i + 2 == text.size() || delimiter(text[i + 2])) return true;
  }
  return false;
}

// Whether the reference reader's bound on the number of values (1 + commas + brackets
// opened, outside strings) may exceed kMaxJsonValues: it cannot below 2^25 bytes.
bool may_hold_too_many_values(std::string_view text) {
  if (text.size() < kMaxJsonValues) return false;
  std::size_t bound = 1;
  for (const char c : text) bound += c == ',' || c == '[' || c == '{';
  return bound > kMaxJsonValues;
}

// Builds the Json of a simdjson element in place; false when the document is nested
// deeper than the reference reader accepts (the caller then declines).
bool build(dom::element e, Json& out, std::size_t depth) {
  switch (e.type()) {
    case dom::element_type::ARRAY: {
      // `depth` containers hold this one: the reference reader refuses a container
      // with kMaxJsonDepth around it.
      if (depth >= kMaxJsonDepth) return false;
      const dom::array array = e.get_array().value_unsafe();
      out = Json::array();
      auto& items = out.get_ref<Json::array_t&>();
      items.reserve(array.size());  // saturates at 2^24 - 1: a hint only
      for (const dom::element child : array) {
        items.emplace_back();
        if (!build(child, items.back(), depth + 1)) return false;
      }
      return true;
    }
    case dom::element_type::OBJECT: {
      if (depth >= kMaxJsonDepth) return false;
      const dom::object object = e.get_object().value_unsafe();
      out = Json::object();
      auto& members = out.get_ref<Json::object_t&>();
      const std::size_t n = object.size();
      members.reserve(n);
      // Duplicate keys as nlohmann's ordered_json: first place, last value. Small
      // objects (all of HistFactory's) look the key up among those before it.
      constexpr std::size_t kLinear = 16;
      std::unordered_map<std::string_view, std::size_t> index;
      for (const dom::key_value_pair member : object) {
        Json* slot = nullptr;
        if (n <= kLinear) {
          for (auto& [key, value] : members) {
            if (key == member.key) {
              slot = &value;
              break;
            }
          }
        } else if (auto [it, fresh] = index.emplace(member.key, members.size()); !fresh) {
          slot = &(members.begin() + static_cast<std::ptrdiff_t>(it->second))->second;
        }
        if (slot == nullptr) {
          members.emplace_back(std::string(member.key), nullptr);
          slot = &members.back().second;
        } else {
          *slot = nullptr;
        }
        if (!build(member.value, *slot, depth + 1)) return false;
      }
      return true;
    }
    case dom::element_type::INT64: {
      const std::int64_t v = e.get_int64().value_unsafe();
      if (v >= 0) out = static_cast<std::uint64_t>(v);
      else out = v;
      return true;
    }
    case dom::element_type::UINT64: out = e.get_uint64().value_unsafe(); return true;
    case dom::element_type::DOUBLE: out = e.get_double().value_unsafe(); return true;
    case dom::element_type::STRING: out = std::string(e.get_string().value_unsafe()); return true;
    case dom::element_type::BOOL: out = e.get_bool().value_unsafe(); return true;
    case dom::element_type::NULL_VALUE: out = nullptr; return true;
  }
  return false;
}

}  // namespace

static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING);

std::optional<Json> parse_json_simdjson(std::string_view text, bool padded) {
  // nlohmann skips one UTF-8 byte order mark; simdjson does not know it.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  if (may_hold_negative_zero(text) || may_hold_too_many_values(text)) return std::nullopt;
  dom::parser parser;
  dom::element root;
  // Unless the caller's text is padded, the parser copies it into a padded buffer.
  if (parser.parse(text.data(), text.size(), /*realloc_if_needed=*/!padded).get(root) != simdjson::SUCCESS)
    return std::nullopt;
  std::optional<Json> doc(std::in_place);
  if (!build(root, *doc, 0)) return std::nullopt;
  return doc;
}

}  // namespace hfx::detail
