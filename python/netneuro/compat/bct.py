"""bctpy-compatible names for the measures netneuro computes.

``from netneuro.compat import bct`` then ``bct.clustering_coef_wu(W)`` etc.:
same signatures, return conventions **and values** as bctpy 0.6 (``import
bct``) for the functions below (tests/test_graph_compat.py compares each with
bctpy to 1e-12).  That includes bctpy's conventions where netneuro's own
:mod:`netneuro.graph` differs:

* self-loops (a non-zero diagonal, e.g. a correlation matrix) are counted as
  bctpy counts them (netneuro.graph ignores the diagonal);
* signed weights are accepted where bctpy computes with them (strengths,
  degrees, clustering, transitivity, participation, modularity, thresholds);
* a directed matrix given to an ``_und``/``_wu`` function gives bctpy's
  answer (column sums for strengths and degrees, row-wise formulas elsewhere).

Plain input (finite, non-negative, symmetric, zero diagonal) goes to the
compiled core through :mod:`netneuro.graph`; other input is computed with
bctpy's formulas in NumPy.  Input must be a finite square matrix.  Refused
(``ValueError``), where bctpy's result is not meaningful: negative weights in
``efficiency_wei`` (negative lengths).  Only functions whose bctpy results we
reproduce are offered; anything else should be taken from bctpy itself.
"""

from __future__ import annotations

import numpy as np

from .. import generate, graph

__all__ = [
    "clustering_coef_wu",
    "transitivity_wu",
    "strengths_und",
    "degrees_und",
    "efficiency_wei",
    "participation_coef",
    "threshold_absolute",
    "threshold_proportional",
    "community_louvain",
    "modularity_und",
    "randmio_und",
]


def _matrix(W, name):
    """A finite float64 square matrix (not copied when it already is one)."""
    arr = np.asarray(W)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a real numeric matrix, got dtype {arr.dtype}")
    arr = arr.astype(np.float64, copy=False)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square matrix (N, N), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def _plain(W, symmetric=True):
    """Whether netneuro.graph's conventions give bctpy's answer for ``W``."""
    return (not np.any(np.diagonal(W)) and not (W.size and W.min() < 0)
            and (not symmetric or np.array_equal(W, W.T)))


def _unit(W):
    """Weights in [0, 1] (netneuro.graph warns about Onnela clustering of larger ones)."""
    return not (W.size and W.max() > 1)


def _cuberoot(x):
    return np.sign(x) * np.abs(x) ** (1 / 3)


def _cycles(W):
    """bctpy's weighted 3-cycles per node (self-loops and signs included)."""
    ws = _cuberoot(W)
    return np.diag(ws @ (ws @ ws))


def _codes(ci, n, name):
    """Community labels of any sortable kind -> 0..K-1 codes, as bctpy's ``np.unique``."""
    ci = np.asarray(ci)
    if ci.ndim != 1 or ci.shape[0] != n:
        raise ValueError(f"{name} must be a 1-D array of {n} community labels, got shape "
                         f"{ci.shape}")
    return np.unique(ci, return_inverse=True)[1].reshape(-1)


def clustering_coef_wu(W):
    """Onnela weighted clustering per node (bctpy ``clustering_coef_wu``)."""
    W = _matrix(W, "W")
    if _plain(W) and _unit(W):
        return graph.clustering(W)
    K = (W != 0).sum(axis=1).astype(np.float64)
    cyc3 = _cycles(W)
    K[cyc3 == 0] = np.inf
    return cyc3 / (K * (K - 1))


def transitivity_wu(W):
    """Weighted transitivity (bctpy ``transitivity_wu``; nan without any node of degree >= 2)."""
    W = _matrix(W, "W")
    K = (W != 0).sum(axis=1).astype(np.float64)
    den = np.sum(K * (K - 1))
    if den == 0:
        return np.nan
    if _plain(W) and _unit(W):
        return graph.transitivity(W)
    return np.sum(_cycles(W)) / den


