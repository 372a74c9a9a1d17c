// The quadratic EFT modifier ("hfx_eft"): per bin j the factor
//   f_j(c) = 1 + sum_k A_kj c_k + sum_{k <= l} B_klj c_k c_l
// of named Wilson coefficients c (the standard quadratic parameterisation of an EFT
// signal: interference terms linear, squared terms quadratic). Schema: docs/eft.md.
#include "../modifier_kind.hpp"
#include "../../spec/validate.hpp"
#include "hfx/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <set>

namespace hfx::detail {

namespace {

struct EftData : KindData {
  std::vector<std::string> names;
  std::vector<std::vector<double>> linear;     // [k][j]
  std::vector<std::vector<double>> quadratic;  // [pair (k, l), k <= l, row-major][j]
};

// The compiled term: coefficients in the order of the sorted parameter indices, per bin
// j the linear ones at lin[j P + k] and the symmetric matrix Q (Q_kk = B_kk, Q_kl = Q_lk =
// B_kl / 2) at quad[(j P + k) P + l], so that f = 1 + A.c + c'Qc and df/dc = A + 2 Qc.
class EftTerm final : public KindTerm {
 public:
  EftTerm(const EftData& d, std::span<const std::uint32_t> par, std::size_t nbins) : nbins_(nbins) {
    const std::size_t P = par.size();
    std::vector<std::size_t> order(P);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return par[a] < par[b]; });
    std::vector<std::size_t> pos(P);  // the sorted position of the document's coefficient k
    for (std::size_t i = 0; i < P; ++i) {
      pars_.push_back(par[order[i]]);
      pos[order[i]] = i;
    }
    P_ = P;
    lin_.assign(nbins * P, 0.0);
    quad_.assign(nbins * P * P, 0.0);
    for (std::size_t k = 0; k < P; ++k)
      for (std::size_t j = 0; j < nbins; ++j) lin_[j * P + pos[k]] = d.linear[k][j];
    std::size_t q = 0;
    for (std::size_t k = 0; k < P; ++k)
      for (std::size_t l = k; l < P; ++l, ++q)
        for (std::size_t j = 0; j < nbins; ++j) {
          const double b = d.quadratic.empty() ? 0.0 : d.quadratic[q][j];
          const std::size_t a = pos[k], c = pos[l];
          if (a == c) {
            quad_[(j * P + a) * P + a] = b;
          } else {
            quad_[(j * P + a) * P + c] = 0.5 * b;
            quad_[(j * P + c) * P + a] = 0.5 * b;
          }
        }
  }

  std::span<const std::uint32_t> parameters() const override { return pars_; }

  void factors(const double* x, double* factor) const override {
    for (std::size_t j = 0; j < nbins_; ++j) {
      const double* A = lin_.data() + j * P_;
      const double* Q = quad_.data() + j * P_ * P_;
      double f = 1.0;
      for (std::size_t k = 0; k < P_; ++k) {
        const double ck = x[pars_[k]];
        double qc = 0;
        for (std::size_t l = 0; l < P_; ++l) qc += Q[k * P_ + l] * x[pars_[l]];
        f += ck * (A[k] + qc);
      }
      factor[j] = f;
    }
  }

  void derivatives(const double* x, std::size_t j, double* deriv) const override {
    const double* A = lin_.data() + j * P_;
    const double* Q = quad_.data() + j * P_ * P_;
    for (std::size_t k = 0; k < P_; ++k) {
      double qc = 0;
      for (std::size_t l = 0; l < P_; ++l) qc += Q[k * P_ + l] * x[pars_[l]];
      deriv[k] = A[k] + 2.0 * qc;
    }
  }

 private:
  std::size_t nbins_, P_ = 0;
  std::vector<std::uint32_t> pars_;
  std::vector<double> lin_, quad_;
};

std::vector<std::vector<double>> rows(const Json& v, const std::string& path, std::size_t nrows, std::size_t nbins,
                                      const std::string& channel, const char* what) {
  require_array(v, path);
  if (v.size() != nrows)
    throw InvalidModifier(fmt::format("{}: expected {} row{} ({}), got {}", path, nrows, nrows == 1 ? "" : "s", what,
                                      v.size()));
  std::vector<std::vector<double>> out;
  for (std::size_t r = 0; r < nrows; ++r) {
    const std::string rpath = fmt::format("{}/{}", path, r);
    auto values = require_numbers(v[r], rpath, 1);
    if (values.size() != nbins)
      throw InvalidModifier(fmt::format("{}: expected {} number{} (channel '{}' has {} bin{}), got {}", rpath, nbins,
                                        nbins == 1 ? "" : "s", channel, nbins, nbins == 1 ? "" : "s", values.size()));
    out.push_back(std::move(values));
  }
  return out;
}

class EftKind final : public ModifierKind {
 public:
  std::string_view type() const override { return "hfx_eft"; }

  std::shared_ptr<const KindData> parse(const Json& data, const std::string& path, std::size_t nbins,
                                        const std::string& channel) const override {
    require_object(data, path);
    reject_unknown_keys(data, {"parameters", "linear", "quadratic"}, path);
    auto d = std::make_shared<EftData>();
    const std::string ppath = path + "/parameters";
    const Json& names = require_key(data, "parameters", path);
    require_array(names, ppath, 1);
    std::set<std::string> seen;
    for (std::size_t k = 0; k < names.size(); ++k) {
      const std::string kpath = fmt::format("{}/{}", ppath, k);
      std::string n = require_string(names[k], kpath);
      if (n.empty()) throw InvalidModifier(fmt::format("{}: a Wilson coefficient needs a non-empty name", kpath));
      if (!seen.insert(n).second) throw InvalidModifier(fmt::format("{}: '{}' is listed twice", kpath, n));
      d->names.push_back(std::move(n));
    }
    const std::size_t P = d->names.size();
    d->linear = rows(require_key(data, "linear", path), path + "/linear", P, nbins, channel,
                     "one per parameter");
    if (data.contains("quadratic"))
      d->quadratic = rows(data["quadratic"], path + "/quadratic", P * (P + 1) / 2, nbins, channel,
                          "one per pair k <= l of parameters, in the order (0,0), (0,1), ..., (1,1), ...");
    return d;
  }

  std::vector<KindParameter> parameters(const KindData& data, const std::string&) const override {
    std::vector<KindParameter> out;
    for (const auto& n : static_cast<const EftData&>(data).names) out.push_back({n, 0.0, {-10.0, 10.0}});
    return out;
  }

  std::shared_ptr<const KindTerm> compile(const KindData& data, std::span<const std::uint32_t> par,
                                          std::size_t nbins) const override {
    return std::make_shared<EftTerm>(static_cast<const EftData&>(data), par, nbins);
  }
};

}  // namespace

const ModifierKind& eft_kind() {
  static const EftKind kind;
  return kind;
}

}  // namespace hfx::detail
