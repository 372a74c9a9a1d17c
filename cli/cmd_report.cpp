// `hfx report WS -o DIR`: the fit report page (DIR/index.html, self-contained) and its
// pictures as SVG files beside it.
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/file_io.hpp"
#include "hfx/report.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

namespace hfx::cli {

void add_report(CLI::App& app, const std::string& command_line) {
  struct Opts {
    ModelInput in;
    std::string output_dir, level = "0.05", teststat = "qtilde", top = "20", min = "0.2", threads = "0";
    OptimizerChoice optimizer;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "report",
      "Fit the workspace and write one self-contained HTML page, DIR/index.html (no network needed): the summary "
      "(POI, fit status, CLs at POI = 1, upper limits), every parameter's fit result in a sortable, filterable "
      "table, the workspace's channels, samples and modifiers to browse and search, the pulls, impacts, "
      "correlation, profile, CLs and yields pictures, and the provenance (input digest, hfx version, options). "
      "The pictures are also written as DIR/NAME.svg. A part that cannot be computed is shown with its reason; when "
      "the fit itself does not converge the page is still written and the exit status is 1.");
  o->in.add_to(cmd);
  cmd->add_option("-o,--output-dir", o->output_dir, "Directory for index.html and the SVG pictures (created if needed)")
      ->required();
  cmd->add_option("--level", o->level, "CLs level of the upper limits, between 0 and 1")->capture_default_str();
  cmd->add_option("--test-stat,--teststat", o->teststat, "Test statistic")
      ->check(CLI::IsMember({"q", "qtilde"}))
      ->capture_default_str();
  cmd->add_option("--top", o->top, "Parameters in the impacts picture, 1 to 1000")->capture_default_str();
  cmd->add_option("--min", o->min, "Correlation heat map: parameters with some |correlation| >= this, 0 to 1")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "Ranking refits at once, 0 (all cores) to 1024")->capture_default_str();
  add_optimizer_option(cmd, o->optimizer);
  cmd->callback([o, command_line] {
    ReportOptions ro;
    ro.level = number_option_between("--level", o->level, 0, 1);
    ro.test_statistic = test_statistic_from_string(o->teststat);
    ro.ranking_top = static_cast<std::size_t>(integer_option("--top", o->top, 1, 1000));
    ro.correlation_min = number_option("--min", o->min);
    if (!(ro.correlation_min >= 0 && ro.correlation_min <= 1))
      throw Unsupported(fmt::format("--min '{}': expected a number from 0 to 1", o->min));
    ro.threads = static_cast<unsigned>(integer_option("--threads", o->threads, 0, 1024));
    ro.fit = fit_options_for(o->optimizer);
    ro.source = o->in.workspace == "-" ? "<stdin>" : o->in.workspace;
    ro.patches = o->in.patches;
    ro.command = command_line;
    const std::filesystem::path dir(o->output_dir);
    std::error_code ec;
    if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec))
      throw IOError(fmt::format("{}: not a directory", o->output_dir));
    naming_workspace(o->in, [&] {
      LoadedModel lm = load_model(o->in);
      const Report r = make_report(*lm.workspace, *lm.model, lm.data, ro);
      std::filesystem::create_directories(dir, ec);
      if (ec) throw IOError(fmt::format("{}: cannot create the directory: {}", o->output_dir, ec.message()));
      for (const auto& [stem, svg] : r.pictures) write_file((dir / (stem + ".svg")).string(), svg);
      write_file((dir / "index.html").string(), r.html);
      for (const auto& [section, why] : r.problems)
        if (section != "fit") fmt::print(stderr, "hfx: warning: report: {}: {}\n", section, why);
      fmt::print(stderr, "hfx: report written to {}\n", (dir / "index.html").string());
      // The page shows a fit that did not converge as such; the exit status says it too.
      for (const auto& [section, why] : r.problems)
        if (section == "fit") throw FailedMinimization(why + " (the report shows the workspace without results)");
    });
  });
}

}  // namespace hfx::cli
