// Signal-grid scans: CLs, upper limits and significance for every point of a grid of
// signal hypotheses (a PatchSet over a background-only workspace, JSON Patch files, or
// full signal workspaces), on all cores, with results written as JSON Lines as each
// point finishes so that a killed scan resumes where it stopped.
//
// Built on the public API only (workspace, patchset, model, infer, toys). The CLI
// (`hfx scan`, `hfx scan merge`) and the Python package (`hfx.scan`, any
// concurrent.futures executor) are thin adapters over these functions.
#pragma once

#include "hfx/fit.hpp"
#include "hfx/infer.hpp"
#include "hfx/json.hpp"
#include "hfx/model.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace hfx::scan {

// One point of a grid: its name, its values keyed by the grid's labels (an empty object
// when the input has no labels), and how its workspace is made: `patch` applied to the
// grid's background, or the full signal `workspace`.
struct Point {
  std::string name;
  Json values = Json::object();
  std::shared_ptr<const JsonPatch> patch;
  std::shared_ptr<const Workspace> workspace;
};

struct Grid {
  std::vector<std::string> labels;               // the PatchSet's labels, else empty
  std::shared_ptr<const Workspace> background;   // null when points are full workspaces
  std::vector<Point> points;                     // in input order
  Json inputs = Json::object();                  // files and digests, for the results header
};

// Builds a grid from files, recognised by content:
//   BKG PATCHSET      every patch of a pyhf PatchSet, verified against BKG's digest;
//   BKG PATCH...      JSON Patch files: an operations array (named by the file's stem), or
//                     {"metadata": {"name", "values", ...}, "patch": [...]} as `hfx patchset
//                     extract --with-metadata` prints it;
//   WS...             full signal workspaces, one point each, named by the file's stem.
// With verify = false a PatchSet made for another background is applied anyway and the
// digest mismatch (naming both digests) is appended to `warnings`. Throws the loading
// errors (naming the file), PatchSetVerificationError, or InvalidSpecification for an
// unrecognised mix of files or two points with the same name.
Grid load_grid(const std::vector<std::string>& files, bool verify, std::vector<std::string>* warnings);
// The grid of a PatchSet over a background-only workspace already in memory (the same
// verification rule); the caller describes the inputs in `inputs`.
Grid grid_from_patchset(std::shared_ptr<const Workspace> background, std::shared_ptr<const PatchSet> patchset, bool verify,
                        std::vector<std::string>* warnings);

// Which points to run.
struct Selection {
  // Shell-style patterns (* ? [...]) on point names; a point is kept when it matches any
  // (all points when empty).
  std::vector<std::string> names;
  // "LABEL=V" (equal to V) or "LABEL=LO:HI" (LO <= value <= HI; either side may be empty);
  // a point is kept when it satisfies all. Unknown labels throw Unsupported.
  std::vector<std::string> values;
  // Shard I of N (0 <= I < N): the selected points whose position in the selection is I
  // modulo N -- a deterministic share for batch job arrays. N = 1: everything.
  std::size_t shard_index = 0, shard_count = 1;
};
// Indices into grid.points of the selected points before sharding (grid order), and of
// this shard's share.
struct Selected {
  std::vector<std::size_t> all, shard;
};
Selected select(const Grid& grid, const Selection& selection);

// What to compute at each point, with which model and fit options.
struct Settings {
  ModelOptions model;
  double test_poi = 1.0;
  TestStatistic test_stat = TestStatistic::qtilde;
  FitOptions fit;
  bool upper_limit = false;  // asymptotic observed and expected limits (TOMS748)
  double level = 0.05;
  double rtol = 1e-5;
  bool significance = false;  // discovery p0 and Z (q0)
  bool toys = false;          // CLs from toys (ToyCalculator) instead of asymptotics
  std::size_t ntoys = 2000;
  std::uint64_t seed = 0;

  // Every field as JSON (recorded in the results header, so that a resumed scan must use
  // the same settings), and back. from_json throws InvalidSpecification naming the key.
  Json to_json() const;
  static Settings from_json(const Json& settings);
  // Throws Unsupported for combinations no point could compute (toys with upper limits,
  // toys with the scipy optimizer).
  void check() const;
};

