// simplify, HistFactory form: every region kept, samples merged by their free
// normalisations, the constrained parameters replaced by the principal directions of
// the merged yields' prior covariance, each a per-bin normsys (or histosys).
#include "simplify_forms.hpp"

#include "hfx/diagnostics.hpp"
#include "hfx/errors.hpp"
#include "hfx/reinterpret.hpp"

#include <Eigen/Dense>
#include <Eigen/Eigenvalues>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace hfx {

namespace {

// A dense eigendecomposition of this size takes seconds; beyond it the form is no simplification.
constexpr std::size_t kMaxGroupBins = 2000;
constexpr std::size_t kAbsent = std::numeric_limits<std::size_t>::max();

// The free normalisations (and POI) acting on a sample, sorted.
using Key = std::vector<std::string>;

std::string group_name(const Key& key, const std::string& poi, const std::set<std::string>& taken) {
  const bool signal = std::find(key.begin(), key.end(), poi) != key.end();
  std::string name = signal ? "signal" : "background";
  for (const auto& k : key)
    if (k != poi) name += "_" + k;
  std::string unique = name;
  for (int n = 2; taken.count(unique); ++n) unique = fmt::format("{}_{}", name, n);
  return unique;
}

// How errors name a parameter set's type: a unit kind by its JSON type.
std::string type_name(const ParameterSet& p) { return p.kind.empty() ? std::string(to_string(p.type)) : p.kind; }

// The response of one merged yield along one direction: y0 at the centre, y1[0/1] at
// +-1 and y2[0/1] at +-2 standard deviations. Log-normal (a normsys) unless a side
// reaches zero or a linear extrapolation from +-1 to +-2 is closer (lumi, staterror,
// histosys: additive, a histosys).
bool additive(double y0, const double (&y1)[2], const double (&y2)[2]) {
  const double h = y1[0] / y0, l = y1[1] / y0;
  if (!(h > 0) || !(l > 0)) return true;
  double log_error = 0, linear_error = 0;
  for (int s = 0; s < 2; ++s) {
    const double r = s == 0 ? h : l;
    log_error += std::abs(y0 * r * r - y2[s]);
    linear_error += std::abs(2 * y1[s] - y0 - y2[s]);
  }
  return linear_error < log_error;
}

}  // namespace

