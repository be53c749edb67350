"""Running a cohort on a dask.distributed cluster (futures via distributed.as_completed)."""

from __future__ import annotations

import traceback
import uuid

from .worker import _process


def _is_dask_client(executor) -> bool:
    return type(executor).__module__.split(".")[0] == "distributed" and hasattr(executor, "submit")


def _run_dask(client, pipeline, items, todo, loader, handle, st, result, bar, max_in_flight,
              fingerprints):
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
        fut = client.submit(_process, pipeline, name, items[name], loader, fingerprints[name],
                            pure=False,
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
