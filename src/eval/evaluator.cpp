// The hot loop: expected rates, NLL and its gradient over the compiled tables.
//
// rate(block-bin) = (nominal + sum of histosys deltas) x (product of block factors:
// normfactor, lumi, normsys) x (product of per-bin factors: shapesys, staterror,
// shapefactor); main-bin rates are sums over blocks. The gradient is one reverse sweep
// of the same tables, starting from d nll / d rate = 1 - n / rate.
#include "hfx/evaluator.hpp"

#include "gauss_constraints.hpp"
#include "kernels.hpp"
#include "log_gamma.hpp"
#include "cpu_features.hpp"
#include "normsys_sweep.hpp"
#include "packed_code4p.hpp"
#include "panel_code4p.hpp"
#include "poisson_constraints.hpp"
#include "main_poisson.hpp"
#include "vector_log.hpp"
#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hfx {

namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))

// Curvature of one constraint term in its parameter: Gaussian 1/sigma^2; Poisson with
// auxiliary count a at parameter value p: a / p^2.
double normal_curvature(const detail::NormalConstraint& c) { return 1.0 / (c.sigma * c.sigma); }
double poisson_curvature(double a, double p) { return a / (p * p); }

// The modifier kinds present in a model or covered by a fast path: bit t for
// ModifierType t.
using KindSet = std::uint32_t;
constexpr KindSet kind_bit(ModifierType t) { return 1u << static_cast<int>(t); }
constexpr KindSet kSevenKinds = kind_bit(ModifierType::extension) - 1;
constexpr KindSet kAllKinds = kSevenKinds | kind_bit(ModifierType::extension);

// Every fast path and the kinds it computes. The single per-bin factor path reads each
// block-bin's factor as one parameter value, so it cannot hold a unit kind's factor; the
// others read bin_factor_, which does.
struct FastPath {
  const char* name;
  KindSet covers;
};
constexpr FastPath kNormsysSweep{"normsys sweep", kAllKinds};
constexpr FastPath kPanels{"histosys panels", kAllKinds};
constexpr FastPath kSingleBinFactor{"single per-bin factor", kSevenKinds};
constexpr FastPath kMergedBlocks{"merged blocks", kSevenKinds};

bool covers(const FastPath& path, KindSet present) { return (present & ~path.covers) == 0; }

}  // namespace

