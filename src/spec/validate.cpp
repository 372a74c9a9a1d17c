// Hand-written validation of the HistFactory JSON schema v1.0.0 (pyhf's defs.json) plus
// the consistency rules the schema cannot express. Written by hand rather than with a
// generic JSON-Schema engine so that every message can say what it means for physics
// ("channel 'SR' has 2 bins") and name the exact JSON path.
#include "validate.hpp"

#include "../modifiers/modifier_kind.hpp"

#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>

namespace hfx::detail {

std::string short_dump(const Json& v) {
  std::string s = python_json_dumps(v);
  if (s.size() > 80) s = s.substr(0, 77) + "...";
  return s;
}

std::string describe_type(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float: return "a number";
    case Json::value_t::string: return "a string";
    case Json::value_t::array: return fmt::format("an array of {}", v.size());
    case Json::value_t::object: return "an object";
    default: return "an unsupported value";
  }
}

// "PATH: WHAT" as an error of kind E: InvalidSpecification, or its kinds InvalidModel (a
// document that reads well but is not one model) and InvalidModifier, as pyhf raises them.
template <class E>
[[noreturn]] void fail_as(const std::string& path, const std::string& what) {
  throw E(fmt::format("{}: {}", path.empty() ? "/" : path, what));
}

void fail(const std::string& path, const std::string& what) { fail_as<InvalidSpecification>(path, what); }

void require_object(const Json& v, const std::string& path) {
  if (!v.is_object()) fail(path, fmt::format("expected an object, got {}", describe_type(v)));
}

void require_array(const Json& v, const std::string& path, std::size_t min_items) {
  if (!v.is_array()) fail(path, fmt::format("expected an array, got {}", describe_type(v)));
  if (v.size() < min_items)
    fail(path, fmt::format("expected at least {} item{}, got {}", min_items, min_items == 1 ? "" : "s", v.size()));
}

const Json& require_key(const Json& obj, std::string_view key, const std::string& path) {
  auto it = obj.find(std::string(key));
  if (it == obj.end()) fail(path, fmt::format("missing required key '{}'", key));
  return *it;
}

void reject_unknown_keys(const Json& obj, std::initializer_list<std::string_view> allowed,
                         const std::string& path) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (auto a : allowed) ok = ok || it.key() == a;
    if (!ok) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      fail(path + "/" + json_pointer_escape(it.key()),
           fmt::format("unknown key '{}' (allowed: {})", it.key(), list));
    }
  }
}

std::string require_string(const Json& v, const std::string& path) {
  if (!v.is_string()) fail(path, fmt::format("expected a string, got {}", describe_type(v)));
  return v.get<std::string>();
}

double require_number(const Json& v, const std::string& path) {
  if (!v.is_number()) fail(path, fmt::format("expected a number, got {}", describe_type(v)));
  const double x = v.get<double>();
  if (!std::isfinite(x)) fail(path, "expected a finite number, got an overflowing value");
  return x;
}

std::vector<double> require_numbers(const Json& v, const std::string& path, std::size_t min_items) {
  require_array(v, path, min_items);
  std::vector<double> out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    // The element's path is written only for a message.
    const Json& x = v[i];
    if (x.is_number()) {
      const double d = x.get<double>();
      if (std::isfinite(d)) {
        out.push_back(d);
        continue;
      }
    }
    out.push_back(require_number(x, fmt::format("{}/{}", path, i)));
  }
  return out;
}

