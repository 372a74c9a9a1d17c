// The ROOT file reader against an independent reader (JSROOT's dumps in
// tests/data/interchange/jsroot, made by scripts/jsroot-expectations.sh), across the
// compression algorithms, and on damaged files.
#include "hfx/errors.hpp"
#include "hfx/root_file.hpp"
#include "interchange/root/object_reader.hpp"
#include "interchange/root/streamer_info.hpp"
#include "test_util.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace fs = std::filesystem;
using hfx::Json;
using hfx::test::data_path;

namespace {

std::vector<std::string> root_files() {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(data_path("interchange")))
    if (e.path().extension() == ".root") out.push_back(fs::relative(e.path(), data_path("interchange")).string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Geant4's g4tools writes TH1 without byte counts, so only the file's streamer
// information tells where its members end.
bool written_by_g4tools(const std::string& rel) { return rel.find("issue-250") != std::string::npos; }

TEST(RootFile, AgreesWithJsrootOnEveryTestFile) {
  const auto files = root_files();
  ASSERT_GE(files.size(), 24u);
  std::size_t histograms = 0;
  for (const std::string& rel : files) {
    SCOPED_TRACE(rel);
    std::string dump_name = rel;
    std::replace(dump_name.begin(), dump_name.end(), '/', '_');
    const Json js = hfx::test::load("interchange/jsroot/" + dump_name.substr(0, dump_name.size() - 5) + ".json");
    const hfx::root::File f = hfx::root::File::open(data_path("interchange/" + rel));
    ASSERT_EQ(f.keys().size(), js["keys"].size());
    for (std::size_t i = 0; i < f.keys().size(); ++i) {
      const auto& k = f.keys()[i];
      const Json& j = js["keys"][i];
      EXPECT_EQ(k.path, j["path"].get<std::string>());
      EXPECT_EQ(k.cycle, j["cycle"].get<int>());
      EXPECT_EQ(k.class_name, j["class"].get<std::string>());
      EXPECT_EQ(k.title, j["title"].get<std::string>());
    }
    for (const auto& [name, j] : js["histograms"].items()) {
      SCOPED_TRACE(name);
      const hfx::root::Histogram h = f.histogram(name);
      ++histograms;
      EXPECT_EQ(h.class_name, j["class"].get<std::string>());
      EXPECT_EQ(h.title, j["title"].get<std::string>());
      EXPECT_EQ(h.contents, j["contents"].get<std::vector<double>>());
      EXPECT_EQ(h.sumw2, j["sumw2"].get<std::vector<double>>());
      EXPECT_EQ(h.entries, j["entries"].get<double>());
      ASSERT_EQ(h.bins(), j["bins"].get<std::size_t>());
      const auto xbins = j["xbins"].get<std::vector<double>>();
      if (!xbins.empty()) {
        EXPECT_EQ(h.edges, xbins);
      }
      EXPECT_EQ(h.edges.front(), j["xmin"].get<double>());
      EXPECT_EQ(h.edges.back(), j["xmax"].get<double>());
    }
  }
  EXPECT_GE(histograms, 90u);
}

// The stored (still compressed) first bytes of a key's object: its algorithm's tag.
std::string stored_tag(const std::string& path, const hfx::root::Key& k) {
  return slurp(path).substr(static_cast<std::size_t>(k.seek + k.key_len), 2);
}

// The file's streamer information and the built-in layouts of TH1 3-8 / TAxis up to 10
// read the same histograms, except those written without byte counts, which only the
// streamer information can lay out.
TEST(RootFile, StreamerInformationAndBuiltInLayoutsAgree) {
  std::size_t compared = 0;
  for (const std::string& rel : root_files()) {
    SCOPED_TRACE(rel);
    const hfx::root::File f = hfx::root::File::open(data_path("interchange/" + rel));
    ASSERT_FALSE(f.streamer_info().class_name.empty());
    for (const auto& k : f.keys()) {
      if (k.class_name.rfind("TH1", 0) != 0 || k.class_name.size() != 4) continue;
      SCOPED_TRACE(k.path);
      const hfx::root::Histogram streamed = f.histogram(k);
      if (written_by_g4tools(rel)) {
        EXPECT_THROW(hfx::root::decode_histogram(k.class_name, f.object_bytes(k), k.path), hfx::IOError);
        continue;
      }
      const hfx::root::Histogram fixed = hfx::root::decode_histogram(k.class_name, f.object_bytes(k), k.path);
      EXPECT_EQ(hfx::root::to_json(streamed), hfx::root::to_json(fixed));
      ++compared;
    }
  }
  EXPECT_GE(compared, 100u);
}

// A class version hfx has no built-in layout for is read through the file's description
// of it: TH1 version 9 (which no ROOT has written yet), made by renumbering version 8 in
// both the streamer information and the object.
TEST(RootFile, ClassVersionsComeFromTheStreamerInformation) {
  const hfx::root::File f = hfx::root::File::open(data_path("interchange/written/2bin_2channel_coupledhistosys.root"));
  const hfx::root::Key& info_key = f.streamer_info();
  std::string info = f.object_bytes(info_key);
  const std::string th1 = std::string("\x03TH1", 4);  // the TStreamerInfo's name: length 3, "TH1"
  const auto at = info.find(th1);
  ASSERT_NE(at, std::string::npos);
  // name, empty title, checksum (4), then the class version (4, big-endian)
  const std::size_t version_at = at + 4 + 1 + 4;
  ASSERT_EQ(info.substr(version_at, 4), std::string("\0\0\0\x08", 4));
  info[version_at + 3] = 9;
  const auto infos = hfx::root::detail::StreamerInfos::parse(info, info_key.key_len, "streamer information");
  ASSERT_NE(infos.find("TH1", 9), nullptr);
  EXPECT_EQ(infos.find("TH1", 8), nullptr);

  const hfx::root::Key* key = f.find("histsignal_data");
  ASSERT_NE(key, nullptr);
  std::string object = f.object_bytes(*key);
  ASSERT_EQ(object.substr(10, 2), std::string("\0\x08", 2));  // after TH1D's header (6) and TH1's byte count (4)
  object[11] = 9;
  EXPECT_THROW(hfx::root::decode_histogram("TH1D", object, "built-in"), hfx::IOError);  // knows TH1 3-8 only
  const hfx::root::Histogram h = hfx::root::detail::decode_histogram("TH1D", object, "streamed", infos);
  EXPECT_EQ(hfx::root::to_json(h), hfx::root::to_json(f.histogram(*key)));
  // The object's version must be one the file describes.
  object[11] = 7;
  EXPECT_THROW(hfx::root::detail::decode_histogram("TH1D", object, "streamed", infos), hfx::IOError);
}

// A file whose streamer information cannot be read still gives its histograms, through
// the built-in layouts: here one byte of the compressed record is changed.
TEST(RootFile, DamagedStreamerInformationFallsBackToBuiltInLayouts) {
  const std::string path = data_path("interchange/written/2bin_2channel_coupledhistosys.root");
  const hfx::root::File good = hfx::root::File::open(path);
  std::string bytes = slurp(path);
  const hfx::root::Key& info = good.streamer_info();
  const std::size_t at = static_cast<std::size_t>(info.seek) + static_cast<std::size_t>(info.key_len) + 40;
  ASSERT_LT(at, static_cast<std::size_t>(info.seek + info.n_bytes));
  bytes[at] = static_cast<char>(bytes[at] ^ 0x5a);
  const hfx::root::File damaged = hfx::root::File::from_bytes(bytes, "damaged.root");
  EXPECT_THROW(damaged.object_bytes(damaged.streamer_info()), hfx::IOError);
  std::size_t read = 0;
  for (const auto& k : good.keys()) {
    if (k.class_name != "TH1D") continue;
    EXPECT_EQ(hfx::root::to_json(damaged.histogram(k.path)), hfx::root::to_json(good.histogram(k)));
    ++read;
  }
  EXPECT_GT(read, 5u);
}

// Streamer information records built by hand, as ROOT writes them: big-endian numbers,
// class parts with byte counts, objects with their class names.
namespace build {
std::string u32(std::uint32_t v) { return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)}; }
std::string u16(std::uint16_t v) { return {char(v >> 8), char(v)}; }
std::string tstring(const std::string& t) { return char(t.size()) + t; }
std::string part(std::uint16_t version, const std::string& body) { return u32(0x40000000u | std::uint32_t(body.size() + 2)) + u16(version) + body; }
std::string tobject() { return u16(1) + u32(0) + u32(0x03000000u); }
std::string tnamed(const std::string& name, const std::string& title) { return part(1, tobject() + tstring(name) + tstring(title)); }
std::string with_class(const std::string& cls, const std::string& object) {
  const std::string body = u32(0xFFFFFFFFu) + cls + '\0' + object;
  return u32(0x40000000u | std::uint32_t(body.size())) + body;
}
std::string element(const std::string& name, int type, const std::string& type_name) {
  std::string body = tnamed(name, "") + u32(type) + u32(0) + u32(0) + u32(0);
  for (int i = 0; i < 5; ++i) body += u32(0);
  return part(4, body + tstring(type_name));
}
}  // namespace build

