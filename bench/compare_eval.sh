#!/usr/bin/env bash
# Compares hfx's likelihood evaluation with pyhf's on every reference workspace.
#
#   bench/compare_eval.sh [BUILD_DIR]      (default: ./build)
#
# Runs BUILD_DIR/bench/hfx_bench_eval (NLL and NLL+gradient at the suggested init on the
# observed data, each benchmark for MIN_TIME) and, when the pyhf reference checkout exists
# (PYHF_REF, default /tmp/pyhf-ref), times pyhf's `model.logpdf(pars, data)` on the same
# workspaces with the numpy backend (BATCHES batches of calls, each ~50 ms, their median).
# The two alternate in ROUNDS rounds, and each side's rate is the median over the rounds:
# this VM has slow spells of tens of seconds (one process measured staus's NLL at 159 ns,
# the next at 240, 3L at 144 and 225), and measuring all of hfx first and all of pyhf
# after let a spell fall on one side only. Both sides count CPU time of one thread (BLAS
# threads pinned to 1). Prints a Markdown table: workspace, hfx NLL/s (pyhf-parity
# arithmetic, scalar libm), hfx NLL/s with the fit arithmetic (vectorised kernels), hfx
# NLL+grad/s in both arithmetics, pyhf logpdf/s, the ratios of the medians, and the
# lowest and highest ratio (fit arithmetic) of a single round.
#
# Environment: PYHF_REF (pyhf checkout with src/), PYTHON (default /usr/bin/python3),
# MIN_TIME (Google Benchmark min time per benchmark and round in seconds, default 0.2),
# ROUNDS (default 5), BATCHES (pyhf batches per workspace and round, default 5), CPU (when
# set, both sides run pinned to that CPU with taskset: on a VM whose virtual CPUs differ in
# speed -- one sharing its core with a busy neighbour, say -- an unpinned run mixes the
# two; measured on this project's 2-CPU VM, sbottom's NLL took 135 ns pinned to CPU 0 and
# 170-183 on CPU 1).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build="${1:-$root/build}"
bench="$build/bench/hfx_bench_eval"
data="$root/tests/data/reference"
pyhf_ref="${PYHF_REF:-/tmp/pyhf-ref}"
python="${PYTHON:-/usr/bin/python3}"
min_time="${MIN_TIME:-0.2}"
rounds="${ROUNDS:-5}"
batches="${BATCHES:-5}"

if [[ ! -x "$bench" ]]; then
  echo "compare_eval.sh: $bench not found; build the hfx_bench_eval target first" >&2
  exit 1
fi

pin=""
if [[ -n "${CPU:-}" ]]; then pin="taskset -c $CPU"; fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

if [[ ! -d "$pyhf_ref/src" ]]; then
  echo "compare_eval.sh: $pyhf_ref not found; pyhf columns left empty" >&2
fi
cat > "$tmp/pyhf_rates.py" <<'PY'
import json, logging, pathlib, statistics, sys, time, warnings
logging.disable(logging.WARNING)  # "multiple measurements defined" etc.
warnings.filterwarnings("ignore")
import pyhf

pyhf.set_backend("numpy")
root, out, batches = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
rates = {}
for path in sorted(root.rglob("workspace.json")):
    name = path.parent.relative_to(root).as_posix()
    ws = pyhf.Workspace(json.loads(path.read_text()))
    model = ws.model()
    data = pyhf.tensorlib.astensor(ws.data(model))
    pars = pyhf.tensorlib.astensor(model.config.suggested_init())
    for _ in range(20):
        model.logpdf(pars, data)
    n, t = 1, 0.0
    while t < 0.05:  # calls per batch so that one batch takes ~50 ms
        n *= 2
        t0 = time.process_time()
        for _ in range(n):
            model.logpdf(pars, data)
        t = time.process_time() - t0
    per_call = []
    for _ in range(batches):
        t0 = time.process_time()
        for _ in range(n):
            model.logpdf(pars, data)
        per_call.append((time.process_time() - t0) / n)
    rates[name] = 1.0 / statistics.median(per_call)
    print(f"  {name}: {rates[name]:.0f} logpdf/s", file=sys.stderr)
json.dump(rates, open(out, "w"))
PY

for round in $(seq 1 "$rounds"); do
  echo "round $round of $rounds: hfx_bench_eval (${min_time}s per benchmark) ..." >&2
  $pin "$bench" --benchmark_min_time="$min_time" --benchmark_format=json --benchmark_out="$tmp/hfx.$round.json" \
    --benchmark_out_format=json > /dev/null
  if [[ -d "$pyhf_ref/src" ]]; then
    echo "round $round of $rounds: pyhf logpdf (numpy backend) ..." >&2
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 PYTHONPATH="$pyhf_ref/src" \
      $pin "$python" "$tmp/pyhf_rates.py" "$data" "$tmp/pyhf.$round.json" "$batches" >&2
  else
    echo "{}" > "$tmp/pyhf.$round.json"
  fi
done

"$python" - "$tmp" "$rounds" <<'PY'
import json, statistics, sys

tmp, rounds = sys.argv[1], int(sys.argv[2])
per_round = []  # (hfx {name: {kind: rate}}, pyhf {name: rate}) per round
for r in range(1, rounds + 1):
    hfx = json.load(open(f"{tmp}/hfx.{r}.json"))
    rates = {}
    for b in hfx["benchmarks"]:
        kind, name = b.get("run_name", b["name"]).split("/", 1)
        rates.setdefault(name, {})[kind] = b["items_per_second"]
    per_round.append((rates, json.load(open(f"{tmp}/pyhf.{r}.json"))))
rates = {}
for name in per_round[0][0]:
    rates[name] = {kind: statistics.median(h[name][kind] for h, _ in per_round) for kind in per_round[0][0][name]}
pyhf = {name: statistics.median(p[name] for _, p in per_round) for name in per_round[0][1]}

def fmt(x):
    if x is None:
        return "—"
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if x >= scale:
            return f"{x / scale:.3g}{unit}"
    return f"{x:.3g}"

ctx = json.load(open(f"{tmp}/hfx.1.json")).get("context", {})
print(f"hfx_bench_eval on {ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz, {ctx.get('date', '')}")
print()
print(f"medians over {rounds} rounds")
print()
print("| workspace | hfx NLL/s | hfx NLL/s (fit arithmetic) | hfx NLL+grad/s | hfx NLL+grad/s (fit arithmetic) | pyhf logpdf/s | ratio | ratio (fit arithmetic) | one round's ratio (fit arithmetic), min-max |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for name in sorted(rates):
    r = rates[name]
    p = pyhf.get(name)
    ratio = f"{r['nll'] / p:.0f}×" if p else "—"
    ratio_fit = f"{r['nll_fit'] / p:.0f}×" if p and 'nll_fit' in r else "—"
    each = [h[name]["nll_fit"] / q[name] for h, q in per_round if q.get(name) and "nll_fit" in h[name]]
    spread = f"{min(each):.0f}-{max(each):.0f}×" if each else "—"
    print(f"| {name} | {fmt(r.get('nll'))} | {fmt(r.get('nll_fit'))} | {fmt(r.get('nll_grad'))} "
          f"| {fmt(r.get('nll_grad_fit'))} | {fmt(p)} | {ratio} | {ratio_fit} | {spread} |")
PY
