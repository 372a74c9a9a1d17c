#pragma once
// The fit report: one self-contained HTML page (no network, scripts and pictures inlined)
// with the workspace to browse and search, every parameter's fit result (sortable,
// filterable), the pictures of include/hfx/plots.hpp, the CLs and upper limits, and the
// provenance. A workflow on the public API (src/report).
#include "hfx/fit.hpp"
#include "hfx/infer.hpp"
#include "hfx/model.hpp"
#include "hfx/workspace.hpp"

#include <span>
#include <string>
#include <utility>
#include <vector>

namespace hfx {

struct ReportOptions {
  std::string source;                // the workspace file as the user named it
  std::vector<std::string> patches;  // patch files applied, in order
  std::string command;               // the command line, for the provenance
  double level = 0.05;               // CLs level of the limits
  TestStatistic test_statistic = TestStatistic::qtilde;
  std::size_t ranking_top = 20;      // parameters in the ranking picture
  double correlation_min = 0.2;      // heat map: parameters with some |rho| >= this
  unsigned threads = 0;              // ranking refits at once (0: all cores)
  FitOptions fit;
};

struct Report {
  std::string html;                                         // the page
  std::vector<std::pair<std::string, std::string>> pictures;  // (file stem, SVG), also inlined in the page
  // Sections that could not be computed, (section, why), also shown on the page; section
  // "fit" means the fit itself did not converge.
  std::vector<std::pair<std::string, std::string>> problems;
};

// Fits `model` to `data` (observed main + auxdata) and computes every diagnostic. A part
// that cannot be computed (no POI, a fit that does not converge) is left out of the page
// with its reason shown, never a number; `workspace` is the document `model` came from.
Report make_report(const Workspace& workspace, const Model& model, std::span<const double> data,
                   const ReportOptions& options);

}  // namespace hfx
