#include "common.hpp"

#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <vector>

namespace hfx::cli {

void write_text(const std::string& text, const std::string& output_file) {
  if (output_file.empty() || output_file == "-") {
    std::cout << text;
    std::cout.flush();
    return;
  }
  std::ofstream out(output_file, std::ios::binary);
  if (!out) throw IOError(fmt::format("{}: cannot open for writing", output_file));
  out << text;
  if (!out) throw IOError(fmt::format("{}: write error", output_file));
}

void write_json(const Json& value, const std::string& output_file, int indent) {
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

void add_optimizer_option(CLI::App* cmd, OptimizerChoice& choice) {
  cmd->add_option("--backend", choice.backend, "Accepted for pyhf compatibility and ignored (hfx has one backend)");
  cmd->add_option("--optimizer", choice.optimizer,
                  "scipy: reproduce pyhf's default SciPy SLSQP fits (stops ~1e-4 from the minimum, as pyhf; slower); "
                  "newton or minuit (default): hfx's own fit, to the minimum");
  cmd->add_option("--optconf", choice.optconf, "Optimizer option KEY=VALUE for --optimizer scipy: tolerance, maxiter");
}

FitOptions fit_options_for(const OptimizerChoice& choice) {
  FitOptions opts;
  if (choice.optimizer == "scipy") opts.method = FitMethod::scipy;
  else if (!choice.optimizer.empty() && choice.optimizer != "minuit" && choice.optimizer != "newton")
    throw Unsupported(fmt::format("--optimizer '{}': expected scipy, minuit or newton", choice.optimizer));
  for (const auto& kv : choice.optconf) {
    const auto eq = kv.find('=');
    const std::string key = kv.substr(0, eq);
    if (eq == std::string::npos || opts.method != FitMethod::scipy || (key != "tolerance" && key != "maxiter"))
      throw Unsupported(fmt::format("--optconf '{}': expected tolerance=X or maxiter=N with --optimizer scipy", kv));
    try {
      if (key == "tolerance") opts.scipy_ftol = std::stod(kv.substr(eq + 1));
      else opts.scipy_max_iterations = std::stoi(kv.substr(eq + 1));
    } catch (const std::exception&) {
      throw Unsupported(fmt::format("--optconf '{}': the value is not a number", kv));
    }
  }
  return opts;
}

}  // namespace hfx::cli
