// JSON Patch (RFC 6902) and pyhf's PatchSet: signal hypotheses published as patches to a
// background-only workspace.
//
// Semantics follow what pyhf uses (the python `jsonpatch` package): JSON Pointers per
// RFC 6901 ("" is the whole document, "~0" is "~", "~1" is "/"), "add" on an array inserts
// (index 0..size, or "-" to append), "add" on an object sets the key, "replace"/"remove"
// need an existing target, "move" cannot move a value into its own children, "test"
// compares with Python's equality (5 == 5.0 == true-ish 1, key order ignored).
// All types are immutable after construction and safe to share between threads.
#pragma once

#include "hfx/errors.hpp"
#include "hfx/json.hpp"
#include "hfx/workspace.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hfx {

// pyhf.exceptions.InvalidPatchSet: a patchset that passes the schema but is inconsistent
// (duplicate patch names or values, values that do not match the labels). Derives from
// InvalidSpecification so that callers that catch "bad document" catch it too.
class InvalidPatchSet : public InvalidSpecification {
 public:
  using InvalidSpecification::InvalidSpecification;
  const char* kind() const noexcept override { return "InvalidPatchSet"; }
};

// Equality as Python's `==` on the json.load()ed values: numbers compare by value whatever
// their form (5 == 5.0, and booleans equal 0/1 as in Python), objects ignore key order.
// This is the equality pyhf's combine() and JSON Patch "test" rely on.
bool json_equal(const Json& a, const Json& b);

// A validated list of RFC 6902 operations.
class JsonPatch {
 public:
  // Validates `operations` against pyhf's jsonpatch schema (an array of objects with a
  // string "op" among add/remove/replace/move/copy/test, a string "path", "value" for
  // add/replace/test, a string "from" for move/copy) and checks every pointer's syntax.
  // Schema errors throw InvalidSpecification naming the JSON path ("/2/op: ..."); bad
  // pointers throw InvalidPatch. `where` prefixes the paths in messages (e.g.
  // "/patches/3/patch" when the list sits inside a patchset).
  explicit JsonPatch(Json operations, std::string_view where = "");

  // Reads a JSON Patch file ("-" = stdin) and validates it.
  static JsonPatch load(const std::string& path);

  const Json& operations() const { return *ops_; }
  std::size_t size() const { return ops_->size(); }

  // Applies the operations in order to a copy of `document` and returns it. Throws
  // InvalidPatch naming the operation index, op and path, e.g.
  // "/2: op 'replace' path '/channels/7': no such element (array of 3 items)".
  Json apply(const Json& document) const;

  // Applies the patch to a workspace's document and validates the result (throws
  // InvalidPatch, or InvalidSpecification if the patched document is not a workspace).
  Workspace apply(const Workspace& workspace) const;

 private:
  friend class PatchSet;
  // Validates the operations `ops` points to; a PatchSet's patches point into its
  // document (which they keep alive), so that a PatchSet holds its operations once.
  JsonPatch(std::shared_ptr<const Json> ops, std::string_view where);

  std::shared_ptr<const Json> ops_;  // immutable: copies of a JsonPatch share it
  std::size_t values_ = 0;  // JSON values in ops_ (json_shape), for apply's size limit
  std::string where_;
};

// One patch of a patchset: its metadata {name, values, ...} and its operations.
struct Patch {
  std::string name;
  Json values;    // array of numbers/strings, one per patchset label
  Json metadata;  // the patch's whole metadata object, as written
  JsonPatch patch;
};

class PatchSet {
 public:
  // Validates `document` against pyhf's patchset schema v1.0.0 (metadata with
  // references {hepdata: "ins" + 7 digits}, digests {md5 and/or sha256 in hex}, labels,
  // description; patches with metadata {name, values} and a JSON Patch; version "1.0.0")
  // -> InvalidSpecification with the JSON path; then pyhf's consistency rules: unique
  // patch names, unique values, as many values as labels -> InvalidPatchSet.
  explicit PatchSet(Json document);

  // Reads and validates a file ("-" = stdin); messages are prefixed with the file name.
  static PatchSet load(const std::string& path);

  const Json& document() const { return *doc_; }
  const Json& metadata() const { return doc_->at("metadata"); }
  const Json& references() const { return metadata().at("references"); }
  const Json& digests() const { return metadata().at("digests"); }
  const std::string& description() const { return metadata().at("description").get_ref<const std::string&>(); }
  std::vector<std::string> labels() const;
  const std::string& version() const { return doc_->at("version").get_ref<const std::string&>(); }

  const std::vector<Patch>& patches() const { return patches_; }
  std::size_t size() const { return patches_.size(); }

  // The patch with this name. Throws InvalidPatchLookup.
  const Patch& operator[](std::string_view name) const;
  // The patch whose values equal `values` (an array; numbers compare by value, so
  // [2100, 800] finds [2100.0, 800.0]). Throws InvalidPatchLookup.
  const Patch& by_values(const Json& values) const;

  // What `pyhf patchset extract` prints: the named patch's operations, or with
  // `with_metadata` {"metadata": patch metadata updated with the patchset's metadata,
  // "patch": operations}. Throws InvalidPatchLookup.
  Json extract(std::string_view name, bool with_metadata) const;

  // Checks every digest in the metadata against `workspace` (sha256 and md5 of Python's
  // sorted-key json.dumps). Throws PatchSetVerificationError on the first mismatch.
  void verify(const Workspace& workspace) const;

  // verify(), then applies the named patch (or the patch with these values) and
  // validates the result. Throws PatchSetVerificationError, InvalidPatchLookup,
  // InvalidPatch or InvalidSpecification.
  Workspace apply(const Workspace& workspace, std::string_view name) const;
  Workspace apply_values(const Workspace& workspace, const Json& values) const;

 private:
  std::shared_ptr<const Json> doc_;  // immutable; the patches' operations point into it
  std::vector<Patch> patches_;
};

// Python's repr() of a tuple of patch values, e.g. "(2100, 800)" or "(0,)".
std::string python_tuple_repr(const Json& values);

}  // namespace hfx
