"""Graph measures for arrays of any Array API library (CuPy, torch, array-api-strict).

:func:`~netneuro.graph.strength`, :func:`~netneuro.graph.degree`,
:func:`~netneuro.graph.clustering`, :func:`~netneuro.graph.transitivity`,
:func:`~netneuro.graph.communicability` and
:func:`~netneuro.graph.structure_function_coupling` take a torch tensor or a
CuPy array (one graph ``(N, N)`` or a cohort ``(S, N, N)``) here and compute
with that library on its device, batched over subjects; results are arrays of
the input's library on its device.  The definitions are those of the NumPy
path (:mod:`netneuro.graph.measures`, :mod:`netneuro.graph.coupling`):

* Onnela clustering: the triangle weights ``diag(W^(1/3) W^(1/3) W^(1/3))`` by
  one batched matrix product (the core uses BLAS ``dsyrk``);
* communicability ``expm(D^-1/2 W D^-1/2)`` of a symmetric matrix through a
  batched ``eigh`` (``V exp(diag(w)) V^T``; the NumPy path uses SciPy's
  ``expm``);
* structure-function coupling: tie-averaged ranks by one sort per row (ranks
  of the entries kept by each row's mask), Pearson correlations of masked rows,
  and the per-row regressions as one batched SVD (rank-deficient rows as
  ``numpy.linalg.lstsq``: singular values below ``eps * max(M, N)`` times the
  largest are dropped); weighted shortest paths by Floyd-Warshall, one
  ``minimum`` over the stack per intermediate node.

float32 input computes in float32 (documented per test); everything else in
float64.
"""

from __future__ import annotations

import warnings

from .._array_api import available_memory_xp, check_array_xp, device_of
from .._validation import check_memory

__all__ = ["graph_xp", "strength_xp", "degree_xp", "clustering_xp", "transitivity_xp",
           "communicability_xp", "shortest_paths_xp", "coupling_xp"]


# ---------------------------------------------------------------------------
# validation (the messages of graph._checks._graph)


def _guard(n_bytes, what, xp, x):
    check_memory(n_bytes, what, limit=available_memory_xp(xp, device_of(x)),
                 hint="process the cohort in chunks of subjects")


def _eye(n, M, xp):
    return xp.eye(n, dtype=M.dtype, device=device_of(M))


def graph_xp(W, xp, name="W", *, symmetric=False, signed=False, min_nodes=1):
    """``(W3, single)``: ``W`` as a validated stack ``(S, N, N)`` with a zero diagonal."""
    W = check_array_xp(W, name, xp, ndim=(2, 3), square=True)
    single = W.ndim == 2
    W3 = W[None, ...] if single else W
    n = W3.shape[-1]
    if n < min_nodes:
        raise ValueError(f"{name} must have at least {min_nodes} nodes, got shape "
                         f"{tuple(W.shape)}")
    if not signed:
        lo = float(xp.min(W3))
        if lo < 0:
            raise ValueError(
                f"{name} must be non-negative; found {lo} (negative weights are only "
                "accepted where a signed variant is offered, e.g. strength(W, signed=True))")
    if symmetric:
        diff = float(xp.max(xp.abs(W3 - xp.matrix_transpose(W3))))
        scale = float(xp.max(xp.abs(W3)))
        if diff > 1e-10 + 1e-10 * scale:
            raise ValueError(f"{name} must be symmetric; max |{name} - {name}.T| = {diff:.3g}")
    eye = _eye(n, W3, xp)
    W3 = xp.where(eye != 0, xp.zeros_like(W3), W3)
    return W3, single


def _finish(x, single):
    return x[0, ...] if single else x


def _safe_div(num, den, xp):
    """``num / den`` where ``den > 0``, else 0."""
    ok = den > 0
    return xp.where(ok, num / xp.where(ok, den, xp.ones_like(den)), xp.zeros_like(num))


# ---------------------------------------------------------------------------
# strength, degree, clustering


def strength_xp(W, xp, signed):
    W3, single = graph_xp(W, xp, signed=signed)
    if signed:
        zero = xp.zeros_like(W3)
        return (_finish(xp.sum(xp.where(W3 > 0, W3, zero), axis=-1), single),
                _finish(xp.sum(xp.where(W3 < 0, W3, zero), axis=-1), single))
    return _finish(xp.sum(W3, axis=-1), single)


