"""Minimum control energy for arrays of any Array API library (CuPy, torch, ...).

The Array API counterparts of :func:`netneuro.control.minimum_energy` (``S=None``)
and :func:`netneuro.control.minimum_energy_fast`, for one system ``(N, N)`` or a
cohort ``(S, N, N)``, computed with the input's library on its device and
returned in its namespace.  Everything follows from the Gramian ``W(T)`` (see
:mod:`netneuro.control.array_api_gramians`) and the propagator ``e^{AT}``
(``A^T`` in discrete time):

* ``d = xf - e^{AT} x0``, ``nu = W(T)^{-1} d`` (batched ``eigh`` of ``W``; the
  pseudo-inverse where ``W`` is singular, as the NumPy path's least squares),
  energy ``d^T nu``;
* continuous trajectory on ``t = 0, dt, ..., T``: ``h(t) = e^{A^T (T - t)} nu``,
  ``u = B^T h`` and the exact step ``x(t + dt) = e^{A dt} x(t) + W(dt) h(t + dt)``;
  ``node_energy`` by Simpson's rule with SciPy's weights;
* discrete: ``h_k = (A^T)^{T-1-k} nu``, ``u_k = B^T h_k``, ``x_{k+1} = A x_k + B u_k``.
"""

from __future__ import annotations

from .._array_api import available_memory_xp, check_array_xp, device_of
from .._validation import check_memory
from .array_api_gramians import expm_xp, gramian_stack_xp, input_gram_xp, stack_xp

__all__ = ["minimum_energy_xp", "minimum_energy_fast_xp"]


def _states(x, name, N, S, single, like, xp):
    """A state ``(N,)`` (or one per subject ``(S, N)`` for a cohort) as ``(S, N)``."""
    if isinstance(x, (list, tuple)):
        x = xp.asarray(x, dtype=like.dtype, device=device_of(like))
    x = xp.astype(check_array_xp(x, name, xp, ndim=(1, 2)), like.dtype)
    if x.ndim == 1 and x.shape[0] == N:
        return xp.broadcast_to(x[None, :], (S, N))
    if x.ndim == 2 and not single and tuple(x.shape) == (S, N):
        return x
    want = f"({N},)" if single else f"({N},) or one per subject ({S}, {N})"
    raise ValueError(f"{name} must have shape {want}, got shape {tuple(x.shape)}")


def _solve_spd(W, d, xp):
    """``W^{-1} d`` for symmetric PSD stacks ``W`` ``(S, N, N)``, ``d`` ``(S, N, k)``.

    Through ``W = V diag(l) V^T`` (batched ``eigh``): eigenvalues below ``N eps max(l)``
    are dropped, so a singular Gramian (an uncontrollable system) gives the
    minimum-norm least-squares solution, as ``numpy.linalg.lstsq`` in the NumPy path;
    an LU ``solve`` would return garbage there without an error.
    """
    l, V = xp.linalg.eigh(W)
    cut = xp.max(l, axis=-1, keepdims=True) * (W.shape[-1] * float(xp.finfo(W.dtype).eps))
    inv = xp.where(l > cut, 1.0 / xp.where(l > cut, l, xp.ones_like(l)), xp.zeros_like(l))
    return V @ (inv[..., None] * (xp.matrix_transpose(V) @ d))


def _matvec(M, v):
    return (M @ v[..., None])[..., 0]


def _propagate(A3, X0, xp, system, T):
    """``e^{AT} x0`` (continuous) or ``A^T x0`` (discrete) for stacks ``X0`` (S, N, k)."""
    if system == "continuous":
        return expm_xp(A3 * T, xp) @ X0
    out = X0
    for _ in range(int(T)):
        out = A3 @ out
    return out


def _simpson_weights(n, dx, like, xp):
    """Weights ``w`` with ``w @ y = scipy.integrate.simpson(y, dx=dx)`` for ``n >= 3`` samples
    (an odd number of intervals: SciPy's correction of the last one)."""
    w = [0.0] * n
    m = n if n % 2 else n - 1               # samples covered by composite Simpson
    for i in range(m):
        w[i] = 1.0 if i in (0, m - 1) else (4.0 if i % 2 else 2.0)
    w = [v * dx / 3.0 for v in w]
    if m < n:
        w[-3] -= dx / 12.0
        w[-2] += 8.0 * dx / 12.0
        w[-1] += 5.0 * dx / 12.0
    return xp.asarray(w, dtype=like.dtype, device=device_of(like))


