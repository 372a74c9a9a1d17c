// hfx command-line interface: a thin adapter over the public API in include/hfx/.
// Subcommands mirror pyhf's CLI (same names, options and JSON keys) plus hfx's own.
#include "common.hpp"

#include "hfx/errors.hpp"
#include "hfx/version.hpp"

#include <fmt/format.h>

#include <exception>
#include <iostream>
#include <new>

int main(int argc, char** argv) {
  CLI::App app{"hfx: HistFactory statistical models (pyhf-compatible), fast.\n"
               "Reads pyhf JSON workspaces; every subcommand has --help."};
  app.set_version_flag("--version", std::string("hfx ") + hfx::kVersion);
  app.require_subcommand(1);
  hfx::cli::add_digest(app);
  hfx::cli::add_fit(app);
  hfx::cli::add_cls(app);
  hfx::cli::add_upper_limit(app);
  hfx::cli::add_significance(app);
  hfx::cli::add_contour(app);
  hfx::cli::add_inspect(app);
  hfx::cli::add_yields(app);
  hfx::cli::add_combine(app);
  hfx::cli::add_combine_analyses(app);
  hfx::cli::add_simplify(app);
  hfx::cli::add_signal_yields(app);
  hfx::cli::add_prune(app);
  hfx::cli::add_rename(app);
  hfx::cli::add_sort(app);
  hfx::cli::add_patchset(app);
  hfx::cli::add_scan(app);
  hfx::cli::add_xml2json(app);
  hfx::cli::add_json2xml(app);
  hfx::cli::add_convert(app);
  hfx::cli::add_rootfile(app);
  hfx::cli::add_pulls(app);
  hfx::cli::add_ranking(app);
  hfx::cli::add_profile(app);
  hfx::cli::add_correlations(app);
  hfx::cli::add_brazil(app);
  std::string command_line = "hfx";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    command_line += arg.find_first_of(" \t'\"") == std::string::npos ? " " + arg : fmt::format(" '{}'", arg);
  }
  hfx::cli::add_report(app, command_line);
  hfx::cli::add_utils(app);
  // Exit status: 0 a result; 1 no result although the input was valid (a fit that did
  // not converge, CLs the toys cannot determine); 2 bad input or arguments; 3 out of
  // memory or an internal error.
  try {
    app.parse(argc, argv);
    hfx::cli::finish_stdout();
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "hfx: error: arguments: " << hfx::Error::one_line(e.what()) << " (see --help)\n";
    return 2;
  } catch (const hfx::FailedMinimization& e) {
    std::cerr << "hfx: error: " << e.kind() << ": " << e.what() << "\n";
    return 1;
  } catch (const hfx::Undetermined& e) {
    std::cerr << "hfx: error: " << e.kind() << ": " << e.what() << "\n";
    return 1;
  } catch (const hfx::Error& e) {
    std::cerr << "hfx: error: " << e.kind() << ": " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "hfx: error: out of memory\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "hfx: error: internal error: " << hfx::Error::one_line(e.what()) << "\n";
    return 3;
  }
  return 0;
}
