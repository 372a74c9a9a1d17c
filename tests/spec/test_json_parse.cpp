// parse_json's two readers (src/spec/json_parse.hpp): simdjson's, which reads what it
// accepts, and the reference one (pre-scan + nlohmann), which reads the rest and writes
// every message. Whatever simdjson accepts must come out as the reference reader's
// document, value for value and type for type (unsigned, signed or double; -0.0 apart
// from 0.0), and every input must end with the same document or the same message.
#include "spec/json_parse.hpp"

#include "test_util.hpp"

#include "hfx/errors.hpp"
#include "hfx/json.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <simdjson.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <optional>
#include <string>
#include <vector>

namespace hfx {
namespace {

namespace fs = std::filesystem;

// "" when `a` and `b` are the same document (same types, same double bits, same key
// order), otherwise where and how they first differ.
std::string difference(const Json& a, const Json& b, const std::string& path = "") {
  if (a.type() != b.type())
    return fmt::format("{}: type {} vs {}", path, static_cast<int>(a.type()), static_cast<int>(b.type()));
  switch (a.type()) {
    case Json::value_t::number_float: {
      const double x = a.get<double>(), y = b.get<double>();
      if (std::memcmp(&x, &y, sizeof x) != 0) return fmt::format("{}: {} vs {}", path, x, y);
      return "";
    }
    case Json::value_t::array:
      if (a.size() != b.size()) return fmt::format("{}: {} vs {} items", path, a.size(), b.size());
      for (std::size_t i = 0; i < a.size(); ++i)
        if (auto d = difference(a[i], b[i], fmt::format("{}/{}", path, i)); !d.empty()) return d;
      return "";
    case Json::value_t::object: {
      if (a.size() != b.size()) return fmt::format("{}: {} vs {} members", path, a.size(), b.size());
      for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
        if (i.key() != j.key()) return fmt::format("{}: key '{}' vs '{}'", path, i.key(), j.key());
        if (auto d = difference(i.value(), j.value(), path + "/" + i.key()); !d.empty()) return d;
      }
      return "";
    }
    default:
      return a == b ? "" : fmt::format("{}: {} vs {}", path, a.dump(), b.dump());
  }
}

struct Outcome {
  std::optional<Json> doc;
  std::string error;
};

template <class F>
Outcome outcome(F&& parse) {
  try {
    return {parse(), ""};
  } catch (const InvalidSpecification& e) {
    return {std::nullopt, e.what()};
  }
}

// parse_json and the reference reader agree on `text`; returns whether simdjson's
// reader accepted it.
bool expect_same(const std::string& text, const std::string& label, bool* valid = nullptr) {
  const Outcome expected = outcome([&] { return detail::parse_json_reference(text, "<t>"); });
  const Outcome got = outcome([&] { return parse_json(text, "<t>"); });
  const std::optional<Json> fast = detail::parse_json_simdjson(text);
  if (valid != nullptr) *valid = expected.doc.has_value();
  EXPECT_EQ(got.error, expected.error) << label;
  EXPECT_EQ(got.doc.has_value(), expected.doc.has_value()) << label;
  if (got.doc && expected.doc) {
    EXPECT_EQ(difference(*got.doc, *expected.doc), "") << label;
    EXPECT_EQ(got.doc->dump(), expected.doc->dump()) << label;
    EXPECT_EQ(python_json_dumps(*got.doc), python_json_dumps(*expected.doc)) << label;
  }
  if (fast) {
    EXPECT_TRUE(expected.doc.has_value()) << label << ": simdjson accepted what the reference rejects: "
                                          << expected.error;
    if (expected.doc) {
      EXPECT_EQ(difference(*fast, *expected.doc), "") << label;
    }
  }
  return fast.has_value();
}

// `text` printable, for labels.
std::string escaped(const std::string& text) {
  std::string out;
  for (const unsigned char c : text) out += c < 0x20 || c >= 0x7f ? fmt::format("\\x{:02x}", c) : std::string(1, char(c));
  return out;
}

std::string read_bytes(const fs::path& p) { return read_file(p.string()); }

// Every file under tests/data (reference workspaces and patchsets, golden inputs and
// outputs, the malformed corpus). Returns (files, of which simdjson read).
std::pair<int, int> check_test_data() {
  int files = 0, fast = 0;
  for (const auto& entry : fs::recursive_directory_iterator(HFX_TEST_DATA)) {
    if (!entry.is_regular_file()) continue;
    const std::string rel = fs::relative(entry.path(), HFX_TEST_DATA).string();
    bool valid = false;
    const std::string text = read_bytes(entry.path());
    const bool accepted = expect_same(text, rel, &valid);
    // load_json_file lets simdjson read the file's bytes in place (read_file pads them).
    const Outcome loaded = outcome([&] { return load_json_file(entry.path().string()); });
    const Outcome expected = outcome([&] { return detail::parse_json_reference(text, entry.path().string()); });
    EXPECT_EQ(loaded.error, expected.error) << rel;
    if (loaded.doc && expected.doc) {
      EXPECT_EQ(difference(*loaded.doc, *expected.doc), "") << rel;
    } else {
      EXPECT_EQ(loaded.doc.has_value(), expected.doc.has_value()) << rel;
    }
    ++files;
    fast += accepted;
    // The published likelihoods and the other reference files are plain JSON (but for
    // a few files of pyhf's results with NaN): simdjson must read them all.
    if (rel.starts_with("reference/") && valid) {
      EXPECT_TRUE(accepted) << rel << " took the reference reader";
    }
  }
  return {files, fast};
}

TEST(JsonParse, EveryTestDataFileAsTheReferenceReader) {
  const auto [files, fast] = check_test_data();
  EXPECT_GT(files, 400);
  EXPECT_GT(fast, 300);
  RecordProperty("files", files);
  RecordProperty("read_by_simdjson", fast);
}

// Inputs simdjson reads (the reference reader gives the same document).
const std::vector<std::string> kAccepted = {
    // numbers: unsigned, signed, double exactly as nlohmann stores them
    "0", "1", "1.0", "-1", "-0.0", "-0e0", "0e0", "1E5", "1e+5", "1e-5", "0.1", "5.0", "-5", "[1, -1, 1.5, -1.5]",
    "9223372036854775807", "9223372036854775808", "18446744073709551615", "-9223372036854775808",
    "-9223372036854775807", "1e-400", "-1e-400", "4.9e-324", "2.4703282292062328e-324", "2.4703282292062327e-324",
    "2.2250738585072011e-308", "2.2250738585072014e-308", "1.7976931348623157e308", "17976931348623157e292",
    "3.141592653589793238462643383279502884197169399375105820974944", "123456789012345678901234567890.5",
    "0.30000000000000004", "1e22", "1e23", "9007199254740993", "9007199254740993.0", "[1e308, -1e308]",
    // strings
    R"("\u00e9")", R"("\ud83d\ude00")", R"("\uD83D\uDE00")", R"("\u0000")", R"("\/")", R"("\b\f\n\r\t\"\\")",
    "\"\xc3\xa9\xf0\x9f\x98\x80\"", "\"\x7f\"", R"("SR-0j")", R"(["a-0", "-0a", "x-0"])", R"("\u20AC")",
    // objects: key order, empty key, duplicate keys (first place, last value)
    R"({"":1})", R"({"b":1,"a":2})", R"({"a":1,"a":2})", R"({"a":1,"b":2,"a":3})", R"({"a":[1],"a":{"b":2},"c":3})",
    R"({"a":{"x":1},"a":{"y":2}})",
    R"({"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,)"
    R"("k13":13,"k14":14,"k15":15,"k16":16,"k3":"again","k17":17,"k0":null})",
    // structure and whitespace
    "true", "false", "null", "[]", "{}", "[[]]", "[{}]", " \t\r\n{} \t\r\n", "[true, false, null]",
    "\xEF\xBB\xBF{\"a\":1}", "{\"a\":[1,{\"b\":[]}],\"c\":{}}",
};

