// compile(): workspace + measurement + options -> immutable Model.
//
// Parameter order, defaults and constraint semantics follow pyhf exactly:
//  * parameter sets are grouped by modifier type in the order histosys, lumi, normfactor,
//    normsys, shapefactor, shapesys, staterror; within a type, by first appearance when
//    walking channels (sorted) x samples (sorted) x modifiers (sorted by name, type), except
//    staterror, which is ordered by name;
//  * a name used by several modifier types must agree on every property (else
//    InvalidNameReuse), and belongs to the first type in that order;
//  * staterror: Gaussian, sigma = sqrt(sum of squared uncertainties) / sum of nominal
//    over the samples carrying it, bins with zero uncertainty fixed;
//  * shapesys: Poisson, tau = (nominal / uncertainty)^2, bins with zero yield or
//    uncertainty fixed.
#include "hfx/errors.hpp"
#include "hfx/model.hpp"
#include "histo_panels.hpp"
#include "merge_blocks.hpp"
#include "model_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <variant>

namespace hfx {

std::string_view to_string(ConstraintType c) {
  switch (c) {
    case ConstraintType::unconstrained: return "unconstrained";
    case ConstraintType::normal: return "constrained_by_normal";
    case ConstraintType::poisson: return "constrained_by_poisson";
  }
  return "?";
}

namespace {

using detail::ModelData;

// What one modifier type asks of its parameter set (pyhf's "required_parset").
struct Requirement {
  ModifierType type;
  ConstraintType constraint;
  bool is_scalar;
  std::size_t n;
  std::vector<double> inits;
  std::vector<std::pair<double, double>> bounds;
  std::vector<bool> fixed;
  std::vector<double> auxdata;  // empty = not used by this type
  std::vector<double> sigmas;   // normal: widths (empty = not configurable)
  std::vector<double> factors;  // poisson
  bool uses_auxdata, uses_sigmas, uses_factors;
};

bool same_requirement(const Requirement& a, const Requirement& b) {
  return a.constraint == b.constraint && a.is_scalar == b.is_scalar && a.n == b.n && a.inits == b.inits &&
         a.bounds == b.bounds && a.fixed == b.fixed && a.auxdata == b.auxdata && a.sigmas == b.sigmas &&
         a.factors == b.factors && a.uses_auxdata == b.uses_auxdata && a.uses_sigmas == b.uses_sigmas &&
         a.uses_factors == b.uses_factors;
}

Requirement scalar_normal(ModifierType t) {
  return {t, ConstraintType::normal, true, 1, {0.0}, {{-5.0, 5.0}}, {false}, {0.0}, {1.0}, {}, true, false, false};
}

// One (channel, sample) pair: indices into the sorted channel and sample names, and the
// sample's modifiers in sorted (name, type) order.
struct Block {
  std::size_t ci, si;
  const ChannelSpec* channel;
  const SampleSpec* sample;
  std::vector<const ModifierSpec*> modifiers;
};

class Compiler {
 public:
  Compiler(const std::vector<ChannelSpec>& channels, const MeasurementSpec& meas, const ModelOptions& opts)
      : spec_(channels), meas_(meas), opts_(opts) {
    // The first of a repeated name counts (as a lookup by name would find it).
    for (std::size_t i = meas_.parameters.size(); i-- > 0;) config_index_[meas_.parameters[i].name] = i;
  }

  std::shared_ptr<ModelData> run() {
    d_ = std::make_shared<ModelData>();
    d_->measurement = meas_.name;
    d_->normsys_code = opts_.normsys_interp;
    d_->histosys_code = opts_.histosys_interp;
    summarise();
    collect_requirements();
    build_parameter_sets();
    set_poi();
    build_blocks();
    std::shared_ptr<ModelData> fit = detail::merged_blocks(*d_);
    derive_tables();
    if (fit) {
      std::swap(d_, fit);
      derive_tables();
      std::swap(d_, fit);
      // With histosys the merge pays where it removes panel work; where it does not, the
      // regrouped bins can cost more than they save, so the fits keep these tables
      // (docs/benchmarks.md, "Performance notes from the kernels").
      if (d_->histos.empty() || detail::panel_multiply_adds(*fit) < detail::panel_multiply_adds(*d_))
        d_->fit = std::move(fit);
    }
    return d_;
  }

 private:
  // Everything the evaluation reads that follows from the blocks.
  void derive_tables() {
    index_sweeps();
    detail::build_histo_panels(*d_);
    index_channel_blocks();
    build_constraints();
    classify_local_parameters();
  }

