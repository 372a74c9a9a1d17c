// hfx::Error's one-line messages.
#include "hfx/errors.hpp"

#include <fmt/format.h>

namespace hfx {

std::string Error::one_line(const std::string& text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxMessage) + 16);
  std::size_t i = 0;
  for (; i < text.size() && out.size() < kMaxMessage; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) out += fmt::format("\\x{:02x}", c);
        else out += static_cast<char>(c);
    }
  }
  if (i < text.size()) out += fmt::format("... ({} more bytes)", text.size() - i);
  return out;
}

}  // namespace hfx
