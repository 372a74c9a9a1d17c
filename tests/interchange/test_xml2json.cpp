// hfx xml2json against pyhf.readxml on pyhf's validation inputs, and its errors.
#include "hfx/errors.hpp"
#include "hfx/file_io.hpp"
#include "hfx/histfactory_xml.hpp"
#include "hfx/json.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using hfx::Json;
using hfx::test::data_path;

namespace {

std::string digest(const Json& ws) { return hfx::sha256_hex(hfx::python_json_dumps(ws)); }

hfx::xml::ReadResult read_validation(const std::string& config, const std::string& rootdir) {
  hfx::xml::ReadOptions o;
  o.rootdir = data_path("interchange/pyhf-validation/" + rootdir);
  return hfx::xml::read(data_path("interchange/pyhf-validation/" + config), o);
}

TEST(Xml2Json, SameWorkspaceAsPyhfOnItsValidationInputs) {
  const Json ref = hfx::test::load("interchange/pyhf_readxml.json");
  ASSERT_EQ(ref["configs"].size(), 13u);
  for (const auto& [config, r] : ref["configs"].items()) {
    SCOPED_TRACE(config);
    const auto result = read_validation(config, r["rootdir"].get<std::string>());
    EXPECT_EQ(digest(result.workspace), r["digest"].get<std::string>());
    EXPECT_EQ(hfx::python_json_dumps(result.workspace), hfx::python_json_dumps(r["workspace"]));
  }
}

TEST(Xml2Json, LatestCycleAndRelativeErrorsAsPyhfTestsAssert) {
  // pyhf's tests/test_import.py (test_import_shapesys): the histograms written twice take
  // their second cycle; ShapeSys relative errors become absolute.
  const auto ws = read_validation("xmlimport_input3/config/examples/example_ShapeSys.xml", "xmlimport_input3").workspace;
  const Json& bkg1 = ws["channels"][0]["samples"][1];
  EXPECT_EQ(bkg1["modifiers"][0]["type"], "lumi");
  EXPECT_EQ(bkg1["modifiers"][1]["type"], "shapesys");
  EXPECT_EQ(bkg1["data"][0].get<double>(), 100.0);
  EXPECT_NEAR(bkg1["data"][1].get<double>(), 1.0e-4, 1e-10);
  EXPECT_NEAR(bkg1["modifiers"][1]["data"][0].get<double>(), 10.0, 1e-6);
  EXPECT_NEAR(bkg1["modifiers"][1]["data"][1].get<double>(), 1.5e-5, 1e-10);
}

TEST(Xml2Json, HistoPathsAndSubdirectories) {
  // xmlimport_input4 keeps the histograms of xmlimport_input in subdirectories, named by
  // HistoPath; the model is the same (its top file has only the first measurement).
  const auto a = read_validation("xmlimport_input/config/example.xml", "xmlimport_input").workspace;
  const auto b = read_validation("xmlimport_input4/config/example.xml", "xmlimport_input4").workspace;
  EXPECT_EQ(a["channels"], b["channels"]);
  EXPECT_EQ(a["observations"], b["observations"]);
  EXPECT_EQ(a["measurements"][0], b["measurements"][0]);
  EXPECT_EQ(b["measurements"].size(), 1u);
  // pyhf's validation/xmlimport_input_bkg.json was made from this input.
  const Json bkg = hfx::test::load("interchange/pyhf-validation/xmlimport_input_bkg.json");
  EXPECT_EQ(hfx::python_json_dumps(a["channels"]), hfx::python_json_dumps(bkg["channels"]));
  EXPECT_EQ(hfx::python_json_dumps(a["measurements"][0]), hfx::python_json_dumps(bkg["measurements"][0]));
}

TEST(Xml2Json, WarnsAboutWhatPyhfIgnores) {
  const auto r = read_validation("xmlimport_input/config/example.xml", "xmlimport_input");
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_NE(r.warnings[0].find("ConstraintTerm Type='Gamma' for 'syst2' is ignored"), std::string::npos);
}

// A scratch copy of xmlimport_input whose files a test may edit.
fs::path scratch_input(const std::string& name) {
  const fs::path dir = hfx::test::scratch(name);
  fs::remove_all(dir);
  fs::copy(data_path("interchange/pyhf-validation/xmlimport_input"), dir, fs::copy_options::recursive);
  return dir;
}

void replace_in(const fs::path& file, const std::string& from, const std::string& to) {
  std::ifstream in(file);
  std::string s((std::istreambuf_iterator<char>(in)), {});
  const auto at = s.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
  std::ofstream(file, std::ios::trunc) << s;
}

TEST(Xml2Json, MountsAndBasedir) {
  const fs::path dir = scratch_input("xml-mount");
  fs::rename(dir / "data", dir / "elsewhere");
  hfx::xml::ReadOptions o;
  o.rootdir = dir.string();
  o.mounts.push_back({(dir / "elsewhere").string(), "data"});
  const auto r = hfx::xml::read((dir / "config/example.xml").string(), o);
  EXPECT_EQ(r.workspace["channels"], read_validation("xmlimport_input/config/example.xml", "xmlimport_input").workspace["channels"]);
}

TEST(Xml2Json, BadInputsGiveOneLineErrorsWithFileAndElement) {
  struct Case {
    std::string file, from, to, expected;
  };
  const std::vector<Case> cases = {
      {"config/example_channel.xml", "<OverallSys Name=\"syst1\" High=\"1.05\" Low=\"0.95\"/>", "<OverallSys Name=\"syst1\" High=\"1.05\"/>",
       "/Channel[@Name='channel1']/Sample[@Name='signal']/OverallSys[@Name='syst1']: missing attribute 'Low'"},
      {"config/example_channel.xml", "High=\"1.05\" Low=\"0.95\"/>", "High=\"abc\" Low=\"0.95\"/>", "attribute 'High' is not a number: 'abc'"},
      {"config/example_channel.xml", "HistoName=\"signal\"", "HistoName=\"nosuch\"",
       "Sample[@Name='signal']: histogram not found: both 'nosuch' and '/nosuch' were tried in"},
      {"config/example_channel.xml", "<Data HistoName=\"data\" HistoPath=\"\" />", "", "Channel channel1 is missing data"},
      {"config/example_channel.xml", "</Channel>", "", "example_channel.xml: line 37, column 3: not well-formed XML (Start-end tags mismatch)"},
      {"config/example.xml", "<POI>SigXsecOverSM</POI>", "", "Measurement[@Name='GaussExample']: Measurement GaussExample is missing POI specification"},
      {"config/example.xml", "Lumi alpha_syst1</ParamSetting>\n    <!--", "Lumi gamma_stat_channel1_bin_0</ParamSetting>\n    <!--",
       "'gamma_stat_channel1_bin_0': hfx, like pyhf, does not support setting non-scalar parameters"},
      {"config/example_channel.xml", "<OverallSys Name=\"syst2\" Low=\"0.95\" High=\"1.05\"/>",
       "<NormFactor Name=\"SigXsecOverSM\" Val=\"1\" Low=\"0.\" High=\"5.\" />", "incompatible configurations of parameter 'SigXsecOverSM'"},
      {"data/example.root", "root", "toor", "not a ROOT file"},
  };
  int i = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected);
    const fs::path dir = scratch_input("xml-bad-" + std::to_string(i++));
    replace_in(dir / c.file, c.from, c.to);
    const fs::path out = dir / "out.json";
    const auto [code, text] = hfx::test::run_hfx({"xml2json", (dir / "config/example.xml").string(), "--basedir", dir.string(),
                                                  "--output-file", out.string()});
    EXPECT_EQ(code, 2) << text;
    EXPECT_NE(text.find(c.expected), std::string::npos) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_FALSE(fs::exists(out));
  }
}

