// The restore record: what a HistFactory XML or HS3 file written by hfx cannot hold, kept
// inside the file so that hfx reads the original workspace back exactly.
//
// Both formats lose parts of a pyhf workspace (normfactors without configuration get
// defaults, configurations of unused parameters and observations without channel vanish,
// XML renames staterror modifiers and writes numbers as doubles). The writer reads its own
// output back, and when that differs from the original it stores a JSON Patch that turns
// the read-back into the original, together with the sha256 of the read-back. A reader
// applies the patch only when the document still reads back to that digest, so a file
// edited after hfx wrote it is read as written. ROOT and pyhf ignore the record (an HS3
// "misc" entry, an XML comment) and see the plain conversion.
#pragma once

#include "hfx/json.hpp"

#include <optional>
#include <string>

namespace hfx::interchange {

// The record that turns `read_back` into `original`, or null when they are equal (numbers
// compared with their JSON form: 1 and 1.0 differ, as they do in `pyhf digest`).
Json make_restore_record(const Json& read_back, const Json& original);

// `read_back` with `record` applied, when the record belongs to it; otherwise nullopt and
// `why` says why not (one line): the document changed since, or the record is not one
// this hfx reads (malformed, another version). Never throws: a document is then read as
// written.
std::optional<Json> apply_restore_record(const Json& read_back, const Json& record, std::string& why);

// The record as the text of an XML comment ("--" cannot occur in one) and back (null
// when the comment's text is not JSON). The comment starts with kXmlCommentTag.
inline constexpr const char* kXmlCommentTag = "hfx-restore-record ";
std::string to_xml_comment(const Json& record);
Json from_xml_comment(const std::string& comment);

}  // namespace hfx::interchange