  void summarise() {
    std::set<std::string> samples;
    std::set<std::pair<std::string, std::string>> mods;
    for (const auto& c : spec_) {
      d_->channels.push_back(c.name);
      for (const auto& s : c.samples) {
        samples.insert(s.name);
        for (const auto& m : s.modifiers) {
          const auto* ext = std::get_if<modifier::Extension>(&m.data);
          mods.insert({m.name, ext ? ext->type : std::string(to_string(m.type()))});
          d_->kinds |= 1u << static_cast<int>(m.type());
        }
      }
    }
    std::sort(d_->channels.begin(), d_->channels.end());
    for (std::size_t i = 1; i < d_->channels.size(); ++i)
      if (d_->channels[i] == d_->channels[i - 1])
        throw InvalidModel(fmt::format("duplicate channel '{}'", d_->channels[i]));
    d_->samples.assign(samples.begin(), samples.end());
    d_->modifiers.assign(mods.begin(), mods.end());
    // pyhf's walk over (sorted channel, sorted sample) pairs, and each sample's modifiers
    // in sorted (name, type) order, indexed once so that compile stays linear in the spec.
    std::map<std::string_view, std::size_t> sample_index;
    for (std::size_t si = 0; si < d_->samples.size(); ++si) sample_index.emplace(d_->samples[si], si);
    std::vector<const ChannelSpec*> sorted(spec_.size());
    for (std::size_t i = 0; i < spec_.size(); ++i) sorted[i] = &spec_[i];
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->name < b->name; });
    channel_ = sorted;
    std::size_t offset = 0;
    for (std::size_t ci = 0; ci < sorted.size(); ++ci) {
      const ChannelSpec& c = *sorted[ci];
      d_->channel_offset.push_back(offset);
      d_->channel_nbins.push_back(c.nbins());
      offset += c.nbins();
      std::vector<Block> blocks;
      for (const auto& s : c.samples) {
        Block b{ci, sample_index.at(s.name), &c, &s, {}};
        for (const auto& m : s.modifiers) b.modifiers.push_back(&m);
        // Stable: a repeated (name, type) keeps its order, so the first one stays first.
        std::stable_sort(b.modifiers.begin(), b.modifiers.end(), [](auto* x, auto* y) {
          return std::make_pair(std::string_view(x->name), to_string(x->type())) <
                 std::make_pair(std::string_view(y->name), to_string(y->type()));
        });
        blocks.push_back(std::move(b));
      }
      // A sample name repeated within a channel keeps the first (as a name lookup would).
      std::stable_sort(blocks.begin(), blocks.end(), [](const Block& x, const Block& y) { return x.si < y.si; });
      for (std::size_t k = 0; k < blocks.size(); ++k)
        if (k == 0 || blocks[k].si != blocks[k - 1].si) blocks_.push_back(std::move(blocks[k]));
    }
    d_->nmain = offset;
  }

  static const ModifierSpec* find_modifier(const SampleSpec& s, std::string_view name, ModifierType t) {
    for (const auto& m : s.modifiers)
      if (m.name == name && m.type() == t) return &m;
    return nullptr;
  }


  void add_requirement(const std::string& name, Requirement r) {
    auto it = req_index_.find(name);
    if (it == req_index_.end()) {
      req_index_[name] = reqs_.size();
      reqs_.push_back({name, {std::move(r)}});
    } else {
      reqs_[it->second].second.push_back(std::move(r));
    }
  }

  void collect_requirements() {
    // Types in pyhf's grouping order; within a type, first appearance in the block walk.
    std::map<std::string, std::string> shapesys_owner;
    for (int t = 0; t < kModifierTypeCount; ++t) {
      const auto type = static_cast<ModifierType>(t);
      if (type == ModifierType::staterror) {
        collect_staterror();
        continue;
      }
      std::set<std::string_view> seen;
      std::set<std::string> seen_kind_pars;  // (the kinds return their names by value)
      for (const Block& b : blocks_) {
        const ChannelSpec& c = *b.channel;
        const SampleSpec& s = *b.sample;
        for (std::size_t k = 0; k < b.modifiers.size(); ++k) {
          const ModifierSpec* m = b.modifiers[k];
          if (m->type() != type) continue;
          // A repeated (name, type) on one sample: the first counts (the sort is stable).
          if (k > 0 && b.modifiers[k - 1]->type() == type && b.modifiers[k - 1]->name == m->name) continue;
          const std::string& mname = m->name;
          if (type == ModifierType::shapesys) {
            const std::string where = fmt::format("sample '{}' in channel '{}'", s.name, c.name);
            auto [it, inserted] = shapesys_owner.emplace(mname, where);
            if (!inserted)
              throw InvalidModel(fmt::format("shapesys modifier '{}' is used on {} and on {}; shapesys parameters "
                                             "cannot be shared (use a distinct name)", mname, it->second, where));
          }
          if (type == ModifierType::extension) {
            // A unit kind's modifier asks for its own named parameters.
            const auto& ext = std::get<modifier::Extension>(m->data);
            for (const auto& kp : detail::find_modifier_kind(ext.type)->parameters(*ext.data, m->name))
              if (seen_kind_pars.insert(kp.name).second) {
                add_requirement(kp.name, requirement_for(kp));
                kind_of_.emplace(kp.name, ext.type);
              }
            continue;
          }
          if (!seen.insert(mname).second) continue;
          add_requirement(mname, requirement_for(*m, c, s));
        }
      }
    }
  }

