"""Spectral control measures for arrays of any Array API library (CuPy, torch, ...).

The NumPy path of :func:`~netneuro.control.normalize`,
:func:`~netneuro.control.average_controllability` and
:func:`~netneuro.control.modal_controllability` is the compiled core; input
from another library (a torch tensor, a CuPy array; CPU or GPU) is computed
here with that library's own batched ``eigh``/``eigvalsh``, on its device, and
returned in its namespace.  The real Schur form and general eigenvalues are
not part of the Array API standard: modal controllability and the spectral
radius (``normalize`` without ``spectral_radius=``) need symmetric
(undirected) matrices and refuse directed ones with a clear error; average
controllability of a directed matrix is the diagonal of its Gramian, computed
by matrix products (:mod:`netneuro.control.array_api_gramians`).

For symmetric ``A = V diag(l) V^T``: average controllability
``sum_j V_ij^2 f(l_j)`` with ``f = 1/(1 - l^2)`` (discrete, infinite horizon),
``(1 - l^{2T})/(1 - l^2)`` (discrete, T steps), ``-1/(2l)`` (continuous,
infinite), ``(e^{2lT} - 1)/(2l)`` (continuous, finite T); modal
controllability ``1 - sum_k A_ik^2``; the spectral radius ``max_j |l_j|``.
"""

from __future__ import annotations

import math

from .._array_api import check_array_xp, symmetric_mask_xp
from .array_api_gramians import gramian_stack_xp, split_apply_xp

__all__ = ["normalize_xp", "average_controllability_xp", "modal_controllability_xp"]


def _stack(A, xp, name, require_symmetric=True):
    A = check_array_xp(A, name, xp, ndim=(2, 3), square=True)
    single = A.ndim == 2
    A3 = A[None, ...] if single else A
    if not require_symmetric:
        return A3, single
    sym = symmetric_mask_xp(A3, xp)
    if not bool(xp.all(sym)):
        s = int(xp.argmin(xp.astype(sym, xp.int32)))
        raise NotImplementedError(
            f"{name}[{s}] is not symmetric: directed matrices need the real Schur form, which "
            f"the Array API path ({xp.__name__}) does not have; pass a NumPy array")
    return A3, single


def _eye(N, A3, xp):
    return xp.eye(N, dtype=A3.dtype, device=A3.device)


def normalize_xp(A, xp, system, c, spectral_radius, zero_diagonal, decay):
    """:func:`netneuro.control.normalize` for symmetric matrices of namespace ``xp``."""
    A3, single = _stack(A, xp, "A", require_symmetric=spectral_radius is None)
    N = A3.shape[-1]
    eye = _eye(N, A3, xp)
    if zero_diagonal:
        A3 = A3 * (1.0 - eye)
    if spectral_radius is None:
        lam = xp.max(xp.abs(xp.linalg.eigvalsh(A3)), axis=-1)
    else:
        lam = xp.asarray(spectral_radius, dtype=A3.dtype, device=A3.device)
        lam = xp.broadcast_to(xp.reshape(lam, (-1,)), (A3.shape[0],))
    denom = c + lam
    if bool(xp.any(denom == 0)):
        raise ValueError("c + spectral radius is zero: the normalisation is undefined")
    out = A3 / denom[:, None, None]
    if system == "continuous":
        d = 1.0 if decay is None else xp.asarray(decay, dtype=A3.dtype, device=A3.device)
        out = out - eye * (d if isinstance(d, float) else d[None, :])
    return out[0, ...] if single else out


def _gain(l, xp, system, T):
    """f(l) of the module docstring, elementwise over eigenvalues ``l`` (..., N)."""
    if system == "continuous":
        if math.isinf(T):
            return -1.0 / (2.0 * l)
        zero = l == 0
        safe = xp.where(zero, xp.ones_like(l), l)
        return xp.where(zero, xp.full_like(l, T), xp.expm1(2.0 * safe * T) / (2.0 * safe))
    p = l * l
    if math.isinf(T):
        return 1.0 / (1.0 - p)
    one = p == 1.0
    safe = xp.where(one, xp.zeros_like(p), p)
    return xp.where(one, xp.full_like(p, float(T)), (1.0 - safe ** T) / (1.0 - safe))


def average_controllability_xp(A_norm, xp, system, T, unstable_error):
    """:func:`netneuro.control.average_controllability` for matrices of ``xp``: symmetric
    ones by ``eigh``, directed ones as the diagonal of the Gramian of ``(A^T, I)``."""
    A3, single = _stack(A_norm, xp, "A_norm", require_symmetric=False)

    def symmetric(sub, index):
        l, V = xp.linalg.eigh(sub)
        if math.isinf(T):
            worst = xp.max(l) if system == "continuous" else xp.max(xp.abs(l))
            limit = 0.0 if system == "continuous" else 1.0
            if not float(worst) < limit:
                raise unstable_error(system, float(worst))
        return xp.sum(V * V * _gain(l, xp, system, T)[:, None, :], axis=-1)

    def directed(sub, index):
        eye = _eye(sub.shape[-1], sub, xp)
        W = gramian_stack_xp(xp.matrix_transpose(sub), eye, xp, system, T, "A_norm", single,
                             index)
        return xp.linalg.diagonal(W)

    out = split_apply_xp(A3, symmetric_mask_xp(A3, xp), symmetric, directed, xp)
    return out[0, ...] if single else out


def modal_controllability_xp(A_norm, xp, check_stable):
    """:func:`netneuro.control.modal_controllability` for symmetric matrices of ``xp``."""
    A3, single = _stack(A_norm, xp, "A_norm")
    if check_stable:
        rho = xp.max(xp.abs(xp.linalg.eigvalsh(A3)), axis=-1)
        if bool(xp.any(rho >= 1.0)):
            s = int(xp.argmax(rho))
            name = "A_norm" if single else f"A_norm[{s}]"
            raise ValueError(
                f"{name} is not stable for a discrete-time system (spectral radius "
                f"{float(rho[s]):.6g} >= 1): modal controllability is defined for a "
                "discrete-time normalised matrix; normalise it with normalize(A, 'discrete') "
                "(or pass check_stable=False)")
    out = 1.0 - xp.sum(A3 * A3, axis=-1)
    return out[0, ...] if single else out
