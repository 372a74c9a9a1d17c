// The pictures and the report page: every SVG is well-formed XML with a drawing that
// matches its data, edge cases (nothing to draw, NaN values, markup in names) included.
#include "hfx/diagnostics.hpp"
#include "hfx/errors.hpp"
#include "hfx/plots.hpp"
#include "hfx/report.hpp"
#include "hfx/workspace.hpp"
#include "test_util.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pugixml.hpp>

#include <cmath>
#include <limits>
#include <set>
#include <string>

namespace hfx {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Svg {
  pugi::xml_document doc;
  std::size_t count(const char* element) const {
    return doc.select_nodes((std::string("//") + element).c_str()).size();
  }
  bool has_text(const std::string& s) const {
    for (const auto& n : doc.select_nodes("//text"))
      if (n.node().text().as_string() == s) return true;
    return false;
  }
};

// Parses `svg` and checks what every picture has: an <svg> root of positive size, a title
// and some drawing.
std::unique_ptr<Svg> parse(const std::string& svg) {
  auto out = std::make_unique<Svg>();
  const pugi::xml_parse_result r = out->doc.load_string(svg.c_str());
  EXPECT_TRUE(r) << r.description() << " at " << r.offset;
  const pugi::xml_node root = out->doc.child("svg");
  EXPECT_TRUE(root);
  EXPECT_GT(root.attribute("width").as_double(), 100);
  EXPECT_GT(root.attribute("height").as_double(), 100);
  EXPECT_GE(out->count("text"), 2u);
  EXPECT_GE(out->count("path") + out->count("rect"), 2u);
  return out;
}

struct Fitted {
  Workspace ws;
  Model model;
  std::vector<double> data;
  FitProblem problem;
  explicit Fitted(const std::string& name)
      : ws(Workspace::load(test::data_path("reference/" + name + "/workspace.json"))),
        model(compile(ws)),
        data(observed_data(ws, model)),
        problem(FitProblem::from_model(model)) {}
};

TEST(Plots, PicturesOfAFitDrawTheirData) {
  const Fitted f("3L-eRJR");
  const PullsResult p = pulls(f.model, f.data, f.problem);
  std::size_t drawn = 0;
  for (const auto& e : p.parameters) drawn += e.constrained && !e.fixed && std::isfinite(e.pull);
  auto svg = parse(pulls_svg(p, "sub"));
  EXPECT_EQ(svg->count("circle"), drawn);
  EXPECT_TRUE(svg->has_text("sub"));

  const RankingResult r = ranking(f.model, f.data, f.problem);
  svg = parse(ranking_svg(r, 10));
  EXPECT_TRUE(svg->has_text(r.impacts[0].name));
  EXPECT_TRUE(svg->has_text(r.impacts[9].name));
  EXPECT_FALSE(svg->has_text(r.impacts[10].name));
  EXPECT_TRUE(svg->has_text("Impacts on " + r.poi));
  EXPECT_GE(svg->count("rect"), 10u);  // bars

  const Correlations c = correlations(f.model, f.data, f.problem, 0.3);
  ASSERT_GE(c.names.size(), 2u);
  svg = parse(correlations_svg(c));
  EXPECT_EQ(svg->count("title"), c.names.size() * c.names.size());  // a cell each

  const std::size_t poi = *f.model.poi_index();
  const ProfileScan s = profile_scan(f.model, f.data, f.problem, poi, 0, 2, 9);
  svg = parse(profile_svg(s));
  EXPECT_EQ(svg->count("circle"), 9u);
  EXPECT_TRUE(svg->has_text("68.3% CL"));

  const BrazilBand b = brazil_band(f.model, f.data, std::vector<double>{0, 0.5, 1, 1.5, 2});
  svg = parse(brazil_svg(b, "mu_SIG"));
  EXPECT_EQ(svg->count("circle"), 5u + 1u);  // and one in the legend

  const std::vector<double> main(f.data.begin(), f.data.begin() + static_cast<std::ptrdiff_t>(f.model.nmaindata()));
  const auto pre = channel_yields(f.model, f.model.suggested_init(), main, prefit_uncertainties(f.model, f.problem));
  svg = parse(yields_svg(pre, pre));
  for (const auto& ch : f.model.channels()) EXPECT_TRUE(svg->has_text(ch + " \u2014 post-fit"));
  EXPECT_EQ(svg->count("pattern"), 1u);  // the hatching of the uncertainty
}

// Twelve samples in one channel: twelve different fills (tab10 alone would repeat two).
TEST(Plots, TwelveSamplesHaveTwelveColours) {
  ChannelYields ch;
  ch.name = "SR";
  for (int k = 0; k < 12; ++k) {
    ch.samples.push_back(fmt::format("sample{}", k));
    ch.yields.push_back({1.0 + k, 2.0});
  }
  ch.total = {78.0, 24.0};
  ch.observed = {80.0, 20.0};
  auto svg = parse(yields_svg({ch}, {}));
  std::set<std::string> fills;
  for (const auto& n : svg->doc.select_nodes("//path[title]")) fills.insert(n.node().attribute("fill").value());
  EXPECT_EQ(fills.size(), 12u);
}

TEST(Plots, TwoParameterProfileDrawsItsGridAndContours) {
  const Fitted f("sbottom-multib-regionA");
  const std::size_t poi = *f.model.poi_index();
  const std::size_t other = f.model.par_slice("mu_ttbar").first;
  const double nan = kNaN;
  const ProfileScan2D s = profile_scan_2d(f.model, f.data, f.problem, {poi, other}, {nan, nan}, {nan, nan}, {12, 10});
  auto svg = parse(profile2d_svg(s, "sub"));
  std::size_t lines = 0;
  for (const auto& c : s.contours) lines += c.lines.size();
  ASSERT_GE(lines, 2u);
  // A cell per grid point and the best fit, each with its tooltip.
  EXPECT_EQ(svg->count("title"), 12u * 10u + 1u);
  std::size_t contour_paths = 0;
  for (const auto& n : svg->doc.select_nodes("//path[@stroke-width='2.2']")) contour_paths += !n.node().attribute("d").empty();
  EXPECT_EQ(contour_paths, lines + 2u);  // and the two legend strokes
  EXPECT_TRUE(svg->has_text("68.27% CL"));
  EXPECT_TRUE(svg->has_text("95% CL"));
  EXPECT_TRUE(svg->has_text("sub"));
}

TEST(Plots, NothingToDrawNaNsAndMarkupInNames) {
  RankingResult r;
  r.poi = "mu<&>";
  auto svg = parse(ranking_svg(r));
  EXPECT_TRUE(svg->has_text("no free nuisance parameters"));
  EXPECT_TRUE(svg->has_text("Impacts on mu<&>"));
  ImpactEntry e;
  e.name = "a\"b'<c>";
  e.postfit_up = kNaN, e.postfit_down = 0.1, e.prefit_uncertainty = 0;
  r.impacts = {e};
  svg = parse(ranking_svg(r));
  EXPECT_TRUE(svg->has_text("a\"b'<c>"));

  svg = parse(correlations_svg(Correlations{}));
  EXPECT_TRUE(svg->has_text("no parameters above the threshold"));
  svg = parse(pulls_svg(PullsResult{}));
  EXPECT_TRUE(svg->has_text("no constrained free parameters"));

  ProfileScan s;
  s.parameter = "x";
  s.values = {0, 1, 2};
  s.delta_twice_nll = {1, kNaN, 0.5};
  s.intervals = {ProfileInterval{1, 0.6827, 0, 0, true, true}};
  svg = parse(profile_svg(s));
  EXPECT_EQ(svg->count("circle"), 2u);

  BrazilBand b;
  b.mu = {0, 1};
  b.cls_observed = {1, kNaN};
  b.cls_expected = {Band{1, 1, 1, 1, 1}, Band{kNaN, kNaN, kNaN, kNaN, kNaN}};
  b.limits.observed = kNaN;
  svg = parse(brazil_svg(b, "mu"));
  EXPECT_EQ(svg->count("circle"), 1u + 1u);

  svg = parse(yields_svg({}, {}));
  EXPECT_TRUE(svg->has_text("the model has no channels"));
}

TEST(Plots, RenderedAsPngAndPdf) {
  PullsResult p;
  p.parameters.push_back(PullEntry{"alpha", true, false, 0, 1, 0.5, 0.8, 0.5, 0.8});
  const std::string svg = pulls_svg(p);
  const std::string png = render_svg(svg, RasterFormat::png, 1);
  ASSERT_GT(png.size(), 24u);
  EXPECT_EQ(png.substr(0, 8), "\x89PNG\r\n\x1a\n");
  // the IHDR chunk: width and height big-endian, the SVG's size at scale 1
  const auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned>(static_cast<unsigned char>(png[at])) << 24) |
           (static_cast<unsigned>(static_cast<unsigned char>(png[at + 1])) << 16) |
           (static_cast<unsigned>(static_cast<unsigned char>(png[at + 2])) << 8) | static_cast<unsigned char>(png[at + 3]);
  };
  const auto doc = parse(svg);
  EXPECT_EQ(be32(16), static_cast<unsigned>(std::ceil(doc->doc.child("svg").attribute("width").as_double())));
  EXPECT_EQ(be32(20), static_cast<unsigned>(std::ceil(doc->doc.child("svg").attribute("height").as_double())));
  const std::string pdf = picture_for_file(svg, "x.PDF");
  EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
  EXPECT_NE(pdf.find("/Type /Page"), std::string::npos);
  EXPECT_EQ(picture_for_file(svg, "x.svg"), svg);
  EXPECT_THROW(picture_for_file(svg, "x.jpg"), Unsupported);
  EXPECT_THROW(render_svg("not an svg", RasterFormat::png), InvalidSpecification);
  EXPECT_THROW(render_svg("<svg xmlns=\"http://www.w3.org/2000/svg\"/>", RasterFormat::png), InvalidSpecification);
}

