// Shared by the libFuzzer targets in tests/fuzz: the exception policy and a seed workspace.
//
// Policy: an hfx::Error is an expected outcome of a bad input (caught, and its message
// must be one line); any other exception escapes LLVMFuzzerTestOneInput, std::terminate
// aborts, and libFuzzer records the input as a crash. So do failed invariants (trap()).
#pragma once

#include <hfx/errors.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace hfx_fuzz {

// Inputs larger than this are rejected (libFuzzer does not add them to the corpus).
inline constexpr std::size_t kMaxInput = 64 * 1024;

[[noreturn]] inline void trap(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "hfx fuzz invariant failed: %s: %.*s\n", what,
               static_cast<int>(detail.size() > 2000 ? 2000 : detail.size()), detail.data());
  std::abort();
}

// Every hfx::Error message is one non-empty line.
inline void check_error(const hfx::Error& e) {
  const char* msg = e.what();
  if (msg == nullptr || *msg == '\0') trap("empty hfx::Error message", e.kind());
  if (std::strchr(msg, '\n') != nullptr || std::strchr(msg, '\r') != nullptr)
    trap("hfx::Error message spans several lines", msg);
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A small valid workspace with every modifier type, two channels and two measurements:
// the document patches are applied to when the input brings none (fuzz_patch).
inline constexpr std::string_view kSeedWorkspace = R"({
 "channels": [
  {"name": "SR", "samples": [
   {"name": "signal", "data": [5.0, 10.0], "modifiers": [
    {"name": "mu", "type": "normfactor", "data": null},
    {"name": "lumi", "type": "lumi", "data": null},
    {"name": "sig_theory", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}]},
   {"name": "bkg", "data": [50.0, 60.0], "modifiers": [
    {"name": "bkg_shape", "type": "histosys", "data": {"hi_data": [55.0, 62.0], "lo_data": [45.0, 58.0]}},
    {"name": "staterror_SR", "type": "staterror", "data": [3.0, 4.0]},
    {"name": "bkg_norm", "type": "normfactor", "data": null}]}]},
  {"name": "CR", "samples": [
   {"name": "bkg", "data": [100.0], "modifiers": [
    {"name": "bkg_unc", "type": "shapesys", "data": [10.0]},
    {"name": "bkg_free", "type": "shapefactor", "data": null},
    {"name": "bkg_norm", "type": "normfactor", "data": null}]}]}
 ],
 "observations": [
  {"name": "SR", "data": [53.0, 65.0]},
  {"name": "CR", "data": [102.0]}
 ],
 "measurements": [
  {"name": "meas", "config": {"poi": "mu", "parameters": [
   {"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "bounds": [[0.9, 1.1]], "inits": [1.0]},
   {"name": "mu", "bounds": [[0.0, 10.0]], "inits": [1.0]}]}},
  {"name": "meas_fixed", "config": {"poi": "mu", "parameters": [
   {"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], "fixed": true},
   {"name": "bkg_norm", "fixed": true}]}}
 ],
 "version": "1.0.0"
})";

}  // namespace hfx_fuzz
