"""cohort.run: subjects in, store out; the local executors and worker-crash recovery."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
import threading
import time
import warnings
from collections import deque
from dataclasses import dataclass, field

from .._parallel import check_n_jobs, limit_blas
from .._validation import check_bool, check_int
from .dask import _is_dask_client, _run_dask
from .files import _lock_store, _unlock_store
from .fingerprint import (
    _describe,
    _foreign_files,
    _input_hash,
    _pipeline_description,
    _shortest,
)
from .progress import _Progress
from .store import Store
from .subjects import _normalise_subjects
from .worker import _process, _worker_init

_COMMIT_INTERVAL = 1.0  # seconds between commits (fsync + rename) of finished subjects
_BATCH = 64  # subjects per commit at most (temp files held open)


@dataclass
class RunResult:
    """What :func:`run` did: the store plus counts of this run."""

    store: "Store"
    completed: list = field(default_factory=list)  # computed in this run
    skipped: list = field(default_factory=list)  # already finished (resume)
    failed: dict = field(default_factory=dict)  # name -> "ErrorType: message"
    partial: dict = field(default_factory=dict)  # name -> {step: "ErrorType: message"}
    recomputed: dict = field(default_factory=dict)  # name -> why its stored result was redone
    elapsed_s: float = 0.0

    def __repr__(self) -> str:
        return (f"RunResult(store={str(self.store.path)!r}, completed={len(self.completed)}, "
                f"skipped={len(self.skipped)}, failed={len(self.failed)}, "
                f"partial={len(self.partial)}, elapsed_s={self.elapsed_s:.2f})")

    @property
    def ok(self) -> bool:
        return not self.failed


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
        Skip subjects already finished in ``store`` (failed ones are retried)
        whose stored file is intact and whose fingerprint (input content hash,
        loader settings, netneuro version, pipeline) is unchanged.
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
        ``fsync`` every subject file, then its directory, before it counts as
        finished (in batches: once a second, at most 64 subjects, and at the end of
        the run): durable across power failures.  ``False`` saves ~0.3 ms of CPU
        per subject; writes stay atomic (temp file + rename), so a killed run
        still leaves no half-written subject.

    Returns
    -------
    RunResult
        ``.store`` (a :class:`Store`), ``.completed``, ``.skipped``, ``.failed``,
        ``.partial`` (finished subjects with failed steps) and ``.recomputed``
        (stored results redone: changed fingerprint or damaged file).
    """
    if not callable(pipeline):
        raise TypeError(f"pipeline must be callable, got {type(pipeline).__name__}")
    _refuse_in_spawned_child()
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
    from ..pipelines import Pipeline

    if isinstance(pipeline, Pipeline) and pipeline.equalize_length is True:
        pipeline = pipeline.with_length(_shortest(items, loader))
    st = Store(store)
    st.fsync = bool(fsync)
    st.path.mkdir(parents=True, exist_ok=True)
    lock = _lock_store(st.path)
    try:
        description = _pipeline_description(pipeline)
        st._init(description, bool(resume))
        from .._version import __version__

        common = {"loader": _describe(loader) if loader is not None else "default",
                  "netneuro_version": __version__, "pipeline": description}
        fingerprints = {name: {"input": _input_hash(item), **common}
                        for name, item in items.items()}
        return _run_locked(pipeline, items, st, executor, dask, workers, resume, progress,
                           loader, max_crashes, max_in_flight, t_start, fingerprints)
    finally:
        _unlock_store(lock)


def _run_locked(pipeline, items, st, executor, dask, workers, resume, progress, loader,
                max_crashes, max_in_flight, t_start, fingerprints):
    result = RunResult(store=st)
    todo = []
    corrupt, stale = [], {}
    for name in items:
        status = st._status(name, fingerprints[name]) if resume else "missing"
        if status == "done":
            result.skipped.append(name)
            continue
        todo.append(name)
        if status == "corrupt":
            corrupt.append(name)
            st._quarantine(st.file(name).name[:-4])
            result.recomputed[name] = "damaged file (quarantined)"
        elif status.startswith("stale"):
            stale[name] = status[len("stale: "):]
            result.recomputed[name] = status
    if corrupt:
        warnings.warn(f"cohort store {str(st.path)!r}: the stored results of {len(corrupt)} "
                      f"subject(s) are damaged and are recomputed (files moved to "
                      f"quarantine/): {', '.join(map(repr, corrupt[:20]))}", stacklevel=3)
    if stale:
        reasons = sorted(set(stale.values()))
        warnings.warn(f"cohort store {str(st.path)!r}: {len(stale)} subject(s) were stored from "
                      f"other inputs or settings and are recomputed ({'; '.join(reasons)}): "
                      f"{', '.join(map(repr, list(stale)[:20]))}", stacklevel=3)
    foreign = _foreign_files(st)
    if foreign:
        for stem in foreign:
            st._quarantine(stem)
        warnings.warn(f"cohort store {str(st.path)!r}: {len(foreign)} file(s) in subjects/ were "
                      f"not written by this store and were moved to quarantine/: "
                      f"{', '.join(s + '.npz' for s in foreign[:20])}", stacklevel=3)
    bar = _Progress(len(items), len(result.skipped), progress)
    # A finished subject's bytes are written to a temp file in the thread that computed
    # it; a background thread commits them in batches (fsync, rename, directory fsync):
    # see _Committer.  A subject counts as finished once its batch is committed.
    committer = _Committer(st)

    def settle():
        for batch in committer.committed():
            for s in batch:
                finished_subject(s.enc, s.stamp)

    def finished_subject(enc, stamp):
        st._cache[enc.name] = (stamp, enc.meta, enc.scalars)
        result.completed.append(enc.name)
        if enc.meta.get("step_errors"):
            result.partial[enc.name] = {k: f"{v['error_type']}: {v['message']}"
                                        for k, v in enc.meta["step_errors"].items()}
        bar.update()

    def handle(out):
        settle()
        if out[0] == "ok":  # the worker encoded (and hashed) the file: write its bytes
            _, name, enc = out
            if enc.blob is None:  # zip64-sized: streamed by np.savez, at once
                st._write_encoded(enc)
                finished_subject(enc, st._cache[name][0])
            else:
                committer.add(st._stage(enc))
        else:
            _, name, etype, msg, tb, elapsed = out
            if name in stale and name in st:  # no result from the old input/settings stays
                st._quarantine(st.file(name).name[:-4])
            st._write_failure(name, etype, msg, tb, elapsed)
            result.failed[name] = f"{etype}: {msg}"
            bar.update(failed=True)

    finished = False
    try:
        if not todo:
            pass
        elif executor is None and workers == 1:
            with limit_blas(1, user_api=None):  # once: _process's own limit is then free
                for name in todo:
                    handle(_process(pipeline, name, items[name], loader, fingerprints[name]))
        elif dask:
            _run_dask(executor, pipeline, items, todo, loader, handle, st, result, bar,
                      max_in_flight, fingerprints)
        else:
            _run_pool(executor, workers, pipeline, items, todo, loader, handle, st, result, bar,
                      max_crashes, max_in_flight, fingerprints)
        finished = True
    finally:
        try:  # subjects already computed are committed even when the run stops early
            committer.close()
        except BaseException:
            if finished:
                raise
        finally:
            settle()
        st._sync_dirs()
        bar.close()
        try:
            st.write_tables(order=list(items))
        except Exception:  # never mask the run's own error; tables are rebuilt next time
            if finished:
                raise
    result.elapsed_s = time.perf_counter() - t_start
    return result


