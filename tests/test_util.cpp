#include "test_util.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <sys/wait.h>

namespace hfx::test {

Json load_lenient(const std::string& rel) {
  std::string text = read_file(data_path(rel));
  for (std::size_t p = 0; (p = text.find("NaN", p)) != std::string::npos; p += 4) text.replace(p, 3, "null");
  return parse_json(text, rel);
}

namespace {
std::filesystem::path scratch_root() {
  return std::filesystem::temp_directory_path() / ("hfx_tests_" + std::to_string(::getpid()));
}
class ScratchCleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(scratch_root(), ec);
  }
};
const auto* const kCleanup = ::testing::AddGlobalTestEnvironment(new ScratchCleanup);
}  // namespace

std::filesystem::path scratch_dir() {
  const auto dir = scratch_root();
  std::filesystem::create_directories(dir);
  return dir;
}

std::pair<int, std::string> run_command(const std::string& cmd) {
  std::string out;
  FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, "popen failed"};
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) out.append(buf.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::pair<int, std::string> run_hfx(const std::vector<std::string>& args, const std::string& redirect) {
  std::string cmd = shell_quote(HFX_CLI_PATH);
  for (const auto& a : args) cmd += ' ' + shell_quote(a);
  if (!redirect.empty()) cmd = "(" + cmd + ' ' + redirect + ")";
  return run_command(cmd);
}

}  // namespace hfx::test
