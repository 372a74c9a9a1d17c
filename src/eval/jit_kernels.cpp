#include "jit_kernels.hpp"

#include "../compile/model_data.hpp"
#include "cpu_features.hpp"
#include "gauss_constraints.hpp"

#include <fmt/format.h>
#include <unistd.h>
#include <xbyak/xbyak.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <map>
#include <set>

namespace hfx::detail {

namespace {

// Straight-line code grows with the model, a loop does not: beyond these sizes (up to
// about 100 KB of code each) the table-driven kernels serve.
constexpr std::size_t kMaxNormsysEntries = 4096;
constexpr std::size_t kMaxBlockBins = 4096;
constexpr std::size_t kMaxConstraints = 4096;
constexpr std::size_t kMaxPanelDoubles = 16384;
// Main bins whose rates are summed in registers (xmm2 .. xmm13); the others in memory.
constexpr std::size_t kRateRegisters = 12;
// Horner chains of the block scales interleaved (emit_blocks_interleaved; at most 4).
constexpr std::size_t kInterleave = 4;
// Registers (zmm20 and up) for the compact alphas, and the fewest units that take them:
// with a unit or two, loading every normsys parameter up front costs more than it saves
// (NLL interleaved, min of 5: 2bin_2channel_couplednorm 37.7 -> 39.4 ns, 1bin_normsys
// 28.9 -> 30.0; staus's 61 units 164.7 -> 157.7, 3L 148.3 -> 143.7, sbottom's 11 126.9 ->
// 127.3).
constexpr std::size_t kCompactRegisters = 12;
constexpr std::size_t kCompactMinUnits = 16;

// Channels from this many bins on take the eight-lane rates (AVX-512); smaller ones,
// where a masked eight-lane pass per block costs more than a bin or two of scalar
// operations (staus: 13.5 ns instead of 8.3 with every channel eight-lane), one bin at
// a time.
constexpr std::size_t kWideRateBins = 3;

constexpr std::uint64_t kOneBits = 0x3FF0000000000000;  // 1.0
constexpr std::uint64_t kHalfBits = 0x3FE0000000000000;  // 0.5
constexpr std::uint64_t kAbsBits = 0x7FFFFFFFFFFFFFFF;  // all bits but the sign
constexpr std::uint8_t kLessOrdered = 0x11;             // _CMP_LT_OQ: false for a NaN
constexpr std::uint8_t kGreaterOrdered = 0x1E;          // _CMP_GT_OQ: false for a NaN

// A lane whose six coefficients are all zero (a padding entry, or a normsys whose up and
// down factors are both 1): its factor is exactly 1 for every finite alpha, so it may
// read any parameter that the range check covers.
constexpr std::int64_t kFree = -1;
using LaneSources = std::array<std::int64_t, 4>;

class Generator : public Xbyak::CodeGenerator {
 public:
  // wide: the normsys products eight lanes at a time (AVX-512F/DQ), else four.
  Generator(const ModelData& d, bool wide)
      : Xbyak::CodeGenerator(4096, Xbyak::AutoGrow), d_(d), n_(d.normsys.size()), wide_(wide) {}

  // int scales(const double* x [rdi], const double* poly [rsi], double* scale [rdx])
  // and, with grads, also double* value [rcx], double* grad [r8], double* dlog [r9].
  // Registers: ymm0 alphas, ymm1 a group's factors, ymm2 / ymm7 the block's running
  // products of even / odd groups (wide: zmm0, zmm1 and zmm2 for a pair of groups, ymm8 /
  // xmm9 the second group's alphas, k1 the low four lanes), xmm3/xmm4 the horizontal
  // product, ymm5/ymm6 a group's derivatives and their ratio to the factors, ymm12 the
  // range check's lanes, ymm13 all ones, ymm14 the abs mask, ymm15 (wide: zmm15) 1.0.
  // The wide variant without grads (emit_blocks_interleaved) also uses zmm16 .. zmm19 and
  // zmm24 .. zmm27, or with the compact alphas zmm11 .. zmm14 and zmm20 up, and k2 .. k4.
  // Only caller-saved registers are touched.
  std::size_t emit_scales(bool grads) {
    const std::size_t start = getSize();
    broadcast_bits(ymm15, kOneBits);
    broadcast_bits(ymm14, kAbsBits);
    vpcmpeqd(ymm13, ymm13, ymm13);
    if (wide_) {
      vbroadcastsd(zmm15, xmm15);
      set_mask(k1, 0x0F);  // the low four lanes
      mov(r10, reinterpret_cast<std::uint64_t>(wide_coef_));
    }
    Xbyak::Label outside;
    const bool compact = wide_ && !grads && !compact_.empty();
    if (compact) emit_compact_alphas(outside);
    else if (!d_.normsys.empty()) emit_range_check(outside);  // none: the direct factors alone
    if (wide_ && !grads) {
      emit_blocks_interleaved(compact);
    } else {
      for (std::size_t b = 0; b + 1 < d_.normsys_block_begin.size(); ++b) emit_block(b, grads);
    }
    mov(eax, 1);
    vzeroupper();
    ret();
    L(outside);
    xor_(eax, eax);
    vzeroupper();
    ret();
    return start;
  }

  // void rates(const double* x [rdi], const double* base [rsi], const double* scale
  // [rdx], double* bin_factor [rcx], double* rate [r8]). Registers: xmm0 the term, xmm1
  // the bin factor, xmm2 .. xmm13 the first kRateRegisters main bins' sums, xmm15 1.0.
  std::size_t emit_rates() {
    const std::size_t start = getSize();
    mov(rax, kOneBits);
    vmovq(xmm15, rax);
    const std::size_t in_registers = std::min(d_.nmain, kRateRegisters);
    for (std::size_t m = 0; m < in_registers; ++m) vxorpd(sum(m), sum(m), sum(m));
    if (d_.nmain > in_registers) {
      vxorpd(xmm0, xmm0, xmm0);
      for (std::size_t m = in_registers; m < d_.nmain; ++m) vmovsd(at(r8, m), xmm0);
    }
    std::vector<std::uint32_t> block_of(d_.nominal.size());
    for (std::size_t b = 0; b < d_.blocks.size(); ++b)
      for (std::uint32_t j = 0; j < d_.blocks[b].nbins; ++j) block_of[d_.blocks[b].bin_begin + j] = static_cast<std::uint32_t>(b);
    for (std::size_t i = 0; i < d_.nominal.size(); ++i) {
      emit_bin_term(i, block_of[i]);
      const std::size_t m = d_.bb_main[i];
      if (m < in_registers) {
        vaddsd(sum(m), sum(m), xmm0);
      } else {
        vaddsd(xmm0, xmm0, at(r8, m));  // rate + term: IEEE addition commutes exactly
        vmovsd(at(r8, m), xmm0);
      }
    }
    for (std::size_t m = 0; m < in_registers; ++m) vmovsd(at(r8, m), sum(m));
    vzeroupper();
    ret();
    return start;
  }

  // Whether emit_rates_wide serves d: every block covers its channel's bins in order
  // (block-bin j adds to main bin channel offset + j), the blocks of a channel come one
  // after another, channels have at most 64 bins, and within a block every bin has the
  // same number of per-bin factors, factor s of bin j being parameter p_s + j (staterror,
  // shapesys and shapefactor parameters run along the bins).
  bool rates_are_regular() const {
    std::size_t last_channel = 0;
    for (std::size_t b = 0; b < d_.blocks.size(); ++b) {
      const Block& blk = d_.blocks[b];
      if (blk.channel < last_channel || blk.nbins != d_.channel_nbins[blk.channel] || blk.nbins > 64) return false;
      last_channel = blk.channel;
      const std::uint32_t i0 = blk.bin_begin;
      const std::uint32_t nf = d_.binfactor_begin[i0 + 1] - d_.binfactor_begin[i0];
      for (std::uint32_t j = 0; j < blk.nbins; ++j) {
        const std::uint32_t i = i0 + j;
        if (d_.bb_main[i] != d_.channel_offset[blk.channel] + j) return false;
        if (d_.binfactor_begin[i + 1] - d_.binfactor_begin[i] != nf) return false;
        for (std::uint32_t f = 0; f < nf; ++f)
          if (d_.binfactor_par[d_.binfactor_begin[i] + f] != d_.binfactor_par[d_.binfactor_begin[i0] + f] + j) return false;
      }
    }
    return true;
  }

