// Per-channel, per-sample yields with their uncertainties: what `hfx yields`, its plot and
// the report show.
#include "hfx/diagnostics.hpp"
#include "converged_fit.hpp"
#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hfx {

std::vector<ChannelYields> channel_yields(const Model& model, std::span<const double> pars,
                                          std::span<const double> observed_main, std::span<const double> sigma,
                                          std::span<const double> correlations) {
  if (observed_main.size() != model.nmaindata())
    throw InvalidPdfParameters(
        fmt::format("channel_yields: {} observed values for {} main bins", observed_main.size(), model.nmaindata()));
  const std::vector<double> expected = model.expected_actualdata(pars);
  std::vector<ChannelYields> out(model.channels().size());
  std::size_t begin = 0;
  for (std::size_t c = 0; c < out.size(); ++c) {
    const std::size_t nbins = model.channel_nbins()[c];
    out[c].name = model.channels()[c];
    out[c].total.assign(expected.begin() + static_cast<std::ptrdiff_t>(begin),
                        expected.begin() + static_cast<std::ptrdiff_t>(begin + nbins));
    out[c].observed.assign(observed_main.begin() + static_cast<std::ptrdiff_t>(begin),
                           observed_main.begin() + static_cast<std::ptrdiff_t>(begin + nbins));
    for (double v : out[c].total) out[c].sum += v;
    begin += nbins;
  }
  // expected_by_sample lists the blocks in no promised order: place them by sample index.
  std::vector<std::vector<std::size_t>> sample_ids(out.size());
  auto blocks = model.expected_by_sample(pars);
  std::stable_sort(blocks.begin(), blocks.end(), [](const auto& a, const auto& b) {
    return a.channel != b.channel ? a.channel < b.channel : a.sample < b.sample;
  });
  for (auto& b : blocks) {
    out[b.channel].samples.push_back(model.samples()[b.sample]);
    out[b.channel].yields.push_back(std::move(b.yields));
    sample_ids[b.channel].push_back(b.sample);
  }
  if (sigma.empty()) return out;
  const std::vector<ChannelYieldStdev> stdev = yield_stdev(model, pars, sigma, correlations);
  for (std::size_t c = 0; c < out.size(); ++c) {
    for (std::size_t k : sample_ids[c]) out[c].stdev.push_back(stdev[c].samples[k]);
    out[c].total_stdev = stdev[c].total;
    out[c].sum_stdev = stdev[c].sum;
  }
  return out;
}

PrefitPostfitYields prefit_postfit_yields(const Model& model, std::span<const double> data, const FitProblem& problem,
                                          bool postfit, const FitOptions& options) {
  PrefitPostfitYields r;
  const auto main = data.first(model.nmaindata());
  r.prefit = channel_yields(model, problem.init, main, prefit_uncertainties(model, problem));
  if (!postfit) return r;
  FitOptions o = options;
  o.uncertainties = o.correlations = true;
  r.fit = detail::converged_fit(model, data, problem, o, "fit");
  r.postfit = channel_yields(model, r.fit.x, main, r.fit.uncertainties, r.fit.correlations);
  return r;
}

}  // namespace hfx
