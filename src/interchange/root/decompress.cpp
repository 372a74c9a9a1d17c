#include "decompress.hpp"

#include "hfx/errors.hpp"

#include <fmt/format.h>
#include <lz4.h>
#include <lzma.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <cstring>

namespace hfx::root::detail {
namespace {

constexpr std::size_t kHeader = 9;
constexpr std::size_t kLz4Checksum = 8;

[[noreturn]] void fail(const std::string& where, const std::string& why) { throw IOError(where + ": " + why); }

std::size_t inflate_zlib(std::string_view in, char* out, std::size_t out_size, const std::string& where) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) fail(where, "zlib could not start");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out);
  z.avail_out = static_cast<uInt>(out_size);
  const int rc = inflate(&z, Z_FINISH);
  const std::size_t produced = out_size - z.avail_out;
  inflateEnd(&z);
  if (rc != Z_STREAM_END) fail(where, fmt::format("zlib block does not decode ({})", z.msg ? z.msg : "corrupt or truncated data"));
  return produced;
}

std::size_t inflate_xz(std::string_view in, char* out, std::size_t out_size, const std::string& where) {
  std::uint64_t memlimit = std::uint64_t{1} << 30;
  std::size_t in_pos = 0, out_pos = 0;
  const lzma_ret rc = lzma_stream_buffer_decode(&memlimit, 0, nullptr, reinterpret_cast<const std::uint8_t*>(in.data()),
                                                &in_pos, in.size(), reinterpret_cast<std::uint8_t*>(out), &out_pos, out_size);
  if (rc != LZMA_OK) fail(where, fmt::format("LZMA block does not decode (liblzma status {})", static_cast<int>(rc)));
  return out_pos;
}

std::size_t inflate_lz4(std::string_view in, char* out, std::size_t out_size, const std::string& where) {
  if (in.size() < kLz4Checksum) fail(where, "LZ4 block shorter than its checksum");
  XXH64_canonical_t stored;
  std::memcpy(&stored, in.data(), kLz4Checksum);
  const std::string_view data = in.substr(kLz4Checksum);
  if (XXH64_hashFromCanonical(&stored) != XXH64(data.data(), data.size(), 0)) fail(where, "LZ4 block checksum mismatch");
  const int n = LZ4_decompress_safe(data.data(), out, static_cast<int>(data.size()), static_cast<int>(out_size));
  if (n < 0) fail(where, "LZ4 block does not decode");
  return static_cast<std::size_t>(n);
}

std::size_t inflate_zstd(std::string_view in, char* out, std::size_t out_size, const std::string& where) {
  const std::size_t n = ZSTD_decompress(out, out_size, in.data(), in.size());
  if (ZSTD_isError(n)) fail(where, fmt::format("Zstandard block does not decode ({})", ZSTD_getErrorName(n)));
  return n;
}

}  // namespace

std::string decompress(std::string_view stored, std::size_t object_size, const std::string& where) {
  // The output grows block by block (each at most 16 MiB), so a corrupt object size
  // cannot make the reader allocate more than the blocks really decode to.
  std::string out;
  std::size_t in_pos = 0;
  while (out.size() < object_size) {
    if (stored.size() - in_pos < kHeader)
      fail(where, fmt::format("compressed record truncated: {} of {} bytes decoded", out.size(), object_size));
    const auto* h = reinterpret_cast<const unsigned char*>(stored.data() + in_pos);
    const std::size_t c_size = h[3] | (h[4] << 8) | (std::size_t{h[5]} << 16);
    const std::size_t u_size = h[6] | (h[7] << 8) | (std::size_t{h[8]} << 16);
    const std::string algo{static_cast<char>(h[0]), static_cast<char>(h[1])};
    in_pos += kHeader;
    if (c_size > stored.size() - in_pos)
      fail(where, fmt::format("compressed block of {} bytes runs past the record ({} left)", c_size, stored.size() - in_pos));
    if (u_size == 0 || u_size > object_size - out.size())
      fail(where, fmt::format("compressed block claims {} bytes, {} of the object remain", u_size, object_size - out.size()));
    const std::string_view block = stored.substr(in_pos, c_size);
    const std::size_t out_pos = out.size();
    out.resize(out_pos + u_size);
    char* dst = out.data() + out_pos;
    std::size_t n = 0;
    if (algo == "ZL") n = inflate_zlib(block, dst, u_size, where);
    else if (algo == "XZ") n = inflate_xz(block, dst, u_size, where);
    else if (algo == "L4") n = inflate_lz4(block, dst, u_size, where);
    else if (algo == "ZS") n = inflate_zstd(block, dst, u_size, where);
    else if (algo == "CS") fail(where, "compressed with ROOT's old algorithm (\"CS\"), which hfx does not read; re-save the file with ROOT 6");
    else fail(where, fmt::format("unknown compression algorithm (block header bytes {:02x} {:02x})", h[0], h[1]));
    if (n != u_size) fail(where, fmt::format("compressed block decoded to {} bytes, its header says {}", n, u_size));
    in_pos += c_size;
  }
  return out;
}

}  // namespace hfx::root::detail