  // AVX-512 rates (rates_are_regular): each channel's bins eight at a time in zmm16 +
  // u, each of its blocks adding (base x block scale) x (product of its factors) to
  // them; a channel's partial last eight through the mask k1 (masked-off lanes are not
  // read or written). Per main bin the same operations in the same order as
  // emit_rates', bit for bit. Registers: zmm0 the terms, zmm1 the bin factors, zmm15 1.0.
  std::size_t emit_rates_wide() {
    const std::size_t start = getSize();
    mov(rax, kOneBits);
    vmovq(xmm15, rax);
    vbroadcastsd(zmm15, xmm15);
    for (std::size_t c = 0; c + 1 < d_.channel_block_begin.size(); ++c) {
      const std::int64_t nb = static_cast<std::int64_t>(d_.channel_nbins[c]);
      const std::int64_t offset = static_cast<std::int64_t>(d_.channel_offset[c]);
      if (nb < static_cast<std::int64_t>(kWideRateBins)) {
        emit_channel_rates_scalar(c);
        continue;
      }
      const int units = static_cast<int>((nb + 7) / 8);
      auto acc = [](int u) { return Xbyak::Zmm(16 + u); };
      for (int u = 0; u < units; ++u) vxorpd(acc(u), acc(u), acc(u));
      for (int u = 0; u < units; ++u) {
        const std::int64_t lanes = std::min<std::int64_t>(8, nb - 8 * u);
        const bool partial = lanes < 8;
        if (partial) {
          set_mask(k1, (1u << lanes) - 1);
        }
        auto masked = [&](const Xbyak::Zmm& z) { return partial ? z | k1 : z; };
        for (std::uint32_t b = d_.channel_block_begin[c]; b < d_.channel_block_begin[c + 1]; ++b) {
          const Block& blk = d_.blocks[b];
          const std::int64_t bin = blk.bin_begin + 8 * u;
          const std::uint32_t first = d_.binfactor_begin[blk.bin_begin], last = d_.binfactor_begin[blk.bin_begin + 1];
          vmovupd(partial ? zmm0 | k1 | T_z : zmm0, at(rsi, bin));
          vmulpd(zmm0, zmm0, ptr_b[rdx + static_cast<int>(8 * b)]);  // times the block's scale
          if (first == last) {
            vmovupd(at(rcx, bin), masked(zmm15));  // times 1: the product is unchanged
          } else {
            vmovupd(partial ? zmm1 | k1 | T_z : zmm1, at(rdi, d_.binfactor_par[first] + 8 * u));  // 1 * x is x
            for (std::uint32_t f = first + 1; f < last; ++f) vmulpd(masked(zmm1), zmm1, at(rdi, d_.binfactor_par[f] + 8 * u));
            vmovupd(at(rcx, bin), masked(zmm1));
            vmulpd(zmm0, zmm0, zmm1);
          }
          vaddpd(acc(u), acc(u), zmm0);
        }
        vmovupd(at(r8, offset + 8 * u), masked(acc(u)));
      }
    }
    vzeroupper();
    ret();
    return start;
  }

  // emit_rates_wide's channel c of fewer than kWideRateBins bins: one bin at a time,
  // as emit_rates, its sums in xmm2 + j.
  void emit_channel_rates_scalar(std::size_t c) {
    const std::size_t nb = d_.channel_nbins[c];
    for (std::size_t j = 0; j < nb; ++j) vxorpd(sum(j), sum(j), sum(j));
    for (std::uint32_t b = d_.channel_block_begin[c]; b < d_.channel_block_begin[c + 1]; ++b) {
      for (std::uint32_t j = 0; j < nb; ++j) {
        emit_bin_term(d_.blocks[b].bin_begin + j, b);
        vaddsd(sum(j), sum(j), xmm0);
      }
    }
    for (std::size_t j = 0; j < nb; ++j) vmovsd(at(r8, d_.channel_offset[c] + j), sum(j));
  }

  // double gauss(const double* x [rdi], const double* aux [rsi], const double*
  // inv_sigma [rdx]). Registers: ymm1/ymm2 the two vector sums, xmm3 the one-by-one
  // sum, ymm4/ymm5 the terms.
  std::size_t emit_gauss(bool wide) {
    if (d_.normal.size() < 8) return emit_gauss_few();
    const std::size_t start = getSize();
    vxorpd(ymm1, ymm1, ymm1);
    vxorpd(ymm2, ymm2, ymm2);
    vxorpd(xmm3, xmm3, xmm3);
    if (wide) {
      // AVX-512: eight terms in zmm1, whose halves are the two four-lane sums.
      vxorpd(zmm1, zmm1, zmm1);
      set_mask(k1, 0x0F);
    }
    const std::vector<std::uint32_t> runs = gauss_runs();
    for (std::size_t r = 0; r < runs.size(); r += 3) {
      const std::size_t begin = runs[r], end = runs[r + 1];
      const std::int64_t shift = std::int64_t{runs[r + 2]} - static_cast<std::int64_t>(begin);  // x index - k
      auto z = [&](const Xbyak::Xmm& t, std::size_t k) {  // t = (aux - x) inv_sigma, lanes from k
        const auto ki = static_cast<std::int64_t>(k);
        if (t.isYMM() || t.isZMM()) {
          vmovupd(t, at(rsi, ki));
          vsubpd(t, t, at(rdi, ki + shift));
          vmulpd(t, t, at(rdx, ki));
        } else {
          vmovsd(t, at(rsi, ki));
          vsubsd(t, t, at(rdi, ki + shift));
          vmulsd(t, t, at(rdx, ki));
        }
      };
      std::size_t k = begin;
      for (; k + 8 <= end; k += 8) {
        if (wide) {
          z(zmm4, k);
          vfmadd231pd(zmm1, zmm4, zmm4);
          continue;
        }
        z(ymm4, k);
        z(ymm5, k + 4);
        vfmadd231pd(ymm1, ymm4, ymm4);
        vfmadd231pd(ymm2, ymm5, ymm5);
      }
      if (k + 4 <= end) {
        z(ymm4, k);
        if (wide) vfmadd231pd(zmm1 | k1, zmm4, zmm4);  // the low half: the first sum
        else vfmadd231pd(ymm1, ymm4, ymm4);
        k += 4;
      }
      for (; k < end; ++k) {
        z(xmm4, k);
        vfmadd231sd(xmm3, xmm4, xmm4);
      }
    }
    if (wide) vextractf64x4(ymm2, zmm1, 1);
    vaddpd(ymm1, ymm1, ymm2);
    vextractf128(xmm2, ymm1, 1);
    vaddpd(xmm1, xmm1, xmm2);
    vunpckhpd(xmm2, xmm1, xmm1);
    vaddsd(xmm1, xmm1, xmm2);
    vaddsd(xmm0, xmm1, xmm3);
    return_half_of_xmm0();
    return start;
  }

  // Fewer than 8 constraints: gauss_constraint_sum's scalar variant, bit for bit: per
  // run, terms in pairs to two sums (xmm1, xmm2; multiply, then add: no fusing), an odd
  // last one to the first; half their sum.
  std::size_t emit_gauss_few() {
    const std::size_t start = getSize();
    vxorpd(xmm1, xmm1, xmm1);
    vxorpd(xmm2, xmm2, xmm2);
    const std::vector<std::uint32_t> runs = gauss_runs();
    for (std::size_t r = 0; r < runs.size(); r += 3) {
      const std::size_t begin = runs[r], end = runs[r + 1];
      const std::int64_t shift = std::int64_t{runs[r + 2]} - static_cast<std::int64_t>(begin);
      for (std::size_t k = begin; k < end; ++k) {
        const auto ki = static_cast<std::int64_t>(k);
        vmovsd(xmm4, at(rsi, ki));
        vsubsd(xmm4, xmm4, at(rdi, ki + shift));
        vmulsd(xmm4, xmm4, at(rdx, ki));
        vmulsd(xmm4, xmm4, xmm4);
        const Xbyak::Xmm acc = (k - begin) % 2 == 0 ? xmm1 : xmm2;
        vaddsd(acc, acc, xmm4);
      }
    }
    vaddsd(xmm0, xmm1, xmm2);
    return_half_of_xmm0();
    return start;
  }

