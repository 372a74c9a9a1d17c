// `hfx scan`: rows equal the single-point commands, do not depend on the thread count,
// survive a kill (resume), split into shards and merge back, and never stop at a bad point.
#include "hfx/json.hpp"
#include "hfx/patchset.hpp"
#include "hfx/scan.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hfx {
namespace {

namespace fs = std::filesystem;
using test::data_path;
using test::run_hfx;
using test::scratch;

const std::string k3LBkg = data_path("reference/3L-eRJR/published/BkgOnly.json");
const std::string k3LPatchset = data_path("reference/3L-eRJR/published/patchset.json");
const std::string k1LBkg = data_path("reference/1Lbb-simplified/published/simplified_BkgOnly.json");
const std::string k1LPatchset = data_path("reference/1Lbb-simplified/published/simplified_patchset.json");

std::vector<Json> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<Json> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(Json::parse(line));
  return out;
}

// Rows without their wall time, keyed by name.
std::map<std::string, Json> rows_by_name(const std::vector<Json>& lines) {
  std::map<std::string, Json> out;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    Json r = lines[i];
    r.erase("time_s");
    out.emplace(r["name"].get<std::string>(), r);
  }
  return out;
}

// The JSON object in a command's output (which may also hold a warning or an error line).
Json last_json_object(const std::string& text) {
  const auto begin = text.find("\n{") == std::string::npos ? text.find('{') : text.find("\n{") + 1;
  return Json::parse(text.substr(begin, text.rfind('}') + 1 - begin));
}

// The JSON lines of a command's output, without warning lines.
std::vector<Json> json_lines(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  std::vector<Json> out;
  while (std::getline(lines, line))
    if (line.rfind("{\"", 0) == 0) out.push_back(Json::parse(line));
  return out;
}

TEST(Scan, RowsEqualClsAndUpperLimitOfThePatchedWorkspace) {
  const std::string out = scratch("equal.jsonl").string();
  auto [code, text] = run_hfx({"scan", k3LBkg, k3LPatchset, "--name", "ERJR_200p0_*", "--name", "ERJR_100p0_20p0",
                               "--upper-limit", "--significance", "-o", out});
  ASSERT_EQ(code, 0) << text;
  const auto rows = rows_by_name(lines_of(out));
  ASSERT_GE(rows.size(), 3u);
  for (const auto& name : {std::string("ERJR_200p0_100p0"), std::string("ERJR_100p0_20p0")}) {
    ASSERT_TRUE(rows.count(name)) << name;
    const Json& row = rows.at(name);
    EXPECT_EQ(row["status"], "ok") << row.dump();
    const std::string ws = scratch(name + ".json").string();
    auto [c1, t1] = run_hfx({"patchset", "apply", k3LBkg, k3LPatchset, "--name", name, "--output-file", ws});
    ASSERT_EQ(c1, 0) << t1;
    auto [c2, t2] = run_hfx({"cls", ws});
    ASSERT_EQ(c2, 0) << t2;
    const Json cls = Json::parse(t2);
    EXPECT_EQ(row["CLs_obs"], cls["CLs_obs"]) << name;  // the same doubles, printed the same way
    EXPECT_EQ(row["CLs_exp"], cls["CLs_exp"]) << name;
    auto [c3, t3] = run_hfx({"upper-limit", ws});
    ASSERT_EQ(c3, 0) << t3;
    const Json ul = Json::parse(t3);
    EXPECT_EQ(row["upper_limit"]["obs"], ul["obs"]) << name;
    EXPECT_EQ(row["upper_limit"]["exp"], ul["exp"]) << name;
    auto [c4, t4] = run_hfx({"significance", ws});
    ASSERT_EQ(c4, 0) << t4;
    EXPECT_EQ(row["significance"]["Z_obs"], Json::parse(t4)["Z_obs"]) << name;
  }
}

