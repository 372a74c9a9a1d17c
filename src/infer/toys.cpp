// The toy calculator: pyhf's ToyCalculator (distributions, pvalues, expected_pvalues)
// with the toys fitted in parallel. See toys.hpp for what is computed.
#include "hfx/errors.hpp"
#include "hfx/toys.hpp"

#include <fmt/format.h>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>

namespace hfx {
namespace detail {
double test_statistic_value(TestStatistic ts, double mu, double muhat, double nll_fixed, double nll_free);
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// pyhf's ToyCalculator.expected_pvalues: percentiles of -2..+2 standard deviations.
constexpr double kBandPercentiles[5] = {2.27501319, 15.86552539, 50.0, 84.13447461, 97.72498681};

// True when the test statistic is 0 whatever the conditional fit gives (the clipping
// of q/qtilde for muhat > mu and of q0 for muhat < mu): that fit is then skipped.
bool clipped(TestStatistic ts, double mu, double muhat) {
  switch (ts) {
    case TestStatistic::q0: return muhat < mu;
    case TestStatistic::q:
    case TestStatistic::qtilde: return muhat > mu;
    default: return false;
  }
}

// Per-thread state, made once per thread and reused for every toy it fits.
struct Worker {
  Worker(const Model& m, std::size_t ndata, std::size_t npars)
      : ev(m, Evaluator::Arithmetic::stable), toy(ndata), start(npars) {}
  Evaluator ev;
  std::vector<double> toy, start;
};

struct Hypothesis {
  const ToySampler* sampler;
  const std::vector<double>* generating;  // parameters the toys are drawn at
};

Band band_of(std::vector<double>& values) {
  std::sort(values.begin(), values.end());
  Band b{};
  for (int k = 0; k < 5; ++k) b[k] = percentile_linear(values, kBandPercentiles[k]);
  return b;
}

}  // namespace

bool ToyResult::observed_fits_converged() const {
  return obs_free_fit.converged() && obs_fixed_fit.converged() && sb_generating_fit.converged() &&
         b_generating_fit.converged();
}

std::string ToyResult::observed_fit_problem() const {
  if (observed_fits_converged()) return "";
  return fmt::format("a fit to the observed data did not converge (free: {}, fixed at mu: {}, fixed at the b-only "
                     "point: {})", to_string(obs_free_fit.status), to_string(obs_fixed_fit.status),
                     to_string(b_generating_fit.status));
}

double empirical_pvalue(std::span<const double> sorted_samples, double value) {
  if (sorted_samples.empty()) return kNaN;  // pyhf: 0 / 0
  if (std::isnan(value)) return 0.0;
  const auto below = std::lower_bound(sorted_samples.begin(), sorted_samples.end(), value) - sorted_samples.begin();
  return static_cast<double>(sorted_samples.size() - static_cast<std::size_t>(below)) /
         static_cast<double>(sorted_samples.size());
}

double percentile_linear(std::span<const double> v, double q) {
  if (v.empty()) return kNaN;
  // numpy: virtual index (n - 1) * q / 100, then _lerp, which for t >= 0.5 interpolates
  // from the upper neighbour (so the result is exact at both ends).
  const double idx = static_cast<double>(v.size() - 1) * (q / 100.0);
  const double lo_f = std::floor(idx);
  const auto lo = static_cast<std::size_t>(lo_f);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  const double t = idx - lo_f;
  const double a = v[lo], b = v[hi], diff = b - a;
  return t >= 0.5 ? b - diff * (1.0 - t) : a + diff * t;
}

ToyResult toy_hypotest(double mu, const Model& model, std::span<const double> data, const ToyOptions& options) {
  const TestStatistic ts = options.test_stat;
  if (ts == TestStatistic::t || ts == TestStatistic::ttilde)
    throw Unsupported("the toy calculator supports the test statistics q0, q and qtilde (as pyhf)");
  detail::require_finite_poi_value(mu);
  const FitProblem problem = options.problem.init.empty() ? FitProblem::from_model(model) : options.problem;
  const std::size_t poi = detail::require_free_poi(model, problem);
  const FitOptions& fopt = options.fit_options;
  auto fixed_at = [&](double value) { return problem.with_fixed(poi, value); };
  const FitProblem fixed_mu = fixed_at(mu);
  const double mu_b = ts == TestStatistic::q0 ? 1.0 : 0.0;

  ToyResult r;
  r.poi = mu;
  r.ntoys = options.ntoys;
  r.seed = options.seed;

  // Observed test statistic. Its conditional fit at mu is also the s+b generating point
  // (pyhf refits the same problem from the suggested init; the minimum is the same).
  Evaluator ev(model, Evaluator::Arithmetic::stable);
  ev.set_data(data);
  r.obs_free_fit = minimize(ev, problem, fopt);
  std::vector<double> start = r.obs_free_fit.x;
  start[poi] = mu;
  r.obs_fixed_fit = minimize(ev, fixed_mu, fopt, start);
  r.teststat_obs = detail::test_statistic_value(ts, mu, r.obs_free_fit.x[poi], r.obs_fixed_fit.nll, r.obs_free_fit.nll);
  r.sb_generating_fit = r.obs_fixed_fit;
  start = r.obs_free_fit.x;
  start[poi] = mu_b;
  r.b_generating_fit = minimize(ev, fixed_at(mu_b), fopt, start);

  detail::require_valid_expected(model, r.sb_generating_fit.x, "the signal+background toys' generating fit");
  detail::require_valid_expected(model, r.b_generating_fit.x, "the background-only toys' generating fit");
  const ToySampler sb_sampler(model, r.sb_generating_fit.x), b_sampler(model, r.b_generating_fit.x);
  const Hypothesis hyp[2] = {{&sb_sampler, &r.sb_generating_fit.x}, {&b_sampler, &r.b_generating_fit.x}};

  // Toy i < n is s+b toy i, toy n + i is b toy i; each writes only its own slot.
  const std::size_t n = options.ntoys, total = 2 * n;
  std::vector<double> stat(total, kNaN);
  std::vector<char> failed(total, 0), known(total, 0);
  for (const ToyOutcome& k : options.known) {
    if ((k.hypothesis != 0 && k.hypothesis != 1) || k.index >= n)
      throw InvalidPdfParameters(fmt::format("a known toy outcome (hypothesis {}, index {}) is outside the {} toys",
                                             k.hypothesis, k.index, n));
    const std::size_t i = static_cast<std::size_t>(k.hypothesis) * n + k.index;
    known[i] = 1;
    if (k.converged) stat[i] = k.value;
    else failed[i] = 1;
  }
  std::mutex outcome_mutex;
  std::atomic<std::size_t> done{static_cast<std::size_t>(std::count(known.begin(), known.end(), 1))};
  std::mutex progress_mutex;
  std::size_t reported = 0;
  const std::size_t report_every = std::max<std::size_t>(1, total / 200);

  tbb::enumerable_thread_specific<Worker> workers(
      [&] { return Worker(model, model.nmaindata() + model.nauxdata(), model.npars()); });
  auto run_toy = [&](std::size_t i) {
    if (known[i]) return;
    Worker& w = workers.local();
    const int h = i < n ? 0 : 1;
    const std::size_t index = h == 0 ? i : i - n;
    std::mt19937_64 rng = toy_rng(options.seed, index, h);
    hyp[h].sampler->sample(rng, w.toy);
    w.ev.set_data(w.toy);
    const std::vector<double>& gen = *hyp[h].generating;
    const FitResult free_fit = minimize(w.ev, problem, fopt, gen);
    bool ok = free_fit.converged();
    double value = 0.0;
    if (ok && !clipped(ts, mu, free_fit.x[poi])) {
      std::copy(free_fit.x.begin(), free_fit.x.end(), w.start.begin());
      w.start[poi] = mu;
      const FitResult fixed_fit = minimize(w.ev, fixed_mu, fopt, w.start);
      ok = fixed_fit.converged();
      value = detail::test_statistic_value(ts, mu, free_fit.x[poi], fixed_fit.nll, free_fit.nll);
    }
    if (ok) stat[i] = value;
    else failed[i] = 1;
    if (options.on_toy) {
      std::lock_guard<std::mutex> lock(outcome_mutex);
      options.on_toy(ToyOutcome{h, index, ok, ok ? value : 0.0});
    }
    if (options.progress) {
      const std::size_t d = done.fetch_add(1, std::memory_order_relaxed) + 1;
      if (d % report_every == 0 && d < total) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        if (d > reported) {
          reported = d;
          options.progress(d, total);
        }
      }
    }
  };
  const int nthreads = options.threads ? static_cast<int>(options.threads) : tbb::info::default_concurrency();
  tbb::task_arena arena(nthreads);
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, total), [&](const tbb::blocked_range<std::size_t>& range) {
      for (std::size_t i = range.begin(); i != range.end(); ++i) run_toy(i);
    });
  });
  if (options.progress) options.progress(total, total);

  for (std::size_t i = 0; i < total; ++i) {
    const bool sb = i < n;
    if (failed[i]) ++(sb ? r.n_failed_sb : r.n_failed_b);
    else (sb ? r.sb_teststats : r.b_teststats).push_back(stat[i]);
  }

  if (r.sb_teststats.empty() || r.b_teststats.empty()) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    r.cls = r.clsb = r.clb = nan;
    r.cls_expected.fill(nan);
    r.clsb_expected.fill(nan);
    r.clb_expected.fill(nan);
    r.cls_problem = fmt::format("every toy fit of the {} hypothesis failed ({} of {}); no p-values",
                                r.sb_teststats.empty() ? "signal+background" : "background-only",
                                r.sb_teststats.empty() ? r.n_failed_sb : r.n_failed_b, n);
    return r;
  }

  // pyhf's ToyCalculator.pvalues and expected_pvalues.
  std::vector<double> sb_sorted = r.sb_teststats, b_sorted = r.b_teststats;
  std::sort(sb_sorted.begin(), sb_sorted.end());
  std::sort(b_sorted.begin(), b_sorted.end());
  r.clsb = empirical_pvalue(sb_sorted, r.teststat_obs);
  r.clb = empirical_pvalue(b_sorted, r.teststat_obs);
  r.cls = r.clsb / r.clb;
  std::vector<double> clsb_at(b_sorted.size()), clb_at(b_sorted.size()), cls_at(b_sorted.size());
  for (std::size_t k = 0; k < b_sorted.size(); ++k) {
    clsb_at[k] = empirical_pvalue(sb_sorted, b_sorted[k]);
    clb_at[k] = empirical_pvalue(b_sorted, b_sorted[k]);
    cls_at[k] = clsb_at[k] / clb_at[k];
  }
  r.clsb_expected = band_of(clsb_at);
  r.clb_expected = band_of(clb_at);
  r.cls_expected = band_of(cls_at);
  if (ts == TestStatistic::q0) {
    r.cls = r.clsb;
    r.cls_expected = r.clsb_expected;
  } else if (r.clb == 0) {
    // The b-only tail beyond the observed value is empty: CLs = CLs+b / CLb is 0/0 or
    // x/0. What the toys do say is that CLb is below their resolution.
    r.cls = std::numeric_limits<double>::quiet_NaN();
    r.clb_upper_bound = 1.0 / static_cast<double>(b_sorted.size());
    r.cls_problem = fmt::format(
        "CLs is undetermined: none of the {} background-only toys has a test statistic >= the observed {:.6g} "
        "(CLb = 0, so CLb < 1/{} = {:.3g}), and {} of {} signal+background toys do (CLs+b = {:.3g}); "
        "far more toys (of order 10/CLb) or the asymptotic calculator are needed",
        b_sorted.size(), r.teststat_obs, b_sorted.size(), *r.clb_upper_bound,
        static_cast<std::size_t>(std::llround(r.clsb * static_cast<double>(sb_sorted.size()))), sb_sorted.size(), r.clsb);
  }
  return r;
}

}  // namespace hfx