// A class with a std::string member (TStreamerSTLstring, whose TStreamerElement part sits
// inside a TStreamerSTL part) and an int after it: both members are read.
TEST(RootFile, StreamerInformationWithStdStringMembers) {
  using namespace build;
  const std::string stl_string =
      with_class("TStreamerSTLstring", part(2, part(3, element("fLabel", 365, "string") + u32(365) + u32(61))));
  const std::string basic = with_class("TStreamerBasicType", part(2, element("fValue", 3, "int")));
  const std::string elements = with_class("TObjArray", part(3, tobject() + tstring("") + u32(2) + u32(0) + stl_string + basic));
  const std::string info = with_class("TStreamerInfo", part(9, tnamed("Labelled", "") + u32(0x12345678u) + u32(1) + elements));
  const std::string list = part(5, tobject() + tstring("") + u32(1) + info + std::string(1, '\0'));
  const auto infos = hfx::root::detail::StreamerInfos::parse(list, 60, "test");
  const auto* c = infos.find("Labelled", 1);
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->elements.size(), 2u);
  EXPECT_EQ(c->elements[0].element_class, "TStreamerSTLstring");
  EXPECT_EQ(c->elements[0].name, "fLabel");
  EXPECT_EQ(c->elements[0].type, 365);
  EXPECT_EQ(c->elements[1].name, "fValue");
  EXPECT_EQ(c->elements[1].type, 3);
  EXPECT_EQ(c->checksum, 0x12345678u);
}