namespace {

// A sample's data (a wrong length is an InvalidModel) or a modifier's per-bin data (an
// InvalidModifier), pyhf's exception types.
template <class WrongLength>
std::vector<double> bin_array(const Json& v, const std::string& path, std::size_t nbins,
                              const std::string& channel) {
  auto values = require_numbers(v, path, 1);
  if (values.size() != nbins)
    fail_as<WrongLength>(path, fmt::format("expected {} number{} (channel '{}' has {} bin{}), got {}", nbins,
                                           nbins == 1 ? "" : "s", channel, nbins, nbins == 1 ? "" : "s", values.size()));
  return values;
}

ModifierSpec parse_modifier(const Json& v, const std::string& path, std::size_t nbins,
                            const std::string& channel) {
  require_object(v, path);
  reject_unknown_keys(v, {"name", "type", "data"}, path);
  ModifierSpec m;
  m.name = require_string(require_key(v, "name", path), path + "/name");
  if (m.name.empty()) fail(path + "/name", "a modifier needs a non-empty name (it names the parameter)");
  const std::string tname = require_string(require_key(v, "type", path), path + "/type");
  const auto type = modifier_type_from_string(tname);
  const ModifierKind* kind = type ? nullptr : find_modifier_kind(tname);
  if (!type && !kind) {
    std::string known = "histosys, lumi, normfactor, normsys, shapefactor, shapesys, staterror";
    for (const ModifierKind* k : modifier_kinds()) known += fmt::format(", {} (hfx extension)", k->type());
    fail_as<InvalidModifier>(path + "/type", fmt::format("unknown modifier type '{}' (expected one of {})", tname, known));
  }
  const Json& data = require_key(v, "data", path);
  const std::string dpath = path + "/data";
  if (kind) {
    m.data = modifier::Extension{tname, kind->parse(data, dpath, nbins, channel)};
    return m;
  }
  switch (*type) {
    case ModifierType::lumi:
      if (m.name != "lumi") fail(path + "/name", fmt::format("a lumi modifier must be named 'lumi', got '{}'", m.name));
      [[fallthrough]];
    case ModifierType::normfactor:
    case ModifierType::shapefactor:
      if (!data.is_null()) fail(dpath, fmt::format("expected null for a {} modifier, got {}", tname, describe_type(data)));
      if (*type == ModifierType::lumi) m.data = modifier::Lumi{};
      else if (*type == ModifierType::normfactor) m.data = modifier::NormFactor{};
      else m.data = modifier::ShapeFactor{};
      break;
    case ModifierType::normsys: {
      if (!data.is_object()) fail(dpath, fmt::format("expected an object {{\"hi\": number, \"lo\": number}}, got {}", describe_type(data)));
      reject_unknown_keys(data, {"hi", "lo"}, dpath);
      modifier::NormSys ns;
      ns.hi = require_number(require_key(data, "hi", dpath), dpath + "/hi");
      ns.lo = require_number(require_key(data, "lo", dpath), dpath + "/lo");
      m.data = ns;
      break;
    }
    case ModifierType::histosys: {
      if (!data.is_object()) fail(dpath, fmt::format("expected an object {{\"hi_data\": [...], \"lo_data\": [...]}}, got {}", describe_type(data)));
      reject_unknown_keys(data, {"hi_data", "lo_data"}, dpath);
      modifier::HistoSys hs;
      hs.hi_data = bin_array<InvalidModifier>(require_key(data, "hi_data", dpath), dpath + "/hi_data", nbins, channel);
      hs.lo_data = bin_array<InvalidModifier>(require_key(data, "lo_data", dpath), dpath + "/lo_data", nbins, channel);
      m.data = std::move(hs);
      break;
    }
    case ModifierType::shapesys:
    case ModifierType::staterror: {
      auto values = bin_array<InvalidModifier>(data, dpath, nbins, channel);
      for (std::size_t i = 0; i < values.size(); ++i)
        if (values[i] < 0) fail(fmt::format("{}/{}", dpath, i), fmt::format("expected an uncertainty >= 0, got {}", values[i]));
      if (*type == ModifierType::shapesys) m.data = modifier::ShapeSys{std::move(values)};
      else m.data = modifier::StatError{std::move(values)};
      break;
    }
    case ModifierType::extension:
      break;  // not a JSON type name: modifier_type_from_string never returns it
  }
  return m;
}

}  // namespace

