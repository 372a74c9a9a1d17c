// signal_yields_workspace: a background-only workspace with the signal sample whose
// per-bin yields are fixed parameters (hfx_yields), for profile_signal_yields.
#include "hfx/errors.hpp"
#include "hfx/reinterpret.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace hfx {

SignalYieldsWorkspace signal_yields_workspace(const Workspace& ws, const std::vector<std::string>& channels,
                                              const std::string& poi, const std::string& measurement,
                                              const Json& signal_modifiers) {
  const MeasurementSpec& meas = ws.measurement(measurement);
  SignalYieldsWorkspace out{.workspace = ws, .poi = poi.empty() ? meas.poi : poi, .measurement = meas.name};
  if (out.poi.empty()) out.poi = "mu";
  if (!signal_modifiers.is_array())
    throw InvalidWorkspaceOperation("signal modifiers: expected a JSON array of modifiers");
  std::vector<std::string> names;
  for (const auto& c : ws.channels()) names.push_back(c.name);
  std::vector<std::string> chosen = channels.empty() ? names : channels;
  std::set<std::string> seen;
  for (const auto& c : chosen) {
    if (std::find(names.begin(), names.end(), c) == names.end())
      throw InvalidWorkspaceOperation(fmt::format("signal region channel '{}' is not a channel of the workspace", c));
    if (!seen.insert(c).second) throw InvalidWorkspaceOperation(fmt::format("signal region channel '{}' is listed twice", c));
  }
  Json doc = ws.document();
  for (auto& c : doc.at("channels")) {
    const std::string name = c.at("name").get<std::string>();
    if (!seen.count(name)) continue;
    for (const auto& s : c.at("samples"))
      if (s.at("name") == kSignalYieldsSample)
        throw InvalidWorkspaceOperation(fmt::format("channel '{}' already has a sample named '{}'", name, kSignalYieldsSample));
    const std::size_t nbins = c.at("samples").at(0).at("data").size();
    Json mods = Json::array({Json{{"name", out.poi}, {"type", "normfactor"}, {"data", nullptr}},
                             Json{{"name", fmt::format("{}_{}", kSignalYieldsSample, name)}, {"type", "hfx_yields"}, {"data", nullptr}}});
    for (const auto& m : signal_modifiers) mods.push_back(m);
    c.at("samples").push_back(Json{{"name", kSignalYieldsSample}, {"data", std::vector<double>(nbins, 0.0)}, {"modifiers", mods}});
  }
  out.workspace = Workspace(std::move(doc));
  for (const auto& c : chosen) {
    const auto& spec = *std::find_if(out.workspace.channels().begin(), out.workspace.channels().end(),
                                     [&](const ChannelSpec& x) { return x.name == c; });
    for (std::size_t j = 0; j < spec.nbins(); ++j) out.regions.emplace_back(c, j);
    out.yield_parameters.push_back(fmt::format("{}_{}", kSignalYieldsSample, c));
  }
  return out;
}

}  // namespace hfx
