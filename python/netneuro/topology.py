"""Vietoris–Rips persistent homology, diagram summaries and diagram distances.

Persistence is computed in the compiled core by a Ripser-class engine
(U. Bauer, "Ripser: efficient computation of Vietoris–Rips persistence
barcodes", J. Appl. Comput. Topol. 5, 2021): persistent cohomology with an
implicit coboundary matrix, combinatorial-number-system indexing, clearing,
apparent and emergent pairs, coefficients in Z/p.  A diagram is a list of
``(n_i, 2)`` float64 arrays of ``(birth, death)`` rows, one per dimension
``0..maxdim``, rows sorted by ``(birth, death)``; essential classes have
``death = inf``.  Distances are in the units of the input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import _core
from ._parallel import check_n_jobs
from ._validation import (
    available_memory,
    check_array,
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_memory,
    check_prime,
    check_square,
)
from .distance import METRICS, pairwise_distances

__all__ = [
    "rips",
    "rips_batch",
    "flag_persistence",
    "estimate_memory",
    "RipsResult",
    "betti_curve",
    "persistence_landscape",
    "persistence_image",
    "total_persistence",
    "max_persistence",
    "average_death",
    "bottleneck",
    "wasserstein",
]

_MAXDIM_LIMIT = 32
_DTYPES = {np.dtype(np.float64): "f64", np.dtype(np.float32): "f32"}


# ---------------------------------------------------------------------------
# input handling: Python checks the arguments and the array's shape and
# dtype; one call into the core does the rest (values, symmetry, threshold,
# memory guard, reduction).


def _is_sparse(x) -> bool:
    try:
        import scipy.sparse as sp
    except ImportError:  # pragma: no cover
        return False
    return sp.issparse(x)


def _check_dtype(dtype) -> np.dtype:
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be numpy.float64 or numpy.float32, got {dtype!r}") from None
    if dt not in _DTYPES:
        raise ValueError(f"dtype must be numpy.float64 or numpy.float32, got {dt}")
    return dt


def _csr(X, name: str):
    """(n, indptr, indices, data) of a square sparse matrix: int64 indices
    sorted within rows, float64 values, the caller's matrix untouched.

    Duplicate entries are kept as they are (the core refuses them), never
    summed: a summed distance would silently change the diagram.
    """
    import scipy.sparse as sp

    if X.ndim != 2 or X.shape[0] != X.shape[1]:
        raise ValueError(f"{name} must be square, got shape {X.shape}")
    if X.dtype.kind not in "fiub":
        raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}")
    n = X.shape[0]
    if X.format == "csr":
        A = sp.csr_matrix((np.asarray(X.data, dtype=np.float64), X.indices, X.indptr),
                          shape=X.shape, copy=True)
    else:  # COO -> CSR without summing
        C = X.tocoo(copy=False)
        # scipy's conversion (O(nnz), about 6x faster than sorting) sums
        # duplicates: its result is used only when the entry count shows that
        # there were none, and then it is the unique row-major order
        A = C.tocsr()
        if A.nnz == C.nnz and A.has_sorted_indices:
            return (n, A.indptr.astype(np.int64), A.indices.astype(np.int64),
                    np.asarray(A.data, dtype=np.float64))
        del A  # duplicates: order the entries by (row, column) ourselves
        row, col = C.row.astype(np.int64), C.col.astype(np.int64)
        order = _row_major_order(row, col, n)
        if order is None:
            data = np.asarray(C.data, dtype=np.float64)
        else:
            row, col, data = row[order], col[order], np.asarray(C.data[order], dtype=np.float64)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
        return n, indptr, col, data
    if not A.has_sorted_indices:
        # stable sort of each row by column, duplicates kept (scipy's sort_indices
        # would too, but may sum them in other versions)
        row = np.repeat(np.arange(n, dtype=np.int64), np.diff(A.indptr))
        order = _row_major_order(row, A.indices.astype(np.int64), n)
        if order is not None:
            A = sp.csr_matrix((A.data[order], A.indices[order], A.indptr), shape=A.shape)
    return n, A.indptr.astype(np.int64), A.indices.astype(np.int64), A.data


def _row_major_order(row, col, n: int):
    """The stable order of entries by (row, column), None when already in it
    (``np.lexsort((col, row))``, from one int64 key: about twice as fast)."""
    if n > 3_000_000_000:  # row * n + col would overflow int64
        return np.lexsort((col, row))
    key = row * n + col
    if len(key) < 2 or bool(np.all(key[1:] >= key[:-1])):
        return None
    return np.argsort(key, kind="stable")


def _check_births(births, n: int):
    if births is None:
        return np.zeros(0)
    b = check_array(births, "births", ndim=1)
    if len(b) != n:
        raise ValueError(f"births must have one value per vertex ({n}), got {len(b)}")
    return b


def _sorted(dgm: np.ndarray) -> np.ndarray:
    if len(dgm) == 0:
        return np.zeros((0, 2))
    return np.ascontiguousarray(dgm[np.lexsort((dgm[:, 1], dgm[:, 0]))])


def _memory_available() -> float:
    m = available_memory()
    return float(m) if np.isfinite(m) else float("inf")


def _collapse_choice(collapse_edges, maxdim) -> bool:
    """collapse_edges=None -> collapse when maxdim >= 2 (measured faster there)."""
    if collapse_edges is None:
        return isinstance(maxdim, (int, np.integer)) and maxdim >= 2
    check_bool(collapse_edges, "collapse_edges")
    return bool(collapse_edges)


def _check_args(maxdim, threshold, metric, coeff, n_jobs, dtype, allow_negative=False):
    """Checked (maxdim, threshold, coeff, n_jobs, dtype suffix) of a persistence call."""
    maxdim = check_int(maxdim, "maxdim", min_value=0, max_value=_MAXDIM_LIMIT)
    coeff = check_prime(coeff, "coeff")
    n_jobs = check_n_jobs(n_jobs)
    sfx = _DTYPES[_check_dtype(dtype)]
    check_choice(metric, "metric", METRICS + ("precomputed",))
    if threshold is not None:
        threshold = check_float(threshold, "threshold",
                                min_value=None if allow_negative else 0.0, allow_inf=True)
    return maxdim, threshold, coeff, n_jobs, sfx


def _core_call(X, maxdim, threshold, metric, coeff, n_jobs, dtype, *, cocycles=False,
               births=None, collapse=False, allow_negative=False, estimate_only=False,
               name="X"):
    """One validated call into the core -> (dgms, num_edges, cocycles, threshold, bytes)."""
    maxdim, threshold, coeff, n_jobs, sfx = _check_args(maxdim, threshold, metric, coeff, n_jobs,
                                                        dtype, allow_negative)
    tp = _core.topology
    common = dict(maxdim=maxdim, threshold=threshold, modulus=coeff, n_threads=n_jobs,
                  cocycles=cocycles, collapse=collapse, name=name,
                  available=_memory_available(), estimate_only=estimate_only)
    if _is_sparse(X):
        n, ip, ix, v = _csr(X, name)
        return tp.rips_sparse(n, ip, ix, v, sfx, births=_check_births(births, n),
                              symmetry="check", allow_negative=allow_negative, **common)
    if metric == "precomputed":
        D = check_square(X, name, finite=False)
        return tp.rips_dense(D, sfx, births=_check_births(births, D.shape[0]),
                             symmetry="check", allow_negative=allow_negative, **common)
    X = check_array(X, name, ndim=2)
    n = X.shape[0]
    check_memory((8.0 + (4.0 if sfx == "f32" else 0.0)) * n * n,
                 f"a {n} x {n} distance matrix", hint="use fewer points")
    if births is not None:
        _check_births(births, n)
        D = pairwise_distances(X, metric=metric, n_jobs=n_jobs)
        return tp.rips_dense(D, sfx, births=_check_births(births, n), symmetry="trust",
                             allow_negative=False, **common)
    return tp.rips_points(X, metric, 2.0, sfx, **common)


# ---------------------------------------------------------------------------
# persistence


@dataclass(frozen=True)
class RipsResult:
    """Everything a persistence run reports (``full_output=True``).

    ``dgms``: one ``(n_i, 2)`` float64 array per dimension; ``cocycles``:
    per dimension a list of int64 arrays (``None`` unless asked for);
    ``num_edges``: edges in the filtration (length <= threshold);
    ``threshold``: the threshold used (the enclosing radius by default for
    dense input).
    """

    dgms: list
    cocycles: list | None
    num_edges: int
    threshold: float


def _finish(out, coeff, sort, return_cocycles, full_output):
    dgms, num_edges, cocycles, thr, _ = out
    out_c = None
    if return_cocycles:
        out_c = []
        for d, dgm in enumerate(dgms):
            order = (np.lexsort((dgm[:, 1], dgm[:, 0])) if sort and len(dgm)
                     else np.arange(len(dgm)))
            if d == 0:
                out_c.append([])
                continue
            fixed = []
            for k in order:
                c = np.array(cocycles[d][k], dtype=np.int64)
                c[:, -1] = np.mod(c[:, -1], coeff)
                fixed.append(c)
            out_c.append(fixed)
    if sort:
        dgms = [_sorted(d) for d in dgms]
    if full_output:
        return RipsResult(dgms=dgms, cocycles=out_c, num_edges=int(num_edges), threshold=thr)
    return (dgms, out_c) if return_cocycles else dgms


def rips(X, maxdim: int = 1, *, threshold=None, metric: str = "euclidean", coeff: int = 2,
         n_jobs=None, dtype=np.float64, return_cocycles: bool = False,
         collapse_edges=None, births=None, sort: bool = True, full_output: bool = False):
    """Persistence diagrams of the Vietoris–Rips filtration, dimensions ``0..maxdim``.

    Parameters
    ----------
    X : (n, d) point cloud, (n, n) distance matrix (``metric="precomputed"``;
        symmetric, non-negative, ``inf`` = no edge, diagonal ignored) or a
        scipy.sparse (n, n) matrix of distances (stored entries are the edges;
        symmetric, without duplicate entries).
    maxdim : highest homology dimension (0..32).
    threshold : largest edge length in the filtration (``inf`` allowed).  By
        default the enclosing radius ``min_i max_j d(i, j)`` for dense input
        (the diagrams are then those of the full filtration) and ``inf`` for
        sparse input.
    metric : distance of the point cloud rows (see :mod:`netneuro.distance`).
    coeff : prime p of the coefficient field Z/p.
    n_jobs : threads for the parallel parts (distances, column assembly and
        sorting); diagrams are identical for every value.
    dtype : numpy.float64 (default) or numpy.float32; float32 computes in
        single precision exactly as ripser.py / giotto-ph do.
    return_cocycles : also return a representative cocycle of every class.
    collapse_edges : None (default: True when ``maxdim >= 2``), True or False.
        For ``maxdim >= 1``, first shrink the edge list by the
        filtration-preserving edge collapse of Boissonnat & Pritam (SoCG 2020)
        and Glisse & Pritam (SoCG 2022), then reduce dimensions >= 1 on the
        collapsed graph (dimension 0 always uses all edges).  The diagrams
        are identical either way; the collapse is much faster on dense
        inputs in dimension 2 and up, while for ``maxdim = 1`` the plain
        reduction is usually faster.  When the collapse removes less than
        half of the edges the full filtration is reduced instead.  Ignored
        with ``return_cocycles`` (cocycles come from the full filtration).
    births : optional ``(n,)`` vertex birth times (default 0).  They change
        dimension 0 only (the elder rule keeps the older birth when two
        components merge), as ripser.py's diagonal entries do.
    sort : sort the rows of every diagram by ``(birth, death)`` (default).
        False keeps the engine's order, which is ripser.py's: dimension 0 by
        the edge that merges, then the essential classes; higher dimensions
        by decreasing birth.
    full_output : return a :class:`RipsResult` (diagrams, cocycles, number of
        edges, threshold used) instead.

    Returns
    -------
    list of ``maxdim + 1`` arrays ``(n_i, 2)`` float64, rows ``(birth, death)``
    with ``death > birth``, sorted by ``(birth, death)``; ``death = inf`` for
    essential classes.  With ``return_cocycles``, ``(dgms, cocycles)`` where
    ``cocycles[d][k]`` (d >= 1) is an int64 array ``(r, d + 2)`` of simplices
    (vertices in decreasing order) and their coefficient in ``0..coeff-1``,
    a cocycle representing the class of row k of ``dgms[d]`` (as ripser.py's
    ``do_cocycles``); ``cocycles[0]`` is empty.

    Raises
    ------
    MemoryError when the run would not fit in the memory available (see
    :func:`estimate_memory`).
    """
    check_bool(return_cocycles, "return_cocycles")
    check_bool(sort, "sort")
    check_bool(full_output, "full_output")
    collapse = _collapse_choice(collapse_edges, maxdim)
    out = _core_call(X, maxdim, threshold, metric, coeff, n_jobs, dtype,
                     cocycles=bool(return_cocycles), births=births,
                     collapse=collapse and not return_cocycles)
    return _finish(out, coeff, sort, return_cocycles, full_output)


def flag_persistence(W, maxdim: int = 1, *, births=None, threshold=None, coeff: int = 2,
                     n_jobs=None, dtype=np.float64, return_cocycles: bool = False,
                     collapse_edges=None, sort: bool = True, full_output: bool = False):
    """Persistence of the flag (clique) filtration of a weighted graph.

    As :func:`rips` with ``metric="precomputed"``, but the edge values may be
    any real numbers, negative ones included: lower-star filtrations of
    images and of functions on graphs (edge value ``max(f(u), f(v))``,
    vertex births ``f(v)``) are flag filtrations.

    Parameters
    ----------
    W : (n, n) symmetric matrix of edge values (dense: every off-diagonal
        entry is an edge, ``inf`` = no edge; scipy.sparse: the stored
        off-diagonal entries are the edges, without duplicates).  The
        diagonal is ignored: vertex values go in ``births``.
    births : optional ``(n,)`` vertex values (default 0); they change
        dimension 0 only, as in ripser.py.
    threshold : largest edge value in the filtration; by default the
        enclosing radius ``min_i max_j W[i, j]`` (at least 0) for dense input,
        ``inf`` for sparse input.

    The other parameters and the return value are those of :func:`rips`.
    """
    check_bool(return_cocycles, "return_cocycles")
    check_bool(sort, "sort")
    check_bool(full_output, "full_output")
    collapse = _collapse_choice(collapse_edges, maxdim)
    out = _core_call(W, maxdim, threshold, "precomputed", coeff, n_jobs, dtype,
                     cocycles=bool(return_cocycles), births=births, name="W",
                     collapse=collapse and not return_cocycles, allow_negative=True)
    return _finish(out, coeff, sort, return_cocycles, full_output)


def estimate_memory(X, maxdim: int = 1, *, threshold=None, metric: str = "euclidean",
                    dtype=np.float64, collapse_edges=None) -> float:
    """Estimated peak memory, in bytes, of :func:`rips` on the same arguments.

    Checks the input as :func:`rips` does and counts the edges below the
    threshold, without reducing.  :func:`rips` refuses (``MemoryError``) a run
    whose estimate exceeds the memory available.  The input's own distance
    matrix (``n * n * 8`` bytes for a point cloud) is not included.
    """
    collapse = _collapse_choice(collapse_edges, maxdim)
    out = _core_call(X, maxdim, threshold, metric, 2, None, dtype, collapse=collapse,
                     estimate_only=True)
    return float(out[4])


def rips_batch(Xs, maxdim: int = 1, *, threshold=None, metric: str = "euclidean",
               coeff: int = 2, n_jobs=None, dtype=np.float64,
               collapse_edges=None) -> list[list[np.ndarray]]:
    """:func:`rips` for a cohort: one diagram list per subject.

    ``Xs`` is a list of inputs accepted by :func:`rips` (or a stacked array
    ``(S, n, d)`` / ``(S, n, n)``).  Subjects run in parallel, one per thread
    (``n_jobs`` threads); results do not depend on ``n_jobs``.
    ``collapse_edges`` as in :func:`rips`.
    """
    collapse = _collapse_choice(collapse_edges, maxdim)
    if isinstance(Xs, np.ndarray) and Xs.ndim == 3:
        Xs = [Xs[s] for s in range(Xs.shape[0])]
    if not isinstance(Xs, Sequence) or isinstance(Xs, (str, bytes)):
        raise TypeError(f"Xs must be a list of inputs or a 3-D array, got {type(Xs).__name__}")
    if len(Xs) == 0:
        raise ValueError("Xs is an empty cohort")
    maxdim, threshold, coeff, n_jobs, sfx = _check_args(maxdim, threshold, metric, coeff, n_jobs,
                                                        dtype)
    out: list = [None] * len(Xs)
    mats, names, sym, where = [], [], [], []
    for s, x in enumerate(Xs):
        name = f"Xs[{s}]"
        if _is_sparse(x):
            continue
        if metric == "precomputed":
            mats.append(check_square(x, name, finite=False))
            sym.append("check")
        else:
            mats.append(pairwise_distances(check_array(x, name, ndim=2), metric=metric))
            sym.append("trust")
        names.append(name)
        where.append(s)
    if mats:
        res = _core.topology.rips_dense_batch(mats, names, sfx, maxdim, threshold, coeff,
                                              n_jobs, collapse, sym, _memory_available())
        for s, r in zip(where, res):
            out[s] = [_sorted(d) for d in r[0]]
    for s, x in enumerate(Xs):
        if out[s] is None:
            out[s] = rips(x, maxdim, threshold=threshold, coeff=coeff, n_jobs=n_jobs,
                          dtype=dtype, collapse_edges=collapse)
    return out


# ---------------------------------------------------------------------------
# summaries


def _check_diagram(dgm, name: str = "diagram") -> np.ndarray:
    D = check_array(dgm, name, ndim=2, finite=False, allow_empty=True)
    if D.size == 0:
        return np.zeros((0, 2))
    if D.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2) of (birth, death) rows, got {D.shape}")
    if np.isnan(D).any():
        raise ValueError(f"{name} must not contain NaN")
    if not np.isfinite(D[:, 0]).all():
        raise ValueError(f"{name} births must be finite")
    if (D[:, 1] < D[:, 0]).any():
        raise ValueError(f"{name} must have death >= birth in every row")
    return D


def _finite(D: np.ndarray) -> np.ndarray:
    return D[np.isfinite(D[:, 1])]


def betti_curve(diagram, thresholds) -> np.ndarray:
    """Betti numbers ``beta(t) = #{bars with birth <= t < death}`` at each threshold.

    ``diagram`` ``(n, 2)``; ``thresholds`` ``(m,)``; returns ``(m,)`` int64.
    """
    D = _check_diagram(diagram)
    t = check_array(thresholds, "thresholds", ndim=1, allow_empty=True)
    if len(D) == 0:
        return np.zeros(len(t), dtype=np.int64)
    b = np.sort(D[:, 0])
    d = np.sort(D[:, 1])
    return (np.searchsorted(b, t, side="right") - np.searchsorted(d, t, side="right")).astype(
        np.int64)


def persistence_landscape(diagram, k: int, grid) -> np.ndarray:
    """The first ``k`` persistence landscape functions on ``grid`` (Bubenik 2015).

    ``lambda_j(t)`` = j-th largest of ``max(0, min(t - b, d - t))`` over the
    bars; returns ``(k, len(grid))`` float64.  Essential bars give
    ``max(0, t - b)``.
    """
    D = _check_diagram(diagram)
    k = check_int(k, "k", min_value=1)
    t = check_array(grid, "grid", ndim=1, allow_empty=True)
    out = np.zeros((k, len(t)))
    if len(D) == 0 or len(t) == 0:
        return out
    tent = np.minimum(t[None, :] - D[:, :1], D[:, 1:] - t[None, :])
    tent = np.maximum(tent, 0.0)
    tent = -np.sort(-tent, axis=0)
    m = min(k, len(D))
    out[:m] = tent[:m]
    return out


def persistence_image(diagram, *, birth_range=(0.0, 1.0), pers_range=(0.0, 1.0),
                      pixel_size: float = 0.2, sigma: float = 1.0,
                      weight_power: float = 1.0) -> np.ndarray:
    """Persistence image (Adams et al., JMLR 18, 2017), as persim.PersistenceImager.

    Finite bars become points ``(birth, death - birth)``, weighted by
    ``persistence ** weight_power``, each spread by an isotropic Gaussian of
    variance ``sigma`` integrated over every pixel.  Pixels tile
    ``birth_range x pers_range`` with side ``pixel_size`` (ranges must be
    multiples of it).  Returns ``(n_birth_pixels, n_pers_pixels)`` float64.
    """
    from scipy.special import ndtr

    D = _finite(_check_diagram(diagram))
    pixel_size = check_float(pixel_size, "pixel_size", min_value=0.0, strict_min=True)
    sigma = check_float(sigma, "sigma", min_value=0.0, strict_min=True)
    weight_power = check_float(weight_power, "weight_power", min_value=0.0)
    edges = []
    for name, rg in (("birth_range", birth_range), ("pers_range", pers_range)):
        r = check_array(rg, name, ndim=1)
        if r.shape != (2,) or not r[1] > r[0]:
            raise ValueError(f"{name} must be (low, high) with high > low, got {tuple(rg)}")
        npix = (r[1] - r[0]) / pixel_size
        if abs(npix - round(npix)) > 1e-9 * max(1.0, npix):
            raise ValueError(f"{name} width {r[1] - r[0]} must be a multiple of pixel_size "
                             f"{pixel_size}")
        edges.append(np.linspace(r[0], r[1], int(round(npix)) + 1))
    be, pe = edges
    img = np.zeros((len(be) - 1, len(pe) - 1))
    if len(D) == 0:
        return img
    b = D[:, 0]
    p = D[:, 1] - D[:, 0]
    s = np.sqrt(sigma)
    cb = ndtr((be[None, :] - b[:, None]) / s)
    cp = ndtr((pe[None, :] - p[:, None]) / s)
    wb = np.diff(cb, axis=1) * (p ** weight_power)[:, None]
    wp = np.diff(cp, axis=1)
    return wb.T @ wp


def total_persistence(diagram, p: float = 1.0) -> float:
    """Degree-p total persistence ``sum (death - birth)^p`` over finite bars."""
    D = _finite(_check_diagram(diagram))
    p = check_float(p, "p", min_value=0.0, strict_min=True)
    return float(np.sum((D[:, 1] - D[:, 0]) ** p))


def max_persistence(diagram) -> float:
    """Largest ``death - birth`` over finite bars (0.0 when there are none)."""
    D = _finite(_check_diagram(diagram))
    return float(np.max(D[:, 1] - D[:, 0])) if len(D) else 0.0


def average_death(diagram) -> float:
    """Mean death of the finite bars (NaN when there are none).

    For H0 of a Rips filtration this is the mean merge distance, the summary
    used to tell Trojaned from clean networks.
    """
    D = _finite(_check_diagram(diagram))
    return float(np.mean(D[:, 1])) if len(D) else float("nan")


# ---------------------------------------------------------------------------
# distances between diagrams


def _split(D):
    fin = np.isfinite(D[:, 1])
    return D[fin], np.sort(D[~fin, 0])


def bottleneck(d1, d2) -> float:
    """Exact bottleneck distance between two diagrams (L-infinity ground metric).

    Each point may be matched to the diagonal at cost ``(death - birth) / 2``.
    Essential classes are matched among themselves by birth (distance ``inf``
    if their numbers differ).  Exact: binary search over the candidate values
    with a bipartite matching test.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    A, ea = _split(_check_diagram(d1, "d1"))
    B, eb = _split(_check_diagram(d2, "d2"))
    if len(ea) != len(eb):
        return float("inf")
    ess = float(np.max(np.abs(ea - eb))) if len(ea) else 0.0
    n, m = len(A), len(B)
    if n == 0 and m == 0:
        return ess
    cross = np.maximum(np.abs(A[:, None, 0] - B[None, :, 0]), np.abs(A[:, None, 1] - B[None, :, 1]))
    da = (A[:, 1] - A[:, 0]) / 2
    db = (B[:, 1] - B[:, 0]) / 2
    cand = np.unique(np.concatenate([cross.ravel(), da, db, [0.0]]))

    # rows: A points (n) then diagonal copies of B (m); columns: B points (m) then diagonal copies of A (n)
    def feasible(eps):
        r1, c1 = np.nonzero(cross <= eps)
        ia = np.nonzero(da <= eps)[0]
        jb = np.nonzero(db <= eps)[0]
        rows = [r1, ia, n + jb, np.repeat(n + np.arange(m), n)]
        cols = [c1, m + ia, jb, np.tile(m + np.arange(n), m)]
        r = np.concatenate(rows)
        c = np.concatenate(cols)
        G = csr_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(n + m, n + m))
        match = maximum_bipartite_matching(G, perm_type="column")
        return bool(np.all(match >= 0))

    lo, hi = 0, len(cand) - 1  # cand[hi] = max over everything is always feasible
    while lo < hi:
        mid = (lo + hi) // 2
        if feasible(cand[mid]):
            hi = mid
        else:
            lo = mid + 1
    return float(max(cand[lo], ess))


