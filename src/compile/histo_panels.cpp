#include "histo_panels.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

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

// The panel kernels' estimated cost for one panel of n parameters over G lane groups
// with C = 2 columns per group (S and A) or 1 (A alone), in instructions: a fixed part
// (dispatch, accumulators, adding the G groups' lanes into the rates) and per parameter
// the broadcasts, the loop and C G multiply-adds, each counted twice for the 32 bytes
// of column it streams (sbottom's panels outgrow the L1 cache, and the kernel is then
// bound by the loads, not the instructions).
double panel_cost(std::size_t n, std::uint32_t G, std::uint32_t C) {
  return 30.0 + 6.0 * G + static_cast<double>(n) * (1.0 + C + 4.0 * C * G);
}

// A set of a panel's parameters whose non-zero lane groups all lie in [glo, ghi), with
// no S term anywhere if a_only.
struct ParClass {
  std::uint32_t glo, ghi;
  bool a_only;
  std::vector<std::uint32_t> members;  // indices into the panel's parameter list
  double cost() const { return panel_cost(members.size(), ghi - glo, a_only ? 1 : 2); }
};

// The class x and y merge into, without its members: the union of their ranges, with S
// terms if either has them.
ParClass united(const ParClass& x, const ParClass& y) {
  return {std::min(x.glo, y.glo), std::max(x.ghi, y.ghi), x.a_only && y.a_only, {}};
}

// Splits one panel's parameters by the lane groups their columns do not leave and by
// whether they have S terms: a parameter that moves a few of the panel's blocks
// (sbottom: 10 of 44 move only the first 28 of 48 bins, 5 only one block) then costs
// multiply-adds only there, one whose up and down templates are equal (8 of sbottom's)
// one per group, and the panel's columns shrink accordingly. Starting from one class
// per distinct (range, kind), the pair of classes whose union (united()) saves the most
// estimated cost is merged until no merge saves any.
std::vector<ParClass> split_by_range(const std::vector<std::vector<double>>& cols, std::uint32_t G) {
  std::map<std::tuple<std::uint32_t, std::uint32_t, bool>, std::vector<std::uint32_t>> by_range;
  for (std::uint32_t i = 0; i < cols.size(); ++i) {
    std::uint32_t glo = G, ghi = 0;
    bool has_s = false;
    for (std::uint32_t g = 0; g < G; ++g) {
      const auto group = cols[i].begin() + 8 * g;
      const bool s_zero = std::all_of(group, group + 4, [](double v) { return v == 0; });
      const bool a_zero = std::all_of(group + 4, group + 8, [](double v) { return v == 0; });
      has_s = has_s || !s_zero;
      if (s_zero && a_zero) continue;
      glo = std::min(glo, g);
      ghi = g + 1;
    }
    // A column with no non-zero term (a parameter whose entry lies in the run's other
    // bins) is left out.
    if (ghi > 0) by_range[{glo, ghi, !has_s}].push_back(i);
  }
  std::vector<ParClass> classes;
  for (auto& [key, members] : by_range)
    classes.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), std::move(members)});
  for (;;) {
    double best = 0;
    std::size_t bi = 0, bj = 0;
    for (std::size_t i = 0; i < classes.size(); ++i) {
      for (std::size_t j = i + 1; j < classes.size(); ++j) {
        const ParClass &x = classes[i], &y = classes[j];
        const ParClass u = united(x, y);
        const double merged = panel_cost(x.members.size() + y.members.size(), u.ghi - u.glo, u.a_only ? 1 : 2);
        const double saving = x.cost() + y.cost() - merged;
        if (saving > best) best = saving, bi = i, bj = j;
      }
    }
    if (best <= 0) break;
    ParClass& x = classes[bi];
    const ParClass& y = classes[bj];
    const ParClass u = united(x, y);
    x.glo = u.glo;
    x.ghi = u.ghi;
    x.a_only = u.a_only;
    x.members.insert(x.members.end(), y.members.begin(), y.members.end());
    std::sort(x.members.begin(), x.members.end());
    classes.erase(classes.begin() + static_cast<std::ptrdiff_t>(bj));
  }
  return classes;
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

  // Each range's parameters (sorted) and their columns.
  struct RangeColumns {
    Range r;
    std::vector<std::uint32_t> pars;
    std::vector<std::vector<double>> cols;  // 8 G doubles per parameter
  };
  std::vector<RangeColumns> columns;
  double new_cost = 0;
  std::size_t bytes = 0;
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
    new_cost += 4.0 * G + static_cast<double>(cols.size()) * (2.0 + 2.0 * G);
    bytes += 64 * G * cols.size();
    RangeColumns rc{r, {}, {}};
    for (auto& [par, col] : cols) {
      rc.pars.push_back(par);
      rc.cols.push_back(std::move(col));
    }
    columns.push_back(std::move(rc));
  }
  if (choice == PanelChoice::automatic && !(new_cost < old_cost)) return;

  // The panels. Where the columns outgrow half of a 32 KB L1 data cache (sbottom: 38 KB)
  // each range's parameters are split into panels over the lane groups they move (the
  // panels of one range overlap in bins and add into the same rates), which shrinks the
  // data the kernel streams; below that the extra panels' fixed cost is not repaid
  // (docs/benchmarks.md, "Performance notes from the kernels").
  constexpr std::size_t kSplitBytes = 16 * 1024;
  std::vector<HistoPanel> panels;
  std::vector<std::uint32_t> pars;
  AlignedDoubles sa;
  for (const RangeColumns& rc : columns) {
    const Range& r = rc.r;
    const std::vector<std::uint32_t>& range_pars = rc.pars;
    const std::vector<std::vector<double>>& range_cols = rc.cols;
    const std::uint32_t G = panel_lane_groups(r.nbins);
    std::vector<ParClass> classes;
    if (bytes > kSplitBytes || choice == PanelChoice::always) {
      classes = split_by_range(range_cols, G);
    } else {
      classes.push_back({0, G, false, {}});
      for (std::uint32_t i = 0; i < range_cols.size(); ++i) classes.back().members.push_back(i);
    }
    for (const ParClass& c : classes) {
      const std::uint32_t bin_begin = r.begin + 4 * c.glo;
      const std::uint32_t bin_end = std::min(r.begin + 4 * c.ghi, r.begin + r.nbins);
      HistoPanel q{bin_begin, bin_end - bin_begin, static_cast<std::uint32_t>(pars.size()), 0, sa.size(), c.a_only};
      for (const std::uint32_t i : c.members) {
        pars.push_back(range_pars[i]);
        for (std::uint32_t g = c.glo; g < c.ghi; ++g) {
          const auto group = range_cols[i].begin() + 8 * g;
          sa.insert(sa.end(), c.a_only ? group + 4 : group, group + 8);
        }
      }
      q.par_end = static_cast<std::uint32_t>(pars.size());
      panels.push_back(q);
    }
  }
  d.histo_panels = std::move(panels);
  d.panel_par = std::move(pars);
  d.panel_SA = std::move(sa);
}

std::size_t panel_multiply_adds(const ModelData& d) {
  if (d.histo_panels.empty()) return d.histo_dup.size();
  std::size_t n = 0;
  for (const HistoPanel& q : d.histo_panels)
    n += static_cast<std::size_t>(q.par_end - q.par_begin) * ((q.nbins + 7) / 8) * (q.a_only ? 1 : 2);
  return n;
}

}  // namespace hfx::detail
