// HistFactory models in the HEP Statistics Serialization Standard (HS3, version 0.2), as
// ROOT 6.30-6.36 writes and reads them (RooJSONFactoryWSTool), without ROOT.
//
// Export writes one `histfactory_dist` per channel ("model_CHANNEL", axis
// "obs_x_CHANNEL" with bins 0..n), the observed data as `binned` data "obsData_CHANNEL",
// the likelihood "simPdf_obsData", one analysis per measurement (its POI), the
// parameters' initial values and fixed flags as parameter points and their bounds as
// product domains ("default_values"/"default_domain" for the first measurement), and
// ROOT's parameter names: alpha_X for normsys/histosys, gamma_stat_CHANNEL_bin_i for the
// staterror, gamma_X_bin_i for shapesys/shapefactor, Lumi (with its gaussian_dist
// "lumiConstraint" around "nominalLumi") for the luminosity. Modifiers: normfactor,
// normsys and histosys ("constraint": "Gauss"), shapesys (relative errors in
// data.vals, "constraint": "Poisson"), staterror (the sample's errors in data.errors,
// channel-level "staterror": Gauss, as pyhf), shapefactor.
//
// Import reads such documents, from hfx or ROOT, back into a pyhf workspace, also in the
// forms of ROOT 6.38 (constraint terms named by "constraint_name", "constraint_type",
// integer interpolation codes) and 6.40/master ("constraint" naming the term, per-bin
// shapesys "constraints", {"type", "in", "out"} interpolations); what pyhf's JSON cannot
// hold (a Poisson staterror constraint, which is ROOT's default; a Gaussian shapesys; a
// constraint term that is not a unit Gaussian; an interpolation other than ROOT's default;
// other distributions) is a warning.
#pragma once

#include "hfx/json.hpp"

#include <string>
#include <vector>

namespace hfx {
class Workspace;
}

namespace hfx::hs3 {

struct Result {
  Json document;
  std::vector<std::string> warnings;  // one line each
};

// The HS3 document of `workspace`. What from_hs3 would not give back (listed in the
// warnings) is kept in a restore record at /misc/hfx_restore_record, which ROOT ignores.
Result to_hs3(const Workspace& workspace);

// The pyhf workspace of an HS3 document (`source` names it in messages). Throws
// InvalidSpecification naming the JSON path for what is not an HS3 HistFactory model.
// With `restore`, a restore record written by to_hs3 gives back its workspace exactly
// (unless the document changed since: then a warning, and the document as written).
Result from_hs3(const Json& document, const std::string& source, bool restore = true);

}  // namespace hfx::hs3