  Requirement requirement_for(const ModifierSpec& m, const ChannelSpec& c, const SampleSpec& s) {
    const std::size_t nb = c.nbins();
    switch (m.type()) {
      case ModifierType::histosys:
      case ModifierType::normsys:
        return scalar_normal(m.type());
      case ModifierType::lumi: {
        Requirement r{ModifierType::lumi, ConstraintType::normal, true, 1, {}, {}, {false}, {}, {}, {}, true, true, false};
        return r;
      }
      case ModifierType::normfactor:
        return {ModifierType::normfactor, ConstraintType::unconstrained, true, 1, {1.0}, {{0.0, 10.0}}, {false}, {}, {}, {}, false, false, false};
      case ModifierType::shapefactor:
        return {ModifierType::shapefactor, ConstraintType::unconstrained, false, nb, std::vector<double>(nb, 1.0),
                std::vector<std::pair<double, double>>(nb, {0.0, 10.0}), std::vector<bool>(nb, false), {}, {}, {}, false, false, false};
      case ModifierType::shapesys: {
        const auto& unc = std::get<modifier::ShapeSys>(m.data).data;
        Requirement r{ModifierType::shapesys, ConstraintType::poisson, false, nb, std::vector<double>(nb, 1.0),
                      std::vector<std::pair<double, double>>(nb, {1e-10, 10.0}), {}, {}, {}, {}, true, false, true};
        for (std::size_t j = 0; j < nb; ++j) {
          const bool valid = s.data[j] > 0 && unc[j] > 0;
          const double tau = valid ? (s.data[j] * s.data[j]) / (unc[j] * unc[j]) : 1.0;
          if (!std::isfinite(tau) || !(tau > 0))
            throw InvalidModel(fmt::format("shapesys '{}' of sample '{}' in channel '{}' bin {}: the Poisson constraint's "
                                           "tau = (nominal / uncertainty)^2 = ({} / {})^2 is not a finite positive number",
                                           m.name, s.name, c.name, j, s.data[j], unc[j]));
          r.fixed.push_back(!valid);
          r.auxdata.push_back(tau);
          r.factors.push_back(tau);
        }
        return r;
      }
      case ModifierType::staterror:
      case ModifierType::extension:
        break;
    }
    throw std::logic_error("requirement_for: staterror and unit kinds are handled separately");
  }

  static Requirement requirement_for(const detail::KindParameter& kp) {
    const std::size_t n = kp.size;
    Requirement r{ModifierType::extension, ConstraintType::unconstrained, n == 1, n, std::vector<double>(n, kp.init),
                  std::vector<std::pair<double, double>>(n, kp.bounds), std::vector<bool>(n, kp.fixed), {}, {}, {},
                  false, false, false};
    if (kp.unit_gaussian) {
      r.constraint = ConstraintType::normal;
      r.auxdata.assign(n, 0.0);
      r.sigmas.assign(n, 1.0);
      r.uses_auxdata = r.uses_sigmas = true;
    }
    return r;
  }