// Inputs simdjson declines: the reference reader writes the message (or reads them).
const std::vector<std::string> kDeclined = {
    // numbers nlohmann or the pre-scan refuse, or that only nlohmann can type
    "1e400", "[1e400]", "-1e400", "1.8e308", "1.7976931348623159e308", "0.1e310", "18446744073709551616",
    "[18446744073709551616]", "-9223372036854775809", "123456789012345678901234567890", "-0", "[-0]", "{\"a\":-0}",
    "[1, -0 ]", "[\" -0 \"]", "NaN", "[NaN]", "Infinity", "-Infinity", "[01]", "[1.]", "[.5]", "[+1]", "[0x10]",
    "[1e]", "[-]",
    // strings
    R"("\ud800")", R"("\udc00")", R"("\ud800\u0041")", R"("\uD800\uDBFF")", R"("\uDFFF")", R"("\x")", R"("\u12")",
    "\"\xff\"", "\"\xc3\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"a\x01\"", "\"a\tb\"",
    "\"a\nb\"", "\"abc", "{\"a\xff\":1}",
    // structure
    "", "   ", "[1,]", "{\"a\":1,}", "[1] x", "1 2", "[1,2", "{", "}", "[", "tru", "nul", "{'a':1}", "{a:1}",
    "// c\n{}", "{} // c", "/* c */ {}", "\xEF\xBB\xBF\xEF\xBB\xBF{}", std::string("{}\0", 3),
    std::string("{}\0xyz", 6), std::string("[1,\0]", 5), std::string("\0{}", 3), "\f{}", "\v{}", "{\"a\" 1}",
    "{\"a\":1 \"b\":2}", "[1 2]", "---\na: 1\n", "a: 1", "<xml/>", "{\"version\": \"1.0.0\",",
};

