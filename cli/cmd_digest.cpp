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
  cmd->add_option("-a,--algorithm", opts->algorithms, "Hashing algorithm (only sha256 is supported)")
      ->check(CLI::IsMember({"sha256"}));
  cmd->add_flag("-j,--json", opts->json, "Output the hashes as a JSON object");
  cmd->add_flag("-p,--plaintext", opts->plaintext, "Output the hash alone, without the algorithm prefix");
  cmd->callback([opts] {
    const Workspace ws = Workspace::load(opts->workspace);
    const std::string d = ws.digest();
    if (opts->json) {
      Json out = Json::object();
      out["sha256"] = d;
      write_json(out, "", 4);
    } else if (opts->plaintext) {
      write_text(d + "\n", "");
    } else {
      write_text("sha256:" + d + "\n", "");
    }
  });
}

}  // namespace hfx::cli
