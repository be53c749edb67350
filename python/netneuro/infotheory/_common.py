"""Shared helpers of the information-theory estimators: input checks, embedding, coding."""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from .. import _core
from .._validation import (
    check_array,
    check_choice,
    check_float,
    check_int,
    reject_constant,
)

ESTIMATORS = ("discrete", "gaussian", "ksg")
_core_info = _core.infotheory

# largest code the core handles: alphabet ** (history + source_history + 1) * condition states
_MAX_STATES = 2**62


# ---------------------------------------------------------------------------
# helpers


def _log_base(base) -> float:
    base = check_float(base, "base", min_value=1.0, strict_min=True)
    return math.log(base)


def _as_2d(x, name, *, dtype=np.float64, finite=True):
    """(T,) or (T, M) -> (T, M) C-contiguous, and whether the input was 1-D."""
    arr = check_array(x, name, ndim=(1, 2), dtype=dtype, finite=finite)
    if arr.ndim == 1:
        return np.ascontiguousarray(arr[:, None]), True
    return arr, False


def _check_not_constant(X, name):
    if X.shape[0] > 1:
        reject_constant(X, name, "information measures of a constant series are undefined "
                        "or zero")


def discretize(ts, n_bins: int, method: str = "uniform") -> np.ndarray:
    """Code each column of a continuous time series into ``n_bins`` integer states.

    ``ts``: ``(T,)`` or ``(T, N)``.  ``method="uniform"``: equal-width bins
    between each column's minimum and maximum (the maximum falls in the last
    bin, as in :func:`numpy.histogram`); ``"quantile"``: bins holding equal
    numbers of points (edges at the ``1/n_bins, ..., (n_bins-1)/n_bins``
    quantiles; values equal to an edge go to the upper bin).  A constant column
    codes to all zeros.  Returns int32 codes in ``[0, n_bins)``, same shape.
    """
    n_bins = check_int(n_bins, "n_bins", min_value=1, max_value=2**31 - 1)
    check_choice(method, "method", ("uniform", "quantile"))
    X, was_1d = _as_2d(ts, "ts")
    if method == "uniform":
        lo = X.min(axis=0)
        hi = X.max(axis=0)
        width = hi - lo
        safe = np.where(width > 0, width, 1.0)
        codes = np.floor((X - lo) / safe * n_bins).astype(np.int64)
        codes = np.clip(codes, 0, n_bins - 1)
        codes[:, width == 0] = 0
    else:
        qs = np.arange(1, n_bins) / n_bins
        edges = np.quantile(X, qs, axis=0)  # (n_bins-1, N)
        codes = np.empty(X.shape, dtype=np.int64)
        for c in range(X.shape[1]):  # per column searchsorted (vectorised over time)
            codes[:, c] = np.searchsorted(edges[:, c], X[:, c], side="right")
    codes = codes.astype(np.int32)
    return codes[:, 0] if was_1d else codes


def _check_codes(x, name, alphabet=None):
    """Integer-coded data -> int32 (T, M), and the alphabet used."""
    raw = np.asarray(x) if not hasattr(x, "__cuda_array_interface__") else x
    arr = check_array(raw, name, ndim=(1, 2), dtype=None)
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite for the discrete estimator")
        if not np.all(arr == np.round(arr)):
            raise ValueError(
                f"{name} must hold integer codes for the discrete estimator (found non-integer "
                "values); discretise continuous data first with n_bins= or "
                "netneuro.infotheory.discretize"
            )
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must hold non-negative integer codes, found {arr.min()}")
    if arr.size and arr.max() > 2**31 - 2:
        raise ValueError(f"{name} holds codes too large for the discrete estimator ({arr.max()})")
    arr = np.ascontiguousarray(arr.astype(np.int32))
    top = int(arr.max()) + 1 if arr.size else 1
    if alphabet is not None:
        alphabet = check_int(alphabet, "alphabet", min_value=1)
        if top > alphabet:
            raise ValueError(f"{name} holds code {top - 1} >= alphabet={alphabet}")
    if arr.ndim == 1:
        arr = np.ascontiguousarray(arr[:, None])
    return arr, top


def _relabel_condition(condition, T, name="condition"):
    """Condition series (T,) or (T, C) integer codes -> one int32 code per time point."""
    C, _ = _check_codes(condition, name)
    if C.shape[0] != T:
        raise ValueError(f"{name} must have {T} time points (rows), got {C.shape[0]}")
    _, inv = np.unique(C, axis=0, return_inverse=True)
    inv = np.asarray(inv, dtype=np.int32).reshape(-1)
    return np.ascontiguousarray(inv), max(2, int(inv.max()) + 1)


