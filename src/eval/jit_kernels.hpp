// Machine code generated for one model's most frequent fit kernels (internal), when the
// model is compiled: the normsys block products, the histosys panels with their
// coefficients, the pass that sums the block-bins into the main bins' rates, and the
// Gaussian constraints' sum. The parameter indices, table offsets and bin assignments
// become instruction displacements, so the code reads no index table and runs no loop
// (callgrind: staus's normsys products take 11 instructions per four entries where the
// table-driven sweep, normsys_sweep.cpp, takes 24; sbottom's rates pass 6 per
// block-bin instead of 14).
// Generated with Xbyak (libxbyak-dev), AVX2+FMA, System V x86-64; with AVX-512 the
// normsys products, panels, rates and Gaussian sum in an eight-lane variant (Width),
// bit-identical to the four-lane one.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace Xbyak {
class CodeGenerator;
}

namespace hfx::detail {

struct ModelData;

class JitKernels {
 public:
  // The code for d's tables, or null when none is made: the CPU lacks AVX2 or FMA (or
  // HFX_NO_AVX2 is set), the environment variable HFX_NO_JIT is set, or executable
  // memory cannot be had. Either part may be missing (has_block_scales, has_rates).
  static std::shared_ptr<const JitKernels> build(const ModelData& d);
  // The code's vector width: four lanes (AVX2+FMA) or eight (AVX-512F/DQ: pairs of the
  // four-lane groups, the same results bit for bit in fewer instructions).
  enum class Width { avx2, avx512 };
  // build() with the width chosen; build(d) chooses avx512 when the CPU has it
  // (cpu_has_avx512). The caller guarantees the CPU runs the width's instructions;
  // ignores HFX_NO_JIT.
  static std::shared_ptr<const JitKernels> build(const ModelData& d, Width width);

  // Made when d's normsys entries are code4 (at most 4096 of them) or it has none (then
  // the scales are the direct factors' products; at most 4096 blocks).
  bool has_block_scales() const { return scales_ != nullptr; }
  // When every normsys parameter (ModelData::normsys_par) has |x| < 1: scale[b] = the
  // product of block b's normsys factors times its direct factors, exactly as
  // code4_normsys_sweep computes it with grad null (the same operations in the same
  // order), and true. Otherwise (one outside, or a NaN) false, scale untouched. poly is
  // the normsys_poly of a ModelData with the same tables as the one the code was built
  // from (copies share the code).
  bool block_scales(const double* x, const double* poly, double* scale) const { return scales_(x, poly, scale) != 0; }
  // The same, and value[e], grad[e] and dlog[e] for every normsys entry e (padding
  // included) as code4_normsys_sweep computes them with grad and scale not null.
  bool block_scales(const double* x, const double* poly, double* scale, double* value, double* grad,
                    double* dlog) const {
    return scales_grad_(x, poly, scale, value, grad, dlog) != 0;
  }

  // Made for every model with main bins and at most 4096 block-bins.
  bool has_rates() const { return rates_ != nullptr; }
  // For every block-bin i in order: bin_factor[i] = the product of its per-bin factors'
  // parameters (ModelData::binfactor_par; 1 without any), and rate[main bin of i] +=
  // base[i] * scale[block of i] * bin_factor[i], each main bin's sum starting from 0:
  // the Evaluator's rates pass, bit for bit.
  void rates(const double* x, const double* base, const double* scale, double* bin_factor, double* rate) const {
    rates_(x, base, scale, bin_factor, rate);
  }

  // Made when d has histosys panels (ModelData::histo_panels, code4p).
  bool has_panels() const { return panels_ != nullptr; }
  // The doubles of scratch that panels() needs.
  std::size_t panel_scratch_size() const { return panel_scratch_; }
  // base = nominal (ModelData::nominal's size) plus every panel's delta, as copying
  // nominal to base, then histo_coefficients (code4p's c_S = x[p] and c_A of every
  // histosys parameter) and add_panel_code4p computes it, bit for bit for finite x; the
  // (parameter, four-bin group) vectors of a panel that are all zero are left out
  // (exact: c 0 + s is s), and the panels' other vectors are the code's own copy.
  // scratch: panel_scratch_size() doubles, overwritten. base and nominal do not overlap.
  void panels(const double* x, double* scratch, const double* nominal, double* base) const {
    panels_(x, scratch, nominal, base);
  }

  // Made when d has 1 to 4096 Gaussian constraints (ModelData::normal).
  bool has_gauss() const { return gauss_ != nullptr; }
  // sum_k ((aux[k] - x[par of constraint k]) inv_sigma[k])^2 / 2 over ModelData::normal
  // in order, bit for bit as gauss_constraint_sum computes it: its vector variant (runs
  // of consecutive parameters, eight then four terms at a time, the rest one by one), or
  // for fewer than 8 constraints its scalar one.
  double gauss(const double* x, const double* aux, const double* inv_sigma) const { return gauss_(x, aux, inv_sigma); }

  // All functions are thread-safe and allocation-free; they read only their arguments.
  JitKernels(const JitKernels&) = delete;
  JitKernels& operator=(const JitKernels&) = delete;
  ~JitKernels();

 private:
  using ScalesFn = int (*)(const double* x, const double* poly, double* scale);
  using ScalesGradFn = int (*)(const double* x, const double* poly, double* scale, double* value, double* grad,
                               double* dlog);
  using RatesFn = void (*)(const double* x, const double* base, const double* scale, double* bin_factor, double* rate);
  using GaussFn = double (*)(const double* x, const double* aux, const double* inv_sigma);
  using PanelsFn = void (*)(const double* x, double* scratch, const double* nominal, double* base);
  JitKernels() = default;
  std::unique_ptr<Xbyak::CodeGenerator> code_;
  ScalesFn scales_ = nullptr;
  ScalesGradFn scales_grad_ = nullptr;  // made with scales_
  RatesFn rates_ = nullptr;
  GaussFn gauss_ = nullptr;
  PanelsFn panels_ = nullptr;
  std::size_t panel_scratch_ = 0;
  std::vector<double> panel_data_;    // the panels' non-zero vectors, read by panels_
  std::vector<double> normsys_data_;  // the eight-lane normsys coefficients, read by scales_
};

}  // namespace hfx::detail