def degree_xp(W, xp):
    W3, single = graph_xp(W, xp, signed=True)
    return _finish(xp.sum(xp.astype(W3 != 0, W3.dtype), axis=-1), single)


def _onnela(W, xp, normalize):
    W3, single = graph_xp(W, xp, symmetric=True)
    _guard(24.0 * W3.shape[0] * W3.shape[1] ** 2, "clustering workspace", xp, W3)
    if normalize:
        mx = xp.max(W3, axis=(-2, -1), keepdims=True)
        W3 = _safe_div(W3, mx, xp)
    else:
        top = float(xp.max(W3))
        if top > 1.0:
            warnings.warn(
                f"W has weights up to {top:g} > 1: Onnela clustering assumes weights in "
                "[0, 1] and scales with them, so the result is not a clustering coefficient "
                "(it can exceed 1); pass normalize=True to divide W by its largest weight",
                UserWarning, stacklevel=4)
    ws = W3 ** (1.0 / 3.0)
    cyc = xp.sum(xp.matmul(ws, ws) * ws, axis=-1)          # diag(ws^3): ws symmetric
    deg = xp.sum(xp.astype(W3 != 0, W3.dtype), axis=-1)
    return cyc, deg, single


def clustering_xp(W, xp, normalize):
    cyc, deg, single = _onnela(W, xp, normalize)
    return _finish(_safe_div(cyc, deg * (deg - 1.0), xp), single)


def transitivity_xp(W, xp, normalize):
    cyc, deg, single = _onnela(W, xp, normalize)
    T = _safe_div(xp.sum(cyc, axis=-1), xp.sum(deg * (deg - 1.0), axis=-1), xp)
    return _finish(T, single)


# ---------------------------------------------------------------------------
# communicability and shortest paths


def _communicability(W3, xp, normalize):
    if normalize:
        s = xp.sum(W3, axis=-1)
        inv = _safe_div(xp.ones_like(s), xp.sqrt(s), xp)
        W3 = inv[..., :, None] * W3 * inv[..., None, :]
    w, V = xp.linalg.eigh(W3)
    return xp.matmul(V * xp.exp(w)[..., None, :], xp.matrix_transpose(V))


def communicability_xp(W, xp, normalize):
    W3, single = graph_xp(W, xp, symmetric=True)
    _guard(4.0 * 8.0 * W3.shape[0] * W3.shape[1] ** 2, "communicability workspace", xp, W3)
    return _finish(_communicability(W3, xp, normalize), single)


def _lengths(W3, xp, transform):
    if transform is None:
        L = W3
    elif transform == "inverse":
        L = 1.0 / xp.where(W3 > 0, W3, xp.ones_like(W3))
    else:  # "neglog"
        L = -xp.log(xp.where(W3 > 0, W3, xp.ones_like(W3)))
    inf = xp.full_like(W3, float("inf"))
    return xp.where(W3 > 0, L, inf)


def shortest_paths_xp(W3, xp, transform="inverse"):
    """All-pairs shortest path lengths of a validated stack by Floyd-Warshall (``inf``
    where unreachable, 0 on the diagonal)."""
    D = _lengths(W3, xp, transform)
    n = D.shape[-1]
    D = xp.where(_eye(n, D, xp) != 0, xp.zeros_like(D), D)
    for k in range(n):
        D = xp.minimum(D, D[:, :, k:k + 1] + D[:, k:k + 1, :])
    return D


# ---------------------------------------------------------------------------
# structure-function coupling


