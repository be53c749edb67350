"""What runs in a worker: load one subject, run the pipeline, flatten its results."""

from __future__ import annotations

import numbers
import os
import time
import traceback
from collections import OrderedDict

import numpy as np

from .._parallel import limit_blas
from ..pipelines import PIPELINE_INFO, STEP_ERRORS
from .store import _encode_subject


def _flatten(results, prefix, arrays, structure):
    """Flatten a pipeline's result dict into npz-able arrays (no objects)."""
    if not isinstance(results, dict):
        raise TypeError(
            f"the pipeline must return a dict of named results, got {type(results).__name__}"
        )
    for key, value in results.items():
        if not isinstance(key, str) or not key or "/" in key or key.startswith("__") \
                or "[" in key:
            raise ValueError(
                f"result names must be non-empty strings without '/', '[' or a leading '__', "
                f"got {key!r}"
            )
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten(value, name + ".", arrays, structure)
            continue
        if isinstance(value, (list, tuple)) and value and all(
                isinstance(v, np.ndarray) and v.ndim >= 1 for v in value):
            structure["lists"][name] = len(value)
            for i, v in enumerate(value):
                arrays[f"{name}[{i}]"] = _as_plain_array(v, f"{name}[{i}]")
            continue
        if isinstance(value, (str, bool, np.bool_, numbers.Number)) or (
                isinstance(value, np.ndarray) and value.ndim == 0):
            arr = _as_plain_array(np.asarray(value), name)
            structure["scalars"].append(name)
            arrays[name] = arr
            continue
        if value is None:
            arrays[name] = np.array(np.nan)
            structure["scalars"].append(name)
            continue
        arrays[name] = _as_plain_array(value, name)
    return arrays


def _as_plain_array(value, name) -> np.ndarray:
    try:
        arr = np.asarray(value)
    except Exception as exc:
        raise TypeError(f"result {name!r} could not be converted to an array: {exc}") from None
    if arr.dtype.kind not in "biufcUS":
        raise TypeError(
            f"result {name!r} has type {type(value).__name__} (dtype {arr.dtype}); results must "
            "be numbers, strings, NumPy arrays, lists of arrays or dicts of those"
        )
    return arr


def _process(pipeline, name, item, loader, fingerprint=None):
    """Run one subject (in a worker): returns a picklable status tuple, never raises.

    ``("ok", name, encoded)``: the subject's file, encoded and hashed here (see
    :func:`netneuro.cohort.store._encode_subject`), with the input's shape, the
    pipeline's failed steps (``results[STEP_ERRORS]``, see
    :class:`netneuro.pipelines.Pipeline`) and ``fingerprint`` in its metadata; or
    ``("error", name, type, message, traceback, seconds)``.
    """
    t0 = time.perf_counter()
    try:
        if isinstance(item, (str, os.PathLike)):
            data = loader(item) if loader is not None else _default_loader(item)
        else:
            data = item
        shape = getattr(data, "shape", None)
        with limit_blas(1, user_api=None):
            results = pipeline(data)
        step_errors = info = None
        if isinstance(results, dict) and (STEP_ERRORS in results or PIPELINE_INFO in results):
            results = dict(results)
            step_errors = results.pop(STEP_ERRORS, None)
            info = results.pop(PIPELINE_INFO, None)
        structure = {"scalars": [], "lists": {}}
        arrays = _flatten(results, "", OrderedDict(), structure)
        extra = {"input_shape": [int(n) for n in shape] if shape is not None else None,
                 "step_errors": step_errors or None, "pipeline_info": info,
                 "fingerprint": fingerprint}
        return ("ok", name, _encode_subject(name, arrays, structure, time.perf_counter() - t0,
                                            extra))
    except BaseException as exc:  # noqa: BLE001 - a subject's failure must not stop the others
        if isinstance(exc, KeyboardInterrupt):
            raise
        return ("error", name, type(exc).__name__, str(exc), traceback.format_exc(),
                time.perf_counter() - t0)


def _default_loader(path):
    from ..io import load_timeseries

    return load_timeseries(path)


def _exit_with_parent(parent_pid: int, interval: float = 0.5) -> None:
    """Pool workers exit when the parent process dies (e.g. ``kill -9``).

    ProcessPoolExecutor workers otherwise wait forever on their task queue
    (each holds a write end of it).  A daemon thread polls ``os.getppid()``.
    """
    import threading

    def watch():
        while True:
            if os.getppid() != parent_pid:
                os._exit(1)
            time.sleep(interval)

    threading.Thread(target=watch, name="netneuro-parent-watch", daemon=True).start()


def _worker_init(threads: int, parent_pid: int | None = None) -> None:
    """Pool worker start-up: exit with the parent; limit BLAS/OpenMP threads."""
    if parent_pid is not None:
        _exit_with_parent(parent_pid)
    global _THREAD_LIMIT
    _THREAD_LIMIT = limit_blas(threads, user_api=None).__enter__()  # for the worker's lifetime
    try:
        from .._config import set_config

        set_config(n_jobs=threads)
    except Exception:
        pass


_THREAD_LIMIT = None

