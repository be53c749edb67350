"""Community structure: modularity, Louvain, participation, rich club."""

from __future__ import annotations

import numpy as np

from .. import _core
from .._validation import (
    check_float,
    check_int,
    check_random_state,
    seed_for_core,
)
from ._checks import _graph, _partition

# ---------------------------------------------------------------------------
# communities


def modularity(W, partition, *, gamma: float = 1.0) -> float:
    """Newman modularity of a given partition of an undirected weighted graph.

    ``Q = (1/2m) sum_ij (W_ij - gamma k_i k_j / 2m) delta(c_i, c_j)`` with
    ``k`` the strengths and ``2m = sum k`` (``bct.modularity_und(W, gamma,
    kci=partition)[1]``).  ``partition``: ``(N,)`` integer labels (any values).
    """
    W = _graph(W, batch=False, symmetric=True)
    gamma = check_float(gamma, "gamma", min_value=0.0)
    ci = _partition(partition, W.shape[0])
    k = W.sum(axis=1)
    m2 = k.sum()
    if m2 == 0:
        raise ValueError("W has no edges; modularity is undefined")
    K = ci.max() + 1
    onehot = np.zeros((W.shape[0], K))
    onehot[np.arange(W.shape[0]), ci] = 1.0
    within = np.einsum("ic,ij,jc->", onehot, W, onehot)
    tot = onehot.T @ k
    return float((within - gamma * np.dot(tot, tot) / m2) / m2)


def community_louvain(W, *, gamma: float = 1.0, seed=None, n_runs: int = 1):
    """Communities by Louvain modularity maximisation (Blondel et al. 2008).

    ``W`` symmetric non-negative ``(N, N)``.  Nodes are visited in a seeded
    random order; with ``n_runs > 1`` the best of that many seeded runs is
    kept.  Returns ``(partition, Q)``: ``(N,)`` int64 labels 0..K-1 (numbered
    by first appearance; bctpy's are 1-based) and the modularity of
    :func:`modularity` with resolution ``gamma``.
    """
    W = _graph(W, batch=False, symmetric=True)
    gamma = check_float(gamma, "gamma", min_value=0.0)
    n_runs = check_int(n_runs, "n_runs", min_value=1)
    rng = check_random_state(seed)
    if W.sum() == 0:
        raise ValueError("W has no edges; communities are undefined")
    best = None
    for _ in range(n_runs):
        labels, q = _core.graph.louvain(W, gamma, seed_for_core(rng))
        if best is None or q > best[1]:
            best = (labels, float(q))
    return best


def participation_coefficient(W, partition):
    """Participation coefficient (Guimerà & Amaral 2005) per node.

    ``P_i = 1 - sum_c (s_ic / s_i)^2`` with ``s_ic`` the strength of ``i``
    towards community ``c``; 0 for isolated nodes (``bct.participation_coef``,
    out-strength for directed matrices).  ``(N, N)`` -> ``(N,)``.
    """
    W = _graph(W, batch=False)
    ci = _partition(partition, W.shape[0])
    K = ci.max() + 1
    onehot = np.zeros((W.shape[0], K))
    onehot[np.arange(W.shape[0]), ci] = 1.0
    s = W.sum(axis=1)
    sc = W @ onehot
    with np.errstate(invalid="ignore", divide="ignore"):
        P = 1.0 - (sc ** 2).sum(axis=1) / s ** 2
    P[s == 0] = 0.0
    return P


def rich_club(W, klevel=None):
    """Weighted rich-club coefficient for degree levels ``1 <= k <= klevel`` (Opsahl et al. 2008).

    ``R(k) = W_k / (sum of the E_k strongest weights of the whole network)``
    where ``W_k`` and ``E_k`` are the total weight and the number of non-zero
    entries among the nodes of degree >= ``k`` (entry ``k - 1`` of the result),
    as BCT's ``rich_club_wu`` (MATLAB).  ``klevel`` defaults to the maximum
    degree.  ``nan`` where no edge is left.  Difference from bctpy 0.6:
    bctpy returns ``nan`` at the levels where no node has been removed yet
    (degree >= k for every node); we return the coefficient there as MATLAB BCT
    does.  ``W`` symmetric ``(N, N)`` -> ``(klevel,)``.
    """
    W = _graph(W, batch=False, symmetric=True)
    deg = (W != 0).sum(axis=0)
    if klevel is None:
        klevel = int(deg.max())
    else:
        klevel = check_int(klevel, "klevel", min_value=1)
    ranked = np.sort(W, axis=None)[::-1]
    R = np.full(klevel, np.nan)
    for k in range(1, klevel + 1):
        keep = deg >= k
        sub = W[np.ix_(keep, keep)]
        Er = np.count_nonzero(sub)
        if Er == 0:
            continue
        R[k - 1] = sub.sum() / ranked[:Er].sum()
    return R


