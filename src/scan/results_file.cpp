// The results of a scan as JSON Lines: written as points finish, resumed after a kill,
// merged from the shards of a batch job.
#include "hfx/errors.hpp"
#include "hfx/file_io.hpp"
#include "hfx/scan.hpp"
#include "hfx/version.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace hfx::scan {

std::string row_line(const Json& row) { return row.dump() + "\n"; }

Json results_header(const Grid& grid, const Selected& selected, const Selection& selection, const Settings& settings) {
  Json points = Json::array();
  for (std::size_t i : selected.all) points.push_back(grid.points[i].name);
  Json h = Json::object();
  h["hfx_scan"] = 1;
  h["version"] = kVersion;
  h["labels"] = grid.labels;
  h["inputs"] = grid.inputs;
  h["settings"] = settings.to_json();
  h["points"] = std::move(points);
  h["shard"] = selection.shard_count > 1 ? Json::array({selection.shard_index, selection.shard_count}) : Json(nullptr);
  return h;
}

namespace {

// The part of a header two runs must share to write the same file: everything but the
// hfx version and the input files' names (the same inputs may be named differently).
Json identity(const Json& header, bool with_shard) {
  Json id = header;
  id.erase("version");
  if (!with_shard) id.erase("shard");
  if (id.contains("inputs") && id["inputs"].is_array())
    for (auto& in : id["inputs"])
      if (in.is_object()) in.erase("file");
  return id;
}

std::string describe_difference(const Json& a, const Json& b) {
  for (auto it = a.begin(); it != a.end(); ++it)
    if (!b.contains(it.key()) || b.at(it.key()) != it.value()) return it.key();
  for (auto it = b.begin(); it != b.end(); ++it)
    if (!a.contains(it.key())) return it.key();
  return "?";
}

// Complete lines of `text` (a last line without "\n" is a kill's cut-off write); the
// header, and rows that must be objects naming one of the header's points.
ResultsContent parse_results(const std::string& text, const std::string& path, std::size_t* complete_bytes) {
  ResultsContent out;
  std::size_t pos = 0, line_no = 0;
  std::set<std::string> names;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) break;
    ++line_no;
    const std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    Json j;
    try {
      j = Json::parse(line);
    } catch (const std::exception&) {
      throw InvalidSpecification(fmt::format("{}:{}: not a JSON line of scan results", path, line_no));
    }
    if (line_no == 1) {
      if (!j.is_object() || !j.contains("hfx_scan") || !j.contains("points") || !j["points"].is_array())
        throw InvalidSpecification(fmt::format("{}:1: not the header of hfx scan results (no \"hfx_scan\" and \"points\")", path));
      out.header = std::move(j);
      for (const auto& n : out.header["points"]) {
        if (!n.is_string()) throw InvalidSpecification(fmt::format("{}:1: /points: expected point names (strings)", path));
        names.insert(n.get<std::string>());
      }
      continue;
    }
    if (!j.is_object() || !j.contains("name") || !j["name"].is_string() || !j.contains("status"))
      throw InvalidSpecification(fmt::format("{}:{}: expected a result row with \"name\" and \"status\"", path, line_no));
    if (!names.count(j["name"].get<std::string>()))
      throw InvalidSpecification(
          fmt::format("{}:{}: a row for '{}', which is not a point of this scan", path, line_no, j["name"].get<std::string>()));
    out.rows.push_back(std::move(j));
  }
  if (line_no == 0) throw InvalidSpecification(fmt::format("{}: empty, not hfx scan results", path));
  if (complete_bytes) *complete_bytes = pos;
  return out;
}

// Rows in the header's point order, one per point (the first where a point has several).
std::vector<Json> in_point_order(const Json& header, std::vector<Json> rows) {
  std::map<std::string, std::size_t> order;
  std::size_t k = 0;
  for (const auto& n : header.at("points")) order.emplace(n.get<std::string>(), k++);
  std::vector<std::pair<std::size_t, Json>> keyed;
  std::set<std::string> seen;
  for (auto& r : rows) {
    const std::string name = r.at("name").get<std::string>();
    if (!seen.insert(name).second) continue;
    keyed.emplace_back(order.at(name), std::move(r));
  }
  std::stable_sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Json> out;
  for (auto& [_, r] : keyed) out.push_back(std::move(r));
  return out;
}

}  // namespace

std::string results_text(const ResultsContent& content) {
  std::string text = row_line(content.header);
  for (const auto& r : content.rows) text += row_line(r);
  return text;
}