Evaluator::Evaluator(const Model& model, Arithmetic arithmetic)
    : model_(&model),
      arithmetic_(arithmetic),
      sweeps_normsys_(arithmetic == Arithmetic::stable && model.data().normsys_code == InterpCode::code4),
      tables_(arithmetic == Arithmetic::stable && model.data().fit && covers(kMergedBlocks, model.data().kinds)
                  ? model.data().fit.get()
                  : &model.data()) {
  const auto& d = *tables_;
  sweeps_normsys_ = sweeps_normsys_ && covers(kNormsysSweep, d.kinds);
  panels_ = arithmetic == Arithmetic::stable && !d.histo_panels.empty() && detail::cpu_has_avx2_fma() &&
            covers(kPanels, d.kinds);
  block_scale_.assign(d.blocks.size(), 1.0);
  bin_factor_.assign(d.nominal.size(), 1.0);
  single_binfactor_ = covers(kSingleBinFactor, d.kinds);
  for (std::size_t i = 0; i < d.nominal.size(); ++i)
    if (d.binfactor_begin[i + 1] - d.binfactor_begin[i] > 1) single_binfactor_ = false;
  kinds_ = !d.kind_terms.empty();
  for (const auto& t : d.kind_terms) additive_kinds_ = additive_kinds_ || t->additive();
  if (kinds_) {
    kind_factor_.assign(d.nominal.size(), 1.0);
    bf_own_.assign(d.nominal.size(), 1.0);
    std::size_t max_pars = 0;
    kind_val_off_.assign(d.kind_terms.size(), 0);
    std::uint32_t off = 0;
    for (std::size_t b = 0; b < d.blocks.size(); ++b)
      for (std::uint32_t t = d.kind_term_begin[b]; t < d.kind_term_begin[b + 1]; ++t) {
        kind_val_off_[t] = off;
        off += d.blocks[b].nbins;
        max_pars = std::max(max_pars, d.kind_terms[t]->parameters().size());
      }
    kind_val_.assign(off, 1.0);
    kind_deriv_.assign(max_pars, 0.0);
  }
  bin_index_.resize(d.nominal.size());
  for (std::size_t b = 0; b < d.blocks.size(); ++b)
    for (std::uint32_t j = 0; j < d.blocks[b].nbins; ++j) bin_index_[d.blocks[b].bin_begin + j].block = static_cast<std::uint32_t>(b);
  for (std::size_t i = 0; i < d.nominal.size(); ++i) {
    auto& bi = bin_index_[i];
    bi.main = d.bb_main[i];
    bi.factor = static_cast<std::uint32_t>(d.npars);
    if (single_binfactor_ && d.binfactor_begin[i + 1] > d.binfactor_begin[i])
      bi.factor = d.binfactor_par[d.binfactor_begin[i]];
  }
  // Without histosys the base yields are the nominal ones for good: forward leaves them.
  base_.assign(d.nominal.begin(), d.nominal.end());
  if (arithmetic_ == Arithmetic::stable) main_sum_ = detail::main_poisson_sum_for(d.nmain);
  unconstrained_ = d.normal.empty() && d.poisson.empty();
  normsys_val_.assign(d.normsys.size(), 1.0);
  normsys_grad_.assign(d.normsys.size(), 0.0);
  normsys_dlog_.assign(d.normsys.size(), 0.0);
  histo_coef_.assign(2 * d.npars, 0.0);
  histo_slope_.assign(d.npars, 0.0);
  if (panels_) {
    panel_g_.assign(detail::panel_grad_size(d), 0.0);
    bb_weight_.assign(d.nominal.size(), 0.0);
  }
  rate_.assign(d.nmain, 0.0);
  w_.assign(d.nmain, 0.0);
  std::size_t max_scalars = 0;
  for (std::size_t b = 0; b < d.blocks.size(); ++b)
    max_scalars = std::max<std::size_t>(max_scalars, d.scalar_begin[b + 1] - d.scalar_begin[b]);
  prefix_.assign(max_scalars + 1, 1.0);
  partial_.assign(max_scalars + 1, 0.0);
  scratch_.assign(max_scalars + 1, 1.0);
  grad_tmp_.assign(d.npars, 0.0);
  std::size_t max_nbins = 0;
  for (const auto& blk : d.blocks) max_nbins = std::max<std::size_t>(max_nbins, blk.nbins);
  pw_.assign(max_nbins, 0.0);
  jrow_.assign(max_nbins, 0);
  data_.assign(d.nmain + d.auxdata.size(), 0.0);
  std::vector<std::uint32_t> normal_par;
  for (const auto& c : d.normal) {
    normal_par.push_back(c.par);
    normal_inv_sigma_.push_back(1.0 / c.sigma);
    normal_inv_var_.push_back(1.0 / (c.sigma * c.sigma));
  }
  detail::append_param_runs(normal_par.data(), normal_par.size(), normal_runs_);
  normal_aux_.assign(d.normal.size(), 0.0);
  forward_x_.assign(d.npars + 1, 1.0);
  log_scratch_.assign(d.nmain, 0.0);
  main_const_.assign(d.nmain, 0.0);
  poisson_const_.assign(d.poisson.size(), 0.0);
  for (std::size_t i = 0; i < d.auxdata.size(); ++i) data_[d.nmain + i] = d.auxdata[i];

  scalar_col_.assign(d.scalars.size(), 0);
  histo_col_.assign(d.histos.size(), 0);
  binfactor_col_.assign(d.binfactor_par.size(), 0);
  jac_offset_.assign(d.channels.size() + 1, 0);
  for (std::size_t c = 0; c < d.channels.size(); ++c) {
    const auto first = d.channel_pars.begin() + d.channel_par_begin[c];
    const auto last = d.channel_pars.begin() + d.channel_par_begin[c + 1];
    auto col = [&](std::uint32_t par) { return static_cast<std::uint32_t>(std::lower_bound(first, last, par) - first); };
    for (std::uint32_t b = d.channel_block_begin[c]; b < d.channel_block_begin[c + 1]; ++b) {
      for (std::uint32_t k = d.scalar_begin[b]; k < d.scalar_begin[b + 1]; ++k) scalar_col_[k] = col(d.scalars[k].par);
      for (std::uint32_t h = d.histo_begin[b]; h < d.histo_begin[b + 1]; ++h) histo_col_[h] = col(d.histos[h].par);
      const auto& blk = d.blocks[b];
      for (std::uint32_t i = blk.bin_begin; i < blk.bin_begin + blk.nbins; ++i)
        for (std::uint32_t k = d.binfactor_begin[i]; k < d.binfactor_begin[i + 1]; ++k)
          binfactor_col_[k] = col(d.binfactor_par[k]);
    }
    jac_offset_[c + 1] = jac_offset_[c] + d.channel_nbins[c] * static_cast<std::size_t>(last - first);
  }
  kind_col_off_.assign(1, 0);
  for (std::size_t c = 0; c < d.channels.size() && kinds_; ++c) {
    const auto first = d.channel_pars.begin() + d.channel_par_begin[c];
    const auto last = d.channel_pars.begin() + d.channel_par_begin[c + 1];
    for (std::uint32_t b = d.channel_block_begin[c]; b < d.channel_block_begin[c + 1]; ++b)
      for (std::uint32_t t = d.kind_term_begin[b]; t < d.kind_term_begin[b + 1]; ++t) {
        for (const std::uint32_t p : d.kind_terms[t]->parameters())
          kind_col_.push_back(static_cast<std::uint32_t>(std::lower_bound(first, last, p) - first));
        kind_col_off_.push_back(static_cast<std::uint32_t>(kind_col_.size()));
      }
  }
}

Evaluator::Structure Evaluator::structure() const {
  const auto& d = model_->data();
  return {d.nmain, d.channel_nbins, d.channel_offset, d.channel_par_begin, d.channel_pars, d.par_local_bin};
}

std::vector<std::string> Evaluator::fast_paths() const {
  std::vector<std::string> out;
  if (sweeps_normsys_) out.emplace_back(kNormsysSweep.name);
  if (panels_) out.emplace_back(kPanels.name);
  if (single_binfactor_) out.emplace_back(kSingleBinFactor.name);
  if (tables_ != &model_->data()) out.emplace_back(kMergedBlocks.name);
  return out;
}