def _ranks(x, keep, xp):
    """Tie-averaged ranks (1-based, as ``scipy.stats.rankdata``) of the entries of each
    row of ``x`` ``(B, N)`` that ``keep`` marks; other entries get meaningless values."""
    B, n = x.shape
    xs = xp.where(keep, x, xp.full_like(x, float("inf")))  # dropped entries sort last
    order = xp.argsort(xs, axis=-1, stable=True)
    s = xp.take_along_axis(xs, order, axis=-1)
    new = xp.concat([xp.ones((B, 1), dtype=xp.int64, device=device_of(x)),
                     xp.astype(s[:, 1:] != s[:, :-1], xp.int64)], axis=-1)
    group = xp.cumulative_sum(new, axis=-1)                     # tie groups 1.. per row
    row = xp.arange(B, dtype=xp.int64, device=device_of(x))[:, None]
    keys = xp.reshape(row * (n + 1) + group, (-1,))             # sorted over all rows
    start = xp.reshape(xp.broadcast_to(row * n, (B, n)), (-1,))
    left = xp.searchsorted(keys, keys, side="left") - start
    right = xp.searchsorted(keys, keys, side="right") - start
    r_sorted = xp.reshape(xp.astype(left + right + 1, x.dtype) / 2.0, (B, n))
    return xp.take_along_axis(r_sorted, xp.argsort(order, axis=-1), axis=-1)


def _masked_pearson(x, y, keep, xp):
    """Pearson correlation over the kept entries of each row; nan where undefined."""
    m = xp.astype(keep, x.dtype)
    cnt = xp.sum(m, axis=-1, keepdims=True)
    cnt1 = xp.where(cnt > 0, cnt, xp.ones_like(cnt))
    dx = (x - xp.sum(x * m, axis=-1, keepdims=True) / cnt1) * m
    dy = (y - xp.sum(y * m, axis=-1, keepdims=True) / cnt1) * m
    den = xp.sqrt(xp.sum(dx * dx, axis=-1) * xp.sum(dy * dy, axis=-1))
    r = xp.sum(dx * dy, axis=-1) / xp.where(den > 0, den, xp.ones_like(den))
    nan = xp.full_like(r, float("nan"))
    return xp.where((den > 0) & (cnt[..., 0] >= 3), r, nan)


def _predictor_stack(p, j, SC3, xp, coords, n_paths):
    S, n = SC3.shape[0], SC3.shape[-1]
    if isinstance(p, str):
        if p == "sc":
            return SC3
        if p == "path_length":
            return n_paths()
        if p == "communicability":
            return _communicability(SC3, xp, True)
        if coords is None:
            raise ValueError("predictor 'euclidean' needs coords (N, d)")
        X = check_array_xp(coords, "coords", xp, ndim=2)
        if X.shape[0] != n:
            raise ValueError(f"coords must have {n} rows, got shape {tuple(X.shape)}")
        X = xp.astype(X, SC3.dtype)
        diff = X[:, None, :] - X[None, :, :]
        D = xp.sqrt(xp.sum(diff * diff, axis=-1))
        return xp.broadcast_to(D[None, ...], (S, n, n))
    name = f"predictors[{j}]"
    P = p
    if P.ndim not in (2, 3) or P.shape[-1] != P.shape[-2]:
        raise ValueError(f"{name} must be a square matrix (N, N) or a stack (S, N, N), got "
                         f"shape {tuple(P.shape)}")
    if not xp.isdtype(P.dtype, ("real floating", "integral", "bool")):
        raise TypeError(f"{name} must be real, got dtype {P.dtype}")
    P = xp.astype(P, SC3.dtype)
    if bool(xp.any(xp.isnan(P))):
        raise ValueError(f"{name} must not contain NaN")
    if tuple(P.shape) not in ((n, n), tuple(SC3.shape)):
        raise ValueError(f"{name} must have shape {(n, n)} or {tuple(SC3.shape)}, "
                         f"got {tuple(P.shape)}")
    return xp.broadcast_to(P, (S, n, n)) if P.ndim == 2 else P


