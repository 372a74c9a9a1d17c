// Reading tests/data/golden/manifest.json (pyhf outputs) for the spec-algebra tests.
#pragma once

#include "test_util.hpp"

#include "hfx/errors.hpp"
#include "hfx/json.hpp"
#include "hfx/patchset.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hfx::test {

struct GoldenEntry {
  std::string id;
  std::string op;
  Json entry;
};

// "tests/data/x" (as the manifest writes paths) -> absolute path under HFX_TEST_DATA.
inline std::string golden_path(const std::string& repo_relative) {
  const std::string prefix = "tests/data/";
  return data_path(repo_relative.rfind(prefix, 0) == 0 ? repo_relative.substr(prefix.size()) : repo_relative);
}

// All manifest entries whose op is `op` (empty when the manifest is absent).
inline std::vector<GoldenEntry> golden_entries(const std::string& op) {
  std::vector<GoldenEntry> out;
  Json manifest;
  try {
    manifest = load_json_file(data_path("golden/manifest.json"));
  } catch (const Error&) {
    return out;
  }
  for (const auto& e : manifest)
    if (e.at("op") == op) out.push_back({e.at("id").get<std::string>(), op, e});
  return out;
}

// gtest parameter names: alphanumerics and underscores only.
inline std::string golden_test_name(const testing::TestParamInfo<GoldenEntry>& info) {
  std::string name;
  for (char c : info.param.id) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name + "_" + std::to_string(info.index);
}

// pyhf raises ValueError where hfx raises InvalidWorkspaceOperation (bad join arguments).
inline std::string hfx_kind_for(const std::string& pyhf_error) {
  if (pyhf_error == "ValueError") return "InvalidWorkspaceOperation";
  return pyhf_error;
}

inline std::string input(const GoldenEntry& g, std::size_t i) {
  return golden_path(g.entry.at("inputs").at(i).get<std::string>());
}

// Compares `actual` with the entry's expected document (JSON values, Python equality) and
// its recorded digest (which proves number forms survived byte for byte).
inline void expect_matches_golden(const GoldenEntry& g, const Json& actual) {
  const Json& e = g.entry;
  if (e.contains("expected") && e.at("expected").is_string()) {
    const Json expected = load_json_file(golden_path(e.at("expected").get<std::string>()));
    EXPECT_TRUE(json_equal(actual, expected)) << g.id << ": result differs from " << e.at("expected");
  }
  if (e.contains("same_as") && e.at("same_as").is_string()) {
    const Json same = load_json_file(golden_path(e.at("same_as").get<std::string>()));
    EXPECT_TRUE(json_equal(actual, same)) << g.id << ": result differs from " << e.at("same_as");
  }
  if (e.contains("digest") && e.at("digest").is_string()) {
    EXPECT_EQ(sha256_hex(python_json_dumps(actual)), e.at("digest").get<std::string>()) << g.id;
  }
}

// Where hfx deliberately differs from pyhf: id -> the error hfx raises instead of pyhf's
// result. pyhf accepts two measurements with the same name (it silently uses the first);
// hfx's validator rejects the ambiguity.
inline std::string known_deviation(const std::string& id) {
  if (id == "rename/small/pyhf-patchset-example/measurement_collision") return "InvalidSpecification";
  return "";
}

// Runs `body`; checks it throws the entry's error (if any) or returns a matching document.
template <class Body>
void check_golden(const GoldenEntry& g, Body body) {
  const Json& e = g.entry;
  const bool expect_error = e.contains("error") && e.at("error").is_string();
  if (const std::string deviation = known_deviation(g.id); !deviation.empty()) {
    try {
      body();
      ADD_FAILURE() << g.id << ": expected hfx to raise " << deviation;
    } catch (const Error& err) {
      EXPECT_EQ(std::string(err.kind()), deviation) << g.id << ": " << err.what();
    }
    return;
  }
  try {
    Json result = body();
    if (expect_error) {
      ADD_FAILURE() << g.id << ": expected " << e.at("error") << " (" << e.value("error_message", Json()).dump()
                    << "), got a result";
      return;
    }
    expect_matches_golden(g, result);
  } catch (const Error& err) {
    if (!expect_error) {
      ADD_FAILURE() << g.id << ": unexpected " << err.kind() << ": " << err.what();
      return;
    }
    EXPECT_EQ(std::string(err.kind()), hfx_kind_for(e.at("error").get<std::string>()))
        << g.id << ": " << err.what() << "\n pyhf said: " << e.at("error_message").get<std::string>();
  }
}

}  // namespace hfx::test
