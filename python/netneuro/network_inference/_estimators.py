"""Conditional mutual information on the embedded series: Gaussian (closed form) and KSG."""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_triangular
from scipy.spatial import cKDTree
from scipy.special import digamma


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
