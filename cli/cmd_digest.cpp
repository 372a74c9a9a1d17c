// `hfx digest WORKSPACE`: like `pyhf digest` (sha256 of the sorted-key JSON dump).
#include "common.hpp"

#include "hfx/json.hpp"
#include "hfx/workspace.hpp"

#include <fmt/format.h>

namespace hfx::cli {

void add_digest(CLI::App& app) {
  struct Opts {
    std::string workspace;
    std::vector<std::string> algorithms{"sha256"};
    bool json = false;
    bool plaintext = false;
  };
  auto opts = std::make_shared<Opts>();
  auto* cmd = app.add_subcommand("digest", "Use hashing algorithm to calculate the workspace digest "
                                           "(byte-identical to `pyhf digest`).");
  cmd->add_option("workspace", opts->workspace, "Workspace JSON file ('-' for stdin)")->required();
  cmd->add_option("-a,--algorithm", opts->algorithms,
                  "Hashing algorithm, repeatable (hashlib's names: sha256 (default), md5, sha1, sha512, sha3_256, ...)");
  cmd->add_flag("-j,--json", opts->json, "Output the hashes as a JSON object");
  cmd->add_flag("-p,--plaintext", opts->plaintext, "Output the hashes alone, without the algorithm prefix");
  cmd->callback([opts] {
    const Workspace ws = Workspace::load(opts->workspace);
    const std::string text = python_json_dumps(ws.document());
    std::vector<std::pair<std::string, std::string>> digests;
    for (const std::string& a : opts->algorithms) digests.emplace_back(a, digest_hex(text, a));
    if (opts->json) {
      Json out = Json::object();
      for (const auto& [a, d] : digests) out[a] = d;
      write_pyhf_json(out, "");
    } else {
      std::string lines;
      for (const auto& [a, d] : digests) lines += (opts->plaintext ? d : a + ":" + d) + "\n";
      write_text(lines, "");
    }
  });
}

}  // namespace hfx::cli
