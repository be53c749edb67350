"""Drop-in replacement for ripser.py's public API: ``ripser``, ``Rips``,
``lower_star_img`` and ``correlation_to_distance``.

``from netneuro.compat.ripser import ripser, Rips`` gives the signatures and
the returned dictionary of ripser.py 0.6 (``dgms``, ``cocycles``,
``num_edges``, ``dperm2all``, ``idx_perm``, ``r_cover``), computed by
:func:`netneuro.topology.flag_persistence` in float32 as ripser.py computes,
so diagrams, their order and the cocycles are bit-identical.  ripser.py's
reading of its input is kept:

- a dense distance matrix is read from its upper triangle (the lower one is
  ignored, so non-symmetric input is accepted);
- a dense matrix with a nonzero diagonal goes the sparse way (the diagonal
  holds vertex birth times; zero entries off the diagonal are no edges);
- a sparse matrix: entries ``(i, j)`` with ``i < j`` are the edges (the lower
  triangle is ignored), diagonal entries are vertex birth times, and an edge
  stored more than once takes its smallest value, as ripser.py's neighbour
  lists do; negative values (lower-star filtrations) are allowed.

NaN anywhere ripser.py would read it is refused (ripser.py's result would
depend on where the NaN lies).  This module uses netneuro's public API only.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..topology import flag_persistence

__all__ = ["ripser", "Rips", "lower_star_img", "correlation_to_distance"]


def _pairwise(X, metric, Y=None):
    # the distances ripser.py itself uses (bitwise-identical float32 rounding)
    try:
        from sklearn.metrics import pairwise_distances as skpd
    except ImportError:  # pragma: no cover - sklearn absent
        from ..distance import pairwise_distances

        return pairwise_distances(X, Y, metric=metric)
    return skpd(X, Y, metric=metric)


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
            ds = _pairwise(X, metric, X[i:i + 1, :]).ravel()
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


def _no_nan(values, what="X"):
    if np.isnan(values).any():
        raise ValueError(f"{what} must not contain NaN")


def _sparse_route(dm, maxdim, thresh, coeff, do_cocycles):
    """ripser.py's sparse reading (see the module docstring)."""
    import scipy.sparse as sp

    coo = dm.tocoo()
    n = coo.shape[0]
    order = np.lexsort((coo.col, coo.row))  # ripser.py's order (the last diagonal entry wins)
    row = coo.row[order].astype(np.int64)
    col = coo.col[order].astype(np.int64)
    val = np.asarray(coo.data[order], dtype=np.float32)
    thr32 = np.float32(thresh)
    diag = row == col
    up = (row < col) & (val <= thr32)
    _no_nan(val[diag | (row < col)])
    births = np.zeros(n, dtype=np.float32)
    births[row[diag]] = val[diag]
    r, c, v = row[up], col[up], val[up]
    num_edges = int(up.sum())  # ripser.py counts an edge stored twice twice
    # One value per edge: the smallest (ripser.py's neighbour lists meet the
    # smallest first).
    o = np.lexsort((v, c, r))
    r, c, v = r[o], c[o], v[o]
    first = np.ones(len(r), dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    r, c, v = r[first], c[first], v[first]
    S = sp.csr_matrix((np.concatenate([v, v]).astype(np.float64),
                       (np.concatenate([r, c]), np.concatenate([c, r]))), shape=(n, n))
    res = flag_persistence(S, maxdim, births=births, coeff=coeff, dtype=np.float32,
                           return_cocycles=do_cocycles, collapse_edges=False, sort=False,
                           full_output=True)
    return res, num_edges


def _dense_route(dm, maxdim, thresh, coeff, do_cocycles):
    """ripser.py's dense reading: the upper triangle, threshold = the
    enclosing radius when ``thresh`` is infinite."""
    D = np.asarray(dm, dtype=np.float64)
    n = D.shape[0]
    iu = np.triu_indices(n, 1)
    _no_nan(D[iu])
    if not np.array_equal(D, D.T):  # symmetrise from the upper triangle, as ripser.py reads
        U = np.triu(D, 1)
        D = U + U.T
    threshold = None if np.isinf(thresh) and thresh > 0 else float(np.float32(thresh))
    res = flag_persistence(D, maxdim, threshold=threshold, coeff=coeff, dtype=np.float32,
                           return_cocycles=do_cocycles, collapse_edges=False, sort=False,
                           full_output=True)
    return res, res.num_edges


def ripser(X, maxdim=1, thresh=np.inf, coeff=2, distance_matrix=False, do_cocycles=False,
           metric="euclidean", n_perm=None):
    """Persistence diagrams of ``X`` with ripser.py's interface and output.

    Returns a dict with ``dgms`` (list of ``(n_i, 2)`` arrays in ripser.py's
    order), ``cocycles`` (per dimension, one ``(k, dim + 2)`` int64 array of
    vertices and coefficient per class, when ``do_cocycles``), ``num_edges``,
    ``dperm2all``, ``idx_perm`` and ``r_cover``.
    """
    import scipy.sparse as sp

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
        dm = X if distance_matrix else _pairwise(X, metric)
        dperm2all = dm

    thresh = float(thresh)
    if not sp.issparse(dm) and np.any(np.abs(np.diagonal(np.asarray(dm))) > 0):
        dm = sp.coo_matrix(dm)  # vertex birth times: ripser.py's sparse route
    if sp.issparse(dm):
        res, num_edges = _sparse_route(dm, maxdim, thresh, coeff, bool(do_cocycles))
    else:
        res, num_edges = _dense_route(dm, maxdim, thresh, coeff, bool(do_cocycles))
    if do_cocycles:
        out_cocycles = []
        for lst in res.cocycles:
            cur = []
            for c in lst:
                c = np.array(c, dtype=np.int64)
                if doing_permutation:
                    c[:, :-1] = idx_perm[c[:, :-1]]
                cur.append(c)
            out_cocycles.append(cur)
    else:
        out_cocycles = [[] for _ in range(len(res.dgms))]
    return {
        "dgms": res.dgms,
        "cocycles": out_cocycles,
        "num_edges": int(num_edges),
        "dperm2all": dperm2all,
        "idx_perm": idx_perm,
        "r_cover": r_cover,
    }


def correlation_to_distance(C, check_input=True):
    """ripser.py's map of a correlation matrix to distances ``sqrt(2 (1 - C))``.

    ``C`` is an ``(n, n)`` symmetric correlation matrix; the result is an
    ``(n, n)`` float64 distance matrix in ``[0, 2]`` with a zero diagonal.
    With ``check_input`` (ripser.py's checks and messages): ``ValueError`` for
    input that is not 2-D, not square, not symmetric (to 1e-5) or outside
    ``[-1.05, 1.05]``; ``RuntimeWarning`` for values slightly outside
    ``[-1, 1]`` (they are clipped) or a diagonal more than 1e-3 away from 1.
    """
    C = np.asarray(C, dtype=float)
    if check_input:
        if C.ndim != 2:
            raise ValueError(f"Input must be a 2D matrix, got a {C.ndim}D array instead.")
        if C.shape[0] != C.shape[1]:
            raise ValueError(f"Matrix must be square (n x n), got shape {C.shape}.")
        if not np.allclose(C, C.T, rtol=1e-5, atol=1e-5):
            raise ValueError("Matrix must be symmetric; C_ij must equal C_ji")
        if np.any((C < -1.05) | (C > 1.05)):
            raise ValueError(
                "Values are significantly outside the valid correlation bounds [-1,1]. "
                "Ensure you are passing a correlation matrix, not a covariance or raw data "
                "matrix.")
        if np.any((C < -1.0) | (C > 1.0)):
            warnings.warn("Some values are slightly outside the valid correlation bounds "
                          "[-1,1]. For floating-point precision, these values have been "
                          "clipped.", RuntimeWarning, stacklevel=2)
        if not np.allclose(np.diag(C), 1.0, atol=1e-3):
            warnings.warn("The matrix diagonal elements deviate from 1.0. Ensure this is a "
                          "correlation matrix.", RuntimeWarning, stacklevel=2)
    D = 2.0 * (1.0 - np.clip(C, -1.0, 1.0))
    np.sqrt(D, out=D)
    np.fill_diagonal(D, 0.0)
    return D


def lower_star_img(img):
    """0-dimensional diagram of the lower-star (sublevel set) filtration of an image.

    ``img`` is an ``(M, N)`` single-channel image; pixels are vertices born at
    their value, joined to their 8 neighbours by edges at the larger of the two
    values (ripser.py's construction).  Returns the ``(K, 2)`` diagram of
    dimension 0, as ripser.py's ``lower_star_img``.
    """
    import scipy.sparse as sp

    img = np.asarray(img, dtype=np.float64)
    if img.ndim != 2:
        raise ValueError(f"img must be a 2-D (M, N) image, got shape {img.shape}")
    m, n = img.shape
    idx = np.arange(m * n).reshape(m, n)
    rows, cols, vals = [idx.ravel()], [idx.ravel()], [img.ravel()]
    for di, dj in ((0, 1), (1, -1), (1, 0), (1, 1)):  # each neighbour pair once, i < j
        a = (slice(0, m - di), slice(max(-dj, 0), n - max(dj, 0)))
        b = (slice(di, m), slice(max(dj, 0), n - max(-dj, 0)))
        rows.append(idx[a].ravel())
        cols.append(idx[b].ravel())
        vals.append(np.maximum(img[a], img[b]).ravel())
    dm = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                       shape=(m * n, m * n))
    return ripser(dm, distance_matrix=True, maxdim=0)["dgms"][0]


