// The compiled model's tables (internal). Structure-of-arrays, sparse: only the
// (channel, sample) blocks and modifier entries that exist are stored -- the sparse form
// of pyhf's dense masked tensors. Built once by compile(), read by the Evaluator.
#pragma once

#include "hfx/interpolation.hpp"
#include "hfx/model.hpp"
#include "hfx/aligned_vector.hpp"
#include "../modifiers/modifier_kind.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hfx::detail {


inline constexpr std::uint32_t kNoEntry = 0xFFFFFFFFu;
inline constexpr std::uint32_t kNormsysLanes = 4;

struct Block {
  std::uint32_t channel;     // index into channels
  std::uint32_t sample;      // index into samples
  std::uint32_t bin_begin;   // first block-bin (index into nominal / bb_main)
  std::uint32_t nbins;
};

// A factor that scales a whole block: normfactor, lumi (value = the parameter) or
// normsys (value = interpolated factor of the parameter).
struct ScalarFactor {
  std::uint32_t par;
  std::uint32_t normsys;  // index into normsys, or kNoEntry for a direct factor
};

struct NormSysEntry {
  double lo, hi;
  Code4Coefficients c4;
};

// An additive shape variation on one block; per-bin data at [data, data + nbins).
struct HistoEntry {
  std::uint32_t par;
  std::uint32_t data;
};

// A run of at most kPanelBins consecutive block-bins and histosys parameters that move
// some of them, stored densely: parameter i of the panel (panel_par[par_begin + i]) owns
// 8 G doubles at panel_SA[data + 8 G i], G = ceil(nbins / 4) lane groups, group g
// holding the S of bins 4g..4g+3 then their A (ModelData::histo_SA's terms; zero for a
// bin the parameter does not move and for the padding lanes). delta over the panel is
// then sum_i c_S S_i + c_A A_i: a dense product with no per-entry indexing. In an a_only
// panel every S is zero and not stored: 4 G doubles per parameter, group g holding the
// A of bins 4g..4g+3 (histosys whose up and down templates are equal). Panels may
// overlap in bins (each splits the parameters of a run by the bins they move); a
// (parameter, block-bin) is in at most one panel.
inline constexpr std::uint32_t kPanelBins = 48;
struct HistoPanel {
  std::uint32_t bin_begin;  // first block-bin
  std::uint32_t nbins;      // 1 .. kPanelBins
  std::uint32_t par_begin, par_end;
  std::size_t data;
  bool a_only = false;
};
// A panel of nbins block-bins spans G = ceil(nbins / 4) lane groups.
inline constexpr std::uint32_t panel_lane_groups(std::uint32_t nbins) { return (nbins + 3) / 4; }

struct NormalConstraint {
  std::uint32_t par, aux;
  double sigma;
};
struct PoissonConstraint {
  std::uint32_t par, aux;
  double tau;
};

struct ModelData {
  // configuration
  std::vector<ParameterSet> sets;
  std::vector<std::string> par_names;
  std::size_t npars = 0;
  std::optional<std::string> poi_name;
  std::optional<std::size_t> poi_index;
  std::vector<std::string> channels;
  std::vector<std::size_t> channel_nbins;
  std::vector<std::size_t> channel_offset;
  std::vector<std::string> samples;
  std::vector<std::pair<std::string, std::string>> modifiers;
  std::uint32_t kinds = 0;  // bit t set when a modifier of ModifierType t is present
  std::size_t nmain = 0;
  std::vector<double> auxdata;
  std::string measurement;
  InterpCode normsys_code = InterpCode::code4;
  InterpCode histosys_code = InterpCode::code4p;

  // blocks and their bins
  std::vector<Block> blocks;
  std::vector<std::uint32_t> channel_block_begin;  // blocks of channel c: [begin[c], begin[c+1])
  // Parameters that act on channel c's rates: channel_pars[channel_par_begin[c] ...
  // channel_par_begin[c+1]), sorted (the non-zero columns of its Jacobian rows).
  std::vector<std::uint32_t> channel_par_begin, channel_pars;
  std::vector<double> nominal;          // per block-bin (block b's bins consecutive, blocks in order)
  std::vector<std::uint32_t> bb_main;   // block-bin -> main bin

