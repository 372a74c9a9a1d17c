// The fits' dense view of the code4p histosys entries (internal): ModelData::histo_panels.
#pragma once

#include "model_data.hpp"

namespace hfx::detail {

enum class PanelChoice {
  automatic,  // panels when their estimated cost per sweep is below the per-entry kernel's
  always,     // panels whenever there are code4p entries (the kernel tests)
  never,
};

// (Re)builds d.histo_panels, d.panel_par and d.panel_SA from d's histosys tables: each
// maximal run of consecutive block-bins whose blocks carry entries -- short gaps of
// blocks without entries bridged with zero lanes -- is cut, at block boundaries where it
// can be, into runs of at most kPanelBins bins, one panel each. Only for code4p (other
// codes leave the tables empty).
//
// The cost estimate counts vector instructions per forward sweep: a panel costs two
// broadcasts and 2 G multiply-adds per parameter, the per-entry kernel ~3 + nbins per
// entry and block overhead. Panels win where a block's entries are many and its
// parameters are shared by neighbouring blocks (sbottom: 551 three-bin entries of 44
// parameters on 18 blocks), not where entries are few (staus: 17 on 20 one-bin blocks).
//
// When the columns exceed 16 KB (or with PanelChoice::always) each run's parameters are
// further split into panels over the lane groups their columns do not leave, and those
// with no S term into A-only panels (see HistoPanel), by a greedy estimate that counts
// the streamed bytes: the panels of one run then overlap in bins.
void build_histo_panels(ModelData& d, PanelChoice choice = PanelChoice::automatic);

// The multiply-adds of d's panels per forward sweep, counted per eight bins (per
// parameter: one per eight bins for A alone, two with S), or, without panels, the histosys entry-bins: a
// measure of the histosys work to compare two tables of one model by.
std::size_t panel_multiply_adds(const ModelData& d);

}  // namespace hfx::detail