  // void panels(const double* x [rdi], double* scratch [rsi], const double* nominal
  // [rdx], double* base [rcx]): base = nominal plus the panels' deltas. First c_A of
  // every histosys parameter, four at a time, into scratch (slot k for
  // d.histo_pars[k]): code4p_poly inside +-1, 8 alpha above, -8 alpha below, with the
  // operations of coefficients_avx2 (no fused multiply-adds). Then each panel as
  // panel_forward: accumulators zeroed, per parameter c_S = x[p] and c_A broadcast and
  // multiplied-added into them (S and A apart up to 6 groups), their sum added to base.
  // data receives the panels' non-zero vectors (an aligned copy); r9 holds its address.
  // A (parameter, register) vector that is all zero is left out (exact: c 0 + s is s).
  // Four lanes: register g holds bins 4g .. 4g + 3 of a panel, S in ymm g and A in
  // ymm G + g when apart; a partial last group is added lane by lane. Eight lanes
  // (wide): register u holds groups 2u and 2u + 1 (a zero upper half for an odd count's
  // last group), S in zmm u and A in zmm 16 + u; a partial last register is added
  // through the mask k2 (the masked-off lanes keep their values), into PanelSums's
  // registers. Each bin sees the same operations either way, bit for bit. Four lanes:
  // nominal is first copied to base, and each panel's sums added to base in memory.
  std::size_t emit_panels(std::vector<double>& data, bool wide) {
    const std::vector<std::uint32_t>& hp = d_.histo_pars;
    std::vector<std::int64_t> slot(d_.npars, -1);
    for (std::size_t k = 0; k < hp.size(); ++k) slot[hp[k]] = static_cast<std::int64_t>(k);
    const std::uint32_t per = wide ? 2 : 1;  // groups of four bins per register
    // Where each (panel parameter, register, part) vector lands in data, or -1.
    std::vector<std::int64_t> where;
    std::vector<double> vectors;
    for (const HistoPanel& q : d_.histo_panels) {
      const std::uint32_t G = panel_lane_groups(q.nbins), U = (G + per - 1) / per;
      const std::size_t parts = q.a_only ? 1 : 2;
      for (std::uint32_t i = q.par_begin; i < q.par_end; ++i)
        for (std::uint32_t u = 0; u < U; ++u)
          for (std::size_t part = 0; part < parts; ++part) {
            std::array<double, 8> v{};
            for (std::uint32_t h = 0; h < per && per * u + h < G; ++h) {
              const double* src = d_.panel_SA.data() + q.data + parts * 4 * (G * (i - q.par_begin) + per * u + h) + 4 * part;
              std::copy(src, src + 4, v.begin() + 4 * h);
            }
            if (std::all_of(v.begin(), v.begin() + 4 * per, [](double t) { return t == 0.0; })) {
              where.push_back(-1);
            } else {
              where.push_back(static_cast<std::int64_t>(vectors.size()));
              vectors.insert(vectors.end(), v.begin(), v.begin() + 4 * per);
            }
          }
    }
    const std::size_t start = getSize();
    mov(r9, reinterpret_cast<std::uint64_t>(aligned_copy(vectors, data)));
    PanelSums sums;
    if (wide) sums.start(*this);
    else emit_copy_nominal();
    emit_histo_coefficients();
    // A Zmm kept as a Ymm still encodes as zmm (the operand carries its kind).
    auto reg = [&](int idx) { return wide ? Xbyak::Ymm(Xbyak::Zmm(idx)) : Xbyak::Ymm(idx); };
    const Xbyak::Ymm c_s = reg(12), c_a = reg(13), sum = reg(14);
    std::size_t w = 0;
    for (const HistoPanel& q : d_.histo_panels) {
      const auto G = static_cast<int>(panel_lane_groups(q.nbins));
      const int U = (G + static_cast<int>(per) - 1) / static_cast<int>(per);
      const bool split = G <= 6 && !q.a_only;
      auto s = [&](int u) { return reg(u); };
      auto a = [&](int u) { return split ? reg(wide ? 16 + u : G + u) : reg(u); };
      for (int u = 0; u < U; ++u) {
        vxorpd(s(u), s(u), s(u));
        if (split) vxorpd(a(u), a(u), a(u));
      }
      for (std::uint32_t i = q.par_begin; i < q.par_end; ++i) {
        const std::uint32_t p = d_.panel_par[i];
        if (!q.a_only) vbroadcastsd(c_s, at(rdi, p));  // c_S = alpha
        vbroadcastsd(c_a, at(rsi, slot[p]));
        for (int u = 0; u < U; ++u) {
          if (!q.a_only) {
            if (where[w] >= 0) vfmadd231pd(s(u), c_s, at(r9, where[w]));
            ++w;
          }
          if (where[w] >= 0) vfmadd231pd(a(u), c_a, at(r9, where[w]));
          ++w;
        }
      }
      if (wide) sums.begin_panel(*this, q);
      for (int u = 0; u < U; ++u) {
        if (split) vaddpd(s(u), s(u), a(u));
        const std::int64_t bin = q.bin_begin + 4 * per * u;
        const auto lanes = static_cast<int>(std::min<std::int64_t>(4 * per, q.nbins - 4 * per * u));
        if (wide) {
          sums.add(*this, bin, lanes, Xbyak::Zmm(u));
        } else if (lanes == 4) {
          vaddpd(sum, s(u), at(rcx, bin));
          vmovupd(at(rcx, bin), sum);
        } else {
          for (int l = 0; l < lanes; ++l) {
            const Xbyak::Xmm lane = l == 0 ? Xbyak::Xmm(u) : xmm15;
            if (l == 1) vunpckhpd(xmm15, Xbyak::Xmm(u), Xbyak::Xmm(u));
            if (l == 2) vextractf128(xmm15, Xbyak::Ymm(u), 1);
            if (l == 3) {
              vextractf128(xmm15, Xbyak::Ymm(u), 1);
              vunpckhpd(xmm15, xmm15, xmm15);
            }
            vaddsd(xmm14, lane, at(rcx, bin + l));
            vmovsd(at(rcx, bin + l), xmm14);
          }
        }
      }
    }
    if (wide) sums.finish(*this);
    vzeroupper();
    ret();
    return start;
  }

  // base = nominal (the four-lane panels' start), four doubles at a time.
  void emit_copy_nominal() {
    const auto n = static_cast<std::int64_t>(d_.nominal.size());
    std::int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
      vmovupd(ymm0, at(rdx, i));
      vmovupd(at(rcx, i), ymm0);
    }
    for (; i < n; ++i) {
      vmovsd(xmm0, at(rdx, i));
      vmovsd(at(rcx, i), xmm0);
    }
  }

  // The eight-lane panels' base values, held in registers (zmm22 + k for unit k: bins
  // lo + 8k .. lo + 8k + 7) over a run of consecutive panels that lie at multiples of 8
  // from the run's first bin lo (sbottom: four panels on bins 0 .. 27, three of them
  // on 0 .. 47), stored once when the run ends. A unit's lanes start from base where
  // an earlier run stored them, else from nominal. Through memory instead, each panel
  // loaded what the one before had just stored (often through a masked store, which
  // the core does not forward) and the first one the caller's copy of nominal: NLL
  // interleaved, min of 11, sbottom 184.4 -> 175.8 ns, 1Lbb 63.0 -> 58.3, 3L 167.6 ->
  // 163.1, staus 180.7 -> 176.0. Registers: zmm22 .. zmm29, k2 and k3, eax.
  class PanelSums {
   public:
    // Opens a new run unless panel q lies inside the current one at a multiple of 8.
    void begin_panel(Generator& g, const HistoPanel& q) {
      const std::int64_t b = q.bin_begin, e = b + q.nbins;
      if (open_ && b >= lo_ && (b - lo_) % 8 == 0 && e <= lo_ + 8 * static_cast<std::int64_t>(kUnits)) return;
      flush(g);
      open_ = true;
      lo_ = b;
    }

    // base[bin .. bin + lanes) += v's first lanes, in the registers.
    void add(Generator& g, std::int64_t bin, int lanes, const Xbyak::Zmm& v) {
      const auto k = static_cast<std::size_t>((bin - lo_) / 8);
      const Xbyak::Zmm r = reg(k);
      if (!loaded_[k]) load(g, k);
      if (lanes == 8) {
        g.vaddpd(r, r, v);
      } else {
        g.set_mask(g.k2, (1u << lanes) - 1);
        g.vaddpd(r | g.k2, r, v);  // the other lanes keep their values
      }
    }

    // Call first. Before the panels: nominal copied to every eight bins that hold a bin no panel
    // covers (the runs overwrite the others later). Copied after the runs instead, right
    // before the rates pass reads them, 3L's NLL took 173.7 ns and staus's 184.7 where
    // they had taken 171.7 and 181.3 (interleaved, min of 9).
    void start(Generator& g) {
      const auto n = static_cast<std::int64_t>(g.d_.nominal.size());
      written_.assign(static_cast<std::size_t>(n), false);
      std::vector<bool> covered(static_cast<std::size_t>(n), false);
      for (const HistoPanel& q : g.d_.histo_panels)
        for (std::uint32_t j = 0; j < q.nbins; ++j) covered[q.bin_begin + j] = true;
      for (std::int64_t i = 0; i < n; i += 8) {
        std::uint32_t todo = 0, in = 0;
        for (std::int64_t l = 0; l < 8 && i + l < n; ++l) {
          in |= 1u << l;
          if (!covered[i + l]) todo |= 1u << l;
        }
        if (todo == 0) continue;
        if (in == 0xFF) {
          g.vmovupd(g.zmm22, g.at(g.rdx, i));
          g.vmovupd(g.at(g.rcx, i), g.zmm22);
          continue;
        }
        g.set_mask(g.k2, in);
        g.vmovupd(g.zmm22 | g.k2 | g.T_z, g.at(g.rdx, i));
        g.vmovupd(g.at(g.rcx, i) | g.k2, g.zmm22);
      }
    }

