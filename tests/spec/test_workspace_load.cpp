#include "hfx/errors.hpp"
#include "hfx/workspace.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace hfx {

TEST(WorkspaceDigest, EqualsPyhfDigestForEveryReferenceDocument) {
  std::ifstream in(test::data_path("reference/digests.txt"));
  ASSERT_TRUE(in);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string path, digest;
    ls >> path >> digest;
    if (path.empty()) continue;
    SCOPED_TRACE(path);
    const Workspace ws = Workspace::load(test::data_path("reference/" + path));
    EXPECT_EQ("sha256:" + ws.digest(), digest);
    ++n;
  }
  EXPECT_GE(n, 20);
}

TEST(WorkspaceLoad, TypedViewOfSmallWorkspace) {
  const Workspace ws = Workspace::load(test::data_path("reference/pyhf-validation/1bin_normsys/workspace.json"));
  ASSERT_EQ(ws.channels().size(), 1u);
  EXPECT_EQ(ws.channels()[0].name, "singlechannel");
  ASSERT_EQ(ws.channels()[0].samples.size(), 2u);
  const auto& bkg = ws.channels()[0].samples[1];
  EXPECT_EQ(bkg.name, "background");
  ASSERT_EQ(bkg.modifiers.size(), 1u);
  EXPECT_EQ(bkg.modifiers[0].type(), ModifierType::normsys);
  EXPECT_DOUBLE_EQ(std::get<modifier::NormSys>(bkg.modifiers[0].data).hi, 1.1);
  EXPECT_EQ(ws.measurement().poi, "mu");
  EXPECT_THROW(ws.measurement("nope"), InvalidMeasurement);
}

namespace {
std::string error_of(const std::string& text) {
  try {
    Workspace ws(parse_json(text, "<test>"));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}
const char* kGood = R"({"channels":[{"name":"SR","samples":[
  {"name":"sig","data":[1.0,2.0],"modifiers":[{"name":"mu","type":"normfactor","data":null}]},
  {"name":"bkg","data":[5.0,6.0],"modifiers":[{"name":"u","type":"shapesys","data":[1.0,1.0]}]}]}],
  "observations":[{"name":"SR","data":[5,7]}],
  "measurements":[{"name":"m","config":{"poi":"mu","parameters":[]}}],"version":"1.0.0"})";
std::string with(std::string from, const std::string& find, const std::string& repl) {
  auto p = from.find(find);
  if (p == std::string::npos) return "FIND FAILED: " + find;
  return from.replace(p, find.size(), repl);
}
}  // namespace

TEST(WorkspaceValidation, ErrorsNameThePathAndTheProblem) {
  EXPECT_EQ(error_of(kGood), "");
  EXPECT_EQ(error_of(with(kGood, R"("data":[1.0,1.0])", R"("data":[1.0,1.0,3.0])")),
            "/channels/0/samples/1/modifiers/0/data: expected 2 numbers (channel 'SR' has 2 bins), got 3");
  EXPECT_EQ(error_of(with(kGood, R"("type":"shapesys")", R"("type":"shapesys2")")),
            "/channels/0/samples/1/modifiers/0/type: unknown modifier type 'shapesys2' (expected one of "
            "histosys, lumi, normfactor, normsys, shapefactor, shapesys, staterror, hfx_eft (hfx extension), hfx_simplified (hfx extension), hfx_yields (hfx extension))");
  EXPECT_EQ(error_of(with(kGood, R"("name":"bkg")", R"("name":"sig")")),
            "/channels/0/samples/1/name: duplicate sample name 'sig' in channel 'SR'");
  EXPECT_EQ(error_of(with(kGood, R"("data":[5,7])", R"("data":[5,-7])")),
            "/observations/0/data/1: expected an observed count >= 0, got -7");
  EXPECT_EQ(error_of(with(kGood, R"("version":"1.0.0")", R"("version":"2.0.0")")),
            "/version: expected \"1.0.0\", got \"2.0.0\"");
  EXPECT_EQ(error_of(with(kGood, R"("data":[5.0,6.0])", R"("data":[5.0,"6"])")),
            "/channels/0/samples/1/data/1: expected a number, got a string");
  EXPECT_NE(error_of(with(kGood, R"("data":[5,7])", R"("data":[5,NaN])")).find("/observations/0/data"),
            std::string::npos);
}

}  // namespace hfx