void Evaluator::set_data(std::span<const double> data) {
  const auto& d = *tables_;
  const std::size_t n = d.nmain + d.auxdata.size();
  if (data.size() != n)
    throw InvalidPdfData(fmt::format("data has {} values, the model needs {} ({} main bins + {} auxdata)", data.size(), n,
                                     d.nmain, d.auxdata.size()));
  for (std::size_t i = 0; i < n; ++i) {
    const double x = data[i];
    if (!std::isfinite(x)) throw InvalidPdfData(fmt::format("data[{}] is not finite", i));
    if (i < d.nmain && x < 0) throw InvalidPdfData(fmt::format("data[{}] = {} is a negative count", i, x));
  }
  data_.assign(data.begin(), data.end());
  for (std::size_t k = 0; k < d.normal.size(); ++k) normal_aux_[k] = data_[d.nmain + d.normal[k].aux];
  // Normalisation constants are added term by term, as pyhf does: with stiff Poisson
  // constraints (tau ~ 1e8) each term is a small difference of huge numbers, and summing
  // the huge parts first would lose digits that pyhf keeps.
  for (std::size_t g = 0; g < d.nmain; ++g) main_const_[g] = detail::log_gamma(data_[g] + 1.0);
  for (std::size_t k = 0; k < d.poisson.size(); ++k) {
    const double a = data_[d.nmain + d.poisson[k].aux];
    poisson_const_[k] = detail::log_gamma(a + 1.0);
  }
  // The fits' arithmetic: the terms with a > 0 as arrays for the vectorised sum, their
  // constants a log a - a - lgamma(a + 1) summed once (each is ~ -log sqrt(2 pi a): no
  // large cancellations); the others (a = 0, e.g. a toy's aux count) term by term.
  pois_par_.clear();
  pois_r_.clear();
  pois_a_.clear();
  pois_other_.clear();
  pois_const_sum_ = 0;
  for (std::size_t k = 0; k < d.poisson.size(); ++k) {
    const double a = data_[d.nmain + d.poisson[k].aux];
    if (a > 0) {
      pois_par_.push_back(d.poisson[k].par);
      pois_r_.push_back(d.poisson[k].tau / a);
      pois_a_.push_back(a);
      pois_const_sum_ += (a * std::log(a) - a) - poisson_const_[k];
    } else {
      pois_other_.push_back(static_cast<std::uint32_t>(k));
    }
  }
  double c = 0;
  for (const auto& nc : d.normal) c += std::log(nc.sigma) + kLogSqrt2Pi;
  normal_const_ = c;
}

// Adds the code4p deltas of histosys entries [h0, h1) of an NB-bin block to base[0, NB)
// (same arithmetic as detail::code4p_delta).
template <int NB>
void Evaluator::accumulate_code4p(std::span<const double> x, std::uint32_t h0, std::uint32_t h1, double* base) const {
  const auto& d = *tables_;
  const detail::HistoEntry* histos = d.histos.data();
  const double* dup = d.histo_dup.data();
  const double* ddn = d.histo_ddn.data();
  const double* sa = d.histo_SA.data();
  // Two partial sums per bin (independent add chains), each entry going to the one given
  // by the parity of its position among all the block's histosys entries, null ones
  // included (ModelData::histo_lane): the summation order of this arithmetic, which
  // --optimizer scipy's reproduction of pyhf's fits depends on to its last bits, does not
  // change with the dropping of null entries.
  double acc[2][NB] = {};
  const std::uint8_t* lane = d.histo_lane.data();
  auto add = [&](std::uint32_t h) {
    const auto& e = histos[h];
    double* a = acc[lane[h]];
    const double alpha = x[e.par];
    if (alpha > 1) {
      for (int j = 0; j < NB; ++j) a[j] += dup[e.data + j] * alpha;
    } else if (alpha < -1) {
      for (int j = 0; j < NB; ++j) a[j] += ddn[e.data + j] * alpha;
    } else {
      const double poly = detail::code4p_poly(alpha);
      const double* p = sa + 2 * static_cast<std::size_t>(e.data);
      for (int j = 0; j < NB; ++j) a[j] += poly * p[2 * j + 1] + alpha * p[2 * j];
    }
  };
  for (std::uint32_t h = h0; h < h1; ++h) add(h);
  for (int j = 0; j < NB; ++j) base[j] += acc[0][j] + acc[1][j];
}

void Evaluator::histo_slopes(std::span<const double> x) {
  // d delta / d alpha = S + slope A: code4p's dpoly inside, +-8 outside (S +- 8A is the
  // up / down difference there).
  detail::histo_coefficients(*tables_, x.data(), nullptr, histo_slope_.data());
}

inline void Evaluator::remember_point(std::span<const double> x, bool grads) {
  // forward_x_[npars] stays 1.0: the value bin_index_ reads for "no per-bin factor".
  std::copy(x.begin(), x.end(), forward_x_.begin());
  forward_done_ = true;
  forward_grads_ = grads;
}

