// pyhf JSON -> HistFactory XML + one ROOT file (`hfx json2xml`), written so that
// read() gives the workspace back.
#include "hfx/histfactory_xml.hpp"

#include "interchange/restore_record.hpp"

#include "hfx/errors.hpp"
#include "hfx/file_io.hpp"
#include "hfx/json.hpp"
#include "hfx/root_file.hpp"
#include "hfx/workspace.hpp"
#include "interchange/closest_ratio.hpp"

#include <fmt/format.h>
#include <pugixml.hpp>

#include <cctype>
#include <cmath>
#include <optional>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

namespace hfx::xml {
namespace {

namespace fs = std::filesystem;
using interchange::closest_ratio;

// The HistFactory schema (the elements and attributes ROOT's hist2workspace reads),
// written next to the top-level file, which names it in its DOCTYPE.
constexpr const char* kDtd = R"(<!-- HistFactory XML schema (the elements and attributes of ROOT's HistFactory
     configuration), written by hfx json2xml. -->
<!ELEMENT Combination (Function*,Input+,Measurement*)>
<!ATTLIST Combination OutputFilePrefix CDATA #REQUIRED Mode CDATA #IMPLIED>
<!ELEMENT Function EMPTY>
<!ATTLIST Function Name CDATA #REQUIRED Expression CDATA #REQUIRED Dependents CDATA #REQUIRED>
<!ELEMENT Input (#PCDATA)>
<!ELEMENT Measurement (POI,ParamSetting*,ConstraintTerm*)>
<!ATTLIST Measurement Name CDATA #REQUIRED Lumi CDATA #REQUIRED LumiRelErr CDATA #REQUIRED
  BinLow CDATA #IMPLIED BinHigh CDATA #IMPLIED Mode CDATA #IMPLIED ExportOnly CDATA #IMPLIED>
<!ELEMENT POI (#PCDATA)>
<!ELEMENT ParamSetting (#PCDATA)>
<!ATTLIST ParamSetting Const CDATA #IMPLIED Val CDATA #IMPLIED>
<!ELEMENT ConstraintTerm (#PCDATA)>
<!ATTLIST ConstraintTerm Type CDATA #REQUIRED RelativeUncertainty CDATA #IMPLIED>
<!ELEMENT Channel (Data*,StatErrorConfig?,Sample+)>
<!ATTLIST Channel Name CDATA #REQUIRED InputFile CDATA #IMPLIED HistoPath CDATA #IMPLIED HistoName CDATA #IMPLIED>
<!ELEMENT Data EMPTY>
<!ATTLIST Data InputFile CDATA #IMPLIED HistoPath CDATA #IMPLIED HistoName CDATA #IMPLIED Name CDATA #IMPLIED>
<!ELEMENT StatErrorConfig EMPTY>
<!ATTLIST StatErrorConfig RelErrorThreshold CDATA #IMPLIED ConstraintType CDATA #IMPLIED>
<!ELEMENT Sample (StatError|HistoSys|OverallSys|ShapeSys|NormFactor|ShapeFactor)*>
<!ATTLIST Sample Name CDATA #REQUIRED InputFile CDATA #IMPLIED HistoName CDATA #IMPLIED HistoPath CDATA #IMPLIED
  NormalizeByTheory CDATA #IMPLIED>
<!ELEMENT StatError EMPTY>
<!ATTLIST StatError Activate CDATA #REQUIRED InputFile CDATA #IMPLIED HistoName CDATA #IMPLIED HistoPath CDATA #IMPLIED>
<!ELEMENT HistoSys EMPTY>
<!ATTLIST HistoSys Name CDATA #REQUIRED HistoFileLow CDATA #IMPLIED HistoPathLow CDATA #IMPLIED HistoNameLow CDATA #IMPLIED
  HistoFileHigh CDATA #IMPLIED HistoPathHigh CDATA #IMPLIED HistoNameHigh CDATA #IMPLIED>
<!ELEMENT OverallSys EMPTY>
<!ATTLIST OverallSys Name CDATA #REQUIRED High CDATA #REQUIRED Low CDATA #REQUIRED>
<!ELEMENT ShapeSys EMPTY>
<!ATTLIST ShapeSys Name CDATA #REQUIRED InputFile CDATA #IMPLIED HistoName CDATA #REQUIRED HistoPath CDATA #IMPLIED
  ConstraintType CDATA #IMPLIED>
<!ELEMENT NormFactor EMPTY>
<!ATTLIST NormFactor Name CDATA #REQUIRED Val CDATA #REQUIRED High CDATA #REQUIRED Low CDATA #REQUIRED Const CDATA #IMPLIED>
<!ELEMENT ShapeFactor EMPTY>
<!ATTLIST ShapeFactor Name CDATA #REQUIRED>
)";

std::string num(double v) { return python_float_repr(v); }

std::vector<double> numbers(const Json& j) {
  std::vector<double> out;
  for (const Json& v : j) out.push_back(v.get<double>());
  return out;
}

// A name safe as a file name and a ROOT key: other characters than letters, digits,
// '_', '-' and '.' become '_'.
std::string safe(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') c = '_';
  return s;
}

// pyhf's histogram names: hist + channel_sample_modifier + suffix.
std::string hist_name(const std::string& channel, const std::string& sample = "", const std::string& modifier = "",
                      const std::string& suffix = "") {
  std::string middle = channel;
  for (const std::string* part : {&sample, &modifier})
    if (!part->empty()) middle += "_" + *part;
  return safe("hist" + middle + suffix);
}

std::string to_xml(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_indent | pugi::format_no_declaration, pugi::encoding_utf8);
  return out.str();
}

class Writer {
 public:
  Writer(const Json& ws, const WriteOptions& o, WriteResult& out) : ws_(ws), o_(o), out_(out) {
    for (const Json& c : ws["channels"])
      for (const Json& s : c["samples"])
        for (const Json& m : s["modifiers"]) {
          const std::string type = m["type"].get<std::string>();
          // Refused before anything is written.
          if (!modifier_type_from_string(type))
            throw InvalidSpecification(fmt::format("/channels[{}]/samples[{}]/modifiers[{}, {}]: the hfx extension "
                                                   "modifier type '{}' has no HistFactory XML form",
                                                   c["name"].get<std::string>(), s["name"].get<std::string>(),
                                                   m["name"].get<std::string>(), type, type));
          types_.emplace(m["name"].get<std::string>(), type);
        }
  }

  void warn(std::string w) { out_.warnings.push_back(std::move(w)); }

  std::string data_file() const { return (fs::path(o_.dataroot) / "data.root").lexically_normal().string(); }

  // The configuration of parameter `name` in measurement `m`, or null.
  static const Json* config(const Json& m, const std::string& name) {
    for (const Json& p : m["config"]["parameters"])
      if (p["name"] == name) return &p;
    return nullptr;
  }

  void add_hist(std::string name, const std::string& title, std::vector<double> contents, std::vector<double> sumw2 = {}) {
    hists_.push_back({std::move(name), title, std::move(contents), std::move(sumw2)});
  }

  std::string channel(const Json& c) {
    const std::string cname = c["name"].get<std::string>();
    pugi::xml_document doc;
    doc.append_child(pugi::node_doctype).set_value(
        fmt::format("Channel SYSTEM '{}'", fs::path("HistFactorySchema.dtd").lexically_relative(o_.specroot.empty() ? "." : o_.specroot).string())
            .c_str());
    pugi::xml_node ch = doc.append_child("Channel");
    ch.append_attribute("Name") = cname.c_str();
    ch.append_attribute("InputFile") = data_file().c_str();
    for (const Json& obs : ws_["observations"])
      if (obs["name"] == cname && !ch.child("Data")) {
        pugi::xml_node d = ch.append_child("Data");
        d.append_attribute("HistoName") = hist_name(cname, "data").c_str();
        add_hist(hist_name(cname, "data"), "data", numbers(obs["data"]));
      }
    for (const Json& s : c["samples"]) sample(ch, cname, s);
    return to_xml(doc);
  }

  std::string top(const std::vector<std::string>& channel_files) {
    pugi::xml_document doc;
    doc.append_child(pugi::node_doctype).set_value("Combination SYSTEM 'HistFactorySchema.dtd'");
    pugi::xml_node comb = doc.append_child("Combination");
    comb.append_attribute("OutputFilePrefix") = (fs::path(o_.specroot) / o_.resultprefix).lexically_normal().string().c_str();
    for (const std::string& f : channel_files) comb.append_child("Input").text() = f.c_str();
    for (const Json& m : ws_["measurements"]) measurement(comb, m);
    return to_xml(doc);
  }

  std::vector<root::HistogramToWrite>& histograms() { return hists_; }

 private:
  void sample(pugi::xml_node& ch, const std::string& cname, const Json& s) {
    const std::string sname = s["name"].get<std::string>();
    const std::vector<double> nominal = numbers(s["data"]);
    const std::string where = fmt::format("/channels[{}]/samples[{}]", cname, sname);
    pugi::xml_node x = ch.append_child("Sample");
    x.append_attribute("Name") = sname.c_str();
    x.append_attribute("HistoName") = hist_name(cname, sname).c_str();
    x.append_attribute("NormalizeByTheory") = "False";
    std::vector<double> sumw2;
    for (const Json& m : s["modifiers"]) {
      const std::string name = m["name"].get<std::string>(), type = m["type"].get<std::string>();
      const std::string at = fmt::format("{}/modifiers[{}, {}]", where, name, type);
      if (type == "lumi") {
        x.attribute("NormalizeByTheory") = "True";
        if (name != "lumi") warn(at + ": HistFactory XML names the luminosity parameter 'lumi'; this one is renamed");
      } else if (type == "normsys") {
        pugi::xml_node e = x.append_child("OverallSys");
        e.append_attribute("Name") = name.c_str();
        e.append_attribute("High") = num(m["data"]["hi"].get<double>()).c_str();
        e.append_attribute("Low") = num(m["data"]["lo"].get<double>()).c_str();
      } else if (type == "histosys") {
        pugi::xml_node e = x.append_child("HistoSys");
        e.append_attribute("Name") = name.c_str();
        e.append_attribute("HistoNameLow") = hist_name(cname, sname, name, "Low").c_str();
        e.append_attribute("HistoNameHigh") = hist_name(cname, sname, name, "High").c_str();
        add_hist(hist_name(cname, sname, name, "Low"), name + " down", numbers(m["data"]["lo_data"]));
        add_hist(hist_name(cname, sname, name, "High"), name + " up", numbers(m["data"]["hi_data"]));
      } else if (type == "normfactor") {
        // Val/Low/High from the first measurement; other measurements' differences are
        // ParamSettings (inits), or cannot be written (bounds).
        double val = 1, lo = 0, hi = 10;
        const Json* p = ws_["measurements"].empty() ? nullptr : config(ws_["measurements"][0], name);
        if (p) {
          if (p->contains("inits")) val = (*p)["inits"][0].get<double>();
          if (p->contains("bounds")) lo = (*p)["bounds"][0][0].get<double>(), hi = (*p)["bounds"][0][1].get<double>();
        }
        pugi::xml_node e = x.append_child("NormFactor");
        e.append_attribute("Name") = name.c_str();
        e.append_attribute("Val") = num(val).c_str();
        e.append_attribute("High") = num(hi).c_str();
        e.append_attribute("Low") = num(lo).c_str();
        if (p && p->contains("fixed")) e.append_attribute("Const") = (*p)["fixed"].get<bool>() ? "True" : "False";
      } else if (type == "staterror") {
        // The nominal histogram carries the errors as sums of squared weights (sqrt of
        // e*e is e exactly), which read() uses for a StatError without a histogram.
        if (name != "staterror_" + cname)
          warn(fmt::format("{}: HistFactory XML names a channel's MC statistical uncertainty 'staterror_{}'; this one is renamed", at, cname));
        for (const Json& e : m["data"]) sumw2.push_back(e.get<double>() * e.get<double>());
        x.append_child("StatError").append_attribute("Activate") = "True";
      } else if (type == "shapesys") {
        std::vector<double> rel;
        const std::vector<double> abs = numbers(m["data"]);
        for (std::size_t i = 0; i < abs.size(); ++i) {
          const auto r = closest_ratio(abs[i], nominal[i]);
          if (!r) warn(fmt::format("{}: bin {}: uncertainty {} on an empty nominal bin cannot be written as a relative one; written as 0",
                                   at, i, num(abs[i])));
          else if (nominal[i] * *r != abs[i])
            warn(fmt::format("{}: bin {}: no relative uncertainty times {} gives {} exactly; it reads back as {}", at, i,
                             num(nominal[i]), num(abs[i]), num(nominal[i] * *r)));
          rel.push_back(r.value_or(0.0));
        }
        pugi::xml_node e = x.append_child("ShapeSys");
        e.append_attribute("Name") = name.c_str();
        e.append_attribute("ConstraintType") = "Poisson";
        e.append_attribute("HistoName") = hist_name(cname, sname, name).c_str();
        add_hist(hist_name(cname, sname, name), name + " relative uncertainty", rel);
      } else if (type == "shapefactor") {
        x.append_child("ShapeFactor").append_attribute("Name") = name.c_str();
      }
    }
    add_hist(hist_name(cname, sname), sname, nominal, sumw2);
  }

  void measurement(pugi::xml_node& comb, const Json& m) {
    const std::string mname = m["name"].get<std::string>();
    const std::string where = fmt::format("/measurements[{}]/config/parameters", mname);
    double lumi = 1.0, lumi_rel = 0.0;
    const Json* first = ws_["measurements"].empty() ? nullptr : &ws_["measurements"][0];
    std::vector<std::string> fixed, not_fixed;  // ParamSetting Const="True" / "False"
    std::vector<std::pair<std::string, double>> inits;
    for (const Json& p : m["config"]["parameters"]) {
      const std::string name = p["name"].get<std::string>();
      const std::string at = fmt::format("{}[{}]", where, name);
      const auto type = types_.find(name);
      if (name == "lumi") {
        if (p.contains("auxdata")) lumi = p["auxdata"][0].get<double>();
        const double sigma = p.contains("sigmas") ? p["sigmas"][0].get<double>() : 0.0;
        const auto r = closest_ratio(sigma, lumi);
        if (!r) warn(fmt::format("{}: sigma {} cannot be written relative to a luminosity of 0", at, num(sigma)));
        lumi_rel = r.value_or(0.0);
        const double s = lumi * lumi_rel;
        if (p.contains("bounds") && p["bounds"] != Json::array({Json::array({lumi - 5.0 * s, lumi + 5.0 * s})}))
          warn(at + ": bounds other than lumi ± 5 sigma cannot be written in HistFactory XML; they become lumi ± 5 sigma");
        if (p.contains("inits") && p["inits"][0].get<double>() != lumi)
          warn(at + ": an initial value other than the luminosity cannot be written; it becomes the luminosity");
        if (p.contains("fixed")) (p["fixed"].get<bool>() ? fixed : not_fixed).push_back("Lumi");
        continue;
      }
      if (type == types_.end()) {
        warn(at + ": not a parameter of any modifier; HistFactory XML has no place for its configuration");
        continue;
      }
      const bool bin_wise = type->second == "staterror" || type->second == "shapesys" || type->second == "shapefactor";
      const char* prefix = (type->second == "normsys" || type->second == "histosys") ? "alpha_" : "";
      const Json* f = first ? config(*first, name) : nullptr;
      if (p.contains("fixed")) {
        // a normfactor's NormFactor Const already says what the first measurement has
        const bool said = type->second == "normfactor" && f && f->contains("fixed") && (*f)["fixed"] == p["fixed"];
        if (bin_wise) warn(at + ": fixing a bin-wise parameter cannot be written in HistFactory XML as pyhf reads it");
        else if (!said) (p["fixed"].get<bool>() ? fixed : not_fixed).push_back(prefix + name);
      }
      if (type->second == "normfactor") {
        const Json default_bounds = Json::array({Json::array({0.0, 10.0})});
        if (p.value("bounds", default_bounds) != (f ? f->value("bounds", default_bounds) : default_bounds))
          warn(at + ": bounds differing from the first measurement's cannot be written (NormFactor bounds are per sample)");
        const double first_init = (f && f->contains("inits")) ? (*f)["inits"][0].get<double>() : 1.0;
        if (p.contains("inits") && p["inits"][0].get<double>() != first_init) inits.emplace_back(name, p["inits"][0].get<double>());
      } else {
        if (p.contains("bounds") || p.contains("auxdata") || p.contains("sigmas"))
          warn(at + ": bounds, auxdata and sigmas of a constrained parameter cannot be written in HistFactory XML");
        if (p.contains("inits")) {
          if (bin_wise) warn(at + ": initial values of a bin-wise parameter cannot be written in HistFactory XML");
          else inits.emplace_back(prefix + name, p["inits"][0].get<double>());
        }
      }
    }
    pugi::xml_node e = comb.append_child("Measurement");
    e.append_attribute("Name") = mname.c_str();
    e.append_attribute("Lumi") = num(lumi).c_str();
    e.append_attribute("LumiRelErr") = num(lumi_rel).c_str();
    e.append_attribute("ExportOnly") = "True";
    e.append_child("POI").text() = m["config"]["poi"].get<std::string>().c_str();
    for (const auto& [names, value] : {std::pair{&fixed, "True"}, std::pair{&not_fixed, "False"}}) {
      if (names->empty()) continue;
      std::string text;
      for (const std::string& n : *names) text += (text.empty() ? "" : " ") + n;
      pugi::xml_node s = e.append_child("ParamSetting");
      s.append_attribute("Const") = value;
      s.text() = text.c_str();
    }
    for (const auto& [name, value] : inits) {
      pugi::xml_node s = e.append_child("ParamSetting");
      s.append_attribute("Val") = num(value).c_str();
      s.text() = name.c_str();
    }
  }

  const Json& ws_;
  const WriteOptions& o_;
  WriteResult& out_;
  std::map<std::string, std::string> types_;
  std::vector<root::HistogramToWrite> hists_;
};

}  // namespace

WriteResult write(const Workspace& workspace, const WriteOptions& options) {
  WriteResult result;
  const Json& ws = workspace.document();
  Writer w(ws, options, result);
  const fs::path out(options.output_dir);
  std::error_code ec;
  fs::create_directories(out / options.specroot, ec);
  if (!ec) fs::create_directories(out / options.dataroot, ec);
  if (ec) throw IOError(fmt::format("{}: cannot create the output directories ({})", options.output_dir, ec.message()));
  for (const Json& obs : ws["observations"]) {
    bool used = false;
    for (const Json& c : ws["channels"]) used = used || c["name"] == obs["name"];
    if (!used)
      result.warnings.push_back(fmt::format("/observations[{}]: no channel of that name; HistFactory XML keeps data per channel, so it is left out",
                                            obs["name"].get<std::string>()));
  }
  std::vector<std::pair<std::string, std::string>> files;  // path relative to output_dir, text
  std::vector<std::string> inputs;
  for (const Json& c : ws["channels"]) {
    const std::string rel = (fs::path(options.specroot) / safe(fmt::format("{}_{}.xml", options.resultprefix, c["name"].get<std::string>())))
                                .lexically_normal()
                                .string();
    files.emplace_back(rel, w.channel(c));
    inputs.push_back(rel);
  }
  result.top_xml = w.top(inputs);
  root::write_histograms((out / w.data_file()).string(), w.histograms());
  result.files.push_back(w.data_file());
  for (const auto& [rel, text] : files) {
    write_file((out / rel).string(), text);
    result.files.push_back(rel);
  }
  write_file((out / "HistFactorySchema.dtd").string(), kDtd);
  result.files.push_back("HistFactorySchema.dtd");
  // Read the files back as any reader would and keep what differs from the original.
  ReadOptions plain;
  plain.rootdir = options.output_dir;
  plain.validation_as_error = false;
  plain.restore = false;
  try {
    const ReadResult back = read_text(result.top_xml, (out / (options.resultprefix + ".xml")).string(), plain);
    const Json record = interchange::make_restore_record(back.workspace, ws);
    if (!record.is_null()) result.top_xml += "<!--" + interchange::to_xml_comment(record) + "-->\n";
  } catch (const Error& e) {  // the files stay valid HistFactory XML; only the exact way back is missing
    result.warnings.push_back(fmt::format("the written files do not read back ({}); no restore record was written", e.what()));
  }
  return result;
}

}  // namespace hfx::xml
