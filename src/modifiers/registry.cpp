// The modifier kinds beyond HistFactory's seven, as listed in kinds.inc.
#include "modifier_kind.hpp"

namespace hfx::detail {

#define HFX_MODIFIER_KIND(f) const ModifierKind& f();
#include "kinds.inc"
#undef HFX_MODIFIER_KIND

std::span<const ModifierKind* const> modifier_kinds() {
#define HFX_MODIFIER_KIND(f) &f(),
  static const ModifierKind* const kinds[] = {
#include "kinds.inc"
  };
#undef HFX_MODIFIER_KIND
  return kinds;
}

const ModifierKind* find_modifier_kind(std::string_view type) {
  for (const ModifierKind* k : modifier_kinds())
    if (k->type() == type) return k;
  return nullptr;
}

}  // namespace hfx::detail
