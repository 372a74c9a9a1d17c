// Asymptotic inference with pyhf's conventions: test statistics, hypothesis tests
// (CLs), upper limits and discovery significance.
//
// References: Cowan, Cranmer, Gross, Vitells, "Asymptotic formulae for likelihood-based
// tests of new physics", arXiv:1007.1727 (eqs. 16, 53-66); pyhf.infer.
#pragma once

#include "hfx/fit.hpp"
#include "hfx/model.hpp"

#include <array>
#include <atomic>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hfx {

enum class TestStatistic { q0, q, qtilde, t, ttilde };
TestStatistic test_statistic_from_string(std::string_view s);  // "q0", "q", "qtilde", "tmu"...
std::string_view to_string(TestStatistic t);

// A test-statistic value and the two fits behind it.
struct TestStatResult {
  double value = 0;
  FitResult free_fit, fixed_fit;
};

// pyhf's infer.test_statistics.{q0, qmu, qmu_tilde, tmu, tmu_tilde}: 2*(nll(fixed) -
// nll(free)) clipped at 0, and for q/qtilde 0 when muhat > mu (q0: 0 when muhat < 0);
// 0 when muhat == mu (both fits are then one problem).
// The tilde variants are the same computation with the POI's lower bound at 0 (as in
// pyhf, the bounds in `problem` decide). Throws UnspecifiedPOI.
TestStatResult test_statistic(TestStatistic ts, double mu, const Model& model, std::span<const double> data,
                              const FitProblem& problem, const FitOptions& options = {});

// The expected band order used everywhere: -2, -1, 0, +1, +2 sigma (pyhf's order).
using Band = std::array<double, 5>;

struct HypotestResult {
  double poi = 0;
  double cls = 0, clsb = 0, clb = 0;  // observed (for q0: cls = p0, clsb = p0, clb = CLb)
  Band cls_expected{};               // for q0: expected p0 band
  Band clsb_expected{}, clb_expected{};
  double teststat = 0;      // observed test statistic value (pyhf's calculator scale)
  double qmu = 0, qmu_asimov = 0;
  FitResult free_fit, fixed_fit, asimov_free_fit, asimov_fixed_fit;
  bool all_converged() const;
  // "" when all_converged(), else a one-line message with the four fits' statuses.
  std::string fit_problem() const;
};

namespace detail {
// Throws UnspecifiedPOI when the model has no POI, and InvalidModel (naming the POI and
// its bounds) when `problem` fixes it or gives it bounds of zero width: a hypothesis
// test of a parameter that cannot move would print CLs = 1 for any data (pyhf raises
// InvalidModel too). Returns the POI's index.
std::size_t require_free_poi(const Model& model, const FitProblem& problem);
// Throws InvalidModel, naming the channel and bin, unless the model's expected main data
// at `pars` are finite and >= 0: data generated there (Asimov, toys) would be no counts.
// `what` says which point it is.
void require_valid_expected(const Model& model, std::span<const double> pars, std::string_view what);
// Throws InvalidPdfParameters unless the tested POI value `mu` is finite.
void require_finite_poi_value(double mu);
// Size of one fit step of the model: table entries one likelihood evaluation walks plus
// npars^2 for the Newton step's dense algebra.
std::size_t fit_step_work(const Model& model);
// From this fit_step_work on, a hypotest's independent fits run concurrently
// (AsymptoticCalculator::parallel()).
inline constexpr std::size_t kParallelFitWork = 2000;
inline bool parallel_fits_pay(const Model& model) { return fit_step_work(model) >= kParallelFitWork; }
}  // namespace detail

// Asymptotic calculator (pyhf's AsymptoticCalculator with the "normal" base
// distribution). Fits that do not depend on mu (the free fits and the Asimov dataset,
// built from the conditional fit at mu = 0, or 1 for q0, on the observed data with
// auxdata) are made once; each mu's conditional fits are cached. Every fit starts from
// the suggested init (as pyhf's), never from another mu's solution.
// Uses both cores internally (independent fits run concurrently) when the model is large
// enough for that to pay (see parallel()); not safe to share between caller threads --
// make one per thread.
class AsymptoticCalculator {
 public:
  AsymptoticCalculator(const Model& model, std::vector<double> data, TestStatistic ts = TestStatistic::qtilde,
                       FitProblem problem = {}, FitOptions options = {});
  HypotestResult hypotest(double mu);
  // Expected CLs band alone (needs only the Asimov fits).
  Band expected_cls(double mu);
  // sqrt(q_mu) on the Asimov dataset, which alone determines the expected band; cached.
  double sqrt_qmu_asimov(double mu);
  // Observed CLs alone; cached fits.
  double observed_cls(double mu);
  const std::vector<double>& asimov_data();
  int fits_performed() const { return fits_; }
  // One line for each fit made so far that did not converge (which fit, at which mu,
  // its status and message); empty when all converged. Not to be called while another
  // member function runs.
  std::vector<std::string> fit_problems() const;
  // Whether independent fits run concurrently: only when one likelihood evaluation is
  // large enough (detail::parallel_fits_pay) that a fit outlasts handing it to a worker
  // thread. The results do not depend on it.
  bool parallel() const { return parallel_; }

