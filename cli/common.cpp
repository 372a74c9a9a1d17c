#include "common.hpp"

#include "hfx/errors.hpp"
#include "hfx/file_io.hpp"
#include "hfx/infer.hpp"
#include "hfx/plots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hfx::cli {

namespace {

// The first non-finite number in `v` as a JSON pointer, or "" (JSON has no NaN or
// infinity: nlohmann would print null, which reads as a value that was never there).
std::string first_nonfinite(const Json& v, const std::string& path = "") {
  if (v.is_number_float() && !std::isfinite(v.get<double>())) return path.empty() ? "/" : path;
  if (v.is_array()) {
    for (std::size_t i = 0; i < v.size(); ++i)
      if (auto p = first_nonfinite(v[i], fmt::format("{}/{}", path, i)); !p.empty()) return p;
  } else if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it)
      if (auto p = first_nonfinite(it.value(), path + "/" + json_pointer_escape(it.key())); !p.empty()) return p;
  }
  return "";
}

}  // namespace

void write_text(const std::string& text, const std::string& output_file) {
  if (output_file.empty() || output_file == "-") {
    std::cout << text;
    std::cout.flush();
    if (!std::cout) throw IOError(fmt::format("<stdout>: write error: {}", std::strerror(errno)));
    return;
  }
  write_file(output_file, text);
}

void add_plot_option(CLI::App* cmd, std::string& path, const std::string& what) {
  cmd->add_option("--plot", path,
                  "Also draw " + what + " to this file: FILE.svg, FILE.png (rendered at twice the size) or FILE.pdf")
      ->check([](const std::string& p) {
        std::string ext = std::filesystem::path(p).extension().string();
        for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return ext == ".svg" || ext == ".png" || ext == ".pdf"
                   ? std::string()
                   : fmt::format("'{}': give a picture file name ending in .svg, .png or .pdf", p);
      });
}

void write_plot(const std::string& svg, const std::string& path) { write_text(picture_for_file(svg, path), path); }

namespace {
double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

ProgressBar::ProgressBar(std::string label) : label_(std::move(label)), t0_(seconds_now()) {}

void ProgressBar::operator()(std::size_t done, std::size_t total) {
  const double frac = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  const int width = 30, filled = static_cast<int>(frac * width);
  const double secs = seconds_now() - t0_, rate = secs > 0 ? static_cast<double>(done) / secs : 0;
  const std::string eta =
      done < total && rate > 0 ? fmt::format(" ETA {:.0f}s", static_cast<double>(total - done) / rate) : std::string();
  std::fprintf(stderr, "\r%s [%s%s] %3d%% %zu/%zu %.1f/s %.1fs%s\033[K", label_.c_str(), std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), static_cast<int>(frac * 100), done, total, rate, secs,
               eta.c_str());
  if (done == total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

void finish_stdout() {
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0)
    throw IOError(fmt::format("<stdout>: write error: {}", std::strerror(errno)));
}

void write_json(const Json& value, const std::string& output_file, int indent) {
  if (const std::string at = first_nonfinite(value); !at.empty())
    throw std::logic_error(fmt::format("a non-finite number at {} was about to be written as JSON", at));
  write_text(value.dump(indent) + "\n", output_file);
}

namespace {

// Python's json encoder with ensure_ascii=True: printable ASCII as is, the usual short
// escapes, everything else as \uXXXX (UTF-16 surrogate pairs above U+FFFF).
void append_ascii_string(std::string& out, const std::string& s) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = c;
    std::size_t len = 1;
    if (c >= 0xF0) { cp = c & 0x07u; len = 4; }
    else if (c >= 0xE0) { cp = c & 0x0Fu; len = 3; }
    else if (c >= 0xC0) { cp = c & 0x1Fu; len = 2; }
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    i += len;
    switch (cp) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (cp >= 0x20 && cp <= 0x7E) {
      out += static_cast<char>(cp);
    } else if (cp > 0xFFFF) {
      const std::uint32_t v = cp - 0x10000;
      out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
    } else {
      out += fmt::format("\\u{:04x}", cp);
    }
  }
  out += '"';
}

void dump_pretty(std::string& out, const Json& v, int level) {
  const auto newline = [&](int l) {
    out += '\n';
    out.append(static_cast<std::size_t>(4 * l), ' ');
  };
  switch (v.type()) {
    case Json::value_t::array: {
      if (v.empty()) { out += "[]"; return; }
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ',';
        first = false;
        newline(level + 1);
        dump_pretty(out, e, level + 1);
      }
      newline(level);
      out += ']';
      return;
    }
    case Json::value_t::object: {
      if (v.empty()) { out += "{}"; return; }
      std::vector<const std::string*> keys;
      for (auto it = v.begin(); it != v.end(); ++it) keys.push_back(&it.key());
      std::sort(keys.begin(), keys.end(), [](const auto* a, const auto* b) { return *a < *b; });
      out += '{';
      bool first = true;
      for (const auto* k : keys) {
        if (!first) out += ',';
        first = false;
        newline(level + 1);
        append_ascii_string(out, *k);
        out += ": ";
        dump_pretty(out, v.at(*k), level + 1);
      }
      newline(level);
      out += '}';
      return;
    }
    case Json::value_t::string: append_ascii_string(out, v.get_ref<const std::string&>()); return;
    default: out += python_json_dumps(v); return;  // numbers, booleans, null in Python's form
  }
}

}  // namespace

std::string pyhf_json_dumps(const Json& value) {
  std::string out;
  dump_pretty(out, value, 0);
  out += '\n';
  return out;
}

