#include "merge_blocks.hpp"

#include <map>
#include <tuple>
#include <vector>

namespace hfx::detail {

namespace {

// What a block's scale is made of: its channel and bin count, its direct factors'
// parameters in order, and every bin's per-bin factor parameters; blocks with equal keys
// are merged. A block with a normsys entry has no key (its factor depends on its own
// hi / lo).
using BlockKey = std::tuple<std::uint32_t, std::uint32_t, std::vector<std::uint32_t>, std::vector<std::uint32_t>>;

bool block_key(const ModelData& d, std::size_t b, BlockKey& key) {
  const Block& blk = d.blocks[b];
  std::vector<std::uint32_t> direct, per_bin;
  for (std::uint32_t k = d.scalar_begin[b]; k < d.scalar_begin[b + 1]; ++k) {
    if (d.scalars[k].normsys != kNoEntry) return false;
    direct.push_back(d.scalars[k].par);
  }
  for (std::uint32_t i = blk.bin_begin; i < blk.bin_begin + blk.nbins; ++i) {
    per_bin.push_back(d.binfactor_begin[i + 1] - d.binfactor_begin[i]);  // the list's length first
    for (std::uint32_t k = d.binfactor_begin[i]; k < d.binfactor_begin[i + 1]; ++k) per_bin.push_back(d.binfactor_par[k]);
  }
  key = {blk.channel, blk.nbins, std::move(direct), std::move(per_bin)};
  return true;
}

}  // namespace

std::shared_ptr<ModelData> merged_blocks(const ModelData& d) {
  // Blocks with unit-kind terms keep their own tables (their factors are per block).
  if (is_multiplicative(d.histosys_code) || d.blocks.empty() || !d.kind_terms.empty()) return nullptr;
  const std::size_t nblocks = d.blocks.size();
  // Each block's group: the first block with its key.
  std::vector<std::size_t> leader(nblocks);
  std::map<BlockKey, std::size_t> first;
  bool any = false;
  for (std::size_t b = 0; b < nblocks; ++b) {
    leader[b] = b;
    BlockKey key;
    if (!block_key(d, b, key)) continue;
    const auto [it, inserted] = first.try_emplace(std::move(key), b);
    leader[b] = it->second;
    any = any || !inserted;
  }
  if (!any) return nullptr;
  std::vector<std::vector<std::size_t>> members(nblocks);
  for (std::size_t b = 0; b < nblocks; ++b) members[leader[b]].push_back(b);

  auto m = std::make_shared<ModelData>(d);
  m->blocks.clear();
  m->nominal.clear();
  m->bb_main.clear();
  m->scalars.clear();
  m->scalar_begin.assign(1, 0);
  m->binfactor_par.clear();
  m->binfactor_begin.assign(1, 0);
  m->histos.clear();
  m->histo_begin.assign(1, 0);
  m->histo_lane.clear();
  m->histo_down.clear();
  m->histo_up.clear();
  m->histo_dup.clear();
  m->histo_ddn.clear();
  m->histo_SA.clear();
  m->histo_c4.clear();  // additive codes: unused
  for (std::size_t b = 0; b < nblocks; ++b) {
    if (leader[b] != b) continue;  // merged into an earlier block
    const Block& blk = d.blocks[b];
    const std::vector<std::size_t>& group = members[b];
    const std::uint32_t nb = blk.nbins;
    const auto begin = static_cast<std::uint32_t>(m->nominal.size());
    m->blocks.push_back({blk.channel, blk.sample, begin, nb});
    for (std::uint32_t j = 0; j < nb; ++j) {
      double nom = 0;
      for (const std::size_t g : group) nom += d.nominal[d.blocks[g].bin_begin + j];
      m->nominal.push_back(nom);
      m->bb_main.push_back(d.bb_main[blk.bin_begin + j]);
      const std::uint32_t i = blk.bin_begin + j;
      for (std::uint32_t k = d.binfactor_begin[i]; k < d.binfactor_begin[i + 1]; ++k)
        m->binfactor_par.push_back(d.binfactor_par[k]);
      m->binfactor_begin.push_back(static_cast<std::uint32_t>(m->binfactor_par.size()));
    }
    for (std::uint32_t k = d.scalar_begin[b]; k < d.scalar_begin[b + 1]; ++k) m->scalars.push_back(d.scalars[k]);
    m->scalar_begin.push_back(static_cast<std::uint32_t>(m->scalars.size()));
    // The merged entries, one per parameter in order of first appearance: per bin the
    // sums over the members (a member without the parameter: up = down = its nominal,
    // no difference).
    std::vector<std::uint32_t> pars;
    // parameter -> each member's entry for it (null where the member has none)
    std::map<std::uint32_t, std::vector<const HistoEntry*>> entries;
    for (std::size_t mi = 0; mi < group.size(); ++mi)
      for (std::uint32_t h = d.histo_begin[group[mi]]; h < d.histo_begin[group[mi] + 1]; ++h) {
        auto [it, added] = entries.try_emplace(d.histos[h].par, group.size(), nullptr);
        if (added) pars.push_back(d.histos[h].par);
        it->second[mi] = &d.histos[h];
      }
    for (const std::uint32_t p : pars) {
      m->histos.push_back({p, static_cast<std::uint32_t>(m->histo_down.size())});
      m->histo_lane.push_back(static_cast<std::uint8_t>((m->histos.size() - 1 - m->histo_begin.back()) % 2));
      std::vector<double> down(nb, 0.0), up(nb, 0.0), dup(nb, 0.0), ddn(nb, 0.0);
      const std::vector<const HistoEntry*>& of_member = entries.at(p);
      for (std::size_t mi = 0; mi < group.size(); ++mi) {
        const std::size_t g = group[mi];
        const HistoEntry* e = of_member[mi];
        for (std::uint32_t j = 0; j < nb; ++j) {
          if (e == nullptr) {
            const double nom = d.nominal[d.blocks[g].bin_begin + j];
            down[j] += nom;
            up[j] += nom;
          } else {
            down[j] += d.histo_down[e->data + j];
            up[j] += d.histo_up[e->data + j];
            dup[j] += d.histo_dup[e->data + j];
            ddn[j] += d.histo_ddn[e->data + j];
          }
        }
      }
      for (std::uint32_t j = 0; j < nb; ++j) {
        m->histo_down.push_back(down[j]);
        m->histo_up.push_back(up[j]);
        m->histo_dup.push_back(dup[j]);
        m->histo_ddn.push_back(ddn[j]);
        m->histo_SA.push_back(0.5 * (dup[j] + ddn[j]));
        m->histo_SA.push_back(0.0625 * (dup[j] - ddn[j]));
      }
    }
    m->histo_begin.push_back(static_cast<std::uint32_t>(m->histos.size()));
  }
  return m;
}

}  // namespace hfx::detail