  void collect_staterror() {
    // Per staterror name, per sample (in sorted order), the channels that carry it; every
    // sample that carries it must carry it in the same channels (pyhf asserts the same).
    std::map<std::string_view, std::map<std::size_t, std::vector<std::size_t>>> carriers;
    for (const Block& b : blocks_)
      for (const ModifierSpec* m : b.modifiers)
        if (m->type() == ModifierType::staterror) {
          auto& chans = carriers[m->name][b.si];
          if (chans.empty() || chans.back() != b.ci) chans.push_back(b.ci);
        }
    for (const auto& [name_view, per_sample] : carriers) {
      const std::string name(name_view);
      const auto& [first_si, mask] = *per_sample.begin();
      for (const auto& [si, chans] : per_sample)
        if (chans != mask)
          throw InvalidModel(fmt::format("staterror '{}' covers different channels on sample '{}' than on sample '{}'; "
                                         "a staterror must cover the same bins on every sample", name, d_->samples[si],
                                         d_->samples[first_si]));
      std::vector<double> sigmas;
      std::vector<bool> fixed;
      auto& first_bin = staterror_first_bin_[name];
      for (std::size_t ci : mask) {
        const ChannelSpec& c = *channel_[ci];
        first_bin[ci] = static_cast<std::uint32_t>(sigmas.size());
        // The channel's samples that carry this staterror, with their modifier.
        std::vector<std::pair<const SampleSpec*, const ModifierSpec*>> carry;
        for (const auto& s : c.samples)
          if (const ModifierSpec* m = find_modifier(s, name, ModifierType::staterror)) carry.emplace_back(&s, m);
        for (std::size_t j = 0; j < c.nbins(); ++j) {
          double nom_sum = 0, rel2 = 0;
          for (const auto& [s, m] : carry) nom_sum += s->data[j];
          for (const auto& [s, m] : carry) {
            const double u = std::get<modifier::StatError>(m->data).data[j];
            if (nom_sum > 0) rel2 += (u / nom_sum) * (u / nom_sum);
          }
          const double sigma = std::sqrt(rel2);
          if (!std::isfinite(sigma))
            throw InvalidModel(fmt::format("staterror '{}' in channel '{}' bin {}: the relative uncertainty (uncertainty "
                                           "/ sum of nominal yields {}) is not a finite number",
                                           name, c.name, j, nom_sum));
          fixed.push_back(sigma == 0);
          sigmas.push_back(sigma == 0 ? 1.0 : sigma);
        }
      }
      const std::size_t n = sigmas.size();
      add_requirement(name, {ModifierType::staterror, ConstraintType::normal, false, n, std::vector<double>(n, 1.0),
                             std::vector<std::pair<double, double>>(n, {1e-10, 10.0}), fixed,
                             std::vector<double>(n, 1.0), sigmas, {}, true, true, false});
    }
  }

  void build_parameter_sets() {
    if (reqs_.empty() && !opts_.allow_no_parameters)
      throw InvalidModel("the model has no parameters (no modifiers on any sample)");
    std::size_t offset = 0;
    for (auto& [name, list] : reqs_) {
      const Requirement& r = list.front();
      for (std::size_t i = 1; i < list.size(); ++i)
        if (!same_requirement(r, list[i]))
          throw InvalidNameReuse(fmt::format("parameter '{}' is used by {} and {} modifiers with incompatible "
                                             "settings (size, bounds, constraint); use distinct names",
                                             name, to_string(r.type), to_string(list[i].type)));
      ParameterSet p;
      p.name = name;
      p.type = r.type;
      if (const auto k = kind_of_.find(name); k != kind_of_.end()) p.kind = k->second;
      p.constraint = r.constraint;
      p.is_scalar = r.is_scalar;
      p.offset = offset;
      p.size = r.n;
      p.inits = r.inits;
      p.bounds = r.bounds;
      p.fixed = r.fixed;
      p.auxdata = r.auxdata;
      p.sigmas = r.sigmas;
      p.factors = r.factors;
      apply_user_config(p, r);
      offset += p.size;
      d_->sets.push_back(std::move(p));
    }
    d_->npars = offset;
    for (std::size_t i = 0; i < d_->sets.size(); ++i) set_index_.emplace(d_->sets[i].name, i);
    for (const auto& p : d_->sets) {
      if (p.is_scalar) d_->par_names.push_back(p.name);
      else
        for (std::size_t i = 0; i < p.size; ++i) d_->par_names.push_back(fmt::format("{}[{}]", p.name, i));
    }
  }

