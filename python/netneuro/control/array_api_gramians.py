"""Controllability Gramians for arrays of any Array API library (CuPy, torch, ...).

The Array API counterpart of :func:`netneuro.control.gramian` for one system
``A`` ``(N, N)`` or a cohort ``(S, N, N)`` with one input matrix ``B``,
computed with the input's own library on its device, in its namespace.  Only
standard operations are used (``eigh``, ``solve``, ``matmul``): the real Schur
form and general eigenvalues are not in the standard, so directed systems are
solved by matrix products alone.

* symmetric ``A = V diag(l) V^T``: ``W = V (C o G) V^T`` with ``C = V^T B B^T V``
  and the closed-form weights ``G_jk`` of the NumPy path (batched ``eigh``);
* directed ``A``, discrete, infinite horizon: the squared Smith (doubling)
  iteration ``W <- W + A_k W A_k^T``, ``A_{k+1} = A_k^2``: after ``k`` steps
  ``W = sum_{j < 2^k} A^j Q A^jT``, so it converges in ``O(log)`` steps for a
  stable ``A``; it stops when ``||A_k||_F^2 <= eps`` of the dtype (the
  neglected tail is then below ``eps ||W||``), and refuses when ``A_k`` grows
  past ``1e30`` or has not vanished after 60 squarings (spectral radius
  ``>= 1 - 2e-16``), with the estimate ``||A_k||_F^{1/2^k}`` of the spectral
  radius in the message;
* directed, continuous, infinite: the Cayley transform
  ``A_d = (A - pI)^{-1} (A + pI)``, ``Q_d = 2p (A - pI)^{-1} Q (A - pI)^{-T}``
  (``p = ||A||_F / sqrt(N)`` per subject) turns ``A W + W A^T + Q = 0`` into
  ``W = A_d W A_d^T + Q_d``, solved as above; ``A_d`` is Schur stable iff ``A``
  is Hurwitz stable;
* directed, finite horizon: discrete by binary doubling (``O(log T)``
  products, as the NumPy path); continuous by Van Loan's block exponential
  ``expm([[-A, Q], [0, A^T]] T)`` with a Pade-13 scaling-and-squaring
  exponential (Higham, SIAM J Matrix Anal Appl 26:1179, 2005) written with
  ``matmul`` and ``solve``.
"""

from __future__ import annotations

import math

from .._array_api import check_array_xp, device_of, solve, symmetric_mask_xp

__all__ = ["gramian_xp", "expm_xp", "input_gram_xp", "stack_xp", "split_apply_xp"]

_SMITH_MAX_STEPS = 60
_SMITH_BLOWUP = 1e30


def stack_xp(A, xp, name):
    """``(A3, single)``: validated A as a stack ``(S, N, N)`` and whether it was one matrix."""
    A = check_array_xp(A, name, xp, ndim=(2, 3), square=True)
    return (A[None, ...], True) if A.ndim == 2 else (A, False)


def _eye(N, like, xp):
    return xp.eye(N, dtype=like.dtype, device=device_of(like))


def input_gram_xp(B, N, like, xp, name="B"):
    """``(Bm, Q)``: the input matrix ``(N, m)`` and ``Q = B B^T`` ``(N, N)`` in ``like``'s
    namespace, dtype and device.  ``B``: None (identity), ``(N,)`` (diagonal, e.g. a 0/1
    control set) or ``(N, m)``; a list or an array of ``xp``."""
    if B is None:
        I = _eye(N, like, xp)
        return I, I
    if isinstance(B, (list, tuple)):
        B = xp.asarray(B, dtype=like.dtype, device=device_of(like))
    B = check_array_xp(B, name, xp, ndim=(1, 2))
    B = xp.astype(B, like.dtype)
    if B.shape[0] != N:
        raise ValueError(f"{name} must have {N} rows (one per node of A), got shape "
                         f"{tuple(B.shape)}")
    if B.ndim == 1:
        Bm = _eye(N, like, xp) * B[None, :]
        return Bm, _eye(N, like, xp) * (B * B)[None, :]
    return B, B @ xp.matrix_transpose(B)


def split_apply_xp(A3, mask, f_true, f_false, xp):
    """``f_true`` on the subjects where ``mask`` holds, ``f_false`` on the others, results
    stacked back in subject order.  Each function gets ``(subset, index)`` (index: the
    subjects' positions in ``A3``, an integer array) and returns an array ``(s, ...)``."""
    if bool(xp.all(mask)):
        return f_true(A3, None)
    if not bool(xp.any(mask)):
        return f_false(A3, None)
    yes = xp.nonzero(mask)[0]
    no = xp.nonzero(~mask)[0]
    out = xp.concat([f_true(xp.take(A3, yes, axis=0), yes),
                     f_false(xp.take(A3, no, axis=0), no)], axis=0)
    return xp.take(out, xp.argsort(xp.concat([yes, no])), axis=0)