void Evaluator::forward(std::span<const double> x, bool grads) {
  const auto& d = *tables_;
  remember_point(x, grads);
  const InterpCode ncode = d.normsys_code;
  const std::size_t nblocks = d.blocks.size();
  const detail::ScalarFactor* scalars = d.scalars.data();
  const detail::NormSysEntry* normsys = d.normsys.data();
  double* nval = normsys_val_.data();
  double* ngrad = normsys_grad_.data();
  // The fits' arithmetic computes every code4 normsys factor up front in one sweep, which
  // also multiplies each block's factors into its scale.
  const bool swept = sweeps_normsys_;
  if (swept)
    detail::code4_normsys_sweep(d, x.data(), nval, grads ? ngrad : nullptr, grads ? normsys_dlog_.data() : nullptr,
                                block_scale_.data());
  auto scalar_value = [&](std::uint32_t k) {
    const auto& f = scalars[k];
    if (f.normsys == detail::kNoEntry) return x[f.par];
    // An NLL alone needs no derivatives (a line search's trial points).
    if (!grads) return nval[f.normsys] = detail::normsys_value(ncode, x[f.par], normsys[f.normsys]);
    const ValueGrad vg = detail::normsys_factor(ncode, x[f.par], normsys[f.normsys]);
    nval[f.normsys] = vg.value;
    ngrad[f.normsys] = vg.grad;
    return vg.value;
  };
  for (std::size_t b = 0; b < nblocks && !swept; ++b) {
    // Two partial products: a block has tens of factors, and one running product would
    // be a chain of dependent multiplications.
    double s0 = 1.0, s1 = 1.0;
    std::uint32_t k = d.scalar_begin[b];
    const std::uint32_t k1 = d.scalar_begin[b + 1];
    for (; k + 1 < k1; k += 2) {
      s0 *= scalar_value(k);
      s1 *= scalar_value(k + 1);
    }
    if (k < k1) s0 *= scalar_value(k);
    block_scale_[b] = s0 * s1;
  }
  const std::size_t nbb = d.nominal.size();
  if (!d.histos.empty()) std::copy(d.nominal.begin(), d.nominal.end(), base_.begin());
  const std::uint32_t* bf_begin = d.binfactor_begin.data();
  const std::uint32_t* bf_par = d.binfactor_par.data();
  if (!single_binfactor_) {  // else the rates' pass below copies the single factors
    for (std::size_t i = 0; i < nbb; ++i) {
      double p = 1.0;
      for (std::uint32_t k = bf_begin[i]; k < bf_begin[i + 1]; ++k) p *= x[bf_par[k]];
      bin_factor_[i] = p;
    }
  }
  if (kinds_) unit_kind_factors(x);
  const bool fast4p = d.histosys_code == InterpCode::code4p;
  const bool packed = fast4p && arithmetic_ == Arithmetic::stable && !d.histos.empty();
  // The packed kernel's coefficients and, for a gradient, the slopes: one pass.
  if (packed || (grads && fast4p))
    detail::histo_coefficients(d, x.data(), packed ? histo_coef_.data() : nullptr, grads && fast4p ? histo_slope_.data() : nullptr);
  // The panels cover every entry; else the per-entry kernel those of blocks up to 4 bins.
#if HFX_ENABLE_X86
  if (panels_)
    detail::add_panel_code4p(d, histo_coef_.data(), base_.data());
  else
#endif
  if (packed)
    detail::add_packed_code4p(d, histo_coef_.data(), base_.data());
  const bool per_block = !panels_ && !d.histos.empty();  // histosys deltas left to add
  for (std::size_t b = 0; b < nblocks && per_block; ++b) {
    const auto& blk = d.blocks[b];
    double* base = base_.data() + blk.bin_begin;
    const std::uint32_t nb = blk.nbins;
    if (packed && nb <= 4) continue;  // done above
    // Small blocks (most published regions have 1-4 bins): the deltas are summed in
    // registers, two independent accumulator sets, instead of a chain of
    // read-modify-writes of base[] through memory.
    if (fast4p && nb <= 4) {
      const std::uint32_t h0 = d.histo_begin[b], h1 = d.histo_begin[b + 1];
      switch (nb) {
        case 1: accumulate_code4p<1>(x, h0, h1, base); break;
        case 2: accumulate_code4p<2>(x, h0, h1, base); break;
        case 3: accumulate_code4p<3>(x, h0, h1, base); break;
        case 4: accumulate_code4p<4>(x, h0, h1, base); break;
      }
      continue;
    }
    for (std::uint32_t h = d.histo_begin[b]; h < d.histo_begin[b + 1]; ++h) {
      const auto& e = d.histos[h];
      const double alpha = x[e.par];
      if (fast4p) {
        // Default code4p with the per-bin terms precomputed: one branch per entry, then
        // two multiply-adds per bin (same arithmetic as detail::code4p_delta).
        if (alpha > 1) {
          const double* dup = d.histo_dup.data() + e.data;
          for (std::uint32_t j = 0; j < nb; ++j) base[j] += dup[j] * alpha;
        } else if (alpha < -1) {
          const double* ddn = d.histo_ddn.data() + e.data;
          for (std::uint32_t j = 0; j < nb; ++j) base[j] += ddn[j] * alpha;
        } else {
          const double poly = detail::code4p_poly(alpha);
          const double* sa = d.histo_SA.data() + 2 * static_cast<std::size_t>(e.data);
          for (std::uint32_t j = 0; j < nb; ++j) base[j] += poly * sa[2 * j + 1] + alpha * sa[2 * j];
        }
      } else {
        for (std::uint32_t j = 0; j < nb; ++j)
          base[j] += detail::histosys_delta(d, alpha, blk.bin_begin + j, e.data + j).value;
      }
    }
  }
  std::fill(rate_.begin(), rate_.end(), 0.0);
  // One flat pass over the block-bins (blocks store their bins consecutively, in block
  // order), rather than a loop per block: published blocks have 1-3 bins.
  const BinIndex* bin_index = bin_index_.data();
  if (single_binfactor_) {
    const double* xe = forward_x_.data();  // x, then 1.0 for bins without a factor
    for (std::size_t i = 0; i < nbb; ++i) {
      const BinIndex bi = bin_index[i];
      const double bf = xe[bi.factor];
      bin_factor_[i] = bf;
      rate_[bi.main] += base_[i] * block_scale_[bi.block] * bf;
    }
  } else {
    for (std::size_t i = 0; i < nbb; ++i) {
      const BinIndex bi = bin_index[i];
      rate_[bi.main] += base_[i] * block_scale_[bi.block] * bin_factor_[i];
    }
  }
}

// The unit kinds' factors by their reference kernels, multiplied into bin_factor_.
// The additive ones' deltas are added to base_ (histosys deltas are added to it after).
void Evaluator::unit_kind_factors(std::span<const double> x) {
  const auto& d = *tables_;
  std::copy(bin_factor_.begin(), bin_factor_.end(), bf_own_.begin());
  std::fill(kind_factor_.begin(), kind_factor_.end(), 1.0);
  if (additive_kinds_ && d.histos.empty()) std::copy(d.nominal.begin(), d.nominal.end(), base_.begin());
  for (std::size_t b = 0; b < d.blocks.size(); ++b) {
    const auto& blk = d.blocks[b];
    for (std::uint32_t t = d.kind_term_begin[b]; t < d.kind_term_begin[b + 1]; ++t) {
      double* v = kind_val_.data() + kind_val_off_[t];
      d.kind_terms[t]->factors(x.data(), v);
      if (d.kind_terms[t]->additive())
        for (std::uint32_t j = 0; j < blk.nbins; ++j) base_[blk.bin_begin + j] += v[j];
      else
        for (std::uint32_t j = 0; j < blk.nbins; ++j) kind_factor_[blk.bin_begin + j] *= v[j];
    }
  }
  for (std::size_t i = 0; i < bin_factor_.size(); ++i) bin_factor_[i] *= kind_factor_[i];
}

