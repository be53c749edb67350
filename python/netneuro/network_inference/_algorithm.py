"""Surrogate tests and the per-target greedy algorithm (IDTxl's MultivariateTE steps)."""

from __future__ import annotations

import numpy as np

from ._estimators import _DiscreteCMI, _GaussianCMI, _KsgCMI
from ._results import TargetResult


class _Surrogates:
    """Null distributions of CMI values: analytic chi-square draws or shuffled data."""

    def __init__(self, kind, emb, rng, block_size, est=None):
        self.kind, self.emb, self.rng, self.block_size = kind, emb, rng, block_size
        self.est = _GaussianCMI(emb) if est is None else est

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

    def test(self, stat, y, cands, cond, n_perm, alpha, reduce="max"):
        """Test ``stat`` against the column ``reduce`` ("max"/"min") of the surrogate table.

        ``cands`` is a list of column groups (each a list of columns, jointly
        shuffled; all groups of one size).  Returns IDTxl's (significant, p-value).
        """
        if self.kind == "analytic":
            # A surrogate is JIDT's computeEstimateForGivenPValue(u), the chi2(dim) quantile at
            # 1 - u over 2n; it decreases in u, so "surrogate >= stat" is "u <= sf(2n stat)"
            # and the column max (min) is the surrogate of the column min (max) of u.
            u = self.rng.random((len(cands), n_perm))
            u = u.min(axis=0) if reduce == "max" else u.max(axis=0)
            return _pvalue_u(u, self._sf(stat, len(cands[0]), len(cond)), alpha)
        return _decide(stat, self._data_table(y, cands, cond, n_perm), alpha, reduce)

    def each_and_test(self, y, cands, cond, n_perm, alpha):
        """Inclusion step: CMI of each scalar column of ``cands`` given ``cond``, the best one's
        maximum-statistic test -> (values, index of the best, significant).

        KSG with data surrogates: the estimates and all surrogates in one kernel call
        (each candidate's identity permutation first); the same draws and values as
        ``each`` followed by ``test``.
        """
        if self.kind == "analytic" or not isinstance(self.est, _KsgCMI):
            te = self.est.each(y, cands, cond)
            i = int(np.argmax(te))
            sig, _ = self.test(te[i], y, [[c] for c in cands], cond, n_perm, alpha, "max")
            return te, i, sig
        ident = np.arange(self.emb.n)[None]
        perms = [np.concatenate([ident, self._perms(n_perm)]) for _ in cands]
        out = self.est.surrogate_table([[c] for c in cands], perms, y, cond)
        te = out[:, 0]
        i = int(np.argmax(te))
        sig, _ = _decide(te[i], out[:, 1:], alpha, "max")
        return te, i, sig

    def sequential(self, stats, y, cols, full, n_perm, alpha):
        """IDTxl's sequential maximum statistic for scalar candidates ``cols``."""
        order = np.argsort(stats, kind="stable")[::-1]
        sign = np.zeros(stats.size, dtype=bool)
        pval = np.ones(stats.size)
        if self.kind == "analytic":
            u = np.sort(self.rng.random((len(cols), n_perm)), axis=0)  # rank r: r-th largest
            for rank, j in enumerate(order):
                sign[j], pval[j] = _pvalue_u(u[rank], self._sf(stats[j], 1, len(full) - 1), alpha)
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

    def _sf(self, stat, d_cand, d_cond):
        """P(null >= stat) of JIDT's chi-square null (``dof`` and scale from the estimator)."""
        from scipy.special import chdtrc  # on first use: importing netneuro stays light

        dof = self.est.dof(d_cand, d_cond)
        return chdtrc(dof, 2.0 * self.emb.n * stat * self.est.stat_scale)

    def _data_table(self, y, cands, cond, n_perm):
        if not isinstance(self.est, _GaussianCMI):
            return self.est.surrogate_table(cands, [self._perms(n_perm) for _ in cands], y, cond)
        E = self.emb.E
        yv = E[:, y]
        if cond:
            from scipy.linalg import qr

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


