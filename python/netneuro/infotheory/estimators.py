"""Transfer entropy and mutual information for every estimator; cost estimates."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .._parallel import check_n_jobs
from .._validation import (
    check_array,
    check_choice,
    check_int,
    check_memory,
)
from ._common import (
    ESTIMATORS,
    _as_2d,
    _check_codes,
    _check_fits,
    _check_not_constant,
    _core_info,
    _embedding,
    _first_sample,
    _log_base,
    _Progress,
    _relabel_condition,
    _te_bytes,
    _trial_length,
    discretize,
)
from .discrete import _discrete_te
from .gaussian import _gaussian_conditional_pairs, _gaussian_te


def _standardize(X):
    X = X - X.mean(axis=0)
    sd = X.std(axis=0)
    return np.ascontiguousarray(X / np.where(sd > 0, sd, 1.0))


# ---------------------------------------------------------------------------
# public estimators


def _te_matrix(S, Tg, *, estimator, k, l_, d, neighbours, alphabet, cond, cond_base,
               conditional, zero_diag, n_jobs, progress=None):
    """All-pairs TE in nats from prepared arrays (codes for discrete, float otherwise)."""
    _check_fits(S.shape[0], k, l_, d)
    if estimator == "discrete":
        return _discrete_te(S, Tg, cond, cond_base, alphabet, k, l_, d, zero_diag, n_jobs)
    if estimator == "gaussian":
        return _gaussian_te(S, Tg, k, l_, d, conditional, zero_diag, progress)
    n = S.shape[0] - _first_sample(k, l_, d)
    if n <= neighbours:
        raise ValueError(f"time series too short for the KSG estimator: {n} usable time points "
                         f"for k={neighbours} neighbours")
    need = _te_bytes("ksg", S.shape[0], S.shape[1], Tg.shape[1], k, l_, d, n_jobs,
                     neighbours=neighbours)
    check_memory(need, "the KSG neighbour-search structures", hint="use fewer regions")
    Nt = Tg.shape[1]
    bar = _Progress(Nt, "KSG transfer entropy, targets", progress, auto_min=20)
    if not bar.on:
        return _core_info.te_ksg(S, Tg, k, l_, d, neighbours, zero_diag, n_jobs)
    # for the bar: about 100 core calls over blocks of targets (every pair is computed
    # independently, so the values are the same as in one call)
    out = np.empty((S.shape[1], Nt))
    step = -(-Nt // 100)
    for j0 in range(0, Nt, step):
        j1 = min(Nt, j0 + step)
        out[:, j0:j1] = _core_info.te_ksg(S, np.ascontiguousarray(Tg[:, j0:j1]), k, l_, d,
                                          neighbours, False, n_jobs)
        bar.step(j1 - j0)
    if zero_diag:
        np.fill_diagonal(out, 0.0)
    return out


def _prepare(source, target, estimator, n_bins, bin_method, alphabet, name_s="source",
             name_t="target"):
    """Validate and convert source/target for an estimator."""
    if estimator == "discrete":
        if n_bins is not None:
            source = discretize(check_array(source, name_s, ndim=(1, 2)), n_bins, bin_method)
            target = discretize(check_array(target, name_t, ndim=(1, 2)), n_bins, bin_method)
        S, top_s = _check_codes(source, name_s, alphabet)
        Tg, top_t = _check_codes(target, name_t, alphabet)
        alph = alphabet if alphabet is not None else max(2, top_s, top_t)
        if n_bins is not None:
            alph = max(alph, n_bins)
        return S, Tg, alph
    S, _ = _as_2d(source, name_s)
    Tg, _ = _as_2d(target, name_t)
    _check_not_constant(S, name_s)
    _check_not_constant(Tg, name_t)
    if estimator == "ksg":
        S, Tg = _standardize(S), _standardize(Tg)
    return S, Tg, None


def transfer_entropy(source, target, *, estimator: str = "discrete", history: int = 1,
                     source_history: int = 1, delay: int = 1, base: float = 2.0, k: int = 4,
                     n_bins=None, bin_method: str = "uniform", alphabet=None, condition=None,
                     trial_length=None, n_jobs=None, progress=None):
    """Transfer entropy from ``source`` to ``target``.

    ``source``: ``(T,)`` or ``(T, Ns)``; ``target``: ``(T,)`` or ``(T, Nt)``.
    Returns a float when both are 1-D, else ``(Ns, Nt)`` with ``[i, j]`` = TE
    from source column ``i`` to target column ``j`` (no diagonal is zeroed
    here; see :func:`netneuro.connectivity.transfer_entropy` for a region x
    region matrix).

    Parameters: ``estimator`` ``"discrete" | "gaussian" | "ksg"``;
    ``history`` target history length k (``>= 0`` for discrete, ``>= 1``
    otherwise); ``source_history`` l; ``delay`` source-target delay (source
    ends at ``t - delay``); ``base`` of the logarithm (2: bits); ``k`` KSG
    neighbours; ``n_bins``/``bin_method``: discretise continuous data first
    (discrete estimator); ``alphabet``: number of states of integer codes
    (default: largest code + 1, at least 2); ``condition``: ``(T,)`` or
    ``(T, C)`` series to condition on (discrete: integer codes, their joint
    state at ``t - 1`` as in PyInform; gaussian: their
    ``source_history`` lags ending ``delay`` back are added to both models);
    ``trial_length`` (discrete only): the ``T`` rows are ``T / trial_length``
    trials of that length laid end to end (PyInform's several initial
    conditions): counts are pooled over the trials and no history crosses a
    trial boundary; ``n_jobs``: threads; ``progress``: a progress bar on
    stderr when it is a terminal (True/False; None: on for >= 200 targets;
    Gaussian and KSG estimators; the discrete one runs in one core call).  See
    :func:`estimate_cost` for the time and memory of a large run.
    """
    check_choice(estimator, "estimator", ESTIMATORS)
    logb = _log_base(base)
    n_jobs = check_n_jobs(n_jobs)
    kk, l_, d = _embedding(history, source_history, delay, estimator)
    neighbours = check_int(k, "k", min_value=1)
    was_1d = np.ndim(source) == 1 and np.ndim(target) == 1
    S, Tg, alph = _prepare(source, target, estimator, n_bins, bin_method, alphabet)
    if S.shape[0] != Tg.shape[0]:
        raise ValueError(f"source and target must have the same number of time points, got "
                         f"{S.shape[0]} and {Tg.shape[0]}")
    if trial_length is not None and estimator != "discrete":
        raise ValueError("trial_length is supported by the 'discrete' estimator only")
    segment = _trial_length(trial_length, S.shape[0])
    cond = None
    cond_base = 1
    if condition is not None:
        if estimator == "discrete":
            cond, cond_base = _relabel_condition(condition, S.shape[0])
        elif estimator == "gaussian":
            C, _ = _as_2d(condition, "condition")
            if C.shape[0] != S.shape[0]:
                raise ValueError("condition must have the same number of time points as source")
            te = _gaussian_conditional_pairs(S, Tg, C, kk, l_, d)
            te = te / logb
            return float(te[0, 0]) if was_1d else te
        else:
            raise ValueError("condition is supported by the 'discrete' and 'gaussian' estimators")
    if estimator == "discrete":
        te = _discrete_te(S, Tg, cond, cond_base, alph, kk, l_, d, False, n_jobs, segment)
    else:
        te = _te_matrix(S, Tg, estimator=estimator, k=kk, l_=l_, d=d, neighbours=neighbours,
                        alphabet=alph, cond=None, cond_base=1, conditional=False,
                        zero_diag=False, n_jobs=n_jobs, progress=progress)
    te = te / logb
    return float(te[0, 0]) if was_1d else te


@dataclass
class Cost:
    """Estimated cost of an all-pairs run: ``seconds`` (wall time, extrapolated from a
    measured probe on ``probe_targets`` targets) and ``bytes`` (peak memory, the
    figure the memory guard checks before allocating)."""

    seconds: float
    bytes: float
    probe_targets: int

    def __repr__(self) -> str:
        return (f"Cost(seconds~{self.seconds:.3g}, memory~{self.bytes / 2**30:.3g} GiB, "
                f"probe_targets={self.probe_targets})")


def estimate_cost(ts, *, estimator: str = "discrete", history: int = 1, source_history: int = 1,
                  delay: int = 1, k: int = 4, n_bins=None, bin_method: str = "uniform",
                  alphabet=None, n_jobs=None, n_probe=None) -> Cost:
    """Time and memory of the all-pairs TE matrix of ``ts`` ``(T, N)``, before running it.

    Memory: the peak the run's memory guard checks (a run that would not fit
    raises ``MemoryError`` before allocating).  Time: :func:`transfer_entropy`
    ``(ts, ts[:, probe])`` on all ``N`` sources and ``n_probe`` targets
    (default ``min(N, 16)``; after a one-target warm-up) is timed and scaled
    by ``N / n_probe`` (every estimator's work grows linearly with the number
    of targets; the sources' fixed share is scaled too, so the figure errs on
    the high side for small ``N``); a rough figure (threads, caches and machine load vary), good
    for deciding whether to start a large run.  Arguments as in
    :func:`netneuro.connectivity.transfer_entropy`.  Returns :class:`Cost`.
    """
    check_choice(estimator, "estimator", ESTIMATORS)
    n_jobs = check_n_jobs(n_jobs)
    X = check_array(ts, "ts", ndim=2, dtype=None if estimator == "discrete" else np.float64)
    T, N = X.shape
    n_probe = check_int(max(1, min(N, 16)) if n_probe is None else n_probe, "n_probe",
                        min_value=1, max_value=max(N, 1))
    kk, l_, d = _embedding(history, source_history, delay, estimator)
    alph = alphabet if alphabet is not None else (n_bins if n_bins is not None else 2)
    if estimator == "discrete" and alphabet is None and n_bins is None:
        alph = max(2, int(np.max(X)) + 1) if X.size else 2
    need = _te_bytes(estimator, T, N, N, kk, l_, d, n_jobs, neighbours=k, alphabet=alph)

    def timed(n_targets):
        probe = np.linspace(0, N - 1, n_targets).round().astype(int)
        start = time.perf_counter()
        transfer_entropy(X, X[:, probe], estimator=estimator, history=kk, source_history=l_,
                         delay=d, k=k, n_bins=n_bins, bin_method=bin_method, alphabet=alphabet,
                         n_jobs=n_jobs, progress=False)
        return time.perf_counter() - start

    timed(1)  # warm-up (imports, caches)
    seconds = timed(n_probe) * N / n_probe
    return Cost(seconds=float(seconds), bytes=float(need), probe_targets=int(n_probe))


def mutual_information(x, y=None, *, estimator: str = "discrete", base: float = 2.0, k: int = 4,
                       n_bins=None, bin_method: str = "uniform", alphabet=None, n_jobs=None):
    """Mutual information between the columns of ``x`` and ``y`` (same time points).

    ``x``: ``(T,)`` or ``(T, Nx)``; ``y``: ``(T,)`` or ``(T, Ny)``, or ``None``
    for all pairs of columns of ``x`` (symmetric, diagonal 0).  Returns a float
    for two 1-D inputs, else ``(Nx, Ny)``.  Estimators: ``"discrete"``
    (plug-in, integer codes or ``n_bins=``), ``"gaussian"`` (``-1/2 log(1 -
    r^2)``), ``"ksg"`` (KSG algorithm 1, ``k`` neighbours, standardised data).
    """
    check_choice(estimator, "estimator", ESTIMATORS)
    logb = _log_base(base)
    n_jobs = check_n_jobs(n_jobs)
    neighbours = check_int(k, "k", min_value=1)
    sym = y is None
    was_1d = (not sym) and np.ndim(x) == 1 and np.ndim(y) == 1
    X, Y, alph = _prepare(x, x if sym else y, estimator, n_bins, bin_method, alphabet, "x",
                          "x" if sym else "y")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"x and y must have the same number of time points, got {X.shape[0]} "
                         f"and {Y.shape[0]}")
    if estimator == "discrete":
        mi = _discrete_te(X, Y, None, 1, alph, 0, 1, 0, sym, n_jobs)
    elif estimator == "gaussian":
        Xc = X - X.mean(0)
        Yc = Y - Y.mean(0)
        r = (Xc.T @ Yc) / np.outer(np.sqrt((Xc * Xc).sum(0)), np.sqrt((Yc * Yc).sum(0)))
        r = np.clip(r, -1.0, 1.0)
        with np.errstate(divide="ignore"):
            mi = -0.5 * np.log1p(-(r * r))
        if sym:
            np.fill_diagonal(mi, 0.0)
    else:
        if X.shape[0] <= neighbours:
            raise ValueError(f"too few time points ({X.shape[0]}) for k={neighbours} neighbours")
        mi = _core_info.mi_ksg(X, Y, neighbours, sym, n_jobs)
    mi = mi / logb
    return float(mi[0, 0]) if was_1d else mi
