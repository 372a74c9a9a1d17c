// Regression tests for what adversarial use of the CLI found (issue "no crash, no silent
// number"): each input class gets a result with its status or a one-line error with the
// documented exit status (0 result, 1 no result for a valid question, 2 bad input).
#include "hfx/json.hpp"
#include "test_util.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

namespace hfx {
namespace {

namespace fs = std::filesystem;
using test::run_hfx;
using test::scratch;

// One channel, two bins, a normfactor POI "mu" and no nuisance parameters; `config`
// is the measurement's parameter list and `observed` the data.
std::string small_workspace(const std::string& name, const std::string& config = "[]",
                            const std::string& observed = "[52.0, 31.0]") {
  const fs::path p = scratch(name);
  std::ofstream(p) << R"({"channels": [{"name": "c", "samples": [
      {"name": "s", "data": [5.0, 3.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
      {"name": "b", "data": [50.0, 30.0], "modifiers": []}]}],
    "observations": [{"name": "c", "data": )" << observed << R"(}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": )" << config << R"(}}],
    "version": "1.0.0"})";
  return p.string();
}

std::string write(const std::string& name, const std::string& text) {
  const fs::path p = scratch(name);
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

std::size_t lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

// Exit status `code` with exactly one line of output, containing `needle`.
void expect_one_line(const std::pair<int, std::string>& r, int code, const std::string& needle) {
  EXPECT_EQ(r.first, code) << r.second;
  EXPECT_EQ(lines(r.second), 1u) << r.second;
  EXPECT_NE(r.second.find(needle), std::string::npos) << r.second;
}

// Runs with --output-file into a fresh file and returns (exit code, parsed JSON or null).
std::pair<int, Json> json_of(std::vector<std::string> args) {
  const fs::path out = scratch("out.json");
  fs::remove(out);
  args.push_back("--output-file");
  args.push_back(out.string());
  const auto [code, text] = run_hfx(args);
  return {code, fs::exists(out) ? load_json_file(out.string()) : Json()};
}

TEST(CliReliability, FitWithEveryParameterFixedIsTheNllAtThatPoint) {
  const auto [code, r] = json_of({"fit", small_workspace("ws.json"), "--fix", "mu=1", "--value"});
  ASSERT_EQ(code, 0);
  EXPECT_EQ(r["status"], "converged");
  EXPECT_EQ(r["mle_parameters"]["mu"][0], 1.0);
  EXPECT_EQ(r["uncertainties"]["mu"][0], 0.0);
  EXPECT_GT(r["twice_nll"].get<double>(), 0.0);
}

// The correlation matrix has npars^2 numbers: printed by default up to 1000 parameters,
// beyond only with --correlations; --no-uncertainties skips the Hessian altogether.
TEST(CliReliability, FitCorrelationsFollowTheModelSizeAndTheOptions) {
  const std::string small = small_workspace("corr_small.json");
  auto [code, r] = json_of({"fit", small});
  ASSERT_EQ(code, 0);
  EXPECT_EQ(r["correlations"].size(), 1u);
  EXPECT_FALSE(r.contains("correlations_note"));
  std::tie(code, r) = json_of({"fit", small, "--no-correlations"});
  ASSERT_EQ(code, 0);
  EXPECT_FALSE(r.contains("correlations"));
  EXPECT_FALSE(r.contains("correlations_note"));
  EXPECT_GT(r["uncertainties"]["mu"][0].get<double>(), 0.0);
  std::tie(code, r) = json_of({"fit", small, "--no-uncertainties"});
  ASSERT_EQ(code, 0);
  EXPECT_FALSE(r.contains("uncertainties"));
  EXPECT_FALSE(r.contains("correlations"));
  EXPECT_GT(r["mle_parameters"]["mu"][0].get<double>(), 0.0);
  expect_one_line(run_hfx({"fit", small, "--no-uncertainties", "--correlations"}), 2, "excludes");

  // 1 + 1001 parameters: 1001 one-bin channels with a shapesys each (parameters that share
  // no channel, so the Hessian takes two sweeps: this test is about the output, and it
  // runs under ASan too).
  std::string channels, observations;
  for (int j = 0; j < 1001; ++j) {
    const char* sep = j ? ", " : "";
    channels += fmt::format(R"({}{{"name": "c{}", "samples": [
        {{"name": "s", "data": [{}], "modifiers": [{{"name": "mu", "type": "normfactor", "data": null}}]}},
        {{"name": "b", "data": [{}], "modifiers": [{{"name": "g{}", "type": "shapesys", "data": [{}]}}]}}]}})",
                            sep, j, 20 + j % 7, 20 + j % 7, j, 2 + j % 3);
    observations += fmt::format(R"({}{{"name": "c{}", "data": [{}]}})", sep, j, 41 + j % 5);
  }
  const std::string big = write("corr_big.json", fmt::format(R"({{"channels": [{}], "observations": [{}],
    "measurements": [{{"name": "m", "config": {{"poi": "mu", "parameters": []}}}}], "version": "1.0.0"}})",
                                                              channels, observations));
  std::tie(code, r) = json_of({"fit", big});
  ASSERT_EQ(code, 0);
  EXPECT_FALSE(r.contains("correlations"));
  EXPECT_NE(r["correlations_note"].get<std::string>().find("1002 parameters"), std::string::npos);
  EXPECT_EQ(r["uncertainties"].size(), 1002u);
  EXPECT_GT(r["uncertainties"]["g1000"][0].get<double>(), 0.0);
  const double mu_unc = r["uncertainties"]["mu"][0].get<double>();
  std::tie(code, r) = json_of({"fit", big, "--correlations"});
  ASSERT_EQ(code, 0);
  ASSERT_EQ(r["correlations"].size(), 1002u);
  EXPECT_EQ(r["correlations"][0].size(), 1002u);
  EXPECT_DOUBLE_EQ(r["correlations"][0][0].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(r["uncertainties"]["mu"][0].get<double>(), mu_unc);
}