 private:
  // The observed side (free fit to the data) and the Asimov side (conditional fit at
  // mu = 0 or 1, the Asimov dataset and its free fit) touch disjoint members, so the
  // two sides -- including their conditional fits -- run concurrently.
  void ensure_free_data();
  void ensure_asimov_data();
  void ensure_free_asimov();
  FitResult conditional_fit(Evaluator& ev, double mu);
  TestStatResult make_stat(double mu, const FitResult& free_fit, FitResult fixed_fit) const;
  TestStatResult stat_on(Evaluator& ev, double mu, const FitResult& free_fit);
  const Model* model_;
  std::vector<double> data_;
  TestStatistic ts_;
  FitProblem problem_;
  FitOptions options_;
  // ev_data_: fits to the data; ev_generate_: the Asimov-generating fit (also on the
  // data, but run concurrently with ev_data_'s), then the Asimov free fit;
  // ev_asimov_: conditional fits to the Asimov data.
  Evaluator ev_data_, ev_generate_, ev_asimov_;
  std::optional<FitResult> free_data_, free_asimov_;
  std::vector<double> asimov_;
  std::optional<FitResult> asimov_fit_;  // the conditional fit the Asimov data come from
  std::map<double, TestStatResult> obs_cache_, asimov_cache_;
  const TestStatResult& obs_stat(double mu);
  const TestStatResult& asimov_stat(double mu);
  double observed_teststat(double qmu, double qmu_asimov) const;
  std::atomic<int> fits_{0};
  bool parallel_ = true;
};

// One-shot pyhf.infer.hypotest.
HypotestResult hypotest(double mu, const Model& model, std::span<const double> data,
                        TestStatistic ts = TestStatistic::qtilde, const FitProblem* problem = nullptr,
                        const FitOptions& options = {});

struct UpperLimitResult {
  double observed = 0;  // NaN where CLs does not cross the level (in a scan's range)
  Band expected{};
  int hypotests = 0;  // CLs evaluations performed
  std::vector<std::pair<double, double>> scan;  // (mu, observed CLs) at evaluated points (sorted)
  // The POI's upper bound: a limit above it is where the model is not defined, so it is
  // no limit (callers report it as bounded, as pyhf refuses it).
  double poi_upper_bound = 0;
  bool above_bound(double limit) const { return limit > poi_upper_bound; }
  // upper_limit_scan's result: a NaN limit means no crossing within the scanned range.
  bool from_scan = false;
  // Why `limit` (observed or an expected entry) is no limit, "" when it is one: CLs does
  // not cross `level` (NaN), or the limit is above the POI's upper bound.
  std::string problem(double limit, double level) const;
  // Fits behind the result that did not converge (AsymptoticCalculator::fit_problems);
  // when not empty the limits are not to be trusted and must not be reported as results.
  std::vector<std::string> fit_problems;
};

// Upper limit on mu at CLs = level by TOMS748 root finding (Boost.Math), observed and
// each expected band entry separately. The expected band depends on mu only through
// sqrt(q_mu,A), so each expected limit is the root of sqrt(q_mu,A)(mu) = a_k with a_k in
// closed form -- a nearly linear function, bracketed from a first Asimov evaluation.
// Brackets extend beyond the POI's bounds when needed (as pyhf's do). rtol is relative.
UpperLimitResult upper_limit(const Model& model, std::span<const double> data, double level = 0.05,
                             TestStatistic ts = TestStatistic::qtilde, double rtol = 1e-5, const FitOptions& options = {});
// Upper limit from a scan: CLs at each mu, the level crossing by linear interpolation.
UpperLimitResult upper_limit_scan(const Model& model, std::span<const double> data, std::span<const double> mus,
                                  double level = 0.05, TestStatistic ts = TestStatistic::qtilde,
                                  const FitOptions& options = {});

struct SignificanceResult {
  double q0 = 0;
  double p0_observed = 0, z_observed = 0;
  double p0_expected = 0, z_expected = 0;  // median, from the Asimov dataset at mu = 1
  Band p0_expected_band{};
  FitResult free_fit;
  // Fits behind the result that did not converge (AsymptoticCalculator::fit_problems).
  std::vector<std::string> fit_problems;
};
// Discovery significance from q0 (pyhf's hypotest(0, test_stat="q0")).
SignificanceResult significance(const Model& model, std::span<const double> data, const FitOptions& options = {});

}  // namespace hfx
