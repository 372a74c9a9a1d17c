// Per-bin yields as parameters ("hfx_yields"): adds x[p_j] to its sample's nominal yield in
// bin j, one parameter per bin, fixed by default. On a sample with zero nominal yields
// and a normfactor POI, the rate is POI x yield: a signal whose yields are set without
// recompiling the model (hfx.reinterpret.SignalYields, docs/reinterpretation.md), and
// whose likelihood's derivatives in them are the gradient's entries for those parameters.
#include "../modifier_kind.hpp"
#include "../../spec/validate.hpp"
#include "hfx/errors.hpp"

#include <fmt/format.h>

namespace hfx::detail {

namespace {

struct YieldsData : KindData {
  std::size_t n = 0;
};

class YieldsTerm final : public KindTerm {
 public:
  explicit YieldsTerm(std::span<const std::uint32_t> par) : pars_(par.begin(), par.end()) {}
  bool additive() const override { return true; }
  std::span<const std::uint32_t> parameters() const override { return pars_; }
  void factors(const double* x, double* delta) const override {
    for (std::size_t j = 0; j < pars_.size(); ++j) delta[j] = x[pars_[j]];
  }
  void derivatives(const double*, std::size_t j, double* deriv) const override {
    for (std::size_t k = 0; k < pars_.size(); ++k) deriv[k] = k == j ? 1.0 : 0.0;
  }

 private:
  std::vector<std::uint32_t> pars_;
};

class YieldsKind final : public ModifierKind {
 public:
  std::string_view type() const override { return "hfx_yields"; }

  std::shared_ptr<const KindData> parse(const Json& data, const std::string& path, std::size_t nbins,
                                        const std::string&) const override {
    if (!data.is_null()) throw InvalidModifier(fmt::format("{}: expected null for an hfx_yields modifier, got {}", path, describe_type(data)));
    auto d = std::make_shared<YieldsData>();
    d->n = nbins;
    return d;
  }

  // One set named as the modifier, a yield per bin: init 0, bounds +-1e12, fixed.
  std::vector<KindParameter> parameters(const KindData& data, const std::string& name) const override {
    KindParameter p{name, 0.0, {-1e12, 1e12}, static_cast<const YieldsData&>(data).n, false};
    p.fixed = true;
    return {p};
  }

  std::shared_ptr<const KindTerm> compile(const KindData&, std::span<const std::uint32_t> par, std::size_t) const override {
    return std::make_shared<YieldsTerm>(par);
  }
};

}  // namespace

const ModifierKind& yields_kind() {
  static const YieldsKind kind;
  return kind;
}

}  // namespace hfx::detail
