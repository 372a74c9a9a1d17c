// pyhf JSON <-> HS3 (see include/hfx/hs3.hpp for the form written and read).
#include "hfx/hs3.hpp"

#include "hfx/errors.hpp"
#include "hfx/model.hpp"
#include "hfx/version.hpp"
#include "hfx/workspace.hpp"
#include "interchange/closest_ratio.hpp"
#include "interchange/restore_record.hpp"

#include <fmt/format.h>

#include <map>
#include <optional>
#include <set>

namespace hfx::hs3 {
namespace {

using interchange::closest_ratio;

std::vector<double> numbers(const Json& j) {
  std::vector<double> out;
  for (const Json& v : j) out.push_back(v.get<double>());
  return out;
}

// ROOT's name of parameter i of the pyhf parameter set `ps`.
std::string root_name(const ParameterSet& ps, std::size_t i, const std::set<std::string>& channels) {
  switch (ps.type) {
    case ModifierType::normsys:
    case ModifierType::histosys:
      return "alpha_" + ps.name;
    case ModifierType::lumi:
      return "Lumi";
    case ModifierType::staterror:
      if (ps.name.rfind("staterror_", 0) == 0 && channels.count(ps.name.substr(10)))
        return fmt::format("gamma_stat_{}_bin_{}", ps.name.substr(10), i);
      return fmt::format("gamma_{}_bin_{}", ps.name, i);
    case ModifierType::shapesys:
    case ModifierType::shapefactor:
      return fmt::format("gamma_{}_bin_{}", ps.name, i);
    default:
      return ps.name;
  }
}

Json axis(const std::string& channel, std::size_t bins) {
  return Json::array({Json{{"name", "obs_x_" + channel}, {"min", 0.0}, {"max", static_cast<double>(bins)}, {"nbins", bins}}});
}

}  // namespace

Result to_hs3(const Workspace& workspace) {
  Result r;
  const Json& ws = workspace.document();
  std::set<std::string> channel_names;
  for (const Json& c : ws["channels"]) channel_names.insert(c["name"].get<std::string>());

  Json distributions = Json::array(), data = Json::array();
  Json likelihood = Json{{"name", "simPdf_obsData"}, {"distributions", Json::array()}, {"data", Json::array()}};
  for (const Json& c : ws["channels"]) {
    const std::string ch = c["name"].get<std::string>();
    const std::size_t bins = c["samples"][0]["data"].size();
    Json samples = Json::array();
    for (const Json& s : c["samples"]) {
      const std::vector<double> nominal = numbers(s["data"]);
      Json sample = Json{{"name", s["name"]}, {"data", Json{{"contents", s["data"]}}}, {"modifiers", Json::array()}};
      Json& mods = sample["modifiers"];
      for (const Json& m : s["modifiers"]) {
        const std::string name = m["name"].get<std::string>(), type = m["type"].get<std::string>();
        const std::string at = fmt::format("/channels[{}]/samples[{}]/modifiers[{}, {}]", ch, s["name"].get<std::string>(), name, type);
        if (type == "normfactor") {
          mods.push_back(Json{{"name", name}, {"parameter", name}, {"type", "normfactor"}});
        } else if (type == "lumi") {
          if (name != "lumi") r.warnings.push_back(at + ": HS3 (ROOT) calls the luminosity parameter 'Lumi'; it comes back as 'lumi'");
          mods.push_back(Json{{"name", "Lumi"}, {"parameter", "Lumi"}, {"type", "normfactor"}, {"constraint_name", "lumiConstraint"}});
        } else if (type == "normsys") {
          mods.push_back(Json{{"name", name}, {"parameter", "alpha_" + name}, {"type", "normsys"}, {"constraint", "Gauss"},
                              {"data", Json{{"hi", m["data"]["hi"]}, {"lo", m["data"]["lo"]}}}});
        } else if (type == "histosys") {
          mods.push_back(Json{{"name", name}, {"parameter", "alpha_" + name}, {"type", "histosys"}, {"constraint", "Gauss"},
                              {"data", Json{{"hi", Json{{"contents", m["data"]["hi_data"]}}}, {"lo", Json{{"contents", m["data"]["lo_data"]}}}}}});
        } else if (type == "shapesys") {
          std::vector<double> rel;
          const std::vector<double> abs = numbers(m["data"]);
          for (std::size_t i = 0; i < abs.size(); ++i) {
            const auto q = closest_ratio(abs[i], nominal[i]);
            if (!q) r.warnings.push_back(fmt::format("{}: bin {}: an uncertainty on an empty nominal bin cannot be relative; written as 0", at, i));
            else if (nominal[i] * *q != abs[i])
              r.warnings.push_back(fmt::format("{}: bin {}: no relative uncertainty times {} gives {} exactly; it reads back as {}", at, i,
                                               python_float_repr(nominal[i]), python_float_repr(abs[i]), python_float_repr(nominal[i] * *q)));
            rel.push_back(q.value_or(0.0));
          }
          mods.push_back(Json{{"name", name}, {"type", "shapesys"}, {"constraint", "Poisson"}, {"data", Json{{"vals", rel}}}});
        } else if (type == "staterror") {
          if (name != "staterror_" + ch)
            r.warnings.push_back(fmt::format("{}: HS3 (ROOT) names a channel's MC statistical uncertainty 'staterror_{}'; it comes back so", at, ch));
          sample["data"]["errors"] = m["data"];
          mods.push_back(Json{{"name", "staterror"}, {"type", "staterror"}, {"constraint", "Gauss"}});
        } else if (type == "shapefactor") {
          mods.push_back(Json{{"name", name}, {"type", "shapefactor"}});
        } else {
          throw InvalidSpecification(fmt::format("{}: the hfx extension modifier type '{}' has no HS3 form", at, type));
        }
      }
      samples.push_back(std::move(sample));
    }
    distributions.push_back(Json{{"name", "model_" + ch},
                                 {"type", "histfactory_dist"},
                                 {"axes", axis(ch, bins)},
                                 {"samples", std::move(samples)},
                                 {"staterror", Json{{"constraint", "Gauss"}, {"constraint_type", "Gauss"}, {"relThreshold", 0.0}}}});
    likelihood["distributions"].push_back("model_" + ch);
    likelihood["data"].push_back("obsData_" + ch);
    for (const Json& o : ws["observations"])
      if (o["name"] == ch)
        data.push_back(Json{{"name", "obsData_" + ch}, {"type", "binned"}, {"axes", axis(ch, bins)}, {"contents", o["data"]}});
  }
  for (const Json& o : ws["observations"])
    if (!channel_names.count(o["name"].get<std::string>()))
      r.warnings.push_back(fmt::format("/observations[{}]: no channel of that name; left out", o["name"].get<std::string>()));

  Json analyses = Json::array(), points = Json::array(), domains = Json::array();
  bool lumi_constraint = false;
  for (std::size_t mi = 0; mi < ws["measurements"].size(); ++mi) {
    const Json& m = ws["measurements"][mi];
    const std::string mname = m["name"].get<std::string>();
    ModelOptions opts;
    opts.measurement = mname;
    opts.poi_name = "";
    const Model model = compile(workspace, opts);
    // Numbers the configuration gives are copied as written (5 stays 5, not 5.0).
    std::map<std::string, const Json*> config;
    for (const Json& p : m["config"]["parameters"]) config[p["name"].get<std::string>()] = &p;
    auto given = [&](const ParameterSet& ps, const char* key, std::size_t i, double fallback) -> Json {
      const auto it = config.find(ps.name);
      if (it != config.end() && it->second->contains(key) && (*it->second)[key].size() > i) return (*it->second)[key][i];
      return fallback;
    };
    std::set<std::string> in_model;
    Json values = Json::array(), axes = Json::array();
    for (const ParameterSet& ps : model.parameter_sets()) {
      in_model.insert(ps.name);
      const auto cfg = config.find(ps.name);
      const bool fixed_given = cfg != config.end() && cfg->second->contains("fixed");
      for (std::size_t i = 0; i < ps.size; ++i) {
        const std::string n = root_name(ps, i, channel_names);
        Json v = Json{{"name", n}, {"value", given(ps, "inits", i, ps.inits[i])}};
        if (ps.fixed[i] || fixed_given) v["const"] = static_cast<bool>(ps.fixed[i]);
        values.push_back(std::move(v));
        const Json b = given(ps, "bounds", i, 0.0);
        axes.push_back(Json{{"name", n},
                            {"min", b.is_array() ? b[0] : Json(ps.bounds[i].first)},
                            {"max", b.is_array() ? b[1] : Json(ps.bounds[i].second)}});
      }
      if (ps.type == ModifierType::lumi) {
        values.push_back(Json{{"name", "nominalLumi"}, {"value", given(ps, "auxdata", 0, ps.auxdata[0])}, {"const", true}});
        if (!lumi_constraint)
          distributions.push_back(Json{{"name", "lumiConstraint"}, {"type", "gaussian_dist"}, {"x", "Lumi"}, {"mean", "nominalLumi"},
                                       {"sigma", given(ps, "sigmas", 0, ps.sigmas[0])}});
        lumi_constraint = true;
      }
    }
    for (const Json& p : m["config"]["parameters"])
      if (!in_model.count(p["name"].get<std::string>()))
        r.warnings.push_back(fmt::format("/measurements[{}]/config/parameters[{}]: not a parameter of the model; left out", mname,
                                         p["name"].get<std::string>()));
    const std::string suffix = mi == 0 ? "" : "_" + mname;
    points.push_back(Json{{"name", mi == 0 ? std::string("default_values") : mname + "_values"}, {"parameters", std::move(values)}});
    domains.push_back(Json{{"name", mi == 0 ? std::string("default_domain") : mname + "_domain"}, {"type", "product_domain"}, {"axes", std::move(axes)}});
    Json analysis = Json{{"name", mname},
                         {"likelihood", "simPdf_obsData"},
                         {"domains", Json::array({domains.back()["name"]})},
                         {"parameters_of_interest", Json::array()}};
    if (!m["config"]["poi"].get<std::string>().empty()) analysis["parameters_of_interest"].push_back(m["config"]["poi"]);
    analysis["hfx_parameter_point"] = points.back()["name"];
    analyses.push_back(std::move(analysis));
  }
  r.document = Json{{"metadata", Json{{"hs3_version", "0.2"}, {"packages", Json::array({Json{{"name", "hfx"}, {"version", kVersion}}})}}},
                    {"distributions", std::move(distributions)},
                    {"data", std::move(data)},
                    {"likelihoods", Json::array({std::move(likelihood)})},
                    {"analyses", std::move(analyses)},
                    {"parameter_points", std::move(points)},
                    {"domains", std::move(domains)}};
  try {
    const Json record = interchange::make_restore_record(from_hs3(r.document, "<written>", false).document, ws);
    if (!record.is_null()) r.document["misc"] = Json{{"hfx_restore_record", record}};
  } catch (const Error& e) {  // the document stays valid HS3; only the exact way back is missing
    r.warnings.push_back(fmt::format("the document does not read back ({}); no restore record was written", e.what()));
  }
  return r;
}

namespace {

[[noreturn]] void bad(const std::string& source, const std::string& path, const std::string& what) {
  throw InvalidSpecification(fmt::format("{}: {}: {}", source, path.empty() ? "/" : path, what));
}

const Json& member(const Json& j, const char* key, const std::string& source, const std::string& path) {
  if (!j.is_object() || !j.contains(key)) bad(source, path, fmt::format("expected an object with \"{}\"", key));
  return j[key];
}

const Json* find_named(const Json& list, const std::string& name) {
  if (!list.is_array()) return nullptr;
  for (const Json& e : list)
    if (e.is_object() && e.contains("name") && e["name"] == name) return &e;
  return nullptr;
}

// The value of every parameter in the parameter points (the first point naming it wins),
// to read a constraint width given as a parameter.
std::map<std::string, Json> point_values(const Json& doc) {
  std::map<std::string, Json> out;
  for (const Json& point : doc.value("parameter_points", Json::array()))
    for (const Json& p : point.value("parameters", Json::array()))
      if (p.is_object() && p.contains("name") && p["name"].is_string() && p.contains("value")) out.emplace(p["name"].get<std::string>(), p["value"]);
  return out;
}

bool is_constraint_type(const std::string& s) { return s == "Gauss" || s == "Poisson" || s == "Lognormal" || s == "Const"; }

// The constraint type of the distribution `name` (a modifier's explicit constraint term):
// "Gauss" for a unit-width gaussian_dist, else a description of what it is (for the
// warning that pyhf's constraint replaces it).
std::string constraint_pdf(const Json& dists, const std::map<std::string, Json>& values, const std::string& name) {
  const Json* d = find_named(dists, name);
  if (!d) return fmt::format("'{}' (no distribution of that name)", name);
  const std::string type = d->value("type", "");
  if (type == "poisson_dist") return "Poisson";
  if (type == "lognormal_dist") return "Lognormal";
  if (type != "gaussian_dist") return fmt::format("'{}' ({})", name, type);
  Json sigma = d->contains("sigma") ? (*d)["sigma"] : Json(1.0);
  if (sigma.is_string() && values.count(sigma.get<std::string>())) sigma = values.at(sigma.get<std::string>());
  if (sigma.is_number() && sigma.get<double>() == 1.0) return "Gauss";
  return fmt::format("Gauss of width {}", sigma.dump());
}

// The constraint a modifier declares, as a type ("" when it declares none). ROOT up to
// 6.36 writes "constraint": TYPE; 6.38 "constraint_name": PDF (a distribution of the
// document) or "constraint_type": TYPE; 6.40 and later "constraint": PDF or TYPE.
std::string declared_constraint(const Json& m, const Json& dists, const std::map<std::string, Json>& values) {
  if (m.contains("constraint_name") && m["constraint_name"].is_string())
    return constraint_pdf(dists, values, m["constraint_name"].get<std::string>());
  if (m.contains("constraint") && m["constraint"].is_string()) {
    const std::string c = m["constraint"].get<std::string>();
    if (is_constraint_type(c) || !find_named(dists, c)) return c;  // a type, also one hfx does not know
    return constraint_pdf(dists, values, c);
  }
  if (m.contains("constraint_type") && m["constraint_type"].is_string()) return m["constraint_type"].get<std::string>();
  return "";
}

// A shapesys's constraint: ROOT 6.40 and later list one distribution (or null: none) per
// bin in "constraints"; earlier versions declare one for all bins.
std::string shapesys_constraint(const Json& m, const Json& dists, const std::map<std::string, Json>& values, const std::string& source,
                                const std::string& path) {
  if (!m.contains("constraints") || !m["constraints"].is_array()) {
    const std::string c = declared_constraint(m, dists, values);
    return c.empty() ? "Poisson" : c;
  }
  std::set<std::string> types;
  for (std::size_t i = 0; i < m["constraints"].size(); ++i) {
    const Json& c = m["constraints"][i];
    if (c.is_null()) types.insert("Const");
    else if (c.is_string()) types.insert(constraint_pdf(dists, values, c.get<std::string>()));
    else bad(source, fmt::format("{}/constraints/{}", path, i), "expected a distribution name or null");
  }
  if (types.size() == 1) return *types.begin();
  std::string all;
  for (const std::string& t : types) all += (all.empty() ? "" : " and ") + t;
  return "a mix of " + all;
}

// An interpolation that is not ROOT's default for the modifier (normsys: code 4 =
// {mult, poly6, exp}; histosys: code 4 = {add, poly6, poly1}), described, or "". ROOT
// 6.38 writes integer codes, later versions {"type", "in", "out"} objects and a
// channel-level "default_interpolation".
std::string unusual_interpolation(const Json* modifier_value, const Json* channel_default, bool normsys) {
  const Json* v = modifier_value ? modifier_value : channel_default;
  if (!v) return "";
  if (v->is_number_integer()) return v->get<long>() == 4 ? "" : fmt::format("code {}", v->get<long>());
  if (v->is_object()) {
    const std::string t = v->value("type", ""), in = v->value("in", "");
    const std::string out = v->contains("out") && (*v)["out"].is_string() ? (*v)["out"].get<std::string>() : "null";
    if (normsys ? (t == "mult" && in == "poly6" && out == "exp") : (t == "add" && in == "poly6" && out == "poly1")) return "";
    return fmt::format("{{type {}, in {}, out {}}}", t, in, out);
  }
  return v->dump();
}

// The pyhf parameter a ROOT parameter name belongs to, and its bin (-1: scalar).
std::pair<std::string, long> pyhf_name(const std::string& n, const std::set<std::string>& channels) {
  if (n == "Lumi") return {"lumi", -1};
  if (n.rfind("alpha_", 0) == 0) return {n.substr(6), -1};
  if (n.rfind("gamma_", 0) == 0) {
    const auto at = n.rfind("_bin_");
    if (at != std::string::npos && at > 6 && n.find_first_not_of("0123456789", at + 5) == std::string::npos && at + 5 < n.size()) {
      const std::string base = n.substr(6, at - 6);
      const long bin = std::stol(n.substr(at + 5));
      if (base.rfind("stat_", 0) == 0 && channels.count(base.substr(5))) return {"staterror_" + base.substr(5), bin};
      return {base, bin};
    }
  }
  return {n, -1};
}

}  // namespace

Result from_hs3(const Json& doc, const std::string& source, bool restore) {
  Result r;
  const Json& dists = member(doc, "distributions", source, "");
  const Json* lh = nullptr;
  // The analysis of the observed data: ROOT also writes one of its Asimov data.
  Json analyses = Json::array();
  if (doc.contains("analyses") && doc["analyses"].is_array() && !doc["analyses"].empty()) {
    std::size_t chosen = 0;
    for (std::size_t i = 0; i < doc["analyses"].size(); ++i)
      if (doc["analyses"][i].value("likelihood", std::string()).find("asimov") == std::string::npos) {
        chosen = i;
        break;
      }
    const std::string lname = member(doc["analyses"][chosen], "likelihood", source, fmt::format("/analyses/{}", chosen)).get<std::string>();
    lh = find_named(member(doc, "likelihoods", source, ""), lname);
    if (!lh) bad(source, fmt::format("/analyses/{}/likelihood", chosen), fmt::format("no likelihood '{}'", lname));
    for (const Json& a : doc["analyses"])
      if (a.value("likelihood", std::string()) == lname) analyses.push_back(a);
  } else {
    const Json& lhs = member(doc, "likelihoods", source, "");
    if (!lhs.is_array() || lhs.empty()) bad(source, "/likelihoods", "expected at least one likelihood");
    lh = &lhs[0];
  }
  const Json& lh_dists = member(*lh, "distributions", source, "/likelihoods");
  const Json& lh_data = member(*lh, "data", source, "/likelihoods");
  if (!lh_dists.is_array() || !lh_data.is_array() || lh_dists.size() != lh_data.size())
    bad(source, "/likelihoods", "expected lists \"distributions\" and \"data\" of the same length");

  std::set<std::string> channel_names;
  std::map<std::string, std::string> constraint_of;  // parameter -> gaussian_dist name
  const std::map<std::string, Json> values = point_values(doc);
  for (const Json& d : dists)
    if (d.is_object() && d.value("type", "") == "gaussian_dist") constraint_of[d.value("x", "")] = d.value("name", "");

  Json channels = Json::array(), observations = Json::array();
  std::set<std::string> normfactors, lumi_params;
  for (std::size_t k = 0; k < lh_dists.size(); ++k) {
    const std::string dname = lh_dists[k].get<std::string>();
    const Json* d = find_named(dists, dname);
    if (!d) bad(source, fmt::format("/likelihoods/distributions/{}", k), fmt::format("no distribution '{}'", dname));
    if (d->value("type", "") != "histfactory_dist") {
      r.warnings.push_back(fmt::format("distribution '{}' of type '{}' is not a HistFactory channel; left out", dname, d->value("type", "")));
      continue;
    }
    const std::string ch = dname.rfind("model_", 0) == 0 ? dname.substr(6) : dname;
    channel_names.insert(ch);
    std::string stat_constraint = "Poisson";  // ROOT's default
    const bool channel_stat_constraint = d->contains("staterror") && (*d)["staterror"].is_object();
    if (channel_stat_constraint)
      stat_constraint = (*d)["staterror"].value("constraint_type", (*d)["staterror"].value("constraint", std::string("Poisson")));
    Json samples = Json::array();
    const std::string dpath = fmt::format("/distributions[{}]", dname);
    for (const Json& s : member(*d, "samples", source, dpath)) {
      const std::string sname = member(s, "name", source, dpath + "/samples").get<std::string>();
      const std::string spath = fmt::format("{}/samples[{}]", dpath, sname);
      const Json& sdata = member(s, "data", source, spath);
      const std::vector<double> nominal = numbers(member(sdata, "contents", source, spath + "/data"));
      Json mods = Json::array();
      for (const Json& m : s.value("modifiers", Json::array())) {
        const std::string type = member(m, "type", source, spath + "/modifiers").get<std::string>();
        const std::string name = m.value("name", std::string());
        const std::string mpath = fmt::format("{}/modifiers[{}]", spath, name);
        const Json& mdata = m.contains("data") ? m["data"] : Json::object();
        if (type == "normsys" || type == "histosys") {
          const std::string c = declared_constraint(m, dists, values);
          if (!c.empty() && c != "Gauss") r.warnings.push_back(fmt::format("{}: a {} constraint becomes pyhf's Gaussian one", mpath, c));
          const std::string interp = unusual_interpolation(m.contains("interpolation") ? &m["interpolation"] : nullptr,
                                                           d->contains("default_interpolation") ? &(*d)["default_interpolation"] : nullptr,
                                                           type == "normsys");
          if (!interp.empty())
            r.warnings.push_back(fmt::format("{}: interpolation {} (as ROOT writes it) is not part of a pyhf workspace; the model uses the "
                                             "one it is built with (pyhf's default, or --{}-interp / modifier_settings)",
                                             mpath, interp, type));
        }
        if (type == "normfactor") {
          const std::string par = m.value("parameter", name);
          const bool constrained = m.contains("constraint_name") || m.contains("constraint") || constraint_of.count(par);
          if (par == "Lumi" && constrained) {
            lumi_params.insert(par);
            mods.push_back(Json{{"name", "lumi"}, {"type", "lumi"}, {"data", nullptr}});
          } else {
            normfactors.insert(name);
            mods.push_back(Json{{"name", name}, {"type", "normfactor"}, {"data", nullptr}});
          }
        } else if (type == "normsys") {
          mods.push_back(Json{{"name", name}, {"type", "normsys"},
                              {"data", Json{{"hi", member(mdata, "hi", source, mpath + "/data")}, {"lo", member(mdata, "lo", source, mpath + "/data")}}}});
        } else if (type == "histosys") {
          mods.push_back(Json{{"name", name}, {"type", "histosys"},
                              {"data", Json{{"hi_data", member(member(mdata, "hi", source, mpath + "/data"), "contents", source, mpath + "/data/hi")},
                                            {"lo_data", member(member(mdata, "lo", source, mpath + "/data"), "contents", source, mpath + "/data/lo")}}}});
        } else if (type == "shapesys") {
          const std::string constraint = shapesys_constraint(m, dists, values, source, mpath);
          if (constraint == "Const") {
            mods.push_back(Json{{"name", name}, {"type", "shapefactor"}, {"data", nullptr}});
            continue;
          }
          if (constraint != "Poisson")
            r.warnings.push_back(mpath + ": a " + constraint + " shapesys constraint becomes pyhf's Poisson one");
          const std::vector<double> rel = numbers(member(mdata, "vals", source, mpath + "/data"));
          if (rel.size() != nominal.size()) bad(source, mpath + "/data/vals", fmt::format("expected {} values, got {}", nominal.size(), rel.size()));
          std::vector<double> abs;
          for (std::size_t i = 0; i < rel.size(); ++i) abs.push_back(nominal[i] * rel[i]);
          mods.push_back(Json{{"name", name}, {"type", "shapesys"}, {"data", abs}});
        } else if (type == "staterror") {
          // ROOT 6.38 writes the type on the modifier, not on the channel (and its own
          // import misses it); the channel's own setting comes first.
          const std::string declared = declared_constraint(m, dists, values);
          if (!channel_stat_constraint && !declared.empty()) stat_constraint = declared;
          if (stat_constraint != "Gauss")
            r.warnings.push_back(fmt::format("{}: the staterror constraint of channel '{}' is {} (ROOT's default); pyhf's is Gaussian", mpath, ch, stat_constraint));
          mods.push_back(Json{{"name", "staterror_" + ch}, {"type", "staterror"}, {"data", member(sdata, "errors", source, spath + "/data")}});
        } else if (type == "shapefactor") {
          mods.push_back(Json{{"name", name}, {"type", "shapefactor"}, {"data", nullptr}});
        } else {
          r.warnings.push_back(mpath + ": modifier type '" + type + "' has no pyhf equivalent; left out");
        }
      }
      samples.push_back(Json{{"name", sname}, {"data", sdata["contents"]}, {"modifiers", std::move(mods)}});
    }
    channels.push_back(Json{{"name", ch}, {"samples", std::move(samples)}});
    const std::string data_name = lh_data[k].get<std::string>();
    const Json* dat = find_named(member(doc, "data", source, ""), data_name);
    if (!dat) bad(source, fmt::format("/likelihoods/data/{}", k), fmt::format("no data '{}'", data_name));
    observations.push_back(Json{{"name", ch}, {"data", member(*dat, "contents", source, fmt::format("/data[{}]", data_name))}});
  }

  // Measurements: one per analysis (or one), with the parameter points and domains.
  Json measurements = Json::array();
  if (analyses.empty()) analyses.push_back(Json{{"name", "measurement"}});
  const Json all_points = doc.value("parameter_points", Json::array());
  const Json all_domains = doc.value("domains", Json::array());
  for (const Json& a : analyses) {
    const std::string mname = a.value("name", std::string("measurement"));
    const Json* point = find_named(all_points, a.value("hfx_parameter_point", std::string("default_values")));
    std::string domain_name = "default_domain";
    if (a.contains("domains") && a["domains"].is_array() && a["domains"].size() == 1) domain_name = a["domains"][0].get<std::string>();
    const Json* domain = find_named(all_domains, domain_name);
    // Numbers are kept as written (an integer stays one).
    std::map<std::string, Json> value;
    std::map<std::string, bool> constant;  // only where "const" is given
    std::map<std::string, Json> range;     // [min, max]
    if (point)
      for (const Json& p : point->value("parameters", Json::array())) {
        const std::string n = p.value("name", "");
        value[n] = p.contains("value") ? p["value"] : Json(0.0);
        if (p.contains("const") && p["const"].is_boolean()) constant[n] = p["const"].get<bool>();
      }
    if (domain)
      for (const Json& x : domain->value("axes", Json::array()))
        range[x.value("name", "")] = Json::array({x.contains("min") ? x["min"] : Json(0.0), x.contains("max") ? x["max"] : Json(0.0)});
    Json pars = Json::array();
    for (const std::string& n : normfactors) {
      Json p = Json{{"name", n}};
      if (range.count(n)) p["bounds"] = Json::array({range[n]});
      if (value.count(n)) p["inits"] = Json::array({value[n]});
      if (constant.count(n)) p["fixed"] = constant[n];
      pars.push_back(std::move(p));
    }
    if (!lumi_params.empty()) {
      Json p = Json{{"name", "lumi"}};
      const Json nominal = value.count("nominalLumi") ? value["nominalLumi"] : Json(1.0);
      p["auxdata"] = Json::array({nominal});
      if (range.count("Lumi")) p["bounds"] = Json::array({range["Lumi"]});
      p["inits"] = Json::array({value.count("Lumi") ? value["Lumi"] : nominal});
      if (const Json* g = find_named(dists, constraint_of.count("Lumi") ? constraint_of["Lumi"] : "lumiConstraint"))
        p["sigmas"] = Json::array({g->contains("sigma") ? (*g)["sigma"] : Json(0.0)});
      if (constant.count("Lumi")) p["fixed"] = constant["Lumi"];
      pars.push_back(std::move(p));
    }
    // Constrained parameters: initial values away from pyhf's defaults and fixed flags.
    std::map<std::string, Json> others;
    for (const auto& [n, v] : value) {
      const auto [pname, bin] = pyhf_name(n, channel_names);
      if (n == "Lumi" || n == "nominalLumi" || normfactors.count(n) || n.rfind("nom_", 0) == 0) continue;
      const bool is_alpha = n.rfind("alpha_", 0) == 0;
      if (bin < 0 && is_alpha) {
        Json p = Json{{"name", pname}};
        if (v.is_number() && v.get<double>() != 0.0) p["inits"] = Json::array({v});
        if (constant.count(n)) p["fixed"] = constant[n];
        if (p.size() > 1) others[pname] = std::move(p);
      } else if (bin >= 0 && constant.count(n)) {
        others[pname] = Json{{"name", pname}, {"fixed", constant[n]}};
      }
    }
    for (auto& [n, p] : others) pars.push_back(std::move(p));
    std::string poi;
    if (a.contains("parameters_of_interest") && a["parameters_of_interest"].is_array() && !a["parameters_of_interest"].empty())
      poi = a["parameters_of_interest"][0].get<std::string>();
    if (poi.empty())  // a measurement without POI: fits work, hypothesis tests need one
      r.warnings.push_back(fmt::format("analysis '{}' names no parameter of interest: the measurement has none", mname));
    measurements.push_back(Json{{"name", mname}, {"config", Json{{"poi", poi}, {"parameters", std::move(pars)}}}});
  }
  r.document = Json{{"channels", std::move(channels)}, {"measurements", std::move(measurements)}, {"observations", std::move(observations)},
                    {"version", "1.0.0"}};
  if (restore && doc.contains("misc") && doc["misc"].is_object() && doc["misc"].contains("hfx_restore_record")) {
    const std::string where = source + ": /misc/hfx_restore_record";
    std::string why;
    std::optional<Json> restored = interchange::apply_restore_record(r.document, doc["misc"]["hfx_restore_record"], why);
    if (restored) r.document = std::move(*restored);
    else r.warnings.push_back(fmt::format("{}: {}", where, why));
  }
  try {
    Workspace{r.document};
  } catch (const Error& e) {
    throw InvalidSpecification(fmt::format("{}: the imported workspace is not valid: {}", source, e.what()));
  }
  return r;
}

}  // namespace hfx::hs3