def subject_name(name, single, index, pos):
    """``name`` or ``name[s]`` for position ``pos`` of a subset with original ``index``."""
    if single:
        return name
    return f"{name}[{pos if index is None else int(index[pos])}]"


# ---------------------------------------------------------------------------
# matrix exponential (Pade 13, scaling and squaring)

_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0,
           1187353796428800.0, 129060195264000.0, 10559470521600.0, 670442572800.0,
           33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0)
_THETA13 = 5.371920351148152


def expm_xp(M, xp):
    """``expm`` of a stack ``(S, n, n)``: Pade-13 with per-matrix scaling ``2^-s``,
    ``s = ceil(log2(||M||_1 / theta_13))`` (Higham 2005), squared back ``s`` times."""
    n = M.shape[-1]
    norm1 = xp.max(xp.sum(xp.abs(M), axis=-2), axis=-1)               # (S,)
    s = xp.ceil(xp.log2(xp.maximum(norm1, xp.asarray(1e-300, dtype=M.dtype,
                                                        device=device_of(M))) / _THETA13))
    s = xp.maximum(s, xp.zeros_like(s))
    X = M / (2.0 ** s)[:, None, None]
    b = _PADE13
    I = _eye(n, M, xp)
    X2 = X @ X
    X4 = X2 @ X2
    X6 = X4 @ X2
    U = X @ (X6 @ (b[13] * X6 + b[11] * X4 + b[9] * X2)
             + b[7] * X6 + b[5] * X4 + b[3] * X2 + b[1] * I)
    V = X6 @ (b[12] * X6 + b[10] * X4 + b[8] * X2) + b[6] * X6 + b[4] * X4 + b[2] * X2 + b[0] * I
    R = solve(V - U, V + U, xp)
    for k in range(int(float(xp.max(s)))):
        R = xp.where((s > k)[:, None, None], R @ R, R)
    return R


# ---------------------------------------------------------------------------
# Gramians


def pair_gain_xp(l, xp, system, T):
    """``G[..., j, k]``: Gramian weight of eigenmodes ``j, k`` (symmetric A), batched."""
    a, b = l[..., :, None], l[..., None, :]
    if system == "continuous":
        s = a + b
        if math.isinf(T):
            return -1.0 / s
        zero = s == 0
        safe = xp.where(zero, xp.ones_like(s), s)
        return xp.where(zero, xp.full_like(s, float(T)), xp.expm1(safe * T) / safe)
    p = a * b
    if math.isinf(T):
        return 1.0 / (1.0 - p)
    one = p == 1.0
    safe = xp.where(one, xp.zeros_like(p), p)
    return xp.where(one, xp.full_like(p, float(T)), (1.0 - safe ** float(T)) / (1.0 - safe))


def _unstable(system, name, detail):
    if system == "continuous":
        return ValueError(
            f"{name} is not stable ({detail}): the infinite-horizon continuous-time Gramian does "
            "not exist; normalise A (normalize(A, 'continuous')) or give a finite horizon")
    return ValueError(
        f"{name} is not stable ({detail}): the infinite-horizon discrete-time Gramian does not "
        "exist; normalise A (normalize(A, 'discrete')) or give a finite horizon")


def _symmetric_gramian(A3, Q, xp, system, T, name, single, index):
    l, V = xp.linalg.eigh(A3)
    if math.isinf(T):
        worst = l[:, -1] if system == "continuous" else xp.max(xp.abs(l), axis=-1)
        limit = 0.0 if system == "continuous" else 1.0
        bad = ~(worst < limit)
        if bool(xp.any(bad)):
            pos = int(xp.argmax(xp.astype(bad, xp.int32)))
            what = ("largest real part of an eigenvalue" if system == "continuous"
                    else "spectral radius")
            raise _unstable(system, subject_name(name, single, index, pos),
                            f"{what} {float(worst[pos]):.6g} >= {limit:g}")
    Vt = xp.matrix_transpose(V)
    C = Vt @ Q @ V
    return V @ (C * pair_gain_xp(l, xp, system, T)) @ Vt


def _smith(Ad, Qd, xp, system, name, single, index):
    """``W = sum_k Ad^k Qd Ad^kT`` by squared Smith iteration (see the module docstring)."""
    eps = float(xp.finfo(Ad.dtype).eps)
    W, P = Qd, Ad
    for k in range(_SMITH_MAX_STEPS + 1):
        nrm = xp.linalg.matrix_norm(P)                                   # Frobenius, (S,)
        if bool(xp.all(nrm * nrm <= eps)):
            return W
        blown = ~(nrm <= _SMITH_BLOWUP)
        if bool(xp.any(blown)) or k == _SMITH_MAX_STEPS:
            pos = int(xp.argmax(xp.astype(blown, xp.int32))) if bool(xp.any(blown)) else \
                int(xp.argmax(nrm))
            value = float(nrm[pos])
            est = math.exp(math.log(value) / 2.0 ** k) if 0.0 < value < math.inf else \
                float("inf")
            what = ("spectral radius" if system == "discrete"
                    else "the Cayley transform (A - pI)^-1 (A + pI) has spectral radius")
            raise _unstable(system, subject_name(name, single, index, pos),
                            f"{what} about {est:.6g} >= 1, estimated by {k} squarings")
        W = W + P @ W @ xp.matrix_transpose(P)
        P = P @ P
    raise AssertionError("unreachable")  # pragma: no cover