def strengths_und(CIJ):
    """Node strengths (bctpy ``strengths_und``: column sums, diagonal and signs included)."""
    W = _matrix(CIJ, "CIJ")
    if _plain(W):
        return graph.strength(W)
    return W.sum(axis=0)


def degrees_und(CIJ):
    """Node degrees (bctpy ``degrees_und``: non-zeros per column, diagonal included; float64)."""
    W = _matrix(CIJ, "CIJ")
    if _plain(W):
        return graph.degree(W)
    return (W != 0).sum(axis=0).astype(np.float64)


def _inverse_distances(L):
    """bctpy's ``distance_inv_wei`` of a length matrix (0 = no edge): 1/d, 0 on the diagonal."""
    D = graph.shortest_path_lengths(L, transform=None)
    np.fill_diagonal(D, 1.0)
    E = 1.0 / D
    np.fill_diagonal(E, 0.0)
    return E


def efficiency_wei(Gw, local=False):
    """Global (scalar) or local (per node) weighted efficiency with lengths 1/w (bctpy).

    ``local``: False/'global', True/'local' (Wang et al. 2016, bctpy's
    recommended variant) or 'original' (Rubinov & Sporns 2010), each as bctpy
    computes it (directed input symmetrised as bctpy does, self-loops among the
    neighbours).  Negative weights are refused (they would be negative lengths).
    """
    if local not in (True, False, "local", "global", "original"):
        raise ValueError(f"local must be True, False, 'local', 'global' or 'original', "
                         f"got {local!r}")
    W = _matrix(Gw, "Gw")
    if W.size and W.min() < 0:
        raise ValueError(f"Gw must be non-negative for efficiency_wei (found {W.min()}): a "
                         "negative weight is a negative length, for which shortest paths are "
                         "not defined")
    if local == "original":
        original = True
    elif local in (True, "local"):
        original = False
    else:
        return graph.global_efficiency(W) if W.shape[0] > 1 else np.nan
    if not original and _plain(W):
        return graph.local_efficiency(W)
    n = W.shape[0]
    Gl = np.zeros_like(W)
    nz = W != 0
    Gl[nz] = 1.0 / W[nz]
    A = nz.astype(np.int64)
    if not original:
        Gl = _cuberoot(Gl)
    E = np.zeros(n)
    for u in range(n):
        V = np.flatnonzero(nz[u] | nz[:, u])
        if V.size < 2:
            continue  # no pair of neighbours: bctpy's numerator is 0
        sw = _cuberoot(W[u, V]) + _cuberoot(W[V, u])
        e = _inverse_distances(Gl[np.ix_(V, V)])
        se = _cuberoot(e) + _cuberoot(e.T) if original else e + e.T
        numer = np.sum(np.outer(sw, sw) * se) / 2
        if numer != 0:
            sa = A[u, V] + A[V, u]
            E[u] = numer / (np.sum(sa) ** 2 - np.sum(sa * sa))
    return E


def participation_coef(W, ci, degree="undirected"):
    """Participation coefficient (bctpy ``participation_coef``); ``degree='in'`` uses W.T."""
    if degree not in ("undirected", "in", "out"):
        raise ValueError(f"degree must be 'undirected', 'in' or 'out', got {degree!r}")
    W = _matrix(W, "W")
    if degree == "in":
        W = W.T
    labels = _codes(ci, W.shape[0], "ci")
    if _plain(W, symmetric=False):
        return graph.participation_coefficient(W, labels)
    onehot = np.zeros((W.shape[0], labels.max() + 1))
    onehot[np.arange(W.shape[0]), labels] = 1.0
    Ko = W.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        P = 1.0 - np.sum((W @ onehot) ** 2, axis=1) / Ko ** 2
    P[Ko == 0] = 0.0
    return P


def threshold_absolute(W, thr, copy=True):
    """Zero weights below ``thr`` and the diagonal (bctpy; in place when ``copy=False``)."""
    out = graph.threshold_absolute(W, thr)
    return _result(W, out, copy, "W")


