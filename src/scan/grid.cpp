// Building a scan's grid from files, and selecting the points to run.
#include "hfx/errors.hpp"
#include "hfx/scan.hpp"

#include <fmt/format.h>
#include <fnmatch.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <optional>
#include <utility>

namespace hfx::scan {

namespace {

enum class Kind { workspace, patchset, patch, patch_with_metadata };

// What a document is, from its top-level shape (the constructors validate it fully).
Kind kind_of(const Json& doc) {
  if (doc.is_array()) return Kind::patch;
  if (doc.is_object() && doc.contains("patches")) return Kind::patchset;
  if (doc.is_object() && doc.contains("patch") && doc.contains("metadata") && !doc.contains("channels"))
    return Kind::patch_with_metadata;
  return Kind::workspace;
}

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::workspace: return "workspace";
    case Kind::patchset: return "patchset";
    case Kind::patch: return "patch";
    case Kind::patch_with_metadata: return "patch";
  }
  return "?";
}

std::string source_name(const std::string& path) { return path == "-" ? "<stdin>" : path; }

Workspace workspace_from(Json doc, const std::string& path) {
  try {
    return Workspace(std::move(doc));
  } catch (const Error& e) {
    std::rethrow_exception(e.with_prefix(source_name(path) + ": "));
  }
}

template <class T>
T named(const std::string& path, std::function<T()> f) {
  try {
    return f();
  } catch (const Error& e) {
    std::rethrow_exception(e.with_prefix(source_name(path) + ": "));
  }
}

// A patch file's point: {"metadata": {"name", "values"}, "patch": [...]} or a bare array.
Point patch_point(Json doc, Kind kind, const std::string& path) {
  Point p;
  if (kind == Kind::patch) {
    p.name = std::filesystem::path(path).stem().string();
    p.patch = std::make_shared<const JsonPatch>(named<JsonPatch>(path, [&] { return JsonPatch(std::move(doc)); }));
    return p;
  }
  const Json& meta = doc.at("metadata");
  if (!meta.is_object() || !meta.contains("name") || !meta.at("name").is_string())
    throw InvalidSpecification(fmt::format("{}: /metadata/name: expected the patch's name (a string)", source_name(path)));
  p.name = meta.at("name").get<std::string>();
  p.patch = std::make_shared<const JsonPatch>(
      named<JsonPatch>(path, [&] { return JsonPatch(std::move(doc.at("patch")), "/patch"); }));
  return p;
}

}  // namespace

Grid grid_from_patchset(std::shared_ptr<const Workspace> background, std::shared_ptr<const PatchSet> patchset, bool verify,
                        std::vector<std::string>* warnings) {
  try {
    patchset->verify(*background);
  } catch (const PatchSetVerificationError& e) {
    if (verify) throw;
    if (warnings) warnings->push_back(fmt::format("{}; applying its patches anyway (--no-verify)", e.what()));
  }
  Grid grid;
  grid.labels = patchset->labels();
  grid.background = std::move(background);
  for (const auto& patch : patchset->patches()) {
    Point p;
    p.name = patch.name;
    for (std::size_t k = 0; k < grid.labels.size() && k < patch.values.size(); ++k)
      p.values[grid.labels[k]] = patch.values[k];
    p.patch = std::shared_ptr<const JsonPatch>(patchset, &patch.patch);  // keeps the PatchSet alive
    grid.points.push_back(std::move(p));
  }
  return grid;
}

Grid load_grid(const std::vector<std::string>& files, bool verify, std::vector<std::string>* warnings) {
  if (files.empty()) throw Unsupported("no input files: expected BKG PATCHSET, BKG PATCH..., or WORKSPACE...");
  std::vector<Json> docs;
  std::vector<Kind> kinds;
  std::vector<std::string> sources;  // the file each point comes from
  Grid grid;
  grid.inputs = Json::array();
  for (const auto& f : files) {
    const std::string text = read_file(f);
    docs.push_back(parse_json(text, source_name(f)));
    kinds.push_back(kind_of(docs.back()));
    grid.inputs.push_back({{"file", f}, {"kind", kind_name(kinds.back())}, {"sha256", sha256_hex(text)}});
  }
  const auto all_from = [&](std::size_t first, auto pred) {
    for (std::size_t i = first; i < kinds.size(); ++i)
      if (!pred(kinds[i])) return false;
    return true;
  };
  const auto is_patch = [](Kind k) { return k == Kind::patch || k == Kind::patch_with_metadata; };
  if (kinds.size() == 2 && kinds[0] == Kind::workspace && kinds[1] == Kind::patchset) {
    auto bkg = std::make_shared<const Workspace>(workspace_from(std::move(docs[0]), files[0]));
    auto ps = std::make_shared<const PatchSet>(named<PatchSet>(files[1], [&] { return PatchSet(std::move(docs[1])); }));
    Json inputs = std::move(grid.inputs);
    inputs[0]["kind"] = "background";
    std::vector<std::string> mine;
    try {
      grid = grid_from_patchset(bkg, ps, verify, &mine);
    } catch (const PatchSetVerificationError& e) {
      std::rethrow_exception(e.with_prefix(source_name(files[1]) + ": "));
    }
    for (const auto& w : mine)
      if (warnings) warnings->push_back(source_name(files[1]) + ": " + w);
    grid.inputs = std::move(inputs);
    sources.assign(grid.points.size(), source_name(files[1]));
  } else if (kinds.size() >= 2 && kinds[0] == Kind::workspace && all_from(1, is_patch)) {
    grid.background = std::make_shared<const Workspace>(workspace_from(std::move(docs[0]), files[0]));
    grid.inputs[0]["kind"] = "background";
    for (std::size_t i = 1; i < docs.size(); ++i) {
      grid.points.push_back(patch_point(std::move(docs[i]), kinds[i], files[i]));
      sources.push_back(source_name(files[i]));
    }
  } else if (all_from(0, [](Kind k) { return k == Kind::workspace; })) {
    for (std::size_t i = 0; i < docs.size(); ++i) {
      Point p;
      p.name = std::filesystem::path(files[i]).stem().string();
      p.workspace = std::make_shared<const Workspace>(workspace_from(std::move(docs[i]), files[i]));
      grid.points.push_back(std::move(p));
      sources.push_back(source_name(files[i]));
    }
  } else {
    std::string got;
    for (std::size_t i = 0; i < files.size(); ++i)
      got += fmt::format("{}{} ({})", i ? ", " : "", source_name(files[i]), kind_name(kinds[i]));
    throw InvalidSpecification(fmt::format(
        "cannot scan these inputs: expected BKG PATCHSET, BKG PATCH..., or WORKSPACE..., got {}", got));
  }
  std::map<std::string_view, std::size_t> seen;
  for (std::size_t i = 0; i < grid.points.size(); ++i) {
    auto [it, fresh] = seen.emplace(grid.points[i].name, i);
    if (!fresh)
      throw InvalidSpecification(fmt::format("two points are named '{}' (from {} and from {}); point names must be unique",
                                             grid.points[i].name, sources[it->second], sources[i]));
  }
  return grid;
}

