// The analytic gradient against central finite differences on every reference workspace.
#include "hfx/evaluator.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"
#include "compile/model_data.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace hfx {
namespace {

class GradientCase : public ::testing::TestWithParam<std::string> {};

// Random points near the suggested init (within bounds): constrained parameters within
// +-0.6 (normal), +-10% (staterror, lumi), free factors within [0.5, 1.5].
std::vector<double> random_point(const Model& m, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  auto x = m.suggested_init();
  for (const auto& p : m.parameter_sets())
    for (std::size_t i = 0; i < p.size; ++i) {
      double& v = x[p.offset + i];
      double span = p.constraint == ConstraintType::normal && p.type != ModifierType::staterror && p.type != ModifierType::lumi
                        ? 0.6
                        : 0.1 * std::max(1.0, std::abs(v));
      // Poisson-constrained gammas within ~2 standard deviations (1/sqrt(tau)): with
      // tau ~ 1e11 (3L-eRJR) a 10% move makes the NLL ~1e9 and finite differences useless.
      if (p.constraint == ConstraintType::poisson) span = std::min(span, 2.0 / std::sqrt(p.factors[i]));
      v = std::clamp(v + span * u(rng), p.bounds[i].first, p.bounds[i].second);
      if (p.type == ModifierType::normfactor || p.type == ModifierType::shapefactor) v = 1.0 + 0.5 * u(rng);
    }
  return x;
}

void check_gradient(const Model& m, const std::vector<double>& data, const std::vector<double>& x, const std::string& what,
                    Evaluator::Arithmetic arithmetic = Evaluator::Arithmetic::pyhf) {
  Evaluator ev(m, arithmetic);
  ev.set_data(data);
  std::vector<double> g(m.npars());
  const double f = ev.nll_and_grad(x, g);
  ASSERT_TRUE(std::isfinite(f)) << what << ": " << ev.nonfinite_reason();
  if (arithmetic == Evaluator::Arithmetic::pyhf) {
    EXPECT_NEAR(f, -m.logpdf(x, data), 1e-9 * std::max(1.0, std::abs(f)));
  }
  // Parameters whose Poisson constraint has tau > 1e8 (3L-eRJR has one at 1.9e11) are
  // not checked: the NLL there has terms ~1e12 whose rounding (~1e-3) swamps any finite
  // difference on the parameter's own scale (1/sqrt(tau) ~ 3e-6). The same code path is
  // checked through every other shapesys parameter.
  std::vector<bool> skip(m.npars(), false);
  for (const auto& p : m.parameter_sets())
    if (p.constraint == ConstraintType::poisson)
      for (std::size_t k = 0; k < p.size; ++k) skip[p.offset + k] = p.factors[k] > 1e8;
  std::vector<double> xp = x;
  for (std::size_t i = 0; i < m.npars(); ++i) {
    if (skip[i]) continue;
    // Five-point stencil: truncation error O(h^4), rounding error ~ eps * |f| / h.
    const double h = 1e-4 * std::max(1.0, std::abs(x[i]));
    auto f_at = [&](double xi) {
      xp[i] = xi;
      const double v = ev.nll(xp);
      xp[i] = x[i];
      return v;
    };
    const double fd = (f_at(x[i] - 2 * h) - 8 * f_at(x[i] - h) + 8 * f_at(x[i] + h) - f_at(x[i] + 2 * h)) / (12 * h);
    // The analytic gradient must agree to 1e-6 relative (absolute floor near zero).
    EXPECT_NEAR(g[i], fd, 1e-6 * std::max(1.0, std::abs(fd))) << what << " d/d " << m.par_names()[i];
  }
}

// The fits' arithmetic computes the rates and the NLL's sums with its own kernels
// (panels, normsys sweep with block products, vectorised constraint and main terms):
// they must equal pyhf's to rounding.
void check_fit_rates(const Model& m, const std::vector<double>& x, const std::string& what) {
  Evaluator ev(m, Evaluator::Arithmetic::stable);
  const auto rates = ev.expected_main(x);
  const auto expected = m.expected_actualdata(x);
  for (std::size_t g = 0; g < expected.size(); ++g)
    EXPECT_NEAR(rates[g], expected[g], 1e-12 * std::abs(expected[g])) << what << " bin " << g;
  // The NLL of data that are not the model's own prediction at x (a quarter more in
  // every main bin, rounded), against the pyhf arithmetic's term-by-term sums.
  auto data = m.expected_data(x);
  for (std::size_t g = 0; g < m.nmaindata(); ++g) data[g] = std::round(1.25 * data[g]);
  Evaluator ref(m, Evaluator::Arithmetic::pyhf);
  ev.set_data(data);
  ref.set_data(data);
  const double want = ref.nll(x);
  EXPECT_NEAR(ev.nll(x), want, 1e-10 * std::max(1.0, std::abs(want))) << what << " NLL";
}

// channel_jacobian (one sweep, used by the Newton fits) against jacobian (one reverse
// sweep per bin, whose rows are the gradient code checked above), in both arithmetics.
// With after_nll, the Jacobian follows an NLL at the same point (a line search's last
// trial): it reuses that NLL's sweep, which skipped the derivatives that
// channel_jacobian then adds.
void check_channel_jacobian(const Model& m, const std::vector<double>& x, const std::string& what,
                            Evaluator::Arithmetic arithmetic = Evaluator::Arithmetic::pyhf, bool after_nll = false) {
  Evaluator ev(m, arithmetic);
  const std::size_t n = m.npars(), nmain = m.nmaindata();
  std::vector<double> full(nmain * n), blocks;
  ev.jacobian(x, full);
  if (after_nll) {
    ev.set_data(m.expected_data(x));
    (void)ev.nll(x);
  }
  const auto rates = ev.channel_jacobian(x, blocks);
  const auto& d = m.data();
  const auto expected = m.expected_actualdata(x);
  for (std::size_t g = 0; g < nmain; ++g) EXPECT_NEAR(rates[g], expected[g], 1e-12 * std::abs(expected[g])) << what;
  std::size_t g = 0;
  for (std::size_t c = 0; c < d.channels.size(); ++c) {
    const std::uint32_t* pars = d.channel_pars.data() + d.channel_par_begin[c];
    const std::size_t mc = d.channel_par_begin[c + 1] - d.channel_par_begin[c];
    for (std::size_t j = 0; j < d.channel_nbins[c]; ++j, ++g) {
      std::vector<double> row(n, 0.0);
      for (std::size_t a = 0; a < mc; ++a) row[pars[a]] = blocks[ev.channel_jacobian_offset(c) + j * mc + a];
      for (std::size_t p = 0; p < n; ++p)
        EXPECT_NEAR(row[p], full[g * n + p], 1e-10 * std::max(1.0, std::abs(full[g * n + p])))
            << what << " bin " << g << " d/d " << m.par_names()[p];
    }
  }
}

TEST_P(GradientCase, AnalyticGradientMatchesFiniteDifferences) {
  const std::string dir = "reference/" + GetParam();
  const Workspace ws = Workspace::load(test::data_path(dir + "/workspace.json"));
  std::mt19937_64 rng(12345);
  for (const auto& [ncode, hcode] : std::vector<std::pair<InterpCode, InterpCode>>{
           {InterpCode::code4, InterpCode::code4p}, {InterpCode::code1, InterpCode::code0}, {InterpCode::code4, InterpCode::code2}}) {
    ModelOptions opts;
    opts.normsys_interp = ncode;
    opts.histosys_interp = hcode;
    const Model m = compile(ws, opts);
    const auto data = observed_data(ws, m);
    for (int k = 0; k < 3; ++k) {
      const auto x = random_point(m, rng);
      check_gradient(m, data, x, "random point " + std::to_string(k));
      check_gradient(m, data, x, "random point " + std::to_string(k) + ", fit arithmetic",
                     Evaluator::Arithmetic::stable);
      check_channel_jacobian(m, x, "random point " + std::to_string(k));
      check_channel_jacobian(m, x, "random point " + std::to_string(k) + ", fit arithmetic",
                             Evaluator::Arithmetic::stable);
      check_channel_jacobian(m, x, "random point " + std::to_string(k) + ", fit arithmetic, after an NLL",
                             Evaluator::Arithmetic::stable, true);
      check_fit_rates(m, x, "random point " + std::to_string(k));
    }
    // Beyond the interpolation's polynomial region: every normal-constrained parameter
    // at +-1.7, the sign alternating over the model's parameters (so both exponential
    // branches of normsys sets, which have one parameter each, are reached).
    auto far = m.suggested_init();
    std::size_t nfar = 0;
    for (const auto& p : m.parameter_sets())
      if (p.constraint == ConstraintType::normal && p.type != ModifierType::staterror && p.type != ModifierType::lumi)
        for (std::size_t i = 0; i < p.size; ++i) far[p.offset + i] = (nfar++ % 2 ? -1.7 : 1.7);
    check_channel_jacobian(m, far, "far point");
    check_channel_jacobian(m, far, "far point, fit arithmetic", Evaluator::Arithmetic::stable);
    check_channel_jacobian(m, far, "far point, fit arithmetic, after an NLL", Evaluator::Arithmetic::stable, true);
    check_fit_rates(m, far, "far point");
    // The gradient there (outside +-1 the interpolations are smooth), in both arithmetics,
    // where the rates stay positive.
    Evaluator probe(m);
    probe.set_data(data);
    if (std::isfinite(probe.nll(far))) {
      check_gradient(m, data, far, "far point");
      check_gradient(m, data, far, "far point, fit arithmetic", Evaluator::Arithmetic::stable);
    }
    // code0 and code1 have a kink at alpha = 0 (one-sided derivatives differ), so the
    // suggested init is only a differentiable point for the smooth default codes.
    if (ncode != InterpCode::code4 || hcode == InterpCode::code0) continue;
    check_gradient(m, data, m.suggested_init(), "init");
    // The POI at exactly zero: block factors must not divide by it.
    if (m.poi_index()) {
      auto x = m.suggested_init();
      x[*m.poi_index()] = 0.0;
      check_gradient(m, data, x, "poi=0");
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Reference, GradientCase, ::testing::ValuesIn(test::reference_cases()),
                         [](const auto& param_info) { return test::case_name(param_info.param); });

}  // namespace
}  // namespace hfx
