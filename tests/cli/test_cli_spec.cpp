// The spec subcommands of the CLI (sort, prune, rename, combine, patchset ...) against
// pyhf's outputs, plus --help, --output-file, stdin and exit codes.
#include "../spec/golden_manifest.hpp"

#include "hfx/json.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace hfx {
namespace {

using test::GoldenEntry;
namespace fs = std::filesystem;

struct CliResult {
  int code = -1;
  std::string out, err;
};

using test::shell_quote;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs `hfx args...` (optionally with stdin from a file); stdout and stderr apart.
CliResult run_cli(const std::vector<std::string>& args, const std::string& stdin_file = "") {
  static int counter = 0;
  const fs::path dir = test::scratch_dir();
  const fs::path out = dir / ("out" + std::to_string(counter)), err = dir / ("err" + std::to_string(counter));
  ++counter;
  std::string cmd = shell_quote(HFX_CLI_PATH);
  for (const auto& a : args) {
    cmd += ' ';
    cmd += shell_quote(a);
  }
  if (!stdin_file.empty()) {
    cmd += " < ";
    cmd += shell_quote(stdin_file);
  }
  cmd += " > ";
  cmd += shell_quote(out.string());
  cmd += " 2> ";
  cmd += shell_quote(err.string());
  CliResult r;
  r.code = test::run_command("(" + cmd + ")").first;
  r.out = slurp(out);
  r.err = slurp(err);
  fs::remove(out);
  fs::remove(err);
  return r;
}

std::vector<std::string> golden_cli_args(const GoldenEntry& g) {
  const Json& a = g.entry.at("args");
  std::vector<std::string> args;
  if (g.op == "sorted") {
    args = {"sort", test::input(g, 0)};
  } else if (g.op == "prune") {
    args = {"prune", test::input(g, 0)};
    const std::pair<const char*, const char*> flags[] = {
        {"channels", "-c"}, {"samples", "-s"}, {"modifiers", "-m"}, {"modifier_types", "-t"}, {"measurements", "--measurement"}};
    for (const auto& [key, flag] : flags)
      for (const auto& v : a.at(key)) args.insert(args.end(), {flag, v.get<std::string>()});
  } else if (g.op == "rename") {
    args = {"rename", test::input(g, 0)};
    const std::pair<const char*, const char*> flags[] = {
        {"channels", "-c"}, {"samples", "-s"}, {"modifiers", "-m"}, {"measurements", "--measurement"}};
    for (const auto& [key, flag] : flags)
      for (auto it = a.at(key).begin(); it != a.at(key).end(); ++it)
        args.insert(args.end(), {flag, it.key(), it.value().get<std::string>()});
  } else if (g.op == "combine") {
    args = {"combine", test::input(g, 0), test::input(g, 1), "--join", a.at("join").get<std::string>()};
    if (a.at("merge_channels").get<bool>()) args.push_back("--merge-channels");
  } else if (g.op == "patchset_extract") {
    args = {"patchset", "extract", test::input(g, 0), "--name", a.at("name").get<std::string>()};
    if (a.at("with_metadata").get<bool>()) args.push_back("--with-metadata");
  } else if (g.op == "patchset_apply") {
    if (!a.contains("name")) return {};  // lookup by values has no CLI form (as in pyhf)
    args = {"patchset", "apply", test::input(g, 0), test::input(g, 1), "--name", a.at("name").get<std::string>()};
  } else if (g.op == "patchset_verify") {
    args = {"patchset", "verify", test::input(g, 0), test::input(g, 1)};
  } else if (g.op == "patchset_inspect") {
    args = {"patchset", "inspect", test::input(g, 0)};
  }
  return args;
}

std::vector<GoldenEntry> cli_entries() {
  std::vector<GoldenEntry> all;
  for (const char* op : {"sorted", "prune", "rename", "combine", "patchset_extract", "patchset_apply",
                         "patchset_verify", "patchset_inspect"})
    for (auto& e : test::golden_entries(op)) all.push_back(std::move(e));
  return all;
}

bool cli_rejects_before_running(const GoldenEntry& g) {
  // click (pyhf) and CLI11 (hfx) both refuse these arguments while parsing.
  const Json& a = g.entry.at("args");
  if (g.op == "prune")
    for (const auto& t : a.at("modifier_types"))
      if (!modifier_type_from_string(t.get<std::string>())) return true;
  if (g.op == "combine") return a.at("join") == "inner";
  return false;
}

class GoldenCli : public testing::TestWithParam<GoldenEntry> {};
TEST_P(GoldenCli, MatchesPyhf) {
  const auto& g = GetParam();
  const auto args = golden_cli_args(g);
  if (args.empty()) GTEST_SKIP() << "no CLI form";
  const CliResult r = run_cli(args);
  ASSERT_GE(r.code, 0) << "crashed: " << r.err;
  const Json& e = g.entry;
  const bool expect_error = e.at("error").is_string();
  if (cli_rejects_before_running(g)) {
    EXPECT_NE(r.code, 0);
    return;
  }
  if (expect_error || !test::known_deviation(g.id).empty()) {
    EXPECT_EQ(r.code, 2) << r.out << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    const std::string kind = test::known_deviation(g.id).empty() ? test::hfx_kind_for(e.at("error").get<std::string>())
                                                                  : test::known_deviation(g.id);
    EXPECT_NE(r.err.find("hfx: error: " + kind + ": "), std::string::npos) << r.err;
    return;
  }
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  if (g.op == "patchset_verify") {
    EXPECT_EQ(r.out, "All good.\n");
  } else if (g.op == "patchset_inspect") {
    EXPECT_EQ(r.out, read_file(test::golden_path(e.at("expected_text").get<std::string>())));
  } else {
    test::expect_matches_golden(g, parse_json(r.out, "<hfx stdout>"));
    // pyhf prints json.dumps(..., indent=4, sort_keys=True): the digest of our output, read
    // back, equals the digest pyhf recorded, and the text is sorted and indented.
    EXPECT_EQ(r.out.rfind("{\n    \"", 0) == 0 || r.out.rfind("[\n    {", 0) == 0, true) << r.out.substr(0, 40);
  }
}
INSTANTIATE_TEST_SUITE_P(Pyhf, GoldenCli, testing::ValuesIn(cli_entries()), test::golden_test_name);

// ---- behaviour beyond the golden entries ----------------------------------------------

const std::string kExample = "reference/small/pyhf-patchset-example/";

TEST(CliSpec, HelpIsCompleteForEverySubcommand) {
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> cases = {
      {{"prune"}, {"--output-file", "-c,--channel", "-s,--sample", "-m,--modifier", "-t,--modifier-type", "--measurement"}},
      {{"rename"}, {"--output-file", "-c,--channel", "-s,--sample", "-m,--modifier", "--measurement"}},
      {{"combine"}, {"--output-file", "-j,--join", "--merge-channels", "--no-merge-channels", "workspace-one", "workspace-two"}},
      {{"sort"}, {"--output-file", "workspace"}},
      {{"patchset"}, {"extract", "apply", "verify", "inspect"}},
      {{"patchset", "extract"}, {"--name", "--output-file", "--with-metadata", "--without-metadata"}},
      {{"patchset", "apply"}, {"--name", "--output-file", "background-only", "patchset"}},
      {{"patchset", "verify"}, {"background-only", "patchset"}},
      {{"patchset", "inspect"}, {"patchset"}},
  };
  for (const auto& [cmd, needles] : cases) {
    auto args = cmd;
    args.push_back("--help");
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.code, 0) << cmd[0];
    for (const auto& n : needles) EXPECT_NE(r.out.find(n), std::string::npos) << cmd.back() << " --help lacks " << n;
  }
}