TEST(CliReliability, ParameterWithZeroWidthBoundsHasNoUncertainty) {
  const auto [code, r] = json_of({"fit", small_workspace("b11.json", R"([{"name": "mu", "bounds": [[1, 1]]}])")});
  ASSERT_EQ(code, 0);
  EXPECT_EQ(r["mle_parameters"]["mu"][0], 1.0);
  EXPECT_EQ(r["uncertainties"]["mu"][0], 0.0);
}

TEST(CliReliability, FixedPoiIsRefusedByEveryTest) {
  const std::string fixed = small_workspace("fixed.json", R"([{"name": "mu", "fixed": true}])");
  const std::string pinned = small_workspace("pinned.json", R"([{"name": "mu", "bounds": [[1, 1]]}])");
  const std::string zero = small_workspace("zero.json", R"([{"name": "mu", "bounds": [[0, 0]], "inits": [0]}])");
  for (const std::string cmd : {"cls", "upper-limit", "significance"}) {
    expect_one_line(run_hfx({cmd, fixed}), 2, "InvalidModel: " + fixed + ": the POI 'mu' is fixed");
    expect_one_line(run_hfx({cmd, pinned}), 2, "the POI 'mu' has bounds [1, 1]");
    expect_one_line(run_hfx({cmd, zero}), 2, "the POI 'mu' has bounds [0, 0]");
  }
  expect_one_line(run_hfx({"cls", fixed, "--calctype", "toybased", "--ntoys", "10"}), 2, "is fixed");
}

TEST(CliReliability, EmptyPoiNameIsAnError) {
  std::string text = R"({"channels": [{"name": "c", "samples": [{"name": "s", "data": [5.0],
      "modifiers": [{"name": "", "type": "normfactor", "data": null}]}]}],
    "observations": [{"name": "c", "data": [5.0]}],
    "measurements": [{"name": "m", "config": {"poi": "", "parameters": []}}], "version": "1.0.0"})";
  expect_one_line(run_hfx({"fit", write("emptypoi.json", text)}), 2, "/channels/0/samples/0/modifiers/0/name");
}

