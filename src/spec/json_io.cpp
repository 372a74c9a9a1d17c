// Reading JSON documents with errors that say where (line, column and JSON path).
#include "hfx/errors.hpp"
#include "hfx/json.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <vector>

namespace hfx {
namespace {

constexpr std::size_t kMaxDepth = 512;

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
};

ScanResult scan(std::string_view text, std::size_t stop) {
  std::vector<Frame> stack;
  ScanResult result;
  const std::size_t end = std::min(stop, text.size());
  for (std::size_t i = 0; i < end; ++i) {
    const char c = text[i];
    switch (c) {
      case '{':
      case '[':
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

std::string read_file(const std::string& path) {
  if (path == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    if (std::cin.bad()) throw IOError("<stdin>: cannot read standard input");
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IOError(fmt::format("{}: cannot open file", path));
  // One read for regular files (a 200 MB document in well under a second); the
  // iterator fallback handles pipes and other unsized inputs.
  std::string data;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > 0 && in) {
    data.resize(static_cast<std::size_t>(size));
    in.read(data.data(), size);
    if (in.gcount() != size) data.resize(static_cast<std::size_t>(in.gcount()));
  } else {
    in.clear();
    data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (in.bad()) throw IOError(fmt::format("{}: read error", path));
  return data;
}

Json load_json_file(const std::string& path) {
  const std::string text = read_file(path);
  return parse_json(text, path == "-" ? "<stdin>" : path);
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