  // scalar factors, grouped by block: entries [scalar_begin[b], scalar_begin[b+1])
  std::vector<std::uint32_t> scalar_begin;
  std::vector<ScalarFactor> scalars;
  // The factors split for the fits' block products: block b's normsys entries are
  // [normsys_block_begin[b], normsys_block_begin[b + 1]) (contiguous, whole lanes,
  // padding included), its other factors (normfactor, lumi) the parameters
  // direct_par[direct_begin[b] ... direct_begin[b + 1]); direct_block[k] is the block of
  // direct factor k.
  std::vector<std::uint32_t> normsys_block_begin, direct_begin, direct_par, direct_block;
  // normsys entries in block order, each block's run padded with inert entries (lo = hi
  // = 1, factor exactly 1, referenced by no factor; their parameter one of the block's)
  // to a multiple of kNormsysLanes, so the fits' code4 sweep runs whole vector lanes and
  // multiplies each block's lanes together as it goes.
  std::vector<NormSysEntry> normsys;
  std::vector<std::uint32_t> normsys_par;  // per entry: its parameter
  // The normsys entries' parameters lie in [normsys_par_lo, normsys_par_lo + n) for n =
  // normsys_par_mask.size(); mask k is the bit pattern that keeps |x| of parameter
  // normsys_par_lo + k (all bits but the sign) if it is a normsys entry's parameter and 0
  // otherwise. The sweep checks |alpha| < 1 with it once per call, four parameters at a
  // time, instead of once per four entries.
  std::uint32_t normsys_par_lo = 0;
  std::vector<std::uint64_t> normsys_par_mask;
  // code4 only: coefficient k of entry e at normsys_poly[k * normsys.size() + e]
  // (structure-of-arrays copy of NormSysEntry::c4.a for the sweep).
  AlignedDoubles normsys_poly;
  // code4 only: the exponential branch's logs, log_up at normsys_logs[e] and log_down at
  // normsys_logs[normsys.size() + e] (structure-of-arrays, for the same sweep).
  std::vector<double> normsys_logs;

  // per-bin factors (shapesys, staterror, shapefactor), grouped by block-bin
  std::vector<std::uint32_t> binfactor_begin;
  std::vector<std::uint32_t> binfactor_par;

  // histosys, grouped by block: entries [histo_begin[b], histo_begin[b+1]). Within a
  // block the entries' per-bin data are consecutive (entry h + 1's data = entry h's data
  // + nbins), so the fits' kernels stream through them without reading HistoEntry::data.
  std::vector<std::uint32_t> histo_begin;
  std::vector<HistoEntry> histos;
  std::vector<std::uint32_t> histo_pars;  // the parameters of histos, sorted, unique
  // Per entry: the parity of its position among all its block's histosys entries, the
  // null ones (not stored, see compile) included; picks the pyhf arithmetic's partial sum.
  std::vector<std::uint8_t> histo_lane;
  std::vector<double> histo_down, histo_up;      // per entry-bin
  // code4p terms per entry-bin, precomputed exactly as the kernel would compute them:
  // up - nom, nom - down, S = (d_up + d_dn) / 2, A = (d_up - d_dn) / 16.
  std::vector<double> histo_dup, histo_ddn;
  // S and A interleaved (S at 2k, A at 2k + 1 for entry-bin k), read pairwise by the
  // fits' packed kernel: code4p is delta = c_S S + c_A A in every region, with
  // per-parameter coefficients (alpha, poly(alpha)) inside, (alpha, 8 alpha) above +1
  // and (alpha, -8 alpha) below -1, since S + 8A = up - nom and S - 8A = nom - down.
  std::vector<double> histo_SA;
  std::vector<Code4Coefficients> histo_c4;       // per entry-bin, multiplicative code4 only
  // The fits' dense view of the code4p histosys entries (histo_panels.hpp), when it is
  // cheaper than the per-entry one; empty otherwise.
  std::vector<HistoPanel> histo_panels;
  std::vector<std::uint32_t> panel_par;  // panel q's parameters: [par_begin, par_end) of q
  AlignedDoubles panel_SA;               // their columns, see HistoPanel (64-byte aligned)

  // Modifier kinds beyond the seven (src/modifiers): block b's compiled terms are
  // kind_terms[kind_term_begin[b] ... kind_term_begin[b + 1]); each multiplies the
  // block's bins by its factors.
  std::vector<std::uint32_t> kind_term_begin;
  std::vector<std::shared_ptr<const KindTerm>> kind_terms;

  // constraints, in auxdata order
  std::vector<NormalConstraint> normal;
  std::vector<PoissonConstraint> poisson;
  std::vector<std::uint32_t> aux_par;  // aux index -> parameter index
  // Per parameter: the main bin it is local to (it scales only that bin's block-bins and
  // has a constraint), or -1.
  std::vector<std::int32_t> par_local_bin;
  std::vector<double> aux_scale;       // aux index -> expected aux = par * scale (tau or 1)

  // The fits' arithmetic's own tables (Evaluator::Arithmetic::stable): these with the
  // blocks of equal scale merged (merge_blocks.hpp), and their derived tables and code;
  // null when no blocks merge (the fits then use these). Its own fit is null.
  std::shared_ptr<const ModelData> fit;
};

}  // namespace hfx::detail