    // The last run stored.
    void finish(Generator& g) { flush(g); }

   private:
    static constexpr std::size_t kUnits = 8;
    static Xbyak::Zmm reg(std::size_t k) { return Xbyak::Zmm(22 + static_cast<int>(k)); }

    // The lanes of unit k inside the block-bins (mask over l < 8).
    std::uint32_t inside(std::size_t k) const {
      std::uint32_t m = 0;
      for (std::int64_t l = 0; l < 8; ++l)
        if (bin(k, l) < static_cast<std::int64_t>(written_.size())) m |= 1u << l;
      return m;
    }
    std::int64_t bin(std::size_t k, std::int64_t l) const { return lo_ + 8 * static_cast<std::int64_t>(k) + l; }

    // Unit k's current base values: base where a run stored them, else nominal.
    void load(Generator& g, std::size_t k) {
      const std::uint32_t in = inside(k);
      std::uint32_t from_base = 0;
      for (std::int64_t l = 0; l < 8; ++l)
        if ((in >> l & 1u) != 0 && written_[bin(k, l)]) from_base |= 1u << l;
      const std::uint32_t from_nominal = in & ~from_base;
      if (from_nominal != 0) load_lanes(g, k, g.rdx, from_nominal, false);
      if (from_base != 0) load_lanes(g, k, g.rcx, from_base, from_nominal != 0);
      loaded_[k] = true;
    }

    // The lanes of unit k in mask from src (nominal or base); the others zeroed, or kept
    // with merge. Masked-off lanes are not read (nor can they fault).
    void load_lanes(Generator& g, std::size_t k, const Xbyak::Reg64& src, std::uint32_t mask, bool merge) {
      const Xbyak::Address from = g.at(src, bin(k, 0));
      if (mask == 0xFF) return g.vmovupd(reg(k), from);
      g.set_mask(g.k3, mask);
      if (merge) g.vmovupd(reg(k) | g.k3, from);
      else g.vmovupd(reg(k) | g.k3 | g.T_z, from);
    }

    void flush(Generator& g) {
      for (std::size_t k = 0; k < kUnits; ++k) {
        if (!loaded_[k]) continue;
        const std::uint32_t in = inside(k);
        if (in == 0xFF) {
          g.vmovupd(g.at(g.rcx, bin(k, 0)), reg(k));
        } else {
          g.set_mask(g.k3, in);
          g.vmovupd(g.at(g.rcx, bin(k, 0)) | g.k3, reg(k));
        }
        for (std::int64_t l = 0; l < 8; ++l)
          if ((in >> l & 1u) != 0) written_[bin(k, l)] = true;
        loaded_[k] = false;
      }
      open_ = false;
    }

    bool open_ = false;
    std::int64_t lo_ = 0;
    std::array<bool, kUnits> loaded_{};
    std::vector<bool> written_;  // per block-bin: stored to base by a flushed run
  };

  // AVX-512: the coefficients of the pairs of groups that emit_block multiplies as eight
  // lanes, copied into data (overwritten) in the order the code reads them: pair j's
  // rows a_1 .. a_6 of its eight entries at 48 j doubles from the first 64-byte boundary,
  // which r10 holds. Every 64-byte load then reads one cache line: read from the table,
  // where a pair may start at any multiple of four entries, half of them straddle two,
  // and staus's products took 108 ns instead of 87. Call before emit_scales; data must
  // then stay put.
  void prepare_wide(std::vector<double>& data) {
    std::vector<double> rows;
    wide_slot_.assign(n_ / 4, -1);
    for (std::size_t b = 0; b + 1 < d_.normsys_block_begin.size(); ++b) {
      const std::size_t begin = d_.normsys_block_begin[b], end = d_.normsys_block_begin[b + 1];
      for (std::size_t e = begin; e + 8 <= end; e += 8) {
        if (all_free(lane_sources(e)) && all_free(lane_sources(e + 4))) continue;
        wide_slot_[e / 4] = static_cast<std::int64_t>(rows.size() / 48);
        for (std::size_t k = 0; k < 6; ++k)
          for (std::size_t l = 0; l < 8; ++l) rows.push_back(d_.normsys_poly[k * n_ + e + l]);
      }
    }
    // An odd count's last groups of two blocks (not free), one eight-lane register in
    // the products without derivatives: its rows after the pairs', lanes 0-3 the first
    // block's group, 4-7 the second's. Each as four lanes of its own, reading the table
    // (where half such loads straddle two cache lines), staus's 11 and 3L's 11 such
    // groups cost a pair's instructions each: block scales alone staus 124 -> 104 ns,
    // 3L 93 -> 78; NLL interleaved, min of 11, 3L 164.9 -> 151.0, staus 176.3 -> 171.8,
    // sbottom 175.8 -> 172.7.
    std::vector<std::size_t> lone;  // blocks
    for (std::size_t b = 0; b + 1 < d_.normsys_block_begin.size(); ++b) {
      const std::size_t begin = d_.normsys_block_begin[b], end = d_.normsys_block_begin[b + 1];
      if ((end - begin) / 4 % 2 == 1 && !all_free(lane_sources(end - 4))) lone.push_back(b);
    }
    for (std::size_t i = 0; i + 1 < lone.size(); i += 2) {
      const std::size_t e1 = d_.normsys_block_begin[lone[i] + 1] - 4, e2 = d_.normsys_block_begin[lone[i + 1] + 1] - 4;
      wide_slot_[e1 / 4] = static_cast<std::int64_t>(rows.size() / 48);
      for (std::size_t k = 0; k < 6; ++k)
        for (const std::size_t e : {e1, e2})
          for (std::size_t l = 0; l < 4; ++l) rows.push_back(d_.normsys_poly[k * n_ + e + l]);
      lone_with_[lone[i]] = e2;
      lone_done_.insert(lone[i + 1]);
    }
    plan_compact(rows);
    wide_coef_ = aligned_copy(rows, data);
  }

 private:
  // xmm0 = block-bin i's rate term, base[i] * scale[b] * (product of its per-bin
  // factors' parameters), the product stored to bin_factor[i] (1 without factors).
  // Registers as in emit_rates: xmm1 the product, xmm15 1.0.
  void emit_bin_term(std::size_t i, std::size_t b) {
    vmovsd(xmm0, at(rsi, static_cast<std::int64_t>(i)));
    vmulsd(xmm0, xmm0, at(rdx, static_cast<std::int64_t>(b)));
    const std::uint32_t first = d_.binfactor_begin[i], last = d_.binfactor_begin[i + 1];
    if (first == last) {
      vmovsd(at(rcx, static_cast<std::int64_t>(i)), xmm15);  // times 1: the product is unchanged
      return;
    }
    vmovsd(xmm1, at(rdi, d_.binfactor_par[first]));  // 1 * x is x
    for (std::uint32_t k = first + 1; k < last; ++k) vmulsd(xmm1, xmm1, at(rdi, d_.binfactor_par[k]));
    vmovsd(at(rcx, static_cast<std::int64_t>(i)), xmm1);
    vmulsd(xmm0, xmm0, xmm1);
  }

  // The runs of Gaussian constraints on consecutive parameters, as the Evaluator forms
  // them (append_param_runs: begin, end, first parameter).
  std::vector<std::uint32_t> gauss_runs() const {
    std::vector<std::uint32_t> par, runs;
    for (const auto& c : d_.normal) par.push_back(c.par);
    append_param_runs(par.data(), par.size(), runs);
    return runs;
  }

  // Mask register k = bits (through eax).
  void set_mask(const Xbyak::Opmask& k, std::uint32_t bits) {
    mov(eax, bits);
    kmovw(k, eax);
  }

  // Returns xmm0 / 2 (times 0.5, exact).
  void return_half_of_xmm0() {
    mov(rax, kHalfBits);
    vmovq(xmm2, rax);
    vmulsd(xmm0, xmm0, xmm2);
    vzeroupper();
    ret();
  }

  // A copy of src in storage (overwritten), from its first 64-byte boundary, which it
  // returns: vector loads at multiples of 32 bytes from there never straddle two cache
  // lines (each straddling load costs a second cache access).
  static const double* aligned_copy(const std::vector<double>& src, std::vector<double>& storage) {
    storage.assign(src.size() + 8, 0.0);
    const auto misalign = reinterpret_cast<std::uintptr_t>(storage.data()) % 64;
    double* start = storage.data() + (misalign == 0 ? 0 : (64 - misalign) / 8);
    std::copy(src.begin(), src.end(), start);
    return start;
  }

