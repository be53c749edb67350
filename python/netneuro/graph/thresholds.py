"""Thresholding of weighted connectomes (absolute, proportional, MST + kNN)."""

from __future__ import annotations

import numpy as np

from .._validation import (
    check_choice,
    check_float,
    check_int,
)
from ._checks import _graph

# ---------------------------------------------------------------------------
# thresholding


def threshold_absolute(W, thr: float):
    """Zero every weight below ``thr`` and the diagonal (``bct.threshold_absolute``).

    ``(N, N)`` or ``(S, N, N)``; returns a new array.  Negative weights are
    allowed (they fall below any non-negative threshold).
    """
    thr = check_float(thr, "thr")
    W = _graph(W, signed=True, copy=True)
    W[W < thr] = 0.0
    return W


def _teachers_round(x: float) -> int:
    """Round half away from zero (MATLAB's round), as BCT does."""
    return int(np.floor(x + 0.5)) if x >= 0 else -int(np.floor(-x + 0.5))


def threshold_proportional(W, p: float, *, ties: str = "stable"):
    """Keep the proportion ``p`` of strongest weights (``bct.threshold_proportional``).

    The number of kept edges is ``round((N^2 - N) p)`` (half of that pairs for a
    symmetric matrix, symmetry kept), counted over all off-diagonal entries
    whether zero or not; the diagonal is zeroed.  Ties at the cut:
    ``ties="stable"`` keeps the earlier entry (row-major order, stable sort);
    ``ties="bct"`` reproduces bctpy, which takes NumPy's default (unstable)
    ``argsort`` of the values, reversed (the kept entries among equal weights
    then depend on NumPy's sort implementation).  ``(N, N)`` -> ``(N, N)``;
    ``p`` in ``[0, 1]``.
    """
    p = check_float(p, "p", min_value=0.0, max_value=1.0)
    check_choice(ties, "ties", ("stable", "bct"))
    W = _graph(W, batch=False, signed=True)
    n = W.shape[0]
    sym = np.allclose(W, W.T)
    if sym:
        mask = np.triu(np.ones((n, n), dtype=bool), 1)
        ud = 2
    else:
        mask = ~np.eye(n, dtype=bool)
        ud = 1
    rows, cols = np.nonzero(mask & (W != 0))
    vals = W[rows, cols]
    order = np.argsort(-vals, kind="stable") if ties == "stable" else np.argsort(vals)[::-1]
    en = _teachers_round((n * n - n) * p / ud)
    out = np.zeros_like(W)
    keep = order[:en]
    out[rows[keep], cols[keep]] = vals[keep]
    if sym:
        out = out + out.T
    return out


def threshold_mst_knn(W, k: int = 0):
    """Minimum spanning tree plus k nearest neighbours (Alexander-Bloch et al. 2010).

    Keeps the edges of a maximum-weight spanning tree (a minimum spanning tree
    on lengths 1/w; a spanning forest if ``W`` is disconnected) and, for every
    node, its ``k`` strongest edges; the result is symmetric and keeps the
    original weights.  Guarantees a connected backbone when ``W`` is
    connected.  ``W`` symmetric non-negative ``(N, N)`` -> ``(N, N)``.
    """
    from scipy.sparse.csgraph import minimum_spanning_tree

    W = _graph(W, batch=False, symmetric=True)
    n = W.shape[0]
    k = check_int(k, "k", min_value=0, max_value=max(n - 1, 0))
    L = np.zeros_like(W)
    nz = W > 0
    L[nz] = 1.0 / W[nz]
    T = minimum_spanning_tree(L).toarray() > 0
    keep = T | T.T
    if k > 0:
        order = np.argsort(-W, axis=1, kind="stable")[:, :k]
        knn = np.zeros_like(keep)
        knn[np.arange(n)[:, None], order] = True
        knn &= nz
        keep |= knn | knn.T
    return np.where(keep, W, 0.0)


