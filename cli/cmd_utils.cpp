// `hfx --cite` (BibTeX, as `pyhf --cite`) and `hfx utils environment` (the machine, the
// build and the libraries of this hfx binary as a Markdown list, for bug reports; the
// Python package's hfx.utils.environment_info() reports the Python side).
#include "common.hpp"

#include "hfx/citation.hpp"
#include "hfx/version.hpp"

#include <fmt/format.h>
#include <sys/utsname.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>

namespace hfx::cli {
namespace {

// "NAME VERSION" (or VERSION_ID, or PRETTY_NAME) from the os-release file.
std::string os_version() {
  for (const char* path : {"/etc/os-release", "/usr/lib/os-release"}) {
    std::ifstream in(path);
    if (!in) continue;
    std::map<std::string, std::string> fields;
    for (std::string line; std::getline(in, line);) {
      const auto eq = line.find('=');
      if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
      std::string value = line.substr(eq + 1);
      if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'') && value.back() == value[0])
        value = value.substr(1, value.size() - 2);
      fields[line.substr(0, eq)] = value;
    }
    const std::string version = !fields["VERSION"].empty() ? fields["VERSION"] : fields["VERSION_ID"];
    if (!fields["NAME"].empty()) return version.empty() ? fields["NAME"] : fields["NAME"] + " " + version;
    if (!fields["PRETTY_NAME"].empty()) return fields["PRETTY_NAME"];
  }
  return "Cannot be determined";
}

std::string cpu_features() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  std::string out;
  if (__builtin_cpu_supports("avx2")) out += " avx2";
  if (__builtin_cpu_supports("fma")) out += " fma";
  if (__builtin_cpu_supports("avx512f")) out += " avx512f";
  if (__builtin_cpu_supports("avx512dq")) out += " avx512dq";
  return out.empty() ? "none of avx2, fma, avx512f, avx512dq" : out.substr(1);
#else
  return "not x86-64 (portable kernels)";
#endif
}

std::string environment() {
  utsname u{};
  const std::string kernel = uname(&u) == 0 ? fmt::format("{} {} {}", u.sysname, u.release, u.machine) : "Cannot be determined";
#if defined(__clang__)
  const std::string compiler = fmt::format("clang {}", __clang_version__);
#elif defined(__GNUC__)
  const std::string compiler = fmt::format("gcc {}", __VERSION__);
#else
  const std::string compiler = "unknown";
#endif
  std::string text;
  const auto item = [&text](std::string_view key, const std::string& value) { text += fmt::format("* {}: {}\n", key, value); };
  item("os version", os_version());
  item("kernel version", kernel);
  item("hfx version", kVersion);
  item("compiler", compiler);
  item("cpu features", cpu_features());
  item("fmt version", fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100));
  item("CLI11 version", CLI11_VERSION);
  return text;
}

}  // namespace

void add_utils(CLI::App& app) {
  app.add_flag_callback(
      "--cite,--citation",
      [] {
        write_text(citation(), "");
        throw CLI::Success();
      },
      "Print the BibTeX to cite (pyhf's software and paper, the HistFactory note, hfx) and exit");
  auto* group = app.add_subcommand("utils", "Utilities: `hfx utils environment`");
  group->require_subcommand(1);
  auto output_file = std::make_shared<std::string>();
  auto* env = group->add_subcommand(
      "environment",
      "Print the machine and this hfx build (OS, kernel, hfx version, compiler, CPU features, "
      "library versions) as a Markdown list for bug reports");
  env->add_option("--output-file", *output_file, "Write the list to this file instead of stdout");
  env->callback([output_file] { write_text(environment(), *output_file); });
}

}  // namespace hfx::cli
