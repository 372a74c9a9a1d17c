// HistFactory XML + ROOT histograms -> pyhf JSON workspace (`pyhf xml2json`,
// pyhf.readxml.parse), without ROOT.
//
// The workspace is the one pyhf writes for the same input: channels in the order of the
// top-level file's <Input> elements, samples and modifiers in document order, the same
// names (staterror_CHANNEL, lumi for NormalizeByTheory), the same numbers (histogram
// bins as doubles, ShapeSys and external StatError relative errors multiplied by the
// nominal bins, default StatError = sqrt of the nominal histogram's variances), the same
// measurement parameters (lumi from Lumi/LumiRelErr with bounds ±5σ, NormFactor ranges,
// ParamSetting Const/Val), so its digest equals pyhf's. Where pyhf ignores something the
// XML says (StatErrorConfig, ShapeSys and ConstraintTerm constraint types, an inactive
// StatError, unknown tags) the workspace ignores it too and a warning says so.
#pragma once

#include "hfx/json.hpp"

#include <string>
#include <vector>

namespace hfx::xml {

// pyhf's --mount HOST:MOUNT: a path in the XML at or below MOUNT is read from HOST.
struct Mount {
  std::string host;
  std::string mount;
};

struct ReadOptions {
  // Relative paths in the XML (channel files, ROOT files) are relative to this
  // directory, like pyhf's rootdir / --basedir (default: the working directory).
  std::string rootdir = ".";
  std::vector<Mount> mounts;
  // Validate the result as a HistFactory workspace and throw if it is not one (pyhf's
  // validation_as_error); when false the problem becomes a warning.
  bool validation_as_error = true;
};

struct ReadResult {
  Json workspace;                     // measurements, channels, observations, version
  std::vector<std::string> warnings;  // one line each
};

// Reads the top-level (Combination) file `config_file` and everything it refers to.
// Errors name the file, the element (e.g. /Channel[@Name='SR']/Sample[@Name='ttbar']/
// HistoSys[@Name='jes']) and the problem: InvalidSpecification for the XML, IOError for
// files and histograms that cannot be read.
ReadResult read(const std::string& config_file, const ReadOptions& options = {});

// The measurements of a top-level (Combination) document given as text (`source` names
// it in errors): lumi from Lumi/LumiRelErr, then `parameter_configs` (the NormFactors'),
// each moved to the end and updated where a ParamSetting sets it (pyhf's
// process_measurements). Warnings (ignored ConstraintTerms) go to `warnings`.
Json measurements(std::string combination_xml, const std::string& source, const std::vector<Json>& parameter_configs,
                  std::vector<std::string>* warnings = nullptr);

}  // namespace hfx::xml
