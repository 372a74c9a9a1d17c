// The fits' tables with interchangeable blocks merged (internal).
#pragma once

#include "model_data.hpp"

#include <memory>

namespace hfx::detail {

// A copy of d's block tables (blocks, nominal, bb_main, scalars, per-bin factors,
// histosys entries; d as build_blocks leaves it, before the derived tables) in which the
// blocks of a channel that share their scale -- no normsys, the same normfactor and lumi
// parameters in the same order, the same per-bin factors in every bin -- are one block:
// nominal, up and down templates and the histosys differences summed bin by bin, an
// entry per histosys parameter of any of them (a block without it adds nothing). With
// an additive histosys code every delta is linear in the templates, so the merged block
// gives the same rates and derivatives as its members in exact arithmetic (rounded
// once instead of per member). sbottom-multib-regionA: each channel's diboson, W, Z, ttW
// and st (lumi, staterror and histosys only) become one block, 54 block-bins 30.
// Returns null when no two blocks merge or the histosys code is multiplicative.
std::shared_ptr<ModelData> merged_blocks(const ModelData& d);

}  // namespace hfx::detail
