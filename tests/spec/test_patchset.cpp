// JSON Patch and PatchSet: pyhf's outputs, RFC 6902 semantics, and the error messages.
#include "golden_manifest.hpp"

#include "hfx/errors.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"

#include <gtest/gtest.h>

namespace hfx {
namespace {

using test::GoldenEntry;

// ---- golden ---------------------------------------------------------------------------

class GoldenPatchsetInspect : public testing::TestWithParam<GoldenEntry> {};
TEST_P(GoldenPatchsetInspect, MatchesPyhf) {
  const auto& g = GetParam();
  const PatchSet ps = PatchSet::load(test::input(g, 0));
  const Json expected = load_json_file(test::golden_path(g.entry.at("expected").get<std::string>()));
  EXPECT_EQ(ps.description(), expected.at("description").get<std::string>());
  EXPECT_TRUE(json_equal(ps.digests(), expected.at("digests")));
  EXPECT_TRUE(json_equal(ps.references(), expected.at("references")));
  EXPECT_TRUE(json_equal(ps.metadata(), expected.at("metadata")));
  EXPECT_EQ(ps.labels(), expected.at("labels").get<std::vector<std::string>>());
  EXPECT_EQ(ps.version(), expected.at("version").get<std::string>());
  ASSERT_EQ(ps.size(), expected.at("npatches").get<std::size_t>());
  for (std::size_t i = 0; i < ps.size(); ++i) {
    EXPECT_EQ(ps.patches()[i].name, expected.at("patches")[i].get<std::string>());
    EXPECT_TRUE(json_equal(ps.patches()[i].values, expected.at("values")[i]));
    EXPECT_EQ(&ps.by_values(expected.at("values")[i]), &ps.patches()[i]);
    EXPECT_EQ(&ps[ps.patches()[i].name], &ps.patches()[i]);
  }
}
INSTANTIATE_TEST_SUITE_P(Pyhf, GoldenPatchsetInspect, testing::ValuesIn(test::golden_entries("patchset_inspect")),
                         test::golden_test_name);

class GoldenPatchsetExtract : public testing::TestWithParam<GoldenEntry> {};
TEST_P(GoldenPatchsetExtract, MatchesPyhf) {
  const auto& g = GetParam();
  const Json& a = g.entry.at("args");
  test::check_golden(g, [&] {
    return PatchSet::load(test::input(g, 0)).extract(a.at("name").get<std::string>(), a.at("with_metadata").get<bool>());
  });
}
INSTANTIATE_TEST_SUITE_P(Pyhf, GoldenPatchsetExtract, testing::ValuesIn(test::golden_entries("patchset_extract")),
                         test::golden_test_name);

class GoldenPatchsetApply : public testing::TestWithParam<GoldenEntry> {};
TEST_P(GoldenPatchsetApply, MatchesPyhf) {
  const auto& g = GetParam();
  const Json& a = g.entry.at("args");
  test::check_golden(g, [&] {
    const Workspace bkg = Workspace::load(test::input(g, 0));
    const PatchSet ps = PatchSet::load(test::input(g, 1));
    if (a.contains("values")) return ps.apply_values(bkg, a.at("values")).document();
    return ps.apply(bkg, a.at("name").get<std::string>()).document();
  });
}
INSTANTIATE_TEST_SUITE_P(Pyhf, GoldenPatchsetApply, testing::ValuesIn(test::golden_entries("patchset_apply")),
                         test::golden_test_name);

class GoldenPatchsetVerify : public testing::TestWithParam<GoldenEntry> {};
TEST_P(GoldenPatchsetVerify, MatchesPyhf) {
  const auto& g = GetParam();
  test::check_golden(g, [&] {
    PatchSet::load(test::input(g, 1)).verify(Workspace::load(test::input(g, 0)));
    return Json();
  });
}
INSTANTIATE_TEST_SUITE_P(Pyhf, GoldenPatchsetVerify, testing::ValuesIn(test::golden_entries("patchset_verify")),
                         test::golden_test_name);

class GoldenJsonPatchApply : public testing::TestWithParam<GoldenEntry> {};
TEST_P(GoldenJsonPatchApply, MatchesPyhf) {
  const auto& g = GetParam();
  test::check_golden(g, [&] {
    const Workspace bkg = Workspace::load(test::input(g, 0));
    return JsonPatch::load(test::input(g, 1)).apply(bkg).document();
  });
}
INSTANTIATE_TEST_SUITE_P(Pyhf, GoldenJsonPatchApply, testing::ValuesIn(test::golden_entries("jsonpatch_apply")),
                         test::golden_test_name);

TEST(GoldenManifest, HasThePatchOperations) {
  for (const char* op : {"patchset_inspect", "patchset_extract", "patchset_apply", "patchset_verify", "jsonpatch_apply"})
    EXPECT_FALSE(test::golden_entries(op).empty()) << op;
}

// ---- RFC 6902 semantics ---------------------------------------------------------------

Json apply(const char* doc, const char* patch) { return JsonPatch(Json::parse(patch)).apply(Json::parse(doc)); }

std::string patch_error(const char* doc, const char* patch) {
  try {
    apply(doc, patch);
  } catch (const Error& e) {
    return std::string(e.kind()) + ": " + e.what();
  }
  return "";
}

TEST(JsonPatch, Rfc6902Operations) {
  EXPECT_EQ(apply(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/1","value":9}])").dump(), R"({"a":[1,9,2]})");
  EXPECT_EQ(apply(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/-","value":9}])").dump(), R"({"a":[1,2,9]})");
  EXPECT_EQ(apply(R"({"a":[1,2]})", R"([{"op":"add","path":"/a/2","value":9}])").dump(), R"({"a":[1,2,9]})");
  EXPECT_EQ(apply(R"({"a":1,"b":2})", R"([{"op":"add","path":"/a","value":5.0}])").dump(), R"({"a":5.0,"b":2})");
  EXPECT_EQ(apply(R"({"a":1})", R"([{"op":"remove","path":"/a"}])").dump(), "{}");
  EXPECT_EQ(apply(R"({"a":[1,2,3]})", R"([{"op":"remove","path":"/a/0"}])").dump(), R"({"a":[2,3]})");
  EXPECT_EQ(apply(R"({"a":[1,2]})", R"([{"op":"replace","path":"/a/1","value":[]}])").dump(), R"({"a":[1,[]]})");
  EXPECT_EQ(apply(R"({"a":{"b":1}})", R"([{"op":"move","from":"/a/b","path":"/c"}])").dump(), R"({"a":{},"c":1})");
  EXPECT_EQ(apply(R"({"a":[1,2,3]})", R"([{"op":"move","from":"/a/0","path":"/a/2"}])").dump(), R"({"a":[2,3,1]})");
  EXPECT_EQ(apply(R"({"a":[1]})", R"([{"op":"copy","from":"/a","path":"/b"}])").dump(), R"({"a":[1],"b":[1]})");
  EXPECT_EQ(apply(R"({"a":{"x":1,"y":[2]}})", R"([{"op":"test","path":"/a","value":{"y":[2.0],"x":1}}])").dump(),
            R"({"a":{"x":1,"y":[2]}})");
  EXPECT_EQ(apply(R"({"a/b":1,"m~n":2})", R"([{"op":"remove","path":"/a~1b"},{"op":"remove","path":"/m~0n"}])").dump(),
            "{}");
  EXPECT_EQ(apply(R"({"a":1})", R"([{"op":"replace","path":"","value":[1]}])").dump(), "[1]");
  EXPECT_EQ(apply(R"({"a":1})", R"([{"op":"move","from":"/a","path":"/a"}])").dump(), R"({"a":1})");
  EXPECT_EQ(apply(R"({"":1})", R"([{"op":"replace","path":"/","value":2}])").dump(), R"({"":2})");
}

TEST(JsonPatch, ApplyErrorsNameTheOperationAndPath) {
  const char* doc = R"({"channels":[1,2,3],"version":"1.0.0","o":{"k":null}})";
  EXPECT_EQ(patch_error(doc, R"([{"op":"test","path":"/version","value":"1.0.0"},{"op":"add","path":"/x","value":1},
                                  {"op":"replace","path":"/channels/7","value":0}])"),
            "InvalidPatch: /2: op 'replace' path '/channels/7': no such element '/channels/7' (array of 3 items)");
  EXPECT_EQ(patch_error(doc, R"([{"op":"remove","path":"/nope/0"}])"),
            "InvalidPatch: /0: op 'remove' path '/nope/0': no such element '/nope' (the object has no key 'nope')");
  EXPECT_EQ(patch_error(doc, R"([{"op":"add","path":"/channels/9","value":0}])"),
            "InvalidPatch: /0: op 'add' path '/channels/9': cannot insert at index 9: the array has 3 items (use 0..3 or '-')");
  EXPECT_EQ(patch_error(doc, R"([{"op":"add","path":"/version/x","value":0}])"),
            "InvalidPatch: /0: op 'add' path '/version/x': cannot add to '/version': it is a string, not an object or array");
  EXPECT_EQ(patch_error(doc, R"([{"op":"add","path":"/o/k/z","value":0}])"),
            "InvalidPatch: /0: op 'add' path '/o/k/z': cannot add to '/o/k': it is null, not an object or array");
  EXPECT_EQ(patch_error(doc, R"([{"op":"test","path":"/version","value":"2.0.0"}])"),
            "InvalidPatch: /0: op 'test' path '/version': test failed: the document has \"1.0.0\", the patch expects \"2.0.0\"");
  EXPECT_EQ(patch_error(doc, R"([{"op":"replace","path":"/channels/-","value":0}])"),
            "InvalidPatch: /0: op 'replace' path '/channels/-': '-' (the end of the array) cannot be used here: '/channels/-'");
  EXPECT_EQ(patch_error(doc, R"([{"op":"remove","path":"/channels/01"}])"),
            "InvalidPatch: /0: op 'remove' path '/channels/01': '01' is not a valid array index in '/channels/01'");
  EXPECT_EQ(patch_error(doc, R"([{"op":"move","from":"/o","path":"/o/k/deeper"}])"),
            "InvalidPatch: /0: op 'move' from '/o' path '/o/k/deeper': cannot move a value into one of its own children");
  EXPECT_EQ(patch_error(doc, R"([{"op":"remove","path":""}])"),
            "InvalidPatch: /0: op 'remove' path '': cannot remove the whole document");
  EXPECT_EQ(patch_error(doc, R"([{"op":"copy","from":"/missing","path":"/x"}])"),
            "InvalidPatch: /0: op 'copy' from '/missing' path '/x': no such element '/missing' (the object has no key 'missing')");
}

TEST(JsonPatch, SchemaErrorsNameTheJsonPath) {
  EXPECT_EQ(patch_error("{}", R"({"op":"add"})"), "InvalidSpecification: /: expected a JSON Patch (an array of operations), got an object");
  EXPECT_EQ(patch_error("{}", R"([{"op":"add","path":"/a"}])"),
            "InvalidSpecification: /0: operation 'add' needs a \"value\" member");
  EXPECT_EQ(patch_error("{}", R"([{"op":"remove","path":"/a"},{"op":"frobnicate","path":"/a"}])"),
            "InvalidSpecification: /1/op: unknown operation 'frobnicate' (expected add, remove, replace, move, copy or test)");
  EXPECT_EQ(patch_error("{}", R"([{"op":"move","path":"/a"}])"), "InvalidSpecification: /0: operation 'move' needs a \"from\" member");
  EXPECT_EQ(patch_error("{}", R"([{"path":"/a"}])"), "InvalidSpecification: /0: missing required key 'op'");
  EXPECT_EQ(patch_error("{}", R"([{"op":"remove"}])"), "InvalidSpecification: /0: missing required key 'path'");
  EXPECT_EQ(patch_error("{}", R"([{"op":"remove","path":3}])"), "InvalidSpecification: /0/path: expected a string, got a number");
  EXPECT_EQ(patch_error("{}", R"([7])"),
            "InvalidSpecification: /0: expected an operation object {\"op\": ..., \"path\": ...}, got a number");
  EXPECT_EQ(patch_error("{}", R"([{"op":"remove","path":"a"}])"),
            "InvalidPatch: /0/path: invalid JSON Pointer 'a': a JSON Pointer must be empty or start with '/'");
  EXPECT_EQ(patch_error("{}", R"([{"op":"copy","path":"/a","from":"/~2"}])"),
            "InvalidPatch: /0/from: invalid JSON Pointer '/~2': '~' in a JSON Pointer must be followed by '0' or '1'");
}

// ---- PatchSet -------------------------------------------------------------------------

std::string patchset_text(const std::string& digest = "sha256\":\"" + std::string(64, 'a'),
                          const std::string& patches = R"([
      {"metadata":{"name":"p1","values":[1,2.5]},"patch":[{"op":"add","path":"/x","value":1}]},
      {"metadata":{"name":"p2","values":[2,"b"]},"patch":[]}])") {
  return R"({"metadata":{"references":{"hepdata":"ins1234567"},"description":"d","digests":{")" + digest +
         R"("},"labels":["m1","m2"]},"patches":)" + patches + R"(,"version":"1.0.0"})";
}

