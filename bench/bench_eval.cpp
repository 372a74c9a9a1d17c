// The hot loop on every reference workspace: negative log-likelihood, and NLL with its
// analytic gradient, of the observed data at the suggested init (one Evaluator, no
// allocation per call). Reports evaluations per second as items/s.
//
// Benchmarks are named "nll/<case>" and "nll_grad/<case>"; select with
// --benchmark_filter, e.g. `hfx_bench_eval --benchmark_filter=staus`.
#include "hfx/evaluator.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// Folders under tests/data/reference holding a workspace.json, as relative names.
std::vector<std::string> reference_cases(const fs::path& root) {
  std::vector<std::string> cases;
  for (const auto& entry : fs::recursive_directory_iterator(root))
    if (entry.is_regular_file() && entry.path().filename() == "workspace.json")
      cases.push_back(fs::relative(entry.path().parent_path(), root).generic_string());
  std::sort(cases.begin(), cases.end());
  return cases;
}

// Everything one case's benchmarks need, built once and kept alive by the closures.
struct Case {
  hfx::Workspace workspace;
  hfx::Model model;
  std::vector<double> data, init;
};

std::shared_ptr<const Case> load_case(const fs::path& dir) {
  hfx::Workspace ws = hfx::Workspace::load((dir / "workspace.json").string());
  hfx::ModelOptions options;
  const auto& meas = ws.measurement();
  bool poi_is_modifier = false;
  for (const auto& channel : ws.channels())
    for (const auto& sample : channel.samples)
      for (const auto& modifier : sample.modifiers) poi_is_modifier |= modifier.name == meas.poi;
  if (!poi_is_modifier) options.poi_name = std::string();
  hfx::Model model = hfx::compile(ws, options);
  std::vector<double> data = hfx::observed_data(ws, model);
  std::vector<double> init = model.suggested_init();
  return std::make_shared<const Case>(Case{std::move(ws), std::move(model), std::move(data), std::move(init)});
}

void bench_nll(benchmark::State& state, const std::shared_ptr<const Case>& c,
               hfx::Evaluator::Arithmetic arithmetic = hfx::Evaluator::Arithmetic::pyhf) {
  hfx::Evaluator ev(c->model, arithmetic);
  ev.set_data(c->data);
  for (auto _ : state) benchmark::DoNotOptimize(ev.nll(c->init));
  state.SetItemsProcessed(state.iterations());
  state.counters["npars"] = static_cast<double>(c->model.npars());
  state.counters["nbins"] = static_cast<double>(c->model.nmaindata());
}

void bench_nll_grad(benchmark::State& state, const std::shared_ptr<const Case>& c,
                    hfx::Evaluator::Arithmetic arithmetic = hfx::Evaluator::Arithmetic::pyhf) {
  hfx::Evaluator ev(c->model, arithmetic);
  ev.set_data(c->data);
  std::vector<double> grad(c->model.npars());
  for (auto _ : state) {
    benchmark::DoNotOptimize(ev.nll_and_grad(c->init, grad));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["npars"] = static_cast<double>(c->model.npars());
  state.counters["nbins"] = static_cast<double>(c->model.nmaindata());
}

}  // namespace

int main(int argc, char** argv) {
  const fs::path root = HFX_BENCH_DATA;
  for (const auto& name : reference_cases(root)) {
    std::shared_ptr<const Case> c;
    try {
      c = load_case(root / name);
    } catch (const std::exception& e) {
      std::cerr << "hfx_bench_eval: skipping " << name << ": " << e.what() << "\n";
      continue;
    }
    benchmark::RegisterBenchmark(("nll/" + name).c_str(), [c](benchmark::State& s) { bench_nll(s, c); });
    benchmark::RegisterBenchmark(("nll_grad/" + name).c_str(), [c](benchmark::State& s) { bench_nll_grad(s, c); });
    // The arithmetic fits use (vectorised logs, cancellation-free Poisson constraints).
    benchmark::RegisterBenchmark(("nll_fit/" + name).c_str(),
                                 [c](benchmark::State& s) { bench_nll(s, c, hfx::Evaluator::Arithmetic::stable); });
    benchmark::RegisterBenchmark(("nll_grad_fit/" + name).c_str(), [c](benchmark::State& s) {
      bench_nll_grad(s, c, hfx::Evaluator::Arithmetic::stable);
    });
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
