// Reading JSON documents with errors that say where (line, column and JSON path).
#include "json_parse.hpp"

#include "hfx/errors.hpp"
#include "hfx/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hfx {
namespace {

constexpr std::size_t kMaxDepth = kMaxJsonDepth;

struct Frame {
  bool is_object = false;
  std::size_t index = 0;     // arrays: index of the current element
  std::string key;           // objects: the current key
  bool expecting_key = true; // objects: the next string is a key
};

std::string path_of(const std::vector<Frame>& stack, std::size_t max_shown = 12) {
  if (stack.empty()) return "/";
  std::string path;
  std::size_t shown = 0;
  for (const auto& f : stack) {
    if (shown == max_shown) {
      path += fmt::format("/...({} levels)", stack.size());
      break;
    }
    path += '/';
    path += f.is_object ? json_pointer_escape(f.key) : std::to_string(f.index);
    ++shown;
  }
  return path;
}

// A lightweight scan of the raw text that follows containers, keys and indices. It
// answers "which JSON path is being read at byte `stop`" (for parse errors) and finds
// nesting deeper than kMaxDepth before the real parser sees it. It does not validate.
struct ScanResult {
  std::string path;
  std::size_t depth_exceeded_at = std::string_view::npos;
  // At least as many as the values in the document: 1 + commas + containers opened
  // (outside strings), known before nlohmann builds the document.
  std::size_t values_bound = 1;
  // An integer literal beyond 64 bits: nlohmann would read it as a double, so a digest
  // would differ from Python's, which keeps such integers exact.
  std::size_t big_integer_at = std::string_view::npos;
  std::string_view big_integer;
};

// Whether the integer literal `lit` (optional '-', digits) fits int64 or uint64.
bool fits_64_bits(std::string_view lit) {
  if (lit.size() < 19) return true;
  const char* end = lit.data() + lit.size();
  if (lit.front() == '-') {
    std::int64_t v = 0;
    return std::from_chars(lit.data(), end, v).ec == std::errc();
  }
  std::uint64_t v = 0;
  return std::from_chars(lit.data(), end, v).ec == std::errc();
}

ScanResult scan(std::string_view text, std::size_t stop) {
  std::vector<Frame> stack;
  ScanResult result;
  const std::size_t end = std::min(stop, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    const char c = text[i];
    switch (c) {
      case '{':
      case '[':
        ++result.values_bound;
        stack.push_back(Frame{c == '{', 0, {}, true});
        if (stack.size() > kMaxDepth) {
          result.depth_exceeded_at = i;
          result.path = path_of(stack);
          return result;
        }
        break;
      case '}':
      case ']':
        if (!stack.empty()) stack.pop_back();
        break;
      case ',':
        ++result.values_bound;
        if (!stack.empty()) {
          if (stack.back().is_object) stack.back().expecting_key = true;
          else ++stack.back().index;
        }
        break;
      case '"': {
        std::string s;
        ++i;
        while (i < end && text[i] != '"') {
          if (text[i] == '\\' && i + 1 < end) {
            const char e = text[++i];
            if (e == '/' || e == '"' || e == '\\') s += e;
            else if (e == 'n') s += '\n';
            else if (e == 't') s += '\t';
            else s += '?';
          } else {
            s += text[i];
          }
          ++i;
        }
        if (!stack.empty() && stack.back().is_object && stack.back().expecting_key) {
          stack.back().key = std::move(s);
          stack.back().expecting_key = false;
        }
        break;
      }
      case '-': case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9': {
        std::size_t j = i + 1;
        bool integer = true;
        while (j < end && std::strchr("+-.eE0123456789", text[j]) != nullptr) {
          if (text[j] == '.' || text[j] == 'e' || text[j] == 'E') integer = false;
          ++j;
        }
        const std::string_view lit = text.substr(i, j - i);
        if (integer && !fits_64_bits(lit)) {
          result.big_integer_at = i;
          result.big_integer = lit;
          result.path = path_of(stack);
          return result;
        }
        i = j - 1;
        break;
      }
      default:
        break;
    }
  }
  result.path = path_of(stack);
  return result;
}

std::pair<std::size_t, std::size_t> line_col(std::string_view text, std::size_t offset) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') { ++line; col = 1; }
    else ++col;
  }
  return {line, col};
}