// What unit term t's value at bin j of block b is multiplied by in the rate: for an
// additive term the block scale times every per-bin factor; for a multiplicative one the
// base yield, the scale, the seven kinds' per-bin factors and the other multiplicative
// terms' factors.
double Evaluator::unit_kind_weight(std::size_t b, std::uint32_t t, std::uint32_t j) const {
  const auto& d = *tables_;
  const std::size_t i = d.blocks[b].bin_begin + j;
  if (d.kind_terms[t]->additive()) return block_scale_[b] * bin_factor_[i];
  double other = base_[i] * block_scale_[b] * bf_own_[i];
  for (std::uint32_t u = d.kind_term_begin[b]; u < d.kind_term_begin[b + 1]; ++u)
    if (u != t && !d.kind_terms[u]->additive()) other *= kind_val_[kind_val_off_[u] + j];
  return other;
}

double Evaluator::main_from_rates() const {
  const std::size_t nmain = rate_.size();
  // The stable arithmetic sums four bins at a time when every rate is positive, else
  // takes all logs in one vectorised call.
  const bool vector_log = arithmetic_ == Arithmetic::stable;
  double vector_sum;
  if (vector_log && main_sum_(rate_.data(), data_.data(), main_const_.data(), nmain, &vector_sum)) return vector_sum;
  if (vector_log) detail::log_array(rate_.data(), log_scratch_.data(), nmain);
  double sum = 0;
  for (std::size_t g = 0; g < nmain; ++g) {
    const double lam = rate_[g], n = data_[g];
    if (!(lam > 0)) {
      if (lam == 0 && n == 0) continue;  // Pois(0 | 0) = 1
      return std::numeric_limits<double>::infinity();
    }
    const double log_lam = vector_log ? log_scratch_[g] : std::log(lam);
    sum -= ((n > 0 ? n * log_lam : 0.0) - lam) - main_const_[g];
  }
  return sum;
}

double Evaluator::gauss_nll(std::span<const double> x) const {
  const auto& d = *tables_;
  if (d.normal.empty()) return 0.0;
  if (arithmetic_ == Arithmetic::stable)
    return detail::gauss_constraint_sum(normal_runs_.data(), normal_runs_.size() / 3, normal_aux_.data(),
                                        normal_inv_sigma_.data(), x.data());
  double sum = 0;
  for (const auto& c : d.normal) {
    const double z = (data_[d.nmain + c.aux] - x[c.par]) / c.sigma;
    sum += 0.5 * z * z;
  }
  return sum;
}

double Evaluator::constraint_nll(std::span<const double> x) const {
  if (unconstrained_) return 0.0;
  const auto& d = *tables_;
  double sum = gauss_nll(x);
  // -log Pois(a | lam) term by term in pyhf's operation order (xlogy(a, lam) - lam -
  // lgamma(a + 1)): with tau ~ 1e11 the intermediate values are ~1e12 and the rounding
  // of each step shows (~1e-3).
  auto pyhf_term = [&](std::size_t k) {
    const auto& c = d.poisson[k];
    const double lam = x[c.par] * c.tau, a = data_[d.nmain + c.aux];
    if (!(lam > 0)) return std::numeric_limits<double>::infinity();
    return -(((a > 0 ? a * std::log(lam) : 0.0) - lam) - poisson_const_[k]);
  };
  if (arithmetic_ == Arithmetic::stable) {
    // The same value written as C + a (u - log1p(u)), u = lam / a - 1, C = lgamma(a + 1)
    // - a log a + a: no cancellation between huge terms, so the minimiser sees a smooth
    // function even for tau ~ 1e11.
    if (!pois_par_.empty())
      sum += detail::poisson_constraint_sum(pois_par_.data(), pois_r_.data(), pois_a_.data(), pois_par_.size(),
                                            x.data()) -
             pois_const_sum_;
    for (const std::uint32_t k : pois_other_) sum += pyhf_term(k);
  } else {
    for (std::size_t k = 0; k < d.poisson.size(); ++k) sum += pyhf_term(k);
  }
  return sum + normal_const_;
}

double Evaluator::nll(std::span<const double> x) {
  forward(x, false);
  return nll_from_forward(x);
}

double Evaluator::nll_from_forward(std::span<const double> x) {
  const double m = main_from_rates();
  if (!std::isfinite(m)) return m;
  return m + constraint_nll(x);
}

double Evaluator::main_nll(std::span<const double> x) {
  forward(x, false);
  return main_from_rates();
}

// partial_[k - k0] = d(block scale) / d(parameter of factor k) for the block's factors
// [k0, k1), whose product is s: the product of the other factors times the factor's own
// derivative. The other factors' product is s / f_k in the fits' arithmetic when s is
// non-zero and finite, else prefix and suffix products (no division: a factor can be
// exactly 0, e.g. mu = 0).
void Evaluator::scalar_partials(std::span<const double> x, std::uint32_t k0, std::uint32_t k1, double s) {
  const auto& d = *tables_;
  const std::size_t K = k1 - k0;
  const detail::ScalarFactor* sc = d.scalars.data() + k0;
  const double* nval = normsys_val_.data();
  const double* ngrad = normsys_grad_.data();
  if (sweeps_normsys_ && s != 0 && std::isfinite(s)) {
    // In the fits' arithmetic, a non-zero scale has no zero factor, so the product of
    // the others is s / f_k, and its product with f_k' is s times the factor's log
    // derivative, which the sweep computed: no second pass.
    const double* dlog = normsys_dlog_.data();
    for (std::size_t k = 0; k < K; ++k)
      partial_[k] = sc[k].normsys == detail::kNoEntry ? s / x[sc[k].par] : s * dlog[sc[k].normsys];
    return;
  }
  double* pre = prefix_.data();
  double* scr = scratch_.data();
  // The running products stay in registers (not a chain through memory).
  double running = 1.0;
  for (std::size_t k = 0; k < K; ++k) {
    const double v = sc[k].normsys == detail::kNoEntry ? x[sc[k].par] : nval[sc[k].normsys];
    scr[k] = v;
    pre[k] = running;
    running *= v;
  }
  double suffix = 1.0;
  for (std::size_t k = K; k-- > 0;) {
    const double dfk = sc[k].normsys == detail::kNoEntry ? 1.0 : ngrad[sc[k].normsys];
    partial_[k] = dfk * pre[k] * suffix;
    suffix *= scr[k];
  }
}

