#include "hfx/file_io.hpp"

#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hfx {

bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

namespace {

mode_t current_umask() {
  const mode_t m = ::umask(0);
  ::umask(m);
  return m;
}

}  // namespace

void write_file(const std::string& given, std::string_view text) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // A symbolic link stays one: its target is replaced.
  const std::string path = fs::is_symlink(fs::symlink_status(given, ec)) ? fs::weakly_canonical(given, ec).string() : given;
  const auto status = fs::status(path, ec);
  if (fs::is_directory(status)) throw IOError(fmt::format("{}: is a directory", path));
  if (fs::exists(status) && !fs::is_regular_file(status)) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw IOError(fmt::format("{}: cannot open for writing: {}", path, std::strerror(errno)));
    const bool ok = write_all(fd, text);
    const int err = errno;
    if (::close(fd) != 0 || !ok) throw IOError(fmt::format("{}: write error: {}", path, std::strerror(ok ? errno : err)));
    return;
  }
  std::string tmp = path + ".XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw IOError(fmt::format("{}: cannot open for writing: {}", path, std::strerror(errno)));
  bool ok = write_all(fd, text) && ::fsync(fd) == 0;
  int err = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  // A replaced file keeps its permissions; a new one gets the umask's.
  struct stat old {};
  const mode_t mode = ::stat(path.c_str(), &old) == 0 ? (old.st_mode & 07777) : (0666 & ~current_umask());
  if (ok && ::chmod(tmp.c_str(), mode) == 0 && ::rename(tmp.c_str(), path.c_str()) == 0) return;
  if (ok) err = errno;
  ::unlink(tmp.c_str());
  throw IOError(fmt::format("{}: write error: {}", path, std::strerror(err)));
}

}  // namespace hfx
