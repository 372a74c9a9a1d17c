// simplify, HistFactory form: every region kept, samples merged by their free
// normalisations, the constrained parameters replaced by the principal directions of
// the merged yields' prior covariance, each a per-bin normsys.
#include "simplify_forms.hpp"

#include "hfx/errors.hpp"
#include "hfx/reinterpret.hpp"

#include <Eigen/Dense>
#include <Eigen/Eigenvalues>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace hfx {

namespace {

using Key = std::vector<std::string>;

// A dense eigendecomposition of this size takes seconds; beyond it the form is no simplification.
constexpr std::size_t kMaxGroupBins = 2000;  // the free normalisations (and POI) acting on a sample, sorted

std::string group_name(const Key& key, const std::string& poi) {
  const bool signal = std::find(key.begin(), key.end(), poi) != key.end();
  std::string name = signal ? "signal" : "background";
  for (const auto& k : key)
    if (k != poi) name += "_" + k;
  return name;
}

}  // namespace

SimplifiedLikelihood detail::simplify_histfactory(const Workspace& ws, const SimplifyOptions& options) {
  const MeasurementSpec& meas = ws.measurement(options.measurement);
  ModelOptions mopts;
  mopts.measurement = meas.name;
  const Model model = compile(ws, mopts);
  const auto poi = model.poi_index();
  if (!poi) throw InvalidWorkspaceOperation("simplify: the model has no POI (the signal is the POI's sample)");
  const std::string& poi_name = *model.poi_name();
  const std::size_t npars = model.npars(), nmain = model.nmaindata();

  // Parameters: the prior variance of the constrained ones; the free ones are kept.
  const std::vector<bool> fixed = model.suggested_fixed();
  std::vector<double> x = model.suggested_init();
  std::vector<double> var(npars, 0.0);
  std::map<std::string, ModifierType> free;
  for (const auto& p : model.parameter_sets()) {
    if (p.name == poi_name) continue;
    bool any_free = false;
    for (std::size_t i = 0; i < p.size; ++i) {
      const std::size_t k = p.offset + i;
      if (fixed[k]) continue;
      if (p.constraint == ConstraintType::normal) {
        const double s = p.sigmas.empty() ? 1.0 : p.sigmas[i];
        var[k] = s * s;
      } else if (p.constraint == ConstraintType::poisson) {
        var[k] = 1.0 / p.factors[i];
      } else {
        any_free = true;
        x[k] = 1.0;  // the kept normalisation multiplies the merged yields
      }
    }
    if (!any_free) continue;
    if (p.type != ModifierType::normfactor && p.type != ModifierType::shapefactor)
      throw InvalidWorkspaceOperation(fmt::format("simplify: the free parameter '{}' ({}) cannot be kept in a HistFactory "
                                                  "simplified likelihood; only free normfactors and shapefactors can",
                                                  p.name, p.kind.empty() ? std::string(to_string(p.type)) : p.kind));
    free.emplace(p.name, p.type);
  }
  x[*poi] = 1.0;

  // Groups: the samples of each channel by the free normalisations acting on them.
  SimplifiedLikelihood out{.workspace = ws};
  std::map<Key, std::size_t> group_of_key;
  std::map<std::pair<std::string, std::string>, std::size_t> group_of;  // (channel, sample) -> group
  std::vector<Key> keys;
  for (const auto& c : ws.channels())
    for (const auto& s : c.samples) {
      Key key;
      for (const auto& m : s.modifiers)
        if (m.name == poi_name || free.count(m.name)) key.push_back(m.name);
      std::sort(key.begin(), key.end());
      key.erase(std::unique(key.begin(), key.end()), key.end());
      auto [it, added] = group_of_key.emplace(key, keys.size());
      if (added) {
        keys.push_back(key);
        out.groups.push_back({group_name(key, poi_name), {}, {}});
        for (const auto& k : key) out.groups.back().normalisations.push_back(k);
      }
      auto& members = out.groups[it->second].samples;
      if (std::find(members.begin(), members.end(), s.name) == members.end()) members.push_back(s.name);
      group_of.emplace(std::pair{c.name, s.name}, it->second);
    }
  const std::size_t G = keys.size(), rows = G * nmain;
  if (rows > kMaxGroupBins)
    throw InvalidWorkspaceOperation(fmt::format(
        "simplify: {} groups x {} bins = {} merged yields, more than the {} whose covariance the histfactory form "
        "decomposes; simplify each analysis, or use --form covariance on the signal regions",
        G, nmain, rows, kMaxGroupBins));
  std::vector<std::size_t> channel_offset(model.channels().size());
  for (std::size_t c = 0, off = 0; c < model.channels().size(); off += model.channel_nbins()[c], ++c) channel_offset[c] = off;
  auto yields = [&](const std::vector<double>& pars) {
    Eigen::VectorXd y = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(rows));
    for (const auto& s : model.expected_by_sample(pars)) {
      const std::size_t g = group_of.at({model.channels()[s.channel], model.samples()[s.sample]});
      for (std::size_t j = 0; j < s.yields.size(); ++j)
        y[static_cast<Eigen::Index>(g * nmain + channel_offset[s.channel] + j)] += s.yields[j];
    }
    return y;
  };
  const Eigen::VectorXd y0 = yields(x);

  // The merged yields' prior covariance J V J^T (V diagonal) and its principal directions,
  // mapped back to the parameters: d_k = V J^T u_k / sqrt(lambda_k), the most probable
  // parameter shift that moves the yields by one standard deviation along u_k.
  std::vector<std::size_t> constrained;
  for (std::size_t k = 0; k < npars; ++k)
    if (var[k] > 0) constrained.push_back(k);
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(npars));
  for (const std::size_t k : constrained) {
    const double h = 1e-6 * std::sqrt(var[k]);
    std::vector<double> up = x, down = x;
    up[k] += h;
    down[k] -= h;
    J.col(static_cast<Eigen::Index>(k)) = (yields(up) - yields(down)) / (2 * h);
  }
  const Eigen::VectorXd V = Eigen::Map<const Eigen::VectorXd>(var.data(), static_cast<Eigen::Index>(npars));
  const Eigen::MatrixXd JV = J * V.asDiagonal();
  const Eigen::MatrixXd M = JV * J.transpose();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(M);
  const auto bounds = model.suggested_bounds();
  std::vector<Eigen::VectorXd> hi, lo;
  const double lmax = eig.eigenvalues().size() ? eig.eigenvalues().maxCoeff() : 0.0;
  double total = 0, kept = 0;
  for (Eigen::Index k = eig.eigenvalues().size() - 1; k >= 0; --k) total += std::max(eig.eigenvalues()[k], 0.0);
  for (Eigen::Index k = eig.eigenvalues().size() - 1; k >= 0; --k) {
    const double lambda = eig.eigenvalues()[k];
    if (!(lambda > 1e-10 * lmax) || (options.components > 0 && hi.size() == options.components)) break;
    kept += lambda;
    const Eigen::VectorXd d = JV.transpose() * eig.eigenvectors().col(k) / std::sqrt(lambda);
    std::vector<double> up = x, down = x;
    for (std::size_t i = 0; i < npars; ++i) {
      up[i] = std::clamp(x[i] + d[static_cast<Eigen::Index>(i)], bounds[i].first, bounds[i].second);
      down[i] = std::clamp(x[i] - d[static_cast<Eigen::Index>(i)], bounds[i].first, bounds[i].second);
    }
    hi.push_back(yields(up));
    lo.push_back(yields(down));
  }
  out.components = hi.size();
  out.variance_kept = total > 0 ? kept / total : 1.0;

  // The workspace: per channel, group and bin a sample with that bin's merged yield, the
  // group's normalisations and a normsys per direction (its ratios at +-1 sigma).
  Json channels = Json::array();
  for (const auto& c : ws.channels()) {
    const std::size_t ci = static_cast<std::size_t>(
        std::find(model.channels().begin(), model.channels().end(), c.name) - model.channels().begin());
    const std::size_t nb = model.channel_nbins()[ci];
    Json samples = Json::array();
    for (std::size_t g = 0; g < G; ++g)
      for (std::size_t j = 0; j < nb; ++j) {
        const Eigen::Index r = static_cast<Eigen::Index>(g * nmain + channel_offset[ci] + j);
        const double nominal = y0[r];
        if (nominal == 0) {
          bool varies = false;
          for (std::size_t k = 0; k < hi.size(); ++k) varies = varies || hi[k][r] != 0 || lo[k][r] != 0;
          out.dropped_bins += varies;
          continue;
        }
        std::vector<double> data(nb, 0.0);
        data[j] = nominal;
        Json mods = Json::array();
        for (const auto& k : keys[g])
          mods.push_back(Json{{"name", k}, {"type", k == poi_name || free.at(k) == ModifierType::normfactor ? "normfactor" : "shapefactor"},
                              {"data", nullptr}});
        for (std::size_t k = 0; k < hi.size(); ++k) {
          double h = hi[k][r] / nominal, l = lo[k][r] / nominal;
          // A yield through zero has no log-normal response: mirror the other side's (in
          // log space); when both sides cross zero the direction leaves this yield alone.
          if (!(h > 0) && !(l > 0)) {
            ++out.reflected;
            continue;
          }
          if (!(h > 0) || !(l > 0)) ++out.reflected;
          if (!(h > 0)) h = 1 / l;
          if (!(l > 0)) l = 1 / h;
          if (std::abs(h - 1) < 1e-9 && std::abs(l - 1) < 1e-9) continue;  // below any yield's precision
          mods.push_back(Json{{"name", fmt::format("pc_{}", k + 1)}, {"type", "normsys"}, {"data", Json{{"hi", h}, {"lo", l}}}});
        }
        const std::string name = nb == 1 ? out.groups[g].name : fmt::format("{}_bin{}", out.groups[g].name, j);
        samples.push_back(Json{{"name", name}, {"data", data}, {"modifiers", mods}});
      }
    channels.push_back(Json{{"name", c.name}, {"samples", samples}});
  }
  Json observations = Json::array();
  for (const auto& o : ws.observations()) observations.push_back(Json{{"name", o.name}, {"data", o.data}});
  Json parameters = Json::array();
  for (const auto& p : ws.document().at("measurements"))
    if (p.at("name") == meas.name)
      for (const auto& cfg : p.at("config").value("parameters", Json::array()))
        if (cfg.at("name") == poi_name || free.count(cfg.at("name").get<std::string>())) parameters.push_back(cfg);
  Json doc{{"channels", channels},
           {"observations", observations},
           {"measurements", Json::array({Json{{"name", meas.name}, {"config", Json{{"poi", poi_name}, {"parameters", parameters}}}}})},
           {"version", "1.0.0"}};
  try {
    out.workspace = Workspace(std::move(doc));
    (void)compile(out.workspace);
  } catch (const InvalidSpecification& e) {
    throw InvalidWorkspaceOperation(fmt::format("simplify: the derived simplified likelihood is not valid: {}", e.what()));
  }
  return out;
}

}  // namespace hfx
