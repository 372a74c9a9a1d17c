// HistFactory XML -> pyhf JSON (the semantics of pyhf.readxml, written for hfx).
#include "hfx/histfactory_xml.hpp"

#include "interchange/restore_record.hpp"

#include "hfx/errors.hpp"
#include "hfx/root_file.hpp"
#include "hfx/workspace.hpp"

#include <fmt/format.h>
#include <pugixml.hpp>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>

namespace hfx::xml {
namespace {

namespace fs = std::filesystem;

// pyhf's resolver: a path at or below a mount point is moved to its host path, then
// taken relative to rootdir (an absolute path stays as it is).
class Resolver {
 public:
  Resolver(const ReadOptions& options) : rootdir_(options.rootdir.empty() ? "." : options.rootdir), mounts_(options.mounts) {}

  std::string operator()(const std::string& name) const {
    fs::path path = fs::path(name).lexically_normal();
    for (const Mount& m : mounts_) {
      const fs::path mount = fs::path(m.mount).lexically_normal();
      if (is_within(path, mount)) {
        path = fs::path(m.host) / path.lexically_relative(mount);
        break;
      }
    }
    return (rootdir_ / path).lexically_normal().string();
  }

 private:
  static bool is_within(const fs::path& path, const fs::path& dir) {
    auto p = path.begin();
    for (auto d = dir.begin(); d != dir.end(); ++d, ++p) {
      if (d->empty()) continue;  // trailing separator
      if (p == path.end() || *p != *d) return false;
    }
    return true;
  }

  fs::path rootdir_;
  std::vector<Mount> mounts_;
};

// Where an element is, for messages: FILE: /Channel[@Name='SR']/Sample[@Name='ttbar'].
std::string where(const std::string& file, const pugi::xml_node& node) {
  std::string path;
  for (pugi::xml_node n = node; n && n.type() == pugi::node_element; n = n.parent()) {
    std::string step = std::string("/") + n.name();
    if (const pugi::xml_attribute a = n.attribute("Name")) step += fmt::format("[@Name='{}']", a.value());
    path = step + path;
  }
  return fmt::format("{}: {}", file, path);
}

class Document {
 public:
  explicit Document(const std::string& file) : Document(read_file(file), file) {}
  Document(std::string text, const std::string& name) : file_(name), text_(std::move(text)) {
    const pugi::xml_parse_result r = doc_.load_buffer(text_.data(), text_.size(), pugi::parse_default | pugi::parse_comments);
    if (!r) {
      std::size_t line = 1, col = 1;
      for (std::size_t i = 0; i < static_cast<std::size_t>(r.offset) && i < text_.size(); ++i) {
        if (text_[i] == '\n') ++line, col = 1;
        else ++col;
      }
      throw InvalidSpecification(fmt::format("{}: line {}, column {}: not well-formed XML ({})", file_, line, col, r.description()));
    }
  }
  pugi::xml_node root() const { return doc_.document_element(); }
  const pugi::xml_document& document() const { return doc_; }
  const std::string& file() const { return file_; }

