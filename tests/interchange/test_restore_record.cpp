// The restore record that makes JSON -> XML/HS3 -> JSON exact (src/interchange/restore_record).
#include "interchange/restore_record.hpp"

#include "hfx/errors.hpp"
#include "hfx/json.hpp"

#include <gtest/gtest.h>

namespace {

using hfx::Json;
using namespace hfx::interchange;

Json restored(const Json& back, const Json& original) {
  const Json record = make_restore_record(back, original);
  std::string why;
  const std::optional<Json> out = apply_restore_record(back, record, why);
  EXPECT_TRUE(out.has_value()) << why;
  return out.value_or(Json());
}

TEST(RestoreRecord, NoneWhenNothingIsLost) {
  const Json a = Json::parse(R"({"a": [1, 2.5], "b": {"c": "x"}})");
  EXPECT_TRUE(make_restore_record(a, a).is_null());
}

TEST(RestoreRecord, KeepsWhatTheDigestSees) {
  // Integers written as doubles, the sign of zero, keys added and dropped (with JSON
  // Pointer escapes), arrays that changed length, and objects inside arrays.
  const Json back = Json::parse(R"({"data": [1.0, 2.0], "z": 0.0, "extra/key": 1, "list": [{"n": "a"}, {"n": "b"}], "grow": [1]})");
  const Json original = Json::parse(R"({"data": [1, 2], "z": -0.0, "ti~lde": [], "list": [{"n": "a"}, {"n": "c", "m": 1}], "grow": [1, 2]})");
  ASSERT_NE(hfx::python_json_dumps(back), hfx::python_json_dumps(original));
  EXPECT_EQ(hfx::python_json_dumps(restored(back, original)), hfx::python_json_dumps(original));
}

TEST(RestoreRecord, IgnoredForAnotherDocument) {
  const Json back = Json::parse(R"({"data": [1.0]})"), original = Json::parse(R"({"data": [1]})");
  const Json record = make_restore_record(back, original);
  std::string why;
  EXPECT_FALSE(apply_restore_record(Json::parse(R"({"data": [2.0]})"), record, why).has_value());
  EXPECT_NE(why.find("changed after hfx wrote it"), std::string::npos) << why;
}

// A record this hfx cannot use (another version, malformed, a patch that does not apply)
// leaves the document as written, with the reason.
TEST(RestoreRecord, UnusableRecordsAreIgnoredWithAReason) {
  const Json back = Json::parse(R"({"data": [1.0]})");
  std::string why;
  EXPECT_FALSE(apply_restore_record(back, Json::parse(R"({"version": 2})"), why).has_value());
  EXPECT_NE(why.find("not a restore record this hfx reads"), std::string::npos) << why;
  Json record = make_restore_record(back, Json::parse(R"({"data": [1]})"));
  record["patch"][0]["path"] = "/nowhere/0";
  EXPECT_FALSE(apply_restore_record(back, record, why).has_value());
  EXPECT_NE(why.find("its patch does not apply"), std::string::npos) << why;
  EXPECT_TRUE(from_xml_comment(std::string(kXmlCommentTag) + "{not json").is_null());
}

TEST(RestoreRecord, XmlCommentHoldsAnyName) {
  // "--" cannot appear in an XML comment, and a comment cannot end with "-".
  const Json back = Json::parse(R"({"name": "a"})");
  const Json original = Json::parse(R"({"name": "sys--up---x-"})");
  const Json record = make_restore_record(back, original);
  const std::string text = to_xml_comment(record);
  EXPECT_EQ(text.rfind(kXmlCommentTag, 0), 0u);
  EXPECT_EQ(text.find("--"), std::string::npos) << text;
  EXPECT_NE(text.back(), '-');
  EXPECT_EQ(from_xml_comment(text), record);
}

}  // namespace