// Accumulates into grad the derivative of sum_g w_[g] * rate_g with respect to the
// parameters, for the rates of the last forward(x): one reverse sweep of the tables.
void Evaluator::backward_main(std::span<const double> x, std::span<double> grad, std::size_t block_begin,
                              std::size_t block_end, bool histosys) {
  const auto& d = *tables_;
  for (std::size_t b = block_begin; b < block_end; ++b) {
    const auto& blk = d.blocks[b];
    const double s = block_scale_[b];
    // Block factors: d rate / d f_k = (product of the other block factors) * base * P.
    const std::uint32_t k0 = d.scalar_begin[b], k1 = d.scalar_begin[b + 1];
    if (k1 > k0) {
      double q = 0;
      for (std::uint32_t j = 0; j < blk.nbins; ++j) {
        const std::size_t i = blk.bin_begin + j;
        q += base_[i] * bin_factor_[i] * w_[d.bb_main[i]];
      }
      if (sweeps_normsys_ && s != 0 && std::isfinite(s)) {
        // The fits' arithmetic: d s / d alpha = s dlog for each normsys factor and
        // s / x for a direct one (see scalar_partials), straight from the tables.
        const double sq = s * q;
        const double* dlog = normsys_dlog_.data();
        const std::uint32_t* npar = d.normsys_par.data();
        for (std::uint32_t e = d.normsys_block_begin[b]; e < d.normsys_block_begin[b + 1]; ++e)
          grad[npar[e]] += sq * dlog[e];
        for (std::uint32_t k = d.direct_begin[b]; k < d.direct_begin[b + 1]; ++k) grad[d.direct_par[k]] += sq / x[d.direct_par[k]];
      } else {
        scalar_partials(x, k0, k1, s);
        for (std::uint32_t k = k0; k < k1; ++k) grad[d.scalars[k].par] += partial_[k - k0] * q;
      }
    }
    // Per-bin factors: d rate / d f = base * s * (product of the bin's other factors);
    // a lone factor has none.
    const std::uint32_t* bf_begin = d.binfactor_begin.data();
    if (single_binfactor_) {
      for (std::uint32_t j = 0; j < blk.nbins; ++j) {
        const std::size_t i = blk.bin_begin + j;
        if (bf_begin[i + 1] > bf_begin[i]) grad[d.binfactor_par[bf_begin[i]]] += base_[i] * s * w_[d.bb_main[i]];
      }
    } else {
      for (std::uint32_t j = 0; j < blk.nbins; ++j) {
        const std::size_t i = blk.bin_begin + j;
        const std::uint32_t p0 = bf_begin[i], p1 = bf_begin[i + 1];
        if (p1 == p0) continue;
        const double common = base_[i] * s * w_[d.bb_main[i]] * (kinds_ ? kind_factor_[i] : 1.0);
        for (std::uint32_t k = p0; k < p1; ++k) {
          double other = 1.0;
          for (std::uint32_t l = p0; l < p1; ++l)
            if (l != k) other *= x[d.binfactor_par[l]];
          grad[d.binfactor_par[k]] += common * other;
        }
      }
    }
    // Unit kinds: d rate / d c = base * S * (the bin's other factors) * d f / d c.
    for (std::uint32_t t = d.kind_term_begin[b]; kinds_ && t < d.kind_term_begin[b + 1]; ++t) {
      const auto pars = d.kind_terms[t]->parameters();
      for (std::uint32_t j = 0; j < blk.nbins; ++j) {
        const std::size_t i = blk.bin_begin + j;
        const double wt = w_[d.bb_main[i]] * unit_kind_weight(b, t, j);
        if (wt == 0) continue;
        d.kind_terms[t]->derivatives(x.data(), j, kind_deriv_.data());
        for (std::size_t k = 0; k < pars.size(); ++k) grad[pars[k]] += wt * kind_deriv_[k];
      }
    }
    // Histosys: d rate / d alpha = d delta / d alpha * S * P.
    if (!histosys || d.histo_begin[b] == d.histo_begin[b + 1]) continue;
    const bool fast4p = d.histosys_code == InterpCode::code4p;
    for (std::uint32_t j = 0; j < blk.nbins; ++j) {
      const std::size_t i = blk.bin_begin + j;
      pw_[j] = bin_factor_[i] * w_[d.bb_main[i]];
    }
    if (fast4p && blk.nbins <= 4) {
      detail::add_packed_code4p_grad(d, b, histo_slope_.data(), pw_.data(), s, grad.data());
      continue;
    }
    for (std::uint32_t h = d.histo_begin[b]; h < d.histo_begin[b + 1]; ++h) {
      const auto& e = d.histos[h];
      const double alpha = x[e.par];
      double g = 0;
      if (fast4p) {
        const double slope = histo_slope_[e.par];
        const double* sa = d.histo_SA.data() + 2 * static_cast<std::size_t>(e.data);
        for (std::uint32_t j = 0; j < blk.nbins; ++j) g += (slope * sa[2 * j + 1] + sa[2 * j]) * pw_[j];
      } else {
        for (std::uint32_t j = 0; j < blk.nbins; ++j)
          g += detail::histosys_delta(d, alpha, blk.bin_begin + j, e.data + j).grad * pw_[j];
      }
      grad[e.par] += g * s;
    }
  }
}

