// Saving toy outcomes as they are computed, so that a killed `hfx cls --calctype
// toybased --toys-output FILE` run loses only the toys in flight: rerun the same command
// and it resumes from FILE.partial.
#pragma once

#include "hfx/json.hpp"
#include "hfx/toys.hpp"

#include <string>
#include <vector>

namespace hfx::cli {

// FILE.partial holds one JSON line describing the run (`header`: model digest, mu,
// seed, ... -- a checkpoint of another run is refused), then one line per toy,
// {"h": 0|1, "i": index, "t": value} or {"h": ..., "i": ..., "failed": true}, each
// appended with one write() as the toy finishes. A line cut short by a kill is ignored.
class ToyCheckpoint {
 public:
  ToyCheckpoint(std::string output_file, Json header);
  ~ToyCheckpoint();
  ToyCheckpoint(const ToyCheckpoint&) = delete;
  ToyCheckpoint& operator=(const ToyCheckpoint&) = delete;

  // The outcomes saved by an earlier run of the same header (empty if none); then
  // opens the file for appending. Throws InvalidSpecification for another run's file.
  std::vector<ToyOutcome> resume();
  // Appends one outcome. Throws IOError if it cannot be written.
  void record(const ToyOutcome& outcome);
  // The run is complete and its output written: removes the checkpoint.
  void finish();
  const std::string& path() const { return path_; }

 private:
  void append(const std::string& line);
  std::string path_;
  Json header_;
  int fd_ = -1;
};

}  // namespace hfx::cli