TEST(Xml2Json, CliWritesWhatPyhfPrints) {
  const std::string dir = data_path("interchange/pyhf-validation/multichannel_histfactory");
  const auto [code, text] = hfx::test::run_hfx({"xml2json", dir + "/config/example.xml", "--basedir", dir, "--hide-progress"}, "2>/dev/null");
  ASSERT_EQ(code, 0) << text;
  const Json ref = hfx::test::load("interchange/pyhf_readxml.json")["configs"]["multichannel_histfactory/config/example.xml"];
  EXPECT_EQ(digest(hfx::parse_json(text, "stdout")), ref["digest"].get<std::string>());
  // pyhf prints json.dumps(indent=4, sort_keys=True).
  EXPECT_EQ(text.substr(0, 20), "{\n    \"channels\": [\n");
}

}  // namespace

namespace {

std::string slurp_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// tests/data/interchange/written/*.root were written by json2xml and read by JSROOT
// (RootFile.AgreesWithJsrootOnEveryTestFile); the writer still writes those bytes.
TEST(Json2Xml, WritesTheRootFilesJsrootRead) {
  for (const std::string c : {"pyhf-validation/2bin_2channel_coupledhistosys", "small/litehf-staterror-shapesys"}) {
    SCOPED_TRACE(c);
    const fs::path out = hfx::test::scratch("json2xml-" + std::to_string(std::hash<std::string>{}(c)));
    const auto [code, text] = hfx::test::run_hfx({"json2xml", data_path("reference/" + c + "/workspace.json"), "--output-dir", out.string()});
    ASSERT_EQ(code, 0) << text;
    EXPECT_EQ(slurp_file(out / "data/data.root"),
              slurp_file(data_path("interchange/written/" + fs::path(c).filename().string() + ".root")));
  }
}

TEST(Json2Xml, RoundTripThroughTheCli) {
  const fs::path out = hfx::test::scratch("json2xml-cli");
  const std::string ws = data_path("reference/small/litehf-multi-channel/workspace.json");
  auto [code, text] = hfx::test::run_hfx({"json2xml", ws, "--output-dir", out.string(), "--resultprefix", "R", "--specroot", "xml",
                                          "--dataroot", "hists"});
  ASSERT_EQ(code, 0) << text;
  EXPECT_EQ(text, "");  // nothing lost
  EXPECT_TRUE(fs::exists(out / "R.xml") && fs::exists(out / "hists/data.root") && fs::exists(out / "HistFactorySchema.dtd"));
  const std::string top = (out / "R.xml").string();
  std::tie(code, text) = hfx::test::run_hfx({"xml2json", top, "--basedir", out.string()}, "2>/dev/null");
  ASSERT_EQ(code, 0) << text;
  const Json orig = hfx::test::load("reference/small/litehf-multi-channel/workspace.json");
  // The restore record gives back the workspace itself: integers stay integers, the
  // normfactor keeps having no configuration.
  EXPECT_EQ(hfx::python_json_dumps(hfx::parse_json(text, "stdout")), hfx::python_json_dumps(orig));

  // What pyhf and ROOT read: numbers as doubles (34 -> 34.0), the normfactor configured.
  std::tie(code, text) = hfx::test::run_hfx({"xml2json", top, "--basedir", out.string(), "--no-restore"}, "2>/dev/null");
  ASSERT_EQ(code, 0) << text;
  const Json plain = hfx::parse_json(text, "stdout");
  EXPECT_NE(hfx::python_json_dumps(plain), hfx::python_json_dumps(orig));
  EXPECT_EQ(plain["channels"].size(), orig["channels"].size());
  for (const Json& o : orig["observations"]) {
    for (const Json& b : plain["observations"]) {
      if (b["name"] != o["name"]) continue;
      EXPECT_EQ(b["data"].get<std::vector<double>>(), o["data"].get<std::vector<double>>());
      EXPECT_TRUE(b["data"][0].is_number_float());
    }
  }

  // A file changed after hfx wrote it is read as written, with a warning.
  std::string xml = hfx::read_file(top);
  const auto at = xml.find("<Measurement Name=\"");
  ASSERT_NE(at, std::string::npos);
  xml.insert(at + 19, "edited_");
  hfx::write_file(top, xml);
  std::tie(code, text) = hfx::test::run_hfx({"xml2json", top, "--basedir", out.string()}, "2>&1 >/dev/null");
  EXPECT_EQ(code, 0);
  EXPECT_NE(text.find("hfx restore record: the document changed after hfx wrote it"), std::string::npos) << text;
}

TEST(Json2Xml, BadInputAndLossesAreOneLine) {
  const fs::path out = hfx::test::scratch("json2xml-bad");
  auto [code, text] = hfx::test::run_hfx({"json2xml", data_path("malformed/_bkgonly.json") + ".nope", "--output-dir", out.string()});
  EXPECT_EQ(code, 2);
  EXPECT_NE(text.find("hfx: error: IOError"), std::string::npos) << text;
  EXPECT_FALSE(fs::exists(out / "FitConfig.xml"));
  std::tie(code, text) = hfx::test::run_hfx(
      {"json2xml", data_path("reference/small/litehf-staterror-shapesys/workspace.json"), "--output-dir", out.string()});
  EXPECT_EQ(code, 0);
  EXPECT_NE(text.find("hfx: warning: /channels[mychannel]/samples[bkg_MC]/modifiers[MCstat, staterror]"), std::string::npos) << text;
}

}  // namespace

