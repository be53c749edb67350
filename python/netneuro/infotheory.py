"""Transfer entropy and mutual information estimators, and their significance.

Three estimators, each for every (source, target) pair at once in the compiled
core (threads over pairs, GIL released, identical for every ``n_jobs``):

``"discrete"``
    Plug-in (histogram) estimator for integer-coded data with any alphabet
    (Schreiber 2000, Phys. Rev. Lett. 85:461).  Continuous data must first be
    coded with :func:`discretize` (or pass ``n_bins=``).  Agrees with PyInform.
``"gaussian"``
    Linear-Gaussian estimator: half the log-ratio of the residual sums of
    squares of the restricted and full autoregressions, which equals half the
    Granger log-ratio in nats (Barnett, Barrett & Seth 2009, Phys. Rev. Lett.
    103:238701).
``"ksg"``
    Kraskov-Stoegbauer-Grassberger nearest-neighbour estimator, algorithm 1,
    max-norm, ``k`` neighbours (Kraskov et al. 2004, Phys. Rev. E 69:066138;
    TE as conditional MI after Frenzel & Pompe 2007), with a k-d tree.  Every
    embedded variable (each lag of target and source, over the samples used) is
    standardised to zero mean and unit variance first, as JIDT does, and no
    noise is added: with tied values, add your own jitter.  Agrees with JIDT's
    ``TransferEntropyCalculatorKraskov`` (``NOISE_LEVEL_TO_ADD=0``) to rounding.

Embedding (all estimators): the target's present ``y_t`` is predicted from its
past ``y_{t-1}, ..., y_{t-history}`` and the source's
``x_{t-delay-source_history+1}, ..., x_{t-delay}``; time points without a full
embedding are dropped.  PyInform's ``transfer_entropy(source, target, k)`` is
``history=k, source_history=1, delay=1``.

Matrices follow ``M[i, j]`` = information from source ``i`` to target ``j``.
Values are in bits (``base=2``) unless ``base`` says otherwise (``base=np.e``
gives nats).
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass

import numpy as np

from . import _core
from ._parallel import check_n_jobs
from ._validation import (
    check_array,
    check_choice,
    check_float,
    check_int,
    check_memory,
    check_random_state,
    reject_constant,
)
from .stats import fdr_bh

__all__ = [
    "ESTIMATORS",
    "discretize",
    "transfer_entropy",
    "mutual_information",
    "local_transfer_entropy",
    "local_mutual_information",
    "surrogate_test",
    "estimate_cost",
    "Cost",
    "SurrogateResult",
    "fdr_bh",
]

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


# ---------------------------------------------------------------------------
# Gaussian (linear regression) machinery, shared with connectivity.granger


def _lags(X, t0, n, lags):
    """(n, M, len(lags)) with [s, m, q] = X[t0 + s - lags[q], m]."""
    return np.stack([X[t0 - g: t0 - g + n] for g in lags], axis=-1)


def _orth_basis(Z):
    """Orthonormal basis of the columns of Z (n, p) by QR (rank-revealing via SVD fallback)."""
    from scipy.linalg import qr

    q, r = qr(Z, mode="economic")
    diag = np.abs(np.diag(r))
    if diag.size and diag.min() <= 1e-12 * max(diag.max(), 1.0):
        u, s, _ = np.linalg.svd(Z, full_matrices=False)
        q = u[:, s > 1e-12 * s.max()]
    return q


def linear_regression_ssr(src, tgt, *, history, source_history, delay, conditional=False,
                          zero_diagonal=True, progress=None):
    """Residual sums of squares of the restricted and full linear autoregressions.

    For every source ``i`` (column of ``src``) and target ``j`` (column of
    ``tgt``): the restricted model regresses ``y_t`` on a constant and the
    target's ``history`` lags; the full model adds the source's
    ``source_history`` lags ending ``delay`` steps back.  With ``conditional``
    (``src`` and ``tgt`` must be the same series) both models also contain the
    source-lag blocks of every other region (conditional Granger causality,
    Geweke 1984).  ``progress``: a bar over the targets on a terminal
    (True/False; None: on a terminal for >= 200 targets).
    Returns ``(ssr_restricted, ssr_full, n, n_params_full)``
    with the first two ``(Ns, Nt)``.  Every column is first rescaled to
    ``max |x| = 1`` so that huge or tiny finite values cannot overflow or
    underflow; the SSRs are those of the rescaled series (their ratios, which
    is all F statistics and Gaussian TE use, are unchanged).
    """
    T = src.shape[0]
    k, l_, d = history, source_history, delay
    n = _check_fits(T, k, l_, d)
    t0 = T - n
    src = src / np.abs(src).max(axis=0)
    tgt = tgt / np.abs(tgt).max(axis=0)
    Ns, Nt = src.shape[1], tgt.shape[1]
    tlags = list(range(1, k + 1))
    slags = list(range(d, d + l_))
    ones = np.ones((n, 1))
    ssr_r = np.zeros((Ns, Nt))
    ssr_f = np.zeros((Ns, Nt))
    if not conditional:
        p_full = 1 + k + l_
        if n <= p_full:
            raise ValueError(f"time series too short: {n} usable time points (T={T}, history={k}, "
                             f"source_history={l_}, delay={d}) for {p_full} regression "
                             "coefficients; use shorter lags or a longer series")
        XL = _lags(src, t0, n, slags)  # (n, Ns, l)
        YL = _lags(tgt, t0, n, tlags)  # (n, Nt, k)
        Y = tgt[t0:t0 + n]
        XLf = XL.reshape(n, Ns * l_)
        scale = ((XL - XL.mean(0)) ** 2).sum(axis=(0, 2)) + 1e-300
        bar = _Progress(Nt, "Gaussian TE / Granger, targets", progress)
        for j in range(Nt):
            bar.step()
            Q = _orth_basis(np.hstack([ones, YL[:, j, :]]))
            yres = Y[:, j] - Q @ (Q.T @ Y[:, j])
            sr = float(yres @ yres)
            Xres = XLf - Q @ (Q.T @ XLf)
            Xres = Xres.reshape(n, Ns, l_)
            gain = _explained(Xres, yres, scale)
            ssr_r[:, j] = sr
            ssr_f[:, j] = np.maximum(sr - gain, 0.0)
        return ssr_r, ssr_f, n, p_full
    # conditional: every target j regressed on const, own k lags and the l-lag blocks of all others
    if src is not tgt and not np.array_equal(src, tgt):
        raise ValueError("conditional regression needs the sources and targets to be the same "
                         "series")
    N = Nt
    p_full = 1 + k + (N - 1) * l_
    if n <= p_full:
        raise ValueError(
            f"time series too short for conditional estimation: {n} usable time points (T={T}, "
            f"history={k}, source_history={l_}, delay={d}) for {p_full} regression coefficients "
            "(1 + history + (N-1) x source_history)"
        )
    from scipy.linalg import solve_triangular

    XL = _lags(src, t0, n, slags)  # (n, N, l)
    Y = tgt[t0:t0 + n]
    if k == l_ and d == 1:
        # the target's own lags are its source block: one design for every target
        D = np.hstack([ones, XL.reshape(n, N * l_)])
        coef, R = _qr_solve(D, Y, "conditional")
        res = Y - D @ coef
        sf = np.einsum("tj,tj->j", res, res)
        Rinv = solve_triangular(R, np.eye(R.shape[0]))
        M = Rinv @ Rinv.T  # (D'D)^-1
        idx = 1 + np.arange(N * l_).reshape(N, l_)
        Mb = M[idx[:, :, None], idx[:, None, :]]  # (N, l, l)
        beta = coef[1:].reshape(N, l_, N)  # [source, lag, target]
        gain = np.einsum("iaj,iab,ibj->ij", beta, np.linalg.inv(Mb), beta)
        ssr_f[:] = sf[None, :]
        ssr_r[:] = sf[None, :] + gain
    else:
        YL = _lags(tgt, t0, n, tlags)  # (n, N, k)
        bar = _Progress(N, "conditional Gaussian TE / Granger, targets", progress)
        for j in range(N):
            bar.step()
            others = [m for m in range(N) if m != j]
            D = np.hstack([ones, YL[:, j, :], XL[:, others, :].reshape(n, (N - 1) * l_)])
            coef, R = _qr_solve(D, Y[:, j], "conditional")
            res = Y[:, j] - D @ coef
            sf = float(res @ res)
            Rinv = solve_triangular(R, np.eye(R.shape[0]))
            base = 1 + k
            Rb = Rinv[base:]
            beta = coef[base:].reshape(N - 1, l_)
            Mfull = Rb @ Rb.T
            idx = np.arange((N - 1) * l_).reshape(N - 1, l_)
            Mb = Mfull[idx[:, :, None], idx[:, None, :]]
            gain = np.einsum("ia,iab,ib->i", beta, np.linalg.inv(Mb), beta)
            ssr_f[others, j] = sf
            ssr_r[others, j] = sf + gain
    if zero_diagonal:
        ssr_r[np.arange(N), np.arange(N)] = ssr_f[np.arange(N), np.arange(N)] = 1.0
    return ssr_r, ssr_f, n, p_full


def _explained(Xres, yres, scale):
    """b' G^-1 b per source for residualised source lags Xres (n, Ns, l) and target yres (n,)."""
    l_ = Xres.shape[2]
    b = np.einsum("tia,t->ia", Xres, yres)
    if l_ == 1:
        G = np.einsum("ti,ti->i", Xres[:, :, 0], Xres[:, :, 0])
        # a source inside the span of the target's own past (e.g. itself) explains nothing new
        ok = G > 1e-10 * scale
        return np.where(ok, b[:, 0] ** 2 / np.where(ok, G, 1.0), 0.0)
    G = np.einsum("tia,tib->iab", Xres, Xres)
    ok = np.einsum("iaa->i", G) > 1e-10 * scale
    G[~ok] = np.eye(l_)
    b[~ok] = 0.0
    try:
        sol = np.linalg.solve(G, b[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:  # partly collinear lags (duplicated series)
        sol = np.einsum("iab,ib->ia", np.linalg.pinv(G, hermitian=True), b)
    return np.einsum("ia,ia->i", b, sol)


def _qr_solve(D, Y, what):
    """Least squares D B = Y by economic QR; returns (coef, R).  Refuses rank deficiency."""
    from scipy.linalg import qr, solve_triangular

    Q, R = qr(D, mode="economic")
    dr = np.abs(np.diag(R))
    if dr.min() <= 1e-10 * dr.max():
        raise ValueError(f"the {what} regression is rank deficient (collinear regions or lags); "
                         "remove redundant regions or use conditional=False")
    return solve_triangular(R, Q.T @ Y), R


def _te_bytes(estimator, T, Ns, Nt, k, l_, d, n_jobs, *, neighbours=4, alphabet=2, cond_base=1,
              segment=0, conditional=False):
    """Peak memory (bytes) of an all-pairs TE run: what the memory guards check."""
    if estimator == "discrete":
        return (_core_info.discrete_scratch_bytes(T, Ns, Nt, max(alphabet, 1), k, l_, d,
                                                  cond_base, segment, n_jobs)
                + 8.0 * Ns * Nt)
    if estimator == "gaussian":
        width = (Ns * l_ + Nt * k) if not conditional else Ns * (l_ + k) + 1
        # two (Ns, Nt) SSR arrays, the TE computed in place, one copy by the caller
        return 8.0 * T * width * 4 + 8.0 * 3 * Ns * Nt
    # KSG: per target embedded points and two k-d trees; per source lag columns; per thread trees
    n = max(T - _first_sample(k, l_, d), 0)
    D = 1 + k + l_
    return (8.0 * n * (Nt * (4 * (k + 1) + 2 * k + 8) + Ns * l_ + n_jobs * 6 * D)
            + 8.0 * Ns * Nt)


def _gaussian_te(S, Tg, k, l_, d, conditional, zero_diag, progress=None):
    check_memory(_te_bytes("gaussian", S.shape[0], S.shape[1], Tg.shape[1], k, l_, d, 1,
                           conditional=conditional),
                 "the linear-regression design matrices", hint="use fewer regions")
    ssr_r, ssr_f, n, _ = linear_regression_ssr(S, Tg, history=k, source_history=l_, delay=d,
                                               conditional=conditional, zero_diagonal=zero_diag,
                                               progress=progress)
    # in place: two (Ns, Nt) arrays at the peak, not four
    te = np.divide(ssr_r, ssr_f, out=ssr_r)
    del ssr_f
    with np.errstate(divide="ignore"):
        np.log(te, out=te)
    te *= 0.5
    if zero_diag:
        np.fill_diagonal(te, 0.0)
    return te


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
    need = _te_bytes("ksg", S.shape[0], S.shape[1], Tg.shape[1], k, l_, d, n_jobs)
    check_memory(need, "the KSG neighbour-search structures", hint="use fewer regions")
    return _core_info.te_ksg(S, Tg, k, l_, d, neighbours, zero_diag, n_jobs)


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
    Gaussian estimator only, the others run in one core call).  See
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


def _gaussian_conditional_pairs(S, Tg, C, k, l_, d):
    """Gaussian TE source i -> target j given the lags of the condition series C."""
    T = S.shape[0]
    n = _check_fits(T, k, l_, d)
    t0 = T - n
    slags = list(range(d, d + l_))
    CL = _lags(C, t0, n, slags).reshape(n, -1)
    YL = _lags(Tg, t0, n, list(range(1, k + 1)))
    XL = _lags(S, t0, n, slags).reshape(n, S.shape[1] * l_)
    if n <= 1 + k + l_ + CL.shape[1]:
        raise ValueError("time series too short for the conditional regression")
    out = np.zeros((S.shape[1], Tg.shape[1]))
    scale = ((XL - XL.mean(0)) ** 2).reshape(n, S.shape[1], l_).sum(axis=(0, 2)) + 1e-300
    for j in range(Tg.shape[1]):
        Q = _orth_basis(np.hstack([np.ones((n, 1)), YL[:, j, :], CL]))
        y = Tg[t0:t0 + n, j]
        yres = y - Q @ (Q.T @ y)
        sr = float(yres @ yres)
        Xres = (XL - Q @ (Q.T @ XL)).reshape(n, S.shape[1], l_)
        gain = _explained(Xres, yres, scale)
        out[:, j] = 0.5 * np.log(sr / np.maximum(sr - gain, 1e-300))
    return out


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


# ---------------------------------------------------------------------------
# significance


@dataclass
class SurrogateResult:
    """Surrogate test of every edge.  All arrays ``(N, N)``, ``[source, target]``.

    ``statistic``: observed values (units of the measure); ``pvalues``:
    uncorrected ``(1 + #{surrogate >= observed}) / (1 + n_surrogates)``;
    ``pvalues_fdr``: Benjamini-Hochberg adjusted p-values (q-values) over the
    off-diagonal edges; ``pvalues_fwer``: max-statistic family-wise p-values
    (each edge against the null distribution of the largest surrogate value
    over all edges; Nichols & Holmes 2002); ``null_max``: ``(n_surrogates,)``
    that distribution; ``n_surrogates``, ``method``.  Diagonals are NaN.
    """

    statistic: np.ndarray
    pvalues: np.ndarray
    pvalues_fdr: np.ndarray
    pvalues_fwer: np.ndarray
    null_max: np.ndarray
    n_surrogates: int
    method: str

    def significant(self, alpha: float = 0.05, correction: str = "fdr") -> np.ndarray:
        """Boolean ``(N, N)`` mask of edges with corrected p-value <= ``alpha``."""
        check_choice(correction, "correction", ("none", "fdr", "fwer"))
        p = {"none": self.pvalues, "fdr": self.pvalues_fdr, "fwer": self.pvalues_fwer}[correction]
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(p, nan=2.0) <= alpha

    def __repr__(self) -> str:
        n = self.statistic.shape[0]
        return (f"SurrogateResult(N={n}, n_surrogates={self.n_surrogates}, method={self.method!r}, "
                f"significant(fdr<=0.05)={int(self.significant().sum())})")


def surrogate_test(ts, *, measure: str = "transfer entropy", estimator: str = "discrete",
                   n_surrogates: int = 100, method: str = "shift", min_shift=None, seed=None,
                   history: int = 1, source_history: int = 1, delay: int = 1, base: float = 2.0,
                   k: int = 4, n_bins=None, bin_method: str = "uniform", alphabet=None,
                   n_jobs=None, progress=None) -> SurrogateResult:
    """Surrogate significance test of every edge of a TE or MI matrix.

    ``ts``: ``(T, N)``.  For each of ``n_surrogates`` rounds every source series
    is replaced by a surrogate, independently per region: ``method="shift"``
    circularly shifts it by a random lag in ``[min_shift, T - min_shift]``
    (default ``min_shift = max(1, T // 10)``; keeps its autocorrelation),
    ``"shuffle"`` permutes its time points; the targets stay intact and the
    whole ``(N, N)`` matrix is recomputed in the core.  Returns
    :class:`SurrogateResult` with per-edge, FDR (Benjamini-Hochberg) and
    max-statistic FWER p-values.  Same ``seed``, same result, for any
    ``n_jobs``.  ``measure``: ``"transfer entropy"`` or ``"mutual
    information"`` (other arguments as in :func:`transfer_entropy`).
    ``progress``: a bar over the surrogate rounds on stderr when it is a
    terminal (True/False; None: on for >= 20 rounds).
    """
    check_choice(measure, "measure", ("transfer entropy", "mutual information"))
    check_choice(estimator, "estimator", ESTIMATORS)
    check_choice(method, "method", ("shift", "shuffle"))
    n_surrogates = check_int(n_surrogates, "n_surrogates", min_value=1, max_value=10**7)
    logb = _log_base(base)
    n_jobs = check_n_jobs(n_jobs)
    rng = check_random_state(seed)
    neighbours = check_int(k, "k", min_value=1)
    X = check_array(ts, "ts", ndim=2, dtype=None if estimator == "discrete" else np.float64)
    if X.shape[1] < 2:
        raise ValueError("ts must have at least 2 regions (columns) for a surrogate test")
    if measure == "transfer entropy":
        kk, l_, d = _embedding(history, source_history, delay, estimator)
    else:
        kk, l_, d = 0, 1, 0
    S, Tg, alph = _prepare(X, X, estimator, n_bins, bin_method, alphabet, "ts", "ts")
    T, N = S.shape
    if min_shift is None:
        min_shift = max(1, T // 10)
    min_shift = check_int(min_shift, "min_shift", min_value=1)
    if method == "shift" and T - 2 * min_shift < 0:
        raise ValueError(f"min_shift={min_shift} leaves no admissible shift for T={T}")

    def compute(src):
        if measure == "mutual information":
            if estimator == "discrete":
                return _discrete_te(src, Tg, None, 1, alph, 0, 1, 0, True, n_jobs)
            if estimator == "ksg":
                m = _core_info.mi_ksg(src, Tg, neighbours, False, n_jobs)
                np.fill_diagonal(m, 0.0)
                return m
            Xc = src - src.mean(0)
            Yc = Tg - Tg.mean(0)
            r = (Xc.T @ Yc) / np.outer(np.linalg.norm(Xc, axis=0), np.linalg.norm(Yc, axis=0))
            m = -0.5 * np.log1p(-np.clip(r * r, 0, 1 - 1e-16))
            np.fill_diagonal(m, 0.0)
            return m
        return _te_matrix(src, Tg, estimator=estimator, k=kk, l_=l_, d=d, neighbours=neighbours,
                          alphabet=alph, cond=None, cond_base=1, conditional=False,
                          zero_diag=True, n_jobs=n_jobs, progress=False)

    obs = compute(S) / logb
    off = ~np.eye(N, dtype=bool)
    exceed = np.zeros((N, N), dtype=np.int64)
    null_max = np.empty(n_surrogates)
    rows = np.arange(T)[:, None]
    tol = 1e-12 * max(1.0, float(np.abs(obs).max()))
    bar = _Progress(n_surrogates, f"{measure} surrogates", progress, auto_min=20)
    for s in range(n_surrogates):  # one core call per surrogate round (all pairs at once)
        bar.step()
        if method == "shift":
            shifts = rng.integers(min_shift, T - min_shift + 1, size=N)
            idx = (rows - shifts[None, :]) % T
        else:
            idx = rng.permuted(np.broadcast_to(rows, (T, N)), axis=0)
        surr_src = np.ascontiguousarray(np.take_along_axis(S, idx, axis=0))
        val = compute(surr_src) / logb
        exceed += val >= obs - tol
        null_max[s] = val[off].max()
    pvals = (1.0 + exceed) / (1.0 + n_surrogates)
    sorted_null = np.sort(null_max)
    n_ge = n_surrogates - np.searchsorted(sorted_null, obs - tol, side="left")
    pfwer = (1.0 + n_ge) / (1.0 + n_surrogates)
    pvals[~off] = np.nan
    pfwer = pfwer.astype(float)
    pfwer[~off] = np.nan
    obs = obs.copy()
    qv = np.full((N, N), np.nan)
    qv[off] = fdr_bh(pvals[off])
    return SurrogateResult(statistic=obs, pvalues=pvals, pvalues_fdr=qv, pvalues_fwer=pfwer,
                           null_max=null_max, n_surrogates=n_surrogates, method=method)
