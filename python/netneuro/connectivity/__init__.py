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

import functools
import numbers
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .. import infotheory as _it
from .._array_api import namespace
from .._parallel import check_n_jobs, limit_blas
from .._validation import (
    check_bool,
    check_choice,
    check_cohort,
    check_float,
    check_int,
    check_memory,
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
    "ConnectivityMeasure",  # noqa: F822 (imported on first access: __getattr__ below)
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
    emp *= 1.0 - s  # in place: emp is ours
    emp.flat[:: p + 1] += s * mu
    return emp, s


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


def _prec_to_partial(prec, out=None):
    """``-P_ij / sqrt(P_ii P_jj)``, diagonal 1, into ``out`` (may be ``prec`` itself)."""
    d = 1.0 / np.sqrt(np.diag(prec))
    out = np.multiply(prec, d[:, None], out=out)
    out *= d[None, :]
    np.negative(out, out=out)
    np.fill_diagonal(out, 1.0)
    return out


@functools.lru_cache(maxsize=8)
def _strict_upper(n):
    return np.triu(np.ones((n, n), dtype=bool), 1)


def _inv_spd(cov, name="covariance", out=None, overwrite=False):
    """Inverse of a symmetric positive definite covariance by Cholesky (LAPACK potrf + potri:
    half the flops of nilearn's LU inverse), refusing (numerically) singular ones.

    Written into ``out`` (C-ordered ``(N, N)``) when given; ``overwrite`` lets LAPACK factor
    ``cov`` in place.  ``cov`` is symmetric, so its transpose is handed to LAPACK as the
    Fortran-ordered matrix (no copy) and the triangle LAPACK fills is mirrored once.

    For a positive definite matrix ``cov_ii * inv_ii >= 1`` for every i; a failed
    factorisation, or a ratio above 1e12 (or non-finite, or below 1), means the
    matrix is singular to working precision.
    """
    from scipy.linalg import lapack

    msg = (f"the {name} is singular (more regions than time points, or collinear regions); "
           "use shrinkage")
    diag = np.diag(cov).copy()
    a = cov.T if cov.flags.c_contiguous else cov  # Fortran-ordered view: no copy
    c, info = lapack.dpotrf(a, lower=False, clean=False, overwrite_a=overwrite)
    if info != 0:
        raise ValueError(msg)
    inv, info = lapack.dpotri(c, lower=False, overwrite_c=True)
    if info != 0:
        raise ValueError(msg)
    # the upper triangle of the Fortran-ordered inverse is the lower one of its C view
    if out is None:
        out = np.empty(cov.shape)
    np.copyto(out, inv.T)
    np.copyto(out, out.T, where=_strict_upper(out.shape[0]))
    r = diag * np.diag(out)
    if not np.all(np.isfinite(r)) or r.max() > 1e12 or r.min() < 1.0 - 1e-6:
        raise ValueError(msg)
    return out


def _map_subjects(fn, n_subjects, n_jobs):
    """``fn(s)`` for every subject: in this thread (BLAS at its own thread count) with
    ``n_jobs=1``, else on ``n_jobs`` threads with one BLAS thread each.  The first failing
    subject (in order) raises."""
    n_jobs = min(n_jobs, n_subjects)
    if n_jobs <= 1:
        for s in range(n_subjects):
            fn(s)
        return
    from concurrent.futures import ThreadPoolExecutor

    with limit_blas(1), ThreadPoolExecutor(n_jobs) as pool:
        for _ in pool.map(fn, range(n_subjects)):
            pass


# ---------------------------------------------------------------------------
# undirected measures


def correlation(ts) -> np.ndarray:
    """Pearson correlation matrix ``(N, N)`` (cohort: ``(S, N, N)``), diagonal exactly 1.

    Equals nilearn's ``ConnectivityMeasure(kind="correlation",
    cov_estimator=EmpiricalCovariance())``; nilearn's default (Ledoit-Wolf)
    shrinks the off-diagonal by ``1 - s``: use :class:`ConnectivityMeasure` for
    that.  A constant series raises ``ValueError``.  A torch tensor or CuPy
    array ``(T, N)`` / ``(S, T, N)`` is computed by its own library on its
    device (:mod:`netneuro.connectivity.array_api`).
    """
    xp, native = namespace(ts)
    if not native:  # torch, CuPy, ...: computed by that library on its device
        from . import array_api

        return array_api.correlation_xp(ts, xp)
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
    xp, native = namespace(ts)
    if not native:  # torch, CuPy, ...: computed by that library on its device
        from . import array_api

        return array_api.covariance_xp(ts, xp, shrinkage)
    subjects, batch = _subjects(ts)
    return _finish([_shrunk_cov(X, shrinkage) for X in subjects], batch)


def precision(ts, *, shrinkage="ledoit_wolf") -> np.ndarray:
    """Inverse of :func:`covariance`; cohort: ``(S, N, N)``."""
    shrinkage = _check_shrinkage(shrinkage)
    xp, native = namespace(ts)
    if not native:  # torch, CuPy, ...: computed by that library on its device
        from . import array_api

        return array_api.precision_xp(ts, xp, shrinkage)
    subjects, batch = _subjects(ts)
    N = subjects[0].shape[1]
    out = np.empty((len(subjects), N, N))
    for s, X in enumerate(subjects):
        _inv_spd(_shrunk_cov(X, shrinkage), out=out[s], overwrite=True)
    return out if batch else out[0]


def partial_correlation(ts, *, shrinkage="ledoit_wolf", n_jobs=None) -> np.ndarray:
    """Partial correlation ``-P_ij / sqrt(P_ii P_jj)`` from the precision ``P``.

    ``P`` is the inverse of the covariance of the raw (centred, not scaled)
    signals, shrunk with Ledoit-Wolf (default, as nilearn), a fixed
    ``shrinkage`` in [0, 1] (``(1-s) S + s trace(S)/N I``) or not at all
    (``None``).  Diagonal 1, as nilearn's ``prec_to_partial``; equals
    nilearn's ``ConnectivityMeasure(kind="partial correlation")``.  Returns
    ``(N, N)`` or ``(S, N, N)``.  ``n_jobs`` (scikit-learn semantics): a cohort
    is computed on that many threads, one subject and one BLAS thread each
    (with ``n_jobs=1`` BLAS keeps its own thread count); the numbers are those
    of ``n_jobs=1`` with one BLAS thread.
    """
    shrinkage = _check_shrinkage(shrinkage)
    n_jobs = check_n_jobs(n_jobs)
    xp, native = namespace(ts)
    if not native:  # torch, CuPy, ...: computed by that library on its device
        from . import array_api

        return array_api.partial_correlation_xp(ts, xp, shrinkage)
    subjects, batch = _subjects(ts)
    N = subjects[0].shape[1]
    out = np.empty((len(subjects), N, N))

    def one(s):
        X = subjects[s]
        _reject_constant(X, f"ts[{s}]" if batch else "ts")
        # Invariant to a global rescaling (Ledoit-Wolf's intensity is too):
        # rescale so huge or tiny finite values cannot overflow or underflow.
        X = X / np.abs(X).max()
        prec = _inv_spd(_shrunk_cov(X, shrinkage), out=out[s], overwrite=True)
        _prec_to_partial(prec, out=prec)

    _map_subjects(one, len(subjects), n_jobs)
    return out if batch else out[0]


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

    The Gaussian estimator computes every pair at once from the lagged
    covariance blocks (GEMMs, then small systems per pair); a NumPy cohort
    ``(S, T, N)`` is batched.  A torch tensor, CuPy or array-api-strict array
    is computed by its library on its device (Gaussian, and discrete TE of
    small alphabets by count GEMMs; :mod:`netneuro.infotheory.array_api`).
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
    xp, native = namespace(ts)
    if not native:  # torch, CuPy, ...: computed by that library on its device
        from ..infotheory import array_api

        return array_api.transfer_entropy_xp(
            ts, xp, estimator=estimator, history=kk, source_history=l_, delay=d, logb=logb,
            n_bins=n_bins, bin_method=bin_method, alphabet=alphabet, conditional=conditional)
    if estimator == "discrete":
        subjects, batch = _discrete_subjects(ts)
    else:
        subjects, batch = _subjects(ts)
    if estimator == "gaussian":
        for s, X in enumerate(subjects):
            _it._check_not_constant(X, f"ts[{s}]" if batch else "ts")
        if batch and isinstance(ts, np.ndarray):  # one stack: the GEMMs batched over subjects
            stack = np.stack(subjects)
            return _it._gaussian_te(stack, stack, kk, l_, d, bool(conditional), True,
                                    logb=logb)
        return _finish([_it._gaussian_te(X, X, kk, l_, d, bool(conditional), True, logb=logb)
                        for X in subjects], batch)
    out = []
    for s, X in enumerate(subjects):
        name = f"ts[{s}]" if batch else "ts"
        S, Tg, alph = _it._prepare(X, X, estimator, n_bins, bin_method, alphabet, name, name)
        with _naming(name):
            if conditional and estimator == "discrete":
                te = _it._discrete_te_conditional_all(S, alph, kk, l_, d, n_jobs)
            else:
                te = _it._te_matrix(S, Tg, estimator=estimator, k=kk, l_=l_, d=d,
                                    neighbours=neighbours, alphabet=alph, cond=None,
                                    cond_base=1, conditional=bool(conditional), zero_diag=True,
                                    n_jobs=n_jobs)
        out.append(te / logb)
    return _finish(out, batch)


@contextmanager
def _naming(name):
    """A ValueError of the estimators about "the time series" is said of ``name``."""
    try:
        yield
    except ValueError as exc:
        if str(exc).startswith(name):
            raise
        raise ValueError(f"{name}: {exc}") from None


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
    :func:`netneuro.infotheory.mutual_information`.  A torch tensor, CuPy or
    array-api-strict array is computed by its library on its device (discrete by
    count GEMMs, Gaussian by one Gram matrix; :mod:`netneuro.infotheory.array_api`)."""
    xp, native = namespace(ts)
    if not native:  # torch, CuPy, ...: computed by that library on its device
        from ..infotheory import array_api

        return array_api.mutual_information_xp(ts, xp, estimator=estimator,
                                               logb=_it._log_base(base), n_bins=n_bins,
                                               bin_method=bin_method, alphabet=alphabet)
    if estimator == "discrete":
        subjects, batch = _discrete_subjects(ts)
    else:
        subjects, batch = _subjects(ts)
    out = []
    for s, X in enumerate(subjects):
        name = f"ts[{s}]" if batch else "ts"
        if estimator != "discrete" and np.shape(X)[0] > 1:
            _it._check_not_constant(np.asarray(X), name)
        with _naming(name):
            out.append(_it.mutual_information(X, None, estimator=estimator, base=base, k=k,
                                              n_bins=n_bins, bin_method=bin_method,
                                              alphabet=alphabet, n_jobs=n_jobs))
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
    :class:`GrangerResult` (fields ``(S, N, N)`` for a cohort).  Every pair comes from
    the lagged covariance blocks at once (:mod:`netneuro.infotheory.gaussian`); a torch
    tensor, CuPy or array-api-strict array is computed by its library on its device and
    the fields are in its namespace (p-values: SciPy on the host, copied back).
    """
    order = check_int(order, "order", min_value=1, max_value=10000)
    check_bool(conditional, "conditional")
    xp, native = namespace(ts)
    if not native:  # torch, CuPy, ...: computed by that library on its device
        from ..infotheory import array_api

        return array_api.granger_xp(ts, xp, order=order, conditional=conditional)
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
        from scipy.special import fdtrc  # F survival function (scipy.stats costs ~1 s to import)

        p = fdtrc(order, df_den, F)
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
# the nilearn-compatible estimator lives in ._measure, imported on first access so that
# importing netneuro.connectivity does not import scikit-learn (about 1.5 s)


def __getattr__(name):
    if name == "ConnectivityMeasure":
        from ._measure import ConnectivityMeasure

        globals()["ConnectivityMeasure"] = ConnectivityMeasure
        return ConnectivityMeasure
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
