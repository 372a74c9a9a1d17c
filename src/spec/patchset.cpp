// JSON Patch application and pyhf PatchSets.
//
// The operations are applied by hand rather than with nlohmann's patch(): nlohmann's
// version reports neither the operation index nor the path, turns a null parent into an
// object, and asserts (undefined behaviour in release builds) when "add" targets a member
// of a string or number. Here every failure becomes one InvalidPatch line that says which
// operation failed, where, and why, with the python `jsonpatch` package's semantics.
#include "hfx/patchset.hpp"

#include "validate.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string_view>

namespace hfx {

// ---------------------------------------------------------------------------------------
// Python equality
// ---------------------------------------------------------------------------------------

namespace {

bool is_numeric(const Json& v) { return v.is_number() || v.is_boolean(); }

// Compares two numeric JSON values the way Python compares int/float/bool.
bool numbers_equal(const Json& a, const Json& b) {
  const bool a_int = !a.is_number_float(), b_int = !b.is_number_float();
  if (a_int && b_int) {
    // Exact integer comparison across int64/uint64 (booleans are 0/1).
    auto split = [](const Json& v, bool& negative) -> std::uint64_t {
      negative = false;
      if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
      if (v.is_number_unsigned()) return v.get<std::uint64_t>();
      const std::int64_t x = v.get<std::int64_t>();
      negative = x < 0;
      return negative ? static_cast<std::uint64_t>(-(x + 1)) + 1 : static_cast<std::uint64_t>(x);
    };
    bool an = false, bn = false;
    const std::uint64_t am = split(a, an), bm = split(b, bn);
    return an == bn && am == bm;
  }
  auto as_double = [](const Json& v) -> double {
    if (v.is_boolean()) return v.get<bool>() ? 1.0 : 0.0;
    return v.get<double>();
  };
  return as_double(a) == as_double(b);
}

}  // namespace

bool json_equal(const Json& a, const Json& b) {
  if (is_numeric(a) || is_numeric(b)) return is_numeric(a) && is_numeric(b) && numbers_equal(a, b);
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case Json::value_t::null: return true;
    case Json::value_t::string: return a.get_ref<const std::string&>() == b.get_ref<const std::string&>();
    case Json::value_t::array: {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (!json_equal(a[i], b[i])) return false;
      return true;
    }
    case Json::value_t::object: {
      if (a.size() != b.size()) return false;
      for (auto it = a.begin(); it != a.end(); ++it) {
        auto jt = b.find(it.key());
        if (jt == b.end() || !json_equal(*it, *jt)) return false;
      }
      return true;
    }
    default: return a == b;
  }
}

// ---------------------------------------------------------------------------------------
// JSON Pointer (RFC 6901)
// ---------------------------------------------------------------------------------------

