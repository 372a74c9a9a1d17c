// `hfx contour`: exclusion contours in a plane of two labels of `hfx scan` results
// (pyhf has no such command; the method is scipy's griddata(method="linear") on
// Z = Phi^-1(1 - CLs) and matplotlib's tricontour, see docs/scan.md).
#include "common.hpp"

#include "hfx/contour.hpp"
#include "hfx/errors.hpp"
#include "hfx/plots.hpp"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>

namespace hfx::cli {
namespace {

// JSON with the first `levels` container levels one item per line and everything deeper
// on one line: a point, a triangle, a polyline per line instead of a number per line.
std::string layered(const Json& v, int levels, const std::string& indent) {
  if (levels == 0 || !v.is_structured() || v.empty()) return v.dump();
  const std::string inner = indent + "    ";
  std::string out = v.is_object() ? "{\n" : "[\n";
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    out += (first ? "" : ",\n") + inner;
    if (v.is_object()) out += Json(it.key()).dump() + ": ";
    out += layered(it.value(), levels - 1, inner);
    first = false;
  }
  return out + "\n" + indent + (v.is_object() ? "}" : "]");
}

std::string contours_text(const Json& out) {
  std::string text = "{\n";
  bool first = true;
  for (auto it = out.begin(); it != out.end(); ++it) {
    const int levels = it.key() == "points" || it.key() == "not_ok" ? 1 : (it.key() == "triangles" || it.key() == "contours") ? 2 : 0;
    text += (first ? "    " : ",\n    ") + Json(it.key()).dump() + ": " + layered(it.value(), levels, "    ");
    first = false;
  }
  return text + "\n}\n";
}

}  // namespace

void add_contour(CLI::App& app) {
  struct Opts {
    std::string results, x, y, level = "0.05", output_file, plot, title;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "contour",
      "Exclusion contours from `hfx scan` results: the scanned points of one plane (two of the scan's labels) are "
      "Delaunay-triangulated, Z = Phi^-1(1 - CLs) is interpolated linearly on the triangles, and the contours are its "
      "level lines at CLs = --level: observed (CLs_obs), expected (CLs_exp median) and the expected -1/+1 sigma lines.\n"
      "Points whose status is not ok are left out (listed under not_ok), except undetermined ones that give expected "
      "CLs; a point without a curve's CLs is left out of that curve, so each curve has its own triangles. A killed "
      "scan's incomplete last line is ignored.\n"
      "Output (JSON): x, y, level, points [{name, x, y, CLs_obs, CLs_exp}], triangles {curve: [[i, j, k], ...]} "
      "(indices into points), contours {curve: [polyline, ...]} with a polyline [[x, y], ...] (closed ones repeat "
      "their first point), problems {curve: reason} for a curve that cannot be drawn, not_ok, "
      "ignored_incomplete_last_line.");
  cmd->add_option("RESULTS", o->results, "Results of hfx scan (JSON Lines; - for stdin)")->required();
  cmd->add_option("--x", o->x, "Label on the x axis (default: the header's first label, or its second if --y is the first)");
  cmd->add_option("--y", o->y, "Label on the y axis (default: the first label that is not --x)");
  cmd->add_option("--level", o->level, "CLs of the contours, between 0 and 1 (0.05 = 95% CL)")->capture_default_str();
  cmd->add_option("-o,--output-file", o->output_file, "Write the JSON result here instead of stdout");
  cmd->add_option("--plot", o->plot, "Also draw the plane to this file (points coloured by observed CLs, expected band, "
                                     "expected and observed contours): SVG, or PNG / PDF for a name ending in .png / .pdf");
  cmd->add_option("--title", o->title, "Title of the --plot picture (default: 'Exclusion contours at 95% CL')");
  cmd->callback([o] {
    const double level = number_option_between("--level", o->level, 0, 1);
    if (o->plot == "-" && (o->output_file.empty() || o->output_file == "-"))
      throw Unsupported("--plot -: the JSON goes to stdout; give -o FILE to have the picture there instead");
    const ContourPlane plane = contour_plane(read_scan_results(o->results), o->x, o->y, level);
    // Everything is computed before the first file is written: bad input writes nothing.
    const std::string text = contours_text(contour_plane_json(plane));
    if (!o->plot.empty()) {
      const std::string svg = contour_plane_svg(plane, o->title);
      std::string ext = std::filesystem::path(o->plot).extension().string();
      for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      write_text(ext == ".png" || ext == ".pdf" ? picture_for_file(svg, o->plot) : svg, o->plot);
    }
    write_text(text, o->output_file);
  });
}

}  // namespace hfx::cli
