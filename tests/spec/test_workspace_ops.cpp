// prune / rename / sorted / combine / digest against pyhf's outputs, plus the details
// of pyhf's semantics that the golden cases do not pin down.
#include "golden_manifest.hpp"

#include "hfx/errors.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"

#include <gtest/gtest.h>

namespace hfx {
namespace {

using test::GoldenEntry;

std::vector<std::string> strings(const Json& a) {
  std::vector<std::string> out;
  for (const auto& s : a) out.push_back(s.get<std::string>());
  return out;
}
std::map<std::string, std::string> string_map(const Json& o) {
  std::map<std::string, std::string> out;
  for (auto it = o.begin(); it != o.end(); ++it) out[it.key()] = it.value().get<std::string>();
  return out;
}

// ---- golden ---------------------------------------------------------------------------

class GoldenSorted : public testing::TestWithParam<GoldenEntry> {};
TEST_P(GoldenSorted, MatchesPyhf) {
  const auto& g = GetParam();
  test::check_golden(g, [&] { return Workspace::load(test::input(g, 0)).sorted().document(); });
}
INSTANTIATE_TEST_SUITE_P(Pyhf, GoldenSorted, testing::ValuesIn(test::golden_entries("sorted")), test::golden_test_name);

class GoldenPrune : public testing::TestWithParam<GoldenEntry> {};
TEST_P(GoldenPrune, MatchesPyhf) {
  const auto& g = GetParam();
  const Json& a = g.entry.at("args");
  PruneOptions o;
  o.channels = strings(a.at("channels"));
  o.samples = strings(a.at("samples"));
  o.modifiers = strings(a.at("modifiers"));
  o.modifier_types = strings(a.at("modifier_types"));
  o.measurements = strings(a.at("measurements"));
  test::check_golden(g, [&] { return Workspace::load(test::input(g, 0)).prune(o).document(); });
}
INSTANTIATE_TEST_SUITE_P(Pyhf, GoldenPrune, testing::ValuesIn(test::golden_entries("prune")), test::golden_test_name);

class GoldenRename : public testing::TestWithParam<GoldenEntry> {};
TEST_P(GoldenRename, MatchesPyhf) {
  const auto& g = GetParam();
  const Json& a = g.entry.at("args");
  RenameOptions o;
  o.channels = string_map(a.at("channels"));
  o.samples = string_map(a.at("samples"));
  o.modifiers = string_map(a.at("modifiers"));
  o.measurements = string_map(a.at("measurements"));
  test::check_golden(g, [&] { return Workspace::load(test::input(g, 0)).rename(o).document(); });
}
INSTANTIATE_TEST_SUITE_P(Pyhf, GoldenRename, testing::ValuesIn(test::golden_entries("rename")), test::golden_test_name);

class GoldenCombine : public testing::TestWithParam<GoldenEntry> {};
TEST_P(GoldenCombine, MatchesPyhf) {
  const auto& g = GetParam();
  const Json& a = g.entry.at("args");
  test::check_golden(g, [&] {
    const Workspace left = Workspace::load(test::input(g, 0));
    const Workspace right = Workspace::load(test::input(g, 1));
    const JoinMode join = join_mode_from_string(a.at("join").get<std::string>());
    return Workspace::combine(left, right, join, a.at("merge_channels").get<bool>()).document();
  });
}
INSTANTIATE_TEST_SUITE_P(Pyhf, GoldenCombine, testing::ValuesIn(test::golden_entries("combine")),
                         test::golden_test_name);

class GoldenDigest : public testing::TestWithParam<GoldenEntry> {};
TEST_P(GoldenDigest, MatchesPyhf) {
  const auto& g = GetParam();
  const std::string kind = g.entry.value("input_kind", "workspace");
  if (kind == "workspace") {
    EXPECT_EQ(Workspace::load(test::input(g, 0)).digest(), g.entry.at("digest").get<std::string>());
  } else {
    const Json doc = load_json_file(test::input(g, 0));
    if (kind == "patchset") {
      EXPECT_NO_THROW(PatchSet{doc});
    }
    if (kind == "jsonpatch") {
      EXPECT_NO_THROW(JsonPatch{doc});
    }
    EXPECT_EQ(sha256_hex(python_json_dumps(doc)), g.entry.at("digest").get<std::string>());
  }
}
INSTANTIATE_TEST_SUITE_P(Pyhf, GoldenDigest, testing::ValuesIn(test::golden_entries("digest")), test::golden_test_name);

TEST(GoldenManifest, HasTheSpecOperations) {
  for (const char* op : {"sorted", "prune", "rename", "combine", "digest"})
    EXPECT_FALSE(test::golden_entries(op).empty()) << op;
}

// ---- pyhf details ---------------------------------------------------------------------

const char* kTwoChannels = R"({
  "channels": [
    {"name": "SR", "samples": [
      {"name": "sig", "data": [1, 2.0], "modifiers": [
        {"name": "mu", "type": "normfactor", "data": null},
        {"name": "lumi", "type": "lumi", "data": null}]},
      {"name": "bkg", "data": [5.0, 6], "modifiers": [
        {"type": "normsys", "name": "xs", "data": {"hi": 1.1, "lo": 0.9}},
        {"name": "xs", "type": "histosys", "data": {"hi_data": [6, 7], "lo_data": [4, 5]}},
        {"name": "stat", "type": "staterror", "data": [0.5, 0.5]}]}]},
    {"name": "CR", "samples": [
      {"name": "bkg", "data": [10], "modifiers": [{"name": "xs", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}]}]}
  ],
  "observations": [{"data": [6, 8], "name": "SR"}, {"name": "CR", "data": [10]}],
  "measurements": [
    {"name": "meas", "config": {"poi": "mu", "parameters": [
      {"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "bounds": [[0.5, 1.5]], "inits": [1.0]},
      {"name": "xs", "fixed": true}]}},
    {"name": "alt", "config": {"poi": "mu", "parameters": []}}
  ],
  "version": "1.0.0"
})";

PruneOptions only(std::vector<std::string> PruneOptions::*member, std::vector<std::string> names) {
  PruneOptions o;
  o.*member = std::move(names);
  return o;
}

Workspace two_channels() { return Workspace(parse_json(kTwoChannels, "<test>")); }

std::vector<std::string> keys(const Json& o) {
  std::vector<std::string> out;
  for (auto it = o.begin(); it != o.end(); ++it) out.push_back(it.key());
  return out;
}

TEST(WorkspacePrune, RebuildsObjectsInPyhfKeyOrderAndKeepsTheRest) {
  const Workspace ws = two_channels().prune(only(&PruneOptions::modifiers, {"stat"}));
  const Json& d = ws.document();
  EXPECT_EQ(keys(d), (std::vector<std::string>{"channels", "measurements", "observations", "version"}));
  EXPECT_EQ(keys(d["measurements"][0]["config"]), (std::vector<std::string>{"parameters", "poi"}));
  EXPECT_EQ(keys(d["channels"][0]["samples"][1]), (std::vector<std::string>{"name", "data", "modifiers"}));
  // modifiers and observations keep their own key order; numbers keep their form
  EXPECT_EQ(keys(d["channels"][0]["samples"][1]["modifiers"][0]), (std::vector<std::string>{"type", "name", "data"}));
  EXPECT_EQ(keys(d["observations"][0]), (std::vector<std::string>{"data", "name"}));
  EXPECT_EQ(d["channels"][0]["samples"][0]["data"].dump(), "[1,2.0]");
  EXPECT_EQ(d["channels"][0]["samples"][1]["modifiers"].size(), 2u);
}

TEST(WorkspacePrune, ModifierPruningAlsoDropsParameterConfigsButTypePruningDoesNot) {
  const Workspace by_name = two_channels().prune(only(&PruneOptions::modifiers, {"lumi"}));
  EXPECT_EQ(by_name.measurement("meas").parameters.size(), 1u);
  const Workspace by_type = two_channels().prune(only(&PruneOptions::modifier_types, {"lumi"}));
  EXPECT_EQ(by_type.measurement("meas").parameters.size(), 2u);
  EXPECT_EQ(by_type.find_channel("SR")->samples[0].modifiers.size(), 1u);
}

TEST(WorkspacePrune, ChannelsTakeTheirObservationsAlong) {
  const Workspace ws = two_channels().prune(only(&PruneOptions::channels, {"CR"}));
  EXPECT_EQ(ws.channels().size(), 1u);
  EXPECT_EQ(ws.observations().size(), 1u);
}

TEST(WorkspacePrune, ModifierTypeCheckFollowsPyhfsNameToTypeMapping) {
  // 'xs' is both histosys and normsys; pyhf maps each name to its last type in
  // (name, type) order, so 'histosys' counts as absent here -- as in pyhf.
  try {
    two_channels().prune(only(&PruneOptions::modifier_types, {"histosys"}));
    ADD_FAILURE() << "expected InvalidWorkspaceOperation";
  } catch (const InvalidWorkspaceOperation& e) {
    EXPECT_STREQ(e.what(), "histosys is not one of the modifier types in this workspace.");
  }
  EXPECT_NO_THROW(two_channels().prune(only(&PruneOptions::modifier_types, {"normsys"})));
  EXPECT_THROW(two_channels().prune(only(&PruneOptions::measurements, {"nope"})), InvalidWorkspaceOperation);
}

TEST(WorkspaceRename, RenamesParametersPoiAndObservations) {
  RenameOptions o;
  o.modifiers = {{"mu", "mu_sig"}, {"xs", "xsec"}};
  o.channels = {{"SR", "signal_region"}};
  o.measurements = {{"alt", "alternative"}};
  const Workspace ws = two_channels().rename(o);
  EXPECT_EQ(ws.measurement("meas").poi, "mu_sig");
  EXPECT_NE(ws.measurement("meas").find_parameter("xsec"), nullptr);
  EXPECT_NE(ws.find_observation("signal_region"), nullptr);
  EXPECT_EQ(ws.measurements()[1].name, "alternative");
  EXPECT_EQ(ws.find_channel("CR")->samples[0].modifiers[0].name, "xsec");
}

TEST(WorkspaceRename, CollisionsAreInvalidModel) {
  RenameOptions o;
  o.samples = {{"sig", "bkg"}};
  EXPECT_THROW(two_channels().rename(o), InvalidModel);
  RenameOptions l;
  l.modifiers = {{"lumi", "luminosity"}};
  EXPECT_THROW(two_channels().rename(l), InvalidSpecification);
}

TEST(WorkspaceSorted, SortsByNameAndModifiersByNameThenType) {
  const Workspace ws = two_channels().sorted();
  const Json& d = ws.document();
  EXPECT_EQ(d["channels"][0]["name"], "CR");
  EXPECT_EQ(d["channels"][1]["samples"][0]["name"], "bkg");
  const Json& mods = d["channels"][1]["samples"][0]["modifiers"];
  EXPECT_EQ(mods[0]["name"], "stat");
  EXPECT_EQ(mods[1]["type"], "histosys");
  EXPECT_EQ(mods[2]["type"], "normsys");
  EXPECT_EQ(d["measurements"][0]["name"], "alt");
  EXPECT_EQ(d["observations"][0]["name"], "CR");
  // the key order of the document is kept (sorted() copies, it does not rebuild)
  EXPECT_EQ(keys(d), keys(two_channels().document()));
  EXPECT_EQ(ws.digest(), ws.sorted().digest());
}

Workspace one_channel(const std::string& channel, const std::string& poi, const std::string& param_json) {
  return Workspace(parse_json(R"({"channels":[{"name":")" + channel +
                                  R"(","samples":[{"name":"s","data":[1.0],"modifiers":[{"name":")" + poi +
                                  R"(","type":"normfactor","data":null}]}]}],
      "observations":[{"name":")" + channel + R"(","data":[1]}],
      "measurements":[{"name":"m","config":{"poi":")" + poi + R"(","parameters":[)" + param_json + R"(]}}],
      "version":"1.0.0"})",
                              "<test>"));
}

