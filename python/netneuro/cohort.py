"""Run one analysis pipeline over a whole cohort, resumably, locally or on Dask.

:func:`run` maps a per-subject ``pipeline`` over ``subjects`` and writes each
subject's results to an on-disk *store* the moment they exist.  A crash, a
``kill -9`` or Ctrl-C loses at most the subjects that were in flight; running the
same call again (``resume=True``) skips every finished subject.

The store (a directory; format ``netneuro-cohort-store`` version 1)
---------------------------------------------------------------------
::

    STORE/
      netneuro_store.json        format, version, pipeline description, creation time
      subjects/<name>.npz        one file per finished subject (see below)
      failures/<name>.json       one file per failed subject: error type, message, traceback
      summary.csv                one row per finished subject: every scalar result
      summary.parquet            the same table, when pyarrow is importable
      failures.csv               subject, error type, message
      manifest.json              every subject of the last run and its status
      .lock                      advisory lock: one cohort run per store at a time

``subjects/<name>.npz`` is a plain NumPy archive (``np.load(f)``; no pickle):
each array result under its name, each scalar as a 0-d array, a list of arrays
(e.g. a persistence diagram per dimension) as ``name[0]``, ``name[1]``, ...,
nested dicts flattened with ``.`` (``graph.clustering``), and ``__meta__``, a
JSON string (subject name, result structure, seconds taken, netneuro version).
``<name>`` is the subject name percent-encoded (``urllib.parse.quote``) so any
name is a safe file name.  The file is written by the parent process to a
temporary name in the same directory, flushed, ``fsync``-ed and renamed with
``os.replace``: it either exists complete or not at all.  ``summary.csv``,
``failures.csv`` and ``manifest.json`` are rebuilt from the subject files at the
end of each run (and by :meth:`Store.write_tables`).

A subject whose pipeline raises is recorded in ``failures/`` and the others go
on.  Failed subjects are retried on the next run (``resume=True`` skips only
*finished* ones); a success removes the failure record.  A worker process that
dies (segfault, out-of-memory kill) breaks the local pool: the pool is
restarted and each subject that was in flight is re-run alone; one whose lone
run kills its worker ``max_crashes`` times is recorded as failed.

Executors
---------
``executor=None`` runs in this process when ``n_jobs`` resolves to 1, else on a
local process pool (``concurrent.futures.ProcessPoolExecutor`` started with
``spawn``: never ``fork``, which deadlocks with threaded runtimes).  A
``dask.distributed.Client`` runs the same pipeline on its cluster (futures
collected with ``distributed.as_completed``); any other
``concurrent.futures.Executor`` is used as given.  Results always come back to
this process, which alone writes the store, so workers need no access to it.
Paths in ``subjects`` are loaded *on the worker* (through :mod:`netneuro.io`),
so on a cluster they must be readable there.  The pipeline runs with one
BLAS thread on every executor (threadpoolctl, when installed), so a subject's
results are bit-identical whichever executor computed them; parallelism comes
from running subjects side by side.

The pipeline must be picklable for pool and Dask runs: a module-level function,
a :class:`netneuro.pipelines.Pipeline`, or any picklable callable mapping one
subject's data to a dict of named results.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import json
import math
import multiprocessing
import numbers
import os
import sys
import time
import traceback
import uuid
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

import numpy as np

from ._parallel import check_n_jobs, limit_blas
from ._validation import check_bool, check_int
from .io import file_extension

__all__ = ["run", "open_store", "Store", "RunResult", "FORMAT", "FORMAT_VERSION"]

FORMAT = "netneuro-cohort-store"
FORMAT_VERSION = 1
_META_KEY = "__meta__"
_MANIFEST = "netneuro_store.json"


# ---------------------------------------------------------------------------
# names and results


def _file_stem(name: str) -> str:
    stem = quote(name, safe="-_.+=,@")
    if stem.startswith("."):
        stem = "%2E" + stem[1:]
    return stem


def _subject_name(stem: str) -> str:
    return unquote(stem)


def _pipeline_description(pipeline) -> str:
    describe = getattr(pipeline, "describe", None)
    if callable(describe):
        return str(describe())
    mod = getattr(pipeline, "__module__", None) or type(pipeline).__module__
    qual = getattr(pipeline, "__qualname__", None) or type(pipeline).__qualname__
    return f"{mod}.{qual}"


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


def _process(pipeline, name, item, loader):
    """Run one subject (in a worker): returns a picklable status tuple, never raises."""
    t0 = time.perf_counter()
    try:
        if isinstance(item, (str, os.PathLike)):
            data = loader(item) if loader is not None else _default_loader(item)
        else:
            data = item
        with limit_blas(1, user_api=None):
            results = pipeline(data)
        structure = {"scalars": [], "lists": {}}
        arrays = _flatten(results, "", OrderedDict(), structure)
        return ("ok", name, arrays, structure, time.perf_counter() - t0)
    except BaseException as exc:  # noqa: BLE001 - a subject's failure must not stop the others
        if isinstance(exc, KeyboardInterrupt):
            raise
        return ("error", name, type(exc).__name__, str(exc), traceback.format_exc(),
                time.perf_counter() - t0)


def _default_loader(path):
    from .io import load_timeseries

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
        from ._config import set_config

        set_config(n_jobs=threads)
    except Exception:
        pass


_THREAD_LIMIT = None


# ---------------------------------------------------------------------------
# the store


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, write, fsync: bool = True) -> None:
    """Write ``path`` via ``write(fileobj)`` to a temp name, fsync, then os.replace.

    The rename alone makes the write atomic for crashes and kills of this
    process; ``fsync`` (file and directory) also makes it durable across a
    power failure or kernel crash.
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    if fsync:
        _fsync_dir(path.parent)