double Evaluator::nll_and_grad(std::span<const double> x, std::span<double> grad) {
  const auto& d = *tables_;
  forward(x, true);
  const double value = nll_from_forward(x);
  std::fill(grad.begin(), grad.end(), 0.0);
  if (!std::isfinite(value)) {
    std::fill(grad.begin(), grad.end(), std::numeric_limits<double>::quiet_NaN());
    return value;
  }
  for (std::size_t g = 0; g < d.nmain; ++g) w_[g] = 1.0 - (data_[g] > 0 ? data_[g] / rate_[g] : 0.0);
  backward_main(x, grad, 0, d.blocks.size(), !panels_);
#if HFX_ENABLE_X86
  if (panels_) {
    // d nll / d delta per block-bin, gathered into the panels' lanes.
    for (std::size_t i = 0; i < bb_weight_.size(); ++i) {
      const BinIndex bi = bin_index_[i];
      bb_weight_[i] = bin_factor_[i] * w_[bi.main] * block_scale_[bi.block];
    }
    detail::gather_panel_weights(d, bb_weight_.data(), panel_g_.data());
    detail::add_panel_code4p_grad(d, histo_slope_.data(), panel_g_.data(), grad.data());
  }
#endif
  add_constraint_gradient(x, grad);
  return value;
}

void Evaluator::jacobian(std::span<const double> x, std::span<double> jac) {
  const auto& d = *tables_;
  const std::size_t n = d.npars;
  forward(x, true);
  std::fill(w_.begin(), w_.end(), 0.0);
  // Row g only involves the blocks of g's channel: a restricted reverse sweep each.
  for (std::size_t c = 0; c < d.channels.size(); ++c)
    for (std::size_t j = 0; j < d.channel_nbins[c]; ++j) {
      const std::size_t g = d.channel_offset[c] + j;
      std::span<double> row = jac.subspan(g * n, n);
      std::fill(row.begin(), row.end(), 0.0);
      w_[g] = 1.0;
      backward_main(x, row, d.channel_block_begin[c], d.channel_block_begin[c + 1]);
      w_[g] = 0.0;
    }
}

void Evaluator::constraint_curvature(std::span<const double> x, std::span<double> diag) const {
  const auto& d = *tables_;
  std::fill(diag.begin(), diag.end(), 0.0);
  for (const auto& c : d.normal) diag[c.par] = normal_curvature(c);
  for (const auto& c : d.poisson) diag[c.par] = poisson_curvature(data_[d.nmain + c.aux], x[c.par]);
}

void Evaluator::add_constraint_gradient(std::span<const double> x, std::span<double> grad) const {
  const auto& d = *tables_;
  if (arithmetic_ == Arithmetic::stable)
    detail::add_gauss_constraint_grad(normal_runs_.data(), normal_runs_.size() / 3, normal_aux_.data(),
                                      normal_inv_var_.data(), x.data(), grad.data());
  else
    for (const auto& c : d.normal) grad[c.par] += (x[c.par] - data_[d.nmain + c.aux]) / (c.sigma * c.sigma);
  for (const auto& c : d.poisson) {
    const double a = data_[d.nmain + c.aux];
    grad[c.par] += c.tau - (a > 0 ? a / x[c.par] : 0.0);
  }
}

// The code4p histosys entries [h0, h1) of one block added to its channel's Jacobian J:
// column histo_col_[h], row jrow_[j] for bin j, d rate / d alpha = (S + slope A) * pw_[j].
// NB > 0 fixes the bin count at compile time (NB = 0: nb bins).
template <int NB>
void Evaluator::add_histo_jacobian(std::uint32_t h0, std::uint32_t h1, double* J, std::uint32_t nb) const {
  const auto& d = *tables_;
  const std::uint32_t n = NB > 0 ? NB : nb;
  const double* sa = d.histo_SA.data() + 2 * static_cast<std::size_t>(d.histos[h0].data);
  for (std::uint32_t h = h0; h < h1; ++h, sa += 2 * n) {
    const double slope = histo_slope_[d.histos[h].par];
    double* Jc = J + histo_col_[h];
    for (std::uint32_t j = 0; j < n; ++j) Jc[jrow_[j]] += (slope * sa[2 * j + 1] + sa[2 * j]) * pw_[j];
  }
}

