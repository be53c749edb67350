"""Functional connectomes: time series -> connectivity matrices.

Input: one subject's time series ``(n_timepoints, n_regions)``, or a cohort (a
list of ``(T_s, N)`` arrays or a ``(S, T, N)`` array), which gives a stack
``(S, N, N)``.  Directed matrices follow ``M[i, j]`` = influence of source
region ``i`` on target region ``j`` (transfer entropy, Granger causality);
undirected ones are symmetric.

* :func:`correlation`, :func:`partial_correlation`, :func:`covariance`,
  :func:`precision`, :func:`connectivity_strength`
* :func:`transfer_entropy`, :func:`mutual_information` (estimators in
  :mod:`netneuro.infotheory`, all pairs in the compiled core)
* :func:`granger` (pairwise or conditional, F test as statsmodels)
* :class:`ConnectivityMeasure`: nilearn's estimator (same numbers for
  nilearn's kinds) plus ``"transfer entropy"``, ``"granger"`` and ``"mutual
  information"``.
"""

from __future__ import annotations

import inspect
import numbers
import os
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from . import infotheory as _it
from ._parallel import check_n_jobs
from ._validation import (
    check_array,
    check_bool,
    check_choice,
    check_cohort,
    check_float,
    check_int,
    check_memory,
    check_timeseries,
    reject_constant,
)

__all__ = [
    "correlation",
    "partial_correlation",
    "covariance",
    "precision",
    "connectivity_strength",
    "transfer_entropy",
    "mutual_information",
    "granger",
    "GrangerResult",
    "ConnectivityMeasure",  # noqa: F822 (built on first access: module __getattr__)
    "ledoit_wolf",
    "KINDS",
]

KINDS = ("correlation", "partial correlation", "tangent", "covariance", "precision",
         "transfer entropy", "granger", "mutual information")


# ---------------------------------------------------------------------------
# helpers


def _subjects(ts, min_timepoints=2):
    subjects, batch = check_cohort(ts, "ts", min_timepoints=min_timepoints)
    # Every measure here returns (S, N, N) and needs a few N x N temporaries:
    # refuse up front what cannot fit (e.g. voxel-level series with N ~ 10^5).
    N = subjects[0].shape[1]
    check_memory(8.0 * (len(subjects) + 4) * N * N,
                 f"{len(subjects)} connectivity matrices of {N} x {N} regions",
                 hint="use fewer regions (parcellate) or fewer subjects per call")
    return subjects, batch


def _reject_constant(X, name):
    reject_constant(X, name, "its correlations are undefined", rtol=1e-14)


def _finish(mats, batch):
    out = np.stack(mats) if batch else mats[0]
    return out


def ledoit_wolf(X, *, assume_centered: bool = False):
    """Ledoit-Wolf shrunk covariance of ``X`` ``(T, N)`` -> ``(covariance, shrinkage)``.

    ``(1 - s) S + s mu I`` with ``S`` the empirical covariance (divisor T),
    ``mu = trace(S) / N`` and ``s`` the Ledoit & Wolf (2004, J. Multivar.
    Anal. 88:365) optimal shrinkage, the estimator scikit-learn's
    ``LedoitWolf`` (and nilearn by default) uses.  One GEMM per subject.
    """
    X = np.asarray(X, dtype=np.float64)
    if not assume_centered:
        X = X - X.mean(axis=0)
    n, p = X.shape
    emp = (X.T @ X) / n
    if p == 1:
        return emp, 0.0
    X2 = X * X
    tr = X2.sum(axis=0) / n  # diag of emp
    mu = tr.sum() / p
    beta_ = float(np.sum(X2.sum(axis=1) ** 2))  # sum of <X2.T, X2>
    delta_ = float(np.sum(emp * emp)) * n * n / (n * n)  # sum of squared <X.T, X> / n^2
    beta = 1.0 / (p * n) * (beta_ / n - delta_)
    delta = (delta_ - 2.0 * mu * tr.sum() + p * mu * mu) / p
    beta = min(beta, delta)
    s = 0.0 if beta == 0 else beta / delta
    cov = (1.0 - s) * emp
    cov.flat[:: p + 1] += s * mu
    return cov, s


def _shrunk_cov(X, shrinkage):
    """Covariance (divisor T) with 'ledoit_wolf' / float / None shrinkage."""
    if isinstance(shrinkage, str):
        check_choice(shrinkage, "shrinkage", ("ledoit_wolf",))
        return ledoit_wolf(X)[0]
    Xc = X - X.mean(axis=0)
    emp = (Xc.T @ Xc) / X.shape[0]
    if shrinkage is None:
        return emp
    s = check_float(shrinkage, "shrinkage", min_value=0.0, max_value=1.0)
    p = emp.shape[0]
    mu = np.trace(emp) / p
    cov = (1.0 - s) * emp
    cov.flat[:: p + 1] += s * mu
    return cov


def _check_shrinkage(shrinkage):
    if shrinkage is None or isinstance(shrinkage, str):
        if isinstance(shrinkage, str):
            check_choice(shrinkage, "shrinkage", ("ledoit_wolf",))
        return shrinkage
    if isinstance(shrinkage, numbers.Real) and not isinstance(shrinkage, bool):
        return check_float(shrinkage, "shrinkage", min_value=0.0, max_value=1.0)
    raise TypeError(f"shrinkage must be 'ledoit_wolf', a float in [0, 1] or None, got "
                    f"{shrinkage!r}")