def _lp(x, y, p):
    if np.isinf(p):
        return np.maximum(x, y)
    if p == 2:
        return np.hypot(x, y)
    return (x ** p + y ** p) ** (1.0 / p)


def wasserstein(d1, d2, order: float = 1.0, *, internal_p: float = np.inf) -> float:
    """Exact order-q Wasserstein distance between two diagrams.

    ``(min over matchings of sum cost^q)^(1/q)``; the cost of matching two
    points is their L-``internal_p`` distance (``inf``: GUDHI's default;
    ``2``: persim.wasserstein), the cost of a point ``(b, d)`` matched to the
    diagonal its L-``internal_p`` distance to it, ``(d - b) / 2 * 2^(1/p)``.  Solved by the Hungarian method on the augmented
    matrix (scipy.optimize.linear_sum_assignment).  Essential classes are
    matched by sorted birth (``inf`` if their numbers differ).
    """
    from scipy.optimize import linear_sum_assignment

    q = check_float(order, "order", min_value=1.0)
    ip = check_float(internal_p, "internal_p", min_value=1.0, allow_inf=True)
    A, ea = _split(_check_diagram(d1, "d1"))
    B, eb = _split(_check_diagram(d2, "d2"))
    if len(ea) != len(eb):
        return float("inf")
    total = float(np.sum(np.abs(ea - eb) ** q)) if len(ea) else 0.0
    n, m = len(A), len(B)
    if n + m:
        big = np.inf
        C = np.zeros((n + m, m + n))
        if n and m:
            C[:n, :m] = _lp(np.abs(A[:, None, 0] - B[None, :, 0]),
                            np.abs(A[:, None, 1] - B[None, :, 1]), ip) ** q
        f = 1.0 if np.isinf(ip) else 2.0 ** (1.0 / ip)
        da = ((A[:, 1] - A[:, 0]) / 2 * f) ** q
        db = ((B[:, 1] - B[:, 0]) / 2 * f) ** q
        C[:n, m:] = big
        C[:n, m:][np.arange(n), np.arange(n)] = da
        C[n:, :m] = big
        C[n:, :m][np.arange(m), np.arange(m)] = db
        # scipy refuses inf entries that make the problem infeasible; use a large finite value
        finite_max = np.max(C[np.isfinite(C)]) if np.isfinite(C).any() else 0.0
        C[~np.isfinite(C)] = (finite_max + 1.0) * (n + m + 1)
        r, c = linear_sum_assignment(C)
        total += float(C[r, c].sum())
    return float(total ** (1.0 / q))