ChannelSpec parse_channel(const Json& v, const std::string& path) {
  require_object(v, path);
  reject_unknown_keys(v, {"name", "samples"}, path);
  ChannelSpec c;
  c.name = require_string(require_key(v, "name", path), path + "/name");
  const Json& samples = require_key(v, "samples", path);
  require_array(samples, path + "/samples", 1);
  std::size_t nbins = 0;
  std::set<std::string> sample_names;
  for (std::size_t s = 0; s < samples.size(); ++s) {
    const std::string spath = fmt::format("{}/samples/{}", path, s);
    const Json& sv = samples[s];
    require_object(sv, spath);
    reject_unknown_keys(sv, {"name", "data", "modifiers"}, spath);
    SampleSpec sample;
    sample.name = require_string(require_key(sv, "name", spath), spath + "/name");
    if (!sample_names.insert(sample.name).second)
      fail_as<InvalidModel>(spath + "/name", fmt::format("duplicate sample name '{}' in channel '{}'", sample.name, c.name));
    const Json& data = require_key(sv, "data", spath);
    if (s == 0) {
      sample.data = require_numbers(data, spath + "/data", 1);
      nbins = sample.data.size();
    } else {
      sample.data = bin_array<InvalidModel>(data, spath + "/data", nbins, c.name);
    }
    const Json& mods = require_key(sv, "modifiers", spath);
    require_array(mods, spath + "/modifiers");
    std::set<std::pair<std::string, int>> seen;
    for (std::size_t m = 0; m < mods.size(); ++m) {
      const std::string mpath = fmt::format("{}/modifiers/{}", spath, m);
      ModifierSpec mod = parse_modifier(mods[m], mpath, nbins, c.name);
      if (!seen.insert({mod.name, static_cast<int>(mod.type())}).second)
        fail_as<InvalidModel>(mpath, fmt::format("duplicate {} modifier '{}' on sample '{}' in channel '{}'",
                                to_string(mod.type()), mod.name, sample.name, c.name));
      sample.modifiers.push_back(std::move(mod));
    }
    c.samples.push_back(std::move(sample));
  }
  return c;
}

ParameterConfig parse_parameter_config(const Json& v, const std::string& path) {
  require_object(v, path);
  reject_unknown_keys(v, {"name", "inits", "bounds", "auxdata", "factors", "sigmas", "fixed"}, path);
  ParameterConfig p;
  p.name = require_string(require_key(v, "name", path), path + "/name");
  auto opt_numbers = [&](const char* key) -> std::optional<std::vector<double>> {
    auto it = v.find(key);
    if (it == v.end()) return std::nullopt;
    return require_numbers(*it, path + "/" + key, 1);
  };
  p.inits = opt_numbers("inits");
  p.auxdata = opt_numbers("auxdata");
  p.factors = opt_numbers("factors");
  p.sigmas = opt_numbers("sigmas");
  if (p.sigmas)
    for (std::size_t i = 0; i < p.sigmas->size(); ++i)
      if (!((*p.sigmas)[i] >= 0)) fail(fmt::format("{}/sigmas/{}", path, i), fmt::format("expected a width >= 0, got {}", (*p.sigmas)[i]));
  if (auto it = v.find("bounds"); it != v.end()) {
    const std::string bpath = path + "/bounds";
    require_array(*it, bpath, 1);
    std::vector<std::pair<double, double>> bounds;
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string ipath = fmt::format("{}/{}", bpath, i);
      const Json& b = (*it)[i];
      if (!b.is_array() || b.size() != 2)
        fail(ipath, fmt::format("expected a pair [low, high], got {}", describe_type(b)));
      const double lo = require_number(b[0], ipath + "/0"), hi = require_number(b[1], ipath + "/1");
      if (!(lo <= hi)) fail(ipath, fmt::format("expected low <= high, got [{}, {}]", lo, hi));
      bounds.emplace_back(lo, hi);
    }
    p.bounds = std::move(bounds);
  }
  if (auto it = v.find("fixed"); it != v.end()) {
    if (!it->is_boolean()) fail(path + "/fixed", fmt::format("expected a boolean, got {}", describe_type(*it)));
    p.fixed = it->get<bool>();
  }
  if (p.inits && p.bounds && p.inits->size() == p.bounds->size()) {
    for (std::size_t i = 0; i < p.inits->size(); ++i) {
      const auto [lo, hi] = (*p.bounds)[i];
      const double x = (*p.inits)[i];
      if (x < lo || x > hi)
        fail(fmt::format("{}/inits/{}", path, i), fmt::format("initial value {} of '{}' is outside its bounds [{}, {}]", x, p.name, lo, hi));
    }
  }
  return p;
}