def _cov_to_corr(cov):
    d = 1.0 / np.sqrt(np.diag(cov))
    c = cov * d[:, None] * d[None, :]
    np.fill_diagonal(c, 1.0)
    return c


def _prec_to_partial(prec):
    p = -_cov_to_corr(prec)
    np.fill_diagonal(p, 1.0)
    return p


def _inv_spd(cov, name="covariance"):
    """Inverse of a symmetric positive definite covariance by Cholesky (LAPACK potrf + potri:
    half the flops of nilearn's LU inverse), refusing (numerically) singular ones.

    For a positive definite matrix ``cov_ii * inv_ii >= 1`` for every i; a failed
    factorisation, or a ratio above 1e12 (or non-finite, or below 1), means the
    matrix is singular to working precision.
    """
    from scipy.linalg import lapack

    msg = (f"the {name} is singular (more regions than time points, or collinear regions); "
           "use shrinkage")
    c, info = lapack.dpotrf(cov, lower=False, clean=False)
    if info != 0:
        raise ValueError(msg)
    inv, info = lapack.dpotri(c, lower=False)
    if info != 0:
        raise ValueError(msg)
    iu = np.triu_indices(inv.shape[0], 1)
    inv[iu[1], iu[0]] = inv[iu]
    r = np.diag(cov) * np.diag(inv)
    if not np.all(np.isfinite(r)) or r.max() > 1e12 or r.min() < 1.0 - 1e-6:
        raise ValueError(msg)
    return inv


# ---------------------------------------------------------------------------
# undirected measures


def correlation(ts) -> np.ndarray:
    """Pearson correlation matrix ``(N, N)`` (cohort: ``(S, N, N)``), diagonal exactly 1.

    Equals nilearn's ``ConnectivityMeasure(kind="correlation",
    cov_estimator=EmpiricalCovariance())``; nilearn's default (Ledoit-Wolf)
    shrinks the off-diagonal by ``1 - s``: use :class:`ConnectivityMeasure` for
    that.  A constant series raises ``ValueError``.
    """
    subjects, batch = _subjects(ts)
    out = []
    for s, X in enumerate(subjects):
        _reject_constant(X, f"ts[{s}]" if batch else "ts")
        # Scale-free statistic: rescale columns first so that huge (or tiny)
        # finite values cannot overflow (or underflow) in the sums of squares.
        Xc = X / np.abs(X).max(axis=0)
        Xc -= Xc.mean(axis=0)
        Xc /= np.sqrt((Xc * Xc).sum(axis=0))
        c = Xc.T @ Xc
        np.clip(c, -1.0, 1.0, out=c)
        np.fill_diagonal(c, 1.0)
        out.append(c)
    return _finish(out, batch)


def covariance(ts, *, shrinkage="ledoit_wolf") -> np.ndarray:
    """Covariance ``(N, N)`` (divisor T) with Ledoit-Wolf, fixed (``(1-s) S + s mu I``)
    or no (``None``) shrinkage; cohort: ``(S, N, N)``."""
    shrinkage = _check_shrinkage(shrinkage)
    subjects, batch = _subjects(ts)
    return _finish([_shrunk_cov(X, shrinkage) for X in subjects], batch)


def precision(ts, *, shrinkage="ledoit_wolf") -> np.ndarray:
    """Inverse of :func:`covariance`; cohort: ``(S, N, N)``."""
    shrinkage = _check_shrinkage(shrinkage)
    subjects, batch = _subjects(ts)
    return _finish([_inv_spd(_shrunk_cov(X, shrinkage)) for X in subjects], batch)


def partial_correlation(ts, *, shrinkage="ledoit_wolf") -> np.ndarray:
    """Partial correlation ``-P_ij / sqrt(P_ii P_jj)`` from the precision ``P``.

    ``P`` is the inverse of the covariance of the raw (centred, not scaled)
    signals, shrunk with Ledoit-Wolf (default, as nilearn), a fixed
    ``shrinkage`` in [0, 1] (``(1-s) S + s trace(S)/N I``) or not at all
    (``None``).  Diagonal 1, as nilearn's ``prec_to_partial``; equals
    nilearn's ``ConnectivityMeasure(kind="partial correlation")``.  Returns
    ``(N, N)`` or ``(S, N, N)``.
    """
    shrinkage = _check_shrinkage(shrinkage)
    subjects, batch = _subjects(ts)
    out = []
    for s, X in enumerate(subjects):
        _reject_constant(X, f"ts[{s}]" if batch else "ts")
        # Invariant to a global rescaling (Ledoit-Wolf's intensity is too):
        # rescale so huge or tiny finite values cannot overflow or underflow.
        X = X / np.abs(X).max()
        out.append(_prec_to_partial(_inv_spd(_shrunk_cov(X, shrinkage))))
    return _finish(out, batch)


