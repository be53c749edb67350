"""Conditional mutual information on the embedded series: Gaussian (closed form) and KSG."""

from __future__ import annotations

import numpy as np

from .. import _core
from .._validation import check_memory


class _Embedding:
    """Centred embedded realisations ``E`` (n, N*(L+1)) and ``G = E^T E``.

    ``discrete=(n_bins, method)`` also bins each (uncentred) column into ``D``.

    Column ``p * (L + 1) + lag`` holds process ``p`` at ``lag`` samples before
    the current value (lag 0 = the current value); ``n = T - L`` realisations.
    """

    def __init__(self, X, L, discrete=None):
        T, N = X.shape
        self.N, self.L, self.n = N, L, T - L
        cols = np.empty((self.n, N, L + 1))
        for lag in range(L + 1):
            cols[:, :, lag] = X[L - lag:T - lag]
        E = cols.reshape(self.n, N * (L + 1))
        self.E = E - E.mean(axis=0)
        self.G = self.E.T @ self.E
        # binned columns (discrete estimator): of the uncentred values, as IDTxl bins them
        self.D = None if discrete is None else _discretise(E, *discrete)

    def col(self, var):
        return var[0] * (self.L + 1) + var[1]


def _resvar(G, y, cond):
    """Residual sum of squares of column ``y`` regressed on columns ``cond``."""
    if not cond:
        return G[y, y]
    from scipy.linalg import solve_triangular  # on first use: importing netneuro stays light

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
        from scipy.linalg import solve_triangular

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
    stat_scale = 1.0

    def __init__(self, emb):
        self.G = emb.G

    def dof(self, d_cand, d_cond):
        return d_cand

    def each(self, y, cands, cond):
        return _cmi_each(self.G, y, cands, cond)

    def drop(self, y, full, drop):
        return _cmi_drop(self.G, y, full, drop)


