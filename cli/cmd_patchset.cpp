// `hfx patchset {extract,apply,verify,inspect}`: like `pyhf patchset ...`.
#include "common.hpp"

#include "hfx/errors.hpp"
#include "hfx/patchset.hpp"
#include "hfx/workspace.hpp"

#include <fmt/format.h>

#include <memory>
#include <optional>

namespace hfx::cli {

namespace {

// Runs f; an hfx::Error from it (a patch that fails, a digest that differs, a name not
// in the set) is thrown again, of the same kind, with the PatchSet file in front, as a
// load error names it.
template <class F>
auto naming_file(const std::string& patchset, F&& f) {
  try {
    return f();
  } catch (const Error& e) {
    std::rethrow_exception(e.with_prefix((patchset == "-" ? "<stdin>" : patchset) + ": "));
  }
}

std::string require_name(const std::optional<std::string>& name) {
  if (!name) throw InvalidPatchLookup("no patch selected: give the patch's name with --name");
  return *name;
}

void add_patchset_extract(CLI::App& group) {
  struct Opts {
    std::string patchset = "-";
    std::optional<std::string> name;
    std::string output_file;
    bool with_metadata = false;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = group.add_subcommand(
      "extract",
      "Extract a patch from a patchset (like `pyhf patchset extract`).\n"
      "Prints the patch's JSON Patch operations, or with --with-metadata an object\n"
      "{\"metadata\": the patch's metadata merged with the patchset's, \"patch\": operations}.\n"
      "Fails (InvalidPatchLookup) if the patchset has no patch of that name.");
  cmd->add_option("patchset", opts->patchset, "PatchSet JSON file ('-' or omitted: standard input)");
  cmd->add_option("--name", opts->name, "The name of the patch to extract.");
  cmd->add_option("--output-file", opts->output_file,
                  "The location of the output json file. If not specified, prints to screen.");
  cmd->add_flag("--with-metadata,!--without-metadata", opts->with_metadata,
                "Include patchset metadata in output (default: without).");
  cmd->callback([opts] {
    const PatchSet ps = PatchSet::load(opts->patchset);
    const Json patch = naming_file(opts->patchset, [&] { return ps.extract(require_name(opts->name), opts->with_metadata); });
    write_pyhf_json(patch, opts->output_file);
  });
}

void add_patchset_apply(CLI::App& group) {
  struct Opts {
    std::string background_only = "-";
    std::string patchset = "-";
    std::optional<std::string> name;
    std::string output_file;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = group.add_subcommand(
      "apply",
      "Apply a patch from a patchset to the background-only workspace (like `pyhf patchset apply`).\n"
      "First verifies the patchset's digests against the workspace (PatchSetVerificationError\n"
      "if it was made for another workspace), then applies the named patch and prints the\n"
      "patched workspace as JSON with sorted keys.");
  cmd->add_option("background-only", opts->background_only, "Background-only workspace JSON file ('-': standard input)");
  cmd->add_option("patchset", opts->patchset, "PatchSet JSON file ('-': standard input)");
  cmd->add_option("--name", opts->name, "The name of the patch to apply.");
  cmd->add_option("--output-file", opts->output_file,
                  "The location of the output json file. If not specified, prints to screen.");
  cmd->callback([opts] {
    const Workspace ws = Workspace::load(opts->background_only);
    const PatchSet ps = PatchSet::load(opts->patchset);
    const Workspace patched = naming_file(opts->patchset, [&] { return ps.apply(ws, require_name(opts->name)); });
    write_pyhf_json(patched.document(), opts->output_file);
  });
}

void add_patchset_verify(CLI::App& group) {
  struct Opts {
    std::string background_only = "-";
    std::string patchset = "-";
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = group.add_subcommand(
      "verify",
      "Verify the patchset digests against a background-only workspace (like `pyhf patchset verify`).\n"
      "Prints \"All good.\" when every digest in the patchset's metadata (sha256, md5)\n"
      "matches the workspace; fails with PatchSetVerificationError otherwise.");
  cmd->add_option("background-only", opts->background_only, "Background-only workspace JSON file ('-': standard input)");
  cmd->add_option("patchset", opts->patchset, "PatchSet JSON file ('-': standard input)");
  cmd->callback([opts] {
    const Workspace ws = Workspace::load(opts->background_only);
    const PatchSet ps = PatchSet::load(opts->patchset);
    naming_file(opts->patchset, [&] {
      ps.verify(ws);
      return 0;
    });
    write_text("All good.\n", "");
  });
}

void add_patchset_inspect(CLI::App& group) {
  auto patchset = std::make_shared<std::string>("-");
  auto* cmd = group.add_subcommand(
      "inspect",
      "Inspect the PatchSet (like `pyhf patchset inspect`): validates it and lists the names of\n"
      "its patches.");
  cmd->add_option("patchset", *patchset, "PatchSet JSON file ('-' or omitted: standard input)");
  cmd->callback([patchset] {
    const PatchSet ps = PatchSet::load(*patchset);
    std::string out = fmt::format("\n    {} patches found in Patchset\n---------------------------------\n\n", ps.size());
    for (const auto& p : ps.patches()) out += p.name + "\n";
    write_text(out, "");
  });
}

}  // namespace

void add_patchset(CLI::App& app) {
  auto* group = app.add_subcommand(
      "patchset",
      "Operations involving patchsets (like `pyhf patchset`): inspect, extract, apply, verify.\n"
      "A patchset holds signal hypotheses as JSON Patches to one background-only workspace.");
  group->require_subcommand(1);
  add_patchset_extract(*group);
  add_patchset_apply(*group);
  add_patchset_verify(*group);
  add_patchset_inspect(*group);
}

}  // namespace hfx::cli
