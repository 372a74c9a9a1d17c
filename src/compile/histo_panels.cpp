#include "histo_panels.hpp"

#include <algorithm>
#include <map>

namespace hfx::detail {

namespace {

// The per-entry kernel's estimated vector instructions for one block's entries (see
// packed_code4p.cpp: one broadcast and ceil(nbins / 2) multiply-adds per entry up to 4
// bins, a scalar loop beyond).
double packed_cost(std::uint32_t nbins, std::uint32_t entries) {
  if (entries == 0) return 0;
  if (nbins <= 4) return 8.0 + entries * (3.0 + 2.0 * ((nbins + 1) / 2));
  return entries * (6.0 + 3.0 * nbins);
}

}  // namespace

void build_histo_panels(ModelData& d, PanelChoice choice) {
  d.histo_panels.clear();
  d.panel_par.clear();
  d.panel_SA.clear();
  if (choice == PanelChoice::never || d.histosys_code != InterpCode::code4p || d.histos.empty()) return;

  // The panels' bin ranges: runs of consecutive block-bins of blocks with entries, cut
  // before a block that would overflow the panel, and within a block wider than one. A
  // gap of at most kPanelGap bins (blocks without entries, e.g. a channel's other
  // samples) is taken into the open panel as zero lanes, which costs less than a
  // panel's fixed overhead (1Lbb-simplified: one histosys parameter on 8 of 16 blocks).
  constexpr std::uint32_t kPanelGap = 8;
  struct Range {
    std::uint32_t begin, nbins;
  };
  std::vector<Range> ranges;
  double old_cost = 0;
  for (std::size_t b = 0; b < d.blocks.size(); ++b) {
    const std::uint32_t entries = d.histo_begin[b + 1] - d.histo_begin[b];
    if (entries == 0) continue;
    const Block& blk = d.blocks[b];
    old_cost += packed_cost(blk.nbins, entries);
    std::uint32_t bin = blk.bin_begin, left = blk.nbins;
    if (!ranges.empty()) {
      Range& open = ranges.back();
      const std::uint32_t end = open.begin + open.nbins;
      if (bin > end && bin - end <= kPanelGap && open.nbins + (bin - end) + std::min(left, kPanelBins) <= kPanelBins)
        open.nbins = bin - open.begin;
    }
    while (left > 0) {
      const bool extends = !ranges.empty() && ranges.back().begin + ranges.back().nbins == bin;
      const std::uint32_t room = extends ? kPanelBins - ranges.back().nbins : 0;
      // Join the open panel if the rest of the block fits (or the block is wider than a
      // panel anyway), else start a new one.
      if (extends && room > 0 && (left <= room || left > kPanelBins)) {
        const std::uint32_t take = std::min(left, room);
        ranges.back().nbins += take;
        bin += take;
        left -= take;
      } else {
        const std::uint32_t take = std::min(left, kPanelBins);
        ranges.push_back({bin, take});
        bin += take;
        left -= take;
      }
    }
  }

  // Each panel's parameters (sorted) and their columns.
  std::vector<HistoPanel> panels;
  std::vector<std::uint32_t> pars;
  std::vector<double> sa;
  double new_cost = 0;
  std::size_t b = 0;
  for (const Range& r : ranges) {
    const std::uint32_t G = panel_lane_groups(r.nbins);
    while (d.blocks[b].bin_begin + d.blocks[b].nbins <= r.begin) ++b;
    std::map<std::uint32_t, std::vector<double>> cols;  // parameter -> 8 G doubles
    for (std::size_t c = b; c < d.blocks.size() && d.blocks[c].bin_begin < r.begin + r.nbins; ++c) {
      const Block& blk = d.blocks[c];
      for (std::uint32_t h = d.histo_begin[c]; h < d.histo_begin[c + 1]; ++h) {
        const HistoEntry& e = d.histos[h];
        auto& col = cols.try_emplace(e.par, std::vector<double>(8 * G, 0.0)).first->second;
        for (std::uint32_t j = 0; j < blk.nbins; ++j) {
          const std::uint32_t bin = blk.bin_begin + j;
          if (bin < r.begin || bin >= r.begin + r.nbins) continue;
          const std::uint32_t lane = bin - r.begin, g = lane / 4, l = lane % 4;
          col[8 * g + l] += d.histo_SA[2 * (static_cast<std::size_t>(e.data) + j)];
          col[8 * g + 4 + l] += d.histo_SA[2 * (static_cast<std::size_t>(e.data) + j) + 1];
        }
      }
    }
    HistoPanel q{r.begin, r.nbins, static_cast<std::uint32_t>(pars.size()), 0, sa.size()};
    for (const auto& [par, col] : cols) {
      pars.push_back(par);
      sa.insert(sa.end(), col.begin(), col.end());
    }
    q.par_end = static_cast<std::uint32_t>(pars.size());
    new_cost += 4.0 * G + (q.par_end - q.par_begin) * (2.0 + 2.0 * G);
    panels.push_back(q);
  }
  if (choice == PanelChoice::automatic && !(new_cost < old_cost)) return;
  d.histo_panels = std::move(panels);
  d.panel_par = std::move(pars);
  d.panel_SA = std::move(sa);
}

}  // namespace hfx::detail