TEST(CliReliability, UpperLimitOfFailedFitsIsNoLimit) {
  const auto [code, text] =
      run_hfx({"upper-limit", small_workspace("ws.json"), "--optimizer", "scipy", "--optconf", "maxiter=1"});
  expect_one_line({code, text}, 1, "did not converge");
  EXPECT_EQ(text.find("\"obs\""), std::string::npos) << text;
}

TEST(CliReliability, UpperLimitAboveThePoiBoundIsReportedAsBounded) {
  const std::string ws =
      small_workspace("bigul.json", R"([{"name": "mu", "bounds": [[0, 10]]}])", "[500.0, 300.0]");
  const auto [code, r] = json_of({"upper-limit", ws});
  EXPECT_EQ(code, 1);
  EXPECT_TRUE(r["obs"].is_null());
  EXPECT_NE(r["obs_problem"].get<std::string>().find("above the POI's upper bound 10"), std::string::npos);
  EXPECT_EQ(r["poi_bounds"], Json::parse("[0.0, 10.0]"));
  for (const auto& e : r["exp"]) EXPECT_TRUE(e.is_number());  // the expected band lies inside
}

// Data tens of sigma below the expectation: CLb = Phi(-t) underflows, and CLs comes from
// the logarithms of the tail probabilities instead of 0/0.
TEST(CliReliability, AsymptoticClsOfAnExtremeDeficitIsANumber) {
  const fs::path p = scratch("extreme.json");
  std::ofstream(p) << R"({"channels": [{"name": "c", "samples": [
      {"name": "s", "data": [500.0, 300.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
      {"name": "b", "data": [5000.0, 3000.0], "modifiers": []}]}],
    "observations": [{"name": "c", "data": [10.0, 10.0]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}], "version": "1.0.0"})";
  const auto [code, r] = json_of({"cls", p.string(), "--tail-probs"});
  EXPECT_EQ(code, 0);
  EXPECT_TRUE(r["CLs_obs"].is_number());
  EXPECT_EQ(r["CLb_obs"], 0.0);
  const auto [ucode, u] = json_of({"upper-limit", p.string()});
  EXPECT_EQ(ucode, 0);
  EXPECT_GT(u["obs"].get<double>(), 0.0);
  EXPECT_LT(u["obs"].get<double>(), u["exp"][0].get<double>());
}

TEST(CliReliability, ToysWithAnEmptyBackgroundTailGiveNoCls) {
  // A deficit: no b-only toy reaches the observed test statistic at mu = 4.
  const std::string ws = small_workspace("deficit.json", "[]", "[30.0, 15.0]");
  const auto [code, r] =
      json_of({"cls", ws, "--calctype", "toybased", "--test-poi", "4", "--ntoys", "500", "--tail-probs"});
  EXPECT_EQ(code, 1);
  EXPECT_TRUE(r["CLs_obs"].is_null());
  EXPECT_EQ(r["CLb_obs"], 0.0);
  EXPECT_EQ(r["CLb_obs_upper_bound"], 1.0 / 500);
  EXPECT_NE(r["CLs_obs_problem"].get<std::string>().find("none of the 500 background-only toys"), std::string::npos);
  const auto [tcode, table] = run_hfx({"cls", ws, "--calctype", "toybased", "--test-poi", "4", "--ntoys", "500", "--table"});
  EXPECT_EQ(tcode, 1);
  EXPECT_NE(table.find("CLs observed: undetermined"), std::string::npos) << table;
  EXPECT_EQ(table.find("nan"), std::string::npos) << table;
}