  void apply_user_config(ParameterSet& p, const Requirement& r) {
    const auto it = config_index_.find(p.name);
    const ParameterConfig* cfg = it == config_index_.end() ? nullptr : &meas_.parameters[it->second];
    const std::string where = cfg ? fmt::format("measurement '{}' parameters[{}] ('{}')", meas_.name, it->second, p.name)
                                  : fmt::format("measurement '{}'", meas_.name);
    auto sized = [&](const char* key, const std::optional<std::vector<double>>& v) {
      if (v && v->size() != p.size)
        throw InvalidModel(fmt::format("{}: {} has {} value{}, but '{}' has {} parameter{}", where, key, v->size(),
                                       v->size() == 1 ? "" : "s", p.name, p.size, p.size == 1 ? "" : "s"));
    };
    auto unused = [&](const char* key, bool given) {
      if (given)
        throw InvalidModel(fmt::format("{}: a {} parameter does not use '{}'", where, to_string(p.type), key));
    };
    if (cfg) {
      sized("inits", cfg->inits);
      sized("auxdata", cfg->auxdata);
      sized("sigmas", cfg->sigmas);
      sized("factors", cfg->factors);
      if (cfg->bounds && cfg->bounds->size() != p.size)
        throw InvalidModel(fmt::format("{}: bounds has {} pairs, but '{}' has {} parameter{}", where, cfg->bounds->size(),
                                       p.name, p.size, p.size == 1 ? "" : "s"));
      if (!r.uses_auxdata) unused("auxdata", cfg->auxdata.has_value());
      if (!r.uses_sigmas) unused("sigmas", cfg->sigmas.has_value());
      if (!r.uses_factors) unused("factors", cfg->factors.has_value());
      if (cfg->inits) p.inits = *cfg->inits;
      if (cfg->bounds) p.bounds = *cfg->bounds;
      if (cfg->auxdata) p.auxdata = *cfg->auxdata;
      if (cfg->sigmas) p.sigmas = *cfg->sigmas;
      if (cfg->factors) p.factors = *cfg->factors;
      if (cfg->fixed) p.fixed.assign(p.size, *cfg->fixed);
    }
    // A width of 0 is valid in a document (pyhf's xml2json writes one for an unused lumi)
    // but not for a constraint the model has.
    for (std::size_t i = 0; i < p.sigmas.size(); ++i)
      if (!(p.sigmas[i] > 0))
        throw InvalidModel(fmt::format("{}: sigmas[{}] of '{}' is {}: a constraint needs a width > 0", where, i, p.name, p.sigmas[i]));
    if (p.type == ModifierType::lumi && (p.inits.empty() || p.bounds.empty() || p.auxdata.empty() || p.sigmas.empty()))
      throw InvalidModel(fmt::format("{}: the lumi parameter needs a configuration with inits, bounds, auxdata and "
                                     "sigmas in the measurement's parameters", where));
    if (p.fixed.size() == 1 && p.size > 1) p.fixed.assign(p.size, p.fixed.front());
    for (std::size_t i = 0; i < p.size; ++i) {
      const auto [lo, hi] = p.bounds[i];
      if (!(p.inits[i] >= lo && p.inits[i] <= hi))
        throw InvalidModel(fmt::format("{}: initial value {} of '{}' is outside its bounds [{}, {}]", where, p.inits[i],
                                       p.is_scalar ? p.name : fmt::format("{}[{}]", p.name, i), lo, hi));
    }
  }

  void set_poi() {
    std::string poi = opts_.poi_name ? *opts_.poi_name : meas_.poi;
    if (poi.empty()) return;
    for (const auto& p : d_->sets) {
      if (p.name != poi) continue;
      if (p.size != 1)  // a one-bin staterror/shapesys can be the POI, as in pyhf
        throw InvalidModel(fmt::format("The parameter '{}' contains multiple components and is not currently supported as parameter of interest ({} components)", poi, p.size));
      d_->poi_name = poi;
      d_->poi_index = p.offset;
      return;
    }
    throw InvalidModel(fmt::format("the parameter of interest '{}' (measurement '{}') is not a parameter of the model", poi, meas_.name));
  }

  const ParameterSet& set(const std::string& name) const {
    const auto it = set_index_.find(name);
    if (it == set_index_.end()) throw std::logic_error("unknown parameter set " + name);
    return d_->sets[it->second];
  }