// The page's embedded data, as its script reads it.
Json page_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"hfx-data\">";
  const auto a = html.find(open) + open.size();
  const std::string json = html.substr(a, html.find("</script>", a) - a);
  EXPECT_EQ(json.find_first_of("<>&"), std::string::npos);  // nothing the HTML parser could act on
  return Json::parse(json);
}

TEST(Report, PageHasEveryPartAndItsData) {
  const Fitted f("3L-eRJR");
  ReportOptions o;
  o.source = "dir/3L.json";
  const Report r = make_report(f.ws, f.model, f.data, o);
  EXPECT_TRUE(r.problems.empty());
  ASSERT_EQ(r.pictures.size(), 6u);
  for (const auto& [id, svg] : r.pictures) {
    parse(svg);
    EXPECT_NE(r.html.find("<section id=\"" + id + "\""), std::string::npos) << id;
    EXPECT_NE(r.html.find("data-plot=\"" + id + "\"><svg"), std::string::npos) << id;
  }
  EXPECT_EQ(r.html.find("@@"), std::string::npos);
  EXPECT_NE(r.html.find(f.ws.digest()), std::string::npos);
  const Json d = page_data(r.html);
  ASSERT_EQ(d["parameters"].size(), f.model.npars());
  EXPECT_EQ(d["model"]["channels"].size(), f.model.channels().size());
  const std::size_t poi = *f.model.poi_index();
  EXPECT_TRUE(d["parameters"][poi]["poi"].get<bool>());
  EXPECT_TRUE(d["parameters"][poi]["impact"].is_null());
}

TEST(Report, WithoutAPoiThePartsThatNeedOneSayWhy) {
  Fitted f("3L-eRJR");
  const Model no_poi = f.model.with_poi("");
  ReportOptions o;
  o.source = "x.json";
  const Report r = make_report(f.ws, no_poi, f.data, o);
  ASSERT_EQ(r.pictures.size(), 3u);  // pulls, correlations, yields
  EXPECT_NE(r.html.find("Not available: the measurement has no POI"), std::string::npos);
  EXPECT_EQ(page_data(r.html)["parameters"].size(), no_poi.npars());
}

}  // namespace
}  // namespace hfx
