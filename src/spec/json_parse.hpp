// The two readers behind hfx::parse_json (internal).
//
// parse_json tries parse_json_simdjson first and, when that declines, runs
// parse_json_reference: both give the same document for every input the first accepts
// (tests/spec/test_json_parse.cpp compares them on every file under tests/data and on
// edge cases), and every message comes from the reference reader.
#pragma once

#include "hfx/json.hpp"

#include <cstddef>
#include <optional>
#include <string_view>

namespace hfx::detail {

// simdjson (DOM, implementation chosen at run time for the CPU) turned into an
// hfx::Json: key order as written, a duplicate key keeps its first place and its last
// value, non-negative integer literals as number_unsigned, negative ones as
// number_integer, the others as doubles -- what nlohmann's parser builds. Returns
// nullopt, leaving the message to the reference reader, when simdjson rejects the text
// (not JSON, bad UTF-8 or escape, a number beyond a double or an integer beyond 64 bits,
// ...), when the document breaks kMaxJsonDepth or kMaxJsonValues, or when the text may
// hold the integer literal -0 (nlohmann keeps it as a signed 0, simdjson's DOM cannot tell
// it from 0).
// `padded`: kJsonPadding readable bytes (of any value) follow the text, so that simdjson
// reads it in place instead of copying it.
std::optional<Json> parse_json_simdjson(std::string_view text, bool padded = false);
inline constexpr std::size_t kJsonPadding = 64;  // simdjson's SIMDJSON_PADDING

// The reader with the messages: a pre-scan of the raw text (nesting depth, number of
// values, integers beyond 64 bits) and nlohmann's parser, whose errors are turned into
// "SOURCE:LINE:COL: JSON-PATH: ..." lines. Throws InvalidSpecification.
Json parse_json_reference(std::string_view text, std::string_view source);

}  // namespace hfx::detail
