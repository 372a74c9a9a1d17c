"""One Model shared by several Python threads gives exactly the serial results.

Fits, hypothesis tests, test statistics and upper limits release the GIL and run on the
shared (immutable) C++ model concurrently; logpdf keeps the GIL and uses the model's
cached evaluator. Each test computes every task serially first, then runs the same tasks
many times from 4 threads in a shuffled order and compares bit for bit.
"""

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import hfx
from conftest import REFERENCE, load_json

THREADS = 4


@pytest.fixture(scope="module")
def sbottom():
    ws = hfx.Workspace(load_json(REFERENCE / "sbottom-multib-regionA" / "workspace.json"))
    model = ws.model()
    return model, ws.data(model)


@pytest.fixture(scope="module")
def hello():
    model = hfx.simplemodels.uncorrelated_background(signal=[12, 11], bkg=[50, 52], bkg_uncertainty=[3, 7])
    return model, [51, 48] + model.config.auxdata


def _flatten(value):
    """Any nesting of tuples/lists/arrays/SimpleNamespaces as one flat list of floats."""
    if isinstance(value, (tuple, list)):
        return [x for v in value for x in _flatten(v)]
    return list(np.ravel(np.asarray(value, dtype=float)))


def _same(got, want, what):
    got, want = np.asarray(_flatten(got)), np.asarray(_flatten(want))
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    # bit for bit, NaN == NaN
    assert np.array_equal(got, want, equal_nan=True), f"{what}: {got} != {want}"


def _run_concurrently(tasks, repeats):
    """Runs every (name, fn) `repeats` times from THREADS threads in a shuffled order and
    returns [(name, result)]. A barrier makes the threads start together."""
    jobs = [t for t in tasks for _ in range(repeats)]
    random.Random(12345).shuffle(jobs)
    barrier = threading.Barrier(THREADS)

    def start():
        barrier.wait()

    with ThreadPoolExecutor(max_workers=THREADS, initializer=start) as pool:
        futures = [(name, pool.submit(fn)) for name, fn in jobs]
        return [(name, f.result()) for name, f in futures]


def _check(tasks, repeats):
    serial = {name: fn() for name, fn in tasks}
    for name, result in _run_concurrently(tasks, repeats):
        _same(result, serial[name], name)


def _points(model, n, seed):
    """n parameter points near the suggested init, inside the bounds."""
    rng = np.random.default_rng(seed)
    init = np.asarray(model.config.suggested_init())
    lo, hi = np.asarray(model.config.suggested_bounds()).T
    return [np.clip(init * (1 + 0.05 * rng.standard_normal(init.size)), lo, hi) for _ in range(n)]


def test_inference_on_a_shared_model(sbottom):
    model, data = sbottom
    asimov = model.expected_data(model.config.suggested_init())
    tasks = [
        ("hypotest", lambda: hfx.infer.hypotest(1.0, data, model, return_tail_probs=True, return_expected_set=True)),
        ("hypotest q 0.5", lambda: hfx.infer.hypotest(0.5, data, model, test_stat="q", return_expected_set=True)),
        ("hypotest asimov", lambda: hfx.infer.hypotest(1.0, asimov, model, return_expected=True)),
        ("fit", lambda: hfx.infer.mle.fit(data, model, return_uncertainties=True, return_fitted_val=True)),
        ("fixed_poi_fit", lambda: hfx.infer.mle.fixed_poi_fit(2.0, data, model, return_fitted_val=True)),
        ("qmu_tilde", lambda: hfx.infer.test_statistics.qmu_tilde(
            1.5, data, model, model.config.suggested_init(), model.config.suggested_bounds(),
            model.config.suggested_fixed(), return_fitted_pars=True)),
        ("upper_limit scan", lambda: hfx.infer.intervals.upper_limits.upper_limit(data, model, scan=[0.5, 1.0, 1.5])),
    ]
    for i, p in enumerate(_points(model, 4, 1)):
        tasks.append((f"logpdf {i}", lambda p=p: model.logpdf(p, data)))
        tasks.append((f"logpdf asimov {i}", lambda p=p: model.logpdf(p, asimov)))  # re-binds the cached data
        tasks.append((f"logpdf_and_grad {i}", lambda p=p: model.logpdf_and_grad(p, data)))
        tasks.append((f"expected_data {i}", lambda p=p: model.expected_data(p)))
    tasks.append(("logpdf_batch", lambda: model.logpdf_batch(np.stack(_points(model, 16, 2)), data)))
    _check(tasks, repeats=3)