TEST(JsonParse, EdgeCasesAsTheReferenceReader) {
  for (const auto& text : kAccepted) EXPECT_TRUE(expect_same(text, text)) << "simdjson declined " << text;
  for (const auto& text : kDeclined) {
    const std::string label = escaped(text);
    expect_same(text, label);
    // nlohmann reads a few of these ("{}\0xyz": up to the NUL), the others are errors.
  }
}

TEST(JsonParse, NumberTypesAsNlohmann) {
  EXPECT_TRUE(parse_json("0", "<t>").is_number_unsigned());
  EXPECT_TRUE(parse_json("7", "<t>").is_number_unsigned());
  EXPECT_TRUE(parse_json("18446744073709551615", "<t>").is_number_unsigned());
  EXPECT_TRUE(parse_json("-7", "<t>").is_number_integer() && !parse_json("-7", "<t>").is_number_unsigned());
  EXPECT_EQ(parse_json("-9223372036854775808", "<t>").get<std::int64_t>(), INT64_MIN);
  const Json neg_zero = parse_json("[-0]", "<t>")[0];
  EXPECT_TRUE(neg_zero.is_number_integer() && !neg_zero.is_number_unsigned());
  EXPECT_TRUE(parse_json("1.0", "<t>").is_number_float());
  EXPECT_TRUE(std::signbit(parse_json("-0.0", "<t>").get<double>()));
  EXPECT_EQ(python_json_dumps(parse_json("[1, 1.0, -0, -0.0, 1e16, 1e-5]", "<t>")), "[1, 1.0, 0, -0.0, 1e+16, 1e-05]");
  EXPECT_EQ(parse_json(R"({"a":1,"b":2,"a":3})", "<t>").dump(), R"({"a":3,"b":2})");
  EXPECT_THROW(parse_json("18446744073709551616", "<t>"), InvalidSpecification);
}

std::string nested(std::size_t depth, bool objects) {
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) s += objects ? "{\"k\":" : "[";
  s += "1";
  for (std::size_t i = 0; i < depth; ++i) s += objects ? "}" : "]";
  return s;
}

TEST(JsonParse, DepthLimitAsTheReferenceReader) {
  // 512 containers deep is accepted (by simdjson), 513 is not; beyond simdjson's own
  // limit (1024) as well.
  for (bool objects : {false, true}) {
    EXPECT_TRUE(expect_same(nested(512, objects), "512"));
    EXPECT_FALSE(expect_same(nested(513, objects), "513"));
    EXPECT_FALSE(expect_same(nested(2000, objects), "2000"));
  }
  EXPECT_FALSE(expect_same("[" + nested(512, true) + "]", "513 mixed"));
}

TEST(JsonParse, ValueLimitAsTheReferenceReader) {
  // 1 + 2^25 values: more than hfx accepts, with the reference reader's message.
  std::string text = "[";
  text.reserve(2 * kMaxJsonValues + 2);
  for (std::size_t i = 0; i < kMaxJsonValues; ++i) text += "0,";
  text.back() = ']';
  EXPECT_FALSE(expect_same(text, "2^25 + 1 values"));
  EXPECT_NE(outcome([&] { return parse_json(text, "<t>"); }).error.find("more than 33554432 JSON values"),
            std::string::npos);
}

// simdjson picks an implementation for the CPU at run time (icelake, haswell, westmere,
// arm64, ppc64, fallback): every one this CPU supports reads the test data and edge
// cases as the reference reader.
TEST(JsonParse, EverySimdjsonImplementationAsTheReferenceReader) {
  const simdjson::implementation* active = simdjson::get_active_implementation();
  int tried = 0;
  for (const simdjson::implementation* impl : simdjson::get_available_implementations()) {
    if (!impl->supported_by_runtime_system()) continue;
    SCOPED_TRACE(impl->name());
    simdjson::get_active_implementation() = impl;
    ++tried;
    // Under the sanitizers (HFX_SANITIZED) the files once, with the implementation in use:
    // simdjson itself is not instrumented, and each pass over them takes ~10 s there.
    if (impl == active || !std::getenv("HFX_SANITIZED")) check_test_data();
    for (const auto& text : kAccepted) EXPECT_TRUE(expect_same(text, text));
    for (const auto& text : kDeclined) expect_same(text, escaped(text));
  }
  simdjson::get_active_implementation() = active;
  EXPECT_GE(tried, 1);
}

}  // namespace
}  // namespace hfx
