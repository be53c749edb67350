"""Threads: usable CPUs, ``n_jobs`` resolution and BLAS thread limits.

The one place that knows how many threads a call may use.  The configured
default ``n_jobs`` (:func:`netneuro.set_config`) is kept here, so that
:mod:`netneuro._config` depends on this module and never the other way round.
"""

from __future__ import annotations

import functools
import os
import sys
import threading

from ._validation import check_int

_DEFAULT = {"n_jobs": None}  # written by netneuro.set_config


def available_cpus() -> int:
    """CPUs this process may run on (affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def default_n_jobs():
    """The configured default ``n_jobs`` (None when unset), then ``NETNEURO_N_JOBS``."""
    if _DEFAULT["n_jobs"] is not None:
        return _DEFAULT["n_jobs"]
    env = os.environ.get("NETNEURO_N_JOBS")
    if env is None:
        return None
    try:
        return int(env)
    except ValueError:
        raise ValueError(f"NETNEURO_N_JOBS must be an integer, got {env!r}") from None


def check_n_jobs(n_jobs) -> int:
    """Resolve ``n_jobs`` with scikit-learn semantics to a thread count >= 1.

    ``None``: the configured default (:func:`netneuro.set_config`, else the
    ``NETNEURO_N_JOBS`` environment variable, else 1); ``-1``: every usable CPU;
    ``-k``: all but ``k - 1`` CPUs; ``0`` is an error.
    """
    if n_jobs is None:
        n_jobs = default_n_jobs()
        if n_jobs is None:
            return 1
    n_jobs = check_int(n_jobs, "n_jobs")
    if n_jobs == 0:
        raise ValueError("n_jobs must be a positive integer, -1 (all CPUs) or None, got 0")
    if n_jobs < 0:
        return max(1, available_cpus() + 1 + n_jobs)
    return n_jobs


# ---------------------------------------------------------------------------
# BLAS / OpenMP thread limits (threadpoolctl)

_CONTROLLER = {"ctl": None, "n_modules": -1}


def _controller():
    """A cached ``threadpoolctl.ThreadpoolController``.

    Creating one scans every loaded library (1-5 ms); it is re-made only when
    modules were imported since (a new BLAS may have been loaded), so a limit
    costs microseconds.  SciPy's BLAS/LAPACK is loaded before the first scan so
    that the first call is limited like every later one.
    """
    if _CONTROLLER["n_modules"] != len(sys.modules):
        import scipy.linalg  # noqa: F401  (load SciPy's BLAS before scanning)
        from threadpoolctl import ThreadpoolController

        _CONTROLLER["ctl"] = ThreadpoolController()
        _CONTROLLER["n_modules"] = len(sys.modules)
    return _CONTROLLER["ctl"]


class limit_blas:
    """Context manager: BLAS (``user_api="blas"``) or every pool (``None``) at ``threads``.

    Used where the core threads over subjects or pairs itself (a multi-threaded
    BLAS underneath only competes for the same cores) and where results must not
    depend on the BLAS thread count (a threaded GEMM may sum in another order).
    """

    def __init__(self, threads: int = 1, user_api: str | None = "blas"):
        self.threads = threads
        self.user_api = user_api
        self._ctx = None

    def __enter__(self):
        # Inside a limit that already covers this one (same thread count, every pool or the
        # same API, no module imported since: no new library to limit), nothing to do: a
        # cohort limits once, not per subject and per step (each probe costs 10-300 us).
        active = _active()
        outer = active[-1] if active else None
        if outer is not None and outer[0] == self.threads and outer[1] in (None, self.user_api) \
                and outer[2] == len(sys.modules):
            self._ctx = None
        else:
            self._ctx = _controller().limit(limits=self.threads, user_api=self.user_api)
        active.append((self.threads, self.user_api, len(sys.modules)))
        return self

    def __exit__(self, *exc):
        active = _active()
        if active:
            active.pop()
        if self._ctx is not None:
            self._ctx.restore_original_limits()
        return False


_LOCAL = threading.local()


def _active() -> list:
    """This thread's open limit_blas blocks: ``(threads, user_api, len(sys.modules))``."""
    try:
        return _LOCAL.stack
    except AttributeError:
        _LOCAL.stack = []
        return _LOCAL.stack


def single_threaded_blas(fn):
    """Decorator: run ``fn`` with BLAS limited to one thread (see :class:`limit_blas`)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with limit_blas(1):
            return fn(*args, **kwargs)

    return wrapper
