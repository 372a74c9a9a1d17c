// `hfx scan`: CLs, upper limits and significance over a whole signal grid, and
// `hfx scan merge` to join the shards of a batch job. Adapter over include/hfx/scan.hpp.
#include "common.hpp"
#include "model_input.hpp"

#include "hfx/errors.hpp"
#include "hfx/file_io.hpp"
#include "hfx/scan.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>
#include <unistd.h>

namespace hfx::cli {

namespace {

std::pair<std::size_t, std::size_t> parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  if (slash == std::string::npos) throw Unsupported(fmt::format("--shard '{}': expected I/N, e.g. 0/4", text));
  const std::size_t n = integer_option("--shard N", text.substr(slash + 1), 1, 1000000);
  const std::size_t i = integer_option("--shard I", text.substr(0, slash), 0, n - 1);
  return {i, n};
}

void add_merge(CLI::App* scan) {
  struct Opts {
    std::string output;
    std::vector<std::string> parts;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = scan->add_subcommand(
      "merge", "Join the results of the shards of one scan (--shard I/N) into OUTPUT, rows in the grid's order.\n"
               "Prints a report: points missing from every part, points found in several parts (the first kept), and\n"
               "those whose rows differ. Exits with 1 when points are missing (OUTPUT is written with the rest).");
  cmd->add_option("output", o->output, "Merged results file (JSON Lines; '-' for stdout, then the report goes to stderr)")
      ->required();
  cmd->add_option("parts", o->parts, "Results files of the shards")->required();
  cmd->callback([o] {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (o->output != "-") {
      // OUTPUT forgotten would make the first part the output: never overwrite a part,
      // nor a file that is not a merged results file.
      for (const auto& part : o->parts)
        if (fs::equivalent(o->output, part, ec))
          throw Unsupported(fmt::format("scan merge: OUTPUT {} is also one of the parts; name a new file first", o->output));
      if (fs::exists(o->output, ec) && fs::file_size(o->output, ec) > 0) {
        scan::ResultsContent previous;
        try {
          previous = scan::read_results(o->output);
        } catch (const Error&) {
          throw Unsupported(fmt::format("scan merge: {} exists and is not hfx scan results; refusing to overwrite it", o->output));
        }
        if (!previous.header.value("shard", Json()).is_null())
          throw Unsupported(fmt::format("scan merge: {} holds one shard's results; refusing to overwrite it", o->output));
      }
    }
    const scan::MergeReport r = scan::merge(o->parts);
    const std::string text = scan::results_text(r.merged);
    if (o->output == "-") write_text(text, "");
    else write_file(o->output, text);
    Json report = {{"output", o->output}, {"parts", o->parts.size()}, {"summary", scan::summarize(r.merged.rows)},
                   {"missing", r.missing}, {"duplicates", r.duplicates}, {"conflicting", r.conflicting}};
    if (o->output == "-") std::cerr << report.dump() << "\n";
    else write_json(report, "");
    if (!r.missing.empty())
      throw Undetermined(fmt::format("{} of {} points are missing from the parts, first: {}", r.missing.size(),
                                     r.merged.header.at("points").size(), r.missing.front()));
  });
}

}  // namespace

void add_scan(CLI::App& app) {
  struct Opts {
    std::vector<std::string> files, names, values;
    std::string output_file, test_poi = "1.0", level = "0.05", rtol = "1e-5", teststat = "qtilde",
                             calctype = "asymptotics", ntoys = "2000", seed = "0", threads = "0", shard = "0/1";
    bool upper_limit = false, significance = false, no_verify = false, quiet = false;
    ModelInput in;
    OptimizerChoice optimizer;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand(
      "scan",
      "CLs (and upper limits, significance) for every point of a signal grid, on all cores.\n"
      "Inputs: BKG.json PATCHSET.json (a pyhf PatchSet, verified against BKG), BKG.json PATCH.json... (JSON Patch\n"
      "files), or WS.json... (full signal workspaces). Writes one JSON line per point as it finishes (after a header\n"
      "line); rerun with the same -o to resume a killed scan. A point whose fit fails is a row with its status and\n"
      "message. With -o, prints a summary at the end and rewrites the file in grid order.\n"
      "Exit status: 0 when the scan ran (rows say how each point went), 1 when no point gave a result, 2 bad input.");
  // Not ->required(): CLI11 would take "merge" for a file while required positionals are unfilled.
  cmd->add_option("files", o->files, "Input files (see above)");
  cmd->add_option("-o,--output-file", o->output_file,
                  "Results file (JSON Lines); an existing one from the same scan is resumed. Default: stdout");
  cmd->add_option("--name", o->names, "Only points whose name matches this pattern (* ? [..]; repeatable: any)");
  cmd->add_option("--values", o->values, "Only points with LABEL=V or LABEL=LO:HI (repeatable: all must hold)");
  cmd->add_flag("--no-verify", o->no_verify,
                "Apply a PatchSet's patches even if its digest does not match BKG (with a warning naming both)");
  cmd->add_option("--test-poi,--testpoi", o->test_poi, "POI value to test")->capture_default_str();
  cmd->add_flag("--upper-limit", o->upper_limit, "Also the observed and expected upper limits (asymptotic, TOMS748)");
  cmd->add_option("--level", o->level, "CLs level of the limits, between 0 and 1")->capture_default_str();
  cmd->add_option("--rtol", o->rtol, "Relative tolerance of the limits")->capture_default_str();
  cmd->add_flag("--significance", o->significance, "Also the discovery significance (q0): p0 and Z, observed and expected");
  cmd->add_option("--test-stat,--teststat", o->teststat, "Test statistic")
      ->check(CLI::IsMember({"q", "qtilde"}))->capture_default_str();
  cmd->add_option("--calctype", o->calctype, "Calculator: asymptotics, or toybased (CLs only)")
      ->check(CLI::IsMember({"asymptotics", "toybased"}))->capture_default_str();
  cmd->add_option("--ntoys", o->ntoys, "toybased: toys per hypothesis, 1 to 100000000")->capture_default_str();
  cmd->add_option("--seed", o->seed, "toybased: random seed of every point (as `hfx cls --seed`)")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Points computed at once, 0 (all cores) to 1024; results do not depend on it")
      ->capture_default_str();
  cmd->add_option("--shard", o->shard,
                  "Run share I of N (0 <= I < N) of the selected points, for batch job arrays; join with `hfx scan merge`")
      ->capture_default_str();
  cmd->add_flag("-q,--quiet", o->quiet, "No progress bar (there is none when stderr is not a terminal)");
  o->in.add_model_options(cmd);
  add_optimizer_option(cmd, o->optimizer);
  add_merge(cmd);
  cmd->callback([o, cmd] {
    if (cmd->got_subcommand("merge")) return;
    if (o->files.empty()) throw CLI::RequiredError("files");
    const auto t0 = std::chrono::steady_clock::now();
    scan::Settings s;
    s.model = o->in.model_options();
    s.test_poi = number_option("--test-poi", o->test_poi);
    s.test_stat = test_statistic_from_string(o->teststat);
    s.fit = fit_options_for(o->optimizer);
    s.upper_limit = o->upper_limit;
    s.level = number_option_between("--level", o->level, 0, 1);
    s.rtol = number_option_between("--rtol", o->rtol, 0, 1);
    s.significance = o->significance;
    s.toys = o->calctype == "toybased";
    s.ntoys = integer_option("--ntoys", o->ntoys, 1, 100000000);
    s.seed = integer_option("--seed", o->seed, 0, UINT64_MAX);
    s.check();
    scan::RunOptions run;
    run.threads = static_cast<unsigned>(integer_option("--threads", o->threads, 0, 1024));
    scan::Selection selection;
    selection.names = o->names;
    selection.values = o->values;
    std::tie(selection.shard_index, selection.shard_count) = parse_shard(o->shard);

    std::vector<std::string> warnings;
    const scan::Grid grid = [&] {
      try {
        return scan::load_grid(o->files, !o->no_verify, &warnings);
      } catch (const PatchSetVerificationError& e) {
        throw PatchSetVerificationError(std::string(e.what()) + "; --no-verify applies its patches anyway");
      }
    }();
    for (const auto& w : warnings) std::cerr << "hfx: warning: " << Error::one_line(w) << "\n";
    const scan::Selected selected = scan::select(grid, selection);
    const Json header = scan::results_header(grid, selected, selection, s);

    std::unique_ptr<scan::ResultsFile> file;
    std::vector<std::size_t> todo = selected.shard;
    std::vector<Json> rows;
    if (!o->output_file.empty() && o->output_file != "-") {
      file = std::make_unique<scan::ResultsFile>(o->output_file, header);
      std::set<std::string> done;
      for (const auto& r : file->resumed()) done.insert(r.at("name").get<std::string>());
      if (!done.empty()) {
        std::erase_if(todo, [&](std::size_t i) { return done.count(grid.points[i].name) > 0; });
        std::fprintf(stderr, "hfx: resuming %s: %zu of %zu points already done\n", o->output_file.c_str(),
                     selected.shard.size() - todo.size(), selected.shard.size());
      }
      rows = file->resumed();
      run.on_row = [&file](const Json& row) { file->append(row); };
    } else {
      write_text(scan::row_line(header), "");
      run.on_row = [](const Json& row) { write_text(scan::row_line(row), ""); };
    }
    // No bar when rows go to the same terminal: its redraws would cut through them.
    const bool rows_on_terminal = !file && isatty(fileno(stdout));
    if (!o->quiet && isatty(fileno(stderr)) && !rows_on_terminal && !todo.empty()) run.progress = ProgressBar("scan");
    std::vector<Json> computed = scan::run(grid, todo, s, run);
    rows.insert(rows.end(), std::make_move_iterator(computed.begin()), std::make_move_iterator(computed.end()));
    Json summary = scan::summarize(rows);
    summary["computed"] = computed.size();
    summary["resumed"] = rows.size() - computed.size();
    summary["selected"] = selected.all.size();
    summary["wall_time_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (file) {
      file->finish();
      summary["output"] = o->output_file;
      write_json(summary, "");
    } else {
      std::cerr << "hfx: scan summary: " << summary.dump() << "\n";
    }
    if (summary["ok"] == 0 && summary["undetermined"] == 0)
      throw Undetermined(fmt::format("no point gave a result ({} failed, {} errors); the rows' messages say why",
                                     summary["failed"].get<std::size_t>(), summary["error"].get<std::size_t>()));
  });
}

}  // namespace hfx::cli
