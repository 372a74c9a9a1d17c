// Model accessors (pyhf's model.config) and allocation-per-call evaluation helpers.
#include "hfx/model.hpp"

#include "hfx/errors.hpp"
#include "hfx/evaluator.hpp"
#include "model_data.hpp"
#include "../eval/kernels.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hfx {

std::size_t Model::npars() const { return data_->npars; }
const std::vector<ParameterSet>& Model::parameter_sets() const { return data_->sets; }
std::vector<std::string> Model::par_order() const {
  std::vector<std::string> out;
  for (const auto& p : data_->sets) out.push_back(p.name);
  return out;
}
const std::vector<std::string>& Model::par_names() const { return data_->par_names; }
const ParameterSet& Model::param_set(std::string_view name) const {
  for (const auto& p : data_->sets)
    if (p.name == name) return p;
  throw InvalidModel(fmt::format("no parameter '{}' in the model", name));
}
std::pair<std::size_t, std::size_t> Model::par_slice(std::string_view name) const {
  const auto& p = param_set(name);
  return {p.offset, p.offset + p.size};
}
std::vector<double> Model::suggested_init() const {
  std::vector<double> out;
  for (const auto& p : data_->sets) out.insert(out.end(), p.inits.begin(), p.inits.end());
  return out;
}
std::vector<std::pair<double, double>> Model::suggested_bounds() const {
  std::vector<std::pair<double, double>> out;
  for (const auto& p : data_->sets) out.insert(out.end(), p.bounds.begin(), p.bounds.end());
  return out;
}
std::vector<bool> Model::suggested_fixed() const {
  std::vector<bool> out;
  for (const auto& p : data_->sets) out.insert(out.end(), p.fixed.begin(), p.fixed.end());
  return out;
}
const std::optional<std::string>& Model::poi_name() const { return data_->poi_name; }
std::optional<std::size_t> Model::poi_index() const { return data_->poi_index; }

Model Model::with_poi(const std::string& name) const {
  auto d = std::make_shared<detail::ModelData>(*data_);
  if (name.empty()) {
    d->poi_name.reset();
    d->poi_index.reset();
    return Model(d);
  }
  const auto& p = param_set(name);
  if (p.size != 1)  // a one-bin staterror/shapesys can be the POI, as in pyhf
    throw InvalidModel(fmt::format("The parameter '{}' contains multiple components and is not currently supported as parameter of interest ({} components)", name, p.size));
  d->poi_name = name;
  d->poi_index = p.offset;
  return Model(d);
}

const std::vector<std::string>& Model::channels() const { return data_->channels; }
const std::vector<std::size_t>& Model::channel_nbins() const { return data_->channel_nbins; }
const std::vector<std::string>& Model::samples() const { return data_->samples; }
const std::vector<std::pair<std::string, std::string>>& Model::modifiers() const { return data_->modifiers; }
std::size_t Model::nmaindata() const { return data_->nmain; }
std::size_t Model::nauxdata() const { return data_->auxdata.size(); }
const std::vector<double>& Model::auxdata() const { return data_->auxdata; }
std::vector<std::string> Model::auxdata_order() const {
  std::vector<std::string> out;
  for (const auto& p : data_->sets)
    if (p.constraint != ConstraintType::unconstrained) out.push_back(p.name);
  return out;
}
const std::string& Model::measurement_name() const { return data_->measurement; }
InterpCode Model::normsys_interp() const { return data_->normsys_code; }
InterpCode Model::histosys_interp() const { return data_->histosys_code; }

std::size_t Model::table_entries() const {
  const auto& d = *data_;
  // The normsys entries the model has, not the sweep's padded table.
  const auto normsys = static_cast<std::size_t>(std::count_if(
      d.scalars.begin(), d.scalars.end(), [](const detail::ScalarFactor& f) { return f.normsys != detail::kNoEntry; }));
  // A unit kind's term is evaluated per bin over its parameters.
  std::size_t kinds = 0;
  for (std::size_t b = 0; b + 1 < d.kind_term_begin.size(); ++b)
    for (std::uint32_t t = d.kind_term_begin[b]; t < d.kind_term_begin[b + 1]; ++t)
      kinds += d.blocks[b].nbins * std::max<std::size_t>(1, d.kind_terms[t]->parameters().size());
  return d.nominal.size() + d.scalars.size() + normsys + d.binfactor_par.size() + d.histo_down.size() + kinds;
}