def _decide(stat, table, alpha, reduce):
    """Test ``stat`` against the column maxima (minima) of a surrogate ``table`` (cands, P)."""
    return _pvalue(stat, table.max(axis=0) if reduce == "max" else table.min(axis=0), alpha)


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
    """IDTxl's ``analyse_single_target`` of ``s["algorithm"]`` for one target.

    Multivariate TE: target past, source past (all sources jointly), pruning,
    omnibus and sequential maximum statistic.  The MI algorithms skip the
    target past; the bivariate ones include, prune and test the samples of
    each source conditioned on the target past and that source's own samples
    only (IDTxl's ``NetworkInferenceBivariate``).
    """
    if s["estimator"] == "gaussian":
        est = _GaussianCMI(emb)
    elif s["estimator"] == "ksg":
        est = _KsgCMI(emb, s["ksg_neighbours"], s.get("kernel_threads", 1))
    else:
        est = _DiscreteCMI(emb, s["n_bins"])
    measure, approach = s["algorithm"].split("_")[1], s["algorithm"].split("_")[0]
    col = emb.col
    y = col((target, 0))
    surr = _Surrogates(s["surrogates"], emb, rng, s["block_size"], est)

    def check_stop():
        if stop is not None and stop.is_set():
            raise _Cancelled

    sel_t, sel_s = [], []  # selected (process, lag) variables

    def cols(vs):
        return [col(v) for v in vs]

    def include(cands, sel, base):
        """Greedy inclusion into ``sel`` conditioned on ``base`` + what ``sel`` gains here."""
        gained = []
        while cands:
            check_stop()
            te, i, sig = surr.each_and_test(y, cols(cands), cols(base + gained),
                                            s["n_perm_max_stat"], s["alpha_max_stat"])
            if not sig:
                return
            gained.append(cands.pop(i))
            sel.append(gained[-1])

    def prune(group, base):
        """Minimum statistic over ``group`` given ``base``; removes from ``sel_s`` too."""
        while group:
            check_stop()
            full = cols(base + group)
            te = np.array([est.drop(y, full, [col(v)]) for v in group])
            i = int(np.argmin(te))
            cond = [c for c in full if c != col(group[i])]
            sig, _ = surr.test(te[i], y, [[col(v)] for v in group], cond, s["n_perm_min_stat"],
                               s["alpha_min_stat"], "min")
            if sig:
                return
            sel_s.remove(group.pop(i))

    # (1) target past (TE only)
    if measure == "te":
        tlags = list(range(1, s["max_lag_target"] + 1, s["tau_target"]))
        include([(target, lag) for lag in tlags], sel_t, [])
        if not sel_t:
            sel_t.append((target, 1))
    # (2) source past, (3) pruning by the minimum statistic
    slags = list(range(s["min_lag_sources"], s["max_lag_sources"] + 1, s["tau_sources"]))
    if approach == "multivariate":
        include([(p, lag) for p in sources for lag in slags], sel_s, sel_t)
        if len(sel_s) > 1:
            prune(list(sel_s), sel_t)
    else:
        for p in sources:
            include([(p, lag) for lag in slags], sel_s, sel_t)
        for p in np.unique([v[0] for v in sel_s]):
            group = [v for v in sel_s if v[0] == p]
            if len(group) > 1:
                prune(group, sel_t)
    # (4) omnibus and sequential maximum statistic
    if not sel_s:
        return TargetResult(target, list(sources), sel_t, [], None, None, None, None, False, None)
    check_stop()
    tcols, scols = cols(sel_t), cols(sel_s)
    omni = est.drop(y, tcols + scols, scols)
    omni_sig, omni_p = surr.test(omni, y, [scols], tcols, s["n_perm_omnibus"],
                                 s["alpha_omnibus"], "max")
    if not omni_sig:
        return TargetResult(target, list(sources), sel_t, [], None, None, float(omni), omni_p,
                            False, None)
    check_stop()
    if approach == "multivariate":
        groups = [list(range(len(sel_s)))]
    else:
        groups = [[j for j, v in enumerate(sel_s) if v[0] == p]
                  for p in np.unique([v[0] for v in sel_s])]
    stat, sign, pval = np.zeros(len(sel_s)), np.zeros(len(sel_s), bool), np.ones(len(sel_s))
    for g in groups:
        full = tcols + [scols[j] for j in g]
        stat[g] = [est.drop(y, full, [scols[j]]) for j in g]
        sign[g], pval[g] = surr.sequential(stat[g], y, [scols[j] for j in g], full,
                                           s["n_perm_max_seq"], s["alpha_max_seq"])
    keep = np.flatnonzero(sign)
    sel_s = [sel_s[j] for j in keep]
    stat, pval = stat[keep], pval[keep]
    procs = np.unique([v[0] for v in sel_s]).astype(np.intp)
    te_link = np.empty(procs.size)
    for i, p in enumerate(procs):
        pcols = [col(v) for v in sel_s if v[0] == p]
        # conditioning: all selected samples (multivariate), the target past (bivariate)
        full = cols(sel_t + sel_s) if approach == "multivariate" else tcols + pcols
        te_link[i] = est.drop(y, full, pcols)
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