def _cayley(A3, Q, xp, name, single, index):
    N = A3.shape[-1]
    I = _eye(N, A3, xp)
    p = xp.linalg.matrix_norm(A3) / math.sqrt(N)                          # (S,)
    p = xp.where(p > 0, p, xp.ones_like(p))[:, None, None]
    AmP = A3 - p * I
    try:
        Ad = solve(AmP, A3 + p * I, xp)
        MQ = solve(AmP, xp.broadcast_to(Q, A3.shape), xp)
        Qd = 2.0 * p * solve(AmP, xp.matrix_transpose(MQ), xp)
    except (RuntimeError, ValueError):  # torch / NumPy: some A - pI singular: A is unstable
        pos = 0
        for s in range(A3.shape[0]):  # which subject (CuPy returns non-finite values instead)
            try:
                xp.linalg.solve(AmP[s, ...], _eye(N, A3, xp))
            except (RuntimeError, ValueError):
                pos = s
                break
        raise _unstable("continuous", subject_name(name, single, index, pos),
                        f"A - pI is singular for p = {float(p[pos, 0, 0]):.6g} > 0: an "
                        "eigenvalue with a positive real part") from None
    return Ad, 0.5 * (Qd + xp.matrix_transpose(Qd))


def _discrete_finite(A3, Q, xp, T: int):
    """``sum_{k=0}^{T-1} A^k Q A^kT`` by binary doubling (batched)."""
    N = A3.shape[-1]
    acc = xp.zeros_like(A3)
    P_acc = xp.broadcast_to(_eye(N, A3, xp), A3.shape)
    base, P_base = xp.broadcast_to(Q, A3.shape), A3
    while T:
        if T & 1:
            acc = acc + P_acc @ base @ xp.matrix_transpose(P_acc)
            P_acc = P_acc @ P_base
        T >>= 1
        if T:
            base = base + P_base @ base @ xp.matrix_transpose(P_base)
            P_base = P_base @ P_base
    return acc


def _van_loan(A3, Q, xp, T):
    N = A3.shape[-1]
    Qs = xp.broadcast_to(Q, A3.shape)
    top = xp.concat([-A3, Qs], axis=-1)
    bottom = xp.concat([xp.zeros_like(A3), xp.matrix_transpose(A3)], axis=-1)
    E = expm_xp(xp.concat([top, bottom], axis=-2) * T, xp)
    return xp.matrix_transpose(E[:, N:, N:]) @ E[:, :N, N:]


def _general_gramian(A3, Q, xp, system, T, name, single, index):
    if not math.isinf(T):
        if system == "discrete":
            return _discrete_finite(A3, Q, xp, int(T))
        return _van_loan(A3, Q, xp, T)
    if system == "discrete":
        return _smith(A3, xp.broadcast_to(Q, A3.shape), xp, system, name, single, index)
    Ad, Qd = _cayley(A3, Q, xp, name, single, index)
    return _smith(Ad, Qd, xp, system, name, single, index)


def gramian_stack_xp(A3, Q, xp, system, T, name="A", single=False, index=None):
    """Gramians ``(S, N, N)`` of a validated stack ``A3`` with ``Q = B B^T``: symmetric
    subjects in their eigenbasis, directed ones by products (module docstring).  Errors
    name ``name[s]`` (``s``: the position in ``A3``, or ``index[s]`` when given)."""
    sym = symmetric_mask_xp(A3, xp)

    def _within(sub_index):  # positions in a subset -> positions in the caller's stack
        if sub_index is None or index is None:
            return index if sub_index is None else sub_index
        return xp.take(index, sub_index, axis=0)

    def sym_part(sub, sub_index):
        return _symmetric_gramian(sub, Q, xp, system, T, name, single, _within(sub_index))

    def gen_part(sub, sub_index):
        return _general_gramian(sub, Q, xp, system, T, name, single, _within(sub_index))

    W = split_apply_xp(A3, sym, sym_part, gen_part, xp)
    return 0.5 * (W + xp.matrix_transpose(W))


def gramian_xp(A, B, xp, system, T):
    """:func:`netneuro.control.gramian` for ``A`` ``(N, N)`` or ``(S, N, N)`` of ``xp``."""
    A3, single = stack_xp(A, xp, "A")
    _, Q = input_gram_xp(B, A3.shape[-1], A3, xp)
    W = gramian_stack_xp(A3, Q, xp, system, T, "A", single)
    return W[0, ...] if single else W