def _write_text(path: Path, text: str) -> None:
    _atomic_write(path, lambda f: f.write(text.encode("utf-8")))


@dataclass
class RunResult:
    """What :func:`run` did: the store plus counts of this run."""

    store: "Store"
    completed: list = field(default_factory=list)  # computed in this run
    skipped: list = field(default_factory=list)  # already finished (resume)
    failed: dict = field(default_factory=dict)  # name -> "ErrorType: message"
    elapsed_s: float = 0.0

    def __repr__(self) -> str:
        return (f"RunResult(store={str(self.store.path)!r}, completed={len(self.completed)}, "
                f"skipped={len(self.skipped)}, failed={len(self.failed)}, "
                f"elapsed_s={self.elapsed_s:.2f})")

    @property
    def ok(self) -> bool:
        return not self.failed


class Store:
    """A cohort results store on disk (see the module docstring for the layout)."""

    def __init__(self, path):
        self.path = Path(path)
        self.subjects_dir = self.path / "subjects"
        self.failures_dir = self.path / "failures"
        self._scalars = {}  # name -> {result: Python scalar}, from our writes and reads
        self.fsync = True

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}, finished={len(self.subjects())}, " \
               f"failed={len(self.failures())})"

    # -- creation ----------------------------------------------------------
    def _init(self, description: str, resume: bool) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        manifest = self.path / _MANIFEST
        if manifest.exists():
            info = self.info()
            if info.get("format") != FORMAT:
                raise ValueError(f"store {str(self.path)!r} is not a {FORMAT} directory")
            if int(info.get("version", 0)) > FORMAT_VERSION:
                raise ValueError(
                    f"store {str(self.path)!r} has format version {info.get('version')}; this "
                    f"netneuro reads up to {FORMAT_VERSION}"
                )
            if resume and info.get("pipeline") != description:
                raise ValueError(
                    f"store {str(self.path)!r} was written by pipeline {info.get('pipeline')!r}, "
                    f"this run uses {description!r}; use a new store, or resume=False to "
                    "recompute every subject"
                )
            if not resume:
                info["pipeline"] = description
                _write_text(manifest, json.dumps(info, indent=2))
        else:
            if any(p.name != ".lock" for p in self.path.iterdir()):
                raise ValueError(
                    f"store {str(self.path)!r} exists, is not empty and is not a netneuro "
                    "store; choose a new directory"
                )
            from ._version import __version__

            _write_text(manifest, json.dumps({
                "format": FORMAT, "version": FORMAT_VERSION, "pipeline": description,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "netneuro_version": __version__,
            }, indent=2))
        self.subjects_dir.mkdir(exist_ok=True)
        self.failures_dir.mkdir(exist_ok=True)
        # temp files of a killed run are garbage: no subject is half-written
        for d in (self.subjects_dir, self.failures_dir, self.path):
            for p in d.glob(".*.tmp-*"):
                try:
                    p.unlink()
                except OSError:
                    pass

    def info(self) -> dict:
        """The store manifest (format, version, pipeline, created)."""
        with open(self.path / _MANIFEST, encoding="utf-8") as f:
            return json.load(f)

    # -- reading -----------------------------------------------------------
    def subjects(self) -> list:
        """Names of the finished subjects (sorted)."""
        if not self.subjects_dir.exists():
            return []
        return sorted(_subject_name(p.name[:-4]) for p in self.subjects_dir.glob("*.npz")
                      if not p.name.startswith("."))

    def __contains__(self, name) -> bool:
        return (self.subjects_dir / (_file_stem(name) + ".npz")).exists()

    def __len__(self) -> int:
        return len(self.subjects())

    def file(self, name: str) -> Path:
        """The ``.npz`` file holding subject ``name``."""
        return self.subjects_dir / (_file_stem(name) + ".npz")

    def _is_complete(self, name: str) -> bool:
        p = self.file(name)
        if not p.exists():
            return False
        try:
            with np.load(p, allow_pickle=False) as z:
                meta = json.loads(str(z[_META_KEY]))
            return meta.get("subject") == name
        except Exception:
            return False

    def meta(self, name: str) -> dict:
        """Subject ``name``'s metadata (structure, seconds, version)."""
        with np.load(self.file(name), allow_pickle=False) as z:
            return json.loads(str(z[_META_KEY]))

    def load(self, name: str) -> dict:
        """Subject ``name``'s results: arrays, lists of arrays, Python scalars.

        Nested result dicts come back flattened (``"graph.clustering"``).
        """
        p = self.file(name)
        if not p.exists():
            raise KeyError(f"subject {name!r} is not in store {str(self.path)!r}")
        with np.load(p, allow_pickle=False) as z:
            meta = json.loads(str(z[_META_KEY]))
            raw = {k: z[k] for k in z.files if k != _META_KEY}
        out = {}
        for key in meta["order"]:
            if key in meta["lists"]:
                out[key] = [raw[f"{key}[{i}]"] for i in range(meta["lists"][key])]
            elif key in meta["scalars"]:
                out[key] = raw[key].item()
            else:
                out[key] = raw[key]
        return out

    def failures(self) -> dict:
        """``{name: record}`` for subjects whose last attempt failed."""
        out = {}
        if not self.failures_dir.exists():
            return out
        for p in sorted(self.failures_dir.glob("*.json")):
            if p.name.startswith("."):
                continue
            try:
                with open(p, encoding="utf-8") as f:
                    rec = json.load(f)
            except Exception:
                continue
            out[rec.get("subject", _subject_name(p.name[:-5]))] = rec
        return out

    def summary(self, order=None) -> dict:
        """Scalar results as columns: ``{"subject": [...], name: np.ndarray, ...}``.

        Integer/boolean columns are int64, other numeric columns float64 (NaN where
        a subject lacks the result);
        string columns are ``str`` arrays.  ``order`` lists subjects to put first.
        """
        names = self.subjects()
        if order is not None:
            present = set(names)
            first = [n for n in order if n in present]
            seen = set(first)
            names = first + [n for n in names if n not in seen]
        rows = []
        columns = OrderedDict()
        for name in names:
            row = self._scalars.get(name)
            if row is None:
                with np.load(self.file(name), allow_pickle=False) as z:
                    meta = json.loads(str(z[_META_KEY]))
                    row = {k: z[k].item() for k in meta["scalars"]}
                self._scalars[name] = row
            for k in row:
                columns.setdefault(k, None)
            rows.append(row)
        table = OrderedDict(subject=np.array(names, dtype=str))
        for col in columns:
            values = [r.get(col) for r in rows]
            if values and all(isinstance(v, (bool, numbers.Integral)) for v in values):
                table[col] = np.array([int(v) for v in values], dtype=np.int64)
            elif all(v is None or isinstance(v, numbers.Real) for v in values):
                table[col] = np.array([np.nan if v is None else float(v) for v in values])
            else:
                table[col] = np.array(["" if v is None else str(v) for v in values])
        return table

    def table(self, order=None):
        """:meth:`summary` as a pandas DataFrame indexed by subject (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("Store.table() needs pandas: pip install pandas; "
                              "Store.summary() returns plain NumPy columns") from None
        s = self.summary(order)
        return pd.DataFrame(s).set_index("subject")

    def write_tables(self, order=None, statuses=None) -> None:
        """(Re)write summary.csv (+ .parquet with pyarrow), failures.csv and manifest.json."""
        table = self.summary(order)
        cols = list(table)
        n = len(table["subject"])

        def fmt(v):
            if isinstance(v, (float, np.floating)):
                return "" if math.isnan(v) else repr(float(v))
            return str(v)

        def write_csv(f, header, rows):
            text = _io_string()
            w = csv.writer(text, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
            f.write(text.getvalue().encode("utf-8"))

        _atomic_write(self.path / "summary.csv", lambda f: write_csv(
            f, cols, ([fmt(table[c][i]) for c in cols] for i in range(n))))
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            pass
        else:
            pa_table = pa.table({c: table[c] for c in cols})
            _atomic_write(self.path / "summary.parquet", lambda f: pq.write_table(pa_table, f))
        fails = self.failures()
        _atomic_write(self.path / "failures.csv", lambda f: write_csv(
            f, ["subject", "error_type", "message"],
            ([k, v.get("error_type", ""), v.get("message", "")] for k, v in fails.items())))
        status = {name: "done" for name in table["subject"]}
        for name in fails:
            status.setdefault(name, "failed")
        if statuses:
            status.update(statuses)
        _write_text(self.path / "manifest.json", json.dumps({
            "format": FORMAT, "version": FORMAT_VERSION,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "n_done": sum(1 for v in status.values() if v == "done"),
            "n_failed": sum(1 for v in status.values() if v == "failed"),
            "subjects": status,
        }, indent=1))

    # -- writing (parent process only) -------------------------------------
    def _write_subject(self, name, arrays, structure, elapsed) -> None:
        from ._version import __version__

        order = []
        for key in list(structure["scalars"]) + list(arrays):
            base = key.split("[", 1)[0]
            if base not in order:
                order.append(base)
        meta = {"subject": name, "scalars": structure["scalars"], "lists": structure["lists"],
                "order": order, "seconds": round(float(elapsed), 6),
                "netneuro_version": __version__,
                "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        payload = dict(arrays)
        payload[_META_KEY] = np.array(json.dumps(meta))
        _atomic_write(self.file(name), lambda f: np.savez(f, **payload), self.fsync)
        self._scalars[name] = {k: arrays[k].item() for k in structure["scalars"]}
        fail = self.failures_dir / (_file_stem(name) + ".json")
        if fail.exists():
            fail.unlink()

    def _write_failure(self, name, error_type, message, tb, elapsed, attempts=1) -> None:
        rec = {"subject": name, "error_type": error_type, "message": message,
               "traceback": tb, "seconds": round(float(elapsed), 6), "attempts": attempts,
               "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        _write_text(self.failures_dir / (_file_stem(name) + ".json"), json.dumps(rec, indent=1))


def _io_string():
    import io

    return io.StringIO()


def open_store(path) -> Store:
    """Open an existing cohort store for reading (see :class:`Store`)."""
    s = Store(path)
    if not (s.path / _MANIFEST).exists():
        raise FileNotFoundError(f"{str(s.path)!r} is not a netneuro cohort store "
                                f"(no {_MANIFEST})")
    info = s.info()
    if info.get("format") != FORMAT:
        raise ValueError(f"{str(s.path)!r} is not a {FORMAT} directory")
    return s


# ---------------------------------------------------------------------------
# subjects


def _normalise_subjects(subjects) -> "OrderedDict[str, object]":
    out = _normalise_subjects_(subjects)
    for name in out:
        if len(_file_stem(name).encode("utf-8")) > 200:
            raise ValueError(f"subject name {name[:40]!r}... is too long for a file name "
                             "(at most 200 bytes once percent-encoded)")
    return out


def _normalise_subjects_(subjects) -> "OrderedDict[str, object]":
    if isinstance(subjects, (str, os.PathLike)):
        raise TypeError(
            "subjects must be a dict {name: data or path}, a list of paths or a list of arrays; "
            "got a single path (wrap it in a list)"
        )
    if isinstance(subjects, dict):
        out = OrderedDict()
        for k, v in subjects.items():
            if not isinstance(k, str) or not k:
                raise TypeError(f"subject names must be non-empty strings, got {k!r}")
            out[k] = os.fspath(v) if isinstance(v, os.PathLike) else v
        if not out:
            raise ValueError("subjects is empty")
        return out
    if isinstance(subjects, np.ndarray):
        if subjects.ndim < 2:
            raise ValueError(f"subjects as an array must stack subjects on axis 0, got shape "
                             f"{subjects.shape}")
        subjects = list(subjects)
    try:
        items = list(subjects)
    except TypeError:
        raise TypeError(f"subjects must be a dict or a list, got {type(subjects).__name__}") \
            from None
    if not items:
        raise ValueError("subjects is empty")
    out = OrderedDict()
    if all(isinstance(x, (str, os.PathLike)) for x in items):
        for x in items:
            p = Path(x)
            name = p.name
            ext = file_extension(p)
            if ext:
                name = name[: -len(ext)]
            if name in out:
                raise ValueError(
                    f"two input files give the subject name {name!r} ({out[name]!r} and "
                    f"{os.fspath(x)!r}); pass a dict {{name: path}} instead"
                )
            out[name] = os.fspath(x)
        return out
    if any(isinstance(x, (str, os.PathLike)) for x in items):
        raise TypeError("subjects mixes paths and data; pass a dict {name: data or path}")
    width = max(4, len(str(len(items) - 1)))
    for i, x in enumerate(items):
        out[f"subject-{i:0{width}d}"] = x
    return out


# ---------------------------------------------------------------------------
# progress


class _Progress:
    def __init__(self, total, initial, enabled):
        self.total, self.done, self.failed = total, initial, 0
        self.bar = None
        self.enabled = bool(enabled) and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
        self.t0 = time.perf_counter()
        self.last = 0.0
        if self.enabled:
            try:
                from tqdm.auto import tqdm

                self.bar = tqdm(total=total, initial=initial, unit="subject", dynamic_ncols=True,
                                desc="netneuro cohort")
            except ImportError:
                self._line(force=True)

    def update(self, failed=False):
        self.done += 1
        self.failed += int(failed)
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(1)
            if failed:
                self.bar.set_postfix(failed=self.failed)
        else:
            self._line()

    def _line(self, force=False):
        now = time.perf_counter()
        if not force and now - self.last < 0.2 and self.done < self.total:
            return
        self.last = now
        rate = self.done / max(now - self.t0, 1e-9)
        sys.stderr.write(f"\rnetneuro cohort: {self.done}/{self.total} subjects"
                         f" ({self.failed} failed), {rate:.2f}/s")
        sys.stderr.flush()

    def close(self):
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.close()
        else:
            self._line(force=True)
            sys.stderr.write("\n")
            sys.stderr.flush()


# ---------------------------------------------------------------------------
# run


def _is_dask_client(executor) -> bool:
    return type(executor).__module__.split(".")[0] == "distributed" and hasattr(executor, "submit")


def run(pipeline, subjects, store, *, executor=None, n_jobs=None, resume: bool = True,
        progress: bool = True, loader=None, max_crashes: int = 2,
        max_in_flight: int | None = None, fsync: bool = True) -> RunResult:
    """Run ``pipeline`` over every subject, writing results to ``store`` as they finish.

    Parameters
    ----------
    pipeline : callable
        ``pipeline(data) -> dict`` of named results (arrays, lists of arrays,
        numbers, strings, nested dicts).  Must be picklable for pool/Dask runs.
    subjects : dict, list of paths, list of arrays or (S, ...) array
        ``{name: data_or_path}``; a list of paths (names = file names without
        extension); or arrays (named ``subject-0000``, ...).  Paths are loaded
        with ``loader`` (default :func:`netneuro.io.load_timeseries`) in the worker.
    store : path
        The store directory (created; see the module docstring for the format).
    executor : None, dask.distributed.Client or concurrent.futures.Executor
        ``None``: this process (``n_jobs`` = 1) or a local spawn-started process pool.
    n_jobs : int or None
        Worker processes for the local pool (scikit-learn semantics; None = 1 unless
        configured, -1 = all CPUs).  Ignored with an explicit executor.
    resume : bool
        Skip subjects already finished in ``store`` (failed ones are retried).
        ``False`` recomputes everything, overwriting.
    progress : bool
        A progress bar (tqdm if installed) on stderr when it is a terminal.
    loader : callable or None
        ``loader(path) -> data`` for path inputs (e.g. :func:`netneuro.io.load_matrix`).
    max_crashes : int
        Local pool only: a subject whose lone re-run kills its worker this many
        times is recorded as failed (``WorkerCrash``) instead of being retried.
    max_in_flight : int or None
        Subjects submitted but not finished at any time (default 2 per worker).
    fsync : bool
        ``fsync`` every subject file (and its directory) before it counts as
        finished: durable across power failures.  ``False`` saves about a
        millisecond of CPU and a few of I/O wait per subject; writes stay atomic
        (temp file + rename), so a killed run still leaves no half-written subject.

    Returns
    -------
    RunResult
        ``.store`` (a :class:`Store`), ``.completed``, ``.skipped``, ``.failed``.
    """
    if not callable(pipeline):
        raise TypeError(f"pipeline must be callable, got {type(pipeline).__name__}")
    if loader is not None and not callable(loader):
        raise TypeError(f"loader must be callable or None, got {type(loader).__name__}")
    if store is None or not isinstance(store, (str, os.PathLike)):
        raise TypeError(f"store must be a directory path, got {type(store).__name__}")
    check_bool(resume, "resume")
    max_crashes = check_int(max_crashes, "max_crashes", min_value=1)
    if max_in_flight is not None:
        max_in_flight = check_int(max_in_flight, "max_in_flight", min_value=1)
    items = _normalise_subjects(subjects)
    dask = executor is not None and _is_dask_client(executor)
    if executor is not None and not dask and not isinstance(executor, cf.Executor):
        raise TypeError(
            "executor must be None, a dask.distributed.Client or a concurrent.futures.Executor, "
            f"got {type(executor).__name__}"
        )
    workers = check_n_jobs(n_jobs) if executor is None else None

    t_start = time.perf_counter()
    st = Store(store)
    st.fsync = bool(fsync)
    st.path.mkdir(parents=True, exist_ok=True)
    lock = _lock_store(st.path)
    try:
        st._init(_pipeline_description(pipeline), bool(resume))
        return _run_locked(pipeline, items, st, executor, dask, workers, resume, progress,
                           loader, max_crashes, max_in_flight, t_start)
    finally:
        _unlock_store(lock)


def _lock_store(path: Path):
    """An exclusive advisory lock on ``path/.lock`` (released by the OS if we die)."""
    f = open(path / ".lock", "a+b")
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locking, best effort
        return f
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise RuntimeError(
            f"store {str(path)!r} is in use by another cohort run (lock held on "
            f"{str(path / '.lock')!r}); wait for it to finish or use another store"
        ) from None
    return f


def _unlock_store(f) -> None:
    try:
        import fcntl

        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    except (ImportError, OSError):
        pass
    f.close()


def _run_locked(pipeline, items, st, executor, dask, workers, resume, progress, loader,
                max_crashes, max_in_flight, t_start):
    result = RunResult(store=st)
    todo = []
    for name in items:
        if resume and st._is_complete(name):
            result.skipped.append(name)
        else:
            todo.append(name)
    bar = _Progress(len(items), len(result.skipped), progress)
    # results are written by one thread of this process, so that writing (and
    # fsync) overlaps with computing the next subjects
    writer = cf.ThreadPoolExecutor(1, thread_name_prefix="netneuro-store")
    writes = deque()

    def handle(out):
        while writes and writes[0].done():
            writes.popleft().result()  # a failed write (disk full...) stops the run
        writes.append(writer.submit(write, out))

    def write(out):
        if out[0] == "ok":
            _, name, arrays, structure, elapsed = out
            try:
                st._write_subject(name, arrays, structure, elapsed)
            except (TypeError, ValueError) as exc:  # e.g. an unsavable dtype
                st._write_failure(name, type(exc).__name__, str(exc), traceback.format_exc(),
                                  elapsed)
                result.failed[name] = f"{type(exc).__name__}: {exc}"
                bar.update(failed=True)
                return
            result.completed.append(name)
            bar.update()
        else:
            _, name, etype, msg, tb, elapsed = out
            st._write_failure(name, etype, msg, tb, elapsed)
            result.failed[name] = f"{etype}: {msg}"
            bar.update(failed=True)

    finished = False
    try:
        if not todo:
            pass
        elif executor is None and workers == 1:
            for name in todo:
                handle(_process(pipeline, name, items[name], loader))
        elif dask:
            _run_dask(executor, pipeline, items, todo, loader, handle, st, result, bar,
                      max_in_flight)
        else:
            _run_pool(executor, workers, pipeline, items, todo, loader, handle, st, result, bar,
                      max_crashes, max_in_flight)
        finished = True
    finally:
        writer.shutdown(wait=True)
        if finished:
            for w in writes:
                w.result()
        bar.close()
        try:
            st.write_tables(order=list(items))
        except Exception:  # never mask the run's own error; tables are rebuilt next time
            if finished:
                raise
    result.elapsed_s = time.perf_counter() - t_start
    return result


def _run_pool(executor, workers, pipeline, items, todo, loader, handle, st, result, bar,
              max_crashes, max_in_flight):
    """Run on a process pool; after a worker death, retry the in-flight subjects one by one.

    A subject that was in flight when a worker died is re-run *alone* on a fresh
    pool, so an innocent neighbour is never blamed; a subject whose lone run
    kills its worker ``max_crashes`` times is recorded as failed (WorkerCrash).
    """
    own = executor is None
    queue = list(todo)
    queue.reverse()  # pop() from the end keeps input order

    def make_pool():
        ctx = multiprocessing.get_context("spawn")
        return cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                      initializer=_worker_init, initargs=(1, os.getpid()))

    pool = make_pool() if own else executor
    window = max_in_flight or 2 * (workers or getattr(executor, "_max_workers", 4) or 4)

    def run_batch(queue, window):
        """Run the queue; return the names in flight if the pool broke, else []."""
        pending = {}
        try:
            while queue or pending:
                while queue and len(pending) < window:
                    name = queue[-1]  # popped only once submitted (submit may raise)
                    fut = pool.submit(_process, pipeline, name, items[name], loader)
                    queue.pop()
                    pending[fut] = name
                done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    out = fut.result()  # _process never raises; a dead worker does
                    del pending[fut]
                    handle(out)
        except cf.process.BrokenProcessPool:
            if not own:
                raise
            lost = []
            for fut, name in pending.items():  # keep what finished before the break
                if fut.done() and not fut.cancelled() and fut.exception() is None:
                    handle(fut.result())
                else:
                    lost.append(name)
            return lost
        return []

    try:
        while True:
            lost = run_batch(queue, window)
            if not lost:
                break
            crashes = {}
            broken = True
            for name in lost:  # suspects: each alone (a fresh pool after every crash)
                while True:
                    if broken:
                        pool.shutdown(wait=False, cancel_futures=True)
                        pool = make_pool()
                        broken = False
                    if not run_batch([name], 1):
                        break
                    broken = True
                    crashes[name] = crashes.get(name, 0) + 1
                    if crashes[name] >= max_crashes:
                        msg = (f"the worker process died while running this subject alone "
                               f"({crashes[name]} times; segfault or out-of-memory kill?)")
                        handle(("error", name, "WorkerCrash", msg, "", 0.0))
                        break
            if broken:
                pool.shutdown(wait=False, cancel_futures=True)
                pool = make_pool()
    except BaseException:
        if own:
            pool.shutdown(wait=False, cancel_futures=True)
            _terminate_pool(pool)
        raise
    else:
        if own:
            pool.shutdown(wait=True)


def _terminate_pool(pool) -> None:
    procs = getattr(pool, "_processes", None) or {}
    for p in list(procs.values()):
        try:
            p.terminate()
        except Exception:
            pass


def _run_dask(client, pipeline, items, todo, loader, handle, st, result, bar, max_in_flight):
    from distributed import as_completed

    try:
        n_threads = sum(client.nthreads().values())
    except Exception:
        n_threads = 4
    window = max_in_flight or max(2 * n_threads, 4)
    queue = list(todo)
    queue.reverse()
    names = {}

    def submit(name):
        fut = client.submit(_process, pipeline, name, items[name], loader, pure=False,
                            key=f"netneuro-cohort-{uuid.uuid4().hex}")
        names[fut.key] = name
        return fut

    first = [submit(queue.pop()) for _ in range(min(window, len(queue)))]
    ac = as_completed(first)
    try:
        for fut in ac:
            name = names.pop(fut.key)
            try:
                out = fut.result()
            except Exception as exc:  # KilledWorker, lost worker, ...
                out = ("error", name, type(exc).__name__, str(exc), traceback.format_exc(), 0.0)
            handle(out)
            fut.release()
            if queue:
                ac.add(submit(queue.pop()))
    except BaseException:
        for f in list(ac.futures):
            try:
                f.cancel()
            except Exception:
                pass
        raise
