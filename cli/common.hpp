// Shared helpers of the hfx command-line adapter.
#pragma once

#include "hfx/json.hpp"

#include <CLI/CLI.hpp>

#include <string>

namespace hfx::cli {

// Writes `value` as indented JSON to `output_file`, or to stdout when it is empty.
void write_json(const Json& value, const std::string& output_file, int indent = 4);
// Writes text to `output_file`, or stdout when empty.
void write_text(const std::string& text, const std::string& output_file);

// Subcommand registration, one per file in cli/.
void add_digest(CLI::App& app);

}  // namespace hfx::cli