namespace {

// One --values condition: LABEL=V or LABEL=LO:HI.
struct Condition {
  std::string label;
  std::string text;             // V as written, for string values
  Json equal;                   // V as a number when it is one (numbers compare by value)
  double lo = -INFINITY, hi = INFINITY;
  bool range = false;
  bool holds(const Json& value) const {
    if (range) return value.is_number() && value.get<double>() >= lo && value.get<double>() <= hi;
    if (value.is_string()) return value.get<std::string>() == text;
    return !equal.is_null() && json_equal(value, equal);
  }
};

// All of `text` as a finite number, or nothing (no spaces, no hex, whatever the locale).
std::optional<double> number_of(const std::string& text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc() && end == text.data() + text.size() && std::isfinite(v)) return v;
  return std::nullopt;
}

double bound_of(const std::string& text, const std::string& condition) {
  if (const auto v = number_of(text)) return *v;
  throw Unsupported(fmt::format("--values '{}': '{}' is not a number", condition, text));
}

Condition parse_condition(const std::string& text, const std::vector<std::string>& labels) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw Unsupported(fmt::format("--values '{}': expected LABEL=VALUE or LABEL=LO:HI", text));
  Condition c;
  c.label = text.substr(0, eq);
  if (std::find(labels.begin(), labels.end(), c.label) == labels.end()) {
    std::string known;
    for (const auto& l : labels) known += (known.empty() ? "" : ", ") + l;
    throw Unsupported(fmt::format("--values '{}': no label '{}' (the grid's labels: {})", text, c.label,
                                  known.empty() ? "none" : known));
  }
  const std::string rhs = text.substr(eq + 1);
  const auto colon = rhs.find(':');
  if (colon != std::string::npos) {
    c.range = true;
    if (colon > 0) c.lo = bound_of(rhs.substr(0, colon), text);
    if (colon + 1 < rhs.size()) c.hi = bound_of(rhs.substr(colon + 1), text);
    if (c.lo > c.hi) throw Unsupported(fmt::format("--values '{}': LO {} is above HI {}", text, c.lo, c.hi));
    return c;
  }
  c.text = rhs;
  if (const auto v = number_of(rhs)) c.equal = *v;
  return c;
}

}  // namespace

Selected select(const Grid& grid, const Selection& s) {
  if (s.shard_count == 0 || s.shard_index >= s.shard_count)
    throw Unsupported(fmt::format("--shard {}/{}: expected I/N with 0 <= I < N", s.shard_index, s.shard_count));
  std::vector<Condition> conditions;
  for (const auto& v : s.values) conditions.push_back(parse_condition(v, grid.labels));
  Selected out;
  for (std::size_t i = 0; i < grid.points.size(); ++i) {
    const Point& p = grid.points[i];
    bool keep = s.names.empty();
    for (const auto& pattern : s.names) keep = keep || fnmatch(pattern.c_str(), p.name.c_str(), 0) == 0;
    for (const auto& c : conditions) keep = keep && p.values.contains(c.label) && c.holds(p.values.at(c.label));
    if (keep) out.all.push_back(i);
  }
  if (out.all.empty()) {
    std::string what;
    for (const auto& n : s.names) what += fmt::format(" --name '{}'", n);
    for (const auto& v : s.values) what += fmt::format(" --values '{}'", v);
    throw Unsupported(fmt::format("no point of the grid's {} matches{}", grid.points.size(), what.empty() ? " (empty grid)" : what));
  }
  for (std::size_t k = s.shard_index; k < out.all.size(); k += s.shard_count) out.shard.push_back(out.all[k]);
  return out;
}

}  // namespace hfx::scan
