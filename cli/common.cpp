#include "common.hpp"

#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iostream>

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

}  // namespace hfx::cli