  void build_blocks() {
    ModelData& d = *d_;
    const bool normsys_mult = is_multiplicative(d.normsys_code);
    const bool histo_mult = is_multiplicative(d.histosys_code);
    d.scalar_begin.push_back(0);
    d.histo_begin.push_back(0);
    d.binfactor_begin.push_back(0);
    d.kind_term_begin.push_back(0);
    for (const Block& blk : blocks_) {
      const std::size_t ci = blk.ci, si = blk.si;
      const ChannelSpec& c = *blk.channel;
      const SampleSpec& s = *blk.sample;
      const std::uint32_t nb = static_cast<std::uint32_t>(c.nbins());
      const std::uint32_t begin = static_cast<std::uint32_t>(d.nominal.size());
      d.blocks.push_back({static_cast<std::uint32_t>(ci), static_cast<std::uint32_t>(si), begin, nb});
      for (std::uint32_t j = 0; j < nb; ++j) {
        d.nominal.push_back(s.data[j]);
        d.bb_main.push_back(static_cast<std::uint32_t>(d.channel_offset[ci] + j));
      }
      std::vector<std::vector<std::uint32_t>> per_bin(nb);
      // Walk modifiers in pyhf's sorted (name, type) order, so products and sums are
      // accumulated in a fixed, documented order.
      const std::vector<const ModifierSpec*>& mods = blk.modifiers;
      std::uint32_t histo_position = 0;  // histosys entries of this block so far, null ones included
      for (const ModifierSpec* m : mods) {
        if (m->type() == ModifierType::extension) {
          const auto& ext = std::get<modifier::Extension>(m->data);
          const detail::ModifierKind* kind = detail::find_modifier_kind(ext.type);
          std::vector<std::uint32_t> pars;
          for (const auto& kp : kind->parameters(*ext.data, m->name)) {
            const ParameterSet& p = set(kp.name);
            for (std::size_t i = 0; i < p.size; ++i) pars.push_back(static_cast<std::uint32_t>(p.offset + i));
          }
          d.kind_terms.push_back(kind->compile(*ext.data, pars, nb));
          continue;
        }
        const ParameterSet& p = set(m->name);
        const auto par = static_cast<std::uint32_t>(p.offset);
        switch (m->type()) {
          case ModifierType::normfactor:
          case ModifierType::lumi:
            d.scalars.push_back({par, detail::kNoEntry});
            break;
          case ModifierType::normsys: {
            const auto& ns = std::get<modifier::NormSys>(m->data);
            if (normsys_mult && !(ns.hi > 0 && ns.lo > 0))
              throw InvalidModel(fmt::format("normsys '{}' on sample '{}' in channel '{}': hi and lo must be > 0 for "
                                             "{} interpolation, got hi={} lo={}", m->name, s.name, c.name,
                                             to_string(d.normsys_code), ns.hi, ns.lo));
            detail::NormSysEntry e{ns.lo, ns.hi, {}};
            if (d.normsys_code == InterpCode::code4) e.c4 = code4_coefficients(ns.lo, ns.hi);
            d.scalars.push_back({par, static_cast<std::uint32_t>(d.normsys.size())});
            d.normsys.push_back(e);
            break;
          }
          case ModifierType::histosys: {
            const auto& hs = std::get<modifier::HistoSys>(m->data);
            // With an additive code (0, 2, 4p), an entry whose up and down templates equal
            // the nominal in every bin adds an exact 0 to the rates and their derivatives,
            // so it is not stored. Most histosys entries of published models are such
            // placeholders (1,227 of staus-highmass's 1,244; 305 of sbottom's 856). Its
            // parameter and constraint stay. (The multiplicative codes keep every entry:
            // their validity checks below apply to it.)
            bool null_entry = !histo_mult;
            for (std::uint32_t j = 0; j < nb && null_entry; ++j)
              null_entry = hs.hi_data[j] == s.data[j] && hs.lo_data[j] == s.data[j];
            const auto lane = static_cast<std::uint8_t>(histo_position++ % 2);
            if (null_entry) break;
            d.histos.push_back({par, static_cast<std::uint32_t>(d.histo_down.size())});
            d.histo_lane.push_back(lane);
            for (std::uint32_t j = 0; j < nb; ++j) {
              d.histo_down.push_back(hs.lo_data[j]);
              d.histo_up.push_back(hs.hi_data[j]);
              const double d_up = hs.hi_data[j] - s.data[j], d_dn = s.data[j] - hs.lo_data[j];
              d.histo_dup.push_back(d_up);
              d.histo_ddn.push_back(d_dn);
              d.histo_SA.push_back(0.5 * (d_up + d_dn));
              d.histo_SA.push_back(0.0625 * (d_up - d_dn));
              if (histo_mult) {
                const double nom = s.data[j];
                const double rd = hs.lo_data[j] / nom, ru = hs.hi_data[j] / nom;
                if (!(nom != 0 && rd > 0 && ru > 0))
                  throw InvalidModel(fmt::format("histosys '{}' on sample '{}' in channel '{}' bin {}: {} interpolation "
                                                 "needs nominal != 0 and positive ratios, got nominal={} lo={} hi={}",
                                                 m->name, s.name, c.name, j, to_string(d.histosys_code), nom,
                                                 hs.lo_data[j], hs.hi_data[j]));
                d.histo_c4.push_back(d.histosys_code == InterpCode::code4 ? code4_coefficients(rd, ru) : Code4Coefficients{});
              }
            }
            break;
          }
          case ModifierType::shapesys:
          case ModifierType::shapefactor:
            if (p.size != nb)
              throw InvalidModel(fmt::format("{} '{}' has {} parameters but channel '{}' has {} bins; a {} shared "
                                             "between channels needs the same bin count", to_string(m->type()), m->name,
                                             p.size, c.name, nb, to_string(m->type())));
            for (std::uint32_t j = 0; j < nb; ++j) per_bin[j].push_back(par + j);
            break;
          case ModifierType::staterror: {
            // Index of this channel's first bin among the bins the staterror covers.
            const std::uint32_t first = staterror_first_bin_.at(m->name).at(ci);
            for (std::uint32_t j = 0; j < nb; ++j) per_bin[j].push_back(par + first + j);
            break;
          }
          case ModifierType::extension:
            break;  // above
        }
      }
      for (std::uint32_t j = 0; j < nb; ++j) {
        for (auto p : per_bin[j]) d.binfactor_par.push_back(p);
        d.binfactor_begin.push_back(static_cast<std::uint32_t>(d.binfactor_par.size()));
      }
      d.scalar_begin.push_back(static_cast<std::uint32_t>(d.scalars.size()));
      d.histo_begin.push_back(static_cast<std::uint32_t>(d.histos.size()));
      d.kind_term_begin.push_back(static_cast<std::uint32_t>(d.kind_terms.size()));
    }
  }