TEST(Scan, PublishedPatchsetThatDoesNotVerifyNeedsNoVerifyAndWarns) {
  auto [code, text] = run_hfx({"scan", k1LBkg, k1LPatchset, "--name", "C1N2_Wh_hbb_700_150"});
  EXPECT_EQ(code, 2) << text;
  EXPECT_NE(text.find("digest mismatch"), std::string::npos) << text;
  EXPECT_NE(text.find("--no-verify"), std::string::npos) << text;
  const std::string out = scratch("noverify.jsonl").string();
  std::tie(code, text) = run_hfx({"scan", k1LBkg, k1LPatchset, "--name", "C1N2_Wh_hbb_700_150", "--no-verify",
                                  "--upper-limit", "-o", out});
  ASSERT_EQ(code, 0) << text;
  EXPECT_NE(text.find("hfx: warning:"), std::string::npos) << text;
  EXPECT_NE(text.find("2563672e1a165384faf49f1431e921d88c9c07ec10f150d5045576564f98f820"), std::string::npos) << text;
  EXPECT_NE(text.find("ab4134e4a2e0ff7598c4251a572949a6e271ac5d7e72a8ac3f1e0343d87059ad"), std::string::npos) << text;
  // pyhf's answer for this point (reference.json, unconverged SLSQP: agreement to ~1e-5).
  const Json ref = test::load("reference/1Lbb-simplified/reference.json");
  const Json row = lines_of(out).at(1);
  EXPECT_NEAR(row["CLs_obs"].get<double>(), ref["hypotest_mu1"]["CLs_obs"].get<double>(), 1e-5);
  EXPECT_NEAR(row["upper_limit"]["obs"].get<double>(), ref["upper_limit_toms748"]["obs"].get<double>(), 1e-4);
  EXPECT_EQ(row["values"], Json({{"m1", 700}, {"m2", 150}}));
}

TEST(Scan, RowsDoNotDependOnTheThreadCount) {
  const std::string one = scratch("t1.jsonl").string(), two = scratch("t2.jsonl").string();
  auto [c1, t1] = run_hfx({"scan", k3LBkg, k3LPatchset, "--values", "mn2=:300", "--upper-limit", "--threads", "1", "-o", one});
  ASSERT_EQ(c1, 0) << t1;
  auto [c2, t2] = run_hfx({"scan", k3LBkg, k3LPatchset, "--values", "mn2=:300", "--upper-limit", "--threads", "2", "-o", two});
  ASSERT_EQ(c2, 0) << t2;
  const auto a = lines_of(one), b = lines_of(two);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_GT(a.size(), 10u);
  EXPECT_EQ(a[0], b[0]);  // same header
  for (std::size_t i = 1; i < a.size(); ++i) {  // same rows in the same (grid) order
    Json x = a[i], y = b[i];
    x.erase("time_s");
    y.erase("time_s");
    EXPECT_EQ(x, y) << i;
  }
}