def connectivity_strength(ts, *, absolute: bool = False):
    """Mean pairwise correlation: the average of the Pearson ``r_ij`` over the
    ``N (N - 1) / 2`` distinct region pairs (``|r_ij|`` with ``absolute``).

    The network-level "connectivity strength" of Liu et al. 2008 (Brain
    131:945), the mean of the correlation matrix's off-diagonal entries.
    Returns a float, or ``(S,)`` for a cohort.  Needs ``N >= 2``.
    """
    C = correlation(ts)
    single = C.ndim == 2
    C = C[None] if single else C
    N = C.shape[-1]
    if N < 2:
        raise ValueError("connectivity_strength needs at least 2 regions")
    iu = np.triu_indices(N, 1)
    vals = C[:, iu[0], iu[1]]
    if absolute:
        vals = np.abs(vals)
    m = vals.mean(axis=1)
    return float(m[0]) if single else m


# ---------------------------------------------------------------------------
# directed / information measures


def transfer_entropy(ts, *, estimator: str = "discrete", history: int = 1,
                     source_history: int = 1, delay: int = 1, base: float = 2.0, k: int = 4,
                     n_bins=None, bin_method: str = "uniform", alphabet=None,
                     conditional: bool = False, n_jobs=None) -> np.ndarray:
    """Transfer-entropy matrix ``(N, N)``, ``M[i, j]`` = TE from region ``i`` to ``j``.

    Diagonal 0 (self-TE is not defined; it is not computed).  Cohort:
    ``(S, N, N)``.  Units: bits (``base=2``).  ``estimator`` ``"discrete"``
    (integer codes, or continuous data with ``n_bins=``), ``"gaussian"``
    (linear; equals half the Granger log-ratio, in nats before conversion) or
    ``"ksg"`` (``k`` neighbours).  ``history``: target history, ``source_history``
    and ``delay`` as in :func:`netneuro.infotheory.transfer_entropy`.
    ``conditional=True`` conditions every pair on all other regions ("complete"
    TE, Lizier 2008): the Gaussian estimator regresses on the lags of every
    other region (conditional Granger); the discrete estimator conditions on
    the joint state of the other regions at ``t - 1``, exact via hashing in the
    core (plug-in counts become sparse quickly as N grows).
    """
    check_choice(estimator, "estimator", _it.ESTIMATORS)
    check_bool(conditional, "conditional")
    if conditional and estimator == "ksg":
        raise ValueError("conditional=True is supported by the 'gaussian' and 'discrete' "
                         "estimators (KSG with N-2 conditioning dimensions is not)")
    logb = _it._log_base(base)
    n_jobs = check_n_jobs(n_jobs)
    kk, l_, d = _it._embedding(history, source_history, delay, estimator)
    neighbours = check_int(k, "k", min_value=1)
    if estimator == "discrete":
        subjects, batch = _discrete_subjects(ts)
    else:
        subjects, batch = _subjects(ts)
    out = []
    for X in subjects:
        S, Tg, alph = _it._prepare(X, X, estimator, n_bins, bin_method, alphabet, "ts", "ts")
        if conditional and estimator == "discrete":
            te = _it._discrete_te_conditional_all(S, alph, kk, l_, d, n_jobs)
        else:
            te = _it._te_matrix(S, Tg, estimator=estimator, k=kk, l_=l_, d=d,
                                neighbours=neighbours, alphabet=alph, cond=None, cond_base=1,
                                conditional=bool(conditional), zero_diag=True, n_jobs=n_jobs)
        out.append(te / logb)
    return _finish(out, batch)


def _discrete_subjects(ts):
    if isinstance(ts, np.ndarray) and ts.ndim == 3:
        return [ts[s] for s in range(ts.shape[0])], True
    if isinstance(ts, (list, tuple)) and len(ts) and np.ndim(ts[0]) == 2:
        n = np.shape(ts[0])[1]
        for s, x in enumerate(ts):
            if np.ndim(x) != 2 or np.shape(x)[1] != n:
                raise ValueError(f"every subject in ts must be (T, {n}); ts[{s}] has shape "
                                 f"{np.shape(x)}")
        return list(ts), True
    if np.ndim(ts) != 2:
        raise ValueError(f"ts must be 2-D (n_timepoints, n_regions) or a cohort, got "
                         f"{np.ndim(ts)}-D")
    return [ts], False


def mutual_information(ts, *, estimator: str = "discrete", base: float = 2.0, k: int = 4,
                       n_bins=None, bin_method: str = "uniform", alphabet=None,
                       n_jobs=None) -> np.ndarray:
    """Symmetric mutual-information matrix ``(N, N)`` (cohort ``(S, N, N)``),
    diagonal 0, in bits (``base=2``).  See
    :func:`netneuro.infotheory.mutual_information`."""
    if estimator == "discrete":
        subjects, batch = _discrete_subjects(ts)
    else:
        subjects, batch = _subjects(ts)
    out = [_it.mutual_information(X, None, estimator=estimator, base=base, k=k, n_bins=n_bins,
                                  bin_method=bin_method, alphabet=alphabet, n_jobs=n_jobs)
           for X in subjects]
    return _finish(out, batch)


@dataclass
class GrangerResult:
    """Granger causality of every ordered pair, all ``(N, N)``, ``[source, target]``.

    ``F``: F statistic of the restricted vs full autoregression (statsmodels'
    ``ssr_ftest``); ``pvalues``: its upper tail; ``df_num``, ``df_den``: its
    degrees of freedom; ``log_ratio``: ``ln(SSR_restricted / SSR_full)``
    (Geweke's measure; the Gaussian TE in nats is half of it).  Diagonal:
    ``F = 0``, ``log_ratio = 0``, ``pvalues = 1``.
    """

    F: np.ndarray
    pvalues: np.ndarray
    df_num: np.ndarray
    df_den: np.ndarray
    log_ratio: np.ndarray

    def __repr__(self) -> str:
        n = self.F.shape[-1]
        return f"GrangerResult(N={n}, order={int(self.df_num.flat[0])}, shape={self.F.shape})"