def minimum_energy_xp(A, x0, xf, B, T, system, dt, n_steps, xp):
    """:func:`netneuro.control.minimum_energy` (``S=None``) for ``A`` of ``xp``.

    A : (N, N) or (S, N, N).  x0, xf : (N,), or (S, N) for a cohort.  Returns a
    :class:`~netneuro.control.MinimumEnergyResult` of ``xp`` arrays: ``x``
    ``([S,] n_t, N)``, ``u`` ``([S,] n_t, m)`` (``([S,] T, m)`` discrete),
    ``energy`` and both ``err`` entries ``()`` or ``(S,)``, ``node_energy``
    ``([S,] m)``.
    """
    from .energy import MinimumEnergyResult

    A3, single = stack_xp(A, xp, "A")
    S, N = A3.shape[0], A3.shape[-1]
    Bm, Q = input_gram_xp(B, N, A3, xp)
    X0 = _states(x0, "x0", N, S, single, A3, xp)
    XF = _states(xf, "xf", N, S, single, A3, xp)
    n_t = n_steps + 1 if system == "continuous" else int(T) + 1
    n_bytes = (4.0 if A3.dtype == xp.float32 else 8.0) * 2.0 * S * n_t * (2 * N + Bm.shape[1])
    check_memory(n_bytes, f"trajectories of {S} x {n_t} samples x {N} nodes",
                 hint="increase dt" if system == "continuous" else "",
                 limit=available_memory_xp(xp, device_of(A3)))
    W = gramian_stack_xp(A3, Q, xp, system, T, "A", single)
    d = XF - _propagate(A3, X0[..., None], xp, system, T)[..., 0]
    nu = _solve_spd(W, d[..., None], xp)[..., 0]
    energy = xp.sum(d * nu, axis=-1)
    inv_err = xp.linalg.vector_norm(_matvec(W, nu) - d, axis=-1)
    At = xp.matrix_transpose(A3)
    if system == "continuous":
        E_dt = expm_xp(A3 * dt, xp)
        E_dt_t = xp.matrix_transpose(E_dt)
        W_dt = gramian_stack_xp(A3, Q, xp, system, dt, "A", single)
        H = [nu]
        for _ in range(n_steps):                       # h(t) = e^{A^T (T - t)} nu, backwards
            H.append(_matvec(E_dt_t, H[-1]))
        H = H[::-1]
        X = [X0]
        for i in range(n_steps):
            X.append(_matvec(E_dt, X[-1]) + _matvec(W_dt, H[i + 1]))
        H = xp.stack(H, axis=1)                        # (S, n_t, N)
        u = H @ Bm                                     # (S, n_t, m): u = B^T h
        node_energy = xp.sum(u * u * _simpson_weights(n_t, dt, A3, xp)[:, None], axis=1)
    else:
        H = [nu]
        for _ in range(int(T) - 1):                    # h_k = (A^T)^{T-1-k} nu
            H.append(_matvec(At, H[-1]))
        H = xp.stack(H[::-1], axis=1)                  # (S, T, N)
        u = H @ Bm                                     # (S, T, m)
        X = [X0]
        for k in range(int(T)):
            X.append(_matvec(A3, X[-1]) + _matvec(Bm, u[:, k, :]))
        node_energy = xp.sum(u * u, axis=1)
    x = xp.stack(X, axis=1)                            # (S, n_t, N)
    rec_err = xp.linalg.vector_norm(x[:, -1, :] - XF, axis=-1)
    if single:
        return MinimumEnergyResult(x[0, ...], u[0, ...], energy[0], node_energy[0, ...],
                                   [inv_err[0], rec_err[0]])
    return MinimumEnergyResult(x, u, energy, node_energy, [inv_err, rec_err])


def minimum_energy_fast_xp(A, T, B, x0, xf, system, xp):
    """:func:`netneuro.control.minimum_energy_fast` for ``A`` ``(N, N)`` or ``(S, N, N)`` of
    ``xp``; ``x0``, ``xf`` ``(N,)`` or ``(N, k)`` (columns, shared by the cohort).
    Returns ``(W^{-1} d) * d`` ``(N, k)`` or ``(S, N, k)``."""
    A3, single = stack_xp(A, xp, "A")
    N = A3.shape[-1]
    _, Q = input_gram_xp(B, N, A3, xp)
    cols = []
    for x, name in ((x0, "x0"), (xf, "xf")):
        if isinstance(x, (list, tuple)):
            x = xp.asarray(x, dtype=A3.dtype, device=device_of(A3))
        x = xp.astype(check_array_xp(x, name, xp, ndim=(1, 2)), A3.dtype)
        if x.shape[0] != N:
            raise ValueError(f"{name} must have {N} entries (one per node of A), got shape "
                             f"{tuple(x.shape)}")
        cols.append(x[:, None] if x.ndim == 1 else x)
    X0, XF = cols
    if X0.shape != XF.shape:
        if X0.shape[1] != 1:
            raise ValueError(f"x0 and xf must hold the same number of states, got shapes "
                             f"{tuple(X0.shape)} and {tuple(XF.shape)}")
        X0 = xp.broadcast_to(X0, XF.shape)
    W = gramian_stack_xp(A3, Q, xp, system, T, "A", single)
    D = XF[None, ...] - _propagate(A3, xp.broadcast_to(X0[None, ...], (A3.shape[0], *X0.shape)),
                                   xp, system, T)
    out = _solve_spd(W, D, xp) * D
    return out[0, ...] if single else out
