// `hfx report`: every diagnostic of one fit gathered into one HTML page. The page's
// layout, style and script live in page.html (compiled in); this file computes what it
// shows and fills it in.
#include "hfx/report.hpp"

#include "hfx/diagnostics.hpp"
#include "hfx/errors.hpp"
#include "hfx/plots.hpp"
#include "hfx/version.hpp"
#include "plot/svg.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <string_view>
#include <map>
#include <optional>

namespace hfx {
namespace detail {
extern const unsigned char kReportPage[];
extern const std::size_t kReportPageSize;
}  // namespace detail

namespace {

using plot::xml_escape;

Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

std::string modifier_summary(const ModifierSpec& m) {
  return std::visit(
      [](const auto& d) -> std::string {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, modifier::NormSys>) return fmt::format("hi {:.4g}, lo {:.4g}", d.hi, d.lo);
        else if constexpr (std::is_same_v<T, modifier::HistoSys>) return fmt::format("{} bins up/down", d.hi_data.size());
        else if constexpr (std::is_same_v<T, modifier::ShapeSys> || std::is_same_v<T, modifier::StatError>)
          return fmt::format("{} bins", d.data.size());
        else return "";
      },
      m.data);
}

// A card of the summary: a label, a value, a detail line.
std::string card(const std::string& key, const std::string& value, const std::string& detail = "", bool bad = false) {
  return fmt::format("<div class=\"card\"><div class=\"k\">{}</div><div class=\"v{}\">{}</div>{}</div>", xml_escape(key),
                     bad ? " bad" : "", xml_escape(value),
                     detail.empty() ? "" : fmt::format("<div class=\"d\">{}</div>", xml_escape(detail)));
}

// The page template with each @@KEY@@ replaced by values.at(KEY); only the template's own
// text is searched, so no inserted value is ever taken for a key.
std::string fill(std::string_view page, const std::map<std::string, std::string>& values) {
  std::string out;
  for (std::size_t at = 0;;) {
    const std::size_t open = page.find("@@", at);
    if (open == std::string_view::npos) return out.append(page.substr(at));
    const std::size_t close = page.find("@@", open + 2);
    const std::string key(page.substr(open + 2, close - open - 2));
    if (close == std::string_view::npos || !values.count(key)) throw Error("report page template: unknown key at byte " + std::to_string(open));
    out.append(page.substr(at, open - at)).append(values.at(key));
    at = close + 2;
  }
}

// JSON inside <script>: no '<', '>' or '&' may reach the HTML parser ("</script>" would
// end the element and "<!--<script>" would keep it open), so they are written as JSON's
// \u escapes, which JSON.parse reads back.
std::string script_safe(const std::string& json) {
  std::string out;
  for (const char c : json) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

}  // namespace

Report make_report(const Workspace& workspace, const Model& model, std::span<const double> data,
                   const ReportOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  Report report;
  const FitProblem problem = FitProblem::from_model(model);
  const std::optional<std::size_t> poi = model.poi_index();
  const std::string poi_name = poi ? model.par_names()[*poi] : std::string();
  const std::string label = [&] {
    std::string l = std::filesystem::path(options.source).filename().string();
    for (const auto& p : options.patches) l += " + " + std::filesystem::path(p).filename().string();
    return l;
  }();
  std::map<std::string, std::string> problems;
  // Runs one section; an hfx error leaves it out with its reason.
  const auto attempt = [&](const std::string& section, const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      problems[section] = e.what();
      report.problems.emplace_back(section, e.what());
    }
  };

  std::optional<PullsResult> pulls_result;
  std::optional<RankingResult> ranking_result;
  std::optional<Correlations> correlation_result;
  std::optional<ProfileScan> profile_result;
  std::optional<BrazilBand> brazil_result;
  std::optional<HypotestResult> at_one;
  attempt("fit", [&] { pulls_result = pulls(model, data, problem, options.fit); });
  if (pulls_result) {
    if (poi) {
      attempt("ranking", [&] { ranking_result = ranking(model, data, problem, options.fit, options.threads); });
      attempt("profile", [&] {
        const double nan = std::numeric_limits<double>::quiet_NaN();
        profile_result = profile_scan(model, data, problem, *poi, nan, nan, 31, options.fit);
      });
      attempt("cls", [&] {
        BrazilBand b = brazil_band(model, data, {}, options.level, options.test_statistic, options.fit);
        if (!b.limits.fit_problems.empty())
          throw FailedMinimization("fits behind the upper limits did not converge: " + b.limits.fit_problems.front());
        brazil_result = std::move(b);
        const auto [lo, hi] = model.suggested_bounds()[*poi];
        if (lo <= 1 && 1 <= hi) {
          HypotestResult h = hypotest(1.0, model, data, options.test_statistic, &problem, options.fit);
          if (h.all_converged()) at_one = std::move(h);
        }
      });
    } else {
      for (const char* s : {"ranking", "profile", "cls"}) problems[s] = "the measurement has no POI";
    }
    attempt("correlations", [&] { correlation_result = correlations(model, data, problem, options.correlation_min, options.fit); });
  }
  PrefitPostfitYields yields;
  attempt("yields", [&] { yields = prefit_postfit_yields(model, data, problem, pulls_result.has_value(), options.fit); });
  if (yields.prefit.empty()) yields = prefit_postfit_yields(model, data, problem, false);  // needs no fit
  const std::vector<ChannelYields>& prefit = yields.prefit;
  const std::vector<ChannelYields>& postfit = yields.postfit;