def test_upper_limit_on_a_shared_model(hello):
    model, data = hello
    tasks = [
        ("upper_limit", lambda: hfx.infer.intervals.upper_limits.upper_limit(data, model)),
        ("upper_limit 0.1", lambda: hfx.infer.intervals.upper_limits.upper_limit(data, model, level=0.1)),
        ("hypotest", lambda: hfx.infer.hypotest(1.0, data, model, return_expected_set=True)),
    ]
    _check(tasks, repeats=4)


def test_logpdf_from_many_threads_with_changing_data(hello):
    # Every call alternates between datasets and points, so the cached evaluator's data is
    # re-bound all the time; numpy arrays and lists take different conversion paths.
    model, data = hello
    datasets = [np.asarray(data, dtype=float) + k for k in range(4)]
    points = _points(model, 4, 3)
    tasks = []
    for i, p in enumerate(points):
        for j, d in enumerate(datasets):
            tasks.append((f"array {i} {j}", lambda p=p, d=d: model.logpdf(p, d)))
            tasks.append((f"list {i} {j}", lambda p=p, d=d: model.logpdf(list(p), list(d))))
    _check(tasks, repeats=20)


class _YieldingFloat:
    """A number whose conversion runs Python code that lets other threads run, so that the
    threads interleave *inside* logpdf's argument conversion."""

    def __init__(self, value):
        self.value = value

    def __float__(self):
        time.sleep(0)
        return self.value


def test_logpdf_arguments_converted_per_call(hello):
    # Each thread's pars must stay its own while another thread converts different ones.
    model, data = hello
    points = _points(model, 8, 4)
    tasks = []
    for i, p in enumerate(points):
        slow = [_YieldingFloat(float(v)) for v in p]
        tasks.append((f"logpdf {i}", lambda slow=slow: model.logpdf(slow, data)))
        tasks.append((f"logpdf_and_grad {i}", lambda slow=slow: model.logpdf_and_grad(slow, data)))
        tasks.append((f"expected_actualdata {i}", lambda slow=slow: model.expected_actualdata(slow)))
        d = [_YieldingFloat(float(v) + i) for v in data]
        tasks.append((f"logpdf data {i}", lambda p=p, d=d: model.logpdf(p, d)))
    _check(tasks, repeats=10)


def test_logpdf_reentrant_from_an_argument_conversion(hello):
    # An argument whose conversion calls logpdf on the same model (other pars, other data)
    # must neither see nor disturb the outer call's arguments or cached data.
    model, data = hello
    other_data = [v + 1 for v in data]
    inner_calls = []

    class Reentrant:
        def __init__(self, value):
            self.value = value

        def __float__(self):
            inner_calls.append(model.logpdf([0.5, 1.1, 0.9], other_data)[0])
            return self.value

    pars = [1.2, 0.95, 1.05]
    want = model.logpdf(pars, data)[0]
    assert model.logpdf([Reentrant(v) for v in pars], data)[0] == want
    assert model.logpdf(pars, [Reentrant(float(v)) for v in data])[0] == want
    assert len(set(inner_calls)) == 1 and inner_calls[0] == model.logpdf([0.5, 1.1, 0.9], other_data)[0]


def test_threads_do_not_change_serial_values(hello):
    # The concurrent runs above compare with a serial run in the same process; this pins the
    # serial values themselves, so that a shared-state bug that also affected serial use
    # could not hide.
    model, data = hello
    assert float(model.logpdf(model.config.suggested_init(), data)[0]) == pytest.approx(-15.387627173157, abs=1e-9)
    obs = hfx.infer.hypotest(1.0, data, model)
    assert float(obs) == pytest.approx(0.0525155, abs=1e-6)


def test_workspaces_and_models_built_concurrently(sbottom):
    # Parsing/validation, compilation, digests and the workspace algebra release the GIL.
    spec = load_json(REFERENCE / "sbottom-multib-regionA" / "workspace.json")
    ws = hfx.Workspace(spec)
    model, data = sbottom
    pars = model.config.suggested_init()
    tasks = [
        ("Workspace digest", lambda: hfx.Workspace(spec).digest()),
        ("model logpdf", lambda: ws.model().logpdf(pars, data)),
        ("model by spec", lambda: hfx.Model(ws.model().spec, poi_name="mu_SIG").logpdf(pars, data)),
        ("sorted digest", lambda: hfx.Workspace.sorted(ws).digest()),
        ("prune", lambda: hfx.Workspace.digest(ws.prune(channels=[ws.channels[0]]))),
    ]
    serial = {name: fn() for name, fn in tasks}
    for name, result in _run_concurrently(tasks, repeats=2):
        assert result == serial[name] if isinstance(result, str) else np.array_equal(result, serial[name]), name
