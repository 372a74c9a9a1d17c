// `hfx inspect WORKSPACE`: the summary `pyhf inspect` prints (same text layout, same
// --output-file JSON keys), followed by hfx's additions: parameter counts per modifier
// type, npars, nauxdata and the POI. Background-only workspaces, whose measurement names
// a POI that only a signal patch brings, are inspected with a model that has no POI.
#include "common.hpp"

#include "hfx/model.hpp"
#include "hfx/spec.hpp"
#include "hfx/workspace.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace hfx::cli {

Model compile_for_cli(const Workspace& ws, const std::string& measurement, std::string* note) {
  const MeasurementSpec& meas = ws.measurement(measurement);
  ModelOptions options;
  options.measurement = meas.name;
  bool poi_is_modifier = false;
  for (const auto& channel : ws.channels())
    for (const auto& sample : channel.samples)
      for (const auto& modifier : sample.modifiers) poi_is_modifier |= modifier.name == meas.poi;
  if (!poi_is_modifier) {
    options.poi_name = std::optional<std::string>("");
    if (note) *note = fmt::format("the POI '{}' of measurement '{}' is not a parameter of this workspace "
                       "(background-only?); the model was built without a POI",
                       meas.poi, meas.name);
  }
  return compile(ws, options);
}

namespace {

// Python's str.format pads by code points, not bytes.
std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}
std::string rjust(const std::string& s, std::size_t width) {
  const std::size_t w = display_width(s);
  return w >= width ? s : std::string(width - w, ' ') + s;
}
std::string ljust(const std::string& s, std::size_t width) {
  const std::size_t w = display_width(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}
// Python's "{:^N}": the odd space goes to the right.
std::string center(const std::string& s, std::size_t width) {
  const std::size_t w = display_width(s);
  if (w >= width) return s;
  const std::size_t left = (width - w) / 2;
  return std::string(left, ' ') + s + std::string(width - w - left, ' ');
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

struct TypeCount {
  std::size_t parameter_sets = 0, parameters = 0;
};

// Everything `inspect` reports, gathered once and printed as text or JSON.
struct Inspection {
  std::vector<std::pair<std::string, std::size_t>> channels;  // pyhf order
  std::vector<std::string> samples;
  std::map<std::string, std::string> modifiers;  // name -> type (pyhf: dict(ws.modifiers))
  struct Parameter {
    std::string name, constraint;
    std::vector<std::string> modifier_types;  // sorted, unique
  };
  std::vector<Parameter> parameters;  // sorted by name
  struct Measurement {
    std::string name, poi;
    std::vector<std::string> parameters;
  };
  std::vector<Measurement> measurements;  // file order
  std::string default_measurement;
  std::array<TypeCount, kModifierTypeCount> by_type{};
  std::size_t npars = 0, nauxdata = 0;
  std::optional<std::string> poi;
  std::optional<std::string> note;
};

Inspection inspect(const Workspace& ws, const std::string& measurement) {
  Inspection r;
  std::string note;
  const Model model = compile_for_cli(ws, measurement, &note);
  if (!note.empty()) r.note = note;
  for (std::size_t c = 0; c < model.channels().size(); ++c)
    r.channels.emplace_back(model.channels()[c], model.channel_nbins()[c]);
  r.samples = model.samples();
  std::map<std::string, std::set<std::string>> types_of;
  for (const auto& [name, type] : model.modifiers()) {  // sorted pairs: the last type wins, as in pyhf
    r.modifiers[name] = type;
    types_of[name].insert(type);
  }
  for (const auto& ps : model.parameter_sets()) {
    auto& types = types_of[ps.name];
    if (!ps.kind.empty()) types.insert(ps.kind);  // a unit kind's parameters are not named as its modifiers
    r.parameters.push_back({ps.name, std::string(to_string(ps.constraint)), {types.begin(), types.end()}});
    auto& count = r.by_type[static_cast<std::size_t>(ps.type)];
    count.parameter_sets += 1;
    count.parameters += ps.size;
  }
  std::sort(r.parameters.begin(), r.parameters.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (const auto& m : ws.measurements()) {
    Inspection::Measurement out{m.name, m.poi, {}};
    for (const auto& p : m.parameters) out.parameters.push_back(p.name);
    r.measurements.push_back(std::move(out));
  }
  r.default_measurement = model.measurement_name();
  r.npars = model.npars();
  r.nauxdata = model.nauxdata();
  r.poi = model.poi_name();
  return r;
}

// pyhf's layout (pyhf/cli/spec.py `inspect`), then hfx's additions.
std::string to_text(const Inspection& r) {
  std::size_t maxlen = 0;
  for (const auto& [name, nbins] : r.channels) maxlen = std::max(maxlen, display_width(name));
  for (const auto& s : r.samples) maxlen = std::max(maxlen, display_width(s));
  for (const auto& p : r.parameters) maxlen = std::max(maxlen, display_width(p.name));
  for (const auto& m : r.measurements) maxlen = std::max(maxlen, display_width(m.name));

  std::string out;
  const auto line = [&out](const std::string& s) { out += s + "\n"; };
  line(rjust("     Summary     ", maxlen + 7) + "  ");
  line(rjust(std::string(18, '-'), maxlen + 7) + "  ");
  line(rjust("channels", maxlen) + "  " + std::to_string(r.channels.size()));
  line(rjust("samples", maxlen) + "  " + std::to_string(r.samples.size()));
  line(rjust("parameters", maxlen) + "  " + std::to_string(r.parameters.size()));
  line(rjust("modifiers", maxlen) + "  " + std::to_string(r.modifiers.size()));
  line("");

  line(rjust("channels", maxlen) + "  " + center("nbins", 5));
  line(rjust("----------", maxlen) + "  " + center("-----", 5));
  for (const auto& [name, nbins] : r.channels) line(rjust(name, maxlen) + "  " + center(std::to_string(nbins), 5));
  line("");

  line(rjust("samples", maxlen));
  line(rjust("----------", maxlen));
  for (const auto& s : r.samples) line(rjust(s, maxlen));
  line("");

  line(rjust("parameters", maxlen) + "  " + ljust("constraint", 22) + "  modifiers");
  line(rjust("----------", maxlen) + "  " + ljust("----------", 22) + "  ----------");
  for (const auto& p : r.parameters)
    line(rjust(p.name, maxlen) + "  " + ljust(p.constraint, 22) + "  " + join(p.modifier_types, ","));
  line("");

  line(rjust("measurement", maxlen) + "  " + center("poi", 22) + "  parameters");
  line(rjust("----------", maxlen) + "  " + center("----------", 22) + "  ----------");
  for (const auto& m : r.measurements) {
    const std::string name = (m.name == r.default_measurement ? "(*) " : "") + m.name;
    line(rjust(name, maxlen) + "  " + center(m.poi, 22) + "  " +
         (m.parameters.empty() ? std::string("(none)") : join(m.parameters, ",")));
  }
  line("");

  // hfx additions.
  const std::size_t w = std::max(maxlen, display_width("modifier type"));
  line(rjust("modifier type", w) + "  " + rjust("parameter sets", 14) + "  " + rjust("parameters", 10));
  line(rjust("----------", w) + "  " + rjust("----------", 14) + "  " + rjust("----------", 10));
  TypeCount total;
  for (int t = 0; t < kModifierTypeCount; ++t) {
    const auto& c = r.by_type[static_cast<std::size_t>(t)];
    if (c.parameter_sets == 0) continue;
    total.parameter_sets += c.parameter_sets;
    total.parameters += c.parameters;
    line(rjust(std::string(to_string(static_cast<ModifierType>(t))), w) + "  " +
         rjust(std::to_string(c.parameter_sets), 14) + "  " + rjust(std::to_string(c.parameters), 10));
  }
  line(rjust("total", w) + "  " + rjust(std::to_string(total.parameter_sets), 14) + "  " +
       rjust(std::to_string(total.parameters), 10));
  line("");
  line(rjust("npars", w) + "  " + std::to_string(r.npars));
  line(rjust("nauxdata", w) + "  " + std::to_string(r.nauxdata));
  line(rjust("poi", w) + "  " + (r.poi ? *r.poi : std::string("(none)")));
  if (r.note) line(rjust("note", w) + "  " + *r.note);
  line("");
  return out;
}

// pyhf's --output-file document: exactly pyhf's keys and shapes.
Json to_pyhf_json(const Inspection& r) {
  Json j = Json::object();
  j["channels"] = Json::array();
  for (const auto& [name, nbins] : r.channels) j["channels"].push_back(Json::array({name, nbins}));
  j["samples"] = r.samples;
  j["modifiers"] = Json::object();
  for (const auto& [name, type] : r.modifiers) j["modifiers"][name] = type;
  j["parameters"] = Json::array();
  j["systematics"] = Json::array();
  for (const auto& p : r.parameters) {
    j["parameters"].push_back(Json::array({p.name, p.constraint}));
    j["systematics"].push_back(Json::array({p.name, p.constraint, p.modifier_types}));
  }
  j["measurements"] = Json::array();
  for (const auto& m : r.measurements) j["measurements"].push_back(Json::array({m.name, m.poi, m.parameters}));
  return j;
}

// --json: pyhf's document plus hfx's keys.
Json to_json(const Inspection& r) {
  Json j = to_pyhf_json(r);
  j["default_measurement"] = r.default_measurement;
  Json by_type = Json::object();
  for (int t = 0; t < kModifierTypeCount; ++t) {
    const auto& c = r.by_type[static_cast<std::size_t>(t)];
    if (c.parameter_sets == 0) continue;
    by_type[std::string(to_string(static_cast<ModifierType>(t)))] =
        Json{{"parameter_sets", c.parameter_sets}, {"parameters", c.parameters}};
  }
  j["parameters_by_modifier_type"] = by_type;
  j["npars"] = r.npars;
  j["nauxdata"] = r.nauxdata;
  j["poi"] = r.poi ? Json(*r.poi) : Json(nullptr);
  if (r.note) j["note"] = *r.note;
  return j;
}

}  // namespace

void add_inspect(CLI::App& app) {
  struct Opts {
    std::string workspace = "-";
    std::string measurement;
    std::string output_file;
    bool json = false;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "inspect",
      "Inspect a pyhf JSON workspace: channels and their bins, samples, parameters with their "
      "constraint and modifier types, measurements with their POI and configured parameters "
      "((*) marks the measurement used), as `pyhf inspect` prints them; then hfx's additions: "
      "parameter sets and scalar parameters per modifier type, npars, nauxdata and the POI. "
      "A background-only workspace whose POI is not one of its parameters is inspected with "
      "a model that has no POI (a note says so).");
  cmd->add_option("workspace", opts->workspace, "Workspace JSON file ('-' or omitted: stdin)");
  cmd->add_option("--measurement", opts->measurement,
                  "Measurement to build the model from and mark with (*) (default: the first)");
  cmd->add_option("--output-file", opts->output_file,
                  "Also write the summary as JSON to this file: pyhf's document (its keys only, "
                  "sorted, indent 4)");
  cmd->add_flag("--json", opts->json,
                "Print the summary as JSON instead of text: pyhf's keys plus hfx's (default_measurement, "
                "parameters_by_modifier_type, npars, nauxdata, poi, note)");
  cmd->callback([opts] {
    const Workspace ws = Workspace::load(opts->workspace);
    const Inspection r = inspect(ws, opts->measurement);
    if (opts->json) {
      write_pyhf_json(to_json(r), "");
    } else {
      write_text(to_text(r), "");
    }
    if (!opts->output_file.empty()) write_pyhf_json(to_pyhf_json(r), opts->output_file);
  });
}

}  // namespace hfx::cli
