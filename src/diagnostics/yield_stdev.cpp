// Uncertainties of expected yields from parameter uncertainties and correlations, by
// symmetric one-sigma variations (cabinetry's model_utils.yield_stdev).
#include "hfx/diagnostics.hpp"
#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <cmath>

namespace hfx {
namespace {

// Every yield as one flat vector: per channel, samples x bins, then the total per bin,
// then the channel's sum, then each sample's sum. Channel c starts at offsets[c]; offsets.back() is the size.
std::vector<std::size_t> flat_offsets(const Model& model) {
  const std::size_t ns = model.samples().size();
  std::vector<std::size_t> offset(model.channels().size() + 1, 0);
  for (std::size_t c = 0; c < model.channels().size(); ++c)
    offset[c + 1] = offset[c] + (ns + 1) * model.channel_nbins()[c] + 1 + ns;
  return offset;
}

std::vector<double> flat_yields(const Model& model, const std::vector<std::size_t>& offset, std::span<const double> pars) {
  const std::size_t ns = model.samples().size();
  std::vector<double> out(offset.back(), 0.0);
  for (const auto& y : model.expected_by_sample(pars)) {
    const std::size_t nb = model.channel_nbins()[y.channel], base = offset[y.channel];
    for (std::size_t b = 0; b < nb; ++b) {
      out[base + y.sample * nb + b] = y.yields[b];
      out[base + ns * nb + b] += y.yields[b];
      out[base + (ns + 1) * nb] += y.yields[b];
      out[base + (ns + 1) * nb + 1 + y.sample] += y.yields[b];
    }
  }
  return out;
}

}  // namespace

std::vector<ChannelYieldStdev> yield_stdev(const Model& model, std::span<const double> pars,
                                           std::span<const double> sigma, std::span<const double> correlations) {
  const std::size_t n = model.npars();
  if (pars.size() != n || sigma.size() != n || !(correlations.empty() || correlations.size() == n * n))
    throw InvalidPdfParameters(fmt::format("yield_stdev: expected {} parameters and uncertainties and {}^2 correlations", n, n));
  const std::vector<std::size_t> offset = flat_offsets(model);
  const std::size_t entries = offset.back();
  std::vector<std::size_t> varied;
  std::vector<std::vector<double>> delta;  // per varied parameter: (up - down) / 2 of every yield
  std::vector<double> shifted(pars.begin(), pars.end());
  for (std::size_t i = 0; i < n; ++i) {
    if (!(sigma[i] > 0)) continue;
    shifted[i] = pars[i] + sigma[i];
    std::vector<double> d = flat_yields(model, offset, shifted);
    shifted[i] = pars[i] - sigma[i];
    const std::vector<double> down = flat_yields(model, offset, shifted);
    shifted[i] = pars[i];
    for (std::size_t e = 0; e < d.size(); ++e) d[e] = (d[e] - down[e]) / 2;
    varied.push_back(i);
    delta.push_back(std::move(d));
  }
  std::vector<double> variance(entries, 0.0);
  for (std::size_t a = 0; a < varied.size(); ++a) {
    for (std::size_t e = 0; e < entries; ++e) variance[e] += delta[a][e] * delta[a][e];
    if (correlations.empty()) continue;
    for (std::size_t b = 0; b < a; ++b) {
      const double rho = correlations[varied[a] * n + varied[b]];
      if (rho == 0) continue;
      for (std::size_t e = 0; e < entries; ++e) variance[e] += 2 * rho * delta[a][e] * delta[b][e];
    }
  }
  const std::size_t ns = model.samples().size();
  std::vector<ChannelYieldStdev> out(model.channels().size());
  for (std::size_t c = 0; c < model.channels().size(); ++c) {
    const std::size_t nb = model.channel_nbins()[c];
    const auto sd = [&](std::size_t e) { return std::sqrt(std::max(variance[offset[c] + e], 0.0)); };
    out[c].samples.assign(ns, std::vector<double>(nb));
    for (std::size_t s = 0; s < ns; ++s)
      for (std::size_t b = 0; b < nb; ++b) out[c].samples[s][b] = sd(s * nb + b);
    for (std::size_t b = 0; b < nb; ++b) out[c].total.push_back(sd(ns * nb + b));
    out[c].sum = sd((ns + 1) * nb);
    for (std::size_t s = 0; s < ns; ++s) out[c].sample_sums.push_back(sd((ns + 1) * nb + 1 + s));
  }
  return out;
}

}  // namespace hfx
