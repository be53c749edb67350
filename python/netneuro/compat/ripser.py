"""Drop-in replacement for ripser.py's ``ripser`` function.

``from netneuro.compat.ripser import ripser`` gives the signature and the
returned dictionary of ripser.py (``dgms``, ``cocycles``, ``num_edges``,
``dperm2all``, ``idx_perm``, ``r_cover``), computed by netneuro's engine in
float32 exactly as ripser.py computes, so diagrams are bit-identical.

Not supported: a distance matrix with a nonzero diagonal (ripser.py's vertex
birth times) raises ``NotImplementedError``.
"""

from __future__ import annotations

import warnings

import numpy as np

from .. import topology as _topo
from .._validation import check_int

__all__ = ["ripser"]


def _pairwise(X, metric):
    try:  # the distances ripser.py itself uses (bitwise-identical float32 rounding)
        from sklearn.metrics import pairwise_distances as skpd

        return skpd(X, metric=metric)
    except ImportError:  # pragma: no cover - sklearn absent
        from ..distance import pairwise_distances

        return pairwise_distances(X, metric=metric)


def _greedy_perm(X, n_perm, distance_matrix, metric):
    """Farthest-point (greedy) permutation started at point 0."""
    n = X.shape[0]
    idx_perm = np.zeros(n_perm, dtype=np.int64)
    lambdas = np.zeros(n_perm)
    if distance_matrix:
        def row(i):
            return np.asarray(X[i, :], dtype=np.float64).ravel()
    else:
        def row(i):
            ds = _cross(X, X[i:i + 1, :], metric).ravel()
            ds[i] = 0
            return ds
    ds = row(0)
    rows = [ds]
    for i in range(1, n_perm):
        idx = int(np.argmax(ds))
        idx_perm[i] = idx
        lambdas[i - 1] = ds[idx]
        rows.append(row(idx))
        ds = np.minimum(ds, rows[-1])
    lambdas[-1] = np.max(ds) if n else 0.0
    return idx_perm, lambdas, np.array(rows)


def _cross(A, B, metric):
    try:
        from sklearn.metrics import pairwise_distances as skpd

        return skpd(A, B, metric=metric)
    except ImportError:  # pragma: no cover
        from ..distance import pairwise_distances

        return pairwise_distances(A, B, metric=metric)


def _sparse_route(dm, maxdim, thresh, coeff):
    import scipy.sparse as sp

    from .._validation import check_prime

    maxdim = check_int(maxdim, "maxdim", min_value=0, max_value=_topo._MAXDIM_LIMIT)
    coeff = check_prime(coeff, "coeff")
    A = sp.coo_matrix(dm)
    n = A.shape[0]
    data = np.asarray(A.data, dtype=np.float32)
    if np.isnan(data).any():
        raise ValueError("X must not contain NaN")
    row, col = A.row.astype(np.int64), A.col.astype(np.int64)
    births = np.zeros(n, dtype=np.float32)
    diag = row == col
    births[row[diag]] = data[diag]
    up = (row < col) & (data <= np.float32(thresh))
    if (data[up] < 0).any():
        raise ValueError("X must hold non-negative distances")
    r, c, v = row[up], col[up], data[up]
    csr = sp.csr_matrix((np.concatenate([v, v]), (np.concatenate([r, c]), np.concatenate([c, r]))),
                        shape=(n, n))
    csr.sort_indices()
    lower_degree = np.bincount(np.maximum(r, c), minlength=n)
    _topo._guard(n, maxdim, lower_degree, len(v), 4)
    data = (n, csr.indptr.astype(np.int64), csr.indices.astype(np.int64),
            np.ascontiguousarray(csr.data, dtype=np.float32))
    return "sparse", data, births, maxdim, coeff


def ripser(X, maxdim=1, thresh=np.inf, coeff=2, distance_matrix=False, do_cocycles=False,
           metric="euclidean", n_perm=None):
    """Persistence diagrams of ``X`` with ripser.py's interface and output.

    Returns a dict with ``dgms`` (list of ``(n_i, 2)`` arrays in ripser.py's
    order), ``cocycles`` (per dimension, one ``(k, dim + 2)`` int64 array of
    vertices and coefficient per class, when ``do_cocycles``), ``num_edges``,
    ``dperm2all``, ``idx_perm`` and ``r_cover``.
    """
    import scipy.sparse as sp

    maxdim = check_int(maxdim, "maxdim", min_value=0)
    is_sparse = sp.issparse(X)
    if not is_sparse:
        X = np.asarray(X)
    if distance_matrix:
        if X.shape[0] != X.shape[1]:
            raise ValueError("Distance matrix is not square")
    else:
        if X.shape[0] == X.shape[1]:
            warnings.warn("The input matrix is square, but the distance_matrix flag is off.  "
                          "Did you mean to indicate that this was a distance matrix?")
        elif X.shape[0] < X.shape[1]:
            warnings.warn("The input point cloud has more columns than rows; "
                          "did you mean to transpose?")
    if n_perm and distance_matrix and is_sparse:
        raise ValueError("Greedy permutation is not supported for sparse distance matrices")
    if n_perm and n_perm > X.shape[0]:
        raise ValueError("Number of points in greedy permutation is greater than number of "
                         "points in the point cloud")
    if n_perm and n_perm < 0:
        raise ValueError("Should be a strictly positive number of points in the greedy "
                         "permutation")

    idx_perm = np.arange(X.shape[0])
    r_cover = 0.0
    doing_permutation = False
    if n_perm and n_perm < X.shape[0]:
        doing_permutation = True
        idx_perm, lambdas, dperm2all = _greedy_perm(X, n_perm, distance_matrix, metric)
        r_cover = lambdas[-1]
        dm = dperm2all[:, idx_perm]
    else:
        if distance_matrix:
            dm = X
        else:
            dm = _pairwise(X, metric)
        dperm2all = dm

    thresh = float(thresh)
    births = None
    if sp.issparse(dm) or np.any(np.abs(np.diagonal(np.asarray(dm))) > 0):
        # ripser.py's sparse route: entries above the diagonal are the edges,
        # diagonal entries are vertex birth times (only dimension 0 uses them).
        kind, data, births, maxdim, coeff = _sparse_route(dm, maxdim, thresh, coeff)
        thr, dt = thresh, np.dtype(np.float32)
    else:
        D = np.asarray(dm)
        kind, data, thr, maxdim, coeff, n_jobs, dt = _topo._prepare(
            D, maxdim, None, "precomputed", coeff, 1, np.float32, name="X")
        # ripser.py truncates at the enclosing radius when thresh is inf (same
        # diagrams); num_edges counts the edges below the threshold used.
        if np.isfinite(thresh):
            thr = float(np.float32(thresh))
    dgms, num_edges, cocycles = _topo._run(kind, data, thr, maxdim, coeff, 1, dt,
                                           cocycles=bool(do_cocycles), births=births)
    out_cocycles = []
    if do_cocycles:
        for d, lst in enumerate(cocycles):
            cur = []
            if d >= 1:
                for c in lst:
                    c = np.array(c, dtype=np.int64)
                    c[:, -1] = np.mod(c[:, -1], coeff)
                    if doing_permutation:
                        c[:, :-1] = idx_perm[c[:, :-1]]
                    cur.append(c)
            out_cocycles.append(cur)
    else:
        out_cocycles = [[] for _ in range(maxdim + 1)]
    return {
        "dgms": dgms,
        "cocycles": out_cocycles,
        "num_edges": int(num_edges),
        "dperm2all": dperm2all,
        "idx_perm": idx_perm,
        "r_cover": r_cover,
    }