  // The fits' view of the tables: the normsys entries regrouped so that each block's run
  // fills whole vector lanes (see ModelData::normsys), each entry's parameter and code4
  // coefficients as arrays, each block's normsys range and direct factors, and the list
  // of histosys parameters.
  void index_sweeps() {
    ModelData& d = *d_;
    const detail::NormSysEntry inert{1.0, 1.0, code4_coefficients(1.0, 1.0)};
    std::vector<detail::NormSysEntry> padded;
    d.normsys_par.clear();
    d.normsys_block_begin.assign(1, 0);
    d.direct_begin.assign(1, 0);
    for (std::size_t b = 0; b < d.blocks.size(); ++b) {
      std::uint32_t last_par = 0;
      for (std::uint32_t k = d.scalar_begin[b]; k < d.scalar_begin[b + 1]; ++k) {
        auto& f = d.scalars[k];
        if (f.normsys == detail::kNoEntry) {
          d.direct_par.push_back(f.par);
          d.direct_block.push_back(static_cast<std::uint32_t>(b));
          continue;
        }
        padded.push_back(d.normsys[f.normsys]);
        f.normsys = static_cast<std::uint32_t>(padded.size() - 1);
        d.normsys_par.push_back(f.par);
        last_par = f.par;
      }
      // The padding lanes read a parameter of the same block, so they leave the
      // polynomial range exactly when a real lane of theirs does.
      while (padded.size() % detail::kNormsysLanes != 0) {
        padded.push_back(inert);
        d.normsys_par.push_back(last_par);
      }
      d.normsys_block_begin.push_back(static_cast<std::uint32_t>(padded.size()));
      d.direct_begin.push_back(static_cast<std::uint32_t>(d.direct_par.size()));
    }
    d.normsys = std::move(padded);
    d.normsys_par_mask.clear();
    if (!d.normsys_par.empty()) {
      const auto [lo, hi] = std::minmax_element(d.normsys_par.begin(), d.normsys_par.end());
      d.normsys_par_lo = *lo;
      d.normsys_par_mask.assign(*hi + 1 - *lo, 0);
      for (const std::uint32_t p : d.normsys_par) d.normsys_par_mask[p - *lo] = 0x7FFFFFFFFFFFFFFFull;
    }
    if (d.normsys_code == InterpCode::code4) {
      const std::size_t n = d.normsys.size();
      d.normsys_poly.assign(6 * n, 0.0);
      for (std::size_t e = 0; e < n; ++e)
        for (std::size_t k = 0; k < 6; ++k) d.normsys_poly[k * n + e] = d.normsys[e].c4.a[k];
      d.normsys_logs.assign(2 * n, 0.0);
      for (std::size_t e = 0; e < n; ++e) {
        d.normsys_logs[e] = d.normsys[e].c4.log_up;
        d.normsys_logs[n + e] = d.normsys[e].c4.log_down;
      }
    }
    std::set<std::uint32_t> hp;
    for (const auto& h : d.histos) hp.insert(h.par);
    d.histo_pars.assign(hp.begin(), hp.end());
  }

  void index_channel_blocks() {
    ModelData& d = *d_;
    d.channel_block_begin.assign(d.channels.size() + 1, 0);
    for (const auto& blk : d.blocks) ++d.channel_block_begin[blk.channel + 1];
    for (std::size_t c = 0; c < d.channels.size(); ++c) d.channel_block_begin[c + 1] += d.channel_block_begin[c];
    d.channel_par_begin.assign(1, 0);
    for (std::size_t c = 0; c < d.channels.size(); ++c) {
      std::set<std::uint32_t> pars;
      for (std::uint32_t b = d.channel_block_begin[c]; b < d.channel_block_begin[c + 1]; ++b) {
        for (std::uint32_t k = d.scalar_begin[b]; k < d.scalar_begin[b + 1]; ++k) pars.insert(d.scalars[k].par);
        for (std::uint32_t h = d.histo_begin[b]; h < d.histo_begin[b + 1]; ++h) pars.insert(d.histos[h].par);
        for (std::uint32_t t = d.kind_term_begin[b]; t < d.kind_term_begin[b + 1]; ++t)
          for (const std::uint32_t p : d.kind_terms[t]->parameters()) pars.insert(p);
        const auto& blk = d.blocks[b];
        for (std::uint32_t i = blk.bin_begin; i < blk.bin_begin + blk.nbins; ++i)
          for (std::uint32_t k = d.binfactor_begin[i]; k < d.binfactor_begin[i + 1]; ++k) pars.insert(d.binfactor_par[k]);
      }
      d.channel_pars.insert(d.channel_pars.end(), pars.begin(), pars.end());
      d.channel_par_begin.push_back(static_cast<std::uint32_t>(d.channel_pars.size()));
    }
  }