// Starts `hfx ARGS` in the background; returns its pid.
pid_t spawn_hfx(const std::vector<std::string>& args) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    std::string exe = HFX_CLI_PATH;
    argv.push_back(exe.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execv(exe.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

std::size_t count_lines(const std::string& path) {
  std::ifstream in(path);
  return static_cast<std::size_t>(std::count(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(), '\n'));
}

TEST(Scan, KilledScanResumesAndLosesOnlyThePointsInFlight) {
  const std::string full = scratch("full.jsonl").string(), killed = scratch("killed.jsonl").string();
  // Toys make each point slow enough (~0.05 s) to kill the scan in the middle; fewer under
  // the sanitizers (HFX_SANITIZED), where everything is slower.
  const std::string ntoys = std::getenv("HFX_SANITIZED") ? "10" : "50";
  const std::vector<std::string> common = {"scan", k3LBkg, k3LPatchset, "--values", "mn2=:150", "--calctype", "toybased",
                                           "--ntoys", ntoys, "--threads", "1"};
  auto args = common;
  args.insert(args.end(), {"-o", killed});
  const pid_t pid = spawn_hfx(args);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (count_lines(killed) < 4 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the scan finished before it was killed";
  const std::size_t kept = count_lines(killed) - 1;
  EXPECT_GE(kept, 3u);
  // Every complete line is a valid row; simulate a write cut off by the kill as well.
  for (const auto& j : lines_of(killed)) EXPECT_TRUE(j.is_object());
  std::ofstream(killed, std::ios::app) << R"({"name":"ERJR_1)";
  args = common;
  args.insert(args.end(), {"-o", killed});
  auto [code, text] = run_hfx(args);
  ASSERT_EQ(code, 0) << text;
  EXPECT_NE(text.find(std::to_string(kept) + " of "), std::string::npos) << text;
  const Json summary = last_json_object(text);
  EXPECT_EQ(summary["resumed"], kept);
  args = common;
  args.insert(args.end(), {"-o", full});
  std::tie(code, text) = run_hfx(args);
  ASSERT_EQ(code, 0) << text;
  const auto a = lines_of(full), b = lines_of(killed);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(rows_by_name(a), rows_by_name(b));  // the same results as a scan never killed
  for (std::size_t i = 1; i < a.size(); ++i) EXPECT_EQ(a[i]["name"], b[i]["name"]);  // in grid order
  // Done: a rerun computes nothing.
  std::tie(code, text) = run_hfx(args);
  ASSERT_EQ(code, 0) << text;
  EXPECT_EQ(last_json_object(text)["computed"], 0);
}

TEST(Scan, ResumingWithOtherSettingsIsRefused) {
  const std::string out = scratch("other.jsonl").string();
  auto [c1, t1] = run_hfx({"scan", k3LBkg, k3LPatchset, "--name", "ERJR_200p0_100p0", "-o", out});
  ASSERT_EQ(c1, 0) << t1;
  const std::string before = test::run_command("cat " + test::shell_quote(out)).second;
  auto [c2, t2] = run_hfx({"scan", k3LBkg, k3LPatchset, "--name", "ERJR_200p0_100p0", "--test-poi", "2", "-o", out});
  EXPECT_EQ(c2, 2) << t2;
  EXPECT_NE(t2.find(out + ": holds results of another scan"), std::string::npos) << t2;
  EXPECT_NE(t2.find("\"settings\""), std::string::npos) << t2;
  EXPECT_EQ(before, test::run_command("cat " + test::shell_quote(out)).second);  // untouched
}

TEST(Scan, ShardsMergeIntoTheWholeScan) {
  const std::vector<std::string> common = {"scan", k3LBkg, k3LPatchset, "--values", "mn1=:30"};
  const std::string whole = scratch("whole.jsonl").string();
  auto args = common;
  args.insert(args.end(), {"-o", whole});
  auto [code, text] = run_hfx(args);
  ASSERT_EQ(code, 0) << text;
  std::vector<std::string> parts;
  std::size_t total = 0;
  for (int i = 0; i < 3; ++i) {
    parts.push_back(scratch("part" + std::to_string(i) + ".jsonl").string());
    args = common;
    args.insert(args.end(), {"--shard", std::to_string(i) + "/3", "-o", parts.back()});
    std::tie(code, text) = run_hfx(args);
    ASSERT_EQ(code, 0) << text;
    total += count_lines(parts.back()) - 1;
  }
  EXPECT_EQ(total, count_lines(whole) - 1);
  const std::string merged = scratch("merged.jsonl").string();
  std::tie(code, text) = run_hfx({"scan", "merge", merged, parts[0], parts[1], parts[2]});
  ASSERT_EQ(code, 0) << text;
  const Json report = Json::parse(text);
  EXPECT_TRUE(report["missing"].empty());
  EXPECT_TRUE(report["duplicates"].empty());
  const auto a = lines_of(whole), b = lines_of(merged);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(rows_by_name(a), rows_by_name(b));
  for (std::size_t i = 1; i < a.size(); ++i) EXPECT_EQ(a[i]["name"], b[i]["name"]);
  // A lost shard: its points are reported missing (exit 1); a part given twice: duplicates.
  std::tie(code, text) = run_hfx({"scan", "merge", merged, parts[0], parts[2], parts[0]});
  EXPECT_EQ(code, 1) << text;
  const Json r2 = last_json_object(text);
  EXPECT_EQ(r2["missing"].size(), count_lines(parts[1]) - 1);
  EXPECT_EQ(r2["duplicates"].size(), count_lines(parts[0]) - 1);
  EXPECT_TRUE(r2["conflicting"].empty());
  // Parts of different scans do not merge.
  const std::string other = scratch("otherscan.jsonl").string();
  std::tie(code, text) = run_hfx({"scan", k3LBkg, k3LPatchset, "--values", "mn1=:30", "--test-poi", "0.5", "-o", other});
  ASSERT_EQ(code, 0) << text;
  std::tie(code, text) = run_hfx({"scan", "merge", merged, parts[0], other});
  EXPECT_EQ(code, 2) << text;
  EXPECT_NE(text.find("results of another scan"), std::string::npos) << text;
}

TEST(Scan, BadPointsAreRowsAndTheScanGoesOn) {
  // Patch files: one fine, one whose POI does not exist (error), one that does not apply.
  const std::string bkg = k3LBkg;
  const PatchSet ps = PatchSet::load(k3LPatchset);
  const std::string good = scratch("good.json").string(), nopoi = scratch("nopoi.json").string(),
                    broken = scratch("broken.json").string();
  std::ofstream(good) << ps.extract("ERJR_200p0_100p0", true).dump();
  Json ops = ps["ERJR_200p0_100p0"].patch.operations();
  Json renamed = ops;
  renamed.push_back({{"op", "replace"}, {"path", "/measurements/0/config/poi"}, {"value", "no_such_poi"}});
  std::ofstream(nopoi) << renamed.dump();
  std::ofstream(broken) << R"([{"op": "remove", "path": "/channels/999"}])";
  const std::string out = scratch("scan-bad-points.jsonl").string();
  auto [code, text] = run_hfx({"scan", bkg, good, nopoi, broken, "-o", out});
  ASSERT_EQ(code, 0) << text;
  const auto rows = rows_by_name(lines_of(out));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows.at("ERJR_200p0_100p0")["status"], "ok");
  EXPECT_EQ(rows.at("nopoi")["status"], "error");
  EXPECT_NE(rows.at("nopoi")["message"].get<std::string>().find("no_such_poi"), std::string::npos);
  EXPECT_FALSE(rows.at("nopoi").contains("CLs_obs"));
  EXPECT_EQ(rows.at("broken")["status"], "error");
  EXPECT_NE(rows.at("broken")["message"].get<std::string>().find("InvalidPatch"), std::string::npos);
  const Json summary = last_json_object(text);
  EXPECT_EQ(summary["ok"], 1);
  EXPECT_EQ(summary["error"], 2);
  // Fits that cannot converge (two SLSQP iterations): "failed" rows with a message, no number.
  std::tie(code, text) = run_hfx({"scan", k1LBkg, k1LPatchset, "--no-verify", "--name", "C1N2_Wh_hbb_700_150",
                                  "--optimizer", "scipy", "--optconf", "maxiter=2"});
  ASSERT_EQ(code, 1) << text;  // no point gave a result
  EXPECT_NE(text.find("no point gave a result (1 failed, 0 errors)"), std::string::npos) << text;
  const auto got = json_lines(text);
  ASSERT_EQ(got.size(), 2u) << text;
  const Json& row = got[1];
  EXPECT_EQ(row["status"], "failed") << row.dump();
  EXPECT_TRUE(row.contains("message"));
  EXPECT_FALSE(row.contains("CLs_obs"));
}

TEST(Scan, FullSignalWorkspacesAreScannedByFileName) {
  const std::string a = scratch("sigA.json").string(), b = scratch("sigB.json").string();
  ASSERT_EQ(run_hfx({"patchset", "apply", k3LBkg, k3LPatchset, "--name", "ERJR_200p0_100p0", "--output-file", a}).first, 0);
  ASSERT_EQ(run_hfx({"patchset", "apply", k3LBkg, k3LPatchset, "--name", "ERJR_100p0_20p0", "--output-file", b}).first, 0);
  auto [code, text] = run_hfx({"scan", a, b, "--quiet"});
  ASSERT_EQ(code, 0) << text;
  const auto got = json_lines(text);
  ASSERT_EQ(got.size(), 3u);  // the header, then the rows as they finish
  EXPECT_EQ(got[0]["points"], Json({"sigA", "sigB"}));
  const auto rows = rows_by_name(got);
  ASSERT_TRUE(rows.count("sigA") && rows.count("sigB")) << text;
  EXPECT_EQ(rows.at("sigA")["status"], "ok");
}

TEST(Scan, BadArgumentsAreOneLineErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {{"scan", k3LPatchset}, "cannot scan these inputs"},
      {{"scan", k3LBkg, k3LPatchset, "--values", "mass=100"}, "no label 'mass' (the grid's labels: mn2, mn1)"},
      {{"scan", k3LBkg, k3LPatchset, "--values", "mn2=a:b"}, "'a' is not a number"},
      {{"scan", k3LBkg, k3LPatchset, "--shard", "3/3"}, "--shard I"},
      {{"scan", k3LBkg, k3LPatchset, "--calctype", "toybased", "--upper-limit"}, "asymptotic calculator only"},
      {{"scan", k3LBkg, k3LPatchset, "--level", "1.5"}, "--level"},
      {{"scan", k3LBkg, data_path("malformed/infinity_literal.json")}, "infinity_literal.json"},
      {{"scan", k3LBkg, k3LPatchset, "--name", "nomatch*"}, "no point of the grid's 64 matches --name 'nomatch*'"},
      {{"scan", k3LBkg, k3LPatchset, "--values", "mn1=200:100"}, "LO 200 is above HI 100"},
      {{"scan", k3LBkg, k3LPatchset, "--values", "mn2= 200"}, "no point of the grid's 64 matches"},
      {{"scan", k3LBkg, k3LPatchset, "-o", "/dev/null"}, "/dev/null: not a regular file"},
  };
  for (const auto& c : cases) {
    auto [code, text] = run_hfx(c.args);
    EXPECT_EQ(code, 2) << c.expect << ": " << text;
    EXPECT_NE(text.find(c.expect), std::string::npos) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  }
}