TEST(RootFile, DecompressesZlibLzmaLz4AndZstd) {
  // The same ROOT 6.20 sample written with three algorithms: its streamer information
  // (a TList of the class descriptions) is the same object, so the same bytes.
  std::string zlib_info;
  for (const auto& [file, tag] : std::vector<std::pair<std::string, std::string>>{
           {"uproot-sample-6.20.04-zlib.root", "ZL"}, {"uproot-sample-6.20.04-lzma.root", "XZ"}, {"uproot-sample-6.20.04-lz4.root", "L4"}}) {
    SCOPED_TRACE(file);
    const std::string path = data_path("interchange/root/" + file);
    const auto f = hfx::root::File::open(path);
    const auto& info = f.streamer_info();
    ASSERT_EQ(info.class_name, "TList");
    EXPECT_EQ(stored_tag(path, info), tag);
    const std::string bytes = f.object_bytes(info);
    EXPECT_EQ(bytes.size(), static_cast<std::size_t>(info.obj_len));
    if (zlib_info.empty()) zlib_info = bytes;
    else EXPECT_EQ(bytes, zlib_info);
    for (const auto& k : f.keys()) EXPECT_EQ(f.object_bytes(k).size(), static_cast<std::size_t>(k.obj_len));
  }
  // Zstandard: a ROOT 6.30 file written with it (setting 509); its TTree decodes to its
  // stated size, starting with the byte count and version of the TTree streamer.
  const std::string path = data_path("interchange/root/string-example.root");
  const auto f = hfx::root::File::open(path);
  const hfx::root::Key* tree = f.find("Refs");
  ASSERT_NE(tree, nullptr);
  EXPECT_EQ(stored_tag(path, *tree), "ZS");
  const std::string bytes = f.object_bytes(*tree);
  ASSERT_EQ(bytes.size(), static_cast<std::size_t>(tree->obj_len));
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]) & 0x40, 0x40);
  EXPECT_NE(bytes.find("Root reference data"), std::string::npos);
}

