// pyhf's workspace algebra: prune, rename, sorted and combine.
//
// Every operation works on the JSON document itself so that number forms (5 vs 5.0) and
// the key order of untouched objects survive exactly as pyhf's dict operations keep them;
// the objects an operation rebuilds get pyhf's key order (see the comments below). The
// result is validated by constructing a new Workspace.
#include "hfx/errors.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"
#include "validate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace hfx {

namespace {

const std::string& name_of(const Json& item) { return item.at("name").get_ref<const std::string&>(); }

template <class Container>
bool contains(const Container& c, const std::string& s) {
  return std::find(c.begin(), c.end(), s) != c.end();
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

// pyhf checks for duplicate names after the schema, and reports them as InvalidModel;
// hfx's validator reports them as InvalidSpecification. The operations below can create
// duplicates (rename "A" -> "B" when "B" exists), so they look first, as pyhf would.
void check_duplicates(const Json& doc) {
  const Json& channels = doc.at("channels");
  std::set<std::string> seen_channels;
  for (std::size_t c = 0; c < channels.size(); ++c) {
    const std::string& cname = name_of(channels[c]);
    if (!seen_channels.insert(cname).second)
      throw InvalidModel(fmt::format("/channels/{}/name: duplicate channel '{}' in the workspace; rename one of them", c,
                                     cname));
  }
  for (std::size_t c = 0; c < channels.size(); ++c) {
    const Json& samples = channels[c].at("samples");
    const std::string& cname = name_of(channels[c]);
    std::set<std::string> seen_samples;
    for (std::size_t s = 0; s < samples.size(); ++s) {
      if (!seen_samples.insert(name_of(samples[s])).second)
        throw InvalidModel(fmt::format("/channels/{}/samples/{}/name: duplicate sample '{}' in channel '{}'; rename one of them",
                                       c, s, name_of(samples[s]), cname));
    }
    for (std::size_t s = 0; s < samples.size(); ++s) {
      const Json& mods = samples[s].at("modifiers");
      std::set<std::pair<std::string, std::string>> seen_mods;
      for (std::size_t m = 0; m < mods.size(); ++m) {
        const std::string& type = mods[m].at("type").get_ref<const std::string&>();
        if (!seen_mods.emplace(name_of(mods[m]), type).second)
          throw InvalidModel(fmt::format(
              "/channels/{}/samples/{}/modifiers/{}: duplicate {} modifier '{}' on sample '{}' in channel '{}'; rename "
              "one of them",
              c, s, m, type, name_of(mods[m]), name_of(samples[s]), cname));
      }
    }
  }
}

Workspace make_workspace(Json doc) {
  check_duplicates(doc);
  return Workspace(std::move(doc));
}

struct RenameMaps {
  const std::map<std::string, std::string>* channels = nullptr;
  const std::map<std::string, std::string>* samples = nullptr;
  const std::map<std::string, std::string>* modifiers = nullptr;
  const std::map<std::string, std::string>* measurements = nullptr;
};

Json renamed(const std::map<std::string, std::string>* map, const std::string& name) {
  if (map) {
    auto it = map->find(name);
    if (it != map->end()) return it->second;
  }
  return name;
}

template <class Names>
void require_known(const Names& requested, const std::vector<std::string>& known, const char* what) {
  for (const auto& name : requested)
    if (!std::binary_search(known.begin(), known.end(), name))
      throw InvalidWorkspaceOperation(fmt::format("{} is not one of the {} in this workspace.", name, what));
}

std::vector<std::string> keys_of(const std::map<std::string, std::string>* map) {
  std::vector<std::string> out;
  if (map)
    for (const auto& [k, v] : *map) out.push_back(k);
  return out;
}

// pyhf's Workspace._prune_and_rename: one pass that drops and renames, rebuilding
// channels as {name, samples}, samples as {name, data, modifiers}, measurements as
// {name, config: {parameters, poi}} and the top level as {channels, measurements,
// observations, version}; modifiers, parameter configs and observations keep their keys.
Workspace prune_and_rename(const Workspace& ws, const PruneOptions& prune, const RenameMaps& rename) {
  const Json& doc = ws.document();

  // Name inventories, sorted and unique like pyhf's summary mixin.
  std::vector<std::string> channels, samples, modifiers, measurements;
  std::set<std::pair<std::string, std::string>> modifier_pairs;
  for (const auto& c : doc.at("channels")) {
    channels.push_back(name_of(c));
    for (const auto& s : c.at("samples")) {
      samples.push_back(name_of(s));
      for (const auto& m : s.at("modifiers")) modifier_pairs.emplace(name_of(m), m.at("type").get<std::string>());
    }
  }
  for (const auto& m : doc.at("measurements")) measurements.push_back(name_of(m));
  for (auto* v : {&channels, &samples, &measurements}) {
    std::sort(v->begin(), v->end());
    v->erase(std::unique(v->begin(), v->end()), v->end());
  }
  // pyhf asks `type in dict(modifiers).values()`: a name that carries several types maps
  // to the last of them in (name, type) order, so only that type counts as present.
  std::map<std::string, std::string> type_of_name;
  for (const auto& [name, type] : modifier_pairs) type_of_name[name] = type;
  std::set<std::string> present_types;
  for (const auto& [name, type] : type_of_name) {
    modifiers.push_back(name);
    present_types.insert(type);
  }

  for (const auto& type : prune.modifier_types)
    if (!present_types.count(type))
      throw InvalidWorkspaceOperation(fmt::format("{} is not one of the modifier types in this workspace.", type));
  require_known(prune.modifiers, modifiers, "modifiers");
  require_known(keys_of(rename.modifiers), modifiers, "modifiers");
  require_known(prune.samples, samples, "samples");
  require_known(keys_of(rename.samples), samples, "samples");
  require_known(prune.channels, channels, "channels");
  require_known(keys_of(rename.channels), channels, "channels");
  require_known(prune.measurements, measurements, "measurements");
  require_known(keys_of(rename.measurements), measurements, "measurements");

  Json out = Json::object();
  Json& out_channels = out["channels"] = Json::array();
  for (const auto& c : doc.at("channels")) {
    if (contains(prune.channels, name_of(c))) continue;
    Json channel = Json::object();
    channel["name"] = renamed(rename.channels, name_of(c));
    Json& out_samples = channel["samples"] = Json::array();
    for (const auto& s : c.at("samples")) {
      if (contains(prune.samples, name_of(s))) continue;
      Json sample = Json::object();
      sample["name"] = renamed(rename.samples, name_of(s));
      sample["data"] = s.at("data");
      Json& out_mods = sample["modifiers"] = Json::array();
      for (const auto& m : s.at("modifiers")) {
        if (contains(prune.modifiers, name_of(m)) || contains(prune.modifier_types, m.at("type").get<std::string>()))
          continue;
        Json mod = m;
        mod["name"] = renamed(rename.modifiers, name_of(m));
        out_mods.push_back(std::move(mod));
      }
      out_samples.push_back(std::move(sample));
    }
    out_channels.push_back(std::move(channel));
  }

  Json& out_measurements = out["measurements"] = Json::array();
  for (const auto& m : doc.at("measurements")) {
    if (contains(prune.measurements, name_of(m))) continue;
    Json meas = Json::object();
    meas["name"] = renamed(rename.measurements, name_of(m));
    Json& config = meas["config"] = Json::object();
    Json& params = config["parameters"] = Json::array();
    for (const auto& p : m.at("config").at("parameters")) {
      if (contains(prune.modifiers, name_of(p))) continue;
      Json param = p;
      param["name"] = renamed(rename.modifiers, name_of(p));
      params.push_back(std::move(param));
    }
    config["poi"] = renamed(rename.modifiers, m.at("config").at("poi").get<std::string>());
    out_measurements.push_back(std::move(meas));
  }

  Json& out_observations = out["observations"] = Json::array();
  for (const auto& o : doc.at("observations")) {
    if (contains(prune.channels, name_of(o))) continue;
    Json obs = o;
    obs["name"] = renamed(rename.channels, name_of(o));
    out_observations.push_back(std::move(obs));
  }
  out["version"] = doc.at("version");
  return make_workspace(std::move(out));
}

// ---- combine --------------------------------------------------------------------------

const char* join_name(JoinMode join) {
  switch (join) {
    case JoinMode::none: return "none";
    case JoinMode::outer: return "outer";
    case JoinMode::left_outer: return "left outer";
    case JoinMode::right_outer: return "right outer";
  }
  return "?";
}

constexpr const char* kTryAnotherJoin = "use a different join ('none', 'outer', 'left outer', 'right outer') if intended";

// pyhf's _join_items: starts from the primary list (the right one for "right outer") and
// appends secondary items: all of them for "none"; those not equal to any primary item
// for "outer"; those whose name the primary list lacks for the one-sided joins. With
// `deep_merge_key`, a secondary item whose name is already present instead has its
// `deep_merge_key` list left-outer-joined into the primary item's.
Json join_items(JoinMode join, const Json& left, const Json& right, const char* deep_merge_key = nullptr) {
  const Json& primary = join == JoinMode::right_outer ? right : left;
  const Json& secondary = join == JoinMode::right_outer ? left : right;
  Json joined = primary;
  std::vector<std::string> keys;
  for (const auto& item : joined) keys.push_back(name_of(item));
  for (const auto& item : secondary) {
    auto at = std::find(keys.begin(), keys.end(), name_of(item));
    if (at != keys.end() && deep_merge_key) {
      Json& target = joined[static_cast<std::size_t>(at - keys.begin())];
      target[deep_merge_key] = join_items(JoinMode::left_outer, target.at(deep_merge_key), item.at(deep_merge_key));
      continue;
    }
    bool take = false;
    switch (join) {
      case JoinMode::none: take = true; break;
      case JoinMode::outer:
        take = std::none_of(primary.begin(), primary.end(), [&](const Json& p) { return json_equal(p, item); });
        break;
      case JoinMode::left_outer:
      case JoinMode::right_outer: take = at == keys.end(); break;
    }
    if (take) joined.push_back(item);
  }
  return joined;
}

std::vector<std::string> common_names(const Json& left, const Json& right) {
  std::vector<std::string> out;
  for (const auto& l : left)
    for (const auto& r : right)
      if (name_of(l) == name_of(r) && !contains(out, name_of(l))) out.push_back(name_of(l));
  return out;
}

std::vector<std::string> repeated_names(const Json& items) {
  std::vector<std::string> seen, repeated;
  for (const auto& item : items) {
    if (contains(seen, name_of(item))) {
      if (!contains(repeated, name_of(item))) repeated.push_back(name_of(item));
    } else {
      seen.push_back(name_of(item));
    }
  }
  return repeated;
}

// Channels and observations share the same rules.
Json join_named(JoinMode join, const Json& left, const Json& right, const char* what, const char* deep_merge_key) {
  Json joined = join_items(join, left, right, deep_merge_key);
  if (join == JoinMode::none) {
    if (auto common = common_names(left, right); !common.empty())
      throw InvalidWorkspaceOperation(fmt::format(
          "the workspaces both have {} named {}; with join 'none' every name must be distinct ({})", what,
          quoted_list(common), kTryAnotherJoin));
  } else if (join == JoinMode::outer) {
    if (auto repeated = repeated_names(joined); !repeated.empty())
      throw InvalidWorkspaceOperation(fmt::format(
          "the workspaces both have {} named {} with different content, which an 'outer' join cannot reconcile ({})",
          what, quoted_list(repeated), kTryAnotherJoin));
  }
  return joined;
}

Json join_measurements(JoinMode join, const Json& left, const Json& right) {
  Json joined = join_items(join, left, right);
  if (join == JoinMode::none) {
    if (auto common = common_names(left, right); !common.empty())
      throw InvalidWorkspaceOperation(fmt::format(
          "the workspaces both have measurements named {}; with join 'none' every name must be distinct ({})",
          quoted_list(common), kTryAnotherJoin));
    return joined;
  }
  if (join != JoinMode::outer) return joined;

  // Group by name in order of first appearance; merge the pairs.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Json*>> groups;
  for (const auto& m : joined) {
    if (!groups.count(name_of(m))) order.push_back(name_of(m));
    groups[name_of(m)].push_back(&m);
  }
  std::vector<std::string> poi_clash;
  for (const auto& name : order) {
    const auto& group = groups[name];
    for (const Json* m : group)
      if (m->at("config").at("poi") != group.front()->at("config").at("poi")) {
        poi_clash.push_back(name);
        break;
      }
  }
  if (!poi_clash.empty())
    throw InvalidWorkspaceOperation(
        fmt::format("the workspaces both have measurements named {} with different POIs", quoted_list(poi_clash)));

  Json merged = Json::array();
  for (const auto& name : order) {
    const auto& group = groups[name];
    if (group.size() == 1) {
      merged.push_back(*group.front());
      continue;
    }
    Json params = join_items(JoinMode::outer, group[0]->at("config").at("parameters"),
                             group[1]->at("config").at("parameters"));
    if (auto repeated = repeated_names(params); !repeated.empty())
      throw InvalidWorkspaceOperation(fmt::format(
          "the workspaces both have measurement '{}' but configure its parameters {} differently ({})", name,
          quoted_list(repeated), kTryAnotherJoin));
    Json m = Json::object();
    m["name"] = name;
    m["config"] = Json::object();
    m["config"]["poi"] = group.front()->at("config").at("poi");
    m["config"]["parameters"] = std::move(params);
    merged.push_back(std::move(m));
  }
  return merged;
}

}  // namespace

JoinMode join_mode_from_string(std::string_view s) {
  if (s == "none") return JoinMode::none;
  if (s == "outer") return JoinMode::outer;
  if (s == "left outer") return JoinMode::left_outer;
  if (s == "right outer") return JoinMode::right_outer;
  throw InvalidWorkspaceOperation(
      fmt::format("unknown join operation '{}' (expected one of 'none', 'outer', 'left outer', 'right outer')", s));
}

Workspace Workspace::prune(const PruneOptions& options) const { return prune_and_rename(*this, options, {}); }

Workspace Workspace::rename(const RenameOptions& options) const {
  return prune_and_rename(*this, {}, RenameMaps{&options.channels, &options.samples, &options.modifiers,
                                                &options.measurements});
}

// pyhf's Workspace.sorted: a copy (key order kept) with channels, samples, measurements,
// parameter configs and observations sorted by name, modifiers by (name, type). Sorting
// is stable and by code point, as Python's list.sort on str keys.
Workspace Workspace::sorted() const {
  Json doc = doc_;
  auto by_name = [](const Json& a, const Json& b) { return name_of(a) < name_of(b); };
  auto sort_array = [&](Json& array, auto less) { std::stable_sort(array.begin(), array.end(), less); };
  sort_array(doc.at("channels"), by_name);
  for (auto& c : doc.at("channels")) {
    sort_array(c.at("samples"), by_name);
    for (auto& s : c.at("samples"))
      sort_array(s.at("modifiers"), [](const Json& a, const Json& b) {
        const auto& an = name_of(a);
        const auto& bn = name_of(b);
        if (an != bn) return an < bn;
        return a.at("type").get_ref<const std::string&>() < b.at("type").get_ref<const std::string&>();
      });
  }
  sort_array(doc.at("measurements"), by_name);
  for (auto& m : doc.at("measurements")) sort_array(m.at("config").at("parameters"), by_name);
  sort_array(doc.at("observations"), by_name);
  return make_workspace(std::move(doc));
}

Workspace Workspace::combine(const Workspace& left, const Workspace& right, JoinMode join, bool merge_channels) {
  if (merge_channels && join == JoinMode::none)
    throw InvalidWorkspaceOperation(fmt::format(
        "channels can only be merged with the 'outer', 'left outer' or 'right outer' joins, not '{}'", join_name(join)));
  const Json& l = left.document();
  const Json& r = right.document();
  if (l.at("version") != r.at("version"))
    throw InvalidWorkspaceOperation(fmt::format("cannot combine workspaces of different versions ({} and {})",
                                                detail::short_dump(l.at("version")), detail::short_dump(r.at("version"))));
  Json doc = Json::object();
  doc["channels"] = join_named(join, l.at("channels"), r.at("channels"), "channels", merge_channels ? "samples" : nullptr);
  Json observations = join_named(join, l.at("observations"), r.at("observations"), "observations", nullptr);
  doc["measurements"] = join_measurements(join, l.at("measurements"), r.at("measurements"));
  doc["observations"] = std::move(observations);
  doc["version"] = l.at("version");
  return make_workspace(std::move(doc));
}

}  // namespace hfx
