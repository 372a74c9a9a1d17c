// Reading streamed ROOT objects: the class-part headers every object is made of, and the
// generic reader that lays an object out by the file's streamer information.
#pragma once

#include "hfx/root_file.hpp"

#include "byte_reader.hpp"
#include "streamer_info.hpp"

#include <cstddef>
#include <cstdint>
#include <fmt/format.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hfx::root::detail {

inline constexpr std::size_t kUnknownEnd = std::size_t(-1);

// A class part's header: a byte count (flag 0x40000000) and a 16-bit version. Some
// writers other than ROOT (Geant4's g4tools) leave the byte count out; then `end` is
// kUnknownEnd.
struct Part {
  int version = 0;
  std::size_t end = kUnknownEnd;  // one past the part's last byte
};
Part part(ByteReader& r, const char* what);
// Moves to the end of `p` (fails if the reader went past it).
void end_part(ByteReader& r, const Part& p, const char* what);
// Steps over a whole part, which needs its byte count.
void skip_part(ByteReader& r, const char* what);
// TObject: version, unique id, bits, and the process id when referenced.
void tobject(ByteReader& r);
// TNamed: its part header, TObject, name, title.
std::pair<std::string, std::string> named(ByteReader& r);

// A TArray's streamed values (a 32-bit length, then the values; ROOT writes no header for
// these hand-written streamers) as doubles. `what` names them in errors.
template <class T>
std::vector<double> read_array(ByteReader& r, std::string_view what) {
  const std::int32_t n = r.i32();
  if (n < 0 || static_cast<std::size_t>(n) > (r.size() - r.pos()) / sizeof(T))
    r.fail(fmt::format("{} claims {} values, more than the object holds", what, n));
  std::vector<double> out(static_cast<std::size_t>(n));
  for (double& v : out) v = static_cast<double>(r.read<T>());
  return out;
}
// The same for the array class `cls` (TArrayD, F, I, S, C, L, L64); fails for another.
std::vector<double> read_tarray(ByteReader& r, std::string_view cls, std::string_view what);

// Class names seen in one record (class tags are written once, then referred to by the
// position where they first appeared, counted from the start of the key).
class ClassTags {
 public:
  explicit ClassTags(std::int32_t key_len) : key_len_(key_len) {}
  // Reads an object written with its class (TBufferFile::WriteObjectAny) and calls
  // body(class_name) at the object's start; then moves to the object's end. Returns false
  // (reading nothing else) for a null pointer or a reference to an object read before.
  template <class Body>
  bool read(ByteReader& r, Body&& body) {
    const auto [cls, end] = header(r);
    if (end == kUnknownEnd) return false;
    body(cls);
    if (r.pos() > end) r.fail(cls + " is longer than its byte count says");
    r.seek(end);
    return true;
  }

 private:
  std::pair<std::string, std::size_t> header(ByteReader& r);
  std::int32_t key_len_;
  std::map<std::uint32_t, std::string> names_;
};

// One member's value: a number, a string, an array of numbers or a nested object.
struct Value;
using Members = std::map<std::string, Value>;
struct Value {
  double number = 0;
  std::string text;
  std::vector<double> numbers;
  std::shared_ptr<Members> object;
};

// Reads objects by their streamer information: bases and members in the order the
// file's TStreamerInfo lists them, each class part by the description of the version it
// was written with. TObject and the TArray classes have hand-written streamers in ROOT
// and are read as such; pointers to objects and STL members are stepped over by their
// byte counts.
class ObjectReader {
 public:
  ObjectReader(const StreamerInfos& infos, ByteReader& r) : infos_(infos), r_(r) {}
  // Reads one part of class `cls` (header, then its elements) into `out`; base classes'
  // members join `out`, member objects become nested Members.
  void read_class(const std::string& cls, Members& out, int depth = 0);

 private:
  void read_element(const StreamerElement& e, Members& out, int depth);
  double basic(int type, const StreamerElement& e);

  const StreamerInfos& infos_;
  ByteReader& r_;
};

// Decodes a one-dimensional histogram through the file's streamer information (what
// File::histogram does when the file has a description of the class).
Histogram decode_histogram(std::string_view class_name, std::string_view bytes, const std::string& where, const StreamerInfos& infos);

}  // namespace hfx::root::detail
