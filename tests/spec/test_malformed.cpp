// Malformed documents (tests/data/malformed/manifest.json, plus huge and deeply nested
// ones generated here): the CLI must fail cleanly -- exit code 2, exactly one line on
// stderr naming the error class and the JSON path -- and never crash.
#include "test_util.hpp"

#include "hfx/json.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace hfx {
namespace {

namespace fs = std::filesystem;

struct CliResult {
  int code = -1;
  std::string err;
};

std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

using test::scratch_dir;

// Runs the CLI with stdout discarded and stderr captured.
CliResult run_cli(const std::vector<std::string>& args) {
  const fs::path err = scratch_dir() / "stderr.txt";
  std::string cmd = quote(HFX_CLI_PATH);
  for (const auto& a : args) {
    cmd += ' ';
    cmd += quote(a);
  }
  cmd += " > /dev/null 2> ";
  cmd += quote(err.string());
  CliResult r;
  r.code = test::run_command("(" + cmd + ")").first;
  std::ifstream in(err, std::ios::binary);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

void expect_clean_failure(const std::vector<std::string>& args, const std::string& kind, const std::string& expected,
                          const std::string& label) {
  const CliResult r = run_cli(args);
  EXPECT_EQ(r.code, 2) << label << " (a negative code means a signal): " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << label << ": " << r.err;
  EXPECT_EQ(r.err.rfind("hfx: error: " + kind + ": ", 0), 0u) << label << ": " << r.err;
  EXPECT_NE(r.err.find(expected), std::string::npos) << label << ": expected \"" << expected << "\" in: " << r.err;
}

std::vector<std::string> substitute(const Json& args, const std::string& file) {
  std::vector<std::string> out;
  for (const auto& a : args) {
    std::string s = a.get<std::string>();
    for (auto [key, value] : {std::pair<std::string, std::string>{"{file}", test::data_path("malformed/" + file)},
                              {"{dir}", test::data_path("malformed")}})
      for (auto p = s.find(key); p != std::string::npos; p = s.find(key)) s.replace(p, key.size(), value);
    out.push_back(s);
  }
  return out;
}

TEST(Malformed, CorpusFailsCleanlyWithTheJsonPath) {
  const Json manifest = test::load("malformed/manifest.json");
  const Json& cases = manifest.at("cases");
  ASSERT_GE(cases.size(), 30u);
  for (const auto& c : cases) {
    const std::string file = c.at("file").get<std::string>();
    const std::string expected = c.at("expected").get<std::string>();
    ASSERT_EQ(expected.rfind('/', 0), 0u) << file << ": the expected text must start with a JSON path";
    ASSERT_TRUE(fs::exists(test::data_path("malformed/" + file))) << file;
    expect_clean_failure(substitute(c.at("args"), file), c.at("error").get<std::string>(), expected, file);
  }
}

TEST(Malformed, TheUnbrokenReferencesAreValid) {
  // The corpus is made by breaking these two documents one way at a time.
  EXPECT_EQ(run_cli({"digest", test::data_path("malformed/ws_valid_reference.json")}).code, 0);
  EXPECT_EQ(run_cli({"patchset", "apply", test::data_path("malformed/_bkgonly.json"),
                     test::data_path("malformed/patchset_valid_reference.json"), "--name", "sig_1"})
                .code,
            0);
}

// ---- generated at run time ------------------------------------------------------------

TEST(Malformed, DeepNestingIsRejectedWithoutRecursion) {
  const fs::path dir = scratch_dir();
  const std::size_t depth = 10000;
  {
    std::ofstream(dir / "deep_array.json") << std::string(depth, '[') << std::string(depth, ']');
    std::ofstream(dir / "deep_in_object.json")
        << R"({"version":"1.0.0","channels":)" << std::string(depth, '[') << std::string(depth, ']') << "}";
    std::ofstream(dir / "deep_unclosed.json") << std::string(depth, '[');
  }
  expect_clean_failure({"digest", (dir / "deep_array.json").string()}, "InvalidSpecification",
                       "/0/0/0/0/0/0/0/0/0/0/0/...(513 levels): nesting deeper than 512 levels", "deep_array");
  expect_clean_failure({"digest", (dir / "deep_in_object.json").string()}, "InvalidSpecification",
                       "/channels/0/0/0", "deep_in_object");
  expect_clean_failure({"patchset", "inspect", (dir / "deep_unclosed.json").string()}, "InvalidSpecification",
                       "nesting deeper than 512 levels", "deep_unclosed");
  fs::remove_all(dir);
}

// ~200 MB of numbers (20 MB under sanitizers, where HFX_SANITIZED is set).
std::size_t huge_size() { return std::getenv("HFX_SANITIZED") ? (20u << 20) : (200u << 20); }

void write_numbers(std::ofstream& out, std::size_t bytes) {
  std::string chunk;
  for (int i = 0; i < 4096; ++i) chunk += "0.12345678901234567, ";
  for (std::size_t written = 0; written < bytes; written += chunk.size()) out << chunk;
  out << "1.0";
}

TEST(Malformed, HugeDocumentsFailCleanly) {
  const fs::path dir = scratch_dir();
  const auto start = std::chrono::steady_clock::now();
  {
    std::ofstream a(dir / "huge_invalid.json", std::ios::binary);
    a << R"({"version":"1.0.0","channels":[{"name":"c","samples":[{"name":"s","data":[)";
    write_numbers(a, huge_size());
    a << R"(],"modifiers":[}]}]}]})";
    std::ofstream b(dir / "huge_array.json", std::ios::binary);
    b << '[';
    write_numbers(b, huge_size());
    b << ']';
  }
  expect_clean_failure({"digest", (dir / "huge_invalid.json").string()}, "InvalidSpecification",
                       "/channels/0/samples/0/modifiers/0: invalid JSON", "huge_invalid");
  expect_clean_failure({"digest", (dir / "huge_array.json").string()}, "InvalidSpecification",
                       "/: expected an object, got an array of", "huge_array");
  fs::remove_all(dir);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  RecordProperty("seconds", std::to_string(seconds));
}

}  // namespace
}  // namespace hfx