class _KsgCMI:
    """KSG (algorithm 1, max-norm; Frenzel & Pompe 2007) CMI in nats on the embedding."""

    analytic = False

    def __init__(self, emb, k, n_jobs=1):
        self.E, self.k, self.n_jobs = emb.E, k, n_jobs

    def _cmi(self, X, y, cond, perms=None, groups=1):
        n = self.E.shape[0]
        perms = np.empty((0, n), np.int64) if perms is None else perms
        q = max(perms.shape[0], groups)
        # the kernel's copies of each estimate's X (three at the peak), its per-row terms and
        # the permutations
        check_memory(8.0 * q * n * (3 * X.shape[1] // groups + 2), "the KSG surrogate estimates",
                     hint="use fewer permutations")
        return _core.infotheory.ksg_cmi_perms(np.ascontiguousarray(X), self.E[:, [y]],
                                              np.ascontiguousarray(self.E[:, list(cond)]),
                                              perms, self.k, self.n_jobs, groups)

    def each(self, y, cands, cond):
        return np.array([self._cmi(self.E[:, [c]], y, cond)[0] for c in cands])

    def drop(self, y, full, drop):
        rest = [c for c in full if c not in set(drop)]
        return float(self._cmi(self.E[:, list(drop)], y, rest)[0])

    def surrogate_table(self, groups, perms, y, cond):
        """CMI of each column group shuffled by each row of its ``perms`` -> (len(groups), P).

        One kernel call: the groups (all of one size) share ``y``, ``cond`` and
        the neighbour structures of those spaces.
        """
        X = self.E[:, [c for g in groups for c in g]]
        P = perms[0].shape[0]
        return self._cmi(X, y, cond, np.ascontiguousarray(np.vstack(perms), np.int64),
                         len(groups)).reshape(len(groups), P)


def _ksg_cmi(X, Y, Z, k, n_jobs=1):
    """KSG estimate (algorithm 1) of I(X; Y | Z), or I(X; Y) when Z has no columns (nats).

    ``psi(k) - <psi(n_xz + 1) + psi(n_yz + 1) - psi(n_z + 1)>`` with counts of
    points strictly closer than the distance to the k-th neighbour in the joint
    space (max-norm), as JIDT's ``...MultiVariateKraskov1`` calculators (C++;
    one estimate: brute force over all pairs).
    """
    c = [np.ascontiguousarray(A, dtype=np.float64) for A in (X, Y, Z)]
    identity = np.empty((0, c[0].shape[0]), np.int64)
    return float(_core.infotheory.ksg_cmi_perms(*c, identity, k, n_jobs)[0])


# ---------------------------------------------------------------------------
# discrete (binned) plug-in estimator, IDTxl's JidtDiscreteCMI


def _discretise(X, n_bins, method):
    """Bin each column of ``X`` (n, m) into ``0..n_bins-1`` as IDTxl's ``idtxl_utils`` does.

    ``"equal"``: ``int((x - min) / ((max - min) / n_bins))``, the maximum in the
    top bin (JIDT's ``MatrixUtils.discretise``); ``"max_ent"``: the symbol is the
    first ``m`` with ``x <= sorted(x)[int((m + 1) n / n_bins) - 1]`` (equal-count
    bins, ``discretiseMaxEntropy``); ``"none"``: the values themselves.
    """
    if method == "none":
        return X.astype(np.intp)
    n = X.shape[0]
    out = np.empty(X.shape, dtype=np.intp)
    for j in range(X.shape[1]):
        a = X[:, j]
        if method == "equal":
            lo = a.min()
            width = (a.max() - lo) / n_bins
            if width == 0:  # a constant column: one symbol
                b = np.zeros(n, dtype=np.intp)
            else:
                b = ((a - lo) / width).astype(np.intp)  # truncation, as int() on x >= 0
                b[b == n_bins] = n_bins - 1
        else:
            cut = np.sort(a)[(np.arange(1, n_bins + 1) * n) // n_bins - 1]
            b = np.searchsorted(cut, a, side="left")  # first m with a <= cut[m]
        out[:, j] = b
    return out


def _joint(D, cols):
    """One symbol per row for the joint state of columns ``cols`` -> (codes, n_symbols).

    Mixed-radix codes, relabelled to ``0..distinct-1`` only when the radix
    product outgrows ``4 n`` (the size of the count arrays).
    """
    n = D.shape[0]
    code, k = np.zeros(n, dtype=np.int64), 1
    for c in cols:
        base = int(D[:, c].max()) + 1
        code, k = code * base + D[:, c], k * base
        if k > 4 * n:
            code = np.unique(code, return_inverse=True)[1].astype(np.int64).reshape(n)
            k = int(code.max()) + 1
    return code, k


def _slogs(code, size):
    c = np.bincount(code, minlength=size)
    c = c[c > 0].astype(float)
    return float(c @ np.log(c))


def _plugin_cmi(x, kx, y, ky, z, kz, n):
    """Plug-in I(x; y | z) in nats from symbol codes (counts ``c``: sum c log c terms)."""
    xz = z * kx + x
    yz = z * ky + y
    return (_slogs(xz * ky + y, kz * kx * ky) + _slogs(z, kz) - _slogs(xz, kz * kx)
            - _slogs(yz, kz * ky)) / n


class _DiscreteCMI:
    """Plug-in CMI (nats) of binned embedded columns ``emb.D`` (IDTxl's JidtDiscreteCMI).

    The analytic null is JIDT's: ``2 n CMI ~ chi2((a^d - 1)(a - 1) a^c)`` for a
    ``d``-column candidate, a scalar target and ``c`` conditioning columns with
    alphabet ``a``, where JIDT applies it to the CMI in bits (``stat_scale``).
    """

    analytic = True
    stat_scale = 1.0 / np.log(2.0)

    def __init__(self, emb, n_bins):
        self.D, self.a, self.n = emb.D, n_bins, emb.D.shape[0]

    def dof(self, d_cand, d_cond):
        return (self.a ** d_cand - 1) * (self.a - 1) * self.a ** d_cond

    def _cmi(self, X, y, cond):
        x, kx = _joint(X, range(X.shape[1]))
        z, kz = _joint(self.D, cond)
        yv = self.D[:, y]
        return _plugin_cmi(x, kx, yv, int(yv.max()) + 1, z, kz, self.n)

    def each(self, y, cands, cond):
        z, kz = _joint(self.D, cond)
        yv = self.D[:, y]
        ky = int(yv.max()) + 1
        return np.array([_plugin_cmi(self.D[:, c], int(self.D[:, c].max()) + 1, yv, ky, z, kz,
                                     self.n) for c in cands])

    def drop(self, y, full, drop):
        rest = [c for c in full if c not in set(drop)]
        return self._cmi(self.D[:, list(drop)], y, rest)

    def surrogate_table(self, groups, perms, y, cond):
        """CMI of each column group shuffled by each row of its ``perms`` -> (len(groups), P)."""
        z, kz = _joint(self.D, cond)
        yv = self.D[:, y]
        ky = int(yv.max()) + 1
        out = []
        for group, pg in zip(groups, perms):
            x, kx = _joint(self.D, group)
            out.append([_plugin_cmi(x[p], kx, yv, ky, z, kz, self.n) for p in pg])
        return np.array(out)
