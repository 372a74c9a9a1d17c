// Reading `hfx scan` results (JSON Lines) for the contours.
#include "hfx/contour.hpp"
#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <unordered_map>

namespace hfx {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// parse_json names the text as if it were a whole file ("FILE:1:COL: ..."): put the
// line's number in the file there instead.
std::string at_line(const std::string& message, const std::string& source, std::size_t line) {
  const std::string first = source + ":1:", whole = source + ": ";
  if (message.starts_with(first)) return fmt::format("{}:{}:{}", source, line, message.substr(first.size()));
  if (message.starts_with(whole)) return fmt::format("{}:{}: {}", source, line, message.substr(whole.size()));
  return fmt::format("{}:{}: {}", source, line, message);
}

const char* type_name(const Json& v) {
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  return "a number";
}

// A CLs value: a number in [0, 1], or null (NaN).
double cls_value(const Json& v, const std::string& where) {
  if (v.is_null()) return kNaN;
  if (!v.is_number()) throw InvalidSpecification(fmt::format("{}: expected a number or null, got {}", where, type_name(v)));
  const double c = v.get<double>();
  if (!(c >= 0 && c <= 1)) throw InvalidSpecification(fmt::format("{}: CLs {} is outside [0, 1]", where, c));
  return c;
}

void read_header(const Json& h, const std::string& source, std::size_t line, ScanResults& r) {
  const std::string where = fmt::format("{}:{}", source, line);
  if (!h.is_object() || !h.contains("hfx_scan"))
    throw InvalidSpecification(fmt::format("{}: not hfx scan results: the first line must be the header "
                                           "{{\"hfx_scan\": 1, \"labels\": [...], ...}}", where));
  const Json& version = h["hfx_scan"];
  if (!version.is_number_integer() || version.get<std::int64_t>() != 1)
    throw InvalidSpecification(fmt::format("{}: /hfx_scan: format version {} is not one this hfx reads (1)", where,
                                           version.dump()));
  if (!h.contains("labels") || !h["labels"].is_array())
    throw InvalidSpecification(fmt::format("{}: /labels: expected an array of label names", where));
  for (std::size_t i = 0; i < h["labels"].size(); ++i) {
    const Json& l = h["labels"][i];
    if (!l.is_string()) throw InvalidSpecification(fmt::format("{}: /labels/{}: expected a string, got {}", where, i, type_name(l)));
    r.labels.push_back(l.get<std::string>());
  }
  r.header = h;
}

ScanRow read_row(const Json& v, const std::string& source, std::size_t line) {
  const std::string where = fmt::format("{}:{}", source, line);
  if (!v.is_object()) throw InvalidSpecification(fmt::format("{}: expected an object (one scan point), got {}", where, type_name(v)));
  ScanRow row;
  row.line = line;
  for (const char* key : {"name", "status"}) {
    if (!v.contains(key) || !v[key].is_string())
      throw InvalidSpecification(fmt::format("{}: /{}: expected a string{}", where, key,
                                             v.contains(key) ? fmt::format(", got {}", type_name(v[key])) : ""));
  }
  row.name = v["name"].get<std::string>();
  row.status = v["status"].get<std::string>();
  if (row.status != "ok" && row.status != "failed" && row.status != "error" && row.status != "undetermined")
    throw InvalidSpecification(fmt::format("{}: /status: '{}' is not one of ok, failed, error, undetermined (point '{}')",
                                           where, row.status, row.name));
  if (v.contains("message") && v["message"].is_string()) row.message = v["message"].get<std::string>();
  if (v.contains("values")) {
    if (!v["values"].is_object())
      throw InvalidSpecification(fmt::format("{}: /values: expected an object label -> number, got {}", where, type_name(v["values"])));
    row.values = v["values"];
  }
  row.cls_obs = kNaN;
  row.cls_exp.fill(kNaN);
  // `hfx scan` marks a point "undetermined" when its observed CLs from toys does not
  // exist; its expected CLs are still numbers, and the expected contours use them.
  if (row.status == "undetermined" && v.contains("CLs_exp")) {
    if (!v["CLs_exp"].is_array() || v["CLs_exp"].size() != 5)
      throw InvalidSpecification(fmt::format("{}: /CLs_exp: expected an array of 5 (-2 ... +2 sigma) in point '{}'", where, row.name));
    for (std::size_t k = 0; k < 5; ++k) row.cls_exp[k] = cls_value(v["CLs_exp"][k], fmt::format("{}: /CLs_exp/{}", where, k));
  }
  if (row.status != "ok") return row;
  if (!v.contains("CLs_obs"))
    throw InvalidSpecification(fmt::format("{}: /CLs_obs: missing (a number or null) in point '{}'", where, row.name));
  row.cls_obs = cls_value(v["CLs_obs"], where + ": /CLs_obs");
  if (!v.contains("CLs_exp") || !v["CLs_exp"].is_array() || v["CLs_exp"].size() != 5)
    throw InvalidSpecification(fmt::format("{}: /CLs_exp: expected an array of 5 (-2 ... +2 sigma) in point '{}'", where, row.name));
  for (std::size_t k = 0; k < 5; ++k) row.cls_exp[k] = cls_value(v["CLs_exp"][k], fmt::format("{}: /CLs_exp/{}", where, k));
  return row;
}

}  // namespace

ScanResults read_scan_results(const std::string& path) {
  ScanResults r;
  r.source = path == "-" ? "<stdin>" : path;
  const std::string text = read_file(path);
  std::unordered_map<std::string, std::size_t> line_of;
  bool have_header = false;
  std::size_t pos = 0;
  for (std::size_t line = 1; pos < text.size(); ++line) {
    const std::size_t end = text.find('\n', pos);
    const bool complete = end != std::string::npos;
    const std::string_view s(text.data() + pos, (complete ? end : text.size()) - pos);
    pos = complete ? end + 1 : text.size();
    if (s.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    Json v;
    try {
      v = parse_json(s, r.source);
    } catch (const InvalidSpecification& e) {
      // A scan killed while writing leaves a partial line without its newline.
      if (!complete && have_header) {
        r.ignored_incomplete_last_line = true;
        break;
      }
      throw InvalidSpecification(at_line(e.what(), r.source, line));
    }
    if (!have_header) {
      read_header(v, r.source, line, r);
      have_header = true;
      continue;
    }
    ScanRow row = read_row(v, r.source, line);
    if (const auto [it, fresh] = line_of.emplace(row.name, line); !fresh)
      throw InvalidSpecification(fmt::format("{}:{}: point '{}' appears again (first on line {})", r.source, line,
                                             row.name, it->second));
    r.rows.push_back(std::move(row));
  }
  if (!have_header)
    throw InvalidSpecification(fmt::format("{}: empty: expected scan results, a header line {{\"hfx_scan\": 1, ...}} "
                                           "and one line per point", r.source));
  return r;
}

}  // namespace hfx
