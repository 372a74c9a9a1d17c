// ROOT's compressed object records: a sequence of blocks, each a 9-byte header (two
// letters naming the algorithm, a method byte, the compressed and the uncompressed size
// as 3-byte little-endian numbers) followed by the compressed bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hfx::root::detail {

// Decompresses `stored` (the object part of a key's record) into exactly `object_size`
// bytes. Supports "ZL" (zlib), "XZ" (LZMA/xz), "L4" (LZ4 with its xxhash64 checksum)
// and "ZS" (Zstandard). Throws IOError "WHERE: ..." for an unknown algorithm, a block
// that does not decode to its stated size, a checksum mismatch, or sizes that disagree.
std::string decompress(std::string_view stored, std::size_t object_size, const std::string& where);

}  // namespace hfx::root::detail
