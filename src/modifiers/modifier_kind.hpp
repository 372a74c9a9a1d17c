// Modifier kinds beyond HistFactory's seven, each one unit (internal).
//
// A unit is one folder under src/modifiers holding everything about its kind: the
// parsing and validation of its JSON "data", the parameters it asks for, its compiled
// per-block table (a KindTerm), and the reference kernel for its per-bin factor and that
// factor's derivatives. The spec, compile and eval stages reach a kind only through this
// interface, and src/modifiers/registry.cpp lists the kinds: adding one is its folder
// plus one line there.
//
// A unit kind either multiplies its sample's rates bin by bin or adds to them:
// rate = (nominal + histosys deltas + additive terms' deltas) x block factors x per-bin
// factors x multiplicative terms' factors.
#pragma once

#include "hfx/json.hpp"
#include "hfx/spec.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hfx::detail {

// A modifier's data as its unit parsed and validated it. Immutable once made.
struct KindData {
  virtual ~KindData() = default;
};

// One parameter set a modifier uses, with its defaults (a measurement's parameter
// configuration may override inits, bounds and fixed): `size` parameters (a scalar when
// 1), each unconstrained or with a unit Gaussian constraint around auxiliary datum 0, free
// or fixed.
struct KindParameter {
  std::string name;
  double init = 0.0;
  std::pair<double, double> bounds{-10.0, 10.0};
  std::size_t size = 1;
  bool unit_gaussian = false;
  bool fixed = false;
};

// A modifier compiled for one (channel, sample) block of nbins bins: the factor it
// multiplies each bin's rate by, as a function of the parameter vector x.
class KindTerm {
 public:
  virtual ~KindTerm() = default;
  // An additive term's factors() are deltas added to the nominal yields (before the
  // block and per-bin factors); a multiplicative term's multiply the rates.
  virtual bool additive() const { return false; }
  // The parameters (indices into x) the factors depend on, sorted and unique.
  virtual std::span<const std::uint32_t> parameters() const = 0;
  // factor[j] (or the delta) for the block's bins j = 0 .. nbins - 1.
  virtual void factors(const double* x, double* factor) const = 0;
  // d factor[j] / d x[parameters()[k]] into deriv[k] for bin j (0 for a parameter bin j
  // does not depend on).
  virtual void derivatives(const double* x, std::size_t j, double* deriv) const = 0;
};

class ModifierKind {
 public:
  virtual ~ModifierKind() = default;
  // The JSON "type" that selects the kind (an hfx extension: pyhf rejects it).
  virtual std::string_view type() const = 0;
  // Validates a modifier's "data" on a channel of nbins bins; throws InvalidModifier
  // naming the JSON path (path is the data's) and the problem.
  virtual std::shared_ptr<const KindData> parse(const Json& data, const std::string& path, std::size_t nbins,
                                                const std::string& channel) const = 0;
  // The parameter sets a modifier named `name` with this data uses, in its own order.
  virtual std::vector<KindParameter> parameters(const KindData& data, const std::string& name) const = 0;
  // The compiled term for a block; par lists the index in x of every parameter of
  // parameters(data), set after set (a set of size n contributing n consecutive indices).
  virtual std::shared_ptr<const KindTerm> compile(const KindData& data, std::span<const std::uint32_t> par,
                                                  std::size_t nbins) const = 0;
};

// The registered kinds (registry.cpp), and lookup by JSON type; null for an unknown type.
std::span<const ModifierKind* const> modifier_kinds();
const ModifierKind* find_modifier_kind(std::string_view type);

}  // namespace hfx::detail
