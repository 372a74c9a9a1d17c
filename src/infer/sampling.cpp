// Toy datasets: pyhf's model.make_pdf(pars).sample() -- main bins Poisson at the
// expected rates, auxdata from each constraint's own distribution -- with fixed
// algorithms for the variates, so that a toy depends only on its seed.
#include "hfx/errors.hpp"
#include "hfx/toys.hpp"

#include "eval/log_gamma.hpp"

#include <cmath>
#include <numbers>

namespace hfx {

namespace {

// splitmix64's finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mixer, so nearby
// (seed, index) pairs give unrelated generator seeds.
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Uniform in [0, 1) with 53 random bits.
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace

std::mt19937_64 toy_rng(std::uint64_t seed, std::uint64_t index, int hypothesis) {
  std::uint64_t h = splitmix64(seed);
  h = splitmix64(h ^ index);
  h = splitmix64(h ^ static_cast<std::uint64_t>(hypothesis));
  return std::mt19937_64(h);
}

double sample_standard_normal(std::mt19937_64& rng) {
  // Box-Muller with one pair per variate: no state is carried between draws.
  const double u1 = 1.0 - uniform01(rng);  // (0, 1]
  const double u2 = uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

namespace {

// Poisson(mean) sampling, with everything that depends only on the mean precomputed.
// Below mean 10: inversion by sequential search (c[0] = exp(-mean)). From 10 on: PTRS,
// transformed rejection with squeeze, W. Hoermann, "The transformed rejection method
// for generating Poisson random variables", Insurance: Mathematics and Economics 12
// (1993) 39-45, with the constants given there.
ToySampler::Draw poisson_draw(double mean) {
  ToySampler::Draw d;
  d.mean = mean;
  if (!(mean > 0)) return d;
  if (mean < 10.0) {
    d.c[0] = std::exp(-mean);
    return d;
  }
  const double b = 0.931 + 2.53 * std::sqrt(mean);
  d.c[0] = b;
  d.c[1] = -0.059 + 0.02483 * b;                        // a
  d.c[2] = std::log(1.1239 + 1.1328 / (b - 3.4));        // log(1 / alpha)
  d.c[3] = 0.9277 - 3.6224 / (b - 2.0);                  // v_r
  d.c[4] = std::log(mean);
  return d;
}

double draw_poisson(std::mt19937_64& rng, const ToySampler::Draw& d) {
  const double mean = d.mean;
  if (!(mean > 0)) return 0.0;
  if (mean < 10.0) {
    double k = 0, prod = 1.0;
    for (;;) {
      prod *= uniform01(rng);
      if (prod <= d.c[0]) return k;
      k += 1;
    }
  }
  const double b = d.c[0], a = d.c[1], log_inv_alpha = d.c[2], vr = d.c[3], loglam = d.c[4];
  for (;;) {
    const double u = uniform01(rng) - 0.5;
    const double v = uniform01(rng);
    const double us = 0.5 - std::abs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (!(k >= 0) || (us < 0.013 && v > us)) continue;
    if (std::log(v) + log_inv_alpha - std::log(a / (us * us) + b) <= -mean + k * loglam - detail::log_gamma(k + 1.0))
      return k;
  }
}

}  // namespace

double sample_poisson(std::mt19937_64& rng, double mean) { return draw_poisson(rng, poisson_draw(mean)); }

ToySampler::ToySampler(const Model& model, std::span<const double> pars) {
  const std::vector<double> rate = model.expected_actualdata(pars);
  for (std::size_t i = 0; i < rate.size(); ++i)
    if (!(rate[i] >= 0) || !std::isfinite(rate[i]))
      throw InvalidPdfParameters("toys: the generating parameters give a negative or non-finite expected rate in main bin " +
                                 std::to_string(i));
  draws_.reserve(rate.size() + model.nauxdata());
  for (double r : rate) draws_.push_back(poisson_draw(r));
  // The auxiliary data: one per parameter of each constrained set, in parameter order.
  for (const auto& p : model.parameter_sets())
    for (std::size_t i = 0; i < p.size && p.constraint != ConstraintType::unconstrained; ++i) {
      const double x = pars[p.offset + i];
      if (p.constraint == ConstraintType::normal) {
        Draw d;
        d.mean = x;
        d.sigma = p.sigmas.empty() ? 1.0 : p.sigmas[i];
        draws_.push_back(d);
      } else {
        draws_.push_back(poisson_draw(x * p.factors[i]));
      }
    }
}

void ToySampler::sample(std::mt19937_64& rng, std::span<double> out) const {
  for (std::size_t i = 0; i < draws_.size(); ++i) {
    const Draw& d = draws_[i];
    out[i] = d.sigma > 0 ? d.mean + d.sigma * sample_standard_normal(rng) : draw_poisson(rng, d);
  }
}

}  // namespace hfx