TEST(WorkspaceCombine, OuterJoinMergesSameNamedMeasurements) {
  const Workspace a = one_channel("A", "mu", R"({"name":"mu","bounds":[[0,10]]})");
  const Workspace b = one_channel("B", "mu", R"({"name":"mu","bounds":[[0.0,10.0]]},{"name":"x","fixed":true})");
  const Workspace c = Workspace::combine(a, b, JoinMode::outer, false);
  ASSERT_EQ(c.measurements().size(), 1u);
  EXPECT_EQ(c.measurements()[0].parameters.size(), 2u);  // [[0,10]] == [[0.0,10.0]] as in Python
  EXPECT_EQ(keys(c.document()["measurements"][0]["config"]), (std::vector<std::string>{"poi", "parameters"}));
  EXPECT_THROW(Workspace::combine(a, b, JoinMode::none, false), InvalidWorkspaceOperation);
  EXPECT_THROW(Workspace::combine(a, b, JoinMode::none, true), InvalidWorkspaceOperation);

  const Workspace other_poi = one_channel("B", "nu", "");
  EXPECT_THROW(Workspace::combine(a, other_poi, JoinMode::outer, false), InvalidWorkspaceOperation);
  // one-sided joins take the primary side's measurement
  EXPECT_EQ(Workspace::combine(a, other_poi, JoinMode::left_outer, false).measurement("m").poi, "mu");
  EXPECT_EQ(Workspace::combine(a, other_poi, JoinMode::right_outer, false).measurement("m").poi, "nu");
  const Workspace clash = one_channel("B", "mu", R"({"name":"mu","bounds":[[0,5]]})");
  EXPECT_THROW(Workspace::combine(a, clash, JoinMode::outer, false), InvalidWorkspaceOperation);
}