std::string_view first_line(std::string_view s) {
  auto n = s.find('\n');
  return n == std::string_view::npos ? s : s.substr(0, n);
}

// The offset of the first number literal (outside strings) that overflows a double.
std::size_t first_overflowing_number(std::string_view text) {
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t j = i;
      while (j < text.size() && std::strchr("+-.eE0123456789", text[j]) != nullptr) ++j;
      const std::string literal(text.substr(i, j - i));
      if (!std::isfinite(std::strtod(literal.c_str(), nullptr))) return i;
      i = j - 1;
    }
  }
  return 0;
}

}  // namespace

Json parse_json(std::string_view text, std::string_view source) {
  if (std::optional<Json> doc = detail::parse_json_simdjson(text)) return std::move(*doc);
  return detail::parse_json_reference(text, source);
}

Json detail::parse_json_reference(std::string_view text, std::string_view source) {
  // Reject what is obviously not JSON with a message about what it looks like.
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF) {
    first = text.find_first_not_of(" \t\r\n", 3);
  }
  if (first == std::string_view::npos) {
    throw InvalidSpecification(fmt::format("{}: /: expected a JSON document, got an empty input", source));
  }
  const char c0 = text[first];
  if (c0 != '{' && c0 != '[' && c0 != '"' && c0 != '-' && !(c0 >= '0' && c0 <= '9') &&
      c0 != 't' && c0 != 'f' && c0 != 'n') {
    const bool yaml_like = text.substr(first, 3) == "---" || first_line(text.substr(first)).find(':') != std::string_view::npos;
    throw InvalidSpecification(fmt::format(
        "{}: /: not JSON (starts with '{}'{}); hfx reads JSON documents only", source, c0,
        yaml_like ? ", looks like YAML" : ""));
  }
  const ScanResult depth = scan(text, text.size());
  if (depth.depth_exceeded_at != std::string_view::npos) {
    auto [line, col] = line_col(text, depth.depth_exceeded_at);
    throw InvalidSpecification(fmt::format(
        "{}:{}:{}: {}: nesting deeper than {} levels is not a HistFactory document", source, line,
        col, depth.path, kMaxDepth));
  }
  if (depth.values_bound > kMaxJsonValues)
    throw InvalidSpecification(fmt::format("{}: /: more than {} JSON values is beyond what hfx accepts", source,
                                           kMaxJsonValues));
  if (depth.big_integer_at != std::string_view::npos) {
    auto [line, col] = line_col(text, depth.big_integer_at);
    throw InvalidSpecification(fmt::format(
        "{}:{}:{}: {}: the integer {} does not fit in 64 bits and cannot be kept exactly (write it with a "
        "decimal point or exponent for a floating-point value)",
        source, line, col, depth.path, depth.big_integer.substr(0, 40)));
  }
  try {
    return Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/true,
                       /*ignore_comments=*/false);
  } catch (const nlohmann::json::parse_error& e) {
    const std::size_t at = e.byte > 0 ? e.byte - 1 : 0;
    auto [line, col] = line_col(text, at);
    const ScanResult where = scan(text, at);
    // nlohmann's message starts with "[json.exception.parse_error.101] parse error at ...: "
    std::string what = e.what();
    if (auto p = what.find(": "); p != std::string::npos) {
      if (auto q = what.find(": ", p + 2); q != std::string::npos && what.compare(p + 2, 5, "synta") != 0) {
        what = what.substr(q + 2);
      } else {
        what = what.substr(p + 2);
      }
    }
    const bool truncated = what.find("unexpected end of input") != std::string::npos;
    throw InvalidSpecification(fmt::format("{}:{}:{}: {}: invalid JSON{}: {}", source, line, col,
                                           where.path, truncated ? " (truncated document)" : "",
                                           std::string(first_line(what))));
  } catch (const nlohmann::json::out_of_range&) {
    // nlohmann reports a number beyond the double range (e.g. 1e999) without a position.
    const std::size_t at = first_overflowing_number(text);
    auto [line, col] = line_col(text, at);
    const ScanResult where = scan(text, at);
    std::size_t end = text.find_first_of(",]} \t\r\n", at);
    if (end == std::string_view::npos) end = text.size();
    throw InvalidSpecification(fmt::format("{}:{}:{}: {}: number {} is outside the range of a double", source,
                                           line, col, where.path, text.substr(at, std::min<std::size_t>(end - at, 40))));
  }
}