// A toy run that dies part way (here: its final write fails, which leaves the checkpoint
// of every toy) resumes from FILE.partial: a torn last line is ignored, the toys it holds
// are not recomputed, and the result equals an uninterrupted run's.
TEST(CliReliability, ToyRunsResumeFromTheirCheckpoint) {
  const std::string ws = small_workspace("ws.json");
  const std::vector<std::string> base = {"cls", ws, "--calctype", "toybased", "--ntoys", "200", "--seed", "7"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  const fs::path a = scratch("toys_a.json"), b = scratch("toys_b.json"), partial = scratch("toys_b.json.partial");
  const auto [code_a, out_a] = run_hfx(with({"--toys-output", a.string()}));
  ASSERT_EQ(code_a, 0) << out_a;
  EXPECT_FALSE(fs::exists(scratch("toys_a.json.partial")));
  EXPECT_EQ(run_hfx(with({"--toys-output", b.string()}), "> /dev/full").first, 2);
  ASSERT_TRUE(fs::exists(partial));
  std::vector<std::string> saved;
  {
    std::ifstream in(partial);
    for (std::string line; std::getline(in, line);) saved.push_back(line);
  }
  ASSERT_EQ(saved.size(), 401u);  // the run's description, then 2 x 200 toys
  {
    std::ofstream out(partial, std::ios::trunc);
    for (std::size_t i = 0; i <= 150; ++i) out << saved[i] << "\n";
    out << R"({"h": 1, "i)";  // cut short by the kill
  }
  const auto [code_b, out_b] = run_hfx(with({"--toys-output", b.string()}));
  EXPECT_EQ(code_b, 0) << out_b;
  EXPECT_NE(out_b.find("resuming from " + partial.string() + ": 150 of 400 toys already done"), std::string::npos);
  EXPECT_EQ(out_b.substr(out_b.find('{')), out_a);
  EXPECT_EQ(load_json_file(b.string()), load_json_file(a.string()));
  EXPECT_FALSE(fs::exists(partial));
  // Another run's checkpoint (another seed) is refused, not mixed in.
  std::ofstream(partial) << saved[0] << "\n";
  std::vector<std::string> other = with({"--toys-output", b.string()});
  other[7] = "8";
  expect_one_line(run_hfx(other), 2, "a checkpoint of another toy run");
}

TEST(CliReliability, WriteFailuresAreErrors) {
  const std::string ws = small_workspace("ws.json");
  for (const std::string cmd : {"cls", "fit", "yields", "upper-limit", "significance"})
    expect_one_line(run_hfx({cmd, ws, "--output-file", "/dev/full"}), 2, "IOError: /dev/full: write error");
  for (const std::string cmd : {"cls", "fit", "yields", "upper-limit", "significance", "digest", "inspect", "sort"})
    expect_one_line(run_hfx({cmd, ws}, "> /dev/full"), 2, "IOError: <stdout>: write error");
}

TEST(CliReliability, OutputFilesAreReplacedWhole) {
  const std::string ws = small_workspace("ws.json");
  const fs::path dir = scratch("outdir");
  fs::create_directories(dir);
  const fs::path out = dir / "cls.json";
  std::ofstream(out) << "old";
  ASSERT_EQ(run_hfx({"cls", ws, "--output-file", out.string()}).first, 0);
  EXPECT_TRUE(load_json_file(out.string()).contains("CLs_obs"));
  // A failing command leaves the old file as it was, and no temporary file behind.
  std::ofstream(out) << "old";
  EXPECT_EQ(run_hfx({"cls", ws, "--test-poi", "x", "--output-file", out.string()}).first, 2);
  EXPECT_EQ(test::run_command("cat " + test::shell_quote(out.string())).second, "old");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
}

// Numbers at the edge of the double range: no inf or nan as a value, no InvalidPdfData
// about internal arrays; the model's own terms are named.
TEST(CliReliability, HugeNumbersGiveStatusesNotInfinities) {
  const std::string huge_obs = small_workspace("huge_obs.json", "[]", "[1e308, 31.0]");
  for (const std::string cmd : {"fit", "cls", "upper-limit", "significance"}) {
    const auto [code, text] = run_hfx({cmd, huge_obs});
    EXPECT_EQ(code, 1) << cmd << ": " << text;
    EXPECT_EQ(lines(text), 1u) << text;
    EXPECT_EQ(text.find("inf"), std::string::npos) << text;
  }
  const fs::path p = scratch("huge_shapesys.json");
  std::ofstream(p) << R"({"channels": [{"name": "c", "samples": [
      {"name": "s", "data": [5.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
      {"name": "b", "data": [1e300], "modifiers": [{"name": "unc", "type": "shapesys", "data": [1e-10]}]}]}],
    "observations": [{"name": "c", "data": [5.0]}],
    "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}], "version": "1.0.0"})";
  expect_one_line(run_hfx({"cls", p.string()}), 2, "shapesys 'unc' of sample 'b' in channel 'c' bin 0: the Poisson");
}

