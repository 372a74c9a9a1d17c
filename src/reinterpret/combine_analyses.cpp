// combine_analyses: rename each analysis apart, then join them on the shared names.
#include "hfx/errors.hpp"
#include "hfx/reinterpret.hpp"

#include <fmt/format.h>

namespace hfx {

Workspace combine_analyses(std::span<const Analysis> analyses, const std::string& poi,
                           const std::set<std::string>& correlated) {
  if (analyses.empty()) throw InvalidWorkspaceOperation("combine-analyses: no analyses");
  if (poi.empty()) throw InvalidWorkspaceOperation("combine-analyses: the shared POI needs a name");
  std::set<std::string> labels, used;
  std::optional<Workspace> out;
  for (const Analysis& a : analyses) {
    if (a.label.empty() || !labels.insert(a.label).second)
      throw InvalidWorkspaceOperation(fmt::format("combine-analyses: labels must be distinct and non-empty, got '{}' twice",
                                                  a.label));
    const MeasurementSpec& m = a.workspace.measurement(a.measurement);
    // Only this analysis' measurement, named alike in every analysis so that they join.
    PruneOptions prune;
    for (const auto& other : a.workspace.measurements())
      if (other.name != m.name) prune.measurements.push_back(other.name);
    Workspace w = prune.measurements.empty() ? a.workspace : a.workspace.prune(prune);
    RenameOptions rename;
    rename.measurements[m.name] = "combined";
    bool has_poi = false;
    for (const auto& c : w.channels()) {
      rename.channels[c.name] = a.label + "_" + c.name;
      for (const auto& s : c.samples)
        for (const auto& mod : s.modifiers) {
          if (mod.name == m.poi) {
            has_poi = true;
            if (m.poi != poi) rename.modifiers[mod.name] = poi;
          } else if (correlated.count(mod.name)) {
            used.insert(mod.name);
          } else if (mod.type() != ModifierType::lumi) {
            rename.modifiers[mod.name] = a.label + "_" + mod.name;
          }
        }
    }
    if (!has_poi)
      throw InvalidWorkspaceOperation(fmt::format("combine-analyses: analysis '{}' has no modifier for its POI '{}' (a "
                                                  "background-only workspace needs its signal patch first)",
                                                  a.label, m.poi));
    w = w.rename(rename);
    out = out ? Workspace::combine(*out, w, JoinMode::outer, false) : std::move(w);
  }
  for (const auto& name : correlated)
    if (!used.count(name))
      throw InvalidWorkspaceOperation(fmt::format("combine-analyses: no analysis has a modifier named '{}' to correlate", name));
  return *out;
}

}  // namespace hfx
