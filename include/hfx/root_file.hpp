// Reading (and writing TH1D histograms to) the parts of ROOT files that HistFactory inputs use, without ROOT:
// directories, keys (every cycle) and one-dimensional histograms (TH1C/S/I/F/D).
//
// Reading follows the ROOT file format (root.cern/doc/master/classTFile.html, TKey,
// TDirectoryFile): big-endian records, 32- or 64-bit seeks, objects stored plain or
// compressed in blocks with zlib ("ZL"), LZMA ("XZ"), LZ4 ("L4", xxhash64 checked) or
// Zstandard ("ZS"). Histograms are laid out by the file's streamer information (the
// TStreamerInfo of each class version stored), so any class version ROOT describes is
// read; an object without it (decode_histogram, or a file whose streamer information is
// missing, damaged or does not describe the object) is decoded by the layouts of TH1
// class versions 3 to 8 and TAxis up to 10 (every ROOT since 2003). Nested objects hfx
// does not need are stepped over by their byte counts.
//
// Every problem is an IOError with one line naming the file, the key and what is wrong
// (truncated record, unsupported class or compression, checksum mismatch, a byte count
// pointing outside its object); no input makes the reader crash or read out of bounds.
#pragma once

#include "hfx/json.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hfx::root {

namespace detail {
class StreamerInfos;
}

// One key of a ROOT file. `path` is the object's directory path and name ("dir/sub/h").
struct Key {
  std::string path;
  std::string class_name;
  std::string title;
  int cycle = 0;
  std::int64_t seek = 0;      // where the key's record starts
  std::int32_t n_bytes = 0;   // record size on disk (key header + stored object)
  std::int32_t key_len = 0;   // size of the key header
  std::int32_t obj_len = 0;   // size of the object once decompressed
};

// A one-dimensional histogram. Bin arrays include the underflow (index 0) and overflow
// (index bins() + 1) bins, as ROOT stores them.
struct Histogram {
  std::string class_name;   // TH1F, TH1D, ...
  std::string name, title;
  std::vector<double> edges;     // bins() + 1 bin edges (uniform ones computed)
  std::vector<double> contents;  // bins() + 2
  std::vector<double> sumw2;     // bins() + 2, or empty when Sumw2 was never filled
  double entries = 0;

  std::size_t bins() const { return contents.size() - 2; }
  // Bin contents without under- and overflow (what uproot's to_numpy()[0] gives).
  std::vector<double> values() const;
  // True when the histogram carries sums of squared weights.
  bool weighted() const { return sumw2.size() == contents.size(); }
  // Per-bin variances without flow bins: sumw2 when weighted, else the contents
  // (unweighted filling: Poisson).
  std::vector<double> variances() const;
};

// A ROOT file opened for reading. Keys are read once when the file is opened.
class File {
 public:
  // Throws IOError if the file cannot be read or is not a ROOT file.
  static File open(const std::string& path);
  // The same for a file's bytes held in memory; `name` stands for the path in errors.
  static File from_bytes(std::string bytes, const std::string& name);

  const std::string& path() const;
  // Every key of every directory: a directory's keys in file order, each subdirectory's
  // keys after its own key (depth first). Directories themselves are keys too.
  const std::vector<Key>& keys() const;
  // The key of the streamer information record (the TList of TStreamerInfo describing
  // the classes stored); its class_name is empty when the file has none.
  const Key& streamer_info() const;
  // The key named `path` ("dir/h", leading "/" ignored, optional ";cycle"); without a
  // cycle, the highest one. nullptr when there is none.
  const Key* find(std::string_view path) const;
  // The object bytes of `key`, decompressed.
  std::string object_bytes(const Key& key) const;
  // Reads the histogram at `path`; throws IOError if there is none or it is not 1-D.
  Histogram histogram(std::string_view path) const;
  // The same for a key of this file.
  Histogram histogram(const Key& key) const;

  File(File&&) noexcept;
  File& operator=(File&&) noexcept;
  ~File();

 private:
  struct Impl;
  explicit File(std::unique_ptr<Impl> impl);
  static File read_structure(std::unique_ptr<Impl> impl);
  // The parsed streamer information (nullptr when the file has none); parsed once.
  const detail::StreamerInfos* streamer_infos() const;
  std::unique_ptr<Impl> impl_;
};

// The histogram as JSON: class, name, title, edges, contents and sumw2 (with flow bins),
// entries (what `hfx rootfile` prints and hfx._core.root_histogram returns).
Json to_json(const Histogram& h);

// Decodes a histogram object from its (decompressed) bytes. `where` names it in errors.
Histogram decode_histogram(std::string_view class_name, std::string_view bytes, const std::string& where);

// A histogram for write_histograms: bins 0..n on its axis (HistFactory XML refers to
// histograms by bin index only).
struct HistogramToWrite {
  std::string path;              // key name (no directories)
  std::string title;
  std::vector<double> contents;  // one per bin, no under-/overflow
  std::vector<double> sumw2;     // empty (Poisson errors), or one per bin
};

// Writes a ROOT file (format 6.24, 32-bit seeks) holding these TH1D histograms at the top
// directory, zlib-compressed, with the streamer information of the classes it stores, as
// ROOT writes them (ROOT, uproot, JSROOT and File above read it). The same input gives the
// same bytes. The file appears whole or not at all (write_file). Throws IOError.
void write_histograms(const std::string& file_path, const std::vector<HistogramToWrite>& histograms);

}  // namespace hfx::root