void write_pyhf_json(const Json& value, const std::string& output_file) {
  std::string text = pyhf_json_dumps(value);
  // pyhf echoes to the terminal with a newline but json.dump()s files without one.
  if (!output_file.empty() && output_file != "-") text.pop_back();
  write_text(text, output_file);
}

Json number_or_null(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json numbers_or_null(std::span<const double> v) {
  Json out = Json::array();
  for (double x : v) out.push_back(number_or_null(x));
  return out;
}

std::optional<double> finite_number(std::string_view text) {
  double v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

double number_option(std::string_view option, const std::string& text) {
  if (const auto v = finite_number(text)) return *v;
  throw Unsupported(fmt::format("{} '{}': expected a finite number", option, text));
}

double number_option_between(std::string_view option, const std::string& text, double lo, double hi) {
  const double v = number_option(option, text);
  if (!(v > lo && v < hi))
    throw Unsupported(fmt::format("{} '{}': expected a number between {} and {} (exclusive)", option, text, lo, hi));
  return v;
}

std::uint64_t integer_option(std::string_view option, const std::string& text, std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || ptr != end || v < lo || v > hi)
    throw Unsupported(fmt::format("{} '{}': expected a whole number from {} to {}", option, text, lo, hi));
  return v;
}

std::vector<double> scan_values(const std::vector<std::string>& scan) {
  std::vector<double> mus;
  if (scan.empty()) return mus;
  const double start = number_option("--scan START", scan[0]);
  const double stop = number_option("--scan STOP", scan[1]);
  const auto n = static_cast<int>(integer_option("--scan N", scan[2], 2, 100000));
  if (!(start < stop)) throw Unsupported(fmt::format("--scan: START {} must be below STOP {}", start, stop));
  for (int i = 0; i < n; ++i) mus.push_back(start + (stop - start) * i / (n - 1));
  return mus;
}

void require_within_bounds(std::string_view option, double value, const Model& model, std::size_t index) {
  const auto [lo, hi] = model.suggested_bounds().at(index);
  if (!(value >= lo && value <= hi))
    throw InvalidPdfParameters(fmt::format("{} {}: outside the bounds [{}, {}] of parameter '{}'", option, value, lo, hi,
                                           model.par_names().at(index)));
}

std::size_t parameter_index(std::string_view option, const Model& model, const std::string& name) {
  const auto& names = model.par_names();
  const auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) throw InvalidModel(fmt::format("{}: no parameter '{}' in the model", option, name));
  return static_cast<std::size_t>(it - names.begin());
}

void add_optimizer_option(CLI::App* cmd, OptimizerChoice& choice) {
  cmd->add_option("--backend", choice.backend, "Accepted for pyhf compatibility and ignored (hfx has one backend)");
  cmd->add_option("--optimizer", choice.optimizer,
                  "scipy: reproduce pyhf's default SciPy SLSQP fits (stops ~1e-4 from the minimum, as pyhf; slower); "
                  "newton or minuit (default): hfx's own fit, to the minimum");
  cmd->add_option("--optconf", choice.optconf,
                  "Optimizer option KEY=VALUE, once per option: maxiter=N (the fit's iteration limit; a fit "
                  "that reaches it did not converge) and, for --optimizer scipy, tolerance=X (SLSQP's ftol)")
      ->allow_extra_args(false);
}

FitOptions fit_options_for(const OptimizerChoice& choice) {
  FitOptions opts;
  if (choice.optimizer == "scipy") opts.method = FitMethod::scipy;
  else if (!choice.optimizer.empty() && choice.optimizer != "minuit" && choice.optimizer != "newton")
    throw Unsupported(fmt::format("--optimizer '{}': expected scipy, minuit or newton", choice.optimizer));
  for (const auto& kv : choice.optconf) {
    const auto eq = kv.find('=');
    const std::string key = kv.substr(0, eq);
    const bool scipy = opts.method == FitMethod::scipy;
    if (eq == std::string::npos || (key != "maxiter" && !(scipy && key == "tolerance")))
      throw Unsupported(fmt::format("--optconf '{}': expected maxiter=N, or tolerance=X with --optimizer scipy", kv));
    if (key == "tolerance") {
      opts.scipy_ftol = number_option_between("--optconf tolerance", kv.substr(eq + 1), 0, 1);
    } else {
      const auto n = static_cast<int>(integer_option("--optconf maxiter", kv.substr(eq + 1), 1, 1000000000));
      (scipy ? opts.scipy_max_iterations : opts.max_total_iterations) = n;
    }
  }
  return opts;
}

Json cls_and_limits(const Model& model, std::span<const double> data, double test_poi, const FitOptions& options) {
  Json out = Json::object();
  try {
    const HypotestResult h = hypotest(test_poi, model, data, TestStatistic::qtilde, nullptr, options);
    if (h.all_converged())
      out["cls"] = Json{{"test_poi", test_poi}, {"CLs_obs", h.cls}, {"CLs_exp", numbers_or_null(h.cls_expected)}};
    else
      out["cls_problem"] = h.fit_problem();
    const UpperLimitResult ul = upper_limit(model, data, 0.05, TestStatistic::qtilde, 1e-5, options);
    out["upper_limit"] = Json{{"obs", number_or_null(ul.observed)}, {"exp", numbers_or_null(ul.expected)}};
  } catch (const Error& e) {  // a comparison that cannot be made is reported, not fatal
    out["problem"] = e.what();
  }
  return out;
}

}  // namespace hfx::cli