namespace {

// pyhf's test_scripts records md5 7de8930f... and sha256 6d416ee6... for xmlimport_input's
// conversion; hfx digest -a gives any hashlib algorithm OpenSSL has.
TEST(Digest, AlgorithmsAsPyhf) {
  const fs::path out = hfx::test::scratch("digest-ws.json");
  const std::string dir = data_path("interchange/pyhf-validation/xmlimport_input");
  auto [code, text] = hfx::test::run_hfx({"xml2json", dir + "/config/example.xml", "--basedir", dir, "--output-file", out.string()}, "2>/dev/null");
  ASSERT_EQ(code, 0) << text;
  std::tie(code, text) = hfx::test::run_hfx({"digest", out.string(), "-a", "sha256", "-a", "md5"});
  EXPECT_EQ(text, "sha256:6d416ee67a40460499ea2ef596fb1e682a563d7df06e690018a211d35238aecc\nmd5:7de8930ff37e5a4f6a31da11bda7813f\n");
  std::tie(code, text) = hfx::test::run_hfx({"digest", out.string(), "-a", "md5", "-j"});
  EXPECT_EQ(text, "{\n    \"md5\": \"7de8930ff37e5a4f6a31da11bda7813f\"\n}\n");
  std::tie(code, text) = hfx::test::run_hfx({"digest", out.string(), "-a", "nope"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(text.find("hash algorithm 'nope': not available"), std::string::npos) << text;
}

}  // namespace

namespace {

// hfx convert --to hs3 / --from hs3 (python/tests/test_hs3.py checks every reference
// workspace and ROOT's files; this checks the command).
TEST(ConvertHs3, CommandRoundTripAndErrors) {
  const std::string ws = data_path("reference/pyhf-validation/2bin_2channel_coupledhistosys/workspace.json");
  const fs::path hs3 = hfx::test::scratch("convert.hs3.json");
  auto [code, text] = hfx::test::run_hfx({"convert", ws, "--to", "hs3", "--output-file", hs3.string()});
  ASSERT_EQ(code, 0) << text;
  const Json doc = hfx::load_json_file(hs3.string());
  EXPECT_EQ(doc["metadata"]["hs3_version"], "0.2");
  EXPECT_EQ(doc["distributions"][0]["type"], "histfactory_dist");
  std::tie(code, text) = hfx::test::run_hfx({"convert", hs3.string(), "--from", "hs3"});
  ASSERT_EQ(code, 0) << text;
  const Json back = hfx::parse_json(text, "stdout");
  const Json orig = hfx::load_json_file(ws);
  EXPECT_EQ(hfx::python_json_dumps(back["channels"]), hfx::python_json_dumps(orig["channels"]));
  std::tie(code, text) = hfx::test::run_hfx({"convert", ws, "--from", "hs3"});
  EXPECT_EQ(code, 2);
  EXPECT_NE(text.find("expected an object with \"distributions\""), std::string::npos) << text;
  std::tie(code, text) = hfx::test::run_hfx({"convert", ws});
  EXPECT_EQ(code, 2);
  EXPECT_NE(text.find("give --to hs3 or --from hs3"), std::string::npos) << text;
}

}  // namespace