std::span<const double> Evaluator::channel_jacobian(std::span<const double> x, std::vector<double>& jac,
                                                    std::span<double> grad) {
  const auto& d = *tables_;
  // A Newton step asks for the Jacobian where the line search just evaluated the NLL:
  // the tables already hold that point.
  if (!forward_done_ || !std::equal(x.begin(), x.end(), forward_x_.begin())) {
    forward(x, true);
  } else if (!forward_grads_) {
    // The line search's sweep skipped the normsys derivatives: add just those (the
    // fits' sweep recomputes the same values along with them).
    if (sweeps_normsys_) {
      if (!d.normsys.empty())
        detail::code4_normsys_sweep(d, x.data(), normsys_val_.data(), normsys_grad_.data(), normsys_dlog_.data(),
                                    nullptr);
    } else {
      for (const auto& f : d.scalars)
        if (f.normsys != detail::kNoEntry)
          normsys_grad_[f.normsys] = detail::normsys_factor(d.normsys_code, x[f.par], d.normsys[f.normsys]).grad;
    }
    if (d.histosys_code == InterpCode::code4p) histo_slopes(x);
    forward_grads_ = true;
  }
  jac.assign(jac_offset_.back(), 0.0);
  const bool fast4p = d.histosys_code == InterpCode::code4p;
  for (std::size_t c = 0; c < d.channels.size(); ++c) {
    const std::size_t m = d.channel_par_begin[c + 1] - d.channel_par_begin[c];
    double* J = jac.data() + jac_offset_[c];
    const std::size_t g0 = d.channel_offset[c];
    for (std::uint32_t b = d.channel_block_begin[c]; b < d.channel_block_begin[c + 1]; ++b) {
      const auto& blk = d.blocks[b];
      const double s = block_scale_[b];
      // Block factors: d rate / d f_k = (product of the other block factors) * base * P.
      const std::uint32_t k0 = d.scalar_begin[b], k1 = d.scalar_begin[b + 1];
      scalar_partials(x, k0, k1, s);
      for (std::uint32_t k = 0; k < k1 - k0; ++k) {
        const double coef = partial_[k];
        const std::uint32_t col = scalar_col_[k0 + k];
        for (std::uint32_t j = 0; j < blk.nbins; ++j) {
          const std::size_t i = blk.bin_begin + j;
          J[(d.bb_main[i] - g0) * m + col] += coef * base_[i] * bin_factor_[i];
        }
      }
      for (std::uint32_t j = 0; j < blk.nbins; ++j) {
        const std::size_t i = blk.bin_begin + j;
        double* row = J + (d.bb_main[i] - g0) * m;
        // Per-bin factors.
        const std::uint32_t p0 = d.binfactor_begin[i], p1 = d.binfactor_begin[i + 1];
        for (std::uint32_t k = p0; k < p1; ++k) {
          double other = base_[i] * s * (kinds_ ? kind_factor_[i] : 1.0);
          for (std::uint32_t l = p0; l < p1; ++l)
            if (l != k) other *= x[d.binfactor_par[l]];
          row[binfactor_col_[k]] += other;
        }
      }
      // Unit kinds: d rate / d c = base * S * (the bin's other factors) * d f / d c.
      for (std::uint32_t t = d.kind_term_begin[b]; kinds_ && t < d.kind_term_begin[b + 1]; ++t) {
        const std::uint32_t* col = kind_col_.data() + kind_col_off_[t];
        const std::size_t np = d.kind_terms[t]->parameters().size();
        for (std::uint32_t j = 0; j < blk.nbins; ++j) {
          const std::size_t i = blk.bin_begin + j;
          double* row = J + (d.bb_main[i] - g0) * m;
          const double wt = unit_kind_weight(b, t, j);
          d.kind_terms[t]->derivatives(x.data(), j, kind_deriv_.data());
          for (std::size_t k = 0; k < np; ++k) row[col[k]] += wt * kind_deriv_[k];
        }
      }
      // Histosys: d rate / d alpha = d delta / d alpha * S * P.
      const std::uint32_t h0 = d.histo_begin[b], h1 = d.histo_begin[b + 1];
      if (fast4p && h1 > h0) {
        // Each bin's Jacobian row and S * P hoisted out of the loop over entries.
        for (std::uint32_t j = 0; j < blk.nbins; ++j) {
          const std::size_t i = blk.bin_begin + j;
          jrow_[j] = (d.bb_main[i] - g0) * m;
          pw_[j] = s * bin_factor_[i];
        }
        switch (blk.nbins) {  // the published blocks' bin counts unrolled
          case 1: add_histo_jacobian<1>(h0, h1, J); break;
          case 2: add_histo_jacobian<2>(h0, h1, J); break;
          case 3: add_histo_jacobian<3>(h0, h1, J); break;
          case 4: add_histo_jacobian<4>(h0, h1, J); break;
          default: add_histo_jacobian<0>(h0, h1, J, blk.nbins); break;
        }
        continue;
      }
      for (std::uint32_t h = h0; h < h1; ++h) {
        const auto& e = d.histos[h];
        const double alpha = x[e.par];
        const std::uint32_t col = histo_col_[h];
        for (std::uint32_t j = 0; j < blk.nbins; ++j) {
          const std::size_t i = blk.bin_begin + j;
          const double dd = detail::histosys_delta(d, alpha, i, e.data + j).grad;
          J[(d.bb_main[i] - g0) * m + col] += dd * s * bin_factor_[i];
        }
      }
    }
  }
  if (!grad.empty()) {
    // d nll / d par = sum_g (1 - n_g / rate_g) J_g,par + the constraint terms.
    std::fill(grad.begin(), grad.end(), 0.0);
    for (std::size_t c = 0; c < d.channels.size(); ++c) {
      const std::uint32_t* pars = d.channel_pars.data() + d.channel_par_begin[c];
      const std::size_t m = d.channel_par_begin[c + 1] - d.channel_par_begin[c];
      const double* J = jac.data() + jac_offset_[c];
      for (std::size_t j = 0; j < d.channel_nbins[c]; ++j) {
        const std::size_t g = d.channel_offset[c] + j;
        const double w = 1.0 - (data_[g] > 0 ? data_[g] / rate_[g] : 0.0);
        for (std::size_t a = 0; a < m; ++a) grad[pars[a]] += w * J[j * m + a];
      }
    }
    add_constraint_gradient(x, grad);
  }
  return rate_;
}

std::span<const double> Evaluator::expected_main(std::span<const double> x) {
  forward(x, false);
  return rate_;
}

void Evaluator::expected_aux(std::span<const double> x, std::span<double> out) const {
  const auto& d = *tables_;
  for (std::size_t i = 0; i < d.aux_par.size(); ++i) out[i] = x[d.aux_par[i]] * d.aux_scale[i];
}

std::string Evaluator::nonfinite_reason() const {
  const auto& d = *tables_;
  for (std::size_t ci = 0; ci < d.channels.size(); ++ci)
    for (std::size_t j = 0; j < d.channel_nbins[ci]; ++j) {
      const std::size_t g = d.channel_offset[ci] + j;
      const double lam = rate_[g];
      if (std::isnan(lam) || std::isinf(lam))
        return fmt::format("expected rate is not a finite number in channel '{}' bin {} (a modifier's factor overflows "
                           "or is undefined at these parameters)",
                           d.channels[ci], j);
      if (!(lam > 0) && !(lam == 0 && data_[g] == 0))
        return fmt::format("expected rate {} <= 0 in channel '{}' bin {} with observed {}", lam, d.channels[ci], j, data_[g]);
    }
  // The main terms were finite: a Poisson constraint's (shapesys) parameter at or below
  // zero, or a parameter that is not finite.
  return "every main bin's expected rate is positive; a constraint term is not finite (a shapesys "
         "parameter <= 0, or a parameter that is not finite)";
}

}  // namespace hfx
