"""hfx.scan(): CLs, upper limits and significance over a whole signal grid.

The same computation as the ``hfx scan`` command, from Python, on this machine's cores or
on any :class:`concurrent.futures.Executor` -- a Dask ``distributed`` cluster
(``client.get_executor()``), an ``mpi4py.futures.MPIPoolExecutor`` or a
``ProcessPoolExecutor``. Results go to a JSON Lines file as points finish (the format of
``hfx scan -o``), so a scan that was killed resumes where it stopped, and ``hfx contour``
draws its exclusion contours.
"""

import concurrent.futures
import json
import os
import warnings

from . import _core
from . import _json

__all__ = ["scan"]

_SETTINGS = {
    # keyword -> key of the settings document (see include/hfx/scan.hpp)
    "test_poi": "test_poi",
    "upper_limit": "upper_limit",
    "level": "level",
    "rtol": "rtol",
    "significance": "significance",
    "calctype": "calctype",
    "ntoys": "ntoys",
    "seed": "seed",
    "test_stat": "test_stat",
    "measurement": "measurement",
    "poi_name": "poi_name",
    "normsys_interp": "normsys_interp",
    "histosys_interp": "histosys_interp",
}


def _evaluate_chunk(background_json, tasks, settings_json):
    """A worker's share: rows (JSON text) of the given points. Module-level so that
    executors can send it by reference."""
    return _core.scan_evaluate(background_json, tasks, settings_json)


def _grid(inputs, verify):
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    inputs = list(inputs)
    if inputs and all(isinstance(x, (str, os.PathLike)) for x in inputs):
        return _core.ScanGrid.from_files([os.fspath(x) for x in inputs], verify)
    if len(inputs) == 2:
        background, patchset = inputs
        core = getattr(patchset, "_core", None)
        patchset_json = core.document() if core is not None else _json.dumps(dict(patchset), "patchset")
        return _core.ScanGrid.from_documents(_json.dumps(dict(background), "background"), patchset_json, verify)
    raise TypeError(
        "inputs: expected file names (BKG PATCHSET, BKG PATCH..., or WORKSPACE...) or "
        f"(background workspace, patchset) documents, got {inputs!r}"[:300]
    )


def scan(
    inputs,
    *,
    output=None,
    executor=None,
    names=None,
    values=None,
    shard=(0, 1),
    verify=True,
    threads=0,
    chunksize=None,
    progress=None,
    **settings,
):
    """Computes every selected point of a signal grid; returns the rows (dicts) in grid order.

    Args:
        inputs: file names as for ``hfx scan`` (``[BKG, PATCHSET]``, ``[BKG, PATCH, ...]``
            or ``[WS, ...]``), or ``(background, patchset)`` as documents (dicts,
            :class:`hfx.Workspace`, :class:`hfx.PatchSet`).
        output: a JSON Lines results file. Rows are appended as points finish; an existing
            file of the same scan is resumed (its points are not computed again).
        executor: a :class:`concurrent.futures.Executor`; ``None`` runs on this machine's
            cores (``threads``, 0 = all) inside the C++ core.
        names: shell patterns on point names (any must match); values: conditions
            ``"LABEL=V"`` or ``"LABEL=LO:HI"`` (all must hold).
        shard: ``(I, N)``: this run's deterministic share of the selected points.
        verify: check the PatchSet's digest against the background (``False`` applies
            it anyway, with a warning naming both digests).
        chunksize: points per executor task (default: about four tasks per worker).
        progress: called as ``progress(done, total)`` after each point.
        **settings: ``test_poi`` (1.0), ``upper_limit`` (False), ``level`` (0.05),
            ``rtol``, ``significance`` (False), ``calctype`` ("asymptotics" or
            "toybased"), ``ntoys``, ``seed``, ``test_stat`` ("qtilde" or "q"),
            ``measurement``, ``poi_name``, ``normsys_interp``, ``histosys_interp``.

    A point whose fit fails is a row with ``status`` "failed" and a ``message``; a point
    that cannot be computed has status "error". Neither stops the scan.
    """
    unknown = sorted(set(settings) - set(_SETTINGS))
    if unknown:
        raise TypeError(f"scan() got unexpected keyword argument(s): {', '.join(unknown)}")
    if executor is not None and not isinstance(executor, concurrent.futures.Executor) and not hasattr(executor, "submit"):
        raise TypeError(f"executor: expected a concurrent.futures.Executor, got {executor!r}"[:200])
    overrides = {_SETTINGS[k]: v for k, v in settings.items() if v is not None}
    settings_json = _core.scan_settings(json.dumps(overrides))
    names = [names] if isinstance(names, str) else list(names or [])
    values = [values] if isinstance(values, str) else list(values or [])
    shard_index, shard_count = shard

    grid = _grid(inputs, verify)
    for w in grid.warnings:
        warnings.warn(w, stacklevel=2)
    _, todo = grid.select(names, values, shard_index, shard_count)
    grid_names = grid.names
    header = grid.header(names, values, shard_index, shard_count, settings_json)

    results = None
    rows = {}
    if output is not None:
        results = _core.ScanResultsFile(os.fspath(output), header)
        for text in results.resumed():
            row = json.loads(text)
            rows[row["name"]] = row
        todo = [i for i in todo if grid_names[i] not in rows]

    total, done = len(todo), [0]

    def record(text):
        row = json.loads(text)
        rows[row["name"]] = row
        if results is not None:
            results.append(text)
        done[0] += 1
        if progress is not None:
            progress(done[0], total)

    if executor is None:
        grid.run(todo, settings_json, threads, record)
    elif todo:
        workers = getattr(executor, "_max_workers", None) or os.cpu_count() or 1
        size = chunksize or max(1, len(todo) // (4 * workers))
        background = grid.background_json()
        futures = [
            executor.submit(_evaluate_chunk, background, [grid.task(i) for i in todo[k : k + size]], settings_json)
            for k in range(0, len(todo), size)
        ]
        failure = None
        for future in concurrent.futures.as_completed(futures):
            try:
                texts = future.result()
            except Exception as exc:  # keep the other tasks' rows; a rerun with `output` resumes
                failure = failure or exc
                continue
            for text in texts:
                record(text)
        if failure is not None:
            raise failure
    if results is not None:
        results.finish()
    shard_names = [grid_names[i] for i in grid.select(names, values, shard_index, shard_count)[1]]
    return [rows[n] for n in shard_names if n in rows]