  // scratch[k] = c_A of d.histo_pars[k], four at a time (the last group's unused lanes
  // repeat its last parameter). Registers: ymm0 alpha, ymm1 .. ymm6 work, ymm9 .. ymm15
  // constants.
  void emit_histo_coefficients() {
    broadcast_double(ymm15, 1.0);
    broadcast_double(ymm14, -1.0);
    broadcast_double(ymm13, 8.0);
    broadcast_double(ymm12, -8.0);  // 0 - 8, as coefficients_avx2 forms it
    broadcast_double(ymm11, 3.0);
    broadcast_double(ymm10, 10.0);
    broadcast_double(ymm9, 15.0);
    const std::vector<std::uint32_t>& hp = d_.histo_pars;
    for (std::size_t k = 0; k < hp.size(); k += 4) {
      LaneSources q{};
      for (std::size_t l = 0; l < 4; ++l) q[l] = hp[std::min(k + l, hp.size() - 1)];
      load_alphas(q, ymm0, xmm1);
      vmulpd(ymm1, ymm0, ymm0);                  // a2
      vmulpd(ymm2, ymm1, ymm11);                 // a2 3
      vsubpd(ymm2, ymm2, ymm10);                 // - 10
      vmulpd(ymm2, ymm1, ymm2);                  // a2 (...)
      vaddpd(ymm2, ymm2, ymm9);                  // + 15
      vmulpd(ymm2, ymm1, ymm2);                  // a2 (...): poly
      vcmppd(ymm3, ymm0, ymm15, kGreaterOrdered);  // above
      vcmppd(ymm4, ymm0, ymm14, kLessOrdered);     // below
      vorpd(ymm5, ymm3, ymm4);                   // outside
      vblendvpd(ymm6, ymm13, ymm12, ymm4);       // -8 below, else 8
      vmulpd(ymm6, ymm6, ymm0);                  // side alpha
      vblendvpd(ymm2, ymm2, ymm6, ymm5);
      vmovupd(at(rsi, static_cast<std::int64_t>(k)), ymm2);
    }
  }

  void broadcast_double(const Xbyak::Ymm& dst, double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    broadcast_bits(dst, bits);
  }

  void broadcast_bits(const Xbyak::Ymm& dst, std::uint64_t bits) {
    mov(rax, bits);
    vmovq(Xbyak::Xmm(dst.getIdx()), rax);
    vbroadcastsd(dst, Xbyak::Xmm(dst.getIdx()));
  }

  // ymm12 = the lanes of |x| < 1 over every normsys parameter, four consecutive
  // parameters per load (the window moved back to stay inside x), the lanes of other
  // parameters set true; jumps to outside unless all are true. (Models with fewer than
  // four parameters: scalar compares.)
  void emit_range_check(Xbyak::Label& outside) {
    const std::set<std::uint32_t> pars(d_.normsys_par.begin(), d_.normsys_par.end());
    if (d_.npars < 4) {  // no window of four fits: one parameter at a time
      for (const std::uint32_t p : pars) {
        vmovsd(xmm0, at(rdi, p));
        vandpd(xmm0, xmm0, xmm14);
        vucomisd(xmm15, xmm0);  // 1 > |x|, ordered, else outside
        jbe(outside, T_NEAR);
      }
      return;
    }
    std::set<std::uint32_t> checked;
    bool first = true;
    for (const std::uint32_t p : pars) {
      if (checked.count(p) != 0) continue;
      const std::int64_t s = std::min<std::int64_t>(p, static_cast<std::int64_t>(d_.npars) - 4);
      std::uint8_t others = 0;
      for (std::int64_t l = 0; l < 4; ++l) {
        if (is_normsys_par(s + l)) checked.insert(static_cast<std::uint32_t>(s + l));
        else others |= static_cast<std::uint8_t>(1u << l);
      }
      const Xbyak::Ymm lanes = first ? ymm12 : ymm0;
      vandpd(lanes, ymm14, at(rdi, s));
      vcmppd(lanes, lanes, ymm15, kLessOrdered);
      if (others != 0) vblendpd(lanes, lanes, ymm13, others);
      if (!first) vandpd(ymm12, ymm12, ymm0);
      first = false;
    }
    vmovmskpd(eax, ymm12);
    cmp(eax, 0xF);
    jne(outside, T_NEAR);
  }

  // As sweep_avx2<grads, true, false> and multiply_direct_factors: the block's groups'
  // factors multiplied lane-wise in order, the even groups' and the odd groups' apart
  // (the first of each is its product: the sweep's 1 * v is v), those two products
  // multiplied, then lanes (0 * 2) * (1 * 3), then the direct factors. Without grads a
  // group of free lanes only is left out (its factors are exactly 1); with grads it
  // stores value 1, grad 0 and dlog 0, as the sweep computes them. With AVX-512 (wide_)
  // groups 2j and 2j + 1 are one eight-lane register, whose halves are the even and the
  // odd products.
  void emit_block(std::size_t b, bool grads) {
    const std::size_t begin = d_.normsys_block_begin[b], end = d_.normsys_block_begin[b + 1];
    const std::size_t groups = (end - begin) / 4;
    bool have[2] = {false, false};  // ymm2 / ymm7 (wide_: zmm2's halves, have[0] for both) hold a product
    bool wide_pair = false;          // wide_: zmm2 holds a pair's product
    std::size_t g = 0;
    if (wide_) {
      // The pairs (all but an odd count's last group).
      for (; g + 1 < groups; g += 2) {
        const std::size_t e = begin + 4 * g;
        if (wide_slot_[e / 4] >= 0) emit_pair(e, grads, wide_pair);
        else if (grads) store_free(static_cast<std::int64_t>(e), true);  // both groups free
      }
    }
    for (; g < groups; ++g) {
      const std::size_t e = begin + 4 * g;
      const auto ei = static_cast<std::int64_t>(e);
      const LaneSources q = lane_sources(e);
      if (all_free(q)) {
        if (grads) store_free(ei, false);
        continue;
      }
      if (!grads && lone_done_.count(b) != 0) {
        vmovapd(ymm1, ymm10);  // computed with an earlier block's last group
      } else if (!grads && lone_with_.count(b) != 0) {
        load_alphas(lane_sources(lone_with_.at(b)), ymm8, xmm9);
        load_alphas(q, ymm0, xmm1);
        vinsertf64x4(zmm0, zmm0, ymm8, 1);
        horner(zmm1, zmm5, zmm6, e, false);
        vextractf64x4(ymm10, zmm1, 1);  // the later block's: kept for it
      } else {
        load_alphas(q, ymm0, xmm1);
        horner(ymm1, ymm5, ymm6, e, grads);
      }
      // Which product this group joins: its parity (narrow), the low half of zmm2 after
      // pairs (wide: the last group of an odd count is an even one).
      const std::size_t parity = wide_ ? 0 : g % 2;
      const Xbyak::Ymm acc = parity == 0 ? ymm2 : ymm7;
      if (wide_ && wide_pair) {
        vmulpd(zmm2 | k1, zmm2, zmm1);  // the low half only: the high one is the odd product
      } else if (have[parity]) {
        vmulpd(acc, acc, ymm1);
      } else {
        vmovapd(acc, ymm1);
        have[parity] = true;
      }
    }
    if (wide_pair) {
      vextractf64x4(ymm3, zmm2, 1);
      vmulpd(ymm2, ymm2, ymm3);  // even times odd
      have[0] = true;
    } else if (have[1]) {
      if (have[0]) vmulpd(ymm2, ymm2, ymm7);
      else vmovapd(ymm2, ymm7);
      have[0] = true;
    }
    store_scale(b, have[0]);
  }

  // scale[b] = the lanes of ymm2 multiplied (0 * 2) * (1 * 3) (with have, else 1), times
  // block b's direct factors in order.
  void store_scale(std::size_t b, bool have) {
    if (have) {
      vextractf128(xmm3, ymm2, 1);
      vmulpd(xmm3, xmm2, xmm3);
      vunpckhpd(xmm4, xmm3, xmm3);
      vmulsd(xmm3, xmm3, xmm4);
    } else {
      vmovapd(xmm3, xmm15);
    }
    for (std::uint32_t k = d_.direct_begin[b]; k < d_.direct_begin[b + 1]; ++k) vmulsd(xmm3, xmm3, at(rdi, d_.direct_par[k]));
    vmovsd(at(rdx, static_cast<std::int64_t>(b)), xmm3);
  }

  // One Horner evaluation of emit_blocks_interleaved: a pair of groups (eight lanes), a
  // block's last group together with a later block's (lone_with_), or a last group on its
  // own (four lanes, the table's coefficients).
  struct Unit {
    enum Kind { pair, lone_with, single } kind;
    std::size_t block, e;
  };

