// Byte-exact emulation of Python's json.dumps(obj, sort_keys=True, ensure_ascii=False),
// which is what `pyhf digest` hashes.
#include "hfx/json.hpp"
#include "hfx/errors.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace hfx {
namespace {

void append_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);
    }
  }
  out += '"';
}

void dump(std::string& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: out += "null"; break;
    case Json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; break;
    case Json::value_t::number_integer: out += std::to_string(v.get<std::int64_t>()); break;
    case Json::value_t::number_unsigned: out += std::to_string(v.get<std::uint64_t>()); break;
    case Json::value_t::number_float: out += python_float_repr(v.get<double>()); break;
    case Json::value_t::string: append_string(out, v.get_ref<const std::string&>()); break;
    case Json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ", ";
        first = false;
        dump(out, e);
      }
      out += ']';
      break;
    }
    case Json::value_t::object: {
      // Python sorts str keys by code point; byte order of UTF-8 is the same order.
      std::vector<const std::string*> keys;
      keys.reserve(v.size());
      for (auto it = v.begin(); it != v.end(); ++it) keys.push_back(&it.key());
      std::sort(keys.begin(), keys.end(), [](auto* a, auto* b) { return *a < *b; });
      out += '{';
      bool first = true;
      for (const auto* k : keys) {
        if (!first) out += ", ";
        first = false;
        append_string(out, *k);
        out += ": ";
        dump(out, v.at(*k));
      }
      out += '}';
      break;
    }
    case Json::value_t::binary:
    case Json::value_t::discarded:
      throw std::logic_error("python_json_dumps: value is not JSON-serialisable");
  }
}

}  // namespace

std::string python_float_repr(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  if (value == 0.0) return std::signbit(value) ? "-0.0" : "0.0";
  // Shortest round-trip digits, in scientific form "d.ddde+XX".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  std::string out;
  std::size_t pos = 0;
  if (sci[0] == '-') { out += '-'; pos = 1; }
  const auto epos = sci.find('e');
  std::string digits;
  for (std::size_t i = pos; i < epos; ++i)
    if (sci[i] != '.') digits += sci[i];
  const int exp10 = std::stoi(sci.substr(epos + 1));
  // Python's repr: value = 0.DIGITS * 10^decpt; fixed notation when -4 < decpt <= 16.
  const int decpt = exp10 + 1;
  const int n = static_cast<int>(digits.size());
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-decpt), '0');
      out += digits;
    } else if (decpt >= n) {
      out += digits;
      out.append(static_cast<std::size_t>(decpt - n), '0');
      out += ".0";
    } else {
      out += digits.substr(0, decpt);
      out += '.';
      out += digits.substr(decpt);
    }
  } else {
    out += digits[0];
    if (n > 1) {
      out += '.';
      out += digits.substr(1);
    }
    const int e = decpt - 1;
    out += fmt::format("e{}{:02d}", e < 0 ? '-' : '+', e < 0 ? -e : e);
  }
  return out;
}

std::string python_json_dumps(const Json& value) {
  std::string out;
  dump(out, value);
  return out;
}

std::string digest_hex(std::string_view bytes, std::string_view algorithm) {
  // hashlib's names: md5, sha1, sha256, sha512, sha3_256, ... (OpenSSL spells sha3 "SHA3-256")
  std::string name(algorithm);
  if (name.rfind("sha3_", 0) == 0) name = "SHA3-" + name.substr(5);
  const EVP_MD* md_type = EVP_get_digestbyname(name.c_str());
  if (!md_type) throw Unsupported(fmt::format("hash algorithm '{}': not available (md5, sha1, sha256, sha512, sha3_256, ...)", algorithm));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), md, &len, md_type, nullptr) != 1)
    throw Unsupported(fmt::format("hash algorithm '{}' failed", algorithm));
  std::string hex;
  hex.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

std::string sha256_hex(std::string_view bytes) { return digest_hex(bytes, "sha256"); }

}  // namespace hfx