namespace {

// Splits a pointer into unescaped reference tokens; nullopt + `error` when malformed.
std::optional<std::vector<std::string>> parse_pointer(std::string_view p, std::string& error) {
  std::vector<std::string> tokens;
  if (p.empty()) return tokens;
  if (p.front() != '/') {
    error = "a JSON Pointer must be empty or start with '/'";
    return std::nullopt;
  }
  std::string token;
  for (std::size_t i = 1; i <= p.size(); ++i) {
    if (i == p.size() || p[i] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
      continue;
    }
    if (p[i] == '~') {
      if (i + 1 < p.size() && (p[i + 1] == '0' || p[i + 1] == '1')) {
        token += p[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        error = "'~' in a JSON Pointer must be followed by '0' or '1'";
        return std::nullopt;
      }
      continue;
    }
    token += p[i];
  }
  return tokens;
}

// An array index token: "0" or a number without leading zeros.
std::optional<std::size_t> array_index(const std::string& token) {
  if (token.empty() || token.size() > 18) return std::nullopt;
  if (token.size() > 1 && token[0] == '0') return std::nullopt;
  std::size_t n = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

std::string pointer_of(const std::vector<std::string>& tokens, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    out += '/';
    out += json_pointer_escape(tokens[i]);
  }
  return out;
}

std::string items(std::size_t n) { return fmt::format("{} item{}", n, n == 1 ? "" : "s"); }

// Applies one operation; `fail` throws InvalidPatch with the operation's context.
class OpApplier {
 public:
  OpApplier(Json& doc, std::string context) : doc_(doc), context_(std::move(context)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw InvalidPatch(fmt::format("{}: {}", context_, what));
  }

  // The container addressed by tokens[0, count), which must exist.
  Json& walk(const std::vector<std::string>& tokens, std::size_t count) {
    Json* cur = &doc_;
    for (std::size_t i = 0; i < count; ++i) cur = &child(*cur, tokens, i);
    return *cur;
  }

  // The member tokens[i] of `parent` (which is at tokens[0, i)), which must exist.
  Json& child(Json& parent, const std::vector<std::string>& tokens, std::size_t i) {
    const std::string& t = tokens[i];
    if (parent.is_object()) {
      auto it = parent.find(t);
      if (it == parent.end())
        fail(fmt::format("no such element '{}' (the object has no key '{}')", pointer_of(tokens, i + 1), t));
      return *it;
    }
    if (parent.is_array()) {
      auto idx = index_in(parent, tokens, i);
      if (*idx >= parent.size())
        fail(fmt::format("no such element '{}' (array of {})", pointer_of(tokens, i + 1), items(parent.size())));
      return parent[*idx];
    }
    fail(fmt::format("cannot resolve '{}': '{}' is {}, not an object or array", pointer_of(tokens, i + 1),
                     i == 0 ? "" : pointer_of(tokens, i), detail::describe_type(parent)));
  }

  // Parses tokens[i] as an index into the array `parent`; '-' is allowed only when
  // `allow_end`, and is returned as parent.size().
  std::optional<std::size_t> index_in(const Json& parent, const std::vector<std::string>& tokens, std::size_t i,
                                      bool allow_end = false) {
    const std::string& t = tokens[i];
    if (t == "-") {
      if (allow_end) return parent.size();
      fail(fmt::format("'-' (the end of the array) cannot be used here: '{}'", pointer_of(tokens, i + 1)));
    }
    auto idx = array_index(t);
    if (!idx) fail(fmt::format("'{}' is not a valid array index in '{}'", t, pointer_of(tokens, i + 1)));
    return idx;
  }

  void add(const std::vector<std::string>& tokens, Json value) {
    if (tokens.empty()) {
      doc_ = std::move(value);
      return;
    }
    Json& parent = walk(tokens, tokens.size() - 1);
    const std::size_t last = tokens.size() - 1;
    if (parent.is_object()) {
      parent[tokens[last]] = std::move(value);
    } else if (parent.is_array()) {
      const std::size_t idx = *index_in(parent, tokens, last, /*allow_end=*/true);
      if (idx > parent.size())
        fail(fmt::format("cannot insert at index {}: the array has {} (use 0..{} or '-')", idx,
                         items(parent.size()), parent.size()));
      parent.insert(parent.begin() + static_cast<std::ptrdiff_t>(idx), std::move(value));
    } else {
      fail(fmt::format("cannot add to '{}': it is {}, not an object or array", pointer_of(tokens, last),
                       detail::describe_type(parent)));
    }
  }

  Json remove(const std::vector<std::string>& tokens) {
    if (tokens.empty()) fail("cannot remove the whole document");
    Json& parent = walk(tokens, tokens.size() - 1);
    Json& target = child(parent, tokens, tokens.size() - 1);
    Json removed = std::move(target);
    if (parent.is_object()) parent.erase(tokens.back());
    else parent.erase(*array_index(tokens.back()));
    return removed;
  }

  void replace(const std::vector<std::string>& tokens, Json value) {
    if (tokens.empty()) {
      doc_ = std::move(value);
      return;
    }
    Json& parent = walk(tokens, tokens.size() - 1);
    child(parent, tokens, tokens.size() - 1) = std::move(value);
  }

  const Json& get(const std::vector<std::string>& tokens) { return walk(tokens, tokens.size()); }

 private:
  Json& doc_;
  std::string context_;
};

std::vector<std::string> must_parse(const Json& op, const char* key) {
  std::string error;
  auto tokens = parse_pointer(op.at(key).get_ref<const std::string&>(), error);
  return *tokens;  // syntax was checked when the patch was constructed
}

}  // namespace

// ---------------------------------------------------------------------------------------
// JsonPatch
// ---------------------------------------------------------------------------------------

JsonPatch::JsonPatch(Json operations, std::string_view where)
    : JsonPatch(std::make_shared<const Json>(std::move(operations)), where) {}

JsonPatch::JsonPatch(std::shared_ptr<const Json> operations, std::string_view where) : ops_(std::move(operations)) {
  const Json& ops = *ops_;
  const std::string base(where);
  const std::string root = base.empty() ? "/" : base;
  values_ = require_json_limits(ops, root).values;
  if (!ops.is_array())
    detail::fail(root, fmt::format("expected a JSON Patch (an array of operations), got {}", detail::describe_type(ops)));
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const std::string path = fmt::format("{}/{}", base, i);
    const Json& op = ops[i];
    if (!op.is_object())
      detail::fail(path, fmt::format("expected an operation object {{\"op\": ..., \"path\": ...}}, got {}",
                                     detail::describe_type(op)));
    const std::string name = detail::require_string(detail::require_key(op, "op", path), path + "/op");
    static constexpr std::string_view kOps[] = {"add", "remove", "replace", "move", "copy", "test"};
    bool known = false;
    for (auto k : kOps) known = known || name == k;
    if (!known)
      detail::fail(path + "/op",
                   fmt::format("unknown operation '{}' (expected add, remove, replace, move, copy or test)", name));
    const std::string pointer = detail::require_string(detail::require_key(op, "path", path), path + "/path");
    const bool needs_value = name == "add" || name == "replace" || name == "test";
    const bool needs_from = name == "move" || name == "copy";
    if (needs_value && !op.contains("value"))
      detail::fail(path, fmt::format("operation '{}' needs a \"value\" member", name));
    std::string from;
    if (needs_from) {
      if (!op.contains("from")) detail::fail(path, fmt::format("operation '{}' needs a \"from\" member", name));
      from = detail::require_string(op.at("from"), path + "/from");
    }
    std::string error;
    if (!parse_pointer(pointer, error))
      throw InvalidPatch(fmt::format("{}/path: invalid JSON Pointer '{}': {}", path, pointer, error));
    if (needs_from && !parse_pointer(from, error))
      throw InvalidPatch(fmt::format("{}/from: invalid JSON Pointer '{}': {}", path, from, error));
  }
  where_ = base;
}

