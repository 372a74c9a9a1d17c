// Writing files so that a kill or a full disk never leaves a partial one behind.
// (Reading is read_file in json.hpp.)
#pragma once

#include <string>
#include <string_view>

namespace hfx {

// Writes all of `text` to the file descriptor `fd` (again after a short write or EINTR);
// false on an error, which errno tells.
bool write_all(int fd, std::string_view text);

// Writes `text` to the file `path`. A regular file appears whole or not at all (written
// beside it, fsync'ed, renamed over it; it keeps its permissions, and a symbolic link
// keeps pointing at it); a device or pipe (/dev/stdout, a FIFO) is written in place.
// Every write is checked: throws IOError naming the file.
void write_file(const std::string& path, std::string_view text);

}  // namespace hfx
