// Helpers shared by the tests: locating test data, reading reference files.
#pragma once

#include "hfx/json.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace hfx::test {

inline std::string data_path(const std::string& rel) { return std::string(HFX_TEST_DATA) + "/" + rel; }
inline Json load(const std::string& rel) { return load_json_file(data_path(rel)); }
// Loads a pyhf-written reference file, in which Python may have written NaN (as NaN)
// for undefined results; those become null.
Json load_lenient(const std::string& rel);

// Reference cases (folders of tests/data/reference/) that hold a workspace.json.
inline std::vector<std::string> reference_cases() {
  return {"pyhf-validation/1bin_lumi", "pyhf-validation/1bin_normsys", "pyhf-validation/1bin_shapesys",
          "pyhf-validation/1bin_shapesys_q0", "pyhf-validation/2bin_2channel",
          "pyhf-validation/2bin_2channel_coupledhistosys", "pyhf-validation/2bin_2channel_couplednorm",
          "pyhf-validation/2bin_2channel_coupledshapefactor", "pyhf-validation/2bin_histosys",
          "small/litehf-lumi", "small/litehf-multi-channel", "small/litehf-single-channel-big",
          "small/litehf-staterror-shapesys", "small/pyhf-docs-2bin-1channel", "small/pyhf-patchset-example",
          "sbottom-multib-regionA", "3L-eRJR", "1Lbb-simplified", "staus-highmass"};
}
// The real published likelihoods, which carry a reference.json.
inline std::vector<std::string> real_cases() {
  return {"sbottom-multib-regionA", "3L-eRJR", "1Lbb-simplified", "staus-highmass"};
}

// gtest parameter name from a case folder ("small/x-y" -> "small_x_y").
inline std::string case_name(std::string s) {
  for (auto& c : s)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

// This test process's scratch directory (created on first use, under the system temp
// directory, named by the process id); it is removed when the process's tests end.
std::filesystem::path scratch_dir();
inline std::filesystem::path scratch(const std::string& name) { return scratch_dir() / name; }

// Runs a shell command, returns (exit code, stdout+stderr).
std::pair<int, std::string> run_command(const std::string& cmd);
// `s` quoted for the shell.
std::string shell_quote(const std::string& s);
// Runs the hfx CLI with `args` (then the shell text `redirect`, e.g. "> /dev/full");
// returns (exit code, stdout+stderr).
std::pair<int, std::string> run_hfx(const std::vector<std::string>& args, const std::string& redirect = "");

}  // namespace hfx::test
