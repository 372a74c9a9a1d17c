#include "toy_checkpoint.hpp"

#include "common.hpp"

#include "hfx/errors.hpp"
#include "hfx/file_io.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

namespace hfx::cli {

ToyCheckpoint::ToyCheckpoint(std::string output_file, Json header)
    : path_(std::move(output_file) + ".partial"), header_(std::move(header)) {}

ToyCheckpoint::~ToyCheckpoint() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<ToyOutcome> ToyCheckpoint::resume() {
  std::vector<ToyOutcome> known;
  const bool exists = std::filesystem::exists(path_);
  if (exists) {
    std::istringstream lines(read_file(path_));
    std::string line;
    std::getline(lines, line);
    Json header;
    try {
      header = Json::parse(line);
    } catch (const std::exception&) {
    }
    if (header.dump() != header_.dump())
      throw InvalidSpecification(fmt::format(
          "{}: a checkpoint of another toy run (its first line differs from this run's model, mu, seed or toys); "
          "remove it to start anew",
          path_));
    const auto ntoys = header_.at("ntoys").get<std::size_t>();
    while (std::getline(lines, line)) {
      Json j;
      try {
        j = Json::parse(line);
      } catch (const std::exception&) {
        continue;  // the line a kill cut short
      }
      if (!j.is_object() || !j.contains("h") || !j.contains("i") || !j["h"].is_number_unsigned() ||
          !j["i"].is_number_unsigned() || j["h"].get<int>() > 1 || j["i"].get<std::size_t>() >= ntoys)
        continue;
      ToyOutcome o{j["h"].get<int>(), j["i"].get<std::size_t>(), !j.contains("failed"), 0.0};
      if (o.converged) {
        if (!j.contains("t") || !j["t"].is_number() || !std::isfinite(j["t"].get<double>())) continue;
        o.value = j["t"].get<double>();
      }
      known.push_back(o);
    }
  }
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0) throw IOError(fmt::format("{}: cannot open for writing: {}", path_, std::strerror(errno)));
  // A line cut short by a kill would join the next one: start on a fresh line.
  append(exists ? "\n" : header_.dump() + "\n");
  return known;
}

void ToyCheckpoint::append(const std::string& line) {
  // One write() per line with O_APPEND: a kill leaves whole lines and at most one torn one.
  if (!write_all(fd_, line)) throw IOError(fmt::format("{}: write error: {}", path_, std::strerror(errno)));
}

void ToyCheckpoint::record(const ToyOutcome& o) {
  append(o.converged ? fmt::format("{{\"h\": {}, \"i\": {}, \"t\": {}}}\n", o.hypothesis, o.index, python_float_repr(o.value))
                     : fmt::format("{{\"h\": {}, \"i\": {}, \"failed\": true}}\n", o.hypothesis, o.index));
}

void ToyCheckpoint::finish() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  std::filesystem::remove(path_);
}

}  // namespace hfx::cli
