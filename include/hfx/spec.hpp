// The HistFactory JSON specification (v1.0.0) as plain C++ values.
//
// These structs are the typed view of a validated document: channels, samples and their
// modifiers, observations and measurements, in the order the document lists them.
// Nothing here is touched during a fit; compile() turns them into a Model.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace hfx {

namespace detail {
struct KindData;
}

// The seven HistFactory modifier types, in pyhf's canonical order (the order in which
// pyhf groups parameters: histosys, lumi, normfactor, normsys, shapefactor, shapesys,
// staterror), then `extension`: a kind beyond HistFactory (an hfx extension such as
// "hfx_eft", docs/eft.md), whose parameters come after all the others.
enum class ModifierType { histosys, lumi, normfactor, normsys, shapefactor, shapesys, staterror, extension };
inline constexpr int kModifierTypeCount = 8;

std::string_view to_string(ModifierType type);
// Returns nullopt for an unknown name (and for "extension": an extension kind is named by
// its own type, modifier::Extension::type).
std::optional<ModifierType> modifier_type_from_string(std::string_view name);

namespace modifier {
// Correlated shape variation: up/down templates of the sample's bin count.
struct HistoSys { std::vector<double> hi_data, lo_data; };
// Luminosity: scales the sample by the `lumi` parameter (configured in the measurement).
struct Lumi {};
// Free normalisation factor.
struct NormFactor {};
// Normalisation uncertainty: multiplicative factors at alpha = +1 (hi) and -1 (lo).
struct NormSys { double hi = 1.0, lo = 1.0; };
// Free per-bin factors.
struct ShapeFactor {};
// Uncorrelated per-bin uncertainty (absolute, one number per bin), Poisson-constrained.
struct ShapeSys { std::vector<double> data; };
// MC statistical uncertainty (absolute, one number per bin), Gaussian-constrained with
// the uncertainty pooled over the samples that share the modifier.
struct StatError { std::vector<double> data; };
// A kind beyond HistFactory's seven: its JSON type ("hfx_eft") and its data as the kind's
// unit (src/modifiers) parsed and validated it.
struct Extension {
  std::string type;
  std::shared_ptr<const detail::KindData> data;
};
}  // namespace modifier

// Alternatives are in ModifierType order, so data.index() == static_cast<int>(type()).
using ModifierData = std::variant<modifier::HistoSys, modifier::Lumi, modifier::NormFactor,
                                  modifier::NormSys, modifier::ShapeFactor, modifier::ShapeSys,
                                  modifier::StatError, modifier::Extension>;

struct ModifierSpec {
  std::string name;
  ModifierData data;
  ModifierType type() const { return static_cast<ModifierType>(data.index()); }
};

struct SampleSpec {
  std::string name;
  std::vector<double> data;  // nominal yields, one per bin
  std::vector<ModifierSpec> modifiers;
};

struct ChannelSpec {
  std::string name;
  std::vector<SampleSpec> samples;
  std::size_t nbins() const { return samples.empty() ? 0 : samples.front().data.size(); }
};

struct ObservationSpec {
  std::string name;  // channel name
  std::vector<double> data;
};

// A measurement's configuration of one parameter set (all fields optional).
struct ParameterConfig {
  std::string name;
  std::optional<std::vector<double>> inits;
  std::optional<std::vector<std::pair<double, double>>> bounds;
  std::optional<std::vector<double>> auxdata;
  std::optional<std::vector<double>> factors;
  std::optional<std::vector<double>> sigmas;
  std::optional<bool> fixed;
};

struct MeasurementSpec {
  std::string name;
  std::string poi;
  std::vector<ParameterConfig> parameters;
  const ParameterConfig* find_parameter(std::string_view name) const;
};

}  // namespace hfx
