// A bounds-checked cursor over big-endian ROOT records. Every read past the end throws
// IOError "WHERE: truncated (needs N bytes at offset O, has S)", so no record can make
// the reader look outside its buffer.
#pragma once

#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace hfx::root::detail {

class ByteReader {
 public:
  ByteReader(std::string_view bytes, std::string where) : bytes_(bytes), where_(std::move(where)) {}

  std::size_t pos() const { return pos_; }
  std::size_t size() const { return bytes_.size(); }
  const std::string& where() const { return where_; }
  void seek(std::size_t pos) {
    if (pos > bytes_.size()) fail(fmt::format("offset {} lies beyond the record's {} bytes", pos, bytes_.size()));
    pos_ = pos;
  }
  void skip(std::size_t n) { need(n), pos_ += n; }

  template <class T>
  T read() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    if constexpr (sizeof(T) > 1 && std::endian::native == std::endian::little) v = byteswap(v);
    return v;
  }
  std::int8_t i8() { return read<std::int8_t>(); }
  std::uint8_t u8() { return read<std::uint8_t>(); }
  std::int16_t i16() { return read<std::int16_t>(); }
  std::int32_t i32() { return read<std::int32_t>(); }
  std::uint32_t u32() { return read<std::uint32_t>(); }
  std::int64_t i64() { return read<std::int64_t>(); }
  float f32() { return read<float>(); }
  double f64() { return read<double>(); }

  // A TString: one length byte, or 255 followed by a 32-bit length.
  std::string string() {
    std::size_t n = u8();
    if (n == 255) n = u32();
    need(n);
    std::string s(bytes_.substr(pos_, n));
    pos_ += n;
    return s;
  }

  [[noreturn]] void fail(const std::string& why) const { throw IOError(where_ + ": " + why); }

 private:
  template <class T>
  static T byteswap(T v) {
    unsigned char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    for (std::size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(b[i], b[sizeof(T) - 1 - i]);
    std::memcpy(&v, b, sizeof(T));
    return v;
  }
  void need(std::size_t n) const {
    if (n > bytes_.size() - pos_)
      fail(fmt::format("truncated (needs {} bytes at offset {}, the record has {})", n, pos_, bytes_.size()));
  }

  std::string_view bytes_;
  std::size_t pos_ = 0;
  std::string where_;
};

}  // namespace hfx::root::detail
