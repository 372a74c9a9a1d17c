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

namespace hfx {
class Workspace;
}

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
  // Apply the restore record hfx's json2xml leaves in the top-level file (an XML comment
  // holding what the XML cannot: see write()), so that hfx reads back exactly the
  // workspace it wrote. When false, or when the files changed since, the result is what
  // pyhf and ROOT read.
  bool restore = true;
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
// The same for a top-level document given as text; `source` names it in messages.
ReadResult read_text(std::string combination_xml, const std::string& source, const ReadOptions& options = {});

// The measurements of a top-level (Combination) document given as text (`source` names
// it in errors): lumi from Lumi/LumiRelErr, then `parameter_configs` (the NormFactors'),
// each moved to the end and updated where a ParamSetting sets it (pyhf's
// process_measurements). Warnings (ignored ConstraintTerms) go to `warnings`.
Json measurements(std::string combination_xml, const std::string& source, const std::vector<Json>& parameter_configs,
                  std::vector<std::string>* warnings = nullptr);

struct WriteOptions {
  std::string output_dir = ".";           // created if missing
  std::string specroot = "config";        // channel files: output_dir/specroot/PREFIX_CHANNEL.xml
  std::string dataroot = "data";          // histograms: output_dir/dataroot/data.root
  std::string resultprefix = "FitConfig";
};

struct WriteResult {
  std::string top_xml;                // the top-level (Combination) document
  std::vector<std::string> files;     // written, relative to output_dir
  std::vector<std::string> warnings;  // what HistFactory XML cannot hold, one line each
};

// Writes `workspace` as HistFactory XML (`pyhf json2xml`'s layout and histogram names:
// one channel file per channel, every histogram in one ROOT file of TH1D, the schema
// HistFactorySchema.dtd) and returns the top-level document (not written: the caller
// chooses its name). Paths in the files are relative to output_dir, so read() with
// rootdir = output_dir reads them back wherever the directory is moved. Written so that
// read() gives back the same workspace (channels, samples, modifiers, observations and
// measurements; numbers bit for bit: normsys as shortest round-trip decimals, shapesys and
// the luminosity error as relative values that multiply back exactly, staterror as the
// nominal histogram's sums of squared weights), except what the XML cannot hold, which is
// listed in warnings: a normfactor without configuration gets pyhf's defaults written
// (Val 1, range [0, 10]); configurations of parameters no modifier uses; bounds, auxdata
// or sigmas of constrained parameters; initial values or fixing of bin-wise parameters;
// normfactor ranges that differ between measurements; staterror and lumi names other than
// staterror_CHANNEL and lumi; a shapesys uncertainty on an empty nominal bin.
// What read() would not give back is kept in a restore record, an XML comment at the end
// of the top-level document that ROOT and pyhf ignore: hfx's read() restores the original
// workspace from it, whatever the warnings say (exactly, including integers and order).
// Throws IOError if a file cannot be written.
WriteResult write(const Workspace& workspace, const WriteOptions& options);

}  // namespace hfx::xml