JsonPatch JsonPatch::load(const std::string& path) {
  Json doc = load_json_file(path);
  const std::string source = path == "-" ? "<stdin>" : path;
  try {
    return JsonPatch(std::move(doc));
  } catch (const InvalidSpecification& e) {  // and its kinds InvalidModel, InvalidModifier
    std::rethrow_exception(e.with_prefix(fmt::format("{}: ", source)));
  } catch (const InvalidPatch& e) {
    throw InvalidPatch(fmt::format("{}: {}", source, e.what()));
  }
}

Json JsonPatch::apply(const Json& document) const {
  Json doc = document;
  // Every value an operation puts in must keep the document within the JSON limits:
  // copies of copies would otherwise double the depth or size with each operation.
  // A result may hold what the document and the patch's values hold, twice over, plus
  // room to spare: enough for real patches (which add samples and channels), while a
  // chain of copies that doubles the document with each operation stops long before it
  // takes gigabytes.
  std::size_t values = json_shape(doc, kMaxJsonDepth, kMaxJsonValues).values;
  const std::size_t max_values = std::min(kMaxJsonValues, 2 * (values + values_) + (std::size_t{1} << 20));
  const auto check_insert = [&](const OpApplier& applier, const Json& value, std::size_t at_depth) {
    const std::size_t max_depth = at_depth >= kMaxJsonDepth ? 0 : kMaxJsonDepth - at_depth;
    const JsonShape shape = json_shape(value, max_depth, kMaxJsonValues);
    if (shape.depth > max_depth)
      applier.fail(fmt::format("the result would be nested deeper than {} levels", kMaxJsonDepth));
    values += shape.values;
    if (values > max_values)
      applier.fail(fmt::format("the result would hold more than {} JSON values (twice the document and the patch, "
                               "plus 2^20)",
                               max_values));
  };
  for (std::size_t i = 0; i < ops_->size(); ++i) {
    const Json& op = (*ops_)[i];
    const std::string& name = op.at("op").get_ref<const std::string&>();
    const std::string& path = op.at("path").get_ref<const std::string&>();
    std::string context = fmt::format("{}/{}: op '{}'", where_, i, name);
    if (name == "move" || name == "copy") context += fmt::format(" from '{}'", op.at("from").get_ref<const std::string&>());
    context += fmt::format(" path '{}'", path);
    OpApplier applier(doc, std::move(context));
    const auto tokens = must_parse(op, "path");
    if (name == "add") {
      check_insert(applier, op.at("value"), tokens.size());
      applier.add(tokens, op.at("value"));
    } else if (name == "remove") {
      applier.remove(tokens);
    } else if (name == "replace") {
      check_insert(applier, op.at("value"), tokens.size());
      applier.replace(tokens, op.at("value"));
    } else if (name == "test") {
      const Json& actual = applier.get(tokens);
      if (!json_equal(actual, op.at("value")))
        applier.fail(fmt::format("test failed: the document has {}, the patch expects {}", detail::short_dump(actual),
                                 detail::short_dump(op.at("value"))));
    } else {  // move, copy
      const auto from = must_parse(op, "from");
      if (from.empty()) applier.fail(fmt::format("cannot {} the whole document", name));
      const Json& source = applier.get(from);
      // Checked before the value is copied. A move can only nest a value deeper than it
      // was; a copy adds it again.
      if (name == "copy" || tokens.size() > from.size()) check_insert(applier, source, tokens.size());
      Json value = source;
      if (name == "move") {
        if (from == tokens) continue;
        const bool from_in_object = applier.walk(from, from.size() - 1).is_object();
        if (from_in_object && tokens.size() > from.size() && std::equal(from.begin(), from.end(), tokens.begin()))
          applier.fail("cannot move a value into one of its own children");
        applier.remove(from);
      }
      applier.add(tokens, std::move(value));
    }
  }
  return doc;
}

