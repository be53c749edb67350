"""Plug-in (histogram) estimators for integer-coded series: all pairs, complete TE, local values."""

from __future__ import annotations

import numpy as np

from .._validation import check_memory
from ._common import (
    _MAX_STATES,
    _check_codes,
    _check_fits,
    _core_info,
    _embedding,
    _log_base,
    _relabel_condition,
    _te_bytes,
    _trial_length,
)

# ---------------------------------------------------------------------------
# discrete


def _discrete_te(S, Tg, cond, cond_base, alphabet, k, l_, d, zero_diag, n_jobs, segment=0):
    states = float(alphabet) ** (k + l_ + 1) * cond_base
    if states >= _MAX_STATES:
        raise ValueError(
            f"alphabet too large for the discrete estimator: alphabet**(history+source_history+1)"
            f" = {alphabet}**{k + l_ + 1}"
            + (f" x {cond_base} condition states" if cond is not None else "")
            + " exceeds 2**62 joint states; use fewer bins or shorter histories"
        )
    T = S.shape[0]
    n = _core_info.discrete_samples(T, max(alphabet, 1), k, l_, d,
                                    cond_base if cond is not None else 1, segment)
    if n < 1:
        length = f"trials of {segment} time points" if segment else f"T={T} time points"
        raise ValueError(
            f"time series too short for the embedding: {length} leave no sample with "
            f"history={k}, source_history={l_}, delay={d}"
        )
    need = _te_bytes("discrete", T, S.shape[1], Tg.shape[1], k, l_, d, n_jobs, alphabet=alphabet,
                     cond_base=cond_base if cond is not None else 1, segment=segment)
    check_memory(need, "the discrete transfer-entropy tables",
                 hint="use fewer bins, shorter histories or fewer threads")
    return _core_info.te_discrete(S, Tg, cond, max(alphabet, 1), k, l_, d,
                                  cond_base if cond is not None else 1, segment, zero_diag,
                                  n_jobs)


def _discrete_te_conditional_all(X, alphabet, k, l_, d, n_jobs):
    """Complete TE matrix (nats): every pair conditioned on all other regions at t - 1."""
    T, N = X.shape
    _check_fits(T, k, l_, d)
    n = _core_info.discrete_samples(T, alphabet, k, l_, d, 2, 0)
    if n < 1:
        raise ValueError(f"time series too short for the embedding: T={T}")
    if float(alphabet) ** (k + l_ + 1) * n >= _MAX_STATES:
        raise ValueError("alphabet too large for the conditional discrete estimator: "
                         f"alphabet**(history+source_history+1) x T = {alphabet}**{k + l_ + 1} x "
                         f"{n} exceeds 2**62")
    check_memory(8.0 * T * N + 8.0 * 2 * N * n + 40.0 * n * max(1, n_jobs) + 8.0 * N * N,
                 "the conditional transfer-entropy tables")
    return _core_info.te_discrete_conditional_all(X, alphabet, k, l_, d, n_jobs)


def _local_discrete(source, target, names, k, l_, d, logb, condition, alphabet, trial_length):
    """Local plug-in TE (k, l_, d) or MI (0, 1, 0) of two 1-D code series, in log base ``logb``."""
    if np.ndim(source) != 1 or np.ndim(target) != 1:
        raise ValueError(f"{names[0]} and {names[1]} must be 1-D series (T,) for local values")
    S, _ = _check_codes(source, names[0], alphabet)
    Tg, _ = _check_codes(target, names[1], alphabet)
    if S.shape[0] != Tg.shape[0]:
        raise ValueError(f"{names[0]} and {names[1]} must have the same number of time points, "
                         f"got {S.shape[0]} and {Tg.shape[0]}")
    if S.shape[0] == 0:
        raise ValueError(f"{names[0]} and {names[1]} are empty")
    segment = _trial_length(trial_length, S.shape[0])
    alph = max(2, int(S.max()) + 1, int(Tg.max()) + 1)
    cond, cond_base = (None, 1)
    if condition is not None:
        cond, cond_base = _relabel_condition(condition, S.shape[0])
    if float(alph) ** (k + l_ + 1) * cond_base >= _MAX_STATES:
        raise ValueError(f"alphabet too large for the discrete estimator: {alph}**{k + l_ + 1}"
                         + (f" x {cond_base} condition states" if cond is not None else "")
                         + " exceeds 2**62 joint states")
    if _core_info.discrete_samples(S.shape[0], alph, k, l_, d, cond_base, segment) < 1:
        what = f"trials of {segment} time points" if segment else f"T={S.shape[0]} time points"
        raise ValueError(f"time series too short for the embedding: {what} leave no sample "
                         f"with history={k}, source_history={l_}, delay={d}")
    out = _core_info.te_discrete_local(np.ascontiguousarray(S[:, 0]),
                                       np.ascontiguousarray(Tg[:, 0]), cond, alph, k, l_, d,
                                       cond_base, segment)
    return out / logb


def local_transfer_entropy(source, target, *, history: int = 1, source_history: int = 1,
                           delay: int = 1, base: float = 2.0, condition=None, alphabet=None,
                           trial_length=None):
    """Local (pointwise) plug-in TE of one pair of integer-coded series ``(T,)``.

    Returns ``(T - max(history, delay + source_history - 1),)`` values
    ``log p(y_t | past y, past x) / p(y_t | past y)`` whose mean is
    :func:`transfer_entropy` with ``estimator="discrete"`` (Lizier 2008).
    With ``trial_length`` (trials laid end to end, as in
    :func:`transfer_entropy`) each trial loses its first
    ``max(history, delay + source_history - 1)`` points; the values of trial
    after trial are concatenated.  A series too short for the embedding raises
    ``ValueError``.
    """
    logb = _log_base(base)
    kk, l_, d = _embedding(history, source_history, delay, "discrete")
    return _local_discrete(source, target, ("source", "target"), kk, l_, d, logb, condition,
                           alphabet, trial_length)


def local_mutual_information(x, y, *, base: float = 2.0, alphabet=None):
    """Local (pointwise) plug-in MI ``log p(x_t, y_t) / (p(x_t) p(y_t))`` of two code series.

    ``x``, ``y``: integer codes ``(T,)``.  Returns ``(T,)``; its mean is
    :func:`mutual_information` with ``estimator="discrete"``.
    """
    logb = _log_base(base)
    return _local_discrete(x, y, ("x", "y"), 0, 1, 0, logb, None, alphabet, None)
