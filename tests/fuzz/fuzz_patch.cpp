// libFuzzer target: JSON Patch (RFC 6902) and pyhf PatchSets. The input is
// "WORKSPACE \0 PATCH": the part before the first NUL byte is a workspace document (the
// built-in seed workspace when there is no NUL, or when that part is not a valid
// workspace); the part after it is either a JSON Patch (an array of operations) or a
// PatchSet document. Patches are applied to the raw document (then dumped) and to the
// workspace (re-validated, digested); a PatchSet is validated, looked up, extracted,
// verified and its patches applied. hfx::Error is an expected outcome (message must be
// one line); anything else aborts (see fuzz_common.hpp).
#include "fuzz_common.hpp"

#include <hfx/json.hpp>
#include <hfx/patchset.hpp>
#include <hfx/workspace.hpp>

#include <optional>
#include <string>
#include <string_view>

using namespace hfx_fuzz;

namespace {

template <class F>
void expect_ok_or_hfx_error(F&& f) {
  try {
    f();
  } catch (const hfx::Error& e) {
    check_error(e);
  }
}

void apply_patch(const hfx::JsonPatch& patch, const hfx::Workspace& ws) {
  expect_ok_or_hfx_error([&] { (void)hfx::python_json_dumps(patch.apply(ws.document())); });
  expect_ok_or_hfx_error([&] { (void)patch.apply(ws).digest(); });
}

void fuzz_patchset(const hfx::PatchSet& ps, const hfx::Workspace& ws) {
  (void)ps.labels();
  (void)ps.description();
  expect_ok_or_hfx_error([&] { ps.verify(ws); });
  std::size_t n = 0;
  for (const auto& p : ps.patches()) {
    if (++n > 8) break;
    (void)hfx::python_tuple_repr(p.values);
    if (&ps[p.name] != &p) trap("PatchSet::operator[] found another patch", p.name);
    if (&ps.by_values(p.values) != &p) trap("PatchSet::by_values found another patch", p.name);
    (void)hfx::python_json_dumps(ps.extract(p.name, true));
    apply_patch(p.patch, ws);
    expect_ok_or_hfx_error([&] { (void)ps.apply(ws, p.name).digest(); });
  }
  expect_ok_or_hfx_error([&] { (void)ps[""]; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return -1;
  const std::string_view text = as_text(data, size);
  const std::size_t nul = text.find('\0');
  const std::string_view ws_text = nul == std::string_view::npos ? std::string_view{} : text.substr(0, nul);
  const std::string_view patch_text = nul == std::string_view::npos ? text : text.substr(nul + 1);

  std::optional<hfx::Workspace> ws;
  if (!ws_text.empty()) {
    try {
      ws.emplace(hfx::parse_json(ws_text, "<workspace>"));
    } catch (const hfx::Error& e) {
      check_error(e);
    }
  }
  if (!ws) ws.emplace(hfx::parse_json(kSeedWorkspace, "<seed>"));

  try {
    hfx::Json doc = hfx::parse_json(patch_text, "<patch>");
    if (doc.is_object()) {
      fuzz_patchset(hfx::PatchSet(std::move(doc)), *ws);
    } else {
      apply_patch(hfx::JsonPatch(std::move(doc)), *ws);
    }
  } catch (const hfx::Error& e) {
    check_error(e);
  }
  return 0;
}