TEST(CliReliability, IntegersBeyond64BitsAreRefused) {
  const std::string ws = small_workspace("bigint.json", "[]", "[18446744073709551616, 31.0]");
  expect_one_line(run_hfx({"digest", ws}), 2, "/observations/0/data/0: the integer 18446744073709551616 does not fit");
  // The largest 64-bit integers stay exact.
  EXPECT_EQ(run_hfx({"digest", small_workspace("u64.json", "[]", "[18446744073709551615, 31.0]")}).first, 0);
}

TEST(CliReliability, BadInputFilesAreOneLineErrors) {
  expect_one_line(run_hfx({"digest", test::scratch_dir().string()}), 2, "is a directory");
  expect_one_line(run_hfx({"digest", "/proc/self/mem"}), 2, "IOError: /proc/self/mem: read error");
  expect_one_line(run_hfx({"digest", "/no/such/file.json"}), 2, "cannot open file");
  const auto r = test::run_command("HFX_MAX_INPUT_MB=1 " + test::shell_quote(HFX_CLI_PATH) + " digest /dev/zero");
  expect_one_line(r, 2, "/dev/zero: input larger than 1 MiB (set HFX_MAX_INPUT_MB");
}

TEST(CliReliability, PatchesCannotBuildDeepDocuments) {
  // /version becomes 200 nested arrays; each copy then puts the whole of /version inside
  // its own innermost array, doubling the depth: 400 levels are fine, 800 are not.
  std::string deep = "[]";
  for (int i = 1; i < 200; ++i) deep = "[" + deep + "]";
  std::string innermost = "/version";
  for (int i = 1; i < 200; ++i) innermost += "/0";
  const std::string first = R"([{"op": "add", "path": "/version", "value": )" + deep + R"(},
    {"op": "copy", "from": "/version", "path": ")" + innermost + R"(/0"})";
  std::string second_target = innermost;
  for (int i = 0; i < 200; ++i) second_target += "/0";
  const std::string twice = first + R"(, {"op": "copy", "from": "/version", "path": ")" + second_target + R"(/0"}])";
  // One copy: 400 levels, so the patched document reaches validation (and fails there).
  expect_one_line(run_hfx({"fit", small_workspace("ws.json"), "-p", write("deep1.json", first + "]")}), 2,
                  "/version: expected \"1.0.0\"");
  expect_one_line(run_hfx({"fit", small_workspace("ws.json"), "-p", write("deep2.json", twice)}), 2,
                  "deep2.json: /2: op 'copy' from '/version' path '/version/0/0/0/0/0/0/0/0/");
  expect_one_line(run_hfx({"fit", small_workspace("ws.json"), "-p", write("deep2.json", twice)}), 2,
                  "the result would be nested deeper than 512 levels");
}

TEST(CliReliability, PatchesCannotBuildHugeDocuments) {
  // Each copy appends /x to itself: 2 KB of patch would build 2^30 values.
  std::string ops = R"([{"op": "add", "path": "/x", "value": [[0, 0, 0, 0, 0, 0, 0, 0]]})";
  for (int i = 0; i < 30; ++i) ops += R"(, {"op": "copy", "from": "/x", "path": "/x/-"})";
  ops += "]";
  expect_one_line(run_hfx({"fit", small_workspace("ws.json"), "-p", write("bomb.json", ops)}), 2,
                  "the result would hold more than");
}