  // Pictures, in page order.
  struct Section {
    std::string id, heading, picture, note;
  };
  std::vector<Section> sections;
  const auto add = [&](const std::string& id, const std::string& heading, std::string svg, const std::string& note) {
    if (!svg.empty()) report.pictures.emplace_back(id, svg);
    sections.push_back({id, heading, std::move(svg), note});
  };
  std::string on_bound;  // a POI fitted onto a bound stays there when a parameter is fixed
  if (ranking_result) {
    const double best = ranking_result->nominal.x[*poi];
    for (const double b : {problem.bounds[*poi].first, problem.bounds[*poi].second})
      if (best == b)
        on_bound = fmt::format(" {}'s best fit is on its bound {}, which most refits do not leave, so most impacts are 0.",
                               poi_name, b);
  }
  add("ranking", "Impacts", ranking_result ? ranking_svg(*ranking_result, options.ranking_top, label) : "",
      fmt::format("{} post-fit impacts on {} (every parameter's impact is in the parameter table).{}",
                  options.ranking_top == 0 ? std::string("All") : fmt::format("The {} largest", options.ranking_top), poi_name,
                  on_bound));
  add("correlations", "Correlations", correlation_result ? correlations_svg(*correlation_result, label) : "",
      fmt::format("Parameters with a post-fit |correlation| of at least {} with another one.", options.correlation_min));
  add("profile", "Profile likelihood", profile_result ? profile_svg(*profile_result, label) : "",
      "Each point is a fit with the parameter fixed; the interval ends are found by root finding on the profile.");
  add("cls", "CLs and upper limits", brazil_result ? brazil_svg(*brazil_result, poi_name, label) : "",
      fmt::format("Asymptotic CLs ({}), observed and expected.", to_string(options.test_statistic)));
  add("pulls", "Pulls", pulls_result ? pulls_svg(*pulls_result, label) : "",
      "Constrained free parameters: (best fit \u2212 init) / pre-fit width, with the post-fit / pre-fit width as the error bar.");
  add("yields", "Yields", yields_svg(prefit, postfit, label),
      "Pre-fit with the pre-fit widths (uncorrelated); post-fit with the fit's uncertainties and correlations.");

  // Summary cards.
  std::string summary = "<div class=\"cards\">";
  if (pulls_result) {
    const FitResult& f = pulls_result->fit;
    if (poi)
      summary += card(poi_name, fmt::format("{:.4g} \u00b1 {:.3g}", f.x[*poi], f.uncertainties[*poi]), "best fit (POI)");
    summary += card("Fit", std::string(to_string(f.status)), fmt::format("\u22122 ln L = {:.8g}", f.twice_nll()));
  } else {
    summary += card("Fit", "did not converge", problems["fit"], true);
  }
  if (at_one)
    summary += card("CLs at " + poi_name + " = 1", fmt::format("{:.4g}", at_one->cls),
                    fmt::format("expected {:.4g} [{:.3g}, {:.3g}]", at_one->cls_expected[2], at_one->cls_expected[1],
                                at_one->cls_expected[3]));
  if (brazil_result) {
    const UpperLimitResult& ul = brazil_result->limits;
    const auto shown = [&](double v) { return ul.problem(v, options.level).empty() ? fmt::format("{:.4g}", v) : std::string("none"); };
    summary += card(fmt::format("Upper limit {:.4g}% CL", 100 * (1 - options.level)), shown(ul.observed),
                    fmt::format("expected {} [{}, {}]", shown(ul.expected[2]), shown(ul.expected[1]), shown(ul.expected[3])));
  }
  std::size_t nbins = 0;
  for (auto b : model.channel_nbins()) nbins += b;
  summary += card("Model", fmt::format("{} parameters", model.npars()),
                  fmt::format("{} channels, {} bins, {} samples", model.channels().size(), nbins, model.samples().size()));
  summary += "</div>";
  for (const auto& [section, why] : problems)
    summary += fmt::format("<div class=\"problem\"><b>{}</b>: {}</div>", xml_escape(section), xml_escape(why));