def threshold_proportional(W, p, copy=True):
    """Keep the proportion ``p`` of strongest weights (bctpy, same tie-breaking).

    In place when ``copy=False`` (``W`` must then be a float or integer NumPy array).
    """
    out = graph.threshold_proportional(W, p, ties="bct")
    return _result(W, out, copy, "W")


def _result(W, out, copy, name):
    if copy:
        return out
    if not isinstance(W, np.ndarray):
        raise TypeError(f"copy=False needs {name} to be a NumPy array (modified in place)")
    W[...] = out
    return W


def community_louvain(W, gamma=1, ci=None, B="modularity", seed=None):
    """Louvain communities ``(ci, Q)`` with 1-based labels as bctpy returns them.

    Only ``B='modularity'`` and ``ci=None`` are supported (ValueError otherwise).
    The partition comes from netneuro's Louvain (a different random stream
    from bctpy's: equal quality, not the same labels for a given seed).
    """
    if B != "modularity" or ci is not None:
        raise ValueError("only B='modularity' without an initial partition ci is supported")
    labels, q = graph.community_louvain(W, gamma=gamma, seed=seed)
    return labels + 1, q


def _spectral_modules(B):
    """bctpy's recursive leading-eigenvector bisection of the modularity matrix ``B``.

    Reproduces bctpy 0.6 step for step, including its fine-tuning loop, which
    keeps following the array it flips (so a partition ends as it started, at
    most with its sides swapped; MATLAB BCT keeps the best copy instead).
    """
    from scipy.linalg import eigh

    modules = []

    def recur(module):
        size = len(module)
        modmat = B[module][:, module]  # (bctpy's memory layout: same rounding)
        modmat -= np.diag(np.sum(modmat, axis=0))
        vals, vecs = eigh(modmat)
        lead = vecs[:, np.flatnonzero(vals == np.max(vals))[0]]
        s = (lead >= 0) * 2 - 1
        q = s @ (modmat @ s)
        if not q > 0:
            modules.append(module)
            return
        qmax = q
        np.fill_diagonal(modmat, 0)
        free = np.ones(size, dtype=bool)
        s_iter = s.copy()
        while free.any():
            q_iter = np.where(free, qmax - 4 * s_iter * (modmat @ s_iter), -np.inf)
            qmax = np.max(q_iter)
            imax = int(np.argmax(q_iter))
            s_iter[imax] *= -1
            free[imax] = False
            if qmax > q:
                q = qmax
                s = s_iter
        if abs(np.sum(s)) == size:
            modules.append(module)
            return
        recur(module[s == 1])
        recur(module[s == -1])

    recur(np.arange(B.shape[0]))
    ci = np.zeros(B.shape[0], dtype=np.int64)
    for c, module in enumerate(modules):
        ci[module] = c + 1
    return ci


def modularity_und(A, gamma=1, kci=None):
    """Modularity ``(kci, Q)`` (bctpy ``modularity_und``).

    With a partition ``kci``: its modularity.  Without: bctpy's deterministic
    spectral partition (Newman 2006, recursive bisection by the leading
    eigenvector; labels 1..K) and its modularity.
    """
    W = _matrix(A, "A")
    k = W.sum(axis=0)
    m = k.sum()
    if m == 0:
        raise ValueError("A has no edges (its weights sum to 0); modularity is undefined")
    if kci is None:
        ci = _spectral_modules(W - gamma * np.outer(k, k) / m)
    else:
        ci = kci
    labels = _codes(ci, W.shape[0], "kci")
    if _plain(W):
        return ci, graph.modularity(W, labels, gamma=gamma)
    same = labels[:, None] == labels[None, :]
    q = np.sum(same * (W - gamma * np.outer(k, k) / m) / m)
    return ci, q


def randmio_und(R, itr, seed=None):
    """Maslov-Sneppen rewiring ``(R_random, n_swaps)`` with ``itr`` swaps per edge.

    Degrees preserved exactly, weights move with their edges.  Same model as
    bctpy's ``randmio_und`` (not the same random stream); see
    :func:`netneuro.generate.randomize_degree_preserving`.
    """
    return generate.randomize_degree_preserving(R, n_iter=itr, seed=seed, return_n_swaps=True)
