// Times loading + validating workspaces and patchsets (median of N runs), and parsing
// alone. A file is a patchset when its top level has "patches", a workspace otherwise.
// Usage: hfx_bench_load FILE... [N]   (N: a last argument of digits only; default 20)
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

template <class F>
double median_ms(int n, F&& f) {
  std::vector<double> ts;
  for (int i = 0; i < n; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ts.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ts.begin(), ts.end());
  return ts[ts.size() / 2];
}

int main(int argc, char** argv) {
  std::vector<std::string> files(argv + 1, argv + argc);
  int n = 20;
  if (!files.empty() && !files.back().empty() &&
      files.back().find_first_not_of("0123456789") == std::string::npos) {
    n = std::max(1, std::stoi(files.back()));
    files.pop_back();
  }
  if (files.empty()) {
    fmt::print(stderr, "usage: hfx_bench_load FILE... [N]\n");
    return 2;
  }
  for (const auto& file : files) {
    const std::string text = hfx::read_file(file);
    const bool patchset = hfx::parse_json(text, file).contains("patches");
    // Both times include freeing the document again.
    const double load = median_ms(n, [&] {
      if (patchset) (void)hfx::PatchSet::load(file);
      else (void)hfx::Workspace::load(file);
    });
    const double parse = median_ms(n, [&] { (void)hfx::parse_json(text, file); });
    const double mb = static_cast<double>(text.size()) / 1e6;
    fmt::print("hfx   {:9} load+validate {}: {:.2f} ms ({:.0f} MB/s; parse_json alone {:.2f} ms, {:.0f} MB/s)\n",
               patchset ? "patchset" : "workspace", file, load, mb / load * 1e3, parse, mb / parse * 1e3);
  }
  return 0;
}