  // emit_block(b, false) for every block, AVX-512, bit for bit, with the Horner chains of
  // kInterleave consecutive units interleaved instruction by instruction (their alphas
  // and factors in zmm16 + i and zmm24 + i), then multiplied into their blocks' products
  // in order. NLL interleaved, min of 5: 3L 160.1 -> 154.4 ns, sbottom 139.7 -> 135.8,
  // staus 174.7 -> 173.9 (a unit's chain is seven dependent operations).
  void emit_blocks_interleaved(bool compact) {
    static_assert(kInterleave <= 4, "alphas in zmm16 .. zmm19, factors in zmm24 .. zmm27 or zmm11 .. zmm14");
    const std::vector<Unit> units = interleaved_units();
    const std::size_t nblocks = d_.normsys_block_begin.size() - 1;
    BlockProduct product;
    std::size_t next_block = 0;  // blocks before it are finished
    for (std::size_t u0 = 0; u0 < units.size(); u0 += kInterleave) {
      const std::size_t m = std::min(kInterleave, units.size() - u0);
      const Unit* batch = units.data() + u0;
      auto alpha = [&](std::size_t i) { return Xbyak::Zmm(16 + static_cast<int>(i)); };
      // (zmm20 and up hold the compact alphas: the factors in zmm11 .. zmm14.)
      auto value = [&](std::size_t i) { return Xbyak::Zmm((compact ? 11 : 24) + static_cast<int>(i)); };
      // A four-lane unit's registers are the low halves.
      auto width = [&](const Xbyak::Zmm& z, std::size_t i) {
        return batch[i].kind == Unit::single ? Xbyak::Xmm(Xbyak::Ymm(z.getIdx())) : Xbyak::Xmm(z);
      };
      for (std::size_t i = 0; i < m; ++i) {
        const Unit& t = batch[i];
        if (compact) {
          emit_compact_unit(alpha(i));
        } else if (t.kind == Unit::pair) {
          load_pair_alphas(t.e, alpha(i));
        } else if (t.kind == Unit::lone_with) {
          load_alphas(lane_sources(lone_with_.at(t.block)), ymm8, xmm9);
          load_alphas(lane_sources(t.e), ymm0, xmm1);
          vinsertf64x4(alpha(i), zmm0, ymm8, 1);
        } else {
          load_alphas(lane_sources(t.e), ymm0, xmm1);
          vmovapd(Xbyak::Ymm(alpha(i).getIdx()), ymm0);
        }
      }
      auto row = [&](std::size_t i, std::size_t k) {
        const Unit& t = batch[i];
        return t.kind == Unit::single ? coef(k, t.e)
                                      : ptr[r10 + static_cast<int>(wide_offset(t.e) + 64 * static_cast<std::int64_t>(k))];
      };
      for (std::size_t i = 0; i < m; ++i) vmovupd(width(value(i), i), row(i, 5));
      for (std::size_t k = 5; k-- > 0;)
        for (std::size_t i = 0; i < m; ++i) vfmadd213pd(width(value(i), i), width(alpha(i), i), row(i, k));
      for (std::size_t i = 0; i < m; ++i) vfmadd213pd(width(value(i), i), width(alpha(i), i), width(zmm15, i));
      for (std::size_t i = 0; i < m; ++i) {
        const Unit& t = batch[i];
        for (; next_block < t.block; ++next_block) finish_block(next_block, product);
        if (t.kind == Unit::pair) {
          multiply_pair(product, value(i));
        } else {
          if (t.kind == Unit::lone_with) vextractf64x4(ymm10, value(i), 1);  // the later block's: kept for it
          multiply_group(product, Xbyak::Ymm(value(i).getIdx()));
        }
      }
    }
    for (; next_block < nblocks; ++next_block) finish_block(next_block, product);
  }

  // emit_blocks_interleaved's units in order (after prepare_wide).
  std::vector<Unit> interleaved_units() const {
    std::vector<Unit> units;
    for (std::size_t b = 0; b + 1 < d_.normsys_block_begin.size(); ++b) {
      const std::size_t begin = d_.normsys_block_begin[b], end = d_.normsys_block_begin[b + 1];
      const std::size_t groups = (end - begin) / 4;
      std::size_t g = 0;
      for (; g + 1 < groups; g += 2)
        if (wide_slot_[(begin + 4 * g) / 4] >= 0) units.push_back({Unit::pair, b, begin + 4 * g});
      if (g < groups && !all_free(lane_sources(begin + 4 * g)) && lone_done_.count(b) == 0)
        units.push_back({lone_with_.count(b) != 0 ? Unit::lone_with : Unit::single, b, begin + 4 * g});
    }
    return units;
  }

  // A unit's lanes' parameters (kFree for a free lane): eight, or four for a single.
  std::vector<std::int64_t> unit_sources(const Unit& t) const {
    const LaneSources lo = lane_sources(t.e);
    std::vector<std::int64_t> q(lo.begin(), lo.end());
    if (t.kind == Unit::single) return q;
    const LaneSources hi = lane_sources(t.kind == Unit::pair ? t.e + 4 : lone_with_.at(t.block));
    q.insert(q.end(), hi.begin(), hi.end());
    return q;
  }

  // The compact alphas (AVX-512, the NLL's block scales, at most kCompactRegisters x 8
  // normsys parameters): every normsys parameter's value, in increasing parameter order,
  // eight to a register (zmm20 + r), loaded once per call; a unit's alphas are then
  // permuted out of them (vpermpd / vpermi2pd with a row of lane indices from the data)
  // instead of loaded lane by lane. The loads are what bound the block scales: a probe of
  // 61 eight-lane units (six coefficient rows each) took 126 ns with the alphas joined
  // from eight scalar loads, 74 with one load, 76 with a permutation of two registers,
  // and 144 with one load plus eight unused scalar loads (~2 loads a cycle).
  struct Permutation {
    std::int64_t row;  // byte offset of the lane indices from r10
    int first, second;  // the registers (zmm20 + r) permuted; second < 0: first alone
    std::uint32_t lanes;  // the lanes it provides (the first permutation: all)
  };
  struct AlphaPlan {
    std::int64_t contiguous = -1;  // x index of lane 0 when one load serves
    std::vector<Permutation> perms;
  };

  // prepare_wide's part for the compact alphas: compact_ and each unit's plan, its index
  // rows appended to rows (whose offset from r10 is 8 x their position).
  void plan_compact(std::vector<double>& rows) {
    std::set<std::uint32_t> pars;
    for (std::size_t e = 0; e < n_; ++e) pars.insert(d_.normsys_par[e]);
    const std::vector<Unit> units = interleaved_units();
    if (pars.empty() || pars.size() > 8 * kCompactRegisters || units.size() < kCompactMinUnits) return;
    compact_.assign(pars.begin(), pars.end());
    for (const Unit& t : units) {
      const std::vector<std::int64_t> q = unit_sources(t);
      AlphaPlan plan;
      std::int64_t base;
      if (q.size() == 8 && contiguous(q.data(), 8, base)) {
        plan.contiguous = base;
        plans_.push_back(plan);
        continue;
      }
      std::int64_t any = kFree;
      for (const std::int64_t p : q)
        if (p != kFree) any = p;
      // Each lane's compact index (a free lane: a real lane's), grouped by register.
      std::vector<int> c(q.size());
      std::vector<int> regs;
      for (std::size_t l = 0; l < q.size(); ++l) {
        const auto p = static_cast<std::uint32_t>(q[l] == kFree ? any : q[l]);
        c[l] = static_cast<int>(std::lower_bound(compact_.begin(), compact_.end(), p) - compact_.begin());
        if (std::find(regs.begin(), regs.end(), c[l] / 8) == regs.end()) regs.push_back(c[l] / 8);
      }
      for (std::size_t k = 0; k < regs.size(); k += 2) {
        Permutation perm{static_cast<std::int64_t>(8 * rows.size()), regs[k], k + 1 < regs.size() ? regs[k + 1] : -1, 0};
        for (std::size_t l = 0; l < 8; ++l) {
          // Lanes beyond the unit's (a single's upper four) repeat lane 0.
          const int lane_c = c[l < q.size() ? l : 0];
          const bool mine = lane_c / 8 == perm.first || lane_c / 8 == perm.second;
          if (mine && l < q.size()) perm.lanes |= 1u << l;
          const std::int64_t index = mine ? (lane_c % 8) + (lane_c / 8 == perm.second ? 8 : 0) : 0;
          rows.push_back(std::bit_cast<double>(index));
        }
        plan.perms.push_back(perm);
      }
      plans_.push_back(plan);
    }
  }

