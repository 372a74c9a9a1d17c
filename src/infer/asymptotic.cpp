// The asymptotic calculator: CLs from the observed test statistic and the Asimov
// dataset (arXiv:1007.1727), computed as pyhf's AsymptoticCalculator computes it.
#include "hfx/errors.hpp"
#include "hfx/infer.hpp"

#include <fmt/format.h>
#include <tbb/task_group.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

namespace hfx {
namespace detail {
double test_statistic_value(TestStatistic ts, double mu, double muhat, double nll_fixed, double nll_free);
}

namespace {
double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// log(Phi(-x)), also where Phi(-x) underflows: beyond x = 30 from Phi(-x) = phi(x) / f(x)
// with f(x) = x + 1/(x + 2/(x + 3/(x + ...))), Mills' ratio's continued fraction
// (Abramowitz & Stegun 26.2.14), which 60 terms give to machine precision there.
double log_normal_sf(double x) {
  if (x < 30) return std::log(normal_cdf(-x));
  double f = x;
  for (int k = 60; k >= 1; --k) f = x + k / f;
  return -0.5 * x * x - 0.5 * std::log(2 * std::numbers::pi) - std::log(f);
}

// CLs = Phi(-(t + sqa)) / Phi(-t): the plain ratio, or from logarithms where CLb
// underflows (an observation tens of sigma below the expectation), which would be 0/0.
double cls_of(double t, double sqa) {
  const double clb = normal_cdf(-t);
  if (clb > 1e-290) return normal_cdf(-(t + sqa)) / clb;
  return std::exp(log_normal_sf(t + sqa) - log_normal_sf(t));
}
// The n-sigma order of the expected band: pyhf evaluates n = 2, 1, 0, -1, -2 of the
// background-only distribution, which gives CLs from the -2 sigma to the +2 sigma band.
constexpr double kBandSigmas[5] = {2, 1, 0, -1, -2};
// CLs+b and CLb of the background-only distribution's n-sigma expectations, given
// sqrt(q_mu,A): the test statistic is n, shifted by sqrt(q_mu,A) under s+b.
void expected_band(double sqa, Band& clsb, Band& clb) {
  for (int k = 0; k < 5; ++k) {
    const double n = kBandSigmas[k];
    clsb[k] = normal_cdf(-(n + sqa));
    clb[k] = normal_cdf(-n);
  }
}

// Runs f as a task of `tasks` when parallel, else at once on this thread.
template <class F>
void run_task(tbb::task_group& tasks, bool parallel, F&& f) {
  if (parallel)
    tasks.run(std::forward<F>(f));
  else
    f();
}
}  // namespace

std::size_t detail::fit_step_work(const Model& model) {
  // Measured (bench/hfx_bench_infer, hypotest with 1 vs 2 threads): staus (15,659) takes
  // 46 % less time on two cores, sbottom (6,876) 10 %, 3L-eRJR (5,765) 5 %; at 2,292
  // (litehf-single-channel-big) it is even, and the models below 100 fit in ~10 us,
  // where waking a sleeping worker thread costs as much as it saves.
  const std::size_t npars = model.npars();
  return model.table_entries() + npars * npars;
}

bool HypotestResult::all_converged() const {
  return free_fit.converged() && fixed_fit.converged() && asimov_free_fit.converged() && asimov_fixed_fit.converged();
}

std::string HypotestResult::fit_problem() const {
  if (all_converged()) return "";
  return fmt::format("a fit did not converge (free: {}, fixed: {}, Asimov free: {}, Asimov fixed: {})",
                     to_string(free_fit.status), to_string(fixed_fit.status), to_string(asimov_free_fit.status),
                     to_string(asimov_fixed_fit.status));
}

AsymptoticCalculator::AsymptoticCalculator(const Model& model, std::vector<double> data, TestStatistic ts,
                                           FitProblem problem, FitOptions options)
    : model_(&model), data_(std::move(data)), ts_(ts), problem_(std::move(problem)), options_(options),
      ev_data_(model, Evaluator::Arithmetic::stable), ev_generate_(model, Evaluator::Arithmetic::stable),
      ev_asimov_(model, Evaluator::Arithmetic::stable) {
  if (ts == TestStatistic::t || ts == TestStatistic::ttilde)
    throw Unsupported("the asymptotic calculator supports the test statistics q0, q and qtilde (as pyhf)");
  if (problem_.init.empty()) problem_ = FitProblem::from_model(model);
  detail::require_free_poi(model, problem_);
  parallel_ = detail::parallel_fits_pay(model);
  ev_data_.set_data(data_);
  ev_generate_.set_data(data_);
}

FitResult AsymptoticCalculator::conditional_fit(Evaluator& ev, double mu) {
  // Conditional fits start where pyhf's start (the suggested init with the POI at mu),
  // not from a neighbouring solution: likelihoods with large shape variations can have
  // several local minima, and a warm start from another mu can settle in a worse one
  // (seen on pyhf's 2bin_2channel_coupledhistosys Asimov fit at mu = 1).
  ++fits_;
  return minimize(ev, problem_.with_fixed(*model_->poi_index(), mu), options_);
}

TestStatResult AsymptoticCalculator::make_stat(double mu, const FitResult& free_fit, FitResult fixed_fit) const {
  TestStatResult r;
  r.free_fit = free_fit;
  r.fixed_fit = std::move(fixed_fit);
  r.value = detail::test_statistic_value(ts_, mu, free_fit.x[*model_->poi_index()], r.fixed_fit.nll, free_fit.nll);
  return r;
}

TestStatResult AsymptoticCalculator::stat_on(Evaluator& ev, double mu, const FitResult& free_fit) {
  return make_stat(mu, free_fit, conditional_fit(ev, mu));
}

void AsymptoticCalculator::ensure_free_data() {
  if (free_data_) return;
  free_data_ = minimize(ev_data_, problem_, options_);
  ++fits_;
}

void AsymptoticCalculator::ensure_asimov_data() {
  if (!asimov_.empty()) return;
  const std::size_t poi = *model_->poi_index();
  const double asimov_mu = ts_ == TestStatistic::q0 ? 1.0 : 0.0;
  const FitProblem fixed = problem_.with_fixed(poi, asimov_mu);
  asimov_fit_ = minimize(ev_generate_, fixed, options_);
  ++fits_;
  detail::require_valid_expected(*model_, asimov_fit_->x, "the fit generating the Asimov data");
  asimov_ = model_->expected_data(asimov_fit_->x, true);
  ev_asimov_.set_data(asimov_);
  // ev_generate_ has done its one job; from here on it is a second evaluator of the
  // Asimov data, so the Asimov free and conditional fits can run concurrently.
  ev_generate_.set_data(asimov_);
}

void AsymptoticCalculator::ensure_free_asimov() {
  ensure_asimov_data();
  if (free_asimov_) return;
  // The Asimov dataset's own best fit is the point it was generated from.
  free_asimov_ = minimize(ev_generate_, problem_, options_, asimov_fit_->x);
  ++fits_;
}

const std::vector<double>& AsymptoticCalculator::asimov_data() {
  ensure_asimov_data();
  return asimov_;
}

const TestStatResult& AsymptoticCalculator::obs_stat(double mu) {
  detail::require_finite_poi_value(mu);
  ensure_free_data();
  auto it = obs_cache_.find(mu);
  if (it == obs_cache_.end()) it = obs_cache_.emplace(mu, stat_on(ev_data_, mu, *free_data_)).first;
  return it->second;
}

const TestStatResult& AsymptoticCalculator::asimov_stat(double mu) {
  detail::require_finite_poi_value(mu);
  ensure_free_asimov();
  auto it = asimov_cache_.find(mu);
  if (it == asimov_cache_.end()) it = asimov_cache_.emplace(mu, stat_on(ev_asimov_, mu, *free_asimov_)).first;
  return it->second;
}

std::vector<std::string> AsymptoticCalculator::fit_problems() const {
  std::vector<std::string> out;
  const auto check = [&](const FitResult& f, const std::string& which) {
    if (!f.converged())
      out.push_back(fmt::format("{}: {}{}{}", which, to_string(f.status), f.message.empty() ? "" : ": ", f.message));
  };
  if (free_data_) check(*free_data_, "free fit to the data");
  if (asimov_fit_) check(*asimov_fit_, "fit generating the Asimov data");
  if (free_asimov_) check(*free_asimov_, "free fit to the Asimov data");
  for (const auto& [mu, stat] : obs_cache_) check(stat.fixed_fit, fmt::format("fit to the data at mu = {}", mu));
  for (const auto& [mu, stat] : asimov_cache_) check(stat.fixed_fit, fmt::format("fit to the Asimov data at mu = {}", mu));
  return out;
}

double AsymptoticCalculator::observed_teststat(double qmu, double qmu_asimov) const {
  const double sq = std::sqrt(qmu), sqa = std::sqrt(qmu_asimov);
  // qtilde's two branches (arXiv:1007.1727 eq. 66), with pyhf's routing of sqa == 0.
  if (ts_ == TestStatistic::qtilde && !(sq <= sqa || sqa == 0)) return (qmu - qmu_asimov) / (2 * sqa);
  return sq - sqa;
}

double AsymptoticCalculator::sqrt_qmu_asimov(double mu) { return std::sqrt(asimov_stat(mu).value); }

double AsymptoticCalculator::observed_cls(double mu) {
  tbb::task_group tasks;
  run_task(tasks, parallel_, [&] { obs_stat(mu); });
  const double qa = asimov_stat(mu).value;
  tasks.wait();
  const double t = observed_teststat(obs_stat(mu).value, qa);
  return ts_ == TestStatistic::q0 ? normal_cdf(-(t + std::sqrt(qa))) : cls_of(t, std::sqrt(qa));
}

HypotestResult AsymptoticCalculator::hypotest(double mu) {
  HypotestResult r;
  r.poi = mu;
  // The observed side (free and conditional fit to the data) and the Asimov side (its
  // generating fit, free fit and conditional fit) are independent: one per core. Each
  // touches only its own evaluators and cache.
  const TestStatResult* obs_ptr = nullptr;
  const TestStatResult* asi_ptr = nullptr;
  tbb::task_group tasks;
  run_task(tasks, parallel_, [&] { obs_ptr = &obs_stat(mu); });
  if (auto it = asimov_cache_.find(mu); it != asimov_cache_.end()) {
    asi_ptr = &it->second;
  } else {
    // Asimov side: after the generating fit, its free fit (one more task) and the
    // conditional fit at mu are independent.
    ensure_asimov_data();
    if (!free_asimov_) run_task(tasks, parallel_, [this] { ensure_free_asimov(); });
    FitResult fixed = conditional_fit(ev_asimov_, mu);
    tasks.wait();
    asi_ptr = &asimov_cache_.emplace(mu, make_stat(mu, *free_asimov_, std::move(fixed))).first->second;
  }
  tasks.wait();
  const TestStatResult& obs = *obs_ptr;
  const TestStatResult& asi = *asi_ptr;
  r.free_fit = obs.free_fit;
  r.fixed_fit = obs.fixed_fit;
  r.asimov_free_fit = asi.free_fit;
  r.asimov_fixed_fit = asi.fixed_fit;
  r.qmu = obs.value;
  r.qmu_asimov = asi.value;
  const double sqa = std::sqrt(asi.value);
  const double t = observed_teststat(obs.value, asi.value);
  r.teststat = t;
  r.clsb = normal_cdf(-(t + sqa));
  r.clb = normal_cdf(-t);
  r.cls = cls_of(t, sqa);
  expected_band(sqa, r.clsb_expected, r.clb_expected);
  for (int k = 0; k < 5; ++k) r.cls_expected[k] = r.clsb_expected[k] / r.clb_expected[k];
  if (ts_ == TestStatistic::q0) {
    r.cls = r.clsb;
    r.cls_expected = r.clsb_expected;
  }
  return r;
}

Band AsymptoticCalculator::expected_cls(double mu) {
  Band clsb{}, clb{}, cls{};
  expected_band(sqrt_qmu_asimov(mu), clsb, clb);
  for (int k = 0; k < 5; ++k) cls[k] = ts_ == TestStatistic::q0 ? clsb[k] : clsb[k] / clb[k];
  return cls;
}

HypotestResult hypotest(double mu, const Model& model, std::span<const double> data, TestStatistic ts,
                        const FitProblem* problem, const FitOptions& options) {
  AsymptoticCalculator calc(model, std::vector<double>(data.begin(), data.end()), ts,
                            problem ? *problem : FitProblem::from_model(model), options);
  return calc.hypotest(mu);
}

SignificanceResult significance(const Model& model, std::span<const double> data, const FitOptions& options) {
  AsymptoticCalculator calc(model, std::vector<double>(data.begin(), data.end()), TestStatistic::q0,
                            FitProblem::from_model(model), options);
  const HypotestResult h = calc.hypotest(0.0);
  SignificanceResult s;
  s.q0 = h.qmu;
  s.p0_observed = h.clsb;
  s.z_observed = std::sqrt(h.qmu);
  s.p0_expected_band = h.clsb_expected;
  s.p0_expected = h.clsb_expected[2];
  s.z_expected = std::sqrt(h.qmu_asimov);
  s.free_fit = h.free_fit;
  s.fit_problems = calc.fit_problems();
  return s;
}

}  // namespace hfx
