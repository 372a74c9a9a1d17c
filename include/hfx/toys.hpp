// Toy-based hypothesis tests: pyhf's ToyCalculator (pyhf.infer.calculators), run in
// parallel, reproducibly and without giving up on a failed toy fit.
//
// What is computed (as pyhf's hypotest(..., calctype="toybased")):
//   * the observed test statistic on the data;
//   * signal+background toys sampled from the model at the conditional fit at
//     mu = poi_test on the observed data, background-only toys at the conditional fit at
//     mu = 0 (mu = 1 for q0); a toy is the main bins drawn Poisson(expected rate) and the
//     auxdata drawn from each constraint's own distribution: Normal(par, sigma) for
//     normal constraints, Poisson(par * tau) for Poisson constraints (pyhf's
//     model.make_pdf(pars).sample());
//   * the test statistic on every toy, with the problem's init/bounds/fixed;
//   * CLs+b = fraction of s+b toys with a test statistic >= the observed one, CLb = the
//     same fraction of the b toys, CLs = CLs+b / CLb (pyhf's EmpiricalDistribution.pvalue);
//   * the expected band: (CLs+b, CLb, CLs) evaluated at every b-toy test statistic, then
//     each taken at the percentiles 2.275, 15.87, 50, 84.13, 97.72 of those values with
//     numpy's linear interpolation (pyhf's ToyCalculator.expected_pvalues). So the band
//     runs from -2 to +2 sigma like the asymptotic one, and each band entry of CLs is a
//     percentile of CLs values, not a ratio of percentiles.
//
// Reproducibility: each toy draws from its own generator, std::mt19937_64 seeded by a
// splitmix64 hash of (seed, toy index, hypothesis). Results are bit-identical for any
// thread count. The random numbers differ from numpy's, so results agree with pyhf's
// statistically, not bit for bit.
//
// Failures: a toy whose fit does not converge is counted (n_failed_sb / n_failed_b) and
// left out of the distributions; it never throws. The generating and observed fits are
// reported in the result; callers decide what a non-converged one means.
#pragma once

#include "hfx/fit.hpp"
#include "hfx/infer.hpp"
#include "hfx/model.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <span>
#include <vector>

namespace hfx {

// The outcome of one toy: its test statistic, or a fit that did not converge.
struct ToyOutcome {
  int hypothesis = 0;     // 0 = s+b, 1 = b-only
  std::size_t index = 0;  // toy index within its hypothesis, < ntoys
  bool converged = true;
  double value = 0;       // the test statistic when converged
};

struct ToyOptions {
  std::size_t ntoys = 2000;  // per hypothesis (s+b and b each)
  std::uint64_t seed = 0;
  // Worker threads; 0 = all cores (TBB's default concurrency). Results do not depend on it.
  unsigned threads = 0;
  TestStatistic test_stat = TestStatistic::qtilde;  // q0, q or qtilde (as pyhf)
  // Optional. Called with (toys done, toys in total = 2 * ntoys) from worker threads,
  // never concurrently, at most ~200 times, and once more at the end.
  std::function<void(std::size_t done, std::size_t total)> progress;
  // Resuming an interrupted run: outcomes already known (same model, data, mu, seed,
  // test statistic and problem) are taken as they are, not recomputed. Since each toy's
  // random numbers depend only on (seed, index, hypothesis), the result equals an
  // uninterrupted run's. Entries out of range throw InvalidPdfParameters.
  std::vector<ToyOutcome> known;
  // Optional. Called with each toy's outcome as it is computed (not for `known` ones),
  // from worker threads, never concurrently: a caller can save them as they come.
  std::function<void(const ToyOutcome&)> on_toy;
  // Problem (init, bounds, fixed) for every fit; empty = the model's suggestions.
  FitProblem problem;
  FitOptions fit_options;
};

struct ToyResult {
  double poi = 0;
  // Observed p-values. For q0 (as pyhf's hypotest): cls = clsb = p0.
  double cls = 0, clsb = 0, clb = 0;
  // Expected band, -2 sigma to +2 sigma (percentiles of the b-only toys, see above).
  // For q0: cls_expected = clsb_expected.
  Band cls_expected{}, clsb_expected{}, clb_expected{};
  double teststat_obs = 0;
  // Test statistics of the toys whose fits converged, in toy-index order.
  std::vector<double> sb_teststats, b_teststats;
  std::size_t ntoys = 0;
  std::uint64_t seed = 0;
  std::size_t n_failed_sb = 0, n_failed_b = 0;
  std::size_t n_failed() const { return n_failed_sb + n_failed_b; }
  // Empty when the observed CLs is determined. Otherwise why not, and cls is NaN: no
  // background-only toy reaches the observed test statistic (CLb = 0; then
  // clb_upper_bound = 1 / number of b-only toys), or every toy fit of one hypothesis
  // failed (all p-values NaN). Callers must report this instead of a number.
  std::string cls_problem;
  std::optional<double> clb_upper_bound;
  // Fits on the observed data: the test statistic's two fits and the generating points.
  FitResult obs_free_fit, obs_fixed_fit, sb_generating_fit, b_generating_fit;
  bool observed_fits_converged() const;
  // "" when observed_fits_converged(), else a one-line message with the fits' statuses.
  std::string observed_fit_problem() const;
};

// pyhf.infer.hypotest(mu, data, model, calctype="toybased", ntoys=..., test_stat=...).
// `data` is main + auxdata. Throws UnspecifiedPOI, Unsupported (t/ttilde), InvalidPdfData.
ToyResult toy_hypotest(double mu, const Model& model, std::span<const double> data, const ToyOptions& options = {});

// --- building blocks (also used by the tests) ---

// Draws toy datasets (main + auxdata) from the model at fixed parameters. Immutable
// after construction and safe to share between threads; sample() writes into the
// caller's span (size nmaindata + nauxdata) and allocates nothing.
class ToySampler {
 public:
  ToySampler(const Model& model, std::span<const double> pars);
  void sample(std::mt19937_64& rng, std::span<double> out) const;
  std::size_t size() const { return draws_.size(); }

  // How one value is drawn: Normal(mean, sigma) when sigma > 0, else Poisson(mean) with
  // the sampler's constants for that mean precomputed in c (see sampling.cpp).
  struct Draw {
    double mean = 0, sigma = 0;
    double c[6] = {};
  };

 private:
  std::vector<Draw> draws_;  // main bins, then auxdata
};

// The generator of toy `index` of one hypothesis (0 = s+b, 1 = b), from `seed`.
std::mt19937_64 toy_rng(std::uint64_t seed, std::uint64_t index, int hypothesis);

// Poisson and standard-normal variates with a fixed algorithm (independent of the C++
// standard library): PTRS (Hoermann 1993) for mean >= 10, inversion below.
double sample_poisson(std::mt19937_64& rng, double mean);
double sample_standard_normal(std::mt19937_64& rng);

// pyhf's EmpiricalDistribution.pvalue: fraction of `sorted_samples` >= value.
double empirical_pvalue(std::span<const double> sorted_samples, double value);
// numpy.percentile(values, q, method="linear") of ascending `sorted_values`, q in [0, 100].
double percentile_linear(std::span<const double> sorted_values, double q);

}  // namespace hfx