ParsedWorkspace parse_workspace(const Json& doc) {
  ParsedWorkspace ws;
  require_object(doc, "");
  reject_unknown_keys(doc, {"channels", "measurements", "observations", "version"}, "");
  const Json& version = require_key(doc, "version", "");
  if (!version.is_string() || version.get<std::string>() != "1.0.0")
    fail("/version", fmt::format("expected \"1.0.0\", got {}", short_dump(version)));
  ws.version = version.get<std::string>();

  const Json& channels = require_key(doc, "channels", "");
  require_array(channels, "/channels", 1);
  std::map<std::string, std::size_t> channel_index;
  for (std::size_t c = 0; c < channels.size(); ++c) {
    const std::string path = fmt::format("/channels/{}", c);
    ChannelSpec ch = parse_channel(channels[c], path);
    if (!channel_index.emplace(ch.name, c).second)
      fail_as<InvalidModel>(path + "/name", fmt::format("duplicate channel name '{}'", ch.name));
    ws.channels.push_back(std::move(ch));
  }

  const Json& observations = require_key(doc, "observations", "");
  require_array(observations, "/observations", 1);
  std::set<std::string> observed;
  for (std::size_t o = 0; o < observations.size(); ++o) {
    const std::string path = fmt::format("/observations/{}", o);
    const Json& ov = observations[o];
    require_object(ov, path);
    reject_unknown_keys(ov, {"name", "data"}, path);
    ObservationSpec obs;
    obs.name = require_string(require_key(ov, "name", path), path + "/name");
    if (!observed.insert(obs.name).second)
      fail(path + "/name", fmt::format("duplicate observation for channel '{}'", obs.name));
    // Observations of channels the document does not define are allowed (published
    // workspaces carry them for validation regions); they are simply not used.
    auto it = channel_index.find(obs.name);
    if (it == channel_index.end()) obs.data = require_numbers(require_key(ov, "data", path), path + "/data", 1);
    else obs.data = bin_array<InvalidSpecification>(require_key(ov, "data", path), path + "/data", ws.channels[it->second].nbins(), obs.name);
    for (std::size_t i = 0; i < obs.data.size(); ++i)
      if (obs.data[i] < 0)
        fail(fmt::format("{}/data/{}", path, i), fmt::format("expected an observed count >= 0, got {}", obs.data[i]));
    ws.observations.push_back(std::move(obs));
  }
  for (std::size_t c = 0; c < ws.channels.size(); ++c)
    if (!observed.count(ws.channels[c].name))
      fail("/observations", fmt::format("no observation for channel '{}' (/channels/{})", ws.channels[c].name, c));

  const Json& measurements = require_key(doc, "measurements", "");
  require_array(measurements, "/measurements", 1);
  std::set<std::string> mnames;
  for (std::size_t i = 0; i < measurements.size(); ++i) {
    const std::string path = fmt::format("/measurements/{}", i);
    const Json& mv = measurements[i];
    require_object(mv, path);
    reject_unknown_keys(mv, {"name", "config"}, path);
    MeasurementSpec meas;
    meas.name = require_string(require_key(mv, "name", path), path + "/name");
    if (!mnames.insert(meas.name).second)
      fail(path + "/name", fmt::format("duplicate measurement name '{}'", meas.name));
    const Json& config = require_key(mv, "config", path);
    const std::string cpath = path + "/config";
    require_object(config, cpath);
    reject_unknown_keys(config, {"poi", "parameters"}, cpath);
    // An empty POI is a measurement without one (a model for fits, not hypothesis tests).
    meas.poi = require_string(require_key(config, "poi", cpath), cpath + "/poi");
    const Json& params = require_key(config, "parameters", cpath);
    require_array(params, cpath + "/parameters");
    std::set<std::string> pnames;
    for (std::size_t p = 0; p < params.size(); ++p) {
      const std::string ppath = fmt::format("{}/parameters/{}", cpath, p);
      ParameterConfig pc = parse_parameter_config(params[p], ppath);
      if (!pnames.insert(pc.name).second)
        fail_as<InvalidModel>(ppath + "/name", fmt::format("duplicate configuration for parameter '{}'", pc.name));
      meas.parameters.push_back(std::move(pc));
    }
    ws.measurements.push_back(std::move(meas));
  }
  return ws;
}

}  // namespace hfx::detail