def granger(ts, *, order: int = 1, conditional: bool = False):
    """Granger causality F tests for every ordered pair of regions.

    The restricted model regresses region ``j`` on a constant and its own
    ``order`` lags; the full model adds the ``order`` lags of region ``i``
    (pairwise) or, with ``conditional=True``, both models contain the lags of
    every region (conditional Granger; the restricted model drops ``i``'s).
    ``F = ((SSR_r - SSR_f) / order) / (SSR_f / df_den)`` with ``df_den = n -
    n_params_full``, ``n = T - order``; pairwise results equal statsmodels'
    ``grangercausalitytests(ts[:, [j, i]], order)`` ``ssr_ftest``.  Returns
    :class:`GrangerResult` (fields ``(S, N, N)`` for a cohort).
    """
    order = check_int(order, "order", min_value=1, max_value=10000)
    check_bool(conditional, "conditional")
    subjects, batch = _subjects(ts)
    res = []
    for s, X in enumerate(subjects):
        _reject_constant(X, f"ts[{s}]" if batch else "ts")
        N = X.shape[1]
        if conditional and N > 2:
            ssr_r, ssr_f, n, p_full = _it.linear_regression_ssr(
                X, X, history=order, source_history=order, delay=1, conditional=True)
        else:
            ssr_r, ssr_f, n, p_full = _it.linear_regression_ssr(
                X, X, history=order, source_history=order, delay=1, conditional=False)
        df_den = n - p_full
        if df_den < 1:
            raise ValueError(f"time series too short for order={order}: {n} usable time points")
        with np.errstate(divide="ignore", invalid="ignore"):
            F = (ssr_r - ssr_f) / order / (ssr_f / df_den)
            lr = np.log(ssr_r / ssr_f)
        F = np.maximum(F, 0.0)
        p = stats.f.sf(F, order, df_den)
        np.fill_diagonal(F, 0.0)
        np.fill_diagonal(lr, 0.0)
        np.fill_diagonal(p, 1.0)
        res.append(GrangerResult(F=F, pvalues=p, df_num=np.full((N, N), float(order)),
                                 df_den=np.full((N, N), float(df_den)), log_ratio=lr))
    if not batch:
        return res[0]
    return GrangerResult(*(np.stack([getattr(r, f) for r in res])
                           for f in ("F", "pvalues", "df_num", "df_den", "log_ratio")))


# ---------------------------------------------------------------------------
# tangent space (Varoquaux et al. 2010, MICCAI) and the nilearn-style estimator


def _eigh_map(fn, M):
    w, V = np.linalg.eigh(M)
    return (V * fn(w)[..., None, :]) @ np.swapaxes(V, -1, -2)


def _geometric_mean(covs, max_iter=30, tol=1e-7):
    """Riemannian (affine-invariant) mean of SPD matrices by geodesic gradient descent
    (Fletcher & Joshi 2007, algorithm 3), with nilearn's step-halving and stopping rule."""
    covs = np.asarray(covs)
    w = np.linalg.eigvalsh(covs)
    if np.any(w <= 0):
        raise ValueError("covariances must be positive definite for the tangent space")
    g = covs.mean(axis=0)
    norm_old = np.inf
    step = 1.0
    norm = np.inf
    for _ in range(max_iter):
        vals, vecs = np.linalg.eigh(g)
        g_isqrt = (vecs / np.sqrt(vals)) @ vecs.T
        logs = _eigh_map(np.log, g_isqrt @ covs @ g_isqrt)
        logs_mean = logs.mean(axis=0)
        if np.any(np.isnan(logs_mean)):
            raise FloatingPointError("NaN after the matrix logarithm")
        norm = np.linalg.norm(logs_mean)
        g_sqrt = (vecs * np.sqrt(vals)) @ vecs.T
        lv, lV = np.linalg.eigh(logs_mean)
        g = g_sqrt @ ((lV * np.exp(lv * step)) @ lV.T) @ g_sqrt
        if norm < norm_old:
            norm_old = norm
        elif norm > norm_old:
            step /= 2.0
            norm = norm_old
        if tol is not None and norm / g.size < tol:
            break
    if tol is not None and norm / g.size >= tol:
        warnings.warn(f"geometric mean: {max_iter} iterations without reaching the tolerance "
                      f"{tol}", stacklevel=3)
    return g


def _sym_to_vec(M, discard_diagonal):
    """nilearn's ``sym_matrix_to_vec``: the lower triangle row by row, diagonal / sqrt(2)."""
    n = M.shape[-1]
    if discard_diagonal:
        mask = np.tril(np.ones((n, n), dtype=bool), k=-1)
        return M[..., mask]
    mask = np.tril(np.ones((n, n), dtype=bool))
    scale = np.ones((n, n))
    np.fill_diagonal(scale, np.sqrt(2.0))
    return M[..., mask] / scale[mask]