// Computes one point; never throws for the point's own problems (only std::bad_alloc,
// which is not one: the scan stops, and a rerun resumes it). The row:
//   {"name", "values", "status", ["message"], "CLs_obs", "CLs_exp" (-2..+2 sigma),
//    ["CLs_obs_problem"], ["upper_limit": {"obs", "exp", ["obs_problem"], ["exp_problem"]}],
//    ["significance": {"p0_obs", "Z_obs", "p0_exp", "Z_exp"}], ["toys": {...}], "time_s"}
// status: "ok"; "failed" (a fit did not converge: the message names it and no number is
// given); "error" (the patch does not apply, the model is invalid: message "Kind: text");
// "undetermined" (the observed CLs from toys does not exist: CLs_obs_problem says why).
// A limit that does not exist (above the POI's bound) is null with a *_problem key beside
// it in an "ok" row, as `hfx upper-limit` prints it. Toys run on one thread per point (`threads` overrides).
Json evaluate(const Grid& grid, const Point& point, const Settings& settings, unsigned toy_threads = 1);

// Runs `todo` (indices into grid.points) on `threads` worker threads (0 = all cores),
// handing each row to `on_row` as it finishes (called under a lock, never concurrently)
// and `progress(done, total)` likewise. Returns the rows in `todo` order; rows do not
// depend on the thread count (apart from time_s).
struct RunOptions {
  unsigned threads = 0;
  std::function<void(const Json& row)> on_row;
  std::function<void(std::size_t done, std::size_t total)> progress;
};
std::vector<Json> run(const Grid& grid, const std::vector<std::size_t>& todo, const Settings& settings,
                      const RunOptions& options);

// The results file's first line: {"hfx_scan": 1, "version", "labels", "inputs",
// "settings", "points": names of every selected point (all shards), "shard": [I, N]}.
Json results_header(const Grid& grid, const Selected& selected, const Selection& selection, const Settings& settings);

// A JSON Lines results file: the header, then one row per line appended as points finish.
// Opening an existing file resumes it: its header must equal the new one (apart from the
// version and the input files' names), complete rows are kept, and a last line cut off by
// a kill is dropped (a file that is not a scan's results is refused and left untouched).
// Rows are appended with one write() each, so a kill loses at most the rows in flight.
// Only regular files (or symbolic links to them); an exclusive flock() keeps a second
// process from writing the same file.
class ResultsFile {
 public:
  // Throws InvalidSpecification naming the file and line for a file that is not a scan's
  // results or was written with other inputs or settings, IOError when it cannot write.
  ResultsFile(std::string path, const Json& header);
  ~ResultsFile();
  ResultsFile(const ResultsFile&) = delete;
  ResultsFile& operator=(const ResultsFile&) = delete;

  // Rows found in the file when it was opened (a resumed scan's finished points).
  const std::vector<Json>& resumed() const { return resumed_; }
  // Appends one row (thread-safe). Throws IOError.
  void append(const Json& row);
  // Rewrites the file with the rows in the header's point order (atomically: a kill
  // leaves the old file or the new one), once every point of this shard is done; no
  // append() after it.
  void finish();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  Json header_;
  std::vector<Json> resumed_, appended_;
  int fd_ = -1;
  std::mutex mutex_;
};

// Reads a results file: its header and complete rows (a cut-off last line is ignored).
// Throws InvalidSpecification naming the file and line, IOError.
struct ResultsContent {
  Json header;
  std::vector<Json> rows;
};
ResultsContent read_results(const std::string& path);
// The text of a results file: the header line, then one line per row.
std::string results_text(const ResultsContent& content);

// Joins the results of the shards of one scan (`hfx scan merge`): headers must agree
// apart from the shard; rows are ordered as the header's points. Reports points missing
// from every part and points found in more than one (the first part's row is kept;
// `conflicting` lists those whose rows differ beyond time_s).
struct MergeReport {
  ResultsContent merged;
  std::vector<std::string> missing, duplicates, conflicting;
};
MergeReport merge(const std::vector<std::string>& parts);

// How many rows there are and how many have each status:
// {"points", "ok", "failed", "error", "undetermined"}.
Json summarize(const std::vector<Json>& rows);

// The row as a string for a JSON Lines file (compact, one line, "\n" at the end).
std::string row_line(const Json& row);

}  // namespace hfx::scan
