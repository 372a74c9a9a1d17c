// Times hfx's fit, hypotest (mu = 1, qtilde, asymptotics) and upper limit on a
// workspace: median wall time of at least N repetitions (more for fast cases), each from
// scratch (fresh calculator, no reuse of earlier fits). Prints one JSON object per
// workspace.
//
//   hfx_bench_infer WORKSPACE [N=5] [THREADS=all]
#include "hfx/infer.hpp"
#include "hfx/workspace.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace {
// Median over at least n repetitions, and more (up to 2,000) until 0.25 s have been
// spent: a 50 us hypotest's median over 5 runs moves by 2x with the VM's scheduling noise.
template <class F>
double median_s(int n, F&& f) {
  std::vector<double> ts;
  double total = 0;
  for (int i = 0; i < n || (total < 0.25 && i < 2000); ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ts.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    total += ts.back();
  }
  std::sort(ts.begin(), ts.end());
  return ts[ts.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: hfx_bench_infer WORKSPACE [N] [THREADS]\n");
    return 2;
  }
  const int n = argc > 2 ? std::stoi(argv[2]) : 5;
  // THREADS caps the cores a hypotest's independent fits may use (default: all).
  const int threads = argc > 3 ? std::stoi(argv[3]) : 0;
  std::optional<tbb::global_control> cap;
  if (threads > 0) cap.emplace(tbb::global_control::max_allowed_parallelism, threads);
  const auto ws = hfx::Workspace::load(argv[1]);
  const auto model = hfx::compile(ws);
  const auto data = hfx::observed_data(ws, model);
  const auto problem = hfx::FitProblem::from_model(model);
  bool ok = true;
  const double t_fit = median_s(n, [&] { ok &= hfx::fit(model, data, problem).converged(); });
  const double t_hypo = median_s(n, [&] { ok &= hfx::hypotest(1.0, model, data).all_converged(); });
  const double t_ul = median_s(std::max(1, n / 2), [&] { (void)hfx::upper_limit(model, data); });
  fmt::print("{{\"workspace\": \"{}\", \"fit_s\": {:.6g}, \"hypotest_s\": {:.6g}, \"upper_limit_s\": {:.6g}, "
             "\"converged\": {}, \"fit_step_work\": {}, \"parallel\": {}}}\n",
             argv[1], t_fit, t_hypo, t_ul, ok, hfx::detail::fit_step_work(model), hfx::detail::parallel_fits_pay(model));
  return ok ? 0 : 1;
}