ResultsContent read_results(const std::string& path) { return parse_results(read_file(path), path, nullptr); }

ResultsFile::ResultsFile(std::string path, const Json& header) : path_(std::move(path)), header_(header) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(path_, ec);
  if (fs::exists(status) && !fs::is_regular_file(status))
    throw IOError(fmt::format("{}: not a regular file; scan results go to a file they can be resumed from "
                              "(without -o they go to stdout)",
                              path_));
  fd_ = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0) throw IOError(fmt::format("{}: cannot open for writing: {}", path_, std::strerror(errno)));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0)
    throw IOError(fmt::format("{}: another process is writing it (a scan with the same -o still running?)", path_));
  const std::string text = read_file(path_);
  const std::string header_line = row_line(header_);
  std::size_t keep = 0;
  if (text.find('\n') == std::string::npos) {
    // No complete line: a new file, or a header cut off by a kill (then it starts anew).
    if (header_line.compare(0, text.size(), text) != 0)
      throw InvalidSpecification(fmt::format("{}: not hfx scan results (no complete line); use another output file", path_));
  } else {
    ResultsContent old = parse_results(text, path_, &keep);
    const Json a = identity(old.header, true), b = identity(header_, true);
    if (a != b)
      throw InvalidSpecification(fmt::format(
          "{}: holds results of another scan (its header's \"{}\" differs from this run's); use another output file, "
          "or remove it to start anew",
          path_, describe_difference(a, b)));
    resumed_ = std::move(old.rows);
  }
  // A row a kill cut short is dropped, so that the next one starts on its own line.
  if (keep != text.size() && ::ftruncate(fd_, static_cast<off_t>(keep)) != 0)
    throw IOError(fmt::format("{}: cannot truncate the cut-off last line: {}", path_, std::strerror(errno)));
  if (keep == 0 && !write_all(fd_, header_line))
    throw IOError(fmt::format("{}: write error: {}", path_, std::strerror(errno)));
}

ResultsFile::~ResultsFile() {
  if (fd_ >= 0) ::close(fd_);
}

void ResultsFile::append(const Json& row) {
  const std::string line = row_line(row);
  const std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ < 0) throw std::logic_error("ResultsFile::append after finish()");
  // One write() per row with O_APPEND: a kill leaves whole rows and at most one cut-off.
  if (!write_all(fd_, line)) throw IOError(fmt::format("{}: write error: {}", path_, std::strerror(errno)));
  appended_.push_back(row);
}

void ResultsFile::finish() {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::vector<Json> rows = resumed_;
  rows.insert(rows.end(), appended_.begin(), appended_.end());
  write_file(path_, results_text({header_, in_point_order(header_, std::move(rows))}));
  ::close(fd_);
  fd_ = -1;
}

MergeReport merge(const std::vector<std::string>& parts) {
  if (parts.empty()) throw Unsupported("scan merge: no parts given");
  MergeReport report;
  std::map<std::string, Json> by_name;
  std::vector<Json> rows;
  Json first_id;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    ResultsContent part = read_results(parts[p]);
    const Json id = identity(part.header, false);
    if (p == 0) {
      report.merged.header = part.header;
      report.merged.header["shard"] = nullptr;
      first_id = id;
    } else if (id != first_id) {
      throw InvalidSpecification(fmt::format("{}: results of another scan than {} (the headers' \"{}\" differ)", parts[p],
                                             parts[0], describe_difference(first_id, id)));
    }
    for (auto& r : part.rows) {
      const std::string name = r.at("name").get<std::string>();
      auto it = by_name.find(name);
      if (it == by_name.end()) {
        by_name.emplace(name, r);
        rows.push_back(std::move(r));
        continue;
      }
      report.duplicates.push_back(name);
      Json a = it->second, b = r;
      a.erase("time_s");
      b.erase("time_s");
      if (a != b) report.conflicting.push_back(name);
    }
  }
  for (const auto& n : report.merged.header.at("points"))
    if (!by_name.count(n.get<std::string>())) report.missing.push_back(n.get<std::string>());
  report.merged.rows = in_point_order(report.merged.header, std::move(rows));
  return report;
}

Json summarize(const std::vector<Json>& rows) {
  Json s = {{"points", rows.size()}, {"ok", 0}, {"failed", 0}, {"error", 0}, {"undetermined", 0}};
  for (const auto& r : rows) {
    const std::string status = r.value("status", "");
    if (s.contains(status) && status != "points") s[status] = s[status].get<std::size_t>() + 1;
  }
  return s;
}

}  // namespace hfx::scan
