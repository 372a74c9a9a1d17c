// Workspace construction, lookup and digest.
#include "hfx/workspace.hpp"

#include "hfx/errors.hpp"
#include "validate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace hfx {

namespace {
constexpr std::array<std::string_view, kModifierTypeCount> kTypeNames = {
    "histosys", "lumi", "normfactor", "normsys", "shapefactor", "shapesys", "staterror", "extension"};
}

std::string_view to_string(ModifierType type) { return kTypeNames[static_cast<int>(type)]; }

std::optional<ModifierType> modifier_type_from_string(std::string_view name) {
  for (int i = 0; i < kModifierTypeCount; ++i)
    if (kTypeNames[i] == name && static_cast<ModifierType>(i) != ModifierType::extension) return static_cast<ModifierType>(i);
  return std::nullopt;
}

const ParameterConfig* MeasurementSpec::find_parameter(std::string_view parameter) const {
  for (const auto& p : parameters)
    if (p.name == parameter) return &p;
  return nullptr;
}

Workspace::Workspace(Json document) : doc_(std::move(document)) {
  require_json_limits(doc_, "/");
  auto parsed = detail::parse_workspace(doc_);
  version_ = std::move(parsed.version);
  channels_ = std::move(parsed.channels);
  observations_ = std::move(parsed.observations);
  measurements_ = std::move(parsed.measurements);
}

Workspace Workspace::load(const std::string& path) {
  Json doc = load_json_file(path);
  try {
    return Workspace(std::move(doc));
  } catch (const InvalidSpecification& e) {  // and its kinds InvalidModel, InvalidModifier
    std::rethrow_exception(e.with_prefix(fmt::format("{}: ", path == "-" ? "<stdin>" : path)));
  }
}

const ChannelSpec* Workspace::find_channel(std::string_view name) const {
  for (const auto& c : channels_)
    if (c.name == name) return &c;
  return nullptr;
}

const ObservationSpec* Workspace::find_observation(std::string_view name) const {
  for (const auto& o : observations_)
    if (o.name == name) return &o;
  return nullptr;
}

const MeasurementSpec& Workspace::measurement(std::string_view name) const {
  if (measurements_.empty()) throw InvalidMeasurement("the workspace has no measurements");
  if (name.empty()) return measurements_.front();
  for (const auto& m : measurements_)
    if (m.name == name) return m;
  std::string known;
  for (const auto& m : measurements_) known += (known.empty() ? "'" : ", '") + m.name + "'";
  throw InvalidMeasurement(fmt::format("no measurement named '{}' (the workspace has {})", name, known));
}

std::vector<std::string> Workspace::channel_names_sorted() const {
  std::vector<std::string> names;
  for (const auto& c : channels_) names.push_back(c.name);
  std::sort(names.begin(), names.end());
  return names;
}

std::string Workspace::digest() const { return sha256_hex(python_json_dumps(doc_)); }

}  // namespace hfx