std::size_t max_input_bytes() {
  static const std::size_t limit = [] {
    constexpr std::size_t kDefaultMiB = 1024;
    const char* env = std::getenv("HFX_MAX_INPUT_MB");
    if (env == nullptr || *env == '\0') return kDefaultMiB << 20;
    char* end = nullptr;
    errno = 0;
    const unsigned long long mib = std::strtoull(env, &end, 10);
    if (errno != 0 || *end != '\0' || mib == 0 || mib > (std::size_t{1} << 24))
      throw IOError(fmt::format("HFX_MAX_INPUT_MB='{}': expected a whole number of MiB from 1 to {}", env,
                                std::size_t{1} << 24));
    return static_cast<std::size_t>(mib) << 20;
  }();
  return limit;
}

std::string read_file(const std::string& path) {
  const bool is_stdin = path == "-";
  const std::string name = is_stdin ? "<stdin>" : path;
  int fd = STDIN_FILENO;
  if (!is_stdin) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw IOError(fmt::format("{}: cannot open file: {}", name, std::strerror(errno)));
  }
  struct Closer {
    int fd;
    bool owned;
    ~Closer() {
      if (owned) ::close(fd);
    }
  } closer{fd, !is_stdin};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw IOError(fmt::format("{}: cannot read: {}", name, std::strerror(errno)));
  if (S_ISDIR(st.st_mode)) throw IOError(fmt::format("{}: is a directory, not a file", name));
  const std::size_t limit = max_input_bytes();
  const auto too_large = [&] {
    return IOError(fmt::format("{}: input larger than {} MiB (set HFX_MAX_INPUT_MB to allow more)", name, limit >> 20));
  };
  std::string data;
  // Regular files: one allocation of their size (a 200 MB document in well under a second),
  // with room after it for simdjson to read the text in place (load_json_file).
  if (S_ISREG(st.st_mode) && st.st_size > 0) {
    if (static_cast<std::size_t>(st.st_size) > limit) throw too_large();
    data.reserve(static_cast<std::size_t>(st.st_size) + detail::kJsonPadding);
  }
  char buf[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd, buf, sizeof buf);
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      throw IOError(fmt::format("{}: read error: {}", name, std::strerror(errno)));
    }
    if (data.size() + static_cast<std::size_t>(got) > limit) throw too_large();
    data.append(buf, static_cast<std::size_t>(got));
  }
  return data;
}

JsonShape json_shape(const Json& value, std::size_t max_depth, std::size_t max_values) {
  JsonShape shape;
  // (container, depth of its children) pairs still to visit.
  std::vector<std::pair<const Json*, std::size_t>> todo{{&value, 0}};
  while (!todo.empty()) {
    const auto [v, depth] = todo.back();
    todo.pop_back();
    ++shape.values;
    if (!v->is_structured()) continue;
    shape.depth = std::max(shape.depth, depth + 1);
    if (shape.depth > max_depth || shape.values > max_values) return shape;
    for (const auto& child : *v) todo.emplace_back(&child, depth + 1);
  }
  return shape;
}

JsonShape require_json_limits(const Json& value, std::string_view what, std::size_t base_depth) {
  const std::size_t max_depth = base_depth >= kMaxJsonDepth ? 0 : kMaxJsonDepth - base_depth;
  const JsonShape shape = json_shape(value, max_depth, kMaxJsonValues);
  if (shape.depth > max_depth)
    throw InvalidSpecification(fmt::format("{}: nesting deeper than {} levels is not a HistFactory document", what,
                                           kMaxJsonDepth));
  if (shape.values > kMaxJsonValues)
    throw InvalidSpecification(fmt::format("{}: more than {} JSON values is beyond what hfx accepts", what, kMaxJsonValues));
  return shape;
}

Json load_json_file(const std::string& path) {
  const std::string text = read_file(path);
  // As parse_json, but without simdjson's copy of the text when read_file left room.
  if (auto doc = detail::parse_json_simdjson(text, text.capacity() - text.size() >= detail::kJsonPadding))
    return std::move(*doc);
  return detail::parse_json_reference(text, path == "-" ? "<stdin>" : path);
}

std::string json_pointer_escape(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

}  // namespace hfx