TEST(CliReliability, LongAndControlCharacterNamesGiveShortOneLineErrors) {
  const std::string name(30000, 'a');
  const std::string ps = R"({"metadata": {"description": "x", "digests": {"sha256": ")" + std::string(64, '0') +
                         R"("}, "labels": ["m"], "references": {"hepdata": "ins1234567"}},
    "patches": [{"metadata": {"name": ")" + name + R"(-", "values": [1]}, "patch": []}], "version": "1.0.0"})";
  const auto [code, text] = run_hfx({"patchset", "inspect", write("longname.json", ps)});
  expect_one_line({code, text}, 2, "expected a string matching ^[a-zA-Z0-9_]+$");
  EXPECT_LT(text.size(), 2500u);
  // A valid 30 KB name is fine.
  const std::string ok = R"({"metadata": {"description": "x", "digests": {"sha256": ")" + std::string(64, '0') +
                         R"("}, "labels": ["m"], "references": {"hepdata": "ins1234567"}},
    "patches": [{"metadata": {"name": ")" + name + R"(", "values": [1]}, "patch": []}], "version": "1.0.0"})";
  EXPECT_EQ(run_hfx({"patchset", "inspect", write("longok.json", ok)}).first, 0);
  // A newline inside a name is escaped, not printed.
  const std::string channel = R"({"name": "c\nd", "samples": [{"name": "s", "data": [1.0], "modifiers": []}]})";
  const std::string ws = R"({"channels": [)" + channel + ", " + channel +
                         R"(], "observations": [], "measurements": [], "version": "1.0.0"})";
  expect_one_line(run_hfx({"inspect", write("newline.json", ws)}), 2, "c\\nd");
}

TEST(CliReliability, OptionValuesAreValidated) {
  const std::string ws = small_workspace("ws.json");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"fit", ws, "--fix", "mu=abc"}, "--fix mu 'abc': expected a finite number"},
      {{"fit", ws, "--fix", "mu"}, "expected NAME=VALUE"},
      {{"fit", ws, "--fix", "mu=1e9"}, "--fix mu = 1000000000: outside the bounds [0, 10] of parameter 'mu'"},
      {{"cls", ws, "--test-poi", "-1"}, "--test-poi -1: outside the bounds [0, 10] of parameter 'mu'"},
      {{"upper-limit", ws, "--scan", "0", "20", "5"}, "--scan STOP 20: outside the bounds [0, 10]"},
      {{"upper-limit", ws, "--level", "0"}, "--level '0': expected a number between 0 and 1"},
      {{"upper-limit", ws, "--level", "1"}, "--level '1'"},
      {{"upper-limit", ws, "--level", "NaN"}, "--level 'NaN': expected a finite number"},
      {{"upper-limit", ws, "--rtol", "-1"}, "--rtol '-1'"},
      {{"upper-limit", ws, "--scan", "0", "5", "1e12"}, "--scan N '1e12': expected a whole number from 2 to 100000"},
      {{"upper-limit", ws, "--scan", "5", "0", "10"}, "START 5 must be below STOP 0"},
      {{"cls", ws, "--seed", "-5"}, "--seed '-5': expected a whole number"},
      {{"cls", ws, "--seed", "18446744073709551616"}, "--seed '18446744073709551616'"},
      {{"cls", ws, "--ntoys", "0"}, "--ntoys '0'"},
      {{"cls", ws, "--threads", "2.5"}, "--threads '2.5'"},
      {{"cls", ws, "--test-poi", ""}, "--test-poi '': expected a finite number"},
      {{"cls", ws, "--test-poi", "inf"}, "--test-poi 'inf'"},
      {{"cls", ws, "--optimizer", "scipy", "--optconf", "maxiter=-3"}, "--optconf maxiter '-3'"},
      {{"cls", ws, "--no-such-option"}, "arguments: The following argument was not expected: --no-such-option"},
      {{"cls", ws, "--test-stat", "q7"}, "arguments: "},
      {{"no-such-command"}, "arguments: "},
  };
  for (const auto& [args, needle] : cases) expect_one_line(run_hfx(args), 2, needle);
  EXPECT_EQ(run_hfx({"cls", "--help"}).first, 0);
  EXPECT_EQ(run_hfx({"--version"}).first, 0);
}

}  // namespace
}  // namespace hfx
