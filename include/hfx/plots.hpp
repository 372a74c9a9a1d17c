#pragma once
// SVG pictures of the fit diagnostics, written by hfx itself (no plotting library, so the
// CLI draws them without Python): pulls, impacts ranking, correlation heat map, profile
// scan, Brazil band and stacked yields with a data/model ratio. Each returns a complete
// SVG document; `subtitle` is a grey line under the title (e.g. the workspace's name).
#include "hfx/diagnostics.hpp"

#include <string>
#include <vector>

namespace hfx {

// The constrained free parameters' pulls (points) and constraints (error bars) on the
// +-1 and +-2 bands, in par_names() order (cabinetry's pull plot).
std::string pulls_svg(const PullsResult& pulls, const std::string& subtitle = "");

// The first `top` entries of the ranking (0: all): pre-fit impacts as outlined bars and
// post-fit impacts as filled bars on the upper axis, the pulls with their constraints as
// points on the lower axis.
std::string ranking_svg(const RankingResult& ranking, std::size_t top = 20, const std::string& subtitle = "");

// The correlation matrix as a heat map (-1 blue to +1 red), values printed in the cells
// when they are large enough to read.
std::string correlations_svg(const Correlations& correlations, const std::string& subtitle = "");

// -2 Delta log L against the parameter, the 68% and 95% CL levels and intervals.
std::string profile_svg(const ProfileScan& scan, const std::string& subtitle = "");

// A two-parameter scan: -2 Delta log L on the grid as shaded cells, the 68.27% and 95% CL
// contours and the best fit.
std::string profile2d_svg(const ProfileScan2D& scan, const std::string& subtitle = "");

// Observed CLs and the expected band against the POI, the level and the upper limits.
std::string brazil_svg(const BrazilBand& band, const std::string& poi, const std::string& subtitle = "");

// Per channel a row of panels: stacked sample yields, the observed data with Poisson
// error bars, the uncertainty band of the total (when it has stdev), and data / model
// below. `postfit` empty: pre-fit panels only; otherwise pre-fit and post-fit side by
// side (both in the same channel order).
std::string yields_svg(const std::vector<ChannelYields>& prefit, const std::vector<ChannelYields>& postfit,
                       const std::string& subtitle = "");

// A picture as PNG (`scale` pixels per SVG pixel) or PDF (its size in points, vector
// graphics), through librsvg and cairo. Throws InvalidSpecification for an SVG that
// cannot be drawn.
enum class RasterFormat { png, pdf };
std::string render_svg(const std::string& svg, RasterFormat format, double scale = 2);

// The picture in the form a file name asks for: .svg as is, .png or .pdf rendered.
// Throws Unsupported for another extension.
std::string picture_for_file(const std::string& svg, const std::string& path);

}  // namespace hfx
