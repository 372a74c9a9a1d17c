// libFuzzer target: the spec layer. Bytes -> hfx::parse_json (whose two readers must
// agree: what simdjson's reads, the reference reader reads to the identical document) ->
// hfx::Workspace (schema and consistency validation) -> digest, python_json_dumps (pyhf's
// sorted-key dump, which must re-parse to a document that dumps to the same bytes),
// sorted(), the typed view, and rename + combine with itself. hfx::Error is an expected
// outcome (message must be one line); anything else aborts (see fuzz_common.hpp).
#include "fuzz_common.hpp"

#include <hfx/json.hpp>
#include <hfx/workspace.hpp>

#include "spec/json_parse.hpp"

#include <cstring>
#include <optional>
#include <string>
#include <utility>

using namespace hfx_fuzz;

namespace {

// Same document: same types (unsigned, signed, double), double bits, keys in order.
bool identical(const hfx::Json& a, const hfx::Json& b) {
  if (a.type() != b.type() || a.size() != b.size()) return false;
  switch (a.type()) {
    case hfx::Json::value_t::number_float: {
      const double x = a.get<double>(), y = b.get<double>();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    case hfx::Json::value_t::array:
      for (std::size_t i = 0; i < a.size(); ++i)
        if (!identical(a[i], b[i])) return false;
      return true;
    case hfx::Json::value_t::object:
      for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
        if (i.key() != j.key() || !identical(i.value(), j.value())) return false;
      return true;
    default: return a == b;
  }
}

// parse_json's readers (src/spec/json_parse.hpp): whatever simdjson's accepts, the
// reference one reads to the identical document.
void compare_readers(std::string_view text) {
  const std::optional<hfx::Json> fast = hfx::detail::parse_json_simdjson(text);
  if (!fast) return;
  try {
    if (!identical(*fast, hfx::detail::parse_json_reference(text, "<fuzz>")))
      trap("simdjson's reader and the reference reader read different documents", text);
  } catch (const hfx::Error& e) {
    trap("simdjson's reader accepted what the reference reader rejects", e.what());
  }
}

void exercise(const hfx::Workspace& ws) {
  const std::string digest = ws.digest();
  if (digest.size() != 64) trap("digest is not 64 hex digits", digest);

  // The digested dump is a fixed point: parse(dump(doc)) dumps to the same bytes.
  const std::string dump = hfx::python_json_dumps(ws.document());
  const std::string again = hfx::python_json_dumps(hfx::parse_json(dump, "<dump>"));
  if (again != dump) trap("python_json_dumps is not idempotent", dump);

  (void)ws.sorted().digest();
  (void)ws.channel_names_sorted();
  for (const auto& c : ws.channels()) (void)ws.find_channel(c.name), (void)ws.find_observation(c.name);
  try {
    (void)ws.measurement();
  } catch (const hfx::Error& e) {
    check_error(e);
  }

  // Rename every channel, then combine with the original: disjoint channels, so only
  // measurements and observations can clash (InvalidWorkspaceOperation is fine).
  try {
    hfx::RenameOptions rename;
    for (const auto& c : ws.channels()) rename.channels[c.name] = c.name + "_renamed";
    for (const auto& m : ws.measurements()) rename.measurements[m.name] = m.name + "_renamed";
    const hfx::Workspace renamed = ws.rename(rename);
    (void)hfx::Workspace::combine(ws, renamed, hfx::JoinMode::none, false).digest();
  } catch (const hfx::Error& e) {
    check_error(e);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return -1;
  compare_readers(as_text(data, size));
  try {
    hfx::Json doc = hfx::parse_json(as_text(data, size), "<fuzz>");
    const hfx::Workspace ws(std::move(doc));
    exercise(ws);
  } catch (const hfx::Error& e) {
    check_error(e);
  }
  return 0;
}