namespace {
Workspace patched_workspace(Json doc, const std::string& what) {
  try {
    return Workspace(std::move(doc));
  } catch (const InvalidSpecification& e) {  // and its kinds InvalidModel, InvalidModifier
    std::rethrow_exception(e.with_prefix(fmt::format("{} is not a valid workspace: ", what)));
  }
}
}  // namespace

Workspace JsonPatch::apply(const Workspace& workspace) const {
  return patched_workspace(apply(workspace.document()), "the patched document");
}

// ---------------------------------------------------------------------------------------
// PatchSet
// ---------------------------------------------------------------------------------------

namespace {

// The PatchSet schema's string patterns, checked with plain loops (std::regex recurses
// once per character and overflows the stack on a long name).
bool all_of_class(std::string_view s, bool (*in_class)(unsigned char)) {
  for (unsigned char c : s)
    if (!in_class(c)) return false;
  return true;
}
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_word(unsigned char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_lower_hex(unsigned char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
bool is_hex(unsigned char c) { return is_lower_hex(c) || (c >= 'A' && c <= 'F'); }

// ^[a-zA-Z0-9_]+$
bool is_name(std::string_view s) { return !s.empty() && all_of_class(s, is_word); }
// ^ins[0-9]{7}$
bool is_hepdata_id(std::string_view s) { return s.size() == 10 && s.starts_with("ins") && all_of_class(s.substr(3), is_digit); }
bool is_md5(std::string_view s) { return s.size() == 32 && all_of_class(s, is_lower_hex); }
bool is_sha256(std::string_view s) { return s.size() == 64 && all_of_class(s, is_hex); }

void require_pattern(const std::string& s, bool (*matches)(std::string_view), const char* pattern, const std::string& path) {
  if (!matches(s)) {
    const std::string shown = s.size() > 80 ? s.substr(0, 80) + fmt::format("...\" ({} bytes)", s.size()) : s + "\"";
    detail::fail(path, fmt::format("expected a string matching {}, got \"{}", pattern, shown));
  }
}

// A key under which Python would hash a tuple of values: 1, 1.0 (and True) collide.
std::string values_key(const Json& values) {
  std::string key;
  for (const auto& v : values) {
    if (v.is_string()) key += "s" + std::to_string(v.get_ref<const std::string&>().size()) + ":" + v.get<std::string>();
    else if (v.is_number_float()) key += "n" + python_float_repr(v.get<double>());
    else if (v.is_number_unsigned()) key += "n" + std::to_string(v.get<std::uint64_t>()) + ".0";
    else key += "n" + std::to_string(v.get<std::int64_t>()) + ".0";
    key += '\x1f';
  }
  return key;
}

std::string python_str_repr(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

void validate_metadata(const Json& meta) {
  const std::string path = "/metadata";
  detail::require_object(meta, path);
  // references: {"hepdata": "insNNNNNNN"}, nothing else, at least one entry
  const Json& refs = detail::require_key(meta, "references", path);
  detail::require_object(refs, path + "/references");
  detail::reject_unknown_keys(refs, {"hepdata"}, path + "/references");
  if (refs.empty()) detail::fail(path + "/references", "expected at least one reference (e.g. \"hepdata\")");
  if (auto it = refs.find("hepdata"); it != refs.end()) {
    require_pattern(detail::require_string(*it, path + "/references/hepdata"), is_hepdata_id, "^ins[0-9]{7}$",
                    path + "/references/hepdata");
  }
  // digests: {"md5": hex32, "sha256": hex64}
  const Json& digests = detail::require_key(meta, "digests", path);
  detail::require_object(digests, path + "/digests");
  detail::reject_unknown_keys(digests, {"md5", "sha256"}, path + "/digests");
  if (digests.empty()) detail::fail(path + "/digests", "expected at least one digest (sha256 or md5)");
  if (auto it = digests.find("md5"); it != digests.end()) {
    require_pattern(detail::require_string(*it, path + "/digests/md5"), is_md5, "^[a-f0-9]{32}$", path + "/digests/md5");
  }
  if (auto it = digests.find("sha256"); it != digests.end()) {
    require_pattern(detail::require_string(*it, path + "/digests/sha256"), is_sha256, "^[a-fA-F0-9]{64}$",
                    path + "/digests/sha256");
  }
  const Json& labels = detail::require_key(meta, "labels", path);
  detail::require_array(labels, path + "/labels", 1);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::string lpath = fmt::format("{}/labels/{}", path, i);
    require_pattern(detail::require_string(labels[i], lpath), is_name, "^[a-zA-Z0-9_]+$", lpath);
  }
  detail::require_string(detail::require_key(meta, "description", path), path + "/description");
}

}  // namespace

std::string python_tuple_repr(const Json& values) {
  std::string out = "(";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    const Json& v = values[i];
    if (v.is_string()) out += python_str_repr(v.get<std::string>());
    else if (v.is_number_float()) out += python_float_repr(v.get<double>());
    else out += v.dump();
  }
  if (values.size() == 1) out += ",";
  return out + ")";
}

PatchSet::PatchSet(Json document) : doc_(std::make_shared<const Json>(std::move(document))) {
  const Json& doc = *doc_;
  require_json_limits(doc, "/");
  detail::require_object(doc, "");
  detail::reject_unknown_keys(doc, {"patches", "metadata", "version"}, "");
  const Json& meta = detail::require_key(doc, "metadata", "");
  validate_metadata(meta);
  const Json& version = detail::require_key(doc, "version", "");
  if (!version.is_string() || version.get<std::string>() != "1.0.0")
    detail::fail("/version", fmt::format("expected \"1.0.0\", got {}", detail::short_dump(version)));
  const Json& patches = detail::require_key(doc, "patches", "");
  detail::require_array(patches, "/patches", 1);

  const std::size_t nlabels = meta.at("labels").size();
  std::map<std::string, std::size_t> by_name, by_values;
  patches_.reserve(patches.size());
  for (std::size_t i = 0; i < patches.size(); ++i) {
    const std::string path = fmt::format("/patches/{}", i);
    const Json& p = patches[i];
    detail::require_object(p, path);
    detail::reject_unknown_keys(p, {"metadata", "patch"}, path);
    const Json& pmeta = detail::require_key(p, "metadata", path);
    const std::string mpath = path + "/metadata";
    detail::require_object(pmeta, mpath);
    const std::string name = detail::require_string(detail::require_key(pmeta, "name", mpath), mpath + "/name");
    require_pattern(name, is_name, "^[a-zA-Z0-9_]+$", mpath + "/name");
    const Json& values = detail::require_key(pmeta, "values", mpath);
    detail::require_array(values, mpath + "/values");
    for (std::size_t v = 0; v < values.size(); ++v)
      if (!values[v].is_number() && !values[v].is_string())
        detail::fail(fmt::format("{}/values/{}", mpath, v),
                     fmt::format("expected a number or a string, got {}", detail::describe_type(values[v])));
    // The operations stay in the document: the patch points to them (and keeps it alive).
    JsonPatch ops(std::shared_ptr<const Json>(doc_, &detail::require_key(p, "patch", path)), path + "/patch");

    if (auto [it, fresh] = by_name.emplace(name, i); !fresh)
      throw InvalidPatchSet(fmt::format("{}/name: duplicate patch name '{}' (also /patches/{})", mpath, name, it->second));
    if (auto [it, fresh] = by_values.emplace(values_key(values), i); !fresh)
      throw InvalidPatchSet(fmt::format("{}/values: patch '{}' has the same values {} as /patches/{}", mpath, name,
                                        python_tuple_repr(values), it->second));
    if (values.size() != nlabels)
      throw InvalidPatchSet(fmt::format("{}/values: patch '{}' has {} value{} but the patchset has {} label{}", mpath,
                                        name, values.size(), values.size() == 1 ? "" : "s", nlabels,
                                        nlabels == 1 ? "" : "s"));
    patches_.push_back(Patch{name, values, pmeta, std::move(ops)});
  }
}

PatchSet PatchSet::load(const std::string& path) {
  Json doc = load_json_file(path);
  const std::string source = path == "-" ? "<stdin>" : path;
  try {
    return PatchSet(std::move(doc));
  } catch (const InvalidPatchSet& e) {
    throw InvalidPatchSet(fmt::format("{}: {}", source, e.what()));
  } catch (const InvalidSpecification& e) {  // and its kinds InvalidModel, InvalidModifier
    std::rethrow_exception(e.with_prefix(fmt::format("{}: ", source)));
  } catch (const InvalidPatch& e) {
    throw InvalidPatch(fmt::format("{}: {}", source, e.what()));
  }
}

std::vector<std::string> PatchSet::labels() const {
  std::vector<std::string> out;
  for (const auto& l : metadata().at("labels")) out.push_back(l.get<std::string>());
  return out;
}

const Patch& PatchSet::operator[](std::string_view name) const {
  for (const auto& p : patches_)
    if (p.name == name) return p;
  throw InvalidPatchLookup(fmt::format("no patch named \"{}\" in the patchset ({} patch{})", name, patches_.size(),
                                       patches_.size() == 1 ? "" : "es"));
}

const Patch& PatchSet::by_values(const Json& values) const {
  if (values.is_array())
    for (const auto& p : patches_)
      if (json_equal(p.values, values)) return p;
  const std::string shown = values.is_array() ? python_tuple_repr(values) : values.dump();
  throw InvalidPatchLookup(fmt::format("No patch associated with values {} in the patchset (labels: {})", shown,
                                       python_json_dumps(metadata().at("labels"))));
}

Json PatchSet::extract(std::string_view name, bool with_metadata) const {
  const Patch& p = (*this)[name];
  if (!with_metadata) return p.patch.operations();
  Json result = Json::object();
  result["metadata"] = p.metadata;
  for (auto it = metadata().begin(); it != metadata().end(); ++it) result["metadata"][it.key()] = it.value();
  result["patch"] = p.patch.operations();
  return result;
}

void PatchSet::verify(const Workspace& workspace) const {
  const std::string text = python_json_dumps(workspace.document());
  for (auto it = digests().begin(); it != digests().end(); ++it) {
    const std::string computed = digest_hex(text, it.key() == "md5" ? "md5" : "sha256");
    const std::string& expected = it.value().get_ref<const std::string&>();
    if (computed != expected)
      throw PatchSetVerificationError(fmt::format(
          "/metadata/digests/{}: digest mismatch: the patchset was made for a background-only workspace with "
          "digest {}, this workspace has {}",
          it.key(), expected, computed));
  }
}

Workspace PatchSet::apply(const Workspace& workspace, std::string_view name) const {
  verify(workspace);
  const Patch& p = (*this)[name];
  return patched_workspace(p.patch.apply(workspace.document()), fmt::format("the workspace patched with '{}'", p.name));
}

Workspace PatchSet::apply_values(const Workspace& workspace, const Json& values) const {
  verify(workspace);
  const Patch& p = by_values(values);
  return patched_workspace(p.patch.apply(workspace.document()), fmt::format("the workspace patched with '{}'", p.name));
}

}  // namespace hfx
