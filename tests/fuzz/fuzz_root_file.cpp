// libFuzzer target: the ROOT file reader. The first byte chooses what the rest is: a
// whole file (opened, every key's object read, every TH1 decoded) or the streamed bytes
// of one histogram object of the class the second byte names.
#include "fuzz_common.hpp"

#include <hfx/root_file.hpp>

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2 || size > hfx_fuzz::kMaxInput) return -1;
  static const char* const classes[] = {"TH1D", "TH1F", "TH1I", "TH1S", "TH1C", "TH2F"};
  const std::string bytes(hfx_fuzz::as_text(data + 2, size - 2));
  try {
    if (data[0] % 2 == 0) {
      const hfx::root::File f = hfx::root::File::from_bytes(bytes, "fuzz.root");
      (void)f.object_bytes(f.streamer_info());
      for (const hfx::root::Key& k : f.keys()) {
        (void)f.object_bytes(k);
        if (k.class_name.rfind("TH1", 0) == 0) (void)f.histogram(k);
      }
    } else {
      const hfx::root::Histogram h = hfx::root::decode_histogram(classes[data[1] % 6], bytes, "fuzz");
      if (h.contents.size() != h.bins() + 2 || h.edges.size() != h.bins() + 1) hfx_fuzz::trap("histogram shape");
    }
  } catch (const hfx::Error& e) {
    hfx_fuzz::check_error(e);
  }
  return 0;
}