 private:
  std::string file_, text_;
  pugi::xml_document doc_;
};

std::string attr(const pugi::xml_node& node, const char* name, const std::string& fallback = "") {
  const pugi::xml_attribute a = node.attribute(name);
  return a ? a.value() : fallback;
}

std::string required_attr(const std::string& file, const pugi::xml_node& node, const char* name) {
  const pugi::xml_attribute a = node.attribute(name);
  if (!a) throw InvalidSpecification(fmt::format("{}: missing attribute '{}'", where(file, node), name));
  return a.value();
}

// Python's float(): surrounding whitespace and a leading '+' allowed; hfx also requires
// the value to be finite, since JSON has no NaN or infinity.
double number_attr(const std::string& file, const pugi::xml_node& node, const char* name) {
  const std::string text = required_attr(file, node, name);
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.size() > 1 && s.front() == '+' && s[1] != '-' && s[1] != '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size())
    throw InvalidSpecification(fmt::format("{}: attribute '{}' is not a number: '{}'", where(file, node), name, text));
  if (!std::isfinite(v))
    throw InvalidSpecification(fmt::format("{}: attribute '{}' must be a finite number, got '{}'", where(file, node), name, text));
  return v;
}

std::string trimmed_text(const pugi::xml_node& node) {
  std::string_view s = node.child_value();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// The histograms of one conversion; each ROOT file is opened once.
class Histograms {
 public:
  explicit Histograms(const Resolver& resolve) : resolve_(resolve) {}

  struct Bins {
    std::vector<double> values, errors;
  };

  // pyhf's import_root_histogram: `name` is tried as a key first, then `path`/`name`.
  Bins get(const std::string& filename, std::string path, const std::string& name, const std::string& context) {
    const std::string full = resolve_(filename);
    auto it = files_.find(full);
    if (it == files_.end()) {
      try {
        it = files_.emplace(full, std::make_unique<root::File>(root::File::open(full))).first;
      } catch (const Error& e) {
        std::rethrow_exception(e.with_prefix(context + ": "));
      }
    }
    const root::File& file = *it->second;
    while (!path.empty() && path.front() == '/') path.erase(0, 1);
    while (!path.empty() && path.back() == '/') path.pop_back();
    const std::string full_name = path + "/" + name;
    // pyhf matches names without cycles, so a ";N" in HistoName is part of the name.
    const root::Key* key = name.find(';') == std::string::npos ? file.find(name) : nullptr;
    if (!key) key = file.find(full_name);
    if (!key)
      throw IOError(fmt::format("{}: histogram not found: both '{}' and '{}' were tried in {}", context, name, full_name, full));
    root::Histogram h;
    try {
      h = file.histogram(*key);
    } catch (const Error& e) {
      std::rethrow_exception(e.with_prefix(context + ": "));
    }
    Bins b;
    b.values = h.values();
    b.errors = h.variances();
    // pyhf takes the square root with numpy in the histogram's own precision when it
    // has no sums of squared weights: float for TH1F and TH1S (uproot's arrays).
    const bool single = !h.weighted() && (h.class_name == "TH1F" || h.class_name == "TH1S" || h.class_name == "TH1C");
    for (double& e : b.errors) e = single ? static_cast<double>(std::sqrt(static_cast<float>(e))) : std::sqrt(e);
    return b;
  }

 private:
  const Resolver& resolve_;
  std::map<std::string, std::unique_ptr<root::File>> files_;
};

struct Channel {
  std::string name;
  std::vector<double> data;
  Json samples = Json::array();
  std::vector<Json> parameter_configs;
};

class Reader {
 public:
  Reader(const ReadOptions& options, ReadResult& out) : resolve_(options), histograms_(resolve_), out_(out) {}

  Channel channel(const std::string& file) {
    const Document doc(file);
    const pugi::xml_node ch = doc.root();
    if (std::string(ch.name()) != "Channel")
      throw InvalidSpecification(fmt::format("{}: the top element is <{}>, expected <Channel>", file, ch.name()));
    Channel c;
    c.name = required_attr(file, ch, "Name");
    const std::string input_file = attr(ch, "InputFile");
    const std::string histo_path = attr(ch, "HistoPath");
    const pugi::xml_node data = ch.child("Data");
    if (!data)
      throw InvalidSpecification(fmt::format("{}: Channel {} is missing data (<Data>; a workspace needs the observed data)", where(file, ch), c.name));
    {
      const std::string in = attr(data, "InputFile", input_file);
      const std::string hp = attr(data, "HistoPath", histo_path);
      const std::string hn = required_attr(file, data, "HistoName");
      if (in.empty() || hn.empty())
        throw Unsupported(fmt::format("{}: <Data> without InputFile or HistoName: workspaces without data cannot be converted", where(file, data)));
      c.data = histograms_.get(in, hp, hn, where(file, data)).values;
    }
    for (const pugi::xml_node s : ch.children("Sample")) c.samples.push_back(sample(file, s, input_file, histo_path, c));
    return c;
  }

  Json measurements(const Document& top, const std::vector<Json>& parameter_configs) {
    Json out = Json::array();
    for (const pugi::xml_node m : top.root().children("Measurement")) {
      const std::string name = required_attr(top.file(), m, "Name");
      const double lumi = number_attr(top.file(), m, "Lumi");
      const double lumi_err = lumi * number_attr(top.file(), m, "LumiRelErr");
      const pugi::xml_node poi = m.child("POI");
      if (!poi) throw InvalidSpecification(fmt::format("{}: Measurement {} is missing POI specification (<POI>)", where(top.file(), m), name));
      // Parameter configurations in pyhf's order: the NormFactors', each moved to the end
      // when a ParamSetting changes it.
      std::vector<Json> params = parameter_configs;
      Json lumi_param = Json{{"name", "lumi"},
                             {"auxdata", {lumi}},
                             {"bounds", {{lumi - 5.0 * lumi_err, lumi + 5.0 * lumi_err}}},
                             {"inits", {lumi}},
                             {"sigmas", {lumi_err}}};
      for (const pugi::xml_node setting : m.children("ParamSetting")) {
        Json common = Json::object();
        if (const std::string c = attr(setting, "Const"); !c.empty()) common["fixed"] = (c == "True");
        if (!attr(setting, "Val").empty()) common["inits"] = {number_attr(top.file(), setting, "Val")};
        std::string_view text = setting.child_value();
        std::size_t i = 0;
        while (i < text.size()) {
          while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
          std::size_t j = i;
          while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
          if (j == i) break;
          std::string par(text.substr(i, j - i));
          i = j;
          if (par.rfind("gamma_", 0) == 0)
            throw Unsupported(fmt::format("{}: '{}': hfx, like pyhf, does not support setting non-scalar parameters (\"gammas\"): "
                                          "pyhf JSON configures a bin-wise parameter as a whole",
                                          where(top.file(), setting), par));
          if (par.rfind("alpha_", 0) == 0) par.erase(0, 6);
          if (par == "Lumi") par = "lumi";
          if (par == "lumi") {
            lumi_param.update(common);
            continue;
          }
          Json p = Json{{"name", par}};
          for (auto it = params.begin(); it != params.end(); ++it)
            if ((*it)["name"] == par) {
              p = std::move(*it);
              params.erase(it);
              break;
            }
          p.update(common);
          params.push_back(std::move(p));
        }
      }
      for (const pugi::xml_node ct : m.children("ConstraintTerm"))
        warn(fmt::format("{}: ConstraintTerm Type='{}' for '{}' is ignored (pyhf JSON has Gaussian normsys constraints only)",
                         where(top.file(), ct), attr(ct, "Type"), trimmed_text(ct)));
      Json parameters = Json::array({std::move(lumi_param)});
      for (Json& p : params) parameters.push_back(std::move(p));
      out.push_back(Json{{"name", name}, {"config", Json{{"poi", trimmed_text(poi)}, {"parameters", std::move(parameters)}}}});
    }
    return out;
  }

  void warn(std::string text) { out_.warnings.push_back(std::move(text)); }
  const Resolver& resolve() const { return resolve_; }

 private:
  Json sample(const std::string& file, const pugi::xml_node& s, const std::string& channel_input, const std::string& channel_path,
              Channel& c) {
    const std::string input_file = attr(s, "InputFile", channel_input);
    const std::string histo_path = attr(s, "HistoPath", channel_path);
    const std::string name = required_attr(file, s, "Name");
    const Histograms::Bins nominal = histograms_.get(input_file, histo_path, required_attr(file, s, "HistoName"), where(file, s));
    Json modifiers = Json::array();
    if (attr(s, "NormalizeByTheory", "False") == "True") modifiers.push_back(Json{{"name", "lumi"}, {"type", "lumi"}, {"data", nullptr}});
    // Every element below the sample, in document order (pyhf walks sample.iter()).
    std::vector<pugi::xml_node> tags;
    for (pugi::xml_node n = s.first_child(); n;) {
      if (n.type() == pugi::node_element) tags.push_back(n);
      if (n.first_child()) n = n.first_child();
      else {
        while (n && !n.next_sibling() && n != s) n = n.parent();
        if (!n || n == s) break;
        n = n.next_sibling();
      }
    }
    for (const pugi::xml_node& m : tags) {
      const std::string tag = m.name();
      const std::string at = where(file, m);
      if (tag == "OverallSys") {
        const std::string mod = required_attr(file, m, "Name");
        const double lo = number_attr(file, m, "Low"), hi = number_attr(file, m, "High");
        modifiers.push_back(Json{{"name", mod}, {"type", "normsys"}, {"data", Json{{"lo", lo}, {"hi", hi}}}});
      } else if (tag == "NormFactor") {
        const std::string mod = required_attr(file, m, "Name");
        modifiers.push_back(Json{{"name", mod}, {"type", "normfactor"}, {"data", nullptr}});
        Json config = Json{{"name", mod},
                           {"bounds", {{number_attr(file, m, "Low"), number_attr(file, m, "High")}}},
                           {"inits", {number_attr(file, m, "Val")}}};
        if (const std::string k = attr(m, "Const"); !k.empty()) config["fixed"] = (k == "True");
        c.parameter_configs.push_back(std::move(config));
      } else if (tag == "HistoSys") {
        const std::string mod = required_attr(file, m, "Name");
        const auto lo = histograms_.get(attr(m, "HistoFileLow", input_file), attr(m, "HistoPathLow"), required_attr(file, m, "HistoNameLow"), at);
        const auto hi = histograms_.get(attr(m, "HistoFileHigh", input_file), attr(m, "HistoPathHigh"), required_attr(file, m, "HistoNameHigh"), at);
        modifiers.push_back(Json{{"name", mod}, {"type", "histosys"}, {"data", Json{{"lo_data", lo.values}, {"hi_data", hi.values}}}});
      } else if (tag == "StatError" && attr(m, "Activate", "False") == "True") {
        std::vector<double> err;
        if (attr(m, "HistoName").empty()) {
          err = nominal.errors;
        } else {
          const auto rel = histograms_.get(attr(m, "HistoFile", input_file), attr(m, "HistoPath"), attr(m, "HistoName"), at);
          const std::size_t n = std::min(rel.values.size(), nominal.values.size());
          for (std::size_t i = 0; i < n; ++i) err.push_back(rel.values[i] * nominal.values[i]);
        }
        if (err.empty()) throw InvalidSpecification(at + ": cannot determine the statistical uncertainty (no bins)");
        modifiers.push_back(Json{{"name", "staterror_" + c.name}, {"type", "staterror"}, {"data", err}});
      } else if (tag == "ShapeSys") {
        const std::string mod = required_attr(file, m, "Name");
        if (const std::string ct = attr(m, "ConstraintType", "Poisson"); ct != "Poisson")
          warn(fmt::format("{}: ConstraintType '{}' is ignored: pyhf's shapesys has a Poisson constraint", at, ct));
        const auto rel = histograms_.get(attr(m, "InputFile", input_file), attr(m, "HistoPath"), required_attr(file, m, "HistoName"), at);
        std::vector<double> abs;
        const std::size_t n = std::min(rel.values.size(), nominal.values.size());
        for (std::size_t i = 0; i < n; ++i) abs.push_back(nominal.values[i] * rel.values[i]);
        modifiers.push_back(Json{{"name", mod}, {"type", "shapesys"}, {"data", abs}});
      } else if (tag == "ShapeFactor") {
        modifiers.push_back(Json{{"name", required_attr(file, m, "Name")}, {"type", "shapefactor"}, {"data", nullptr}});
      } else if (tag == "StatError") {
        warn(fmt::format("{}: StatError is not activated (Activate='{}') and is ignored", at, attr(m, "Activate")));
      } else {
        warn(fmt::format("{}: element <{}> is not a modifier and is ignored", at, tag));
      }
    }
    return Json{{"name", name}, {"data", nominal.values}, {"modifiers", std::move(modifiers)}};
  }

  Resolver resolve_;
  Histograms histograms_;
  ReadResult& out_;
};

// pyhf's dedupe_parameters: one configuration per name; configurations of the same
// name must be equal.
std::vector<Json> dedupe(const std::vector<Json>& configs) {
  std::vector<Json> out;
  for (const Json& c : configs) {
    auto it = std::find_if(out.begin(), out.end(), [&](const Json& o) { return o["name"] == c["name"]; });
    if (it == out.end()) out.push_back(c);
    else if (*it != c)
      throw InvalidSpecification(fmt::format("incompatible configurations of parameter '{}': {} and {}",
                                             c["name"].get<std::string>(), it->dump(), c.dump()));
  }
  return out;
}

}  // namespace

Json measurements(std::string combination_xml, const std::string& source, const std::vector<Json>& parameter_configs,
                  std::vector<std::string>* warnings) {
  ReadResult result;
  Reader reader(ReadOptions{}, result);
  const Document top(std::move(combination_xml), source);
  Json out = reader.measurements(top, parameter_configs);
  if (warnings) *warnings = std::move(result.warnings);
  return out;
}

namespace {

// Applies hfx's restore records found among the top-level document's comments.
void restore(const Document& top, ReadResult& result) {
  for (const pugi::xml_node n : top.document().children()) {
    if (n.type() != pugi::node_comment || std::string_view(n.value()).rfind(interchange::kXmlCommentTag, 0) != 0) continue;
    const std::string where = top.file() + ": hfx restore record";
    std::string why;
    std::optional<Json> restored = interchange::apply_restore_record(result.workspace, interchange::from_xml_comment(n.value()), why);
    if (restored) result.workspace = std::move(*restored);
    else result.warnings.push_back(fmt::format("{}: {}", where, why));
  }
}

ReadResult read_top(const Document& top, const ReadOptions& options) {
  const std::string& config_file = top.file();
  ReadResult result;
  Reader reader(options, result);
  if (std::string(top.root().name()) != "Combination")
    throw InvalidSpecification(fmt::format("{}: the top element is <{}>, expected <Combination>", config_file, top.root().name()));
  Json channels = Json::array(), observations = Json::array();
  std::vector<Json> parameter_configs;
  for (const pugi::xml_node input : top.root().children("Input")) {
    const std::string text = trimmed_text(input);
    if (text.empty()) continue;
    Channel c = reader.channel(reader.resolve()(text));
    channels.push_back(Json{{"name", c.name}, {"samples", std::move(c.samples)}});
    observations.push_back(Json{{"name", c.name}, {"data", c.data}});
    for (Json& p : c.parameter_configs) parameter_configs.push_back(std::move(p));
  }
  parameter_configs = dedupe(parameter_configs);
  result.workspace = Json{{"measurements", reader.measurements(top, parameter_configs)},
                          {"channels", std::move(channels)},
                          {"observations", std::move(observations)},
                          {"version", "1.0.0"}};
  if (options.restore) restore(top, result);
  try {
    Workspace{result.workspace};
  } catch (const InvalidSpecification& e) {
    if (options.validation_as_error)
      std::rethrow_exception(e.with_prefix(fmt::format("{}: the converted workspace is not valid: ", config_file)));
    result.warnings.push_back(fmt::format("{}: the converted workspace is not valid: {}", config_file, e.what()));
  }
  return result;
}

}  // namespace

ReadResult read(const std::string& config_file, const ReadOptions& options) { return read_top(Document(config_file), options); }

ReadResult read_text(std::string combination_xml, const std::string& source, const ReadOptions& options) {
  return read_top(Document(std::move(combination_xml), source), options);
}

}  // namespace hfx::xml
