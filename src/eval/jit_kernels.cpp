#include "jit_kernels.hpp"

#include "../compile/model_data.hpp"
#include "cpu_features.hpp"
#include "gauss_constraints.hpp"

#include <xbyak/xbyak.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
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
  explicit Generator(const ModelData& d) : Xbyak::CodeGenerator(4096, Xbyak::AutoGrow), d_(d), n_(d.normsys.size()) {}

  // int scales(const double* x [rdi], const double* poly [rsi], double* scale [rdx])
  // and, with grads, also double* value [rcx], double* grad [r8], double* dlog [r9].
  // Registers: ymm0 alphas, ymm1 a group's factors, ymm2 the block's running product,
  // xmm3/xmm4 its horizontal product, ymm5/ymm6 a group's derivatives and their ratio to
  // the factors, ymm12 the range check's lanes, ymm13 all ones, ymm14 the abs mask,
  // ymm15 1.0. Only caller-saved registers are touched.
  std::size_t emit_scales(bool grads) {
    const std::size_t start = getSize();
    broadcast_bits(ymm15, kOneBits);
    broadcast_bits(ymm14, kAbsBits);
    vpcmpeqd(ymm13, ymm13, ymm13);
    Xbyak::Label outside;
    emit_range_check(outside);
    for (std::size_t b = 0; b + 1 < d_.normsys_block_begin.size(); ++b) emit_block(b, grads);
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
      vmovsd(xmm0, at(rsi, i));
      vmulsd(xmm0, xmm0, at(rdx, block_of[i]));
      const std::uint32_t first = d_.binfactor_begin[i], last = d_.binfactor_begin[i + 1];
      if (first == last) {
        vmovsd(at(rcx, i), xmm15);  // times 1: the product is unchanged
      } else {
        vmovsd(xmm1, at(rdi, d_.binfactor_par[first]));  // 1 * x is x
        for (std::uint32_t k = first + 1; k < last; ++k) vmulsd(xmm1, xmm1, at(rdi, d_.binfactor_par[k]));
        vmovsd(at(rcx, i), xmm1);
        vmulsd(xmm0, xmm0, xmm1);
      }
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

  // double gauss(const double* x [rdi], const double* aux [rsi], const double*
  // inv_sigma [rdx]). Registers: ymm1/ymm2 the two vector sums, xmm3 the one-by-one
  // sum, ymm4/ymm5 the terms.
  std::size_t emit_gauss() {
    const std::size_t start = getSize();
    vxorpd(ymm1, ymm1, ymm1);
    vxorpd(ymm2, ymm2, ymm2);
    vxorpd(xmm3, xmm3, xmm3);
    // The runs of constraints on consecutive parameters, as the Evaluator forms them.
    std::vector<std::uint32_t> par, runs;
    for (const auto& c : d_.normal) par.push_back(c.par);
    append_param_runs(par.data(), par.size(), runs);
    for (std::size_t r = 0; r < runs.size(); r += 3) {
      const std::size_t begin = runs[r], end = runs[r + 1];
      const std::int64_t shift = std::int64_t{runs[r + 2]} - static_cast<std::int64_t>(begin);  // x index - k
      auto z = [&](const Xbyak::Xmm& t, std::size_t k) {  // t = (aux - x) inv_sigma, lanes from k
        const auto ki = static_cast<std::int64_t>(k);
        if (t.isYMM()) {
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
        z(ymm4, k);
        z(ymm5, k + 4);
        vfmadd231pd(ymm1, ymm4, ymm4);
        vfmadd231pd(ymm2, ymm5, ymm5);
      }
      if (k + 4 <= end) {
        z(ymm4, k);
        vfmadd231pd(ymm1, ymm4, ymm4);
        k += 4;
      }
      for (; k < end; ++k) {
        z(xmm4, k);
        vfmadd231sd(xmm3, xmm4, xmm4);
      }
    }
    vaddpd(ymm1, ymm1, ymm2);
    vextractf128(xmm2, ymm1, 1);
    vaddpd(xmm1, xmm1, xmm2);
    vunpckhpd(xmm2, xmm1, xmm1);
    vaddsd(xmm1, xmm1, xmm2);
    vaddsd(xmm0, xmm1, xmm3);
    mov(rax, kHalfBits);
    vmovq(xmm2, rax);
    vmulsd(xmm0, xmm0, xmm2);
    vzeroupper();
    ret();
    return start;
  }

  // void panels(const double* x [rdi], double* scratch [rsi], double* base [rdx]).
  // First c_A of every histosys parameter, four at a time, into scratch (slot k for
  // d.histo_pars[k]): code4p_poly inside +-1, 8 alpha above, -8 alpha below, with the
  // operations of coefficients_avx2 (no fused multiply-adds). Then each panel as
  // panel_forward: accumulators zeroed, per parameter c_S = x[p] and c_A broadcast and
  // multiplied-added into them (S and A apart up to 6 groups), their sum added to base.
  // data receives the panels' non-zero vectors; r9 holds its address.
  std::size_t emit_panels(std::vector<double>& data) {
    const std::vector<std::uint32_t>& hp = d_.histo_pars;
    std::vector<std::int64_t> slot(d_.npars, -1);
    for (std::size_t k = 0; k < hp.size(); ++k) slot[hp[k]] = static_cast<std::int64_t>(k);
    // Where each (panel parameter, group, part) vector lands in data, or -1 if all zero.
    std::vector<std::int64_t> where;
    for (const HistoPanel& q : d_.histo_panels) {
      const std::uint32_t G = panel_lane_groups(q.nbins);
      const std::size_t parts = q.a_only ? 1 : 2;
      for (std::uint32_t i = q.par_begin; i < q.par_end; ++i)
        for (std::uint32_t g = 0; g < G; ++g)
          for (std::size_t part = 0; part < parts; ++part) {
            const double* v = d_.panel_SA.data() + q.data + parts * 4 * (G * (i - q.par_begin) + g) + 4 * part;
            if (v[0] == 0.0 && v[1] == 0.0 && v[2] == 0.0 && v[3] == 0.0) {
              where.push_back(-1);
            } else {
              where.push_back(static_cast<std::int64_t>(data.size()));
              data.insert(data.end(), v, v + 4);
            }
          }
    }
    const std::size_t start = getSize();
    mov(r9, reinterpret_cast<std::uint64_t>(data.data()));
    emit_histo_coefficients();
    std::size_t w = 0;
    for (const HistoPanel& q : d_.histo_panels) {
      const auto G = static_cast<int>(panel_lane_groups(q.nbins));
      const bool split = G <= 6 && !q.a_only;
      auto s = [](int g) { return Xbyak::Ymm(g); };
      auto a = [&](int g) { return split ? Xbyak::Ymm(G + g) : Xbyak::Ymm(g); };
      for (int g = 0; g < (split ? 2 * G : G); ++g) vxorpd(Xbyak::Ymm(g), Xbyak::Ymm(g), Xbyak::Ymm(g));
      for (std::uint32_t i = q.par_begin; i < q.par_end; ++i) {
        const std::uint32_t p = d_.panel_par[i];
        if (!q.a_only) vbroadcastsd(ymm12, at(rdi, p));  // c_S = alpha
        vbroadcastsd(ymm13, at(rsi, slot[p]));
        for (int g = 0; g < G; ++g) {
          if (!q.a_only) {
            if (where[w] >= 0) vfmadd231pd(s(g), ymm12, at(r9, where[w]));
            ++w;
          }
          if (where[w] >= 0) vfmadd231pd(a(g), ymm13, at(r9, where[w]));
          ++w;
        }
      }
      if (split)
        for (int g = 0; g < G; ++g) vaddpd(s(g), s(g), a(g));
      // Whole groups four bins at a time, a partial last one lane by lane.
      for (int g = 0; g < G; ++g) {
        const std::int64_t bin = q.bin_begin + 4 * g;
        const auto lanes = static_cast<int>(std::min<std::int64_t>(4, q.nbins - 4 * g));
        if (lanes == 4) {
          vaddpd(ymm14, s(g), at(rdx, bin));
          vmovupd(at(rdx, bin), ymm14);
          continue;
        }
        for (int l = 0; l < lanes; ++l) {
          const Xbyak::Xmm lane = l == 0 ? Xbyak::Xmm(g) : xmm15;
          if (l == 1) vunpckhpd(xmm15, Xbyak::Xmm(g), Xbyak::Xmm(g));
          if (l == 2) vextractf128(xmm15, s(g), 1);
          if (l == 3) {
            vextractf128(xmm15, s(g), 1);
            vunpckhpd(xmm15, xmm15, xmm15);
          }
          vaddsd(xmm14, lane, at(rdx, bin + l));
          vmovsd(at(rdx, bin + l), xmm14);
        }
      }
    }
    vzeroupper();
    ret();
    return start;
  }

 private:
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
      load_alphas(q);
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
  // factors multiplied lane-wise in order (the first group's factors are the product: the
  // sweep's 1 * v is v), then lanes (0 * 2) * (1 * 3), then the direct factors. Without
  // grads a group of free lanes only is left out (its factors are exactly 1); with grads
  // it stores value 1, grad 0 and dlog 0, as the sweep computes them.
  void emit_block(std::size_t b, bool grads) {
    bool have = false;
    for (std::size_t e = d_.normsys_block_begin[b]; e < d_.normsys_block_begin[b + 1]; e += 4) {
      const LaneSources q = lane_sources(e);
      const auto ei = static_cast<std::int64_t>(e);
      if (q[0] == kFree && q[1] == kFree && q[2] == kFree && q[3] == kFree) {
        if (grads) {
          vxorpd(ymm5, ymm5, ymm5);
          vmovupd(at(rcx, ei), ymm15);
          vmovupd(at(r8, ei), ymm5);
          vmovupd(at(r9, ei), ymm5);
        }
        continue;
      }
      load_alphas(q);
      const Xbyak::Ymm v = have ? ymm1 : ymm2;
      vmovupd(v, coef(5, e));
      if (grads) vmovapd(ymm5, v);
      for (std::size_t k = 5; k-- > 0;) {
        vfmadd213pd(v, ymm0, coef(k, e));             // p = p alpha + a_k
        if (grads) vfmadd213pd(ymm5, ymm0, v);        // g = g alpha + p
      }
      vfmadd213pd(v, ymm0, ymm15);  // 1 + alpha p(alpha)
      if (grads) {
        vdivpd(ymm6, ymm5, v);
        vmovupd(at(rcx, ei), v);
        vmovupd(at(r8, ei), ymm5);
        vmovupd(at(r9, ei), ymm6);
      }
      if (have) vmulpd(ymm2, ymm2, ymm1);
      have = true;
    }
    if (have) {
      vextractf128(xmm3, ymm2, 1);
      vmulpd(xmm3, xmm2, xmm3);
      vunpckhpd(xmm4, xmm3, xmm3);
      vmulsd(xmm3, xmm3, xmm4);
    } else {
      vmovapd(xmm3, xmm15);
    }
    for (std::uint32_t k = d_.direct_begin[b]; k < d_.direct_begin[b + 1]; ++k) vmulsd(xmm3, xmm3, at(rdi, d_.direct_par[k]));
    vmovsd(at(rdx, b), xmm3);
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

  // ymm0 = the four lanes' alphas, in as few loads as their parameters allow.
  void load_alphas(const LaneSources& q) {
    std::int64_t base;
    if (contiguous(q.data(), 4, base)) return vmovupd(ymm0, at(rdi, base));
    if (const std::int64_t p = common(q.data(), 4); p != kFree) return vbroadcastsd(ymm0, at(rdi, p));
    const std::int64_t* lo = q.data();
    const std::int64_t* hi = q.data() + 2;
    if (!has_real(lo) || !has_real(hi)) {
      load_half(has_real(lo) ? lo : hi, xmm0);
      return vinsertf128(ymm0, ymm0, xmm0, 1);
    }
    load_half(lo, xmm0);
    if (contiguous(hi, 2, base)) return vinsertf128(ymm0, ymm0, at(rdi, base), 1);
    load_half(hi, xmm1);
    vinsertf128(ymm0, ymm0, xmm1, 1);
  }

  // Element i of the doubles at reg.
  Xbyak::Address at(const Xbyak::Reg64& reg, std::int64_t i) { return ptr[reg + static_cast<int>(8 * i)]; }
  Xbyak::Address coef(std::size_t k, std::size_t e) { return at(rsi, static_cast<std::int64_t>(k * n_ + e)); }
  static Xbyak::Xmm sum(std::size_t m) { return Xbyak::Xmm(static_cast<int>(2 + m)); }

  const ModelData& d_;
  const std::size_t n_;
};

}  // namespace

JitKernels::~JitKernels() = default;


std::shared_ptr<const JitKernels> JitKernels::build(const ModelData& d) {
  if (!cpu_has_avx2_fma() || std::getenv("HFX_NO_JIT") != nullptr) return nullptr;
  // Every displacement fits a signed 32-bit field below these sizes too.
  const bool scales = !d.normsys.empty() && d.normsys_code == InterpCode::code4 &&
                      d.normsys.size() <= kMaxNormsysEntries && d.npars < (1u << 24);
  const bool rates = d.nmain > 0 && d.nominal.size() <= kMaxBlockBins && d.nmain < (1u << 24) && d.npars < (1u << 24);
  const bool panels = !d.histo_panels.empty() && d.histosys_code == InterpCode::code4p && d.npars < (1u << 24) &&
                      d.panel_SA.size() <= kMaxPanelDoubles;
  const bool gauss = d.normal.size() >= 8 && d.normal.size() <= kMaxConstraints && d.npars < (1u << 24);
  if (!scales && !rates && !gauss && !panels) return nullptr;
  try {
    std::shared_ptr<JitKernels> jit(new JitKernels);
    auto gen = std::make_unique<Generator>(d);
    const std::size_t scales_at = scales ? gen->emit_scales(false) : 0;
    const std::size_t scales_grad_at = scales ? gen->emit_scales(true) : 0;
    const std::size_t rates_at = rates ? gen->emit_rates() : 0;
    const std::size_t gauss_at = gauss ? gen->emit_gauss() : 0;
    const std::size_t panels_at = panels ? gen->emit_panels(jit->panel_data_) : 0;
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
    jit->code_ = std::move(gen);
    return jit;
  } catch (const std::exception&) {
    // No executable memory (a hardened kernel) or no memory: the table-driven kernels
    // compute the same numbers.
    return nullptr;
  }
}

}  // namespace hfx::detail
