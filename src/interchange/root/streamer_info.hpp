// The streamer information of a ROOT file: for each class and class version stored in
// the file, the list of its members (TStreamerInfo and its TStreamerElements), which is
// how ROOT writes objects and how a reader lays them out without compiled-in knowledge
// of every class version. Read from the file's streamer information record (a TList).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hfx::root::detail {

// One member (or base class) of a class, as a TStreamerElement describes it.
struct StreamerElement {
  std::string element_class;  // TStreamerBase, TStreamerBasicType, TStreamerObject, ...
  std::string name;           // member name; for a base, the base class name
  std::string title;          // a Double32_t/Float16_t range "[min,max,bits]" starts it
  std::string type_name;      // "Int_t", "TAxis", "double*", ...
  int type = 0;               // ROOT's TVirtualStreamerInfo::EReadWrite code
  int array_length = 0;       // fixed arrays (type 20 + basic)
  int base_version = 0;       // TStreamerBase: the base class version streamed
  std::string count_name;     // TStreamerBasicPointer: the member holding the length
};

struct ClassStreamer {
  std::string name;
  int version = 0;
  std::uint32_t checksum = 0;
  std::vector<StreamerElement> elements;
};

class StreamerInfos {
 public:
  // Parses the streamer information record's object bytes (the TList). `key_len` is the
  // record's key header length: class references inside count positions from the key's
  // start. `where` names the record in errors (IOError).
  static StreamerInfos parse(std::string_view bytes, std::int32_t key_len, const std::string& where);

  // The description of `name` at `version`, or nullptr when the file has none.
  const ClassStreamer* find(std::string_view name, int version) const;
  // True when the file describes some version of `name`.
  bool has(std::string_view name) const;
  const std::vector<ClassStreamer>& classes() const { return classes_; }

 private:
  std::vector<ClassStreamer> classes_;
  std::map<std::pair<std::string, int>, std::size_t, std::less<>> index_;
};

}  // namespace hfx::root::detail
