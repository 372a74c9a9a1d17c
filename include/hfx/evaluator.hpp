// Evaluator: the hot loop. Expected data, negative log-likelihood and its analytic
// gradient for one Model and one dataset, with all scratch preallocated.
//
// One Evaluator per thread: it holds mutable scratch. It keeps a reference to the Model,
// which must outlive it. No allocation, no exceptions after construction/set_data.
#pragma once

#include "hfx/aligned_vector.hpp"
#include "hfx/model.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace hfx {

class Evaluator {
 public:
  // How Poisson constraint terms are summed. `pyhf` repeats pyhf's operation order, so
  // logpdf agrees with pyhf to the last bits even where those bits are rounding noise
  // (shapesys with tau ~ 1e11 gives terms ~1e12). `stable` evaluates the same function
  // without cancellation; fits use it, so their minima are not limited by that noise.
  enum class Arithmetic { pyhf, stable };

  explicit Evaluator(const Model& model, Arithmetic arithmetic = Arithmetic::pyhf);

  const Model& model() const { return *model_; }

  // Binds the dataset: main bins followed by auxdata (nmaindata + nauxdata values).
  // Throws InvalidPdfData on a wrong length or non-finite / negative main counts.
  void set_data(std::span<const double> data);
  std::span<const double> data() const { return data_; }

  // Every pars below has npars values, in the model's parameter order.
  //
  // -log L(pars | data) with every normalisation constant (== -model.logpdf). Returns
  // +infinity when some main bin's expected rate is not positive while data > 0 (see
  // nonfinite_reason()).
  double nll(std::span<const double> pars);
  // Same, and writes d(nll)/d(pars) into grad (size npars). One forward + one reverse sweep.
  double nll_and_grad(std::span<const double> pars, std::span<double> grad);

  // Split terms of the bound data, each with its normalisation (positive = -log).
  double main_nll(std::span<const double> pars);
  double constraint_nll(std::span<const double> pars) const;

  // Expected main-bin rates at pars (valid until the next call).
  std::span<const double> expected_main(std::span<const double> pars);
  // Expected auxdata at pars.
  void expected_aux(std::span<const double> pars, std::span<double> out) const;

  // d rate_g / d par_p for every main bin g: jac is nmaindata x npars, row-major. One
  // reverse sweep per main bin.
  void jacobian(std::span<const double> pars, std::span<double> jac);
  // The constraint terms' curvature d^2(-log constraint)/d par^2 per parameter (the
  // constraints are independent, so this is their whole Hessian): 1/sigma^2 for a
  // Gaussian, aux/par^2 for a Poisson; 0 for unconstrained parameters. diag has npars.
  void constraint_curvature(std::span<const double> pars, std::span<double> diag) const;

  // The Jacobian of the main rates, channel by channel, in one sweep of the tables (no
  // per-bin reverse sweeps): channel c's block is dense, channel_nbins(c) rows by the
  // channel's parameters (model().data().channel_pars order), row-major, starting at
  // jac[channel_jacobian_offset(c)]. Returns the main rates at pars (valid until the
  // next call). jac is resized as needed. With a non-empty grad (size npars), also
  // writes the NLL gradient there, from the Jacobian: sum over main bins of
  // (1 - n / rate) J plus the constraint terms -- nll_and_grad's value by another route.
  std::span<const double> channel_jacobian(std::span<const double> pars, std::vector<double>& jac,
                                           std::span<double> grad = {});
  std::size_t channel_jacobian_offset(std::size_t channel) const { return jac_offset_[channel]; }

  // After a non-finite nll: which channel/bin had a non-positive rate, e.g.
  // "expected rate -0.3 <= 0 in channel 'SR' bin 2 with observed 4", or that the main
  // terms were finite and a constraint term was not.
  std::string nonfinite_reason() const;

  // The sparsity the fits exploit, from the compiled tables: channel c's main bins
  // [channel_offset[c], channel_offset[c] + channel_nbins[c]) depend only on the
  // parameters channel_pars[channel_par_begin[c] ... channel_par_begin[c + 1]) (sorted;
  // the columns of channel_jacobian's block c); par_local_bin[p] is the one main bin that
  // a constrained parameter p alone scales (a staterror or shapesys gamma), else -1.
  struct Structure {
    std::size_t nmain = 0;
    std::span<const std::size_t> channel_nbins, channel_offset;
    std::span<const std::uint32_t> channel_par_begin, channel_pars;
    std::span<const std::int32_t> par_local_bin;
    std::size_t nchannels() const { return channel_nbins.size(); }
  };
  Structure structure() const;

  // The fast paths this evaluator takes, by name ("normsys sweep", "histosys panels",
  // "single per-bin factor", ...). Each path declares the modifier kinds it computes and
  // is taken only when it covers every kind in the model.
  std::vector<std::string> fast_paths() const;

 private:
  // Scratch and tables on cache-line boundaries: a vector load or store that straddles
  // two lines or pages costs many times an aligned one.
  using Doubles = detail::AlignedDoubles;
  // grads: also the normsys factors' derivatives (for the gradient and Jacobian sweeps).
  void forward(std::span<const double> pars, bool grads);
  double nll_from_forward(std::span<const double> pars);
  template <int NB>
  void accumulate_code4p(std::span<const double> pars, std::uint32_t h0, std::uint32_t h1, double* base) const;
  void histo_slopes(std::span<const double> pars);
  // histosys = false leaves out the histosys entries (nll_and_grad then adds them from
  // the panels).
  void backward_main(std::span<const double> pars, std::span<double> grad, std::size_t block_begin,
                     std::size_t block_end, bool histosys = true);
  // forward_x_ = x and the flags below: the point the tables now describe.
  void remember_point(std::span<const double> pars, bool grads);
  double main_from_rates() const;
  void unit_kind_factors(std::span<const double> pars);
  double unit_kind_weight(std::size_t block, std::uint32_t term, std::uint32_t bin) const;
  double gauss_nll(std::span<const double> pars) const;  // the Gaussian constraints' terms
  void add_constraint_gradient(std::span<const double> pars, std::span<double> grad) const;
  void scalar_partials(std::span<const double> pars, std::uint32_t k0, std::uint32_t k1, double scale);
  template <int NB>
  void add_histo_jacobian(std::uint32_t h0, std::uint32_t h1, double* jac, std::uint32_t nb = NB) const;