def _vec_to_sym(vec, diagonal=None):
    """Inverse of :func:`_sym_to_vec` (nilearn's ``vec_to_sym_matrix``): ``(..., n(n+1)/2)``,
    or ``(..., n(n-1)/2)`` with ``diagonal`` ``(..., n)``, -> ``(..., n, n)``."""
    vec = np.asarray(vec, dtype=np.float64)
    m = vec.shape[-1]
    n = (np.sqrt(8 * m + 1) - 1.0) / 2 + (diagonal is not None)
    if n != np.floor(n):
        raise ValueError(f"vectors of length {m} are not the lower triangle of a symmetric "
                         "matrix" + (" without its diagonal" if diagonal is not None else ""))
    n = int(n)
    if diagonal is not None:
        diagonal = np.asarray(diagonal, dtype=np.float64)
        if diagonal.shape != (*vec.shape[:-1], n):
            raise ValueError(f"diagonal must have shape {(*vec.shape[:-1], n)} for vectors of "
                             f"shape {vec.shape}, got {diagonal.shape}")
    out = np.zeros((*vec.shape[:-1], n, n))
    mask = np.tril(np.ones((n, n), dtype=bool), k=-1 if diagonal is not None else 0)
    out[..., mask] = vec
    out.swapaxes(-1, -2)[..., mask] = vec
    d = np.arange(n)
    if diagonal is not None:
        out[..., d, d] = diagonal
    out[..., d, d] *= np.sqrt(2.0)
    return out


def _detrend(Y):
    """Remove each column's mean and linear trend (nilearn's ``signal._detrend``)."""
    Y = Y - Y.mean(axis=0)
    if Y.shape[0] > 1:
        r = np.arange(Y.shape[0], dtype=np.float64)
        r -= r.mean()
        r /= np.sqrt((r * r).sum())
        Y -= np.outer(r, r @ Y)
    return Y


def _zscore(Y):
    """Centre and scale to unit sample variance (ddof 1); near-constant columns only centred."""
    Y = Y - Y.mean(axis=0)
    if Y.shape[0] > 1:
        sd = Y.std(axis=0, ddof=1)
        sd[sd < np.finfo(np.float64).eps] = 1.0
        Y = Y / sd
    return Y


def _standardize(X, how):
    """``standardize`` of :class:`ConnectivityMeasure` (nilearn's ``standardize_signal``)."""
    if how is None or how is False:
        return X
    if X.shape[0] == 1:
        warnings.warn("standardizing a single time point would give zeros; skipped",
                      stacklevel=4)
        return X
    if how is True or how == "zscore_sample":
        return _zscore(X)
    mean = X.mean(axis=0)  # "psc": percent signal change
    zero = np.abs(mean) < np.finfo(np.float64).eps
    out = (X - mean) / np.where(zero, 1.0, np.abs(mean)) * 100.0
    if zero.any():
        warnings.warn("psc standardization is meaningless for signals of mean 0; they are set "
                      "to 0", stacklevel=4)
        out[:, zero] = 0.0
    return out


def _confound_array(confounds, n: int) -> np.ndarray:
    """Confounds of the vectorised connectomes: ``(n_subjects,)``, ``(n_subjects, k)``, a
    DataFrame, a path (read by :func:`netneuro.io.load_array`) or a list of those."""
    if not hasattr(confounds, "__iter__") and not isinstance(confounds, os.PathLike):
        raise TypeError(f"confounds must be an array, a DataFrame, a file path or a list of "
                        f"those, got {type(confounds).__name__}")
    parts = confounds if isinstance(confounds, (list, tuple)) else [confounds]
    out = []
    for c in parts:
        if isinstance(c, (str, bytes, os.PathLike)):
            from .io import load_array

            c = load_array(c)
        c = check_array(c, "confounds", ndim=(1, 2))
        c = c[:, None] if c.ndim == 1 else c
        if c.shape[0] != n:
            raise ValueError(f"confounds must have one row per subject ({n}), got "
                             f"{c.shape[0]} rows")
        out.append(c)
    return np.hstack(out)


def _clean_vectors(V, confounds):
    """nilearn's ``signal.clean(V, confounds=confounds)`` with its defaults: detrend the
    vectors and the confounds along subjects, z-score the confounds, project them out
    (pivoted QR, columns with ``|R_ii| <= 100 eps`` dropped), z-score the result."""
    from scipy.linalg import qr

    V = _detrend(np.asarray(V, dtype=np.float64))
    C = _zscore(_detrend(confounds))
    Q, R, _ = qr(C, mode="economic", pivoting=True)
    Q = Q[:, np.abs(np.diag(R)) > np.finfo(np.float64).eps * 100.0]
    V = V - Q @ (Q.T @ V)
    return _zscore(V) if V.shape[0] > 1 else V


class _NotFittedError(ValueError, AttributeError):
    """Used before ``fit`` (scikit-learn's ``NotFittedError`` when it is installed)."""


class _FallbackEstimator:
    """``get_params`` / ``set_params`` / ``repr`` as scikit-learn's ``BaseEstimator``, for
    when scikit-learn is not installed."""

    @classmethod
    def _get_param_names(cls):
        sig = inspect.signature(cls.__init__)
        return sorted(p.name for p in sig.parameters.values()
                      if p.name != "self" and p.kind != p.VAR_KEYWORD)

    def get_params(self, deep=True):
        out = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params):
        valid = self.get_params(deep=True)
        nested = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"invalid parameter {name!r} for estimator {self}; valid "
                                 f"parameters are {self._get_param_names()}")
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
                valid[name] = value
        for name, sub_params in nested.items():
            valid[name].set_params(**sub_params)
        return self

    def __repr__(self):
        sig = inspect.signature(type(self).__init__)
        changed = [f"{k}={v!r}" for k, v in sorted(self.get_params(deep=False).items(),
                                                    key=lambda kv: list(sig.parameters).index(
                                                        kv[0]))
                   if sig.parameters[k].default is not v]
        return f"{type(self).__name__}({', '.join(changed)})"