  std::string nav, html_sections;
  for (const auto& s : sections) {
    nav += fmt::format("<a href=\"#{}\">{}</a>", s.id, xml_escape(s.heading));
    const bool wide = s.id == "pulls" || s.id == "yields";  // long pictures get the whole width
    html_sections += fmt::format("<section id=\"{}\"{}><h2>{}</h2>", s.id, wide ? " class=\"wide\"" : "", xml_escape(s.heading));
    if (s.picture.empty()) {
      const auto it = problems.find(s.id == "pulls" ? "fit" : s.id);
      html_sections += fmt::format("<div class=\"problem\">Not available: {}</div>",
                                   xml_escape(it != problems.end() ? it->second : problems.count("fit") ? problems["fit"] : "not computed"));
    } else {
      const auto at = s.picture.find("<svg");  // inline without the XML declaration
      html_sections += fmt::format("<div class=\"plot\" data-plot=\"{}\">{}</div>", s.id, s.picture.substr(at));
    }
    html_sections += fmt::format("<p class=\"note\">{} The picture is also written beside the page as {}.svg.</p></section>\n",
                                 xml_escape(s.note), s.id);
  }

  // The data the page's script shows: parameters and the workspace's structure.
  std::map<std::string, double> impact;
  if (ranking_result)
    for (const auto& e : ranking_result->impacts) impact[e.name] = e.max_postfit_impact();
  Json pars = Json::array();
  for (const auto& set : model.parameter_sets())
    for (std::size_t j = 0; j < set.size; ++j) {
      const std::size_t k = set.offset + j;
      const std::string& name = model.par_names()[k];
      Json row{{"name", name},
               {"type", std::string(to_string(set.type))},
               {"constraint", set.constraint == ConstraintType::normal    ? "normal"
                              : set.constraint == ConstraintType::poisson ? "poisson"
                                                                          : "none"},
               {"init", number(problem.init[k])},
               {"lo", number(problem.bounds[k].first)},
               {"hi", number(problem.bounds[k].second)},
               {"fixed", static_cast<bool>(problem.fixed[k])},
               {"poi", poi && *poi == k}};
      if (pulls_result) {
        const PullEntry& p = pulls_result->parameters[k];
        row["bestfit"] = number(p.bestfit);
        row["uncertainty"] = number(p.uncertainty);
        row["pull"] = number(p.pull);
        row["constraint_ratio"] = number(p.constraint);
      }
      const auto it = impact.find(name);
      row["impact"] = it == impact.end() ? Json(nullptr) : number(it->second);
      pars.push_back(std::move(row));
    }
  Json channels = Json::array();
  for (std::size_t c = 0; c < model.channels().size(); ++c) {
    const ChannelSpec* spec = workspace.find_channel(model.channels()[c]);
    Json samples = Json::array();
    if (spec)
      for (const auto& s : spec->samples) {
        Json mods = Json::array();
        for (const auto& m : s.modifiers)
          mods.push_back(Json{{"name", m.name}, {"type", std::string(to_string(m.type()))}, {"summary", modifier_summary(m)}});
        double total = 0;
        for (double v : s.data) total += v;
        samples.push_back(Json{{"name", s.name}, {"total", total}, {"modifiers", std::move(mods)}});
      }
    double observed = 0;
    for (double v : prefit[c].observed) observed += v;
    channels.push_back(Json{{"name", model.channels()[c]},
                            {"bins", model.channel_nbins()[c]},
                            {"observed_sum", observed},
                            {"prefit_sum", number(prefit[c].sum)},
                            {"postfit_sum", postfit.empty() ? Json(nullptr) : number(postfit[c].sum)},
                            {"samples", std::move(samples)}});
  }
  const Json page_data{{"parameters", std::move(pars)},
                       {"model", Json{{"measurement", model.measurement_name()}, {"poi", poi_name}, {"channels", std::move(channels)}}}};

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string provenance = "<dl class=\"prov\">";
  const auto prov = [&](const std::string& k, const std::string& v) {
    provenance += fmt::format("<dt>{}</dt><dd>{}</dd>", xml_escape(k), xml_escape(v));
  };
  prov("workspace", options.source);
  for (const auto& p : options.patches) prov("patch", p);
  prov("digest (sha256)", workspace.digest());
  prov("measurement", model.measurement_name());
  prov("hfx version", kVersion);
  prov("command", options.command);
  prov("options", fmt::format("CLs level {}, test statistic {}, ranking top {}, correlation threshold {}", options.level,
                              to_string(options.test_statistic), options.ranking_top, options.correlation_min));
  prov("created", fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()))));
  prov("computed in", fmt::format("{:.2f} s", seconds));
  provenance += "</dl>";

  const std::string title = "hfx report \u2014 " + label;
  report.html = fill(std::string_view(reinterpret_cast<const char*>(detail::kReportPage), detail::kReportPageSize),
                     {{"TITLE", xml_escape(title)},
                      {"SUBTITLE", xml_escape(fmt::format("measurement {} \u00b7 POI {} \u00b7 hfx {}", model.measurement_name(),
                                                          poi ? poi_name : std::string("none"), kVersion))},
                      {"NAV", nav},
                      {"SUMMARY", summary},
                      {"SECTIONS", html_sections},
                      {"PROVENANCE", provenance},
                      {"DATA", script_safe(page_data.dump(-1, ' ', false, Json::error_handler_t::replace))}});
  return report;
}

}  // namespace hfx
