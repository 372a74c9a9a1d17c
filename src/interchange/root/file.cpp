// ROOT file structure: header, directories and their key lists, object records.
#include "hfx/root_file.hpp"

#include "byte_reader.hpp"
#include "decompress.hpp"
#include "object_reader.hpp"
#include "streamer_info.hpp"
#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <fcntl.h>
#include <mutex>
#include <set>
#include <unordered_map>
#include <sys/stat.h>
#include <unistd.h>

namespace hfx::root {

using detail::ByteReader;

namespace {

constexpr int kMaxDirectoryDepth = 64;

struct DirectoryRecord {
  std::int64_t seek_keys = 0;
  std::int32_t n_bytes_keys = 0;
};

// The directory record (TDirectoryFile::Streamer's on-disk layout): version, two dates,
// the sizes of the key list and of the name, then three seeks, 64-bit from version 1001.
DirectoryRecord read_directory(ByteReader& r) {
  const int version = r.i16();
  r.skip(8);  // creation and modification dates
  DirectoryRecord d;
  d.n_bytes_keys = r.i32();
  r.i32();  // size of the TNamed part
  if (version > 1000) {
    r.i64(), r.i64();
    d.seek_keys = r.i64();
  } else {
    r.i32(), r.i32();
    d.seek_keys = r.i32();
  }
  return d;
}

Key read_key_header(ByteReader& r) {
  Key k;
  k.n_bytes = r.i32();
  const int version = r.i16();
  k.obj_len = r.i32();
  r.u32();  // date
  k.key_len = r.i16();
  k.cycle = r.i16();
  if (version > 1000) {
    k.seek = r.i64();
    r.i64();  // parent directory
  } else {
    k.seek = r.i32();
    r.i32();
  }
  k.class_name = r.string();
  k.path = r.string();
  k.title = r.string();
  return k;
}

bool is_directory(const Key& k) { return k.class_name == "TDirectory" || k.class_name == "TDirectoryFile"; }

}  // namespace

struct File::Impl {
  std::string path;
  int fd = -1;          // the file, or
  std::string memory;   // its bytes (File::from_bytes)
  std::uint64_t size = 0;
  std::vector<Key> keys;
  std::unordered_map<std::string, std::vector<std::size_t>> by_path;  // key indexes per path
  Key streamer_info;
  // The streamer information, parsed when a histogram is first read.
  std::once_flag infos_once;
  std::unique_ptr<detail::StreamerInfos> infos;
  std::exception_ptr infos_error;

  ~Impl() {
    if (fd >= 0) ::close(fd);
  }

  [[noreturn]] void fail(const std::string& why) const { throw IOError(fmt::format("{}: {}", path, why)); }

