// Times loading + validating a workspace and a patchset (median of N runs).
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
  if (argc < 3) {
    fmt::print(stderr, "usage: hfx_bench_load WORKSPACE PATCHSET [N]\n");
    return 2;
  }
  const std::string ws = argv[1], ps = argv[2];
  const int n = argc > 3 ? std::stoi(argv[3]) : 20;
  fmt::print("hfx   workspace load+validate {}: {:.2f} ms\n", ws, median_ms(n, [&] { (void)hfx::Workspace::load(ws); }));
  fmt::print("hfx   patchset  load+validate {}: {:.2f} ms\n", ps, median_ms(n, [&] { (void)hfx::PatchSet::load(ps); }));
  return 0;
}