namespace {
void check_pars(const Model& m, std::span<const double> pars) {
  if (pars.size() != m.npars())
    throw InvalidPdfParameters(fmt::format("parameters have length {} but the model requires {}", pars.size(), m.npars()));
}
}  // namespace

std::vector<double> Model::expected_actualdata(std::span<const double> pars) const {
  check_pars(*this, pars);
  Evaluator ev(*this);
  auto r = ev.expected_main(pars);
  return {r.begin(), r.end()};
}

std::vector<double> Model::expected_auxdata(std::span<const double> pars) const {
  check_pars(*this, pars);
  Evaluator ev(*this);
  std::vector<double> out(nauxdata());
  ev.expected_aux(pars, out);
  return out;
}

std::vector<double> Model::expected_data(std::span<const double> pars, bool include_auxdata) const {
  std::vector<double> out = expected_actualdata(pars);
  if (include_auxdata) {
    auto aux = expected_auxdata(pars);
    out.insert(out.end(), aux.begin(), aux.end());
  }
  return out;
}

std::vector<Model::SampleYields> Model::expected_by_sample(std::span<const double> pars) const {
  check_pars(*this, pars);
  // The same kernels as the Evaluator, but keeping each block's rates apart (not hot).
  const auto& d = *data_;
  Evaluator ev(*this);
  ev.expected_main(pars);  // validates pars once
  std::vector<SampleYields> out;
  for (std::size_t b = 0; b < d.blocks.size(); ++b) {
    const auto& blk = d.blocks[b];
    SampleYields y{blk.channel, blk.sample, std::vector<double>(blk.nbins)};
    double s = 1.0;
    for (std::uint32_t k = d.scalar_begin[b]; k < d.scalar_begin[b + 1]; ++k) {
      const auto& f = d.scalars[k];
      s *= f.normsys == detail::kNoEntry ? pars[f.par] : detail::normsys_factor(d.normsys_code, pars[f.par], d.normsys[f.normsys]).value;
    }
    std::vector<double> unit(blk.nbins, 1.0), added(blk.nbins, 0.0), f(blk.nbins);
    for (std::uint32_t t = d.kind_term_begin[b]; t < d.kind_term_begin[b + 1]; ++t) {
      d.kind_terms[t]->factors(pars.data(), f.data());
      for (std::uint32_t j = 0; j < blk.nbins; ++j) (d.kind_terms[t]->additive() ? added[j] += f[j] : unit[j] *= f[j]);
    }
    for (std::uint32_t j = 0; j < blk.nbins; ++j) {
      const std::size_t i = blk.bin_begin + j;
      double base = d.nominal[i] + added[j];
      for (std::uint32_t h = d.histo_begin[b]; h < d.histo_begin[b + 1]; ++h)
        base += detail::histosys_delta(d, pars[d.histos[h].par], i, d.histos[h].data + j).value;
      double p = 1.0;
      for (std::uint32_t k = d.binfactor_begin[i]; k < d.binfactor_begin[i + 1]; ++k) p *= pars[d.binfactor_par[k]];
      y.yields[j] = base * s * p * unit[j];
    }
    out.push_back(std::move(y));
  }
  return out;
}

double Model::logpdf(std::span<const double> pars, std::span<const double> data) const {
  check_pars(*this, pars);
  Evaluator ev(*this);
  ev.set_data(data);
  return -ev.nll(pars);
}

double Model::mainlogpdf(std::span<const double> pars, std::span<const double> maindata) const {
  check_pars(*this, pars);
  if (maindata.size() != nmaindata())
    throw InvalidPdfData(fmt::format("main data has {} values, the model has {} bins", maindata.size(), nmaindata()));
  std::vector<double> full(maindata.begin(), maindata.end());
  full.insert(full.end(), auxdata().begin(), auxdata().end());
  Evaluator ev(*this);
  ev.set_data(full);
  return -ev.main_nll(pars);
}

double Model::constraint_logpdf(std::span<const double> pars, std::span<const double> aux) const {
  check_pars(*this, pars);
  if (aux.size() != nauxdata())
    throw InvalidPdfData(fmt::format("auxdata has {} values, the model needs {}", aux.size(), nauxdata()));
  std::vector<double> full(nmaindata(), 0.0);
  full.insert(full.end(), aux.begin(), aux.end());
  Evaluator ev(*this);
  ev.set_data(full);
  return -ev.constraint_nll(pars);
}

}  // namespace hfx
