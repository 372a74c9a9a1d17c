// Model: the compiled, immutable HistFactory probability model of one measurement.
//
// compile() is the one way to make a Model. A Model is immutable and safe to share
// between threads; evaluations that need scratch space go through an Evaluator
// (evaluator.hpp), one per thread. Parameter order, names, bounds, inits and auxdata
// are identical to pyhf's Model.config.
#pragma once

#include "hfx/interpolation.hpp"
#include "hfx/spec.hpp"
#include "hfx/workspace.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace hfx {

namespace detail {
struct ModelData;
}

enum class ConstraintType { unconstrained, normal, poisson };
std::string_view to_string(ConstraintType c);  // "unconstrained", "constrained_by_normal", ...

struct ModelOptions {
  // Measurement to use; empty = the workspace's first (pyhf's default).
  std::string measurement;
  // Overrides the measurement's POI when set; an empty string means "no POI".
  std::optional<std::string> poi_name;
  InterpCode normsys_interp = InterpCode::code4;   // pyhf's default
  InterpCode histosys_interp = InterpCode::code4p; // pyhf's default
  // Compile a model without parameters instead of refusing it (pyhf's rule): for the
  // compiled part of a Python model whose parameters all belong to custom modifier kinds.
  bool allow_no_parameters = false;
};

// One named parameter set (a pyhf "paramset"): a scalar or a vector of parameters.
struct ParameterSet {
  std::string name;
  ModifierType type;  // the modifier type that introduced it (pyhf's grouping)
  std::string kind;   // ModifierType::extension: the unit kind's JSON type ("hfx_eft"); else empty
  ConstraintType constraint = ConstraintType::unconstrained;
  bool is_scalar = true;
  std::size_t offset = 0;  // index of its first parameter in the parameter vector
  std::size_t size = 1;
  std::vector<double> inits;
  std::vector<std::pair<double, double>> bounds;
  std::vector<bool> fixed;
  std::vector<double> auxdata;  // constrained sets only
  std::vector<double> sigmas;   // normal constraints: widths
  std::vector<double> factors;  // poisson constraints: tau per parameter
};

class Model {
 public:
  // --- configuration (pyhf's model.config) ---
  std::size_t npars() const;
  const std::vector<ParameterSet>& parameter_sets() const;  // in par_order
  std::vector<std::string> par_order() const;
  const std::vector<std::string>& par_names() const;        // "name" or "name[i]"
  const ParameterSet& param_set(std::string_view name) const;  // throws InvalidModel
  std::pair<std::size_t, std::size_t> par_slice(std::string_view name) const;  // [begin, end)
  std::vector<double> suggested_init() const;
  std::vector<std::pair<double, double>> suggested_bounds() const;
  std::vector<bool> suggested_fixed() const;
  const std::optional<std::string>& poi_name() const;
  std::optional<std::size_t> poi_index() const;
  // A copy of this model with another POI ("" = none). Throws InvalidModel.
  Model with_poi(const std::string& name) const;

  const std::vector<std::string>& channels() const;       // sorted, pyhf's order
  const std::vector<std::size_t>& channel_nbins() const;  // per channels() entry
  const std::vector<std::string>& samples() const;        // sorted union over channels
  const std::vector<std::pair<std::string, std::string>>& modifiers() const;  // (name, type), sorted
  std::size_t nmaindata() const;
  std::size_t nauxdata() const;
  const std::vector<double>& auxdata() const;
  std::vector<std::string> auxdata_order() const;  // constrained parameter-set names
  const std::string& measurement_name() const;
  InterpCode normsys_interp() const;
  InterpCode histosys_interp() const;
  // The size of the compiled tables one evaluation reads (block-bins, block and per-bin
  // factors, normsys entries counted twice, histosys entry-bins, unit-kind terms' bins x
  // parameters): a measure of its cost.
  std::size_t table_entries() const;

  // --- evaluation (convenience: allocate per call; use Evaluator in loops) ---
  // Throw InvalidPdfParameters / InvalidPdfData on wrong lengths.
  std::vector<double> expected_actualdata(std::span<const double> pars) const;  // main bins
  std::vector<double> expected_auxdata(std::span<const double> pars) const;
  std::vector<double> expected_data(std::span<const double> pars, bool include_auxdata = true) const;
  // Per (channel, sample) expected yields at pars: [channel][sample][bin]; samples a
  // channel does not define are absent (sample_index gives positions in samples()).
  struct SampleYields {
    std::size_t channel;  // index in channels()
    std::size_t sample;   // index in samples()
    std::vector<double> yields;
  };
  std::vector<SampleYields> expected_by_sample(std::span<const double> pars) const;
  // log-likelihood of data = main + aux (full normalisation, continuous Poisson).
  double logpdf(std::span<const double> pars, std::span<const double> data) const;
  double mainlogpdf(std::span<const double> pars, std::span<const double> maindata) const;
  double constraint_logpdf(std::span<const double> pars, std::span<const double> auxdata) const;

  const detail::ModelData& data() const { return *data_; }

 private:
  friend Model compile(const Workspace&, const ModelOptions&);
  friend Model compile_channels(const std::vector<ChannelSpec>&, const MeasurementSpec&, const ModelOptions&);
  explicit Model(std::shared_ptr<const detail::ModelData> d) : data_(std::move(d)) {}
  std::shared_ptr<const detail::ModelData> data_;
};

// Compiles the workspace's measurement into a Model. Throws InvalidModel (unknown POI,
// a parameter name reused with incompatible types or sizes, bad parameter config),
// InvalidMeasurement, InvalidInterpCode.
Model compile(const Workspace& ws, const ModelOptions& options = {});
// Same from channels and a measurement (used for pyhf-style model specs without a workspace).
Model compile_channels(const std::vector<ChannelSpec>& channels, const MeasurementSpec& measurement,
                       const ModelOptions& options = {});

// The workspace's observed data for the model: main bins in the model's channel order,
// then (include_auxdata) the model's auxdata. Like pyhf's Workspace.data(model).
std::vector<double> observed_data(const Workspace& ws, const Model& model, bool include_auxdata = true);

}  // namespace hfx
