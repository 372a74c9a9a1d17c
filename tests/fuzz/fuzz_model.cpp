// libFuzzer target: compile and evaluate. The input is "WORKSPACE [\0 POINT]": the
// workspace is parsed, validated, compiled (interpolation codes and measurement chosen
// from a hash of the input) and bound to its observed data in an hfx::Evaluator, in both
// arithmetics; one NLL (with gradient) is evaluated at the suggested init and one at a
// point derived from the bytes after the NUL (or from the hash): bounds, zero, +-1, huge,
// raw doubles (NaN/inf included). The NLL may be non-finite (then nonfinite_reason() is
// asked) but nothing may crash. For one input in four with a small model (<= 32
// parameters, <= 64 bins) it also runs a short maximum-likelihood fit with uncertainties
// (sometimes with every parameter fixed). hfx::Error is an expected outcome (message must
// be one line); anything else aborts (see fuzz_common.hpp).
#include "fuzz_common.hpp"

#include <hfx/evaluator.hpp>
#include <hfx/fit.hpp>
#include <hfx/json.hpp>
#include <hfx/model.hpp>
#include <hfx/workspace.hpp>

#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>
#include <vector>

using namespace hfx_fuzz;

namespace {

// splitmix64 over the input bytes' FNV-1a hash: the choices the JSON cannot carry.
struct Bits {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// One parameter value: from 8 raw bytes of `point` while they last, else a pick.
double pick(const hfx::Model& model, std::size_t i, std::string_view& point, Bits& bits) {
  const auto [lo, hi] = model.suggested_bounds()[i];
  const std::uint64_t r = bits.next();
  if (point.size() >= 9 && (static_cast<unsigned char>(point[0]) & 1)) {
    double v;
    std::memcpy(&v, point.data() + 1, sizeof v);
    point.remove_prefix(9);
    return v;
  }
  if (!point.empty()) point.remove_prefix(1);
  switch (r % 10) {
    case 0: return lo;
    case 1: return hi;
    case 2: return 0.0;
    case 3: return 1.0;
    case 4: return -1.0;
    case 5: return lo + (hi - lo) * static_cast<double>(r >> 11) * 0x1p-53;
    case 6: return (r & 64) ? 1e300 : -1e300;
    case 7: return 1e-310;  // subnormal
    case 8: return static_cast<double>(static_cast<std::int64_t>(r >> 40) - (1ll << 23)) / 1024.0;
    default: return model.suggested_init()[i];
  }
}

void evaluate(const hfx::Model& model, const std::vector<double>& data, const std::vector<double>& init,
              const std::vector<double>& point, hfx::Evaluator::Arithmetic arithmetic) {
  hfx::Evaluator ev(model, arithmetic);
  ev.set_data(data);
  std::vector<double> grad(model.npars());
  for (const auto* x : {&init, &point}) {
    const double nll = ev.nll(*x);
    if (!std::isfinite(nll)) (void)ev.nonfinite_reason();
    (void)ev.nll_and_grad(*x, grad);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  if (size > kMaxInput) return -1;
  const std::string_view text = as_text(bytes, size);
  const std::size_t nul = text.find('\0');
  const std::string_view json = text.substr(0, nul);
  std::string_view point_bytes = nul == std::string_view::npos ? std::string_view{} : text.substr(nul + 1);
  Bits bits{fnv1a(text)};

  try {
    const hfx::Workspace ws(hfx::parse_json(json, "<fuzz>"));
    hfx::ModelOptions options;
    static constexpr hfx::InterpCode kCodes[] = {hfx::InterpCode::code0, hfx::InterpCode::code1,
                                                 hfx::InterpCode::code2, hfx::InterpCode::code4,
                                                 hfx::InterpCode::code4p};
    const std::uint64_t r = bits.next();
    if (r & 1) {  // otherwise pyhf's defaults
      options.normsys_interp = kCodes[(r >> 1) % 5];
      options.histosys_interp = kCodes[(r >> 4) % 5];
    }
    if (((r >> 8) & 3) == 0 && ws.measurements().size() > 1)
      options.measurement = ws.measurements()[(r >> 10) % ws.measurements().size()].name;
    const hfx::Model model = hfx::compile(ws, options);
    const std::vector<double> data = hfx::observed_data(ws, model);
    if (data.size() != model.nmaindata() + model.nauxdata()) trap("observed_data has the wrong length");

    const std::vector<double> init = model.suggested_init();
    std::vector<double> point(model.npars());
    for (std::size_t i = 0; i < point.size(); ++i) point[i] = pick(model, i, point_bytes, bits);

    evaluate(model, data, init, point, hfx::Evaluator::Arithmetic::pyhf);
    evaluate(model, data, init, point, hfx::Evaluator::Arithmetic::stable);

    const std::uint64_t f = bits.next();
    if (f % 4 == 0 && model.npars() <= 32 && model.nmaindata() <= 64) {
      hfx::FitProblem problem = hfx::FitProblem::from_model(model);
      if ((f >> 2) % 4 == 0) problem.fixed.assign(problem.fixed.size(), true);
      hfx::FitOptions fit_options;
      fit_options.max_iterations = 100;
      fit_options.max_restarts = 1;
      fit_options.uncertainties = true;
      fit_options.correlations = (f >> 4) % 2 == 0;
      const hfx::FitResult result = hfx::fit(model, data, problem, fit_options);
      if (result.x.size() != model.npars()) trap("fit result has the wrong number of parameters");
      if (result.converged() && result.uncertainties.size() != model.npars()) trap("fit result lacks uncertainties");
      if (result.correlations.size() != (fit_options.correlations && result.converged() ? model.npars() * model.npars() : 0))
        trap("fit result has correlations of the wrong size");
    }
  } catch (const hfx::Error& e) {
    check_error(e);
  }
  return 0;
}
