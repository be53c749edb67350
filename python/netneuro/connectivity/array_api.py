"""Undirected connectomes for arrays of any Array API library (CuPy, torch, ...).

:func:`~netneuro.connectivity.correlation`, :func:`~netneuro.connectivity.covariance`,
:func:`~netneuro.connectivity.precision` and
:func:`~netneuro.connectivity.partial_correlation` take a torch tensor or a
CuPy array (one subject ``(T, N)`` or a cohort ``(S, T, N)``) here, and compute
with that library on its device, batched over subjects: one batched GEMM for
the covariances, Ledoit-Wolf shrinkage in closed form (Ledoit & Wolf 2004, as
scikit-learn's ``LedoitWolf``), and a batched Cholesky factorisation for the
precision.  The same formulas as the NumPy path, which keeps its LAPACK
routines (``potrf``/``potri``) for NumPy input.

:class:`~netneuro.connectivity.ConnectivityMeasure` takes such a stack ``(S, T,
N)`` (or one ``(T, N)``) for nilearn's kinds (Ledoit-Wolf covariances):
:func:`measure_xp` gives the subjects' matrices; for ``kind="tangent"``
(Varoquaux et al. 2010) :func:`geometric_mean_xp` is the Riemannian mean (the
same gradient descent as the NumPy path), whitened and mapped to the tangent
space by batched ``eigh`` (:func:`eigh_map_xp`: ``log(W C W)``).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._array_api import check_array_xp, device_of
from .._array_api import inv as linalg_inv

__all__ = ["correlation_xp", "covariance_xp", "precision_xp", "partial_correlation_xp",
           "measure_xp", "geometric_mean_xp", "eigh_map_xp", "sym_to_vec_xp"]


def _stack(ts, xp):
    X = check_array_xp(ts, "ts", xp, ndim=(2, 3))
    single = X.ndim == 2
    X = X[None, ...] if single else X
    if X.shape[-2] < 2:
        raise ValueError(f"ts must have at least 2 time points, got {X.shape[-2]}")
    return X, single


def _reject_constant(X, xp):
    """ValueError naming the first numerically constant column (as the NumPy path)."""
    scale = xp.max(xp.abs(X), axis=-2)
    bad = xp.std(X, axis=-2) <= 1e-14 * xp.maximum(scale, xp.asarray(1e-300, dtype=X.dtype,
                                                                      device=X.device))
    if bool(xp.any(bad)):
        flat = int(xp.argmax(xp.astype(xp.reshape(bad, (-1,)), xp.int32)))
        s, col = divmod(flat, X.shape[-1])
        name = "ts" if X.shape[0] == 1 else f"ts[{s}]"
        raise ValueError(f"{name} has a constant series (column {col}): its correlations are "
                         "undefined; remove it first")


def _eye_like(M, xp):
    return xp.eye(M.shape[-1], dtype=M.dtype, device=M.device)


def _set_diagonal(M, value, xp):
    eye = _eye_like(M, xp)
    return M * (1.0 - eye) + value * eye


def _gram(X, xp):
    """``X^T X`` over the time axis of a stack (S, T, N) -> (S, N, N)."""
    return xp.matmul(xp.matrix_transpose(X), X)


def _shrunk_cov(X, shrinkage, xp):
    """Covariance (divisor T) of each subject with Ledoit-Wolf, fixed or no shrinkage."""
    n, p = X.shape[-2], X.shape[-1]
    X = X - xp.mean(X, axis=-2, keepdims=True)
    emp = _gram(X, xp) / n
    if shrinkage is None or p == 1:
        return emp
    eye = _eye_like(emp, xp)
    tr = xp.sum(X * X, axis=-2) / n                                     # (S, N): diag(emp)
    mu = xp.sum(tr, axis=-1) / p                                        # (S,)
    if isinstance(shrinkage, str):                                      # Ledoit-Wolf
        X2 = X * X
        beta_ = xp.sum(xp.sum(X2, axis=-1) ** 2, axis=-1)               # sum of X2^T X2
        delta_ = xp.sum(emp * emp, axis=(-2, -1))
        beta = (beta_ / n - delta_) / (p * n)
        delta = (delta_ - 2.0 * mu * xp.sum(tr, axis=-1) + p * mu * mu) / p
        beta = xp.minimum(beta, delta)
        zero = beta == 0
        s = xp.where(zero, xp.zeros_like(beta),
                     beta / xp.where(zero, xp.ones_like(delta), delta))
    else:
        s = xp.full_like(mu, float(shrinkage))
    return (1.0 - s)[:, None, None] * emp + (s * mu)[:, None, None] * eye


def _cov_to_corr(cov, xp):
    d = 1.0 / xp.sqrt(xp.linalg.diagonal(cov))
    return _set_diagonal(cov * d[:, :, None] * d[:, None, :], 1.0, xp)


def _inv_spd(cov, xp):
    """Inverse of each SPD matrix by Cholesky; refuses (numerically) singular ones."""
    msg = ("the covariance is singular (more regions than time points, or collinear regions); "
           "use shrinkage")
    try:
        L = xp.linalg.cholesky(cov)
    except Exception:  # noqa: BLE001 - each library has its own LinAlgError
        raise ValueError(msg) from None
    if not bool(xp.all(xp.isfinite(L))):  # torch/CuPy may give NaN instead of raising
        raise ValueError(msg)
    Linv = linalg_inv(L, xp)
    inv = xp.matmul(xp.matrix_transpose(Linv), Linv)
    r = xp.linalg.diagonal(cov) * xp.linalg.diagonal(inv)
    if not bool(xp.all(xp.isfinite(r))) or float(xp.max(r)) > 1e12 or float(xp.min(r)) < 1 - 1e-6:
        raise ValueError(msg)
    return inv


def _finish(M, single):
    return M[0, ...] if single else M


def correlation_xp(ts, xp):
    X, single = _stack(ts, xp)
    _reject_constant(X, xp)
    Xc = X / xp.max(xp.abs(X), axis=-2, keepdims=True)  # scale-free: no overflow
    Xc = Xc - xp.mean(Xc, axis=-2, keepdims=True)
    Xc = Xc / xp.sqrt(xp.sum(Xc * Xc, axis=-2, keepdims=True))
    c = xp.clip(_gram(Xc, xp), -1.0, 1.0)
    return _finish(_set_diagonal(c, 1.0, xp), single)


def covariance_xp(ts, xp, shrinkage):
    X, single = _stack(ts, xp)
    return _finish(_shrunk_cov(X, shrinkage, xp), single)


def precision_xp(ts, xp, shrinkage):
    X, single = _stack(ts, xp)
    return _finish(_inv_spd(_shrunk_cov(X, shrinkage, xp), xp), single)


def partial_correlation_xp(ts, xp, shrinkage):
    X, single = _stack(ts, xp)
    _reject_constant(X, xp)
    X = X / xp.max(xp.abs(X), axis=(-2, -1), keepdims=True)
    prec = _inv_spd(_shrunk_cov(X, shrinkage, xp), xp)
    return _finish(_set_diagonal(-_cov_to_corr(prec, xp), 1.0, xp), single)


# ---------------------------------------------------------------------------
# ConnectivityMeasure: nilearn's kinds and the tangent space


def _zscore(X, xp):
    """Centre and scale to unit sample variance (ddof 1); near-constant columns only centred."""
    Y = X - xp.mean(X, axis=-2, keepdims=True)
    sd = xp.std(Y, axis=-2, correction=1, keepdims=True)
    return Y / xp.where(sd < float(xp.finfo(X.dtype).eps), xp.ones_like(sd), sd)


def measure_xp(X, xp, kind, standardize):
    """``(matrices, covariances)`` ``(S, N, N)`` of ``ConnectivityMeasure`` for ``X``
    ``(S, T, N)`` or ``(T, N)`` (Ledoit-Wolf covariances, as its default estimator)."""
    X = check_array_xp(X, "X", xp, ndim=(2, 3))
    X = X[None, ...] if X.ndim == 2 else X
    if X.shape[-2] < 2:
        raise ValueError(f"X must have at least 2 time points per subject, got {X.shape[-2]}")
    if kind == "correlation":
        if standardize is True or standardize == "zscore_sample":
            X = _zscore(X, xp)
        elif not (standardize is None or standardize is False):
            raise NotImplementedError(f"standardize={standardize!r} is computed for NumPy "
                                      "input only; pass True, False or None")
        return _cov_to_corr(_shrunk_cov(X, "ledoit_wolf", xp), xp), None
    covs = _shrunk_cov(X, "ledoit_wolf", xp)
    if kind == "precision":
        return _inv_spd(covs, xp), covs
    if kind == "partial correlation":
        return _set_diagonal(-_cov_to_corr(_inv_spd(covs, xp), xp), 1.0, xp), covs
    return covs, covs


def eigh_map_xp(fn, M, xp):
    """``V fn(w) V^T`` for the eigendecomposition ``M = V diag(w) V^T`` of each symmetric M."""
    w, V = xp.linalg.eigh(M)
    return xp.matmul(V * fn(w)[..., None, :], xp.matrix_transpose(V))


def geometric_mean_xp(covs, xp, max_iter=30, tol=1e-7):
    """Riemannian mean of SPD matrices ``(S, N, N)``: the algorithm of the NumPy path
    (Fletcher & Joshi 2007 with nilearn's step halving and stopping rule)."""
    w = xp.linalg.eigvalsh(covs)
    if bool(xp.any(w <= 0)):
        raise ValueError("covariances must be positive definite for the tangent space")
    size = covs.shape[-1] ** 2
    g = xp.mean(covs, axis=0)
    norm_old = float("inf")
    step = 1.0
    norm = float("inf")
    for _ in range(max_iter):
        vals, vecs = xp.linalg.eigh(g)
        g_isqrt = xp.matmul(vecs / xp.sqrt(vals), xp.matrix_transpose(vecs))
        logs = eigh_map_xp(xp.log, xp.matmul(xp.matmul(g_isqrt, covs), g_isqrt), xp)
        logs_mean = xp.mean(logs, axis=0)
        if bool(xp.any(xp.isnan(logs_mean))):
            raise FloatingPointError("NaN after the matrix logarithm")
        norm = float(xp.linalg.matrix_norm(logs_mean))
        g_sqrt = xp.matmul(vecs * xp.sqrt(vals), xp.matrix_transpose(vecs))
        g = xp.matmul(xp.matmul(g_sqrt, eigh_map_xp(lambda v: xp.exp(v * step), logs_mean, xp)),
                      g_sqrt)
        if norm < norm_old:
            norm_old = norm
        elif norm > norm_old:
            step /= 2.0
            norm = norm_old
        if tol is not None and norm / size < tol:
            break
    if tol is not None and norm / size >= tol:
        warnings.warn(f"geometric mean: {max_iter} iterations without reaching the tolerance "
                      f"{tol}", stacklevel=5)
    return g


def sym_to_vec_xp(M, xp, discard_diagonal):
    """nilearn's ``sym_matrix_to_vec`` of a stack ``(S, N, N)``: the lower triangle row by
    row (diagonal / sqrt(2)) as ``(S, N (N + 1) / 2)``, or without the diagonal."""
    n = M.shape[-1]
    rows, cols = np.tril_indices(n, k=-1 if discard_diagonal else 0)
    idx = xp.asarray(rows * n + cols, device=device_of(M))   # positions, not data
    v = xp.take(xp.reshape(M, (M.shape[0], n * n)), idx, axis=1)
    if discard_diagonal:
        return v
    scale = np.where(rows == cols, np.sqrt(2.0), 1.0)
    return v / xp.asarray(scale, dtype=M.dtype, device=device_of(M))
