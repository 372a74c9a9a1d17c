// Workspace: a validated HistFactory JSON document and the operations pyhf offers on it.
#pragma once

#include "hfx/json.hpp"
#include "hfx/spec.hpp"

#include <map>
#include <string>
#include <vector>

namespace hfx {

// How combine() treats items (channels, observations, measurements) present in both
// workspaces; the semantics are pyhf's Workspace.combine(join=...).
enum class JoinMode { none, outer, left_outer, right_outer };
// Parses "none", "outer", "left outer", "right outer". Throws InvalidWorkspaceOperation.
JoinMode join_mode_from_string(std::string_view s);

struct PruneOptions {
  std::vector<std::string> channels, samples, modifiers, modifier_types, measurements;
};
struct RenameOptions {
  std::map<std::string, std::string> channels, samples, modifiers, measurements;
};

// An immutable, validated workspace document. The JSON document is kept as written (key
// order, integer-vs-float number forms) so that digests and operations reproduce pyhf
// byte for byte; channels()/observations()/measurements() give the typed view.
class Workspace {
 public:
  // Validates `document` completely against the HistFactory JSON spec v1.0.0 and the
  // consistency rules (bin counts, unique names, finite numbers, ...). The POI need not
  // be a modifier yet: published background-only workspaces get it from a signal patch;
  // compile() checks it. Throws InvalidSpecification with the JSON path of the problem.
  explicit Workspace(Json document);

  // Reads and validates a file ("-" = stdin).
  static Workspace load(const std::string& path);

  const Json& document() const { return doc_; }
  const std::vector<ChannelSpec>& channels() const { return channels_; }
  const std::vector<ObservationSpec>& observations() const { return observations_; }
  const std::vector<MeasurementSpec>& measurements() const { return measurements_; }
  const std::string& version() const { return version_; }

  const ChannelSpec* find_channel(std::string_view name) const;
  const ObservationSpec* find_observation(std::string_view name) const;
  // The named measurement; the first one when `name` is empty (pyhf's default).
  // Throws InvalidMeasurement.
  const MeasurementSpec& measurement(std::string_view name = {}) const;

  // Channel names sorted (pyhf's model order), and channel -> bin count.
  std::vector<std::string> channel_names_sorted() const;

  // sha256 of Python's json.dumps(document, sort_keys=True) -- equal to `pyhf digest`.
  std::string digest() const;

  // pyhf's workspace algebra; each returns a new validated workspace.
  Workspace prune(const PruneOptions& options) const;
  Workspace rename(const RenameOptions& options) const;
  Workspace sorted() const;
  static Workspace combine(const Workspace& left, const Workspace& right, JoinMode join,
                           bool merge_channels);

 private:
  Json doc_;
  std::string version_;
  std::vector<ChannelSpec> channels_;
  std::vector<ObservationSpec> observations_;
  std::vector<MeasurementSpec> measurements_;
};

}  // namespace hfx
