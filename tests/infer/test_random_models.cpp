// Property test over random small valid models: random channels, samples, modifiers and
// data go through compile, fit, hypotest and upper limit. Every outcome must be a result
// with a status or an hfx::Error (a typed, one-line error): no other exception, no
// crash, no NaN presented as a converged result, and toys independent of the thread
// count.
#include "hfx/errors.hpp"
#include "hfx/infer.hpp"
#include "hfx/model.hpp"
#include "hfx/toys.hpp"
#include "hfx/workspace.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <string>

namespace hfx {
namespace {

class RandomModel {
 public:
  explicit RandomModel(std::uint64_t seed) : rng_(seed) {}

  // A valid workspace: 1-3 channels of 1-4 bins, 1-3 background samples each plus a
  // signal sample scaled by the POI "mu" in the first channel, random modifiers, data
  // drawn around the background (zeros included).
  Json workspace() {
    Json channels = Json::array(), observations = Json::array();
    const int nch = uniform(1, 3);
    for (int c = 0; c < nch; ++c) {
      const int nbins = uniform(1, 4);
      Json samples = Json::array();
      std::vector<double> total(static_cast<std::size_t>(nbins), 0.0);
      const int nsamples = uniform(1, 3) + (c == 0 ? 1 : 0);
      for (int s = 0; s < nsamples; ++s) {
        const bool signal = c == 0 && s == 0;
        Json sample = {{"name", signal ? "signal" : "bkg" + std::to_string(s)}};
        std::vector<double> nominal;
        for (int b = 0; b < nbins; ++b) {
          nominal.push_back(real(signal ? 0.5 : 1.0, signal ? 20.0 : 200.0));
          total[static_cast<std::size_t>(b)] += nominal.back();
        }
        sample["data"] = nominal;
        Json mods = Json::array();
        if (signal) mods.push_back({{"name", "mu"}, {"type", "normfactor"}, {"data", nullptr}});
        const int nmods = uniform(0, 3);
        for (int m = 0; m < nmods; ++m) mods.push_back(modifier(c, nominal));
        dedupe(mods);
        sample["modifiers"] = mods;
        samples.push_back(sample);
      }
      const std::string name = "ch" + std::to_string(c);
      channels.push_back({{"name", name}, {"samples", samples}});
      std::vector<double> observed;
      for (double t : total) observed.push_back(std::floor(real(0.0, 2.0 * t)));
      observations.push_back({{"name", name}, {"data", observed}});
    }
    Json params = Json::array();
    if (uniform(0, 3) == 0) params.push_back({{"name", "mu"}, {"bounds", {{0, real(2.0, 50.0)}}}});
    if (has_lumi_)
      params.push_back({{"name", "lumi"}, {"auxdata", {1.0}}, {"sigmas", {real(0.01, 0.2)}}, {"bounds", {{0.5, 1.5}}},
                        {"inits", {1.0}}});
    return {{"channels", channels},
            {"observations", observations},
            {"measurements", {{{"name", "meas"}, {"config", {{"poi", "mu"}, {"parameters", params}}}}}},
            {"version", "1.0.0"}};
  }

 private:
  Json modifier(int channel, const std::vector<double>& nominal) {
    const std::string suffix = uniform(0, 1) ? "shared" : "ch" + std::to_string(channel);
    std::vector<double> hi, lo, err;
    for (double v : nominal) {
      hi.push_back(v * real(1.0, 1.6));
      lo.push_back(v * real(0.4, 1.0));
      err.push_back(v * real(0.01, 0.5));
    }
    switch (uniform(0, 6)) {
      case 0: return {{"name", "norm_" + suffix}, {"type", "normsys"}, {"data", {{"hi", real(1.0, 1.5)}, {"lo", real(0.5, 1.0)}}}};
      case 1: return {{"name", "shape_" + suffix}, {"type", "histosys"}, {"data", {{"hi_data", hi}, {"lo_data", lo}}}};
      case 2: return {{"name", "shapesys_ch" + std::to_string(channel) + "_" + std::to_string(uniform(0, 9))},
                      {"type", "shapesys"}, {"data", err}};
      case 3: return {{"name", "staterror_ch" + std::to_string(channel)}, {"type", "staterror"}, {"data", err}};
      case 4: return {{"name", "free_" + suffix}, {"type", "normfactor"}, {"data", nullptr}};
      case 5: has_lumi_ = true; return {{"name", "lumi"}, {"type", "lumi"}, {"data", nullptr}};
      default: return {{"name", "sf_ch" + std::to_string(channel)}, {"type", "shapefactor"}, {"data", nullptr}};
    }
  }
  // One modifier of a (name, type) per sample, as the specification requires.
  static void dedupe(Json& mods) {
    Json out = Json::array();
    for (const auto& m : mods) {
      const bool seen = std::any_of(out.begin(), out.end(), [&](const Json& o) { return o["name"] == m["name"]; });
      if (!seen) out.push_back(m);
    }
    mods = out;
  }
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  double real(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }

  std::mt19937_64 rng_;
  bool has_lumi_ = false;
};

// A workspace the generator made, or an hfx::Error for a combination the specification
// forbids (e.g. one name used as two modifier types): both are fine outcomes.
std::optional<Workspace> load(std::uint64_t seed) {
  try {
    return Workspace(RandomModel(seed).workspace());
  } catch (const Error&) {
    return std::nullopt;
  }
}

TEST(RandomModels, EveryOutcomeIsAResultWithStatusOrATypedError) {
  int tested = 0, compiled = 0, converged_fits = 0, limits = 0;
  for (std::uint64_t seed = 0; seed < 120; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const auto ws = load(seed);
    if (!ws) continue;
    ++tested;
    try {
      const Model model = compile(*ws);
      ++compiled;
      const auto data = observed_data(*ws, model);
      const FitResult f = fit(model, data, FitProblem::from_model(model));
      if (f.converged()) {
        ++converged_fits;
        EXPECT_TRUE(std::isfinite(f.nll));
        for (double x : f.x) EXPECT_TRUE(std::isfinite(x));
      } else {
        EXPECT_FALSE(f.message.empty()) << to_string(f.status);
      }
      const HypotestResult h = hypotest(1.0, model, data);
      if (h.all_converged()) {
        EXPECT_GE(h.cls, 0.0);
        EXPECT_LE(h.cls, 1.0 + 1e-12);
        for (double e : h.cls_expected) EXPECT_TRUE(e >= 0 && e <= 1 + 1e-12) << e;
      }
      if (seed % 3 == 0) {
        const UpperLimitResult ul = upper_limit(model, data);
        if (ul.fit_problems.empty()) {
          ++limits;
          EXPECT_TRUE(std::isnan(ul.observed) || ul.observed >= 0) << ul.observed;
        }
      }
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  }
  // The generator must mostly make models that fit, or the test tests nothing.
  EXPECT_GT(tested, 100);
  EXPECT_GT(compiled, 90);
  EXPECT_GT(converged_fits, 80);
  EXPECT_GT(limits, 25);
}

TEST(RandomModels, ToysDoNotDependOnTheThreadCount) {
  int compared = 0;
  for (std::uint64_t seed = 200; seed < 210 && compared < 5; ++seed) {
    const auto ws = load(seed);
    if (!ws) continue;
    std::optional<Model> compiled;
    try {
      compiled.emplace(compile(*ws));
    } catch (const Error&) {
      continue;
    }
    const Model& model = *compiled;
    const auto data = observed_data(*ws, model);
    ToyOptions opt;
    opt.ntoys = 40;
    opt.seed = seed;
    opt.threads = 1;
    const ToyResult one = toy_hypotest(1.0, model, data, opt);
    opt.threads = 2;
    const ToyResult two = toy_hypotest(1.0, model, data, opt);
    EXPECT_EQ(one.sb_teststats, two.sb_teststats) << seed;
    EXPECT_EQ(one.b_teststats, two.b_teststats) << seed;
    EXPECT_EQ(one.cls_problem, two.cls_problem) << seed;
    EXPECT_EQ(std::isnan(one.cls), !one.cls_problem.empty()) << seed;
    ++compared;
  }
  EXPECT_GE(compared, 4);
}

}  // namespace
}  // namespace hfx