  void build_constraints() {
    ModelData& d = *d_;
    std::uint32_t aux = 0;
    for (const auto& p : d.sets) {
      if (p.constraint == ConstraintType::unconstrained) continue;
      for (std::size_t i = 0; i < p.size; ++i, ++aux) {
        const auto par = static_cast<std::uint32_t>(p.offset + i);
        d.auxdata.push_back(p.auxdata[i]);
        d.aux_par.push_back(par);
        if (p.constraint == ConstraintType::normal) {
          const double sigma = p.sigmas.empty() ? 1.0 : p.sigmas[i];
          d.normal.push_back({par, aux, sigma});
          d.aux_scale.push_back(1.0);
        } else {
          d.poisson.push_back({par, aux, p.factors[i]});
          d.aux_scale.push_back(p.factors[i]);
        }
      }
    }
  }

  // A parameter is local to main bin g when it only scales block-bins of g (a gamma of
  // staterror or shapesys) and has a constraint: the minimiser eliminates such
  // parameters bin by bin instead of carrying them in a dense system.
  void classify_local_parameters() {
    ModelData& d = *d_;
    constexpr std::int32_t kNone = -1, kMany = -2;
    std::vector<std::int32_t> bin(d.npars, kNone);
    auto touch = [&](std::uint32_t par, std::int32_t g) {
      if (bin[par] == kNone) bin[par] = g;
      else if (bin[par] != g) bin[par] = kMany;
    };
    for (std::size_t b = 0; b < d.blocks.size(); ++b) {
      for (std::uint32_t k = d.scalar_begin[b]; k < d.scalar_begin[b + 1]; ++k) touch(d.scalars[k].par, kMany);
      for (std::uint32_t h = d.histo_begin[b]; h < d.histo_begin[b + 1]; ++h) touch(d.histos[h].par, kMany);
      for (std::uint32_t t = d.kind_term_begin[b]; t < d.kind_term_begin[b + 1]; ++t)
        for (const std::uint32_t p : d.kind_terms[t]->parameters()) touch(p, kMany);
      const auto& blk = d.blocks[b];
      for (std::uint32_t i = blk.bin_begin; i < blk.bin_begin + blk.nbins; ++i)
        for (std::uint32_t k = d.binfactor_begin[i]; k < d.binfactor_begin[i + 1]; ++k)
          touch(d.binfactor_par[k], static_cast<std::int32_t>(d.bb_main[i]));
    }
    d.par_local_bin.assign(d.npars, -1);
    for (std::uint32_t par : d.aux_par)
      if (bin[par] >= 0) d.par_local_bin[par] = bin[par];
  }

  const std::vector<ChannelSpec>& spec_;
  const MeasurementSpec& meas_;
  const ModelOptions& opts_;
  std::shared_ptr<ModelData> d_;
  std::vector<std::pair<std::string, std::vector<Requirement>>> reqs_;
  std::map<std::string, std::size_t> req_index_;
  std::map<std::string, std::string> kind_of_;  // a unit kind's parameter set -> the kind's JSON type
  // Per staterror: the index of each covered channel's first bin among its parameters.
  std::map<std::string, std::map<std::size_t, std::uint32_t>> staterror_first_bin_;
  // The (channel, sample) blocks in pyhf's order, and the channels in sorted order.
  std::vector<Block> blocks_;
  std::vector<const ChannelSpec*> channel_;
  std::map<std::string_view, std::size_t> set_index_;
  // The measurement's parameter configurations by name (the first of a repeated name).
  std::map<std::string_view, std::size_t> config_index_;
};

}  // namespace

Model compile_channels(const std::vector<ChannelSpec>& channels, const MeasurementSpec& measurement,
                       const ModelOptions& options) {
  Compiler c(channels, measurement, options);
  return Model(c.run());
}

Model compile(const Workspace& ws, const ModelOptions& options) {
  return compile_channels(ws.channels(), ws.measurement(options.measurement), options);
}

std::vector<double> observed_data(const Workspace& ws, const Model& model, bool include_auxdata) {
  std::vector<double> out;
  out.reserve(model.nmaindata() + model.nauxdata());
  std::map<std::string_view, const ObservationSpec*> by_name;
  for (const auto& o : ws.observations()) by_name.emplace(o.name, &o);
  for (const auto& name : model.channels()) {
    const auto it = by_name.find(name);
    const ObservationSpec* obs = it == by_name.end() ? nullptr : it->second;
    if (!obs) throw InvalidSpecification(fmt::format("/observations: no observation for channel '{}'", name));
    out.insert(out.end(), obs->data.begin(), obs->data.end());
  }
  if (include_auxdata) out.insert(out.end(), model.auxdata().begin(), model.auxdata().end());
  return out;
}

}  // namespace hfx