std::string patchset_error(const std::string& text) {
  try {
    PatchSet ps(parse_json(text, "<test>"));
  } catch (const Error& e) {
    return std::string(e.kind()) + ": " + e.what();
  }
  return "";
}

TEST(PatchSet, LookupByNameAndValues) {
  const PatchSet ps(parse_json(patchset_text(), "<test>"));
  EXPECT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps["p2"].name, "p2");
  EXPECT_EQ(ps.by_values(Json::parse("[1.0, 2.5]")).name, "p1");
  EXPECT_EQ(ps.by_values(Json::parse(R"([2, "b"])")).name, "p2");
  EXPECT_THROW(ps["p3"], InvalidPatchLookup);
  try {
    ps.by_values(Json::parse("[-1, -1]"));
    ADD_FAILURE();
  } catch (const InvalidPatchLookup& e) {
    EXPECT_NE(std::string(e.what()).find("(-1, -1)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(python_tuple_repr(Json::parse(R"([0])")), "(0,)");
  EXPECT_EQ(python_tuple_repr(Json::parse(R"([1.0, "x"])")), "(1.0, 'x')");
}

TEST(PatchSet, ValidationErrors) {
  EXPECT_EQ(patchset_error(patchset_text()), "");
  EXPECT_EQ(patchset_error(patchset_text("sha256\":\"abc")),
            "InvalidSpecification: /metadata/digests/sha256: expected a string matching ^[a-fA-F0-9]{64}$, got \"abc\"");
  EXPECT_EQ(patchset_error(patchset_text("sha1\":\"abc")),
            "InvalidSpecification: /metadata/digests/sha1: unknown key 'sha1' (allowed: md5, sha256)");
  EXPECT_EQ(patchset_error(patchset_text(
                "md5\":\"" + std::string(32, 'a'),
                R"([{"metadata":{"name":"p1","values":[1]},"patch":[]}])")),
            "InvalidPatchSet: /patches/0/metadata/values: patch 'p1' has 1 value but the patchset has 2 labels");
  EXPECT_EQ(patchset_error(patchset_text(
                "md5\":\"" + std::string(32, 'a'),
                R"([{"metadata":{"name":"p1","values":[1,2]},"patch":[]},{"metadata":{"name":"p1","values":[1,3]},"patch":[]}])")),
            "InvalidPatchSet: /patches/1/metadata/name: duplicate patch name 'p1' (also /patches/0)");
  EXPECT_EQ(patchset_error(patchset_text(
                "md5\":\"" + std::string(32, 'a'),
                R"([{"metadata":{"name":"p1","values":[1,2]},"patch":[]},{"metadata":{"name":"p2","values":[1.0,2]},"patch":[]}])")),
            "InvalidPatchSet: /patches/1/metadata/values: patch 'p2' has the same values (1.0, 2) as /patches/0");
  EXPECT_EQ(patchset_error(patchset_text(
                "md5\":\"" + std::string(32, 'a'),
                R"([{"metadata":{"name":"p-1","values":[1,2]},"patch":[]}])")),
            "InvalidSpecification: /patches/0/metadata/name: expected a string matching ^[a-zA-Z0-9_]+$, got \"p-1\"");
  EXPECT_EQ(patchset_error(patchset_text(
                "md5\":\"" + std::string(32, 'a'),
                R"([{"metadata":{"name":"p1","values":[1,2]},"patch":[{"op":"nope","path":""}]}])")),
            "InvalidSpecification: /patches/0/patch/0/op: unknown operation 'nope' (expected add, remove, replace, move, copy or test)");
  EXPECT_EQ(patchset_error(patchset_text("md5\":\"" + std::string(32, 'a'), "[]")),
            "InvalidSpecification: /patches: expected at least 1 item, got 0");
}

TEST(PatchSet, VerifyAndApply) {
  const Workspace ws = Workspace::load(test::data_path("reference/small/pyhf-patchset-example/published/example_bkgonly.json"));
  const PatchSet good(parse_json(patchset_text("sha256\":\"" + ws.digest()), "<test>"));
  EXPECT_NO_THROW(good.verify(ws));
  // md5 digests are checked too
  const std::string md5 = [&] {
    const PatchSet probe(parse_json(patchset_text("md5\":\"" + std::string(32, '0')), "<test>"));
    try {
      probe.verify(ws);
    } catch (const PatchSetVerificationError& e) {
      std::string m = e.what();
      return m.substr(m.size() - 32);
    }
    return std::string();
  }();
  ASSERT_EQ(md5.size(), 32u);
  EXPECT_NO_THROW(PatchSet(parse_json(patchset_text("md5\":\"" + md5), "<test>")).verify(ws));
  const PatchSet bad(parse_json(patchset_text(), "<test>"));
  EXPECT_THROW(bad.verify(ws), PatchSetVerificationError);
  EXPECT_THROW(bad.apply(ws, "p2"), PatchSetVerificationError);
  // the patched document must still be a workspace
  EXPECT_THROW(good.apply(ws, "p1"), InvalidSpecification);
  EXPECT_EQ(good.apply(ws, "p2").digest(), ws.digest());
  EXPECT_THROW(good.apply(ws, "nope"), InvalidPatchLookup);
}

}  // namespace
}  // namespace hfx