class _FallbackTransformer:
    def fit_transform(self, X, y=None, **fit_params):
        return self.fit(X, y, **fit_params).transform(X)


def _not_fitted_error():
    try:
        from sklearn.exceptions import NotFittedError
    except ImportError:
        return _NotFittedError
    return NotFittedError


def _build_measure_class():
    """``ConnectivityMeasure`` on scikit-learn's ``TransformerMixin`` / ``BaseEstimator``
    when installed (else the fallbacks above).  Built on first access (module
    ``__getattr__``), so that importing this module does not import scikit-learn."""
    try:
        from sklearn.base import BaseEstimator, TransformerMixin
    except ImportError:
        BaseEstimator, TransformerMixin = _FallbackEstimator, _FallbackTransformer
    return type("ConnectivityMeasure", (_ConnectivityMeasure, TransformerMixin, BaseEstimator),
                {"__module__": __name__, "__qualname__": "ConnectivityMeasure",
                 "__doc__": _ConnectivityMeasure.__doc__})


def __getattr__(name):
    if name == "ConnectivityMeasure":
        cls = globals()["ConnectivityMeasure"] = _build_measure_class()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_NILEARN_KINDS = ("correlation", "partial correlation", "tangent", "covariance", "precision")


class _ConnectivityMeasure:
    """Connectivity matrices of a group of subjects: a drop-in for nilearn's
    ``nilearn.connectome.ConnectivityMeasure`` (same parameters in the same order,
    same attributes, same numbers), and a scikit-learn transformer.

    Parameters
    ----------
    cov_estimator : scikit-learn covariance estimator or None, default=None
        Fitted per subject (``.fit(X).covariance_``); ``None``: Ledoit-Wolf
        shrinkage, as nilearn's default ``LedoitWolf(store_precision=False)``
        (computed here in one GEMM per subject, without scikit-learn).
    kind : str, default="covariance"
        nilearn's ``"covariance"``, ``"correlation"``, ``"partial correlation"``,
        ``"tangent"`` (Varoquaux et al. 2010), ``"precision"``, or netneuro's
        ``"transfer entropy"``, ``"granger"`` (F statistics) and ``"mutual
        information"`` (directed kinds give ``[source, target]`` matrices).
    vectorize : bool, default=False
        Return the lower triangles ``(n_subjects, N (N + 1) / 2)``, diagonal divided
        by sqrt(2) (symmetric kinds only).
    discard_diagonal : bool, default=False
        With ``vectorize``, leave the diagonal out: ``(n_subjects, N (N - 1) / 2)``.
    standardize : {True, False, None, "zscore_sample", "psc"}, default=True
        For ``kind="correlation"``: z-score each signal (sample std: ``True`` and
        ``"zscore_sample"``), percent signal change (``"psc"``) or nothing
        (``False`` / ``None``) before the covariance estimator.  (nilearn 0.14
        applies only ``True`` here and ignores ``"zscore_sample"`` and ``"psc"``,
        contrary to its documentation; netneuro follows the documentation.)
    verbose : int, default=0
        Print a line when fitting is done (``> 0``).
    measure_params : dict or None, default=None
        Keyword arguments for :func:`transfer_entropy`, :func:`granger` or
        :func:`mutual_information` (netneuro's kinds).

    Attributes
    ----------
    cov_estimator_ : estimator or None
        A clone of ``cov_estimator``; scikit-learn's ``LedoitWolf(store_precision=
        False)`` for ``None`` when scikit-learn is installed (else ``None``).
    mean_ : numpy.ndarray, shape (N, N)
        Geometric mean of the covariances (``"tangent"``) or mean of the subjects'
        matrices (symmetrised).
    n_features_in_ : int
        Number of regions ``N`` seen in ``fit``.
    whitening_ : numpy.ndarray, shape (N, N), or None
        ``mean_ ** -1/2`` for ``"tangent"``, else None.

    Notes
    -----
    ``X`` is a list of subjects' time series ``(T_s, N)``, a ``(S, T, N)`` array, or
    one ``(T, N)`` array (one subject).  ``fit_transform`` / ``transform`` return
    ``(S, N, N)`` or, vectorised, ``(S, n_coefficients)``; with ``confounds``
    (vectorised only) the vectors are cleaned across subjects as nilearn's
    ``signal.clean`` does.  ``inverse_transform`` rebuilds matrices from vectors and,
    for ``"tangent"``, covariances from tangent vectors.
    """

    def __init__(self, cov_estimator=None, kind="covariance", vectorize=False,
                 discard_diagonal=False, standardize=True, verbose=0, measure_params=None):
        self.cov_estimator = cov_estimator
        self.kind = kind
        self.vectorize = vectorize
        self.discard_diagonal = discard_diagonal
        self.standardize = standardize
        self.verbose = verbose
        self.measure_params = measure_params

    # -- scikit-learn protocol
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "mean_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.requires_fit = True
        return tags

    def _more_tags(self):  # the tags of scikit-learn < 1.6 (nilearn's checks compare them)
        return self.__sklearn_tags__()

    # -- internals
    def _check_params(self):
        check_choice(self.kind, "kind", KINDS)
        check_bool(self.vectorize, "vectorize")
        check_bool(self.discard_diagonal, "discard_diagonal")
        s = self.standardize
        if not (s is None or isinstance(s, (bool, np.bool_)) or s in ("zscore_sample", "psc")):
            raise ValueError("standardize must be True, False, None, 'zscore_sample' or 'psc', "
                             f"got {s!r}")
        if self.cov_estimator is not None and not hasattr(self.cov_estimator, "fit"):
            raise ValueError("'cov_estimator' must be an estimator with '.fit()' and "
                             "'.covariance_' (e.g. from sklearn.covariance) or None, got "
                             f"{type(self.cov_estimator).__name__}")
        if self.measure_params is not None and not isinstance(self.measure_params, dict):
            raise TypeError(f"measure_params must be a dict or None, got "
                            f"{type(self.measure_params).__name__}")

    def _check_input(self, X, confounds=None, reset=True):
        """Subjects of ``X`` as float64 ``(T_s, N)`` arrays; messages as nilearn and
        scikit-learn phrase them (their estimator checks match on them)."""
        if hasattr(X, "toarray") and hasattr(X, "nnz"):
            raise TypeError("sparse input is not supported: X is a sparse matrix; pass dense "
                            "arrays (n_timepoints, n_regions)")
        if isinstance(X, (str, bytes, dict)) or not (hasattr(X, "__iter__")
                                                     or hasattr(X, "__array__")):
            raise TypeError(f"X ({type(X).__name__}) is not iterable: pass a list of "
                            "(n_timepoints, n_regions) arrays, a 3-D array or one 2-D array")
        if isinstance(X, (list, tuple)) or not (hasattr(X, "__array__") or hasattr(X, "shape")):
            X = list(X)  # a cohort (list, tuple, generator, ...)
            if not X:
                raise ValueError("X is an empty list of subjects")
        else:
            arr = np.asarray(X)
            if arr.ndim == 2:
                X = [arr]
            elif arr.ndim == 3:
                X = list(arr)
            else:
                raise ValueError(f"X must be a list of 2-D (n_timepoints, n_regions) arrays, a "
                                 f"3-D array or one 2-D array (one subject); got {arr.ndim}-D "
                                 "input. Reshape your data: one region is X.reshape(-1, 1)")
        subjects = [self._check_subject(x, s) for s, x in enumerate(X)]
        widths = [x.shape[1] for x in subjects]
        if len(set(widths)) > 1:
            s = next(i for i, w in enumerate(widths) if w != widths[0])
            raise ValueError(f"All subjects must have the same number of features (regions): "
                             f"X[0] has {widths[0]}, X[{s}] has {widths[s]}")
        if not reset and widths[0] != self.n_features_in_:
            raise ValueError(f"X has {widths[0]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input (regions)")
        if confounds is not None:
            if not hasattr(confounds, "__iter__") and not isinstance(confounds, os.PathLike):
                raise TypeError("'confounds' input argument must be an iterable (an array, a "
                                f"DataFrame, a path or a list of those), got "
                                f"{type(confounds).__name__}")
            if not self.vectorize:
                raise ValueError("'confounds' are provided but vectorize=False: confounds "
                                 "clean the vectorised connectomes (a second-level "
                                 "regression), not matrices")
        return subjects

    @staticmethod
    def _check_subject(x, s):
        if hasattr(x, "toarray") and hasattr(x, "nnz"):
            raise TypeError(f"sparse input is not supported: X[{s}] is a sparse matrix")
        arr = np.asarray(x)
        if arr.dtype.kind == "c":
            raise ValueError(f"Complex data not supported: X[{s}] has dtype {arr.dtype}")
        if arr.dtype.kind == "O":
            arr = arr.astype(np.float64)  # numbers stored as objects; others raise here
        if arr.ndim != 2:
            raise ValueError(f"Each subject must be 2D numpy.ndarray (n_timepoints, n_regions); "
                             f"X[{s}] has {arr.ndim} dimension(s)")
        for axis, what in ((1, "feature"), (0, "sample")):
            if arr.shape[axis] == 0:
                raise ValueError(f"Found array with 0 {what}(s) (shape={arr.shape}) while a "
                                 "minimum of 1 is required (X[{s}]).".replace("{s}", str(s)))
        if arr.dtype.kind == "f" and not np.isfinite(arr).all():
            raise ValueError(f"X[{s}] contains NaN or infinity: time series must be finite")
        return check_timeseries(arr, f"X[{s}]", min_timepoints=1)

    def _cov(self, X):
        if self.cov_estimator_ is None or self.cov_estimator is None:
            return ledoit_wolf(X)[0]
        return np.asarray(self.cov_estimator_.fit(X).covariance_, dtype=np.float64)

    def _matrices(self, subjects):
        kind = self.kind
        params = dict(self.measure_params or {})
        if kind == "correlation":
            return [_cov_to_corr(self._cov(_standardize(X, self.standardize)))
                    for X in subjects], None
        if kind in ("covariance", "tangent", "precision", "partial correlation"):
            covs = [self._cov(X) for X in subjects]
            if kind == "precision":
                return [_inv_spd(c) for c in covs], covs
            if kind == "partial correlation":
                return [_prec_to_partial(_inv_spd(c)) for c in covs], covs
            return covs, covs
        if kind == "transfer entropy":
            return [transfer_entropy(X, **params) for X in subjects], None
        if kind == "granger":
            return [granger(X, **params).F for X in subjects], None
        return [mutual_information(X, **params) for X in subjects], None

    def _fit_transform(self, X, do_transform=False, do_fit=False, confounds=None):
        self._check_params()
        subjects = self._check_input(X, confounds, reset=do_fit)
        if self.vectorize and self.kind in ("transfer entropy", "granger"):
            raise ValueError("vectorize needs a symmetric kind; directed matrices cannot be "
                             "vectorised by their lower triangle")
        if do_transform and self.kind == "tangent" and len(subjects) <= 1:
            raise ValueError("Tangent space parametrization can only be applied to a group of "
                             "subjects (at least 2), as it returns deviations from their mean")
        N = subjects[0].shape[1]
        check_memory(8.0 * len(subjects) * N * N * 3, f"{len(subjects)} {N} x {N} matrices",
                     hint="process the cohort in chunks")
        if do_fit:
            self.cov_estimator_ = self._new_cov_estimator()
        mats, covs = self._matrices(subjects)
        if do_fit:
            self.n_features_in_ = N
            if self.kind == "tangent":
                self.mean_ = _geometric_mean(covs, max_iter=30, tol=1e-7)
                self.whitening_ = _eigh_map(lambda w: 1.0 / np.sqrt(w), self.mean_)
            else:
                m = np.mean(mats, axis=0)
                self.mean_ = 0.5 * (m + m.T)
                self.whitening_ = None
            if self.verbose:
                print(f"[{type(self).__name__}.fit] Finished fit")
        if not do_transform:
            return self
        if self.kind == "tangent":
            W = self.whitening_
            mats = _eigh_map(np.log, W @ np.asarray(mats) @ W)
        out = np.asarray(mats)
        if self.vectorize:
            out = _sym_to_vec(out, self.discard_diagonal)
            if confounds is not None:
                out = _clean_vectors(out, _confound_array(confounds, len(out)))
        return out

    def _new_cov_estimator(self):
        if self.cov_estimator is None:
            try:
                from sklearn.covariance import LedoitWolf
            except ImportError:
                return None
            return LedoitWolf(store_precision=False)
        try:
            from sklearn.base import clone
        except ImportError:
            import copy

            return copy.deepcopy(self.cov_estimator)
        return clone(self.cov_estimator)

    def _check_fitted(self):
        if not self.__sklearn_is_fitted__():
            raise _not_fitted_error()(f"This {type(self).__name__} instance is not fitted yet. Call "
                                 "'fit' with appropriate arguments before using this estimator.")

    # -- public API
    def fit(self, X, y=None):
        """Fit on subjects ``X`` (list of ``(T_s, N)``, ``(S, T, N)``, or one ``(T, N)``):
        stores ``mean_``, ``whitening_``, ``cov_estimator_``, ``n_features_in_``."""
        return self._fit_transform(X, do_fit=True)

    def transform(self, X, confounds=None):
        """Connectivity of each subject: ``(S, N, N)``, or ``(S, n_coefficients)`` with
        ``vectorize`` (then cleaned of ``confounds`` ``(S,)``/``(S, k)`` if given)."""
        self._check_fitted()
        return self._fit_transform(X, do_transform=True, confounds=confounds)

    def fit_transform(self, X, y=None, confounds=None):
        """``fit(X)`` then ``transform(X, confounds)`` in one pass."""
        return self._fit_transform(X, do_transform=True, do_fit=True, confounds=confounds)

    def inverse_transform(self, connectivities, diagonal=None):
        """Matrices ``(S, N, N)`` from the output of :meth:`transform` (vectors or matrices).

        Vectorised input is unfolded (``diagonal`` ``(S, N)`` supplies a discarded
        diagonal; for correlations it is 1 when omitted); for ``"tangent"`` the
        subjects' covariances ``mean^1/2 expm(T) mean^1/2`` are returned.
        """
        self._check_fitted()
        C = np.asarray(connectivities, dtype=np.float64)
        if self.vectorize:
            if C.ndim == 1:
                C = C[None]
            if self.discard_diagonal and diagonal is None:
                if self.kind not in ("correlation", "partial correlation"):
                    raise ValueError(f"the diagonal was discarded and is unknown for kind "
                                     f"{self.kind!r}: cannot reconstruct connectivity matrices "
                                     "without diagonal=")
                diagonal = np.ones((C.shape[0], self.mean_.shape[0])) / np.sqrt(2.0)
            C = _vec_to_sym(C, diagonal if self.discard_diagonal else None)
        if self.kind == "tangent":
            vals, vecs = np.linalg.eigh(self.mean_)
            root = (vecs * np.sqrt(vals)) @ vecs.T
            C = root @ _eigh_map(np.exp, C) @ root
        return C

    def set_output(self, *, transform=None):
        """Not available: the output is a stack of matrices or vectors, not a table."""
        raise NotImplementedError("ConnectivityMeasure returns connectivity matrices or vectors; "
                                  "set_output is not implemented")
