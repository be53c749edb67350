"""Effective network inference with multivariate transfer entropy.

The greedy algorithm of Lizier & Rubinov (2012), Faes et al. (2011) and
Novelli et al. (2019) as IDTxl's ``MultivariateTE`` implements it.  For each
target process:

1. **target past**: the target's own past samples (lags ``1..max_lag_target``,
   step ``tau_target``) are included one at a time, each time the candidate
   with the largest conditional mutual information (CMI) with the current value
   given what is already selected, while it beats a *maximum statistic* over
   surrogates of all remaining candidates; if none is significant, lag 1 is
   kept;
2. **source past**: the same greedy inclusion over the past samples of every
   candidate source (lags ``min_lag_sources..max_lag_sources``, step
   ``tau_sources``);
3. **pruning**: the selected source sample with the smallest CMI given all the
   others is removed while it fails a *minimum statistic*;
4. **final tests**: an *omnibus* test of the joint TE from all selected source
   samples (conditioned on the target past), and, if it passes, a *sequential
   maximum statistic* on each source sample's CMI given all other selected
   samples; samples that fail it are dropped.

Defaults are IDTxl's (``n_perm_max_stat=200``, ``n_perm_min_stat=500``,
``n_perm_omnibus=500``, ``n_perm_max_seq=500``, every ``alpha=0.05``, a
target-level FDR correction with ``alpha_fdr=0.05`` and Genovese's constant 2).

Estimators (nats):

* ``"gaussian"``: closed form.  Every CMI comes from one covariance matrix of
  the embedded series (Cholesky solves, vectorised over all candidates), so a
  target costs a few small LAPACK calls per step instead of one estimator call
  per candidate and surrogate;
* ``"ksg"``: Kraskov-Stögbauer-Grassberger algorithm 1 (Frenzel & Pompe
  2007 for the conditional form), max-norm, conditioning sets of any size,
  with SciPy's k-d tree; equal to JIDT's ``...MultiVariateKraskov1`` with
  ``NOISE_LEVEL_TO_ADD=0`` (IDTxl's ``noise_level=0``).  Pure Python over
  k-d tree queries: fine for small networks, slow for large ones.

Surrogates:

* ``"analytic"`` (Gaussian default; what IDTxl does for its Gaussian estimator on data
  with one replication): ``2 n CMI`` of a ``d``-dimensional candidate is
  chi-square with ``d`` degrees of freedom under the null, and each surrogate
  value is the ``1 - u`` quantile of ``chi2(d) / (2 n)`` at a seeded uniform
  ``u``, as JIDT's ``ChiSquareMeasurementDistribution`` gives IDTxl (one
  stream of ``u`` per target, drawn in IDTxl's order: the same stream fed to
  IDTxl gives the same p-values, see tests/test_network_inference.py);
* ``"permutation"`` (KSG default): the candidate's realisations shuffled in time;
* ``"block"``: contiguous blocks of ``block_size`` realisations shuffled.

References: Lizier & Rubinov 2012 (MPI MIS preprint 25/2012); Faes, Nollo &
Porta 2011, Phys Rev E 83:051112; Novelli, Wollstadt, Mediano, Wibral & Lizier
2019, Network Neuroscience 3:827; Wollstadt et al. 2019, JOSS 4:1081 (IDTxl).
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import qr, solve_triangular
from scipy.spatial import cKDTree
from scipy.special import chdtrc, digamma

from ._parallel import check_n_jobs, limit_blas
from ._validation import (
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_memory,
    check_random_state,
    check_timeseries,
    reject_constant,
)

__all__ = ["network_inference", "NetworkInferenceResult", "TargetResult", "var_network"]

_SURROGATES = ("analytic", "permutation", "block")
_WEIGHTS = ("binary", "max_te_lag", "vars_count", "te")


# ---------------------------------------------------------------------------
# results


@dataclass
class TargetResult:
    """What was inferred for one target (IDTxl's single-target result).

    Variables are ``(process, lag)`` tuples, ``lag >= 1`` samples before the
    current value.  TE values are in nats.  ``selected_sources_te`` /
    ``selected_sources_pval`` follow ``selected_vars_sources`` (CMI of each
    sample given all other selected samples, and its sequential max-statistic
    p-value); ``te`` follows ``sources`` (TE of all selected samples of one
    source process given all other selected samples).  Fields are ``None``
    when no source survived (as in IDTxl).
    """

    target: int
    sources_tested: list
    selected_vars_target: list
    selected_vars_sources: list
    selected_sources_te: np.ndarray | None
    selected_sources_pval: np.ndarray | None
    omnibus_te: float | None
    omnibus_pval: float | None
    omnibus_sign: bool
    te: np.ndarray | None
    sources: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))

    def __repr__(self):
        return (f"TargetResult(target={self.target}, sources={self.sources.tolist()}, "
                f"selected_vars_sources={self.selected_vars_sources}, "
                f"selected_vars_target={self.selected_vars_target}, "
                f"omnibus_te={self.omnibus_te}, omnibus_pval={self.omnibus_pval})")

    def _dropped(self) -> "TargetResult":
        """The same target with every source removed (a failed FDR test)."""
        return TargetResult(self.target, list(self.sources_tested), list(self.selected_vars_target),
                            [], None, None, self.omnibus_te, 1.0, False, None)


@dataclass
class NetworkInferenceResult:
    """Network inferred by :func:`network_inference`.

    Attributes
    ----------
    n_processes : int
    n_realisations : int
        Samples per CMI estimate (``n_timepoints - max lag``).
    targets : dict[int, TargetResult]
        Uncorrected per-target results.
    targets_fdr : dict[int, TargetResult] or None
        After the target-level FDR correction; ``None`` when it was not asked for
        or could not be applied (too few omnibus permutations, as IDTxl decides).
    adjacency : (N, N) bool ndarray
        ``adjacency[source, target]``: a significant link, FDR-corrected when
        ``targets_fdr`` exists, uncorrected otherwise.
    settings : dict
    """

    n_processes: int
    n_realisations: int
    targets: dict
    targets_fdr: dict | None
    settings: dict
    adjacency: np.ndarray = field(init=False)

    def __post_init__(self):
        self.adjacency = self.adjacency_matrix("binary", fdr=True).astype(bool)

    def __repr__(self):
        return (f"NetworkInferenceResult(n_processes={self.n_processes}, "
                f"n_links={int(self.adjacency.sum())}, targets={sorted(self.targets)}, "
                f"fdr={'applied' if self.targets_fdr is not None else 'not applied'})")

    def single_target(self, target: int, fdr: bool = True) -> TargetResult:
        """The :class:`TargetResult` of ``target`` (FDR-corrected if available and asked)."""
        table = self.targets_fdr if (fdr and self.targets_fdr is not None) else self.targets
        if target not in table:
            raise ValueError(f"target {target!r} was not analysed; analysed: {sorted(table)}")
        return table[target]

    def target_sources(self, target: int, fdr: bool = True) -> np.ndarray:
        """Distinct source processes of ``target`` (sorted)."""
        return self.single_target(target, fdr).sources

    def adjacency_matrix(self, weights: str = "binary", fdr: bool = True) -> np.ndarray:
        """``(N, N)`` matrix ``[source, target]``, as IDTxl's ``get_adjacency_matrix``.

        ``weights``: ``"binary"`` (1 for a link), ``"max_te_lag"`` (lag of the
        source's sample with the largest ``selected_sources_te``),
        ``"vars_count"`` (number of selected samples of that source), ``"te"``
        (the link's TE in nats, the ``te`` field).
        """
        check_choice(weights, "weights", _WEIGHTS)
        table = self.targets_fdr if (fdr and self.targets_fdr is not None) else self.targets
        out = np.zeros((self.n_processes, self.n_processes))
        for t, r in table.items():
            if not r.selected_vars_sources:
                continue
            procs = np.array([v[0] for v in r.selected_vars_sources])
            lags = np.array([v[1] for v in r.selected_vars_sources])
            for i, s in enumerate(r.sources):
                mask = procs == s
                if weights == "binary":
                    out[s, t] = 1
                elif weights == "vars_count":
                    out[s, t] = mask.sum()
                elif weights == "max_te_lag":
                    out[s, t] = lags[mask][np.argmax(r.selected_sources_te[mask])]
                else:
                    out[s, t] = r.te[i]
        return out


# ---------------------------------------------------------------------------
# Gaussian CMI from the covariance of the embedded series


class _Embedding:
    """Centred embedded realisations ``E`` (n, N*(L+1)) and ``G = E^T E``.

    Column ``p * (L + 1) + lag`` holds process ``p`` at ``lag`` samples before
    the current value (lag 0 = the current value); ``n = T - L`` realisations.
    """

    def __init__(self, X, L):
        T, N = X.shape
        self.N, self.L, self.n = N, L, T - L
        cols = np.empty((self.n, N, L + 1))
        for lag in range(L + 1):
            cols[:, :, lag] = X[L - lag:T - lag]
        E = cols.reshape(self.n, N * (L + 1))
        self.E = E - E.mean(axis=0)
        self.G = self.E.T @ self.E

    def col(self, var):
        return var[0] * (self.L + 1) + var[1]


def _resvar(G, y, cond):
    """Residual sum of squares of column ``y`` regressed on columns ``cond``."""
    if not cond:
        return G[y, y]
    c = np.asarray(cond)
    w = solve_triangular(_chol(G[np.ix_(c, c)]), G[c, y], lower=True)
    return G[y, y] - w @ w


def _chol(M):
    try:
        return np.linalg.cholesky(M)
    except np.linalg.LinAlgError:  # collinear conditioning set: regularise minimally
        eps = 1e-12 * np.trace(M) / M.shape[0]
        return np.linalg.cholesky(M + eps * np.eye(M.shape[0]))


def _cmi_each(G, y, cands, cond):
    """I(c; y | cond) in nats for each scalar column ``c`` of ``cands`` -> (len(cands),)."""
    A = np.asarray(cands)
    if cond:
        c = np.asarray(cond)
        W = solve_triangular(_chol(G[np.ix_(c, c)]), G[np.ix_(c, np.r_[y, A])], lower=True)
        s_yy = G[y, y] - W[:, 0] @ W[:, 0]
        s_ya = G[y, A] - W[:, 0] @ W[:, 1:]
        s_aa = G[A, A] - np.einsum("ij,ij->j", W[:, 1:], W[:, 1:])
    else:
        s_yy, s_ya, s_aa = G[y, y], G[y, A], G[A, A]
    ok = s_aa > 1e-12 * G[A, A]
    r2 = np.zeros(A.size)
    r2[ok] = s_ya[ok] ** 2 / (s_yy * s_aa[ok])
    return -0.5 * np.log1p(-np.minimum(r2, 1 - 1e-15))


def _cmi_drop(G, y, full, drop):
    """I(drop; y | full minus drop) for a set ``drop`` of columns (nats)."""
    rest = [c for c in full if c not in set(drop)]
    return 0.5 * np.log(_resvar(G, y, rest) / _resvar(G, y, full))


class _GaussianCMI:
    """Closed-form Gaussian CMI (nats) from the covariance ``G`` of the embedding."""

    analytic = True

    def __init__(self, emb):
        self.G = emb.G

    def each(self, y, cands, cond):
        return _cmi_each(self.G, y, cands, cond)

    def drop(self, y, full, drop):
        return _cmi_drop(self.G, y, full, drop)


class _KsgCMI:
    """KSG (algorithm 1, max-norm; Frenzel & Pompe 2007) CMI in nats on the embedding."""

    analytic = False

    def __init__(self, emb, k):
        self.E, self.k = emb.E, k

    def each(self, y, cands, cond):
        Y, Z = self.E[:, [y]], self.E[:, list(cond)]
        return np.array([_ksg_cmi(self.E[:, [c]], Y, Z, self.k) for c in cands])

    def drop(self, y, full, drop):
        rest = [c for c in full if c not in set(drop)]
        return _ksg_cmi(self.E[:, list(drop)], self.E[:, [y]], self.E[:, rest], self.k)

    def values(self, X, y, cond):
        return _ksg_cmi(X, self.E[:, [y]], self.E[:, list(cond)], self.k)


def _count_strictly_within(P, eps):
    """For each row of P, the other rows at max-norm distance < eps (the row's own radius)."""
    r = np.nextafter(eps, 0)
    return cKDTree(P).query_ball_point(P, r, p=np.inf, return_length=True) - 1


def _ksg_cmi(X, Y, Z, k):
    """KSG estimate (algorithm 1) of I(X; Y | Z), or I(X; Y) when Z has no columns (nats).

    ``psi(k) - <psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1)>`` with counts of
    points strictly closer than the distance to the k-th neighbour in the joint
    space (max-norm), as JIDT's ``...MultiVariateKraskov1`` calculators.
    """
    n = X.shape[0]
    J = np.hstack([X, Y, Z])
    eps = cKDTree(J).query(J, k=k + 1, p=np.inf)[0][:, -1]
    if Z.shape[1] == 0:
        nx = _count_strictly_within(X, eps)
        ny = _count_strictly_within(Y, eps)
        return float(digamma(k) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1)))
    nxz = _count_strictly_within(np.hstack([X, Z]), eps)
    nyz = _count_strictly_within(np.hstack([Y, Z]), eps)
    nz = _count_strictly_within(Z, eps)
    return float(digamma(k) - np.mean(digamma(nxz + 1) + digamma(nyz + 1) - digamma(nz + 1)))


# ---------------------------------------------------------------------------
# surrogates


class _Surrogates:
    """Null distributions of CMI values: analytic chi-square draws or shuffled data."""

    def __init__(self, kind, emb, rng, block_size, est=None):
        self.kind, self.emb, self.rng, self.block_size = kind, emb, rng, block_size
        self.est = est

    def _perms(self, n_perm):
        n = self.emb.n
        if self.kind == "permutation":
            return self.rng.permuted(np.broadcast_to(np.arange(n), (n_perm, n)), axis=1)
        b = self.block_size
        starts = np.arange(0, n, b)
        out = np.empty((n_perm, n), dtype=np.intp)
        for i in range(n_perm):
            order = self.rng.permutation(starts.size)
            out[i] = np.concatenate([np.arange(starts[j], min(starts[j] + b, n)) for j in order])
        return out

    def test(self, stat, y, cands, cond, n_perm, alpha, reduce="max", dim=1):
        """Test ``stat`` against the column ``reduce`` ("max"/"min") of the surrogate table.

        ``cands`` is a list of column groups (each a list of columns, jointly
        shuffled); ``dim`` is the group size for the analytic null.  Returns
        IDTxl's (significant, p-value).
        """
        if self.kind == "analytic":
            # A surrogate is JIDT's computeEstimateForGivenPValue(u), the chi2(dim) quantile at
            # 1 - u over 2n; it decreases in u, so "surrogate >= stat" is "u <= sf(2n stat)"
            # and the column max (min) is the surrogate of the column min (max) of u.
            u = self.rng.random((len(cands), n_perm))
            u = u.min(axis=0) if reduce == "max" else u.max(axis=0)
            return _pvalue_u(u, self._sf(stat, dim), alpha)
        table = self._data_table(y, cands, cond, n_perm)
        dist = table.max(axis=0) if reduce == "max" else table.min(axis=0)
        return _pvalue(stat, dist, alpha)

    def sequential(self, stats, y, cols, full, n_perm, alpha):
        """IDTxl's sequential maximum statistic for scalar candidates ``cols``."""
        order = np.argsort(stats, kind="stable")[::-1]
        sign = np.zeros(stats.size, dtype=bool)
        pval = np.ones(stats.size)
        if self.kind == "analytic":
            u = np.sort(self.rng.random((len(cols), n_perm)), axis=0)  # rank r: r-th largest
            for rank, j in enumerate(order):
                sign[j], pval[j] = _pvalue_u(u[rank], self._sf(stats[j], 1), alpha)
                if not sign[j]:
                    break
            return sign, pval
        table = np.vstack([self._data_table(y, [[c]], [f for f in full if f != c], n_perm)
                           for c in cols])
        dist = -np.sort(-table, axis=0)  # each column descending
        for rank, j in enumerate(order):
            sign[j], pval[j] = _pvalue(stats[j], dist[rank], alpha)
            if not sign[j]:
                break
        return sign, pval

    def _sf(self, stat, dim):
        return chdtrc(dim, 2.0 * self.emb.n * stat)

    def _data_table(self, y, cands, cond, n_perm):
        if isinstance(self.est, _KsgCMI):
            E = self.emb.E
            out = np.empty((len(cands), n_perm))
            for i, group in enumerate(cands):
                for j, perm in enumerate(self._perms(n_perm)):
                    out[i, j] = self.est.values(E[np.ix_(perm, group)], y, cond)
            return out
        E = self.emb.E
        yv = E[:, y]
        if cond:
            Q = qr(E[:, cond], mode="economic")[0]
            yr = yv - Q @ (Q.T @ yv)
        else:
            Q = np.zeros((self.emb.n, 0))
            yr = yv
        ryy = yr @ yr
        out = np.empty((len(cands), n_perm))
        for i, group in enumerate(cands):
            S = E[:, group]
            SP = S[self._perms(n_perm)]  # (P, n, d)
            a = np.einsum("pnd,n->pd", SP, yr)
            B = np.einsum("pnd,nk->pkd", SP, Q)
            M = (S.T @ S)[None] - np.einsum("pkd,pke->pde", B, B)
            quad = np.einsum("pd,pd->p", a, np.linalg.solve(M, a[..., None])[..., 0])
            out[i] = 0.5 * np.log(ryy / np.maximum(ryy - quad, 1e-300 * ryy))
        return out


def _pvalue(stat, dist, alpha):
    """IDTxl's one-sided surrogate p-value (never below 1/n_perm) and its decision."""
    return _pvalue_count(np.count_nonzero(dist >= stat), dist.size, alpha)


def _pvalue_u(u, threshold, alpha):
    """The same p-value for analytic surrogates given by their uniforms ``u``."""
    return _pvalue_count(np.count_nonzero(u <= threshold), u.size, alpha)


def _pvalue_count(count, n_perm, alpha):
    p = count / n_perm
    if p == 0:
        p = 1.0 / n_perm
    return bool(p < alpha), float(p)


# ---------------------------------------------------------------------------
# one target


class _Cancelled(Exception):
    pass


def _analyse_target(emb, target, sources, s, rng, stop=None):
    """The four steps of IDTxl's ``MultivariateTE.analyse_single_target`` for one target."""
    est = _GaussianCMI(emb) if s["estimator"] == "gaussian" else _KsgCMI(emb, s["ksg_neighbours"])
    col = emb.col
    y = col((target, 0))
    surr = _Surrogates(s["surrogates"], emb, rng, s["block_size"], est)

    def check_stop():
        if stop is not None and stop.is_set():
            raise _Cancelled

    sel_t, sel_s = [], []  # selected (process, lag) variables

    def full_cols():
        return [col(v) for v in sel_t + sel_s]

    def include(cands, sel):
        while cands:
            check_stop()
            cond = full_cols()
            ccols = [col(v) for v in cands]
            te = est.each(y, ccols, cond)
            i = int(np.argmax(te))
            sig, _ = surr.test(te[i], y, [[c] for c in ccols], cond, s["n_perm_max_stat"],
                               s["alpha_max_stat"], "max")
            if not sig:
                return
            sel.append(cands.pop(i))

    # (1) target past
    tlags = list(range(1, s["max_lag_target"] + 1, s["tau_target"]))
    include([(target, lag) for lag in tlags], sel_t)
    if not sel_t:
        sel_t.append((target, 1))
    # (2) source past
    slags = list(range(s["min_lag_sources"], s["max_lag_sources"] + 1, s["tau_sources"]))
    include([(p, lag) for p in sources for lag in slags], sel_s)
    # (3) pruning by the minimum statistic
    if len(sel_s) > 1:
        while sel_s:
            check_stop()
            full = full_cols()
            te = np.array([est.drop(y, full, [col(v)]) for v in sel_s])
            i = int(np.argmin(te))
            cond = [c for c in full if c != col(sel_s[i])]
            sig, _ = surr.test(te[i], y, [[col(v)] for v in sel_s], cond, s["n_perm_min_stat"],
                               s["alpha_min_stat"], "min")
            if sig:
                break
            sel_s.pop(i)
    # (4) omnibus and sequential maximum statistic
    if not sel_s:
        return TargetResult(target, list(sources), sel_t, [], None, None, None, None, False, None)
    check_stop()
    tcols, scols = [col(v) for v in sel_t], [col(v) for v in sel_s]
    omni = est.drop(y, tcols + scols, scols)
    omni_sig, omni_p = surr.test(omni, y, [scols], tcols, s["n_perm_omnibus"],
                                 s["alpha_omnibus"], "max", dim=len(scols))
    if not omni_sig:
        return TargetResult(target, list(sources), sel_t, [], None, None, float(omni), omni_p,
                            False, None)
    check_stop()
    full = full_cols()
    stat = np.array([est.drop(y, full, [c]) for c in scols])
    sign, pval = surr.sequential(stat, y, scols, full, s["n_perm_max_seq"], s["alpha_max_seq"])
    keep = np.flatnonzero(sign)
    sel_s = [sel_s[j] for j in keep]
    stat, pval = stat[keep], pval[keep]
    full = [col(v) for v in sel_t + sel_s]
    procs = np.unique([v[0] for v in sel_s]).astype(np.intp)
    te_link = np.array([est.drop(y, full, [col(v) for v in sel_s if v[0] == p])
                        for p in procs])
    return TargetResult(target, list(sources), sel_t, sel_s, stat, pval, float(omni), omni_p,
                        True, te_link, procs)


# ---------------------------------------------------------------------------
# FDR at the target level (IDTxl's stats.network_fdr, correct_by_target=True)


def _network_fdr(results, alpha, constant, n_perm_omnibus):
    targets = sorted(results)
    m = len(targets)
    p = np.array([1.0 if results[t].omnibus_pval is None else results[t].omnibus_pval
                  for t in targets])
    c_m = 1.0 if constant == 1 else float(np.sum(1.0 / np.arange(1, m + 1)))
    min_thresh = alpha / (m * c_m)
    if 1.0 / n_perm_omnibus > min_thresh:
        return None  # too few permutations for the correction (IDTxl returns uncorrected)
    order = np.argsort(p, kind="stable")
    below = p[order] <= alpha * np.arange(1, m + 1) / (m * c_m)
    k = np.flatnonzero(below).max() + 1 if below.any() else 0
    sign = np.zeros(m, dtype=bool)
    sign[order[:k]] = True
    return {t: (results[t] if sign[i] else results[t]._dropped()) for i, t in enumerate(targets)}


# ---------------------------------------------------------------------------
# public entry point


def _target_seeds(seed, n):
    """One independent SeedSequence per process index, the same for any n_jobs/targets."""
    if isinstance(seed, np.random.Generator):
        entropy = int(seed.integers(0, 2**63 - 1))
    else:
        rng = check_random_state(seed)
        entropy = int(rng.integers(0, 2**63 - 1))
    return [np.random.SeedSequence(entropy, spawn_key=(t,)) for t in range(n)]


def network_inference(ts, *, max_lag_sources: int = 5, min_lag_sources: int = 1,
                      max_lag_target: int | None = None, tau_sources: int = 1,
                      tau_target: int = 1, estimator: str = "gaussian",
                      ksg_neighbours: int = 4, surrogates: str | None = None,
                      block_size: int | None = None,
                      n_perm_max_stat: int = 200, n_perm_min_stat: int = 500,
                      n_perm_omnibus: int = 500, n_perm_max_seq: int = 500,
                      alpha_max_stat: float = 0.05, alpha_min_stat: float = 0.05,
                      alpha_omnibus: float = 0.05, alpha_max_seq: float = 0.05,
                      fdr_correction: bool = True, alpha_fdr: float = 0.05,
                      fdr_constant: int = 2, targets="all", sources="all", seed=None,
                      n_jobs=None, client=None, progress=False) -> NetworkInferenceResult:
    """Infer the effective network of ``ts`` with multivariate transfer entropy.

    IDTxl's ``MultivariateTE().analyse_network`` with the same settings and
    defaults (see the module docstring for the algorithm).

    Parameters
    ----------
    ts : (n_timepoints, n_processes) array
    max_lag_sources, min_lag_sources : int
        Source samples searched: lags ``min_lag_sources..max_lag_sources`` (step
        ``tau_sources``).  IDTxl requires both; 5 and 1 here.
    max_lag_target : int, optional
        Target-past search depth (lags ``1..max_lag_target``, step ``tau_target``);
        default ``max_lag_sources``.
    estimator : {"gaussian", "ksg"}
        Closed-form Gaussian CMI, or the KSG nearest-neighbour estimator
        (algorithm 1, ``ksg_neighbours`` neighbours, max-norm, on z-scored
        series as IDTxl's default ``Data(normalise=True)``; no noise is added:
        IDTxl's ``noise_level=0``).  Nats.
    surrogates : {"analytic", "permutation", "block"}, optional
        Null distributions (see module docstring); default ``"analytic"`` for
        the Gaussian estimator, ``"permutation"`` for KSG (which has no analytic
        null).  ``block_size`` realisations per block for ``"block"`` (default
        ``n // 10``).
    n_perm_* , alpha_* : int, float
        Surrogates and critical level of each test (IDTxl's names and defaults);
        ``1 / n_perm`` must be below ``alpha``.
    fdr_correction, alpha_fdr, fdr_constant
        Target-level FDR over the omnibus p-values (Genovese 2002; constant 1:
        Benjamini-Hochberg, 2: Benjamini-Yekutieli), skipped, as in IDTxl, when
        ``1 / n_perm_omnibus`` exceeds the smallest threshold.
    targets : "all" or list of int
    sources : "all", list of int (for every target) or list of lists (per target)
    seed : None, int or Generator
        Each target draws from its own stream derived from ``seed``: same seed,
        same network, for any ``n_jobs``, ``client`` or subset of ``targets``.
    n_jobs : int, optional
        Targets analysed in parallel threads (scikit-learn semantics).
    client : dask.distributed.Client, optional
        Analyse the targets as tasks on this Dask cluster instead.
    progress : bool or callable
        ``True`` prints one line per finished target to stderr; a callable gets
        ``(n_done, n_targets, target)``.

    Returns
    -------
    NetworkInferenceResult
    """
    X = check_timeseries(ts, "ts", min_timepoints=3)
    T, N = X.shape
    if N < 2:
        raise ValueError(f"ts must have at least 2 processes (columns), got {N}")
    reject_constant(X, "ts", "a constant process has no transfer entropy", rtol=1e-12)
    check_choice(estimator, "estimator", ("gaussian", "ksg"))
    if surrogates is None:
        surrogates = "analytic" if estimator == "gaussian" else "permutation"
    check_choice(surrogates, "surrogates", _SURROGATES)
    if estimator == "ksg" and surrogates == "analytic":
        raise ValueError("surrogates='analytic' needs estimator='gaussian'; the KSG estimator "
                         "has no analytic null: use 'permutation' or 'block'")
    ksg_neighbours = check_int(ksg_neighbours, "ksg_neighbours", min_value=1)
    max_lag_sources = check_int(max_lag_sources, "max_lag_sources", min_value=1)
    min_lag_sources = check_int(min_lag_sources, "min_lag_sources", min_value=1)
    if min_lag_sources > max_lag_sources:
        raise ValueError(f"min_lag_sources ({min_lag_sources}) must be <= max_lag_sources "
                         f"({max_lag_sources})")
    if max_lag_target is None:
        max_lag_target = max_lag_sources
    max_lag_target = check_int(max_lag_target, "max_lag_target", min_value=1)
    tau_sources = check_int(tau_sources, "tau_sources", min_value=1, max_value=max_lag_sources)
    tau_target = check_int(tau_target, "tau_target", min_value=1, max_value=max_lag_target)
    L = max(max_lag_sources, max_lag_target)
    n = T - L
    if n < 10:
        raise ValueError(f"ts has {T} time points; with a maximum lag of {L} that leaves {n} "
                         "realisations, need at least 10")
    s = {"max_lag_sources": max_lag_sources, "min_lag_sources": min_lag_sources,
         "max_lag_target": max_lag_target, "tau_sources": tau_sources, "tau_target": tau_target,
         "estimator": estimator, "surrogates": surrogates, "ksg_neighbours": ksg_neighbours}
    tests = {"max_stat": (n_perm_max_stat, alpha_max_stat),
             "min_stat": (n_perm_min_stat, alpha_min_stat),
             "omnibus": (n_perm_omnibus, alpha_omnibus),
             "max_seq": (n_perm_max_seq, alpha_max_seq)}
    for test, (n_perm, alpha) in tests.items():
        n_perm = check_int(n_perm, f"n_perm_{test}", min_value=1)
        alpha = check_float(alpha, f"alpha_{test}", min_value=0, max_value=1, strict_min=True)
        if not 1.0 / n_perm < alpha:
            raise ValueError(f"n_perm_{test}={n_perm} is too small for alpha_{test}={alpha}: "
                             "the smallest p-value is 1/n_perm, which must be below alpha")
        s[f"n_perm_{test}"], s[f"alpha_{test}"] = n_perm, alpha
    if surrogates == "block":
        block_size = n // 10 if block_size is None else block_size
        block_size = check_int(block_size, "block_size", min_value=1, max_value=n // 2)
    s["block_size"] = block_size
    s["fdr_correction"] = check_bool(fdr_correction, "fdr_correction")
    s["alpha_fdr"] = check_float(alpha_fdr, "alpha_fdr", min_value=0, max_value=1,
                                 strict_min=True)
    s["fdr_constant"] = int(check_choice(fdr_constant, "fdr_constant", (1, 2)))
    target_list, source_lists = _check_targets_sources(targets, sources, N)
    if not (progress is True or progress is False or callable(progress)):
        raise TypeError(f"progress must be True, False or a callable, got {progress!r}")
    n_jobs = check_n_jobs(n_jobs)
    check_memory(8.0 * (n + N * (L + 1)) * N * (L + 1) * 2, "the embedded series and covariance")

    if estimator == "ksg":
        X = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)  # IDTxl's Data(normalise=True)
    emb = _Embedding(X, L)
    seeds = _target_seeds(seed, N)
    total = len(target_list)
    report = _progress_reporter(progress, total)
    if client is not None:
        results = _run_dask(client, emb, target_list, source_lists, s, seeds, report)
    else:
        results = _run_threads(emb, target_list, source_lists, s, seeds, n_jobs, report)
    fdr = None
    if s["fdr_correction"]:
        fdr = _network_fdr(results, s["alpha_fdr"], s["fdr_constant"], s["n_perm_omnibus"])
    return NetworkInferenceResult(N, n, results, fdr, s)


def _check_targets_sources(targets, sources, N):
    if isinstance(targets, str):
        check_choice(targets, "targets", ("all",))
        targets = list(range(N))
    targets = [check_int(t, "targets", min_value=0, max_value=N - 1) for t in targets]
    if not targets or len(set(targets)) != len(targets):
        raise ValueError("targets must be a non-empty list of distinct process indices")
    if isinstance(sources, str):
        check_choice(sources, "sources", ("all",))
        per = [[p for p in range(N) if p != t] for t in targets]
    elif len(sources) and all(isinstance(x, (list, tuple, np.ndarray)) for x in sources):
        if len(sources) != len(targets):
            raise ValueError(f"sources has {len(sources)} lists for {len(targets)} targets")
        per = [list(x) for x in sources]
    else:
        per = [list(sources) for _ in targets]
    out = []
    for t, lst in zip(targets, per):
        lst = [check_int(p, "sources", min_value=0, max_value=N - 1) for p in lst]
        if not lst:
            raise ValueError(f"sources for target {t} is empty")
        if t in lst:
            raise ValueError(f"target {t} is in its own source list {lst}")
        out.append(lst)
    return targets, out


def _progress_reporter(progress, total):
    if progress is True:
        def report(done, target):
            print(f"network_inference: target {target} done ({done}/{total})", file=sys.stderr,
                  flush=True)
        return report
    if callable(progress):
        return lambda done, target: progress(done, total, target)
    return None


def _run_one(emb, target, sources, s, seedseq, stop=None):
    return _analyse_target(emb, target, sources, s, np.random.default_rng(seedseq), stop)


def _run_threads(emb, targets, sources, s, seeds, n_jobs, report):
    results = {}
    if n_jobs == 1 or len(targets) == 1:
        with limit_blas(1):  # small matrices: BLAS threads only cost
            for i, (t, src) in enumerate(zip(targets, sources)):
                results[t] = _run_one(emb, t, src, s, seeds[t])
                if report:
                    report(i + 1, t)
        return results
    stop = threading.Event()
    with limit_blas(1), ThreadPoolExecutor(max_workers=n_jobs) as pool:
        futs = {pool.submit(_run_one, emb, t, src, s, seeds[t], stop): t
                for t, src in zip(targets, sources)}
        pending = set(futs)
        try:
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for f in done:
                    results[futs[f]] = f.result()
                    if report:
                        report(len(results), futs[f])
        except BaseException:
            stop.set()
            for f in pending:
                f.cancel()
            raise
    return {t: results[t] for t in targets}


def _run_dask(client, emb, targets, sources, s, seeds, report):
    remote = client.scatter(emb, broadcast=True)
    futs = [client.submit(_run_one, remote, t, src, s, seeds[t], pure=False)
            for t, src in zip(targets, sources)]
    results = {}
    try:
        from dask.distributed import as_completed
        for i, f in enumerate(as_completed(futs)):
            r = f.result()
            results[r.target] = r
            if report:
                report(i + 1, r.target)
    except BaseException:
        client.cancel(futs)
        raise
    return {t: results[t] for t in targets}


# ---------------------------------------------------------------------------
# test networks


def var_network(n_processes: int = 10, n_timepoints: int = 10000, *, in_degree: float = 3.0,
                self_coupling: float = 0.5, total_cross_coupling: float = 0.4,
                max_lag: int = 5, noise_std: float = 1.0, seed=None):
    """A random linear VAR network of the kind used by Novelli et al. (2019).

    Directed Erdős–Rényi links (probability ``in_degree / (N - 1)``); each link
    has a lag drawn uniformly from ``1..max_lag``; every process has a lag-1
    self-coupling ``self_coupling`` and its incoming cross-couplings share
    ``total_cross_coupling`` equally.  Networks whose companion matrix has
    spectral radius ``>= 1`` are redrawn.

    Returns
    -------
    ts : (n_timepoints, N) ndarray
    adjacency : (N, N) bool ndarray, ``[source, target]``
    lags : (N, N) int ndarray, the lag of each link (0 where none)
    """
    N = check_int(n_processes, "n_processes", min_value=2)
    T = check_int(n_timepoints, "n_timepoints", min_value=1)
    max_lag = check_int(max_lag, "max_lag", min_value=1)
    rng = check_random_state(seed)
    p = check_float(in_degree, "in_degree", min_value=0) / (N - 1)
    for _ in range(1000):
        adj = (rng.random((N, N)) < p) & ~np.eye(N, dtype=bool)
        lags = np.where(adj, rng.integers(1, max_lag + 1, size=(N, N)), 0)
        A = np.zeros((max_lag, N, N))  # A[lag-1][target, source]
        A[0][np.arange(N), np.arange(N)] = self_coupling
        k_in = adj.sum(axis=0)
        for s_, t_ in zip(*np.nonzero(adj)):
            A[lags[s_, t_] - 1][t_, s_] += total_cross_coupling / k_in[t_]
        comp = np.zeros((N * max_lag, N * max_lag))
        comp[:N] = np.hstack(list(A))
        comp[N:, :-N] = np.eye(N * (max_lag - 1))
        if np.max(np.abs(np.linalg.eigvals(comp))) < 1:
            break
    else:  # pragma: no cover - unreachable for the documented parameter ranges
        raise ValueError("could not draw a stationary VAR network with these couplings")
    burn = 500
    x = np.zeros((T + burn + max_lag, N))
    noise = rng.standard_normal((T + burn + max_lag, N)) * noise_std
    for t in range(max_lag, x.shape[0]):
        acc = noise[t].copy()
        for lag in range(1, max_lag + 1):
            acc += A[lag - 1] @ x[t - lag]
        x[t] = acc
    return x[burn + max_lag:], adj, lags