SimplifiedLikelihood detail::simplify_histfactory(const Workspace& ws, const SimplifyOptions& options) {
  const Model model = compile(ws, options.model);
  const auto poi = model.poi_index();
  if (!poi) throw InvalidWorkspaceOperation("simplify: the model has no POI (the signal is the POI's sample)");
  const std::string& poi_name = *model.poi_name();
  const std::size_t npars = model.npars();
  if (const ParameterSet& p = model.param_set(poi_name);
      p.type != ModifierType::normfactor || p.constraint != ConstraintType::unconstrained)
    throw InvalidWorkspaceOperation(fmt::format("simplify: the POI '{}' is a {} parameter; the histfactory form keeps a "
                                                "POI that is a free normfactor",
                                                poi_name, type_name(p)));

  // Parameters: the constrained ones at their constraints' centres with their prior
  // variances; the free ones are kept, and at 1 the merged yields exclude them.
  const std::vector<bool> fixed = model.suggested_fixed();
  const std::vector<double> widths = prefit_uncertainties(model, FitProblem::from_model(model));
  std::vector<double> x = model.suggested_init();
  std::vector<double> var(npars, 0.0);
  std::map<std::string, ModifierType> free;
  for (const auto& p : model.parameter_sets()) {
    if (p.name == poi_name) continue;
    bool any_free = false;
    for (std::size_t i = 0; i < p.size; ++i) {
      const std::size_t k = p.offset + i;
      if (fixed[k]) continue;
      var[k] = widths[k] * widths[k];
      if (p.constraint == ConstraintType::normal) {
        x[k] = p.auxdata[i];
      } else if (p.constraint == ConstraintType::poisson) {
        x[k] = p.auxdata[i] / p.factors[i];
      } else {
        any_free = true;
        x[k] = 1.0;
      }
    }
    if (!any_free) continue;
    if (p.type != ModifierType::normfactor && p.type != ModifierType::shapefactor)
      throw InvalidWorkspaceOperation(fmt::format("simplify: the free parameter '{}' ({}) cannot be kept in a HistFactory "
                                                  "simplified likelihood; only free normfactors and shapefactors can",
                                                  p.name, type_name(p)));
    free.emplace(p.name, p.type);
  }
  x[*poi] = 1.0;

  // Groups: the samples of each channel by the free normalisations acting on them. A
  // row is a (group, bin) the group has samples in.
  SimplifiedLikelihood out{.workspace = ws};
  std::map<Key, std::size_t> group_of_key;
  std::map<std::pair<std::string, std::string>, std::size_t> group_of;  // (channel, sample) -> group
  std::vector<Key> keys;
  std::set<std::string> names_taken;
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
        out.groups.push_back({group_name(key, poi_name, names_taken), {}, key});
        names_taken.insert(out.groups.back().name);
      }
      const std::string member = c.name + "/" + s.name;
      auto& members = out.groups[it->second].samples;
      if (std::find(members.begin(), members.end(), member) == members.end()) members.push_back(member);
      group_of.emplace(std::pair{c.name, s.name}, it->second);
    }
  const std::size_t G = keys.size(), nchannels = model.channels().size();
  std::map<std::string, std::size_t> channel_index;  // in the model's (sorted) order
  for (std::size_t c = 0; c < nchannels; ++c) channel_index.emplace(model.channels()[c], c);
  std::vector<std::size_t> row_begin(G * nchannels, kAbsent);  // [group][channel] -> first row
  std::size_t rows = 0;
  for (const auto& [cs, g] : group_of) {
    const std::size_t c = channel_index.at(cs.first);
    if (row_begin[g * nchannels + c] == kAbsent) {
      row_begin[g * nchannels + c] = rows;
      rows += model.channel_nbins()[c];
    }
  }
  if (rows > kMaxGroupBins)
    throw InvalidWorkspaceOperation(fmt::format(
        "simplify: {} merged yields (groups x bins), more than the {} whose covariance the histfactory form "
        "decomposes; simplify each analysis, or use --form covariance on the signal regions",
        rows, kMaxGroupBins));
  Eigen::VectorXd scale = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(rows));  // sum of |sample yields| at x
  auto yields = [&](const std::vector<double>& pars, Eigen::VectorXd* magnitude = nullptr) {
    Eigen::VectorXd y = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(rows));
    for (const auto& s : model.expected_by_sample(pars)) {
      const std::size_t g = group_of.at({model.channels()[s.channel], model.samples()[s.sample]});
      const std::size_t r0 = row_begin[g * nchannels + s.channel];
      for (std::size_t j = 0; j < s.yields.size(); ++j) {
        y[static_cast<Eigen::Index>(r0 + j)] += s.yields[j];
        if (magnitude) (*magnitude)[static_cast<Eigen::Index>(r0 + j)] += std::abs(s.yields[j]);
      }
    }
    return y;
  };
  const Eigen::VectorXd y0 = yields(x, &scale);
  // A merged yield that cancels to rounding is no yield a ratio can describe.
  auto present = [&](std::size_t r) {
    return std::abs(y0[static_cast<Eigen::Index>(r)]) > 1e-9 * scale[static_cast<Eigen::Index>(r)];
  };
  bool signal_present = false;
  for (std::size_t g = 0; g < G; ++g)
    if (std::find(keys[g].begin(), keys[g].end(), poi_name) != keys[g].end())
      for (std::size_t c = 0; c < nchannels; ++c)
        for (std::size_t j = 0; row_begin[g * nchannels + c] != kAbsent && j < model.channel_nbins()[c]; ++j)
          signal_present = signal_present || present(row_begin[g * nchannels + c] + j);
  if (!signal_present)
    throw InvalidWorkspaceOperation(fmt::format("simplify: the POI '{}' scales no yield in any channel", poi_name));

  // The merged yields' prior covariance J V J^T (V diagonal) and its principal directions,
  // mapped back to the parameters: d_k = V J^T u_k / sqrt(lambda_k), the most probable
  // parameter shift that moves the yields by one standard deviation along u_k.
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(npars));
  for (std::size_t k = 0; k < npars; ++k) {
    if (!(var[k] > 0)) continue;
    const double h = 1e-6 * std::sqrt(var[k]);
    std::vector<double> up = x, down = x;
    up[k] += h;
    down[k] -= h;
    J.col(static_cast<Eigen::Index>(k)) = (yields(up) - yields(down)) / (2 * h);
  }
  const Eigen::VectorXd V = Eigen::Map<const Eigen::VectorXd>(var.data(), static_cast<Eigen::Index>(npars));
  const Eigen::MatrixXd JV = J * V.asDiagonal();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(JV * J.transpose());
  const Eigen::VectorXd& lambdas = eig.eigenvalues();
  const auto bounds = model.suggested_bounds();
  auto shifted = [&](const Eigen::VectorXd& d, double t) {
    std::vector<double> p = x;
    for (std::size_t i = 0; i < npars; ++i)  // d moves only the constrained parameters
      if (var[i] > 0) p[i] = std::clamp(x[i] + t * d[static_cast<Eigen::Index>(i)], bounds[i].first, bounds[i].second);
    return yields(p);
  };
  std::vector<std::array<Eigen::VectorXd, 4>> at;  // per direction: yields at +1, -1, +2, -2 sigma
  const double lmax = lambdas.size() ? lambdas.maxCoeff() : 0.0;
  double total = 0, kept = 0;
  for (Eigen::Index k = 0; k < lambdas.size(); ++k) total += std::max(lambdas[k], 0.0);
  for (Eigen::Index k = lambdas.size() - 1; k >= 0; --k) {
    if (!(lambdas[k] > 1e-10 * lmax) || (options.components > 0 && at.size() == options.components)) break;
    kept += lambdas[k];
    const Eigen::VectorXd d = JV.transpose() * eig.eigenvectors().col(k) / std::sqrt(lambdas[k]);
    at.push_back({shifted(d, 1), shifted(d, -1), shifted(d, 2), shifted(d, -2)});
  }
  out.components = at.size();
  out.variance_kept = total > 0 ? kept / total : 1.0;

  // Direction names that no kept parameter has.
  std::string prefix = "pc_";
  auto clashes = [&](const std::string& pre) {
    for (std::size_t k = 1; k <= at.size(); ++k)
      if (free.count(pre + std::to_string(k)) || poi_name == pre + std::to_string(k)) return true;
    return false;
  };
  while (clashes(prefix)) prefix = "_" + prefix;

  // The workspace: per channel, group and bin a sample with that bin's merged yield, the
  // group's normalisations and a normsys (or histosys) per direction.
  Json channels = Json::array();
  for (const auto& c : ws.channels()) {
    const std::size_t ci = channel_index.at(c.name);
    const std::size_t nb = model.channel_nbins()[ci];
    Json samples = Json::array();
    for (std::size_t g = 0; g < G; ++g) {
      if (row_begin[g * nchannels + ci] == kAbsent) continue;
      for (std::size_t j = 0; j < nb; ++j) {
        const std::size_t row = row_begin[g * nchannels + ci] + j;
        const Eigen::Index r = static_cast<Eigen::Index>(row);
        const double nominal = y0[r];
        // A yield that cancels to rounding (or is 0) has no ratio: its responses are
        // additive, and without any it is left out.
        const bool ratio = present(row);
        if (!ratio) {
          bool varies = false;
          for (const auto& a : at) varies = varies || a[0][r] != nominal || a[1][r] != nominal;
          if (!varies) {
            ++out.dropped_bins;
            continue;
          }
        }
        std::vector<double> data(nb, 0.0);
        data[j] = nominal;
        Json mods = Json::array();
        for (const auto& k : keys[g])
          mods.push_back(Json{{"name", k},
                              {"type", k == poi_name || free.at(k) == ModifierType::normfactor ? "normfactor" : "shapefactor"},
                              {"data", nullptr}});
        for (std::size_t k = 0; k < at.size(); ++k) {
          const double y1[2] = {at[k][0][r], at[k][1][r]}, y2[2] = {at[k][2][r], at[k][3][r]};
          const double tiny = 1e-9 * (ratio ? std::abs(nominal) : scale[r]);
          if (std::abs(y1[0] - nominal) <= tiny && std::abs(y1[1] - nominal) <= tiny) continue;  // below any yield's precision
          const std::string name = prefix + std::to_string(k + 1);
          if (!ratio || additive(nominal, y1, y2)) {
            std::vector<double> hi(nb, 0.0), lo(nb, 0.0);
            hi[j] = y1[0];
            lo[j] = y1[1];
            mods.push_back(Json{{"name", name}, {"type", "histosys"}, {"data", Json{{"hi_data", hi}, {"lo_data", lo}}}});
            ++out.additive_responses;
          } else {
            mods.push_back(Json{{"name", name}, {"type", "normsys"}, {"data", Json{{"hi", y1[0] / nominal}, {"lo", y1[1] / nominal}}}});
            ++out.multiplicative_responses;
          }
        }
        const std::string name = nb == 1 ? out.groups[g].name : fmt::format("{}_bin{}", out.groups[g].name, j);
        samples.push_back(Json{{"name", name}, {"data", data}, {"modifiers", mods}});
      }
    }
    channels.push_back(Json{{"name", c.name}, {"samples", samples}});
  }
  Json observations = Json::array();
  for (const auto& o : ws.observations()) observations.push_back(Json{{"name", o.name}, {"data", o.data}});
  Json parameters = Json::array();
  for (const auto& m : ws.document().at("measurements"))
    if (m.at("name") == model.measurement_name())
      for (const auto& cfg : m.at("config").value("parameters", Json::array()))
        if (cfg.at("name") == poi_name || free.count(cfg.at("name").get<std::string>())) parameters.push_back(cfg);
  Json doc{{"channels", channels},
           {"observations", observations},
           {"measurements", Json::array({Json{{"name", model.measurement_name()},
                                              {"config", Json{{"poi", poi_name}, {"parameters", parameters}}}}})},
           {"version", "1.0.0"}};
  try {
    out.workspace = Workspace(std::move(doc));
    (void)compile(out.workspace);
  } catch (const Error& e) {
    throw InvalidWorkspaceOperation(fmt::format("simplify: the derived simplified likelihood is not valid: {}", e.what()));
  }
  return out;
}

}  // namespace hfx