  // Loads the compact alphas into zmm20 + r (lanes past the last parameter 0), each
  // register's runs of consecutive parameters by one (masked) load, and jumps to outside
  // unless every one has |x| < 1 (a NaN fails). Registers: k2, k3, k4, zmm0, zmm14 (the
  // abs mask), eax.
  void emit_compact_alphas(Xbyak::Label& outside) {
    vbroadcastsd(zmm14, xmm14);
    const std::size_t nregs = (compact_.size() + 7) / 8;
    for (std::size_t r = 0; r < nregs; ++r) {
      const Xbyak::Zmm R(20 + static_cast<int>(r));
      const std::size_t l_end = std::min<std::size_t>(8, compact_.size() - 8 * r);
      bool first = true;
      for (std::size_t l0 = 0; l0 < l_end;) {
        std::size_t l1 = l0 + 1;
        while (l1 < l_end && compact_[8 * r + l1] == compact_[8 * r + l1 - 1] + 1) ++l1;
        const std::int64_t start = std::int64_t{compact_[8 * r + l0]} - static_cast<std::int64_t>(l0);
        const auto bits = static_cast<std::uint32_t>(((1u << l1) - 1) & ~((1u << l0) - 1));
        if (bits == 0xFF && start + 8 <= static_cast<std::int64_t>(d_.npars)) {
          vmovupd(R, at(rdi, start));
        } else {
          // Masked off lanes are not read: the window may reach outside x.
          set_mask(k2, bits);
          if (first) vmovupd(R | k2 | T_z, at(rdi, start));
          else vmovupd(R | k2, at(rdi, start));
        }
        first = false;
        l0 = l1;
      }
      vandpd(zmm0, R, zmm14);
      vcmppd(r == 0 ? k4 : k3, zmm0, zmm15, kLessOrdered);
      if (r > 0) kandw(k4, k4, k3);
    }
    kmovw(eax, k4);
    cmp(eax, 0xFF);
    jne(outside, T_NEAR);
  }

  // dst = the unit's alphas by its plan (the next one in plans_).
  void emit_compact_unit(const Xbyak::Zmm& dst) {
    const AlphaPlan& plan = plans_.at(next_plan_++);
    if (plan.contiguous >= 0) return vmovupd(dst, at(rdi, plan.contiguous));
    for (std::size_t k = 0; k < plan.perms.size(); ++k) {
      const Permutation& perm = plan.perms[k];
      const Xbyak::Zmm into = k == 0 ? dst : zmm5;
      vmovdqu64(into, ptr[r10 + static_cast<int>(perm.row)]);
      if (perm.second < 0) vpermpd(into, into, Xbyak::Zmm(20 + perm.first));
      else vpermi2pd(into, Xbyak::Zmm(20 + perm.first), Xbyak::Zmm(20 + perm.second));
      if (k > 0) {
        set_mask(k2, perm.lanes);
        vblendmpd(dst | k2, dst, zmm5);
      }
    }
  }

  // emit_blocks_interleaved's running product of a block's factors in zmm2, as
  // emit_block's: the pairs' product, its low half times the last group's.
  struct BlockProduct {
    bool pair = false;   // zmm2 holds the pairs' product
    bool group = false;  // ymm2 holds the last group's factors (no pairs)
  };
  void multiply_pair(BlockProduct& product, const Xbyak::Zmm& v) {
    if (product.pair) vmulpd(zmm2, zmm2, v);
    else vmovapd(zmm2, v);
    product.pair = true;
  }
  void multiply_group(BlockProduct& product, const Xbyak::Ymm& v) {
    if (product.pair) {
      vmulpd(zmm2 | k1, zmm2, Xbyak::Zmm(v.getIdx()));  // the low half only
    } else {
      vmovapd(ymm2, v);
      product.group = true;
    }
  }

  // Block b's scale from product (then reset), as emit_block's last steps: its
  // lone_done_ group (from ymm10), the horizontal product, the direct factors, stored.
  void finish_block(std::size_t b, BlockProduct& product) {
    if (lone_done_.count(b) != 0) multiply_group(product, ymm10);
    if (product.pair) {
      vextractf64x4(ymm3, zmm2, 1);
      vmulpd(ymm2, ymm2, ymm3);  // even times odd
    }
    store_scale(b, product.pair || product.group);
    product = BlockProduct{};
  }

  // AVX-512: the groups at entries e and e + 4 as one eight-lane register, multiplied
  // into zmm2 (wide_pair: whether zmm2 holds a product already).
  void emit_pair(std::size_t e, bool grads, bool& wide_pair) {
    load_pair_alphas(e, zmm0);
    horner(zmm1, zmm5, zmm6, e, grads);
    if (wide_pair) {
      vmulpd(zmm2, zmm2, zmm1);
    } else {
      vmovapd(zmm2, zmm1);
      wide_pair = true;
    }
  }

  // Byte offset of the pair at entry e in prepare_wide's data.
  std::int64_t wide_offset(std::size_t e) const { return 384 * wide_slot_[e / 4]; }

  // dst = the alphas of the eight lanes at entries e .. e + 7 (not all free); ymm0, xmm1,
  // ymm8 and xmm9 are scratch.
  void load_pair_alphas(std::size_t e, const Xbyak::Zmm& dst) {
    const LaneSources lo = lane_sources(e), hi = lane_sources(e + 4);
    const bool lo_free = all_free(lo), hi_free = all_free(hi);
    std::array<std::int64_t, 8> q8{};
    std::copy(lo.begin(), lo.end(), q8.begin());
    std::copy(hi.begin(), hi.end(), q8.begin() + 4);
    std::int64_t base;
    if (contiguous(q8.data(), 8, base)) {
      vmovupd(dst, at(rdi, base));
    } else if (lo_free || hi_free) {
      // The free half's coefficients are all zero: any finite alphas will do, the real
      // half's (range-checked) among them.
      load_alphas(lo_free ? hi : lo, ymm0, xmm1);
      vinsertf64x4(dst, zmm0, ymm0, 1);
    } else {
      load_alphas(hi, ymm8, xmm9);
      load_alphas(lo, ymm0, xmm1);
      vinsertf64x4(dst, zmm0, ymm8, 1);
    }
  }

  // v = the factors 1 + alpha p(alpha) of the lanes at entry e (alphas in register 0 of
  // v's width) by Horner's rule in fused multiply-adds; with grads also their
  // derivatives into g, dlog = g / v into ratio, and all three stored at entry e.
  void horner(const Xbyak::Xmm& v, const Xbyak::Xmm& g, const Xbyak::Xmm& ratio, std::size_t e, bool grads) {
    const auto ei = static_cast<std::int64_t>(e);
    const Xbyak::Xmm alpha = v.isZMM() ? Xbyak::Xmm(zmm0) : Xbyak::Xmm(ymm0);
    const Xbyak::Xmm one = v.isZMM() ? Xbyak::Xmm(zmm15) : Xbyak::Xmm(ymm15);
    // Row k of the coefficients: the wide copy's (prepare_wide) or the table's.
    auto row = [&](std::size_t k) {
      return v.isZMM() ? ptr[r10 + static_cast<int>(wide_offset(e) + 64 * static_cast<std::int64_t>(k))] : coef(k, e);
    };
    vmovupd(v, row(5));
    if (grads) vmovapd(g, v);
    for (std::size_t k = 5; k-- > 0;) {
      vfmadd213pd(v, alpha, row(k));  // p = p alpha + a_k
      if (grads) vfmadd213pd(g, alpha, v);  // g = g alpha + p
    }
    vfmadd213pd(v, alpha, one);  // 1 + alpha p(alpha)
    if (grads) {
      vdivpd(ratio, g, v);
      vmovupd(at(rcx, ei), v);
      vmovupd(at(r8, ei), g);
      vmovupd(at(r9, ei), ratio);
    }
  }

  // value 1, grad 0, dlog 0 for four (wide: eight) free lanes at entry e.
  void store_free(std::int64_t e, bool wide) {
    const Xbyak::Xmm zero = wide ? Xbyak::Xmm(zmm5) : Xbyak::Xmm(ymm5);
    const Xbyak::Xmm one = wide ? Xbyak::Xmm(zmm15) : Xbyak::Xmm(ymm15);
    vxorpd(zero, zero, zero);
    vmovupd(at(rcx, e), one);
    vmovupd(at(r8, e), zero);
    vmovupd(at(r9, e), zero);
  }

  static bool all_free(const LaneSources& q) {
    return q[0] == kFree && q[1] == kFree && q[2] == kFree && q[3] == kFree;
  }

  LaneSources lane_sources(std::size_t e) const {
    LaneSources q{};
    for (std::size_t l = 0; l < 4; ++l) {
      bool zero = true;
      for (std::size_t k = 0; k < 6; ++k) zero &= d_.normsys_poly[k * n_ + e + l] == 0.0;
      q[l] = zero ? kFree : std::int64_t{d_.normsys_par[e + l]};
    }
    return q;
  }

  bool is_normsys_par(std::int64_t p) const {
    const std::int64_t k = p - std::int64_t{d_.normsys_par_lo};
    return k >= 0 && k < static_cast<std::int64_t>(d_.normsys_par_mask.size()) && d_.normsys_par_mask[k] != 0;
  }