class Rips:
    """ripser.py's scikit-learn style transformer: ``Rips(...).fit_transform(X)``.

    Same constructor arguments, methods and attributes as ``ripser.Rips``
    (``dgms_``, ``cocycles_``, ``dperm2all_``, ``num_edges_``, ``idx_perm_``,
    ``r_cover_``, ``metric_``); ``verbose=True`` prints the parameters as
    ripser.py does.
    """

    def __init__(self, maxdim=1, thresh=np.inf, coeff=2, do_cocycles=False, n_perm=None,
                 verbose=True):
        self.maxdim = maxdim
        self.thresh = thresh
        self.coeff = coeff
        self.do_cocycles = do_cocycles
        self.n_perm = n_perm
        self.verbose = verbose
        self.dgms_ = None
        self.cocycles_ = None
        self.dperm2all_ = None
        self.metric_ = None
        self.num_edges_ = None
        self.idx_perm_ = None
        self.r_cover_ = 0.0
        if self.verbose:
            print(f"Rips(maxdim={maxdim}, thresh={thresh}, coeff={coeff}, "
                  f"do_cocycles={do_cocycles}, n_perm = {n_perm}, verbose={verbose})")

    def transform(self, X, distance_matrix=False, metric="euclidean"):
        """Compute the diagrams of ``X`` (as :func:`ripser`) and return ``dgms_``."""
        result = ripser(X, maxdim=self.maxdim, thresh=self.thresh, coeff=self.coeff,
                        do_cocycles=self.do_cocycles, distance_matrix=distance_matrix,
                        metric=metric, n_perm=self.n_perm)
        self.dgms_ = result["dgms"]
        self.num_edges_ = result["num_edges"]
        self.dperm2all_ = result["dperm2all"]
        self.idx_perm_ = result["idx_perm"]
        self.cocycles_ = result["cocycles"]
        self.r_cover_ = result["r_cover"]
        return self.dgms_

    def fit_transform(self, X, distance_matrix=False, metric="euclidean"):
        """Same as :meth:`transform`."""
        self.transform(X, distance_matrix, metric)
        return self.dgms_

    def fit(self, X, y=None, **fit_params):
        """Compute the diagrams (scikit-learn's ``fit``); returns ``self``."""
        self.transform(X, **fit_params)
        return self

    def plot(self, diagrams=None, *args, **kwargs):
        """Plot diagrams (default ``dgms_``): persim.plot_diagrams when persim is
        installed (ripser.py's plot), else :func:`netneuro.plotting.plot_diagram`."""
        if diagrams is None:
            diagrams = self.dgms_
        try:
            import persim
        except ImportError:
            from ..plotting import plot_diagram

            return plot_diagram(diagrams, *args, **kwargs)
        return persim.plot_diagrams(diagrams, *args, **kwargs)