TEST(WorkspaceCombine, RightOuterPutsTheRightWorkspaceFirst) {
  const Workspace a = one_channel("A", "mu", "");
  const Workspace b = one_channel("B", "mu", "");
  const Workspace c = Workspace::combine(a, b, JoinMode::right_outer, false);
  EXPECT_EQ(c.channels()[0].name, "B");
  EXPECT_EQ(c.channels()[1].name, "A");
}

TEST(WorkspaceCombine, JoinNames) {
  EXPECT_EQ(join_mode_from_string("left outer"), JoinMode::left_outer);
  EXPECT_EQ(join_mode_from_string("right outer"), JoinMode::right_outer);
  EXPECT_EQ(join_mode_from_string("outer"), JoinMode::outer);
  EXPECT_EQ(join_mode_from_string("none"), JoinMode::none);
  EXPECT_THROW(join_mode_from_string("inner"), InvalidWorkspaceOperation);
}

TEST(JsonEqual, FollowsPython) {
  EXPECT_TRUE(json_equal(Json::parse("5"), Json::parse("5.0")));
  EXPECT_TRUE(json_equal(Json::parse(R"({"a":1,"b":[1,2]})"), Json::parse(R"({"b":[1.0,2],"a":1})")));
  EXPECT_TRUE(json_equal(Json(true), Json(1)));
  EXPECT_FALSE(json_equal(Json::parse("[1]"), Json::parse("[1,2]")));
  EXPECT_FALSE(json_equal(Json("1"), Json(1)));
  EXPECT_FALSE(json_equal(Json(-1), Json(static_cast<std::uint64_t>(18446744073709551615ull))));
  EXPECT_FALSE(json_equal(Json(nullptr), Json(0)));
}

}  // namespace
}  // namespace hfx