  const Model* model_;
  Doubles data_;
  Doubles main_const_;     // per main bin: lgamma(n + 1)
  Doubles poisson_const_;  // per Poisson constraint: lgamma(a + 1)
  Arithmetic arithmetic_;
  // The fits' arithmetic with code4 normsys: forward computes the factors in one sweep
  // (normsys_sweep.hpp); the reverse sweeps rely on the same choice.
  bool sweeps_normsys_;
  // The fits' arithmetic on an AVX2 machine with histosys panels (ModelData::
  // histo_panels): forward and nll_and_grad's reverse sweep use them for every histosys
  // entry. (The Jacobians keep the per-block kernels: they sweep channel by channel.)
  bool panels_;
  Doubles panel_g_;    // the panels' weights, padding lanes zero
  Doubles bb_weight_;  // per block-bin: d nll / d delta
  // Every block-bin has at most one per-bin factor (staterror or shapesys alone, the
  // usual case): forward copies it instead of multiplying a list.
  bool single_binfactor_ = true;
  // The model has unit-kind terms (src/modifiers): their values, per term and bin
  // (term t's at kind_val_off_[t]), multiply each block-bin's rate or add to its base.
  // kind_factor_ is the multiplicative ones' product per block-bin, bf_own_ the seven
  // kinds' per-bin factors' product; bin_factor_ then holds both.
  bool kinds_ = false, additive_kinds_ = false;
  Doubles kind_val_, kind_factor_, bf_own_, kind_deriv_;
  std::vector<std::uint32_t> kind_val_off_;
  std::vector<std::uint32_t> kind_col_, kind_col_off_;  // term t's parameters' Jacobian columns
  // The fits' arithmetic: the main Poisson sum's variant for this model's bin count and
  // this CPU (main_poisson.hpp), chosen once; null in the `pyhf` arithmetic.
  bool (*main_sum_)(const double*, const double*, const double*, std::size_t, double*) = nullptr;
  // The model has neither Gaussian nor Poisson constraints: constraint_nll is 0.
  bool unconstrained_ = false;
  // Per block-bin, for forward's rates pass: its main bin, its block and, with
  // single_binfactor_, its factor's parameter (npars if it has none: forward_x_[npars]
  // holds 1).
  struct BinIndex {
    std::uint32_t main, block, factor;
  };
  std::vector<BinIndex> bin_index_;
  double normal_const_ = 0;            // sum of log(sigma sqrt(2 pi))
  // The Gaussian constraints as arrays for the fits' vectorised sum: their parameters as
  // (first term, end term, first parameter) triples of consecutive runs, and per
  // constraint the auxdata value (set_data), 1 / sigma and 1 / sigma^2.
  std::vector<std::uint32_t> normal_runs_;
  Doubles normal_aux_, normal_inv_sigma_, normal_inv_var_;
  // The Poisson constraints with aux count a > 0 as arrays for the fits' vectorised sum
  // (set_data): parameter, tau / a and a per term, and the sum of their constants; the
  // other terms by index into ModelData::poisson.
  std::vector<std::uint32_t> pois_par_, pois_other_;
  Doubles pois_r_, pois_a_;
  double pois_const_sum_ = 0;
  Doubles block_scale_;  // per block: product of scalar factors
  Doubles bin_factor_;   // per block-bin: product of per-bin factors
  Doubles base_;         // per block-bin: nominal + additive deltas
  Doubles normsys_val_, normsys_grad_;
  Doubles normsys_dlog_;  // fits' sweep: d log(factor) / d alpha per entry
  Doubles histo_coef_;   // per parameter: code4p's (c_S, c_A), see ModelData::histo_SA
  Doubles histo_slope_;  // per parameter: code4p's d delta / d alpha = S + slope A
  Doubles rate_;         // per main bin
  Doubles w_;            // per main bin: d nll / d rate
  Doubles prefix_, scratch_, partial_, grad_tmp_;
  Doubles pw_;
  std::vector<std::size_t> jrow_;  // per bin of one block: its row offset in a channel Jacobian
  Doubles jac_;
  Doubles row_;  // per bin of one block: P * d nll / d rate
  // channel_jacobian: each table entry's column within its channel's parameter list,
  // and each channel's offset in the output.
  std::vector<std::uint32_t> scalar_col_, histo_col_, binfactor_col_;
  std::vector<std::size_t> jac_offset_;
  Doubles forward_x_;  // the point of the last forward sweep, then 1.0 (npars + 1)
  bool forward_done_ = false;      // whether forward_x_ holds such a point
  bool forward_grads_ = false;     // whether it computed the normsys derivatives
  // Vectorised-log scratch of the const term evaluations (an Evaluator is per thread).
  mutable Doubles log_scratch_;
  // The tables this evaluator reads: the model's, or in the fits' arithmetic its merged
  // ones when it has them (ModelData::fit). Same parameters, bins and constraints.
  const detail::ModelData* tables_ = nullptr;
};

}  // namespace hfx