def coupling_xp(SC, FC, xp, *, predictors, method, exclude_zero, coords):
    """Structure-function coupling of one graph ``(N, N)`` or a cohort ``(S, N, N)``."""
    SC3, single = graph_xp(SC, xp, "SC", symmetric=True, min_nodes=3)
    FC = check_array_xp(FC, "FC", xp, ndim=(2, 3), square=True)
    FC3 = FC[None, ...] if FC.ndim == 2 else FC
    diff = float(xp.max(xp.abs(FC3 - xp.matrix_transpose(FC3))))
    if diff > 1e-10 + 1e-10 * float(xp.max(xp.abs(FC3))):
        raise ValueError(f"FC must be symmetric; max |FC - FC.T| = {diff:.3g}")
    if tuple(FC3.shape) != tuple(SC3.shape) or FC.ndim != (2 if single else 3):
        raise ValueError(f"SC and FC must have the same shape, got {tuple(SC.shape)} and "
                         f"{tuple(FC.shape)}")
    if FC3.dtype != SC3.dtype:
        dt = xp.result_type(FC3.dtype, SC3.dtype)
        SC3, FC3 = xp.astype(SC3, dt), xp.astype(FC3, dt)
    S, n = SC3.shape[0], SC3.shape[-1]
    offdiag = _eye(n, SC3, xp) == 0
    if predictors is None:
        keep = offdiag[None, ...] & (SC3 > 0) if (exclude_zero is None or exclude_zero) \
            else xp.broadcast_to(offdiag[None, ...], (S, n, n))
        x, y = xp.reshape(SC3, (S * n, n)), xp.reshape(FC3, (S * n, n))
        keep = xp.reshape(keep, (S * n, n))
        if method == "spearman":
            x, y = _ranks(x, keep, xp), _ranks(y, keep, xp)
        return _finish(xp.reshape(_masked_pearson(x, y, keep, xp), (S, n)), single)

    paths = {}

    def n_paths():
        if "D" not in paths:
            paths["D"] = shortest_paths_xp(SC3, xp)
        return paths["D"]

    mats = [_predictor_stack(p, j, SC3, xp, coords, n_paths) for j, p in enumerate(predictors)]
    if not mats:
        raise ValueError("predictors must name at least one predictor")
    k = len(mats)
    P = xp.stack(mats, axis=-1)                                  # (S, N, N, k)
    keep = offdiag[None, ...] & xp.all(xp.isfinite(P), axis=-1)
    if exclude_zero:
        keep = keep & (SC3 > 0)
    # subjects in chunks: the SVD workspace is about 4 (k + 1) N^2 numbers per subject
    per = 8.0 * 4 * n * n * (k + 1)
    _guard(per, "the design matrices of one subject's regressions", xp, SC3)
    room = min(available_memory_xp(xp, device_of(SC3)) / 4, 2.0 ** 31)
    step = max(1, min(S, int(room // per)))
    out = [_regress(P[a:a + step, ...], FC3[a:a + step, ...], keep[a:a + step, ...], xp)
           for a in range(0, S, step)]
    return _finish(out[0] if len(out) == 1 else xp.concat(out, axis=0), single)


def _regress(P, FC3, keep, xp):
    """Adjusted R^2 of the per-row least squares of ``FC3`` rows on ``[1, P]`` rows over the
    kept entries (dropped entries are zero rows, which leave the solution unchanged)."""
    n, k = P.shape[-2], P.shape[-1]
    mk = xp.astype(keep, FC3.dtype)
    A = xp.concat([mk[..., None], xp.where(keep[..., None], P, xp.zeros_like(P))], axis=-1)
    y = FC3 * mk
    nobs = xp.sum(mk, axis=-1)
    # the residual is y minus its projection on the left singular vectors kept by lstsq's rule
    U, sv, _ = xp.linalg.svd(A, full_matrices=False)              # U (S, N, N, k+1)
    eps = float(xp.finfo(FC3.dtype).eps)
    tol = eps * max(n, k + 1) * xp.max(sv, axis=-1, keepdims=True)
    U = U * xp.astype(sv > tol, U.dtype)[..., None, :]
    proj = xp.matmul(U, xp.matmul(xp.matrix_transpose(U), y[..., None]))[..., 0]
    resid = (y - proj) * mk
    ss_res = xp.sum(resid * resid, axis=-1)
    cnt1 = xp.where(nobs > 0, nobs, xp.ones_like(nobs))
    dy = (y - xp.sum(y, axis=-1, keepdims=True) / cnt1[..., None]) * mk
    ss_tot = xp.sum(dy * dy, axis=-1)
    r2 = 1.0 - ss_res / xp.where(ss_tot > 0, ss_tot, xp.ones_like(ss_tot))
    dof = xp.where(nobs - k - 1 > 0, nobs - k - 1, xp.ones_like(nobs))
    adj = 1.0 - (1.0 - r2) * (nobs - 1.0) / dof
    ok = (nobs >= k + 2) & (ss_tot > 0)
    return xp.where(ok, adj, xp.full_like(adj, float("nan")))
