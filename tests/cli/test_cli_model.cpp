// The model subcommands of the CLI (`hfx yields`, `hfx inspect`) run as a user would:
// yields against pyhf's expected data and logpdf in reference.json, inspect against
// pyhf's text layout and the reference structure, and error exits.
#include "hfx/citation.hpp"
#include "hfx/json.hpp"
#include "hfx/version.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace hfx {
namespace {

namespace fs = std::filesystem;

using test::scratch;

void write_file(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// Runs `hfx args...`; returns exit code and stdout+stderr.
std::pair<int, std::string> hfx(const std::vector<std::string>& args) { return test::run_hfx(args); }

std::string workspace_of(const std::string& c) { return test::data_path("reference/" + c + "/workspace.json"); }

// Runs `hfx yields` with --output-file and returns the parsed output.
Json yields(std::vector<std::string> extra, const std::string& workspace) {
  const fs::path out = scratch("yields.json");
  std::vector<std::string> args = {"yields", workspace, "--output-file", out.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto [code, text] = hfx(args);
  EXPECT_EQ(code, 0) << text;
  return load_json_file(out.string());
}

void expect_vec_rel(const Json& got, const Json& want, double rel, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double w = want[i].get<double>();
    EXPECT_NEAR(got[i].get<double>(), w, rel * std::max(std::abs(w), 1e-300)) << what << " [" << i << "]";
  }
}

void expect_logpdf(const Json& got, const Json& want, const std::string& what) {
  const double w = want.get<double>();
  EXPECT_NEAR(got.get<double>(), w, 1e-10 * std::max(1.0, std::abs(w))) << what;
}

class CliRealCase : public ::testing::TestWithParam<std::string> {};

TEST_P(CliRealCase, YieldsAtInitMatchPyhf) {
  const Json ref = test::load("reference/" + GetParam() + "/reference.json");
  const Json y = yields({}, workspace_of(GetParam()));
  EXPECT_EQ(y["par_names"], ref["structure"]["par_names"]);
  EXPECT_EQ(y["pars"], ref["suggested_init"]);
  expect_vec_rel(y["expected_data"], ref["expected_data_at_init"]["main"], 1e-12, "expected_data");
  expect_vec_rel(y["auxdata"], ref["expected_data_at_init"]["aux"], 1e-12, "auxdata");
  expect_logpdf(y["logpdf"], ref["logpdf_at_init"], "logpdf");
}

TEST_P(CliRealCase, YieldsAtShiftedParsListMatchPyhf) {
  const Json ref = test::load("reference/" + GetParam() + "/reference.json");
  const fs::path pars = scratch("pars_list.json");
  write_file(pars, ref["shifted_point"]["pars"].dump());
  const Json y = yields({"--pars", pars.string()}, workspace_of(GetParam()));
  expect_vec_rel(y["expected_data"], ref["shifted_point"]["expected_main"], 1e-12, "expected_data");
  expect_vec_rel(y["auxdata"], ref["shifted_point"]["expected_aux"], 1e-12, "auxdata");
  expect_logpdf(y["logpdf"], ref["shifted_point"]["logpdf"], "logpdf");
}

TEST_P(CliRealCase, YieldsAtShiftedParsObjectMatchPyhf) {
  // The same point written as {parameter set: value or list}.
  const Json ref = test::load("reference/" + GetParam() + "/reference.json");
  const Json& shifted = ref["shifted_point"]["pars"];
  Json by_name = Json::object();
  for (const auto& [name, ps] : ref["structure"]["parsets"].items()) {
    const auto begin = ps["slice"][0].get<std::size_t>(), end = ps["slice"][1].get<std::size_t>();
    if (end - begin == 1 && name.find('[') == std::string::npos && ref["structure"]["par_names"][begin] == name) {
      by_name[name] = shifted[begin];
    } else {
      by_name[name] = Json::array();
      for (auto i = begin; i < end; ++i) by_name[name].push_back(shifted[i]);
    }
  }
  const fs::path pars = scratch("pars_object.json");
  write_file(pars, by_name.dump());
  const Json y = yields({"--pars", pars.string()}, workspace_of(GetParam()));
  EXPECT_EQ(y["pars"], shifted);
  expect_vec_rel(y["expected_data"], ref["shifted_point"]["expected_main"], 1e-12, "expected_data");
  expect_logpdf(y["logpdf"], ref["shifted_point"]["logpdf"], "logpdf");
}

TEST_P(CliRealCase, YieldsChannelsAddUp) {
  const Json ref = test::load("reference/" + GetParam() + "/reference.json");
  const Json y = yields({}, workspace_of(GetParam()));
  ASSERT_EQ(y["channels"].size(), ref["structure"]["n_channels"].get<std::size_t>());
  Json total = Json::array(), observed = Json::array();
  for (const auto& ch : y["channels"]) {
    ASSERT_EQ(ch["total"].size(), ch["bins"].get<std::size_t>());
    for (std::size_t b = 0; b < ch["total"].size(); ++b) {
      double sum = 0;
      for (const auto& s : ch["samples"]) sum += s["yields"][b].get<double>();
      EXPECT_NEAR(sum, ch["total"][b].get<double>(), 1e-9 * std::max(1.0, std::abs(sum))) << ch["name"];
      total.push_back(ch["total"][b]);
      observed.push_back(ch["observed"][b]);
    }
  }
  EXPECT_EQ(total, y["expected_data"]);
  EXPECT_EQ(observed, ref["data"]["observed_main"]);
}

TEST_P(CliRealCase, InspectCounts) {
  const Json st = test::load("reference/" + GetParam() + "/reference.json")["structure"];
  const auto [code, text] = hfx({"inspect", "--json", workspace_of(GetParam())});
  ASSERT_EQ(code, 0) << text;
  const Json j = parse_json(text, "inspect --json");
  EXPECT_EQ(j["channels"].size(), st["n_channels"].get<std::size_t>());
  EXPECT_EQ(j["samples"].size(), st["n_samples"].get<std::size_t>());
  EXPECT_EQ(j["parameters"].size(), st["n_parsets"].get<std::size_t>());
  EXPECT_EQ(j["npars"], st["n_parameters"]);
  EXPECT_EQ(j["nauxdata"], st["n_auxdata"]);
  EXPECT_EQ(j["poi"], st["poi_name"]);
  std::size_t sets = 0, pars = 0;
  for (const auto& [type, c] : j["parameters_by_modifier_type"].items()) {
    sets += c["parameter_sets"].get<std::size_t>();
    pars += c["parameters"].get<std::size_t>();
  }
  EXPECT_EQ(sets, st["n_parsets"].get<std::size_t>());
  EXPECT_EQ(pars, st["n_parameters"].get<std::size_t>());
  for (std::size_t c = 0; c < j["channels"].size(); ++c) {
    EXPECT_EQ(j["channels"][c][0], st["channels_pyhf_order"][c]);
    EXPECT_EQ(j["channels"][c][1], st["channel_nbins"][st["channels_pyhf_order"][c].get<std::string>()]);
  }

  const auto [tcode, txt] = hfx({"inspect", workspace_of(GetParam())});
  ASSERT_EQ(tcode, 0) << txt;
  EXPECT_NE(txt.find("channels  " + std::to_string(st["n_channels"].get<std::size_t>()) + "\n"), std::string::npos);
  EXPECT_NE(txt.find("parameters  " + std::to_string(st["n_parsets"].get<std::size_t>()) + "\n"), std::string::npos);
  EXPECT_NE(txt.find("npars  " + std::to_string(st["n_parameters"].get<std::size_t>()) + "\n"), std::string::npos);
  EXPECT_NE(txt.find("nauxdata  " + std::to_string(st["n_auxdata"].get<std::size_t>()) + "\n"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Reference, CliRealCase, ::testing::ValuesIn(test::real_cases()), [](const auto& param_info) {
  std::string s = param_info.param;
  for (auto& c : s)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
});

TEST(CliInspect, TextIsPyhfsLayout) {
  // `pyhf inspect` output for this workspace, byte for byte; hfx's additions follow it.
  const std::string pyhf =
      "          Summary       \n"
      "    ------------------  \n"
      "       channels  2\n"
      "        samples  4\n"
      "     parameters  2\n"
      "      modifiers  2\n"
      "\n"
      "       channels  nbins\n"
      "     ----------  -----\n"
      "        control    2  \n"
      "         signal    2  \n"
      "\n"
      "        samples\n"
      "     ----------\n"
      "     background\n"
      "           bkg1\n"
      "           bkg2\n"
      "         signal\n"
      "\n"
      "     parameters  constraint              modifiers\n"
      "     ----------  ----------              ----------\n"
      "coupled_normsys  constrained_by_normal   normsys\n"
      "             mu  unconstrained           normfactor\n"
      "\n"
      "    measurement           poi            parameters\n"
      "     ----------        ----------        ----------\n"
      "       (*) meas            mu            (none)\n"
      "\n";
  const auto [code, text] = hfx({"inspect", workspace_of("pyhf-validation/2bin_2channel_couplednorm")});
  ASSERT_EQ(code, 0) << text;
  EXPECT_EQ(text.substr(0, pyhf.size()), pyhf);
  EXPECT_NE(text.find("normfactor               1           1\n"), std::string::npos) << text;
}

TEST(CliInspect, OutputFileHasPyhfKeys) {
  const fs::path out = scratch("inspect.json");
  const auto [code, text] = hfx({"inspect", workspace_of("small/litehf-multi-channel"), "--output-file", out.string()});
  ASSERT_EQ(code, 0) << text;
  const Json j = load_json_file(out.string());
  EXPECT_EQ(j["channels"], Json::parse(R"([["mychannel1", 4], ["mychannel2", 3]])"));
  EXPECT_EQ(j["modifiers"], Json::parse(R"({"mu": "normfactor", "theta": "histosys", "theta2": "normsys"})"));
  EXPECT_EQ(j["systematics"][1], Json::parse(R"(["theta", "constrained_by_normal", ["histosys"]])"));
  EXPECT_EQ(j["measurements"], Json::parse(R"([["Measurement", "mu", []]])"));
  std::vector<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.push_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"channels", "measurements", "modifiers", "parameters", "samples",
                                            "systematics"}));
}

TEST(CliInspect, BackgroundOnlyWorkspaceHasNoPoi) {
  const auto [code, text] = hfx({"inspect", "--json", test::data_path("reference/3L-eRJR/published/BkgOnly.json")});
  ASSERT_EQ(code, 0) << text;
  const Json j = parse_json(text, "inspect --json");
  EXPECT_TRUE(j["poi"].is_null());
  EXPECT_NE(j["note"].get<std::string>().find("mu_SIG"), std::string::npos);
}

TEST(CliYields, PatchGivesThePatchedWorkspace) {
  const std::string dir = test::data_path("reference/3L-eRJR/");
  const Json patched = yields({"-p", dir + "published/patch.ERJR_200p0_100p0.json"}, dir + "published/BkgOnly.json");
  const Json direct = yields({}, dir + "workspace.json");
  EXPECT_EQ(patched, direct);
}

TEST(CliYields, TableHasEveryChannel) {
  const auto [code, text] = hfx({"yields", "--table", workspace_of("small/litehf-multi-channel")});
  ASSERT_EQ(code, 0) << text;
  EXPECT_NE(text.find("channel 'mychannel1' (4 bins)"), std::string::npos) << text;
  EXPECT_NE(text.find("channel 'mychannel2' (3 bins)"), std::string::npos) << text;
  EXPECT_NE(text.find("  observed             34            22            13            11\n"), std::string::npos) << text;
}

// A failing command exits with 2 and prints exactly one line naming the problem.
void expect_error(const std::vector<std::string>& args, const std::string& needle) {
  const auto [code, text] = hfx(args);
  EXPECT_EQ(code, 2) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_NE(text.find(needle), std::string::npos) << text;
}

// An inconsistent model is an InvalidModel (a kind of InvalidSpecification, as in pyhf)
// also when it comes from a file: the file name is put in front of the same kind.
TEST(CliInspect, InconsistentModelsKeepTheirErrorKind) {
  Json ws = load_json_file(workspace_of("small/litehf-multi-channel"));
  ws["channels"][0]["samples"][1]["name"] = ws["channels"][0]["samples"][0]["name"];
  const fs::path file = scratch("duplicate_sample.json");
  write_file(file, ws.dump());
  expect_error({"inspect", file.string()}, "InvalidModel: " + file.string() + ": /channels/0/samples/1/name: duplicate sample name");
  ws = load_json_file(workspace_of("small/litehf-multi-channel"));
  ws["channels"][0]["samples"][0]["modifiers"][0]["type"] = "nosuchkind";
  write_file(file, ws.dump());
  expect_error({"inspect", file.string()}, "InvalidModifier: " + file.string() + ": /channels/0/samples/0/modifiers/0/type");
}

TEST(CliYields, BadParsAreOneLineErrors) {
  const std::string ws = workspace_of("small/litehf-multi-channel");
  const fs::path pars = scratch("bad_pars.json");
  write_file(pars, "[1, 2");
  expect_error({"yields", ws, "--pars", pars.string()}, "InvalidSpecification");
  write_file(pars, R"({"mu": 1, "no_such_par": 2})");
  expect_error({"yields", ws, "--pars", pars.string()}, "unknown parameter 'no_such_par'");
  write_file(pars, "[1, 2]");
  expect_error({"yields", ws, "--pars", pars.string()}, "expected a list of 3 numbers, got a list of 2");
  write_file(pars, R"({"theta": [1, 2]})");
  expect_error({"yields", ws, "--pars", pars.string()}, "parameter 'theta'");
  write_file(pars, R"({"mu": "one"})");
  expect_error({"yields", ws, "--pars", pars.string()}, "expected a number, got string");
  expect_error({"yields", ws, "--pars", scratch("missing.json").string()}, "IOError");
}

TEST(CliYields, BadPatchIsOneLineError) {
  const fs::path patch = scratch("bad_patch.json");
  write_file(patch, R"([{"op": "remove", "path": "/channels/99"}])");
  expect_error({"yields", workspace_of("small/litehf-multi-channel"), "-p", patch.string()}, "bad_patch.json");
}

// A point where a main bin's expected rate is negative: logpdf is null in the JSON (not
// finite) and logpdf_problem names the channel and bin; the table says the same. A
// shapesys parameter at zero with every rate positive: the constraint is named instead.
TEST(CliYields, NonFiniteLogpdfNamesItsCause) {
  const std::string ws = workspace_of("pyhf-validation/2bin_2channel");
  const fs::path pars = scratch("negative_rate.json");
  write_file(pars, R"({"mu": -20})");
  const Json y = yields({"--pars", pars.string()}, ws);
  EXPECT_TRUE(y["logpdf"].is_null());
  EXPECT_EQ(y["logpdf_problem"], "expected rate -100 <= 0 in channel 'signal' bin 0 with observed 110");
  const auto [code, text] = hfx({"yields", "--table", ws, "--pars", pars.string()});
  ASSERT_EQ(code, 0) << text;
  EXPECT_NE(text.find("logpdf is not finite: expected rate -100 <= 0 in channel 'signal' bin 0"), std::string::npos)
      << text;
  write_file(pars, R"({"uncorr_bkguncrt_signal": [0, 1]})");
  const Json z = yields({"--pars", pars.string()}, ws);
  EXPECT_TRUE(z["logpdf"].is_null());
  EXPECT_NE(z["logpdf_problem"].get<std::string>().find("a constraint term is not finite"), std::string::npos)
      << z["logpdf_problem"];
  // A finite logpdf has no such key.
  EXPECT_FALSE(yields({}, ws).contains("logpdf_problem"));
}

TEST(CliYields, ParsByComponentName) {
  const fs::path pars = scratch("component.json");
  write_file(pars, R"({"mu": 2.0})");
  const Json y = yields({"--pars", pars.string()}, workspace_of("small/litehf-multi-channel"));
  EXPECT_EQ(y["pars"], Json::parse("[0.0, 2.0, 0.0]"));
  EXPECT_EQ(y["channels"][0]["samples"][1]["yields"], Json::parse("[4.0, 6.0, 8.0, 10.0]"));
}

// --optimizer scipy reproduces pyhf's default SLSQP fits: the sbottom CLs moves from the
// minimum's value towards default pyhf's (reference.json), within 1e-5 of the latter.
TEST(CliCls, OptimizerScipyReproducesDefaultPyhf) {
  const std::string ws = workspace_of("sbottom-multib-regionA");
  const Json ref = test::load("reference/sbottom-multib-regionA/reference.json")["hypotest_mu1"];
  const fs::path out = scratch("cls_scipy.json");
  const auto [code, text] = hfx({"cls", ws, "--optimizer", "scipy", "--output-file", out.string()});
  ASSERT_EQ(code, 0) << text;
  const Json got = load_json_file(out.string());
  expect_vec_rel(got["CLs_exp"], ref["CLs_exp_band"], 1e-5, "CLs_exp");
  EXPECT_NEAR(got["CLs_obs"].get<double>(), ref["CLs_obs"].get<double>(), 1e-5 * ref["CLs_obs"].get<double>());
}

// upper-limit and significance take the same optimizer choice: with scipy the 1Lbb limits
// follow default pyhf's (reference.json, TOMS748) and differ from the fits to the minimum.
TEST(CliUpperLimit, OptimizerScipyReproducesDefaultPyhf) {
  const std::string ws = workspace_of("1Lbb-simplified");
  const Json ref = test::load("reference/1Lbb-simplified/reference.json")["upper_limit_toms748"];
  const fs::path out_scipy = scratch("ul_scipy.json"), out_newton = scratch("ul_newton.json");
  const auto [code, text] = hfx({"upper-limit", ws, "--optimizer", "scipy", "--output-file", out_scipy.string()});
  ASSERT_EQ(code, 0) << text;
  const auto [code_n, text_n] = hfx({"upper-limit", ws, "--output-file", out_newton.string()});
  ASSERT_EQ(code_n, 0) << text_n;
  const Json got = load_json_file(out_scipy.string()), newton = load_json_file(out_newton.string());
  EXPECT_NEAR(got["obs"].get<double>(), ref["obs"].get<double>(), 3e-6 * ref["obs"].get<double>());
  expect_vec_rel(got["exp"], ref["exp_band"], 3e-6, "exp");
  EXPECT_NE(got["exp"], newton["exp"]);
  const auto [code_s, text_s] = hfx({"significance", ws, "--optimizer", "scipy", "--optconf", "tolerance=1e-8"});
  EXPECT_EQ(code_s, 0) << text_s;
  EXPECT_NE(text_s.find("p0_exp"), std::string::npos) << text_s;
}

TEST(CliCls, OptimizerOptionsAreChecked) {
  const std::string ws = workspace_of("small/pyhf-docs-2bin-1channel");
  expect_error({"cls", ws, "--optimizer", "nlopt"}, "nlopt");
  expect_error({"cls", ws, "--optconf", "tolerance=1e-8"}, "--optimizer scipy");
  expect_error({"cls", ws, "--optimizer", "scipy", "--optconf", "stepsize=2"}, "stepsize=2");
  expect_error({"cls", ws, "--optimizer", "scipy", "--optconf", "tolerance=abc"}, "--optconf tolerance 'abc': expected a finite number");
  expect_error({"cls", ws, "--optimizer", "scipy", "--calctype", "toybased"}, "toys");
  const auto [code, text] = hfx({"fit", ws, "--optimizer", "scipy", "--optconf", "tolerance=1e-10", "--backend", "numpy"});
  EXPECT_EQ(code, 0) << text;
}

// --optconf takes one KEY=VALUE per occurrence (a workspace after it is the workspace), and
// maxiter bounds every fit method's iterations: too few is a fit that did not converge.
TEST(CliCls, OptconfMaxiterLimitsEveryFit) {
  const std::string ws = workspace_of("small/pyhf-docs-2bin-1channel");
  for (const std::string optimizer : {"minuit", "newton", "scipy"}) {
    const auto [code, text] = hfx({"fit", "--optimizer", optimizer, "--optconf", "maxiter=1000", ws});
    EXPECT_EQ(code, 0) << optimizer << ": " << text;
    const auto [code1, text1] = hfx({"fit", "--optimizer", optimizer, "--optconf", "maxiter=1", ws});
    EXPECT_EQ(code1, 1) << optimizer << ": " << text1;
    EXPECT_NE(text1.find("FailedMinimization"), std::string::npos) << text1;
    EXPECT_EQ(text1.find("mle_parameters"), std::string::npos) << text1;
  }
  const auto [code, text] = hfx({"cls", "--optconf", "maxiter=1000", "--optconf", "maxiter=500", ws});
  EXPECT_EQ(code, 0) << text;
}

TEST(CliUtils, CiteAndEnvironment) {
  for (const std::string flag : {"--cite", "--citation"}) {
    const auto [code, text] = hfx({flag});
    ASSERT_EQ(code, 0) << text;
    EXPECT_EQ(text, citation());
  }
  const auto [code, text] = hfx({"utils", "environment"});
  ASSERT_EQ(code, 0) << text;
  EXPECT_EQ(text.rfind("* os version: ", 0), 0u) << text;
  EXPECT_NE(text.find("* hfx version: " + std::string(kVersion) + "\n"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
  const fs::path out = scratch("environment.md");
  const auto [code_f, text_f] = hfx({"utils", "environment", "--output-file", out.string()});
  ASSERT_EQ(code_f, 0) << text_f;
  EXPECT_EQ(text_f, "");
  std::ifstream in(out);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), text);
  expect_error({"utils"}, "subcommand");
}

}  // namespace
}  // namespace hfx
