#include "hfx/json.hpp"

#include <gtest/gtest.h>

namespace hfx {

TEST(PythonFloatRepr, MatchesPythonRepr) {
  // Expected strings are what CPython 3.11 prints for repr(x).
  EXPECT_EQ(python_float_repr(5.0), "5.0");
  EXPECT_EQ(python_float_repr(0.1), "0.1");
  EXPECT_EQ(python_float_repr(-2.5), "-2.5");
  EXPECT_EQ(python_float_repr(1e16), "1e+16");
  EXPECT_EQ(python_float_repr(1e15), "1000000000000000.0");
  EXPECT_EQ(python_float_repr(123456789012345678.0), "1.2345678901234568e+17");
  EXPECT_EQ(python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(python_float_repr(0.00001), "1e-05");
  EXPECT_EQ(python_float_repr(1.5e-7), "1.5e-07");
  EXPECT_EQ(python_float_repr(-0.0), "-0.0");
  EXPECT_EQ(python_float_repr(1e300), "1e+300");
  EXPECT_EQ(python_float_repr(0.30000000000000004), "0.30000000000000004");
  EXPECT_EQ(python_float_repr(12345.678), "12345.678");
}

TEST(PythonJsonDumps, SortsKeysAndKeepsIntegers) {
  const Json v = Json::parse(R"({"b": [5, 5.0, -1, 1e-5], "a": {"z": null, "é": "x\"y\n"}, "c": true})");
  EXPECT_EQ(python_json_dumps(v),
            "{\"a\": {\"z\": null, \"\xc3\xa9\": \"x\\\"y\\n\"}, \"b\": [5, 5.0, -1, 1e-05], \"c\": true}");
}

TEST(PythonJsonDumps, DigestOfPyhfDocExample) {
  // pyhf.utils.digest({'a': 2.0, 'b': 3.0, 'c': 1.0}) from pyhf's docstring.
  const Json v = Json::parse(R"({"a": 2.0, "b": 3.0, "c": 1.0})");
  EXPECT_EQ(sha256_hex(python_json_dumps(v)), "a38f6093800189b79bc22ef677baf90c75705af2cfc7ff594159eca54eaa7928");
}

}  // namespace hfx
