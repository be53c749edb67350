"""Surrogate significance tests of TE / MI matrices."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._parallel import check_n_jobs
from .._validation import (
    check_array,
    check_choice,
    check_int,
    check_random_state,
)
from ..stats import fdr_bh
from ._common import ESTIMATORS, _core_info, _embedding, _log_base, _Progress
from .discrete import _discrete_te
from .estimators import _prepare, _te_matrix

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
