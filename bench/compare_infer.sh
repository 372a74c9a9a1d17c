#!/usr/bin/env bash
# Side-by-side timing of fit, hypotest (mu = 1, qtilde, asymptotics) and the upper limit
# for hfx and pyhf on every reference workspace, with the ratios.
# pyhf runs live when the reference is set up (/tmp/pyhf-ref, ../shared/tools/pyhf-ref.sh)
# for fit and hypotest; on the published workspaces pyhf's upper limit takes minutes, so
# its time is taken from the workspace's reference.json (measured by pyhf on this
# machine type) unless PYHF_LIVE_LIMITS=1; on the small models (no timing recorded) it
# runs live. A benchmark, not a test.
# Usage: bench/compare_infer.sh [BUILD_DIR] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/release}
n=${2:-5}
printf '%-24s %10s %10s %7s | %10s %10s %7s | %10s %10s %7s\n' workspace hfx_fit pyhf_fit ratio hfx_hypo pyhf_hypo ratio hfx_ul pyhf_ul ratio
# Every reference workspace: the four published likelihoods first, then the small and
# pyhf-validation models (CASES overrides the list).
cases=${CASES:-"sbottom-multib-regionA 1Lbb-simplified staus-highmass 3L-eRJR $(cd tests/data/reference && find small pyhf-validation -name workspace.json -printf '%h\n' | sort | tr '\n' ' ')"}
for case in $cases; do
  ws=tests/data/reference/$case/workspace.json
  hfx_json=$("$build/bench/hfx_bench_infer" "$ws" "$n" || true)
  PYHF_LIVE_LIMITS=${PYHF_LIVE_LIMITS:-0} /usr/bin/python3 - "$case" "$ws" "$n" "$hfx_json" <<'PY'
import json, os, statistics, sys, time
case, ws_path, n, hfx_json = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
h = json.loads(hfx_json)
ref_path = f"tests/data/reference/{case}/reference.json"
timing = json.load(open(ref_path)).get("timing_s", {}) if os.path.exists(ref_path) else {}
nan = float("nan")
pf = timing.get("mle_fit", nan); ph = timing.get("hypotest_mu1", nan); pu = timing.get("upper_limit_toms748", nan)
src = "ref"
limit_from_ref = True
if os.path.isdir("/tmp/pyhf-ref/src"):
    sys.path.insert(0, "/tmp/pyhf-ref/src")
    import pyhf
    ws = pyhf.Workspace(json.load(open(ws_path)))
    model = ws.model(); data = ws.data(model)
    def med(f, k):
        ts = []
        for _ in range(k):
            t0 = time.perf_counter()
            try: f()
            except Exception: pass
            ts.append(time.perf_counter() - t0)
        return statistics.median(ts)
    pf = med(lambda: pyhf.infer.mle.fit(data, model), max(1, n // 2))
    ph = med(lambda: pyhf.infer.hypotest(1.0, data, model, return_expected_set=True), max(1, n // 2))
    limit_from_ref = pu == pu and os.environ.get("PYHF_LIVE_LIMITS") != "1"
    if not limit_from_ref:
        pu = med(lambda: pyhf.infer.intervals.upper_limits.upper_limit(data, model), 1)
    src = "live"
r = lambda a, b: f"{a / b:7.0f}x" if b > 0 else "-"
print(f"{case:<24} {h['fit_s']*1e3:8.2f}ms {pf*1e3:8.1f}ms {pf/h['fit_s']:6.0f}x | "
      f"{h['hypotest_s']*1e3:8.2f}ms {ph*1e3:8.1f}ms {ph/h['hypotest_s']:6.0f}x | "
      f"{h['upper_limit_s']*1e3:8.1f}ms {pu:8.1f}s {pu/h['upper_limit_s']:6.0f}x  (pyhf {src}{', limit from reference.json' if limit_from_ref else ''})")
PY
done
