// Where a toy's time goes: sampling, binding the data, the free fit and the conditional
// fit, timed separately on one thread (the same steps toy_hypotest runs per toy).
//
//   hfx_profile_toys WORKSPACE [NTOYS=200] [MU=1]
#include "hfx/evaluator.hpp"
#include "hfx/fit.hpp"
#include "hfx/toys.hpp"
#include "hfx/workspace.hpp"

#include <fmt/format.h>

#include <chrono>
#include <string>

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  if (argc < 2) {
    fmt::print(stderr, "usage: hfx_profile_toys WORKSPACE [NTOYS] [MU]\n");
    return 2;
  }
  const int ntoys = argc > 2 ? std::stoi(argv[2]) : 200;
  const double mu = argc > 3 ? std::stod(argv[3]) : 1.0;
  const hfx::Workspace ws = hfx::Workspace::load(argv[1]);
  const hfx::Model m = hfx::compile(ws);
  const auto data = hfx::observed_data(ws, m);
  const std::size_t poi = *m.poi_index();
  const auto problem = hfx::FitProblem::from_model(m);
  auto fixed_at = [&](double v) { return problem.with_fixed(poi, v); };
  const auto fixed_mu = fixed_at(mu);
  hfx::Evaluator ev(m, hfx::Evaluator::Arithmetic::stable);
  ev.set_data(data);
  const auto gen_sb = hfx::minimize(ev, fixed_mu, {}).x;
  const auto gen_b = hfx::minimize(ev, fixed_at(0.0), {}).x;

  double t_sample = 0, t_bind = 0, t_free = 0, t_fixed = 0, t_eval = 0;
  long ev_free = 0, ev_fixed = 0, it_free = 0, it_fixed = 0, nfixed = 0, nfailed = 0;
  std::vector<double> toy(m.nmaindata() + m.nauxdata()), start(m.npars()), grad(m.npars());
  auto secs = [](Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); };
  for (int h = 0; h < 2; ++h) {
    const auto& gen = h == 0 ? gen_sb : gen_b;
    const hfx::ToySampler sampler(m, gen);
    for (int i = 0; i < ntoys; ++i) {
      auto t0 = Clock::now();
      auto rng = hfx::toy_rng(1, static_cast<std::uint64_t>(i), h);
      sampler.sample(rng, toy);
      auto t1 = Clock::now();
      ev.set_data(toy);
      auto t2 = Clock::now();
      const auto free_fit = hfx::minimize(ev, problem, {}, gen);
      auto t3 = Clock::now();
      t_sample += secs(t0, t1), t_bind += secs(t1, t2), t_free += secs(t2, t3);
      ev_free += free_fit.evaluations, it_free += free_fit.iterations;
      if (!free_fit.converged()) ++nfailed;
      if (free_fit.x[poi] <= mu) {
        start = free_fit.x;
        start[poi] = mu;
        auto t4 = Clock::now();
        const auto fixed_fit = hfx::minimize(ev, fixed_mu, {}, start);
        t_fixed += secs(t4, Clock::now());
        ev_fixed += fixed_fit.evaluations, it_fixed += fixed_fit.iterations, ++nfixed;
        if (!fixed_fit.converged()) ++nfailed;
      }
    }
  }
  // Cost of one NLL + gradient evaluation, for scale.
  const int nev = 20000;
  auto t5 = Clock::now();
  double sink = 0;
  for (int k = 0; k < nev; ++k) sink += ev.nll_and_grad(gen_sb, grad);
  t_eval = secs(t5, Clock::now()) / nev;

  const double n = 2.0 * ntoys, total = t_sample + t_bind + t_free + t_fixed;
  fmt::print("{} parameters, {} main bins, {} auxdata; {} toys (s+b and b), {} conditional fits, {} failed\n", m.npars(),
             m.nmaindata(), m.nauxdata(), 2 * ntoys, nfixed, nfailed);
  fmt::print("per toy: total {:8.1f} us\n", 1e6 * total / n);
  fmt::print("  sampling       {:8.1f} us  ({:4.1f}%)\n", 1e6 * t_sample / n, 100 * t_sample / total);
  fmt::print("  set_data       {:8.1f} us  ({:4.1f}%)\n", 1e6 * t_bind / n, 100 * t_bind / total);
  fmt::print("  free fit       {:8.1f} us  ({:4.1f}%)  {:.1f} evaluations, {:.1f} iterations per fit\n", 1e6 * t_free / n,
             100 * t_free / total, ev_free / n, it_free / n);
  fmt::print("  fixed fit      {:8.1f} us  ({:4.1f}%)  {:.1f} evaluations, {:.1f} iterations per fit ({} fits)\n",
             1e6 * t_fixed / n, 100 * t_fixed / total, nfixed ? double(ev_fixed) / nfixed : 0.0,
             nfixed ? double(it_fixed) / nfixed : 0.0, nfixed);
  fmt::print("one nll_and_grad: {:.2f} us; evaluations account for {:.0f}% of fit time\n", 1e6 * t_eval,
             100 * t_eval * (ev_free + ev_fixed) / (t_free + t_fixed));
  return sink == 0.123 ? 1 : 0;
}