TEST(Scan, OutputFilesAreNeverClobbered) {
  const std::vector<std::string> common = {"scan", k3LBkg, k3LPatchset, "--values", "mn1=:20"};
  // A results file whose header a kill cut off starts anew.
  const std::string cut = scratch("cut-header.jsonl").string();
  std::ofstream(cut) << R"({"hfx_scan":1,"vers)";
  auto args = common;
  args.insert(args.end(), {"-o", cut});
  auto [code, text] = run_hfx(args);
  ASSERT_EQ(code, 0) << text;
  EXPECT_EQ(lines_of(cut).at(0)["hfx_scan"], 1);
  // A file that is not scan results (the PatchSet given as -o by mistake) is left alone.
  const std::string precious = scratch("precious.json").string();
  std::ofstream(precious) << "{\"not\": \"results\"}";
  args = common;
  args.insert(args.end(), {"-o", precious});
  std::tie(code, text) = run_hfx(args);
  EXPECT_EQ(code, 2) << text;
  EXPECT_EQ(test::run_command("cat " + test::shell_quote(precious)).second, "{\"not\": \"results\"}");
  // Through a symbolic link the results land in its target, which keeps its mode.
  const std::string target = scratch("target.jsonl").string(), link = scratch("link.jsonl").string();
  std::ofstream(target).close();
  fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
  fs::create_symlink(target, link);
  args = common;
  args.insert(args.end(), {"-o", link});
  std::tie(code, text) = run_hfx(args);
  ASSERT_EQ(code, 0) << text;
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(fs::status(target).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(lines_of(target).size(), lines_of(cut).size());
  // `scan merge` with OUTPUT forgotten would overwrite the first part: refused.
  const std::string p0 = scratch("m0.jsonl").string(), p1 = scratch("m1.jsonl").string();
  for (const auto& [part, shard] : {std::pair{p0, "0/2"}, std::pair{p1, "1/2"}}) {
    args = common;
    args.insert(args.end(), {"--shard", shard, "-o", part});
    ASSERT_EQ(run_hfx(args).first, 0);
  }
  const std::string before = test::run_command("cat " + test::shell_quote(p0)).second;
  std::tie(code, text) = run_hfx({"scan", "merge", p0, p1});
  EXPECT_EQ(code, 2) << text;
  EXPECT_NE(text.find("holds one shard's results; refusing to overwrite it"), std::string::npos) << text;
  std::tie(code, text) = run_hfx({"scan", "merge", p0, p0, p1});
  EXPECT_EQ(code, 2) << text;
  EXPECT_NE(text.find("is also one of the parts"), std::string::npos) << text;
  EXPECT_EQ(before, test::run_command("cat " + test::shell_quote(p0)).second);
  std::tie(code, text) = run_hfx({"scan", "merge", precious, p0, p1});
  EXPECT_EQ(code, 2) << text;
  EXPECT_NE(text.find("is not hfx scan results; refusing to overwrite it"), std::string::npos) << text;
}

}  // namespace
}  // namespace hfx