  // Whether lanes q[0..m) can be one load from x + base: every real lane l reads base + l
  // and every free one a normsys parameter there (in bounds, and range-checked).
  bool contiguous(const std::int64_t* q, std::size_t m, std::int64_t& base) const {
    base = kFree;
    for (std::size_t l = 0; l < m && base == kFree; ++l)
      if (q[l] != kFree) base = q[l] - static_cast<std::int64_t>(l);
    if (base == kFree) return false;
    for (std::size_t l = 0; l < m; ++l) {
      const std::int64_t p = base + static_cast<std::int64_t>(l);
      if (q[l] == kFree ? !is_normsys_par(p) : q[l] != p) return false;
    }
    return true;
  }

  // The parameter every real lane of q[0..m) reads, or kFree if they differ (q has one).
  static std::int64_t common(const std::int64_t* q, std::size_t m) {
    std::int64_t p = kFree;
    for (std::size_t l = 0; l < m; ++l) {
      if (q[l] == kFree) continue;
      if (p != kFree && q[l] != p) return kFree;
      p = q[l];
    }
    return p;
  }

  static bool has_real(const std::int64_t* q) { return q[0] != kFree || q[1] != kFree; }

  // Lanes q[0..2) (at least one real) into dst.
  void load_half(const std::int64_t* q, const Xbyak::Xmm& dst) {
    std::int64_t base;
    if (contiguous(q, 2, base)) {
      vmovupd(dst, at(rdi, base));
    } else if (const std::int64_t p = common(q, 2); p != kFree) {
      vmovddup(dst, at(rdi, p));
    } else {
      vmovsd(dst, at(rdi, q[0]));
      vmovhpd(dst, dst, at(rdi, q[1]));
    }
  }

  // dst = the four lanes' alphas, in as few loads as their parameters allow (tmp: a
  // scratch register).
  void load_alphas(const LaneSources& q, const Xbyak::Ymm& dst, const Xbyak::Xmm& tmp) {
    const Xbyak::Xmm low(dst.getIdx());
    std::int64_t base;
    if (contiguous(q.data(), 4, base)) return vmovupd(dst, at(rdi, base));
    if (const std::int64_t p = common(q.data(), 4); p != kFree) return vbroadcastsd(dst, at(rdi, p));
    const std::int64_t* lo = q.data();
    const std::int64_t* hi = q.data() + 2;
    if (!has_real(lo) || !has_real(hi)) {
      load_half(has_real(lo) ? lo : hi, low);
      return vinsertf128(dst, dst, low, 1);
    }
    load_half(lo, low);
    if (contiguous(hi, 2, base)) return vinsertf128(dst, dst, at(rdi, base), 1);
    load_half(hi, tmp);
    vinsertf128(dst, dst, tmp, 1);
  }

  // Element i of the doubles at reg.
  Xbyak::Address at(const Xbyak::Reg64& reg, std::int64_t i) { return ptr[reg + static_cast<int>(8 * i)]; }
  Xbyak::Address coef(std::size_t k, std::size_t e) { return at(rsi, static_cast<std::int64_t>(k * n_ + e)); }
  static Xbyak::Xmm sum(std::size_t m) { return Xbyak::Xmm(static_cast<int>(2 + m)); }

  const ModelData& d_;
  const std::size_t n_;
  const bool wide_;
  const double* wide_coef_ = nullptr;    // prepare_wide's data
  std::vector<std::int64_t> wide_slot_;  // group e / 4 -> its pair's index there, or -1
  std::vector<std::uint32_t> compact_;    // plan_compact: the normsys parameters, in order (or none)
  std::vector<AlphaPlan> plans_;          // plan_compact: per interleaved unit
  std::size_t next_plan_ = 0;             // emit_compact_unit's next plan
  // prepare_wide's pairs of lone groups: block -> the later block's lone group's entry,
  // and the later blocks (their factors wait in ymm10).
  std::map<std::size_t, std::size_t> lone_with_;
  std::set<std::size_t> lone_done_;
};

}  // namespace

JitKernels::~JitKernels() = default;

namespace {

// Appends "start size name" lines for the generated functions (parts: offsets from top,
// in any order; each ends where the next begins, the last at `size`) to perf's
// /tmp/perf-PID.map, so `perf report` attributes their samples.
void write_perf_map(const std::uint8_t* top, std::size_t size, std::vector<std::pair<std::size_t, const char*>> parts) {
  std::sort(parts.begin(), parts.end());
  std::FILE* f = std::fopen(fmt::format("/tmp/perf-{}.map", ::getpid()).c_str(), "a");
  if (f == nullptr) return;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::size_t end = i + 1 < parts.size() ? parts[i + 1].first : size;
    fmt::print(f, "{:x} {:x} {}\n", reinterpret_cast<std::uintptr_t>(top + parts[i].first), end - parts[i].first,
               parts[i].second);
  }
  std::fclose(f);
}

}  // namespace


std::shared_ptr<const JitKernels> JitKernels::build(const ModelData& d) {
  if (!cpu_has_avx2_fma() || std::getenv("HFX_NO_JIT") != nullptr) return nullptr;
  return build(d, cpu_has_avx512() ? Width::avx512 : Width::avx2);
}

std::shared_ptr<const JitKernels> JitKernels::build(const ModelData& d, Width width) {
  // Every displacement fits a signed 32-bit field below these sizes too.
  // Also without normsys entries (the direct factors' products alone), up to as many
  // blocks as entries otherwise.
  const bool scales = (d.normsys.empty() || d.normsys_code == InterpCode::code4) &&
                      d.normsys.size() <= kMaxNormsysEntries && d.blocks.size() <= kMaxNormsysEntries &&
                      d.npars < (1u << 24);
  const bool rates = d.nmain > 0 && d.nominal.size() <= kMaxBlockBins && d.nmain < (1u << 24) && d.npars < (1u << 24);
  const bool panels = !d.histo_panels.empty() && d.histosys_code == InterpCode::code4p && d.npars < (1u << 24) &&
                      d.panel_SA.size() <= kMaxPanelDoubles;
  const bool gauss = !d.normal.empty() && d.normal.size() <= kMaxConstraints && d.npars < (1u << 24);
  if (!scales && !rates && !gauss && !panels) return nullptr;
  try {
    std::shared_ptr<JitKernels> jit(new JitKernels);
    auto gen = std::make_unique<Generator>(d, width == Width::avx512);
    if (scales && width == Width::avx512) gen->prepare_wide(jit->normsys_data_);
    const std::size_t scales_at = scales ? gen->emit_scales(false) : 0;
    const std::size_t scales_grad_at = scales ? gen->emit_scales(true) : 0;
    const std::size_t rates_at = !rates                                                   ? 0
                                 : width == Width::avx512 && gen->rates_are_regular() ? gen->emit_rates_wide()
                                                                                      : gen->emit_rates();
    const std::size_t gauss_at = gauss ? gen->emit_gauss(width == Width::avx512) : 0;
    const std::size_t panels_at = panels ? gen->emit_panels(jit->panel_data_, width == Width::avx512) : 0;
    gen->readyRE();  // written: from now on executable and read-only, at its final address
    std::uint8_t* top = const_cast<std::uint8_t*>(gen->getCode());
    if (scales) {
      jit->scales_ = reinterpret_cast<ScalesFn>(top + scales_at);
      jit->scales_grad_ = reinterpret_cast<ScalesGradFn>(top + scales_grad_at);
    }
    if (rates) jit->rates_ = reinterpret_cast<RatesFn>(top + rates_at);
    if (gauss) jit->gauss_ = reinterpret_cast<GaussFn>(top + gauss_at);
    if (panels) {
      jit->panels_ = reinterpret_cast<PanelsFn>(top + panels_at);
      jit->panel_scratch_ = (d.histo_pars.size() + 3) / 4 * 4;
    }
    if (std::getenv("HFX_PERF_MAP") != nullptr) {
      // For profiling: name the generated functions in perf's map of JIT code.
      std::vector<std::pair<std::size_t, const char*>> parts;
      if (scales) parts.insert(parts.end(), {{scales_at, "hfx_jit_scales"}, {scales_grad_at, "hfx_jit_scales_grad"}});
      if (rates) parts.emplace_back(rates_at, "hfx_jit_rates");
      if (gauss) parts.emplace_back(gauss_at, "hfx_jit_gauss");
      if (panels) parts.emplace_back(panels_at, "hfx_jit_panels");
      write_perf_map(top, gen->getSize(), parts);
    }
    jit->code_ = std::move(gen);
    return jit;
  } catch (const std::exception&) {
    // No executable memory (a hardened kernel) or no memory: the table-driven kernels
    // compute the same numbers.
    return nullptr;
  }
}

}  // namespace hfx::detail
