"""Run one analysis pipeline over a whole cohort, resumably, locally or on Dask.

:func:`run` maps a per-subject ``pipeline`` over ``subjects`` and writes each
subject's results to an on-disk *store* the moment they exist.  A crash, a
``kill -9`` or Ctrl-C loses at most the subjects that were in flight; running the
same call again (``resume=True``) skips every finished subject whose stored
result is intact and was computed from the same input, loader settings,
netneuro version and pipeline parameters (its *fingerprint*); the others are
recomputed, with a warning naming them.

The store (a directory; format ``netneuro-cohort-store`` version 1)
---------------------------------------------------------------------
::

    STORE/
      netneuro_store.json        format, version, pipeline description, creation time
      subjects/<name>.npz        one file per finished subject (see below)
      checksums.sha256           SHA-256 of every subject file (``sha256sum -c`` format)
      quarantine/                damaged or foreign subject files moved aside on resume
      failures/<name>.json       one file per failed subject: error type, message, traceback
      summary.csv                one row per finished subject: every scalar result
      summary.parquet            the same table, when pyarrow is importable
      failures.csv               subject, step ("" = the whole subject), error type, message
      manifest.json              every subject of the last run and its status
      .lock                      advisory lock: one cohort run per store at a time

``subjects/<name>.npz`` is a plain NumPy archive (``np.load(f)``; no pickle):
each array result under its name, each scalar as a 0-d array, a list of arrays
(e.g. a persistence diagram per dimension) as ``name[0]``, ``name[1]``, ...,
nested dicts flattened with ``.`` (``graph.clustering``), and ``__meta__``, a
JSON string (subject name, result structure, seconds taken, netneuro version,
``input_shape`` (``(T, N)`` for time series), ``fingerprint`` (input SHA-256,
loader, netneuro version, pipeline) and ``step_errors`` (steps that failed)).
``<name>`` is the subject name percent-encoded (``urllib.parse.quote``) so any
name is a safe file name.  The file's bytes and their SHA-256 are made where the
subject ran (the worker), and the parent process writes them to a temporary name
in the same directory; in batches (once a second, at most 64 subjects, and at the
end of the run) a background thread ``fsync``-s the batch's files, renames each
with ``os.replace`` and ``fsync``-s the directory: a file either exists complete or
not at all, and a subject counts as finished only once its batch is durable (a
killed run recomputes at most the last second's subjects).  The SHA-256s of a
batch are appended to ``checksums.sha256`` before its renames; :meth:`Store.load`, :meth:`Store.summary` and resume verify
it: a damaged file raises :class:`CorruptSubjectError` naming the subject on
reading, and is quarantined and recomputed on resume, as is a foreign ``.npz``
(no checksum entry), which is never read as a subject.  :meth:`Store.verify`
(``netneuro verify STORE``) checks the whole store.  ``summary.csv``,
``failures.csv`` and ``manifest.json`` are rebuilt from the subject files at the
end of each run (and by :meth:`Store.write_tables`).

A subject whose pipeline raises is recorded in ``failures/`` and the others go
on; a :class:`netneuro.pipelines.Pipeline` whose step fails keeps the other
steps' results and records the failed step (``RunResult.partial``,
:meth:`Store.step_errors`).  Failed subjects are retried on the next run (``resume=True`` skips only
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
subject's data to a dict of named results.  Worker processes are started with
``spawn`` and import the calling script again: a script must run the cohort
under ``if __name__ == "__main__":`` (``run`` says so instead of blaming every
subject on a worker crash).
"""

from __future__ import annotations

from .files import _lock_store, _unlock_store  # noqa: F401
from .runner import RunResult, run
from .store import (
    FORMAT,
    FORMAT_VERSION,
    CorruptSubjectError,
    Store,
    SummaryTable,
    open_store,
)
from .subjects import _normalise_subjects  # noqa: F401

__all__ = ["run", "open_store", "Store", "RunResult", "CorruptSubjectError", "SummaryTable",
           "FORMAT", "FORMAT_VERSION"]