TEST(CliSpec, OutputFileAndStdin) {
  const fs::path out = fs::temp_directory_path() / ("hfx_cli_sort_" + std::to_string(::getpid()) + ".json");
  const std::string ws = test::data_path(kExample + "workspace.json");
  const CliResult to_file = run_cli({"sort", ws, "--output-file", out.string()});
  ASSERT_EQ(to_file.code, 0) << to_file.err;
  EXPECT_EQ(to_file.out, "");
  const CliResult to_stdout = run_cli({"sort"}, ws);  // workspace defaults to '-'
  ASSERT_EQ(to_stdout.code, 0) << to_stdout.err;
  // like pyhf: the terminal gets a final newline, the file does not
  EXPECT_EQ(slurp(out) + "\n", to_stdout.out);
  fs::remove(out);
}

TEST(CliSpec, ErrorsAreOneLineWithExitCode2) {
  const std::string ws = test::data_path(kExample + "workspace.json");
  const std::string ps = test::data_path(kExample + "published/example_patchset.json");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"prune", ws, "-c", "nope"}, "InvalidWorkspaceOperation: nope is not one of the channels in this workspace."},
      {{"rename", ws, "-s", "signal", "background1"}, "InvalidModel: /channels/0/samples/"},
      {{"combine", ws, ws}, "InvalidWorkspaceOperation: the workspaces both have channels named 'channel1'"},
      {{"combine", ws, ws, "--merge-channels"}, "InvalidWorkspaceOperation: channels can only be merged"},
      {{"patchset", "extract", ps}, "InvalidPatchLookup: " + ps + ": no patch selected"},
      {{"patchset", "extract", ps, "--name", "x"}, "InvalidPatchLookup: " + ps + ": no patch named \"x\""},
      {{"patchset", "apply", ws, ps, "--name", "patch_channel1_signal_syst1"}, "PatchSetVerificationError: " + ps + ": /metadata/digests/sha256: digest mismatch"},
      {{"patchset", "inspect", ws}, "InvalidSpecification: " + ws + ": /channels: unknown key 'channels'"},
  };
  for (const auto& [args, expected] : cases) {
    const CliResult r = run_cli(args);
    EXPECT_EQ(r.code, 2) << args[0] << ": " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find("hfx: error: " + expected), std::string::npos) << r.err;
  }
}

TEST(CliSpec, UnknownOptionValuesAreRejectedWhileParsing) {
  const std::string ws = test::data_path(kExample + "workspace.json");
  EXPECT_NE(run_cli({"prune", ws, "-t", "frobsys"}).code, 0);
  EXPECT_NE(run_cli({"combine", ws, ws, "-j", "inner"}).code, 0);
  EXPECT_NE(run_cli({"rename", ws, "-c", "only_one_name"}).code, 0);
}

TEST(CliSpec, OptionsAfterPositionalsAndRepeated) {
  const std::string ws = test::data_path("reference/pyhf-validation/2bin_2channel/workspace.json");
  const CliResult r = run_cli({"rename", "-c", "signal", "a", ws, "-c", "control", "b"});
  ASSERT_EQ(r.code, 0) << r.err;
  const Json out = parse_json(r.out, "<out>");
  EXPECT_EQ(out["channels"][0]["name"], "a");
  EXPECT_EQ(out["channels"][1]["name"], "b");
  const CliResult p = run_cli({"prune", "-m", "mu", ws, "-m", "uncorr_bkguncrt_signal"});
  EXPECT_EQ(p.code, 0) << p.err;
}

}  // namespace
}  // namespace hfx