class _Committer:
    """One background thread committing staged subjects (:meth:`Store._commit`) in batches:
    ``interval`` seconds after the first subject of a batch was staged, or at ``batch``
    subjects, or at :meth:`close`.  Its work is system calls (fsync, rename), which
    release the GIL: the computing thread goes on meanwhile."""

    def __init__(self, st, interval=None, batch=None):
        self.st = st
        self.interval = _COMMIT_INTERVAL if interval is None else interval
        self.batch = _BATCH if batch is None else batch
        self.cv = threading.Condition()
        self.staged, self.done = [], deque()
        self.error, self.closing = None, False
        self.thread = threading.Thread(target=self._loop, name="netneuro-store", daemon=True)
        self.thread.start()

    def add(self, staged) -> None:
        with self.cv:
            if self.error is not None:
                self.st._discard([staged])
                raise self.error  # a failed commit (disk full...) stops the run
            self.staged.append(staged)
            if len(self.staged) == 1 or len(self.staged) >= self.batch:
                self.cv.notify()

    def committed(self) -> list:
        """Batches committed since the last call (oldest first)."""
        out = []
        while self.done:
            out.append(self.done.popleft())
        return out

    def close(self) -> None:
        """Commit what is staged, stop the thread; raise a commit's error."""
        with self.cv:
            self.closing = True
            self.cv.notify()
        self.thread.join()
        if self.error is not None:
            raise self.error

    def _loop(self) -> None:
        while True:
            with self.cv:
                while not self.staged and not self.closing:
                    self.cv.wait()
                if not self.staged:
                    return
                deadline = time.monotonic() + self.interval
                while len(self.staged) < self.batch and not self.closing:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self.cv.wait(left)
                batch, self.staged = self.staged[:self.batch], self.staged[self.batch:]
            try:
                self.st._commit(batch)
            except BaseException as exc:  # noqa: BLE001 - handed to the computing thread
                with self.cv:
                    self.error = exc
                    rest, self.staged = self.staged, []
                self.st._discard(rest)
                return
            self.done.append(batch)


def _run_pool(executor, workers, pipeline, items, todo, loader, handle, st, result, bar,
              max_crashes, max_in_flight, fingerprints):
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
                    fut = pool.submit(_process, pipeline, name, items[name], loader,
                                      fingerprints[name])
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
            if own and not _workers_can_start(make_pool):
                raise RuntimeError(_spawn_failure_message())
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


# ---------------------------------------------------------------------------
# worker start-up


def _refuse_in_spawned_child() -> None:
    """Fail fast when a spawned worker re-imports a script that calls run() at import time."""
    # multiprocessing's own test (spawn._check_not_importing_main): the child is
    # still importing the parent's main module
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise RuntimeError(_spawn_failure_message())


def _spawn_failure_message() -> str:
    main = sys.modules.get("__main__")
    script = getattr(main, "__file__", None) or "your script"
    return (
        f"netneuro.cohort.run could not start worker processes: they are started with "
        f"'spawn' and import {script!r} again, which calls cohort.run at import time. "
        "Put the code that runs the cohort under\n\n    if __name__ == \"__main__\":\n\n"
        "at the bottom of the script (indent the calls below it), or use n_jobs=1"
    )


def _workers_can_start(make_pool) -> bool:
    """After a broken pool: can a fresh pool run a trivial task at all?"""
    pool = make_pool()
    try:
        return pool.submit(os.getpid).result(timeout=300) > 0
    except (cf.process.BrokenProcessPool, cf.TimeoutError):
        return False
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