TEST(RootFile, ClearErrors) {
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const hfx::IOError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  const std::string shape2d = data_path("interchange/pyhf-validation/xmlimport_input/data/ShapeSys2D.root");
  EXPECT_NE(message([&] { hfx::root::File::open(shape2d).histogram("data"); }).find("key 'data;1': unsupported class TH2F"),
            std::string::npos);
  EXPECT_NE(message([&] { hfx::root::File::open(shape2d).histogram("nothere"); }).find("no key 'nothere'"), std::string::npos);
  EXPECT_NE(message([&] { hfx::root::File::open(data_path("interchange/pyhf_readxml.json")); }).find("not a ROOT file"),
            std::string::npos);
  EXPECT_NE(message([&] { hfx::root::File::open("/nonexistent.root"); }).find("/nonexistent.root: cannot open"), std::string::npos);

  // A flipped byte in an LZ4 block is caught by its checksum.
  const std::string lz4 = data_path("interchange/root/uproot-sample-6.20.04-lz4.root");
  const auto f = hfx::root::File::open(lz4);
  std::string bytes = slurp(lz4);
  bytes[static_cast<std::size_t>(f.streamer_info().seek + f.streamer_info().key_len) + 9 + 8 + 20] ^= 0x10;
  const fs::path damaged = hfx::test::scratch("lz4-damaged.root");
  std::ofstream(damaged, std::ios::binary) << bytes;
  const auto g = hfx::root::File::open(damaged.string());
  EXPECT_NE(message([&] { g.object_bytes(g.streamer_info()); }).find("LZ4 block checksum mismatch"), std::string::npos);
}

// Truncated and bit-flipped files: reading every key and histogram either works or
// throws IOError; nothing else (no crash, no other exception; ASan checks the reads).
TEST(RootFile, DamagedFilesGiveErrorsNotCrashes) {
  std::mt19937_64 rng(20261206);
  std::size_t errors = 0, cases = 0;
  for (const std::string rel : {"root/uproot-issue-722.root", "root/uproot-histograms.root", "root/string-example.root",
                                "pyhf-validation/xmlimport_input4/data/example.root"}) {
    const std::string good = slurp(data_path("interchange/" + rel));
    for (int trial = 0; trial < 150; ++trial) {
      std::string bad = good;
      if (trial % 3 == 0) bad.resize(rng() % bad.size());
      else
        for (int flips = 1 + trial % 4; flips > 0; --flips) bad[rng() % bad.size()] ^= static_cast<char>(1u << (rng() % 8));
      const fs::path p = hfx::test::scratch("damaged.root");
      std::ofstream(p, std::ios::binary | std::ios::trunc) << bad;
      ++cases;
      try {
        const auto f = hfx::root::File::open(p.string());
        for (const auto& k : f.keys()) {
          const std::string obj = f.object_bytes(k);
          if (k.class_name.rfind("TH1", 0) == 0) f.histogram(k);
        }
      } catch (const hfx::IOError& e) {
        ++errors;
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
        EXPECT_EQ(std::string(e.what()).rfind(p.string(), 0), 0u) << e.what();
      }
    }
  }
  EXPECT_GT(errors, cases / 4);
}

}  // namespace