def _trial_length(trial_length, T, name="trial_length"):
    """``None`` -> 0 (one series), else a length that divides ``T``."""
    if trial_length is None:
        return 0
    m = check_int(trial_length, name, min_value=1)
    if T % m:
        raise ValueError(f"{name}={m} must divide the number of time points T={T} (the series "
                         "are trials of equal length laid end to end)")
    return m


def _embedding(history, source_history, delay, estimator):
    k = check_int(history, "history", min_value=0 if estimator == "discrete" else 1,
                  max_value=1000)
    l_ = check_int(source_history, "source_history", min_value=1, max_value=1000)
    d = check_int(delay, "delay", min_value=0, max_value=10**9)
    if d == 0 and estimator != "discrete":
        raise ValueError("delay must be >= 1 for transfer entropy (delay=0 lets the source's "
                         "present predict the target's present)")
    return k, l_, d


def _first_sample(k, l_, d):
    return max(k, d + l_ - 1)


def _check_fits(T, k, l_, d):
    """Refuse an embedding that leaves no time point (before any array is sized by it)."""
    t0 = _first_sample(k, l_, d)
    if T - t0 < 1:
        raise ValueError(
            f"time series too short for the lags: T={T} time points, but history={k}, "
            f"source_history={l_}, delay={d} reach {t0} steps back (max(history, delay + "
            f"source_history - 1)), so at least {t0 + 1} time points are needed; use a "
            "smaller history, source_history, delay (Granger: order) or a longer series"
        )
    return T - t0


class _Progress:
    """A one-line progress bar on stderr, shown only when stderr is a terminal.

    ``enabled``: True (show on a terminal), False (never) or None (show on a
    terminal when there are at least ``auto_min`` steps).
    """

    def __init__(self, total, what, enabled=None, auto_min=200):
        tty = getattr(sys.stderr, "isatty", lambda: False)()
        if enabled is not None and not isinstance(enabled, (bool, np.bool_)):
            raise TypeError(f"progress must be True, False or None, got {enabled!r}")
        self.on = bool(tty and total > 0 and (enabled or (enabled is None and total >= auto_min)))
        self.total, self.what, self.done = total, what, 0
        self.t0 = time.monotonic()
        self.last = -1.0

    def step(self, n=1):
        if not self.on:
            return
        self.done += n
        now = time.monotonic()
        if now - self.last < 0.2 and self.done < self.total:
            return
        self.last = now
        frac = self.done / self.total
        elapsed = now - self.t0
        eta = elapsed * (1 - frac) / frac if frac > 0 else float("nan")
        bar = "#" * int(30 * frac)
        sys.stderr.write(f"\r{self.what} [{bar:<30}] {self.done}/{self.total} "
                         f"{elapsed:.0f}s elapsed, ~{eta:.0f}s left ")
        if self.done >= self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _te_bytes(estimator, T, Ns, Nt, k, l_, d, n_jobs, *, neighbours=4, alphabet=2, cond_base=1,
              segment=0, conditional=False):
    """Peak memory (bytes) of an all-pairs TE run: what the memory guards check."""
    if estimator == "discrete":
        return (_core_info.discrete_scratch_bytes(T, Ns, Nt, max(alphabet, 1), k, l_, d,
                                                  cond_base, segment, n_jobs)
                + 8.0 * Ns * Nt)
    if estimator == "gaussian":
        if not conditional:
            # lag windows; per block of targets (<= 2**22 pair elements) the cross-product
            # GEMM and the pair temporaries; the SSR / TE arrays and the caller's copy
            width = Ns * l_ + Nt * (k + 1)
            pairs = min(float(Ns) * Nt, 2.0**22)
            return (8.0 * T * width * 2 + 8.0 * pairs * (l_ * (k + 1) + l_ * l_ + l_ * k + 6)
                    + 8.0 * 5 * Ns * Nt)
        # every region's lag windows, their covariance (and its inverse, one factor), outputs
        p = Ns * (max(k, d + l_ - 1) + 1)
        return 8.0 * T * p * 2 + 8.0 * 3 * p * p + 8.0 * (2 * l_ + 6) * Ns * Nt
    # KSG: per target embedded points, two k-d trees and the sorted z; per source lag
    # columns and sorted x; per thread trees; each target's neighbour lists (12 bytes per
    # entry, at most 64 MiB at once, csrc/infotheory/ksg.cpp)
    n = max(T - _first_sample(k, l_, d), 0)
    D = 1 + k + l_
    lists = min(12.0 * n * min(max(48, 8 * neighbours), max(n - 1, 0)) * Nt, 2.0**26)
    return (8.0 * n * (Nt * (4 * (k + 1) + 2 * k + 10) + Ns * (l_ + 2) + n_jobs * 6 * D)
            + 8.0 * Ns * Nt + lists)