  std::string read(std::int64_t offset, std::int64_t n, const std::string& what) const {
    if (offset < 0 || n < 0 || static_cast<std::uint64_t>(offset) > size || static_cast<std::uint64_t>(n) > size - offset)
      fail(fmt::format("{}: truncated file ({} bytes at offset {} lie beyond its {} bytes)", what, n, offset, size));
    if (fd < 0) return memory.substr(static_cast<std::size_t>(offset), static_cast<std::size_t>(n));
    std::string out(static_cast<std::size_t>(n), '\0');
    std::size_t done = 0;
    while (done < out.size()) {
      const ssize_t got = ::pread(fd, out.data() + done, out.size() - done, offset + static_cast<std::int64_t>(done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) fail(fmt::format("{}: read failed ({})", what, got < 0 ? std::strerror(errno) : "unexpected end of file"));
      done += static_cast<std::size_t>(got);
    }
    return out;
  }

  // Reads the key list at `dir` and appends its keys (then each subdirectory's).
  void read_keys(const DirectoryRecord& dir, const std::string& prefix, int depth, std::set<std::int64_t>& seen) {
    const std::string what = prefix.empty() ? "top directory's key list" : fmt::format("key list of directory '{}'", prefix);
    if (depth > kMaxDirectoryDepth) fail(fmt::format("{}: directories nested deeper than {}", what, kMaxDirectoryDepth));
    if (!seen.insert(dir.seek_keys).second) fail(fmt::format("{}: directory loop (key list at offset {} read twice)", what, dir.seek_keys));
    const std::string record = read(dir.seek_keys, dir.n_bytes_keys, what);
    ByteReader r(record, fmt::format("{}: {}", path, what));
    const Key list = read_key_header(r);
    if (list.key_len < 0 || static_cast<std::size_t>(list.key_len) > record.size()) r.fail("key length outside the record");
    r.seek(static_cast<std::size_t>(list.key_len));
    const std::int32_t n = r.i32();
    if (n < 0 || static_cast<std::size_t>(n) > record.size() / 20) r.fail(fmt::format("implausible number of keys {}", n));
    std::vector<Key> here;
    for (std::int32_t i = 0; i < n; ++i) {
      Key k = read_key_header(r);
      k.path = prefix + k.path;
      here.push_back(std::move(k));
    }
    for (Key& k : here) {
      keys.push_back(k);
      if (!is_directory(k)) continue;
      const std::string where = fmt::format("directory '{};{}'", k.path, k.cycle);
      if (k.key_len < 0 || k.n_bytes < k.key_len) fail(fmt::format("{}: key sizes inconsistent", where));
      const std::string body = read(k.seek + k.key_len, k.n_bytes - k.key_len, where);
      ByteReader d(body, fmt::format("{}: {}", path, where));
      read_keys(read_directory(d), k.path + "/", depth + 1, seen);
    }
  }
};

File::File(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
File::File(File&&) noexcept = default;
File& File::operator=(File&&) noexcept = default;
File::~File() = default;

File File::open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (impl->fd < 0) throw IOError(fmt::format("{}: cannot open ({})", path, std::strerror(errno)));
  struct stat st {};
  if (::fstat(impl->fd, &st) != 0 || !S_ISREG(st.st_mode)) throw IOError(fmt::format("{}: not a regular file", path));
  impl->size = static_cast<std::uint64_t>(st.st_size);
  return read_structure(std::move(impl));
}

File File::from_bytes(std::string bytes, const std::string& name) {
  auto impl = std::make_unique<Impl>();
  impl->path = name;
  impl->memory = std::move(bytes);
  impl->size = impl->memory.size();
  return read_structure(std::move(impl));
}

File File::read_structure(std::unique_ptr<Impl> impl) {
  const std::string& path = impl->path;

  const std::string head = impl->read(0, std::min<std::int64_t>(64, static_cast<std::int64_t>(impl->size)), "file header");
  if (head.size() < 4 || head.compare(0, 4, "root") != 0) impl->fail("not a ROOT file (it does not start with \"root\")");
  ByteReader h(head, path + ": file header");
  h.skip(4);
  const std::int32_t version = h.i32();
  const std::int32_t begin = h.i32();
  const bool big = version >= 1000000;  // 64-bit seeks (a negative version word is a small file, as ROOT reads it)
  if (big) {  // end, free segments
    h.i64(), h.i64();
  } else {
    h.i32(), h.i32();
  }
  h.i32(), h.i32();
  const std::int32_t n_bytes_name = h.i32();
  h.u8(), h.i32();  // units, compression setting
  const std::int64_t seek_info = big ? h.i64() : h.i32();
  const std::int32_t n_bytes_info = h.i32();
  const std::int64_t top_at = std::int64_t{begin} + n_bytes_name;
  const std::int64_t top_size = std::min<std::int64_t>(42, static_cast<std::int64_t>(impl->size) - top_at);
  const std::string top = impl->read(top_at, std::max<std::int64_t>(top_size, 0), "top directory record");
  ByteReader d(top, path + ": top directory record");
  std::set<std::int64_t> seen;
  impl->read_keys(read_directory(d), "", 0, seen);
  for (std::size_t i = 0; i < impl->keys.size(); ++i) impl->by_path[impl->keys[i].path].push_back(i);
  if (seek_info > 0) {
    const std::string record = impl->read(seek_info, n_bytes_info, "streamer information key");
    ByteReader k(record, path + ": streamer information key");
    impl->streamer_info = read_key_header(k);
  }
  return File(std::move(impl));
}

const std::string& File::path() const { return impl_->path; }
const std::vector<Key>& File::keys() const { return impl_->keys; }
const Key& File::streamer_info() const { return impl_->streamer_info; }

const Key* File::find(std::string_view path) const {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  int cycle = -1;
  if (const auto semi = path.rfind(';'); semi != std::string_view::npos) {
    const std::string_view digits = path.substr(semi + 1);
    if (!digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos && digits.size() < 6) {
      cycle = std::stoi(std::string(digits));
      path = path.substr(0, semi);
    }
  }
  const auto it = impl_->by_path.find(std::string(path));
  if (it == impl_->by_path.end()) return nullptr;
  const Key* best = nullptr;
  for (const std::size_t i : it->second) {
    const Key& k = impl_->keys[i];
    if (cycle >= 0 ? k.cycle == cycle : (!best || k.cycle > best->cycle)) best = &k;
  }
  return best;
}

std::string File::object_bytes(const Key& key) const {
  const std::string name = fmt::format("key '{};{}'", key.path, key.cycle);
  const std::string where = fmt::format("{}: {}", impl_->path, name);
  if (key.key_len < 0 || key.n_bytes < key.key_len || key.obj_len < 0)
    throw IOError(where + ": key sizes inconsistent (record " + std::to_string(key.n_bytes) + ", header " +
                  std::to_string(key.key_len) + ", object " + std::to_string(key.obj_len) + " bytes)");
  std::string stored = impl_->read(key.seek + key.key_len, key.n_bytes - key.key_len, name);
  if (static_cast<std::size_t>(key.obj_len) <= stored.size()) {
    stored.resize(static_cast<std::size_t>(key.obj_len));
    return stored;
  }
  return detail::decompress(stored, static_cast<std::size_t>(key.obj_len), where);
}

const detail::StreamerInfos* File::streamer_infos() const {
  Impl& i = *impl_;
  std::call_once(i.infos_once, [&] {
    if (i.streamer_info.class_name.empty()) return;
    try {
      i.infos = std::make_unique<detail::StreamerInfos>(detail::StreamerInfos::parse(
          object_bytes(i.streamer_info), i.streamer_info.key_len, fmt::format("{}: streamer information", i.path)));
    } catch (const IOError&) {
      i.infos_error = std::current_exception();
    }
  });
  if (i.infos_error) std::rethrow_exception(i.infos_error);
  return i.infos.get();
}

Histogram File::histogram(std::string_view path) const {
  const Key* key = find(path);
  if (!key) throw IOError(fmt::format("{}: no key '{}'", impl_->path, path));
  return histogram(*key);
}

Histogram File::histogram(const Key& key) const {
  const std::string where = fmt::format("{}: key '{};{}'", impl_->path, key.path, key.cycle);
  const std::string bytes = object_bytes(key);
  // Through the streamer information; where that cannot be read or does not describe the
  // object, the built-in layouts, which need byte counts but no description.
  std::exception_ptr streamed_error;
  try {
    const detail::StreamerInfos* infos = streamer_infos();
    if (infos && infos->has(key.class_name)) return detail::decode_histogram(key.class_name, bytes, where, *infos);
  } catch (const IOError&) {
    streamed_error = std::current_exception();
  }
  try {
    return decode_histogram(key.class_name, bytes, where);
  } catch (const IOError&) {
    if (streamed_error) std::rethrow_exception(streamed_error);
    throw;
  }
}

}  // namespace hfx::root
