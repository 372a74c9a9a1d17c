// The JSON value type hfx uses for documents, and helpers to read and write it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace hfx {

// Insertion-ordered JSON: documents keep the key order their authors wrote, so that
// `hfx prune` and friends print what a person expects. Digests sort keys themselves.
using Json = nlohmann::ordered_json;

// Limits every JSON document hfx builds or reads must respect: nesting depth (containers
// inside containers; a scalar at the top is depth 0) and number of values. Serialising
// and copying recurse per level, so deeper documents would overflow the stack.
inline constexpr std::size_t kMaxJsonDepth = 512;
inline constexpr std::size_t kMaxJsonValues = std::size_t{1} << 25;

// Nesting depth and number of values of `value`, counted without recursion; counting
// stops once either exceeds its limit (the returned numbers are then lower bounds).
struct JsonShape {
  std::size_t depth = 0, values = 0;
};
JsonShape json_shape(const Json& value, std::size_t max_depth = kMaxJsonDepth, std::size_t max_values = kMaxJsonValues);
// Throws InvalidSpecification "`what`: nesting deeper than 512 levels ..." (or too many
// values) when `value` placed `base_depth` containers deep would break the limits;
// returns its shape otherwise.
JsonShape require_json_limits(const Json& value, std::string_view what, std::size_t base_depth = 0);

// Parses `text` as JSON. Only JSON is accepted: YAML, NaN/Infinity literals, trailing
// garbage and nesting deeper than 512 levels are rejected. Throws InvalidSpecification
// with a one-line message naming `source` (a file name, or "<stdin>"), the line and
// column, and the JSON path of the value being read when the error happened.
Json parse_json(std::string_view text, std::string_view source);

// Reads a whole file ("-" = standard input) and parses it with parse_json.
// Throws IOError if the file cannot be read.
Json load_json_file(const std::string& path);

// Reads a whole file ("-" = standard input) as bytes. Throws IOError, also for a
// directory, an unreadable file, or an input longer than max_input_bytes().
std::string read_file(const std::string& path);
// The largest input read_file accepts: HFX_MAX_INPUT_MB from the environment (MiB),
// default 1024 MiB, so that an endless input (/dev/zero) ends with an error, not by
// exhausting memory.
std::size_t max_input_bytes();

// Serialises like Python's `json.dumps(value, sort_keys=True, ensure_ascii=False)`:
// separators ", " and ": ", keys sorted by code point, floats in Python's repr form
// (shortest round-trip; "1e-05", "1e+16", "5.0"), integers as integers, non-ASCII kept.
// This is the exact byte string `pyhf digest` hashes.
std::string python_json_dumps(const Json& value);

// Python's repr() of a double (e.g. 0.1 -> "0.1", 1e16 -> "1e+16", 5.0 -> "5.0").
std::string python_float_repr(double value);

// Hex sha256 of `bytes`.
std::string sha256_hex(std::string_view bytes);
// Hex digest of `bytes` with a hashlib-named algorithm (md5, sha1, sha256, sha512,
// sha3_256, ...); throws Unsupported for one OpenSSL does not have.
std::string digest_hex(std::string_view bytes, std::string_view algorithm);

// Escapes one JSON Pointer reference token (RFC 6901: "~" -> "~0", "/" -> "~1").
std::string json_pointer_escape(std::string_view token);

}  // namespace hfx
