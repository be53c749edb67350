"""Minimum and optimal control energy (continuous and discrete time).

Minimum-energy control from the Gramian (``d^T W(T)^{-1} d``), nctpy's optimal
control with a state cost through the Hamiltonian system, and nctpy's
``minimum_energy_fast`` for many transitions at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._array_api import namespace
from .._validation import (
    check_array,
    check_choice,
    check_float,
    check_memory,
    check_square,
)
from .gramians import _discrete_finite_gramian, _input_matrix, _named, _pair_gain, gramian
from .normalise import _check_system, _horizon, _is_symmetric

__all__ = ["minimum_energy", "minimum_energy_fast", "MinimumEnergyResult"]

# ---------------------------------------------------------------------------
# minimum energy


@dataclass
class MinimumEnergyResult:
    """Optimal control from ``x0`` to ``xf``.

    Attributes
    ----------
    x : ndarray, shape (n_t, N)
        State trajectory (time x nodes); ``n_t = T/dt + 1`` in continuous
        time (samples ``t = 0, dt, ..., T``), ``T + 1`` in discrete time.
    u : ndarray, shape (n_t, m) or (T, m)
        Inputs at the same times (continuous) or (T, m) (discrete).
    energy : float
        Total control energy ``int u^T u dt`` (``sum_k u_k^T u_k`` in discrete
        time); for minimum-energy control (``S=None``) the exact
        ``d^T W(T)^{-1} d``, otherwise Simpson's rule over the samples.
    node_energy : ndarray, shape (m,)
        ``int u_i^2 dt`` per input channel (Simpson; sum in discrete
        time).  nctpy's ``integrate_u(u)`` equals ``node_energy / dt``.
    err : list of float
        [inversion residual, reconstruction error ``||x(T) - xf||``].

    From a torch / CuPy input every field is an array of that library, with a
    leading subject axis for a cohort (``energy`` and ``err`` entries ``(S,)``).
    """

    x: np.ndarray
    u: np.ndarray
    energy: float
    node_energy: np.ndarray
    err: list

    def __repr__(self) -> str:
        def num(v, fmt):  # a float, or an array of another library (0-d or per subject)
            shape = tuple(getattr(v, "shape", ()))
            return format(float(v), fmt) if shape == () else f"<{shape[0]} values>"

        return (f"MinimumEnergyResult(x: {tuple(self.x.shape)}, u: {tuple(self.u.shape)}, "
                f"energy={num(self.energy, '.6g')}, err=[{num(self.err[0], '.2g')}, "
                f"{num(self.err[1], '.2g')}])")


def _state(x, name, N, *, allow_columns=False):
    x = check_array(x, name, ndim=(1, 2) if allow_columns else (1, 2))
    if x.ndim == 2 and not allow_columns:
        if x.shape[1] != 1:
            raise ValueError(f"{name} must be one state of shape ({N},) or ({N}, 1), "
                             f"got shape {x.shape}")
        x = x[:, 0]
    if x.shape[0] != N:
        raise ValueError(f"{name} must have {N} entries (one per node of A), got shape {x.shape}")
    return x


def _spd_solve(W, d):
    """W^{-1} d for a symmetric positive (semi)definite W; least squares if singular."""
    import scipy.linalg as la  # on first use: importing netneuro stays light

    try:
        return la.cho_solve(la.cho_factor(W, lower=True, check_finite=False), d,
                            check_finite=False)
    except la.LinAlgError:
        return np.linalg.lstsq(W, d, rcond=None)[0]


def minimum_energy(A, x0, xf, B=None, horizon=1, system: str = "continuous", *, S=None,
                   rho: float = 1.0, xr="zero", dt: float = 0.001) -> MinimumEnergyResult:
    """Optimal inputs, trajectory and energy that drive ``x0`` to ``xf`` in ``horizon``.

    With ``S=None`` (default): minimum-energy control, the unique ``u`` of least
    ``int u^T u`` with ``x(T) = xf``: ``u(t) = B^T e^{A^T (T - t)} W(T)^{-1} d``,
    ``d = xf - e^{AT} x0`` (discrete: ``u_k = B^T (A^T)^{T-1-k} W^{-1} d``).  With a
    state-cost matrix ``S`` ``(N, N)`` (or ``"identity"``): nctpy's optimal control
    minimising ``int (x - xr)^T S (x - xr) + rho u^T u`` (Kim et al. 2025, Eqs. 6-9),
    through the state/costate (Hamiltonian) system.

    A : (N, N) normalised for ``system``, or a cohort (S, N, N) (subject by
    subject; fields stacked along a first axis, ``energy`` and ``err`` entries
    (S,)).  x0, xf : (N,), or (S, N) for a cohort.  B : None/(N,)/(N, m).
    horizon : time ``T`` (> 0; integer >= 1 steps in discrete time).  dt : sample
    spacing of the continuous trajectory (nctpy: 0.001).  xr : (N,) or 'zero',
    'x0', 'xf', 'midpoint' (with ``S`` only).  Returns :class:`MinimumEnergyResult`.

    Symmetric ``A`` and ``S=None`` (continuous) is solved in the eigenbasis of ``A``
    with closed-form Gramians and one matrix product for the whole trajectory;
    otherwise through matrix exponentials of the Hamiltonian, as nctpy does.

    A torch or CuPy ``A`` (``S=None`` only; ``x0``, ``xf``, ``B`` of the same library
    or lists) is computed by its own library on its device, also for a cohort
    ``(S, N, N)`` with ``x0``, ``xf`` ``(N,)`` or ``(S, N)``; the result's fields are
    arrays of that library (``energy`` ``()`` or ``(S,)``; see
    :mod:`netneuro.control.array_api_energy`).
    """
    system = _check_system(system)
    xp, native = namespace(A, x0, xf, B)
    if not native:
        return _minimum_energy_foreign(A, x0, xf, B, horizon, system, S, dt, xp)
    A = check_square(A, "A", batch=True)
    if A.ndim == 3:
        return _minimum_energy_cohort(A, x0, xf, B, horizon, system, S=S, rho=rho, xr=xr,
                                      dt=dt)
    N = A.shape[0]
    Bm = _input_matrix(B, N)
    x0 = _state(x0, "x0", N)
    xf = _state(xf, "xf", N)
    rho = check_float(rho, "rho", min_value=0.0, strict_min=True)
    T = _horizon(horizon, system, default=1)
    if np.isinf(T):
        raise ValueError("horizon must be finite for minimum_energy (use gramian for T = inf)")
    if S is not None:
        if isinstance(S, str):
            check_choice(S, "S", ("identity",))
            S = np.eye(N)
        else:
            S = check_square(S, "S")
            if S.shape[0] != N:
                raise ValueError(f"S must be ({N}, {N}), got shape {S.shape}")
        xr = _reference(xr, x0, xf, N)
    if system == "continuous":
        dt, n_steps = _time_grid(T, dt)
        check_memory(8.0 * (n_steps + 1) * (3 * N + Bm.shape[1]),
                     f"a trajectory of {n_steps + 1} samples x {N} nodes", hint="increase dt")
        if S is None and bool(_is_symmetric(A)):
            return _min_energy_continuous_sym(A, Bm, x0, xf, T, dt, n_steps)
        return _hamiltonian_continuous(A, Bm, x0, xf, T, dt, n_steps,
                                       np.zeros((N, N)) if S is None else S, rho,
                                       np.zeros(N) if S is None else xr, exact=S is None)
    if S is None:
        return _min_energy_discrete(A, Bm, x0, xf, int(T))
    return _optimal_discrete(A, Bm, x0, xf, int(T), S, rho, xr)


def _time_grid(T, dt):
    """Validated ``(dt, n_steps)`` of a continuous trajectory over ``[0, T]``."""
    dt = check_float(dt, "dt", min_value=0.0, strict_min=True)
    n_steps = int(np.round(T / dt))
    if n_steps < 2 or abs(n_steps * dt - T) > 1e-9 * max(T, 1.0):
        raise ValueError(f"horizon / dt must be an integer >= 2, got {T} / {dt}")
    return dt, n_steps


def _minimum_energy_cohort(A, x0, xf, B, horizon, system, **kwargs):
    """minimum_energy subject by subject for a NumPy cohort (S, N, N), fields stacked."""
    n_sub, N = A.shape[0], A.shape[1]
    states = []
    for x, name in ((x0, "x0"), (xf, "xf")):
        x = check_array(x, name, ndim=(1, 2))
        if x.shape not in ((N,), (n_sub, N)):
            raise ValueError(f"{name} must have shape ({N},) or one per subject ({n_sub}, {N}), "
                             f"got shape {x.shape}")
        states.append(np.broadcast_to(x, (n_sub, N)))
    Bm = _input_matrix(B, N)
    runs = [_named(minimum_energy, s, A[s], states[0][s], states[1][s], Bm, horizon, system,
                   **kwargs) for s in range(n_sub)]
    return MinimumEnergyResult(*(np.stack([getattr(r, f) for r in runs])
                                 for f in ("x", "u", "energy", "node_energy")),
                               [np.array([r.err[k] for r in runs]) for k in range(2)])


def _minimum_energy_foreign(A, x0, xf, B, horizon, system, S, dt, xp):
    """minimum_energy for torch / CuPy / ... input (array_api_energy)."""
    if S is not None:
        raise NotImplementedError(
            f"minimum_energy with a state cost S is not available for {xp.__name__} arrays "
            "(the Array API path computes minimum-energy control, S=None); pass NumPy arrays")
    T = _horizon(horizon, system, default=1)
    if np.isinf(T):
        raise ValueError("horizon must be finite for minimum_energy (use gramian for T = inf)")
    from .array_api_energy import minimum_energy_xp

    if system == "continuous":
        dt, n_steps = _time_grid(T, dt)
        return minimum_energy_xp(A, x0, xf, B, float(T), system, dt, n_steps, xp)
    return minimum_energy_xp(A, x0, xf, B, int(T), system, None, None, xp)


def _reference(xr, x0, xf, N):
    if isinstance(xr, str):
        check_choice(xr, "xr", ("zero", "x0", "xf", "midpoint"))
        return {"zero": np.zeros(N), "x0": x0, "xf": xf, "midpoint": x0 + (xf - x0) * 0.5}[xr]
    return _state(xr, "xr", N)


def _simpson_rows(u2, dx):
    from scipy.integrate import simpson

    return simpson(u2, dx=dx, axis=0)


def _min_energy_continuous_sym(A, Bm, x0, xf, T, dt, n_steps):
    if Bm.shape[0] == Bm.shape[1] and np.array_equal(Bm, np.eye(Bm.shape[0])):
        return _min_energy_continuous_sym_full(A, x0, xf, T, dt, n_steps)
    l, V = np.linalg.eigh(A)
    VB = V.T @ Bm                      # (N, m)
    C = VB @ VB.T                      # V^T B B^T V
    y0, yf = V.T @ x0, V.T @ xf
    eT = np.exp(l * T)
    d = yf - eT * y0
    W = C * _pair_gain(l, "continuous", T)
    nu = _spd_solve(W, d)
    energy = float(d @ nu)
    inv_err = float(np.linalg.norm(W @ nu - d))
    t = np.arange(n_steps + 1) * dt
    # h(t) = e^{L (T - t)} nu for every sample: (N, n_t)
    H = np.exp(np.outer(l, T - t)) * nu[:, None]
    # exact step y(t + dt) = e^{L dt} y(t) + (C o G(dt)) h(t + dt)
    R = (C * _pair_gain(l, "continuous", dt)) @ H[:, 1:]
    Y = np.empty((A.shape[0], n_steps + 1))
    Y[:, 0] = y0
    edt = np.exp(l * dt)
    y = y0
    for i in range(n_steps):
        y = edt * y + R[:, i]
        Y[:, i + 1] = y
    x = (V @ Y).T
    u = (VB.T @ H).T
    node_energy = _simpson_rows(u * u, dt)
    return MinimumEnergyResult(x, u, energy, node_energy,
                               [inv_err, float(np.linalg.norm(x[-1] - xf))])


def _min_energy_continuous_sym_full(A, x0, xf, T, dt, n_steps):
    """B = I: every eigenmode is controlled on its own, all in closed form.

    In the eigenbasis (A = V diag(l) V^T, y = V^T x) with h(t) = e^{l (T - t)} nu:
    y(t) = e^{l t} y0 + g(t) e^{l (T - t)} nu, g(t) = (e^{2 l t} - 1) / (2 l),
    nu = d / g(T), and u(t) = V h(t): two matrix products for the whole trajectory.
    """
    l, V = np.linalg.eigh(A)
    y0, yf = V.T @ x0, V.T @ xf
    d = yf - np.exp(l * T) * y0
    two_l = 2.0 * l
    with np.errstate(divide="ignore", invalid="ignore"):
        gT = np.expm1(two_l * T) / two_l                       # g(T) = int_0^T e^{2 l s} ds
    gT[two_l == 0.0] = T
    nu = d / gT
    energy = float(d @ nu)
    inv_err = float(np.linalg.norm(gT * nu - d))
    t = np.arange(n_steps + 1) * dt
    Et = np.exp(np.outer(t, l))                                # (n_t, N): e^{l t}
    H = np.exp(np.outer(T - t, l)) * nu                        # e^{l (T - t)} nu
    with np.errstate(divide="ignore", invalid="ignore"):
        G = np.expm1(np.outer(t, two_l)) / two_l
    if np.any(two_l == 0.0):
        G[:, two_l == 0.0] = t[:, None]
    Y = Et * y0 + G * H
    x = Y @ V.T
    u = H @ V.T
    node_energy = _simpson_rows(u * u, dt)
    return MinimumEnergyResult(x, u, energy, node_energy,
                               [inv_err, float(np.linalg.norm(x[-1] - xf))])


def _hamiltonian_continuous(A, Bm, x0, xf, T, dt, n_steps, S, rho, xr, exact):
    """nctpy's formulation (Kim et al. 2025, Eqs. 6-9): [x; p]' = M [x; p] + [0; 2 S xr]."""
    import scipy.linalg as la

    N = A.shape[0]
    BBt = Bm @ Bm.T
    M = np.block([[A, -BBt / (2 * rho)], [-2 * S, -A.T]])
    E = la.expm(M * T)
    E_dt = la.expm(M * dt)
    ref_in = np.concatenate([np.zeros(N), 2 * S @ xr])
    ref_off = np.linalg.solve(M, ref_in) if np.any(ref_in) else np.zeros(2 * N)
    E11, E12 = E[:N, :N], E[:N, N:]
    b1 = np.concatenate([E11 - np.eye(N), E12], axis=1) @ ref_off
    rhs = xf - E11 @ x0 - b1
    p0 = np.linalg.solve(E12, rhs)
    inv_err = float(np.linalg.norm(E12 @ p0 - rhs))
    Z = np.empty((n_steps + 1, 2 * N))
    Z[0, :N], Z[0, N:] = x0, p0
    off = (E_dt - np.eye(2 * N)) @ ref_off
    z = Z[0]
    for i in range(1, n_steps + 1):
        z = E_dt @ z + off
        Z[i] = z
    x = Z[:, :N]
    u = (Z[:, N:] @ Bm) * (-1.0 / (2 * rho))      # u = -B^T p / (2 rho)
    node_energy = _simpson_rows(u * u, dt)
    if exact:
        W = gramian(A, Bm, "continuous", T)
        dd = xf - la.expm(A * T) @ x0
        energy = float(dd @ _spd_solve(W, dd))
    else:
        energy = float(node_energy.sum())
    return MinimumEnergyResult(x, u, energy, node_energy,
                               [inv_err, float(np.linalg.norm(x[-1] - xf))])


def _min_energy_discrete(A, Bm, x0, xf, T):
    N = A.shape[0]
    W = _discrete_finite_gramian(A, Bm @ Bm.T, T)
    AT_x0 = x0
    for _ in range(T):
        AT_x0 = A @ AT_x0
    d = xf - AT_x0
    nu = _spd_solve(0.5 * (W + W.T), d)
    inv_err = float(np.linalg.norm(W @ nu - d))
    H = np.empty((T, N))             # h_k = (A^T)^{T-1-k} nu
    H[T - 1] = nu
    for k in range(T - 2, -1, -1):
        H[k] = A.T @ H[k + 1]
    u = H @ Bm                        # (T, m): u_k = B^T h_k
    x = np.empty((T + 1, N))
    x[0] = x0
    for k in range(T):
        x[k + 1] = A @ x[k] + Bm @ u[k]
    node_energy = (u * u).sum(axis=0)
    return MinimumEnergyResult(x, u, float(d @ nu), node_energy,
                               [inv_err, float(np.linalg.norm(x[-1] - xf))])


def _optimal_discrete(A, Bm, x0, xf, T, S, rho, xr):
    """Discrete optimal control with state cost: one sparse linear system for all unknowns.

    Unknowns x(1..T-1), p(0..T-1); rows: x(t+1) = A x(t) - BB^T p(t) / (2 rho)
    (t = 0..T-1) and p(t-1) = A^T p(t) + 2 S (x(t) - xr) (t = 1..T-1).
    """
    from scipy import sparse
    from scipy.sparse.linalg import splu

    if T < 2:
        raise ValueError("horizon must be >= 2 steps for discrete optimal control with S")
    N = A.shape[0]
    G = -Bm @ Bm.T / (2 * rho)
    nx, npp = T - 1, T
    n_unk = (nx + npp) * N
    blocks = [[None] * (nx + npp) for _ in range(2 * T - 1)]
    I = sparse.identity(N, format="csr")
    rhs = np.zeros(n_unk)
    for t in range(T):                               # x(t+1) - A x(t) - G p(t) = 0
        r = t
        blocks[r][nx + t] = sparse.csr_matrix(-G)
        if t + 1 <= T - 1:
            blocks[r][t] = I                          # x(t+1): unknown index t
        if t >= 1:
            blocks[r][t - 1] = sparse.csr_matrix(-A)  # x(t): unknown index t - 1
        b = np.zeros(N)                               # known x(0), x(T) to the right
        if t == 0:
            b += A @ x0
        if t == T - 1:
            b -= xf
        rhs[r * N:(r + 1) * N] = b
    for t in range(1, T):                            # p(t-1) - A^T p(t) - 2 S x(t) = -2 S xr
        r = T + t - 1
        blocks[r][t - 1] = sparse.csr_matrix(-2 * S)
        blocks[r][nx + t - 1] = I
        blocks[r][nx + t] = sparse.csr_matrix(-A.T)
        rhs[r * N:(r + 1) * N] = -2 * S @ xr
    Msys = sparse.bmat(blocks, format="csc")
    v = splu(Msys).solve(rhs)
    inv_err = float(np.linalg.norm(Msys @ v - rhs))
    X = v[:nx * N].reshape(nx, N)
    P = v[nx * N:].reshape(npp, N)
    x = np.vstack([x0, X, xf])
    u = (P @ Bm) * (-1.0 / (2 * rho))
    traj_err = float(np.linalg.norm(x[1:] - (x[:-1] @ A.T + u @ Bm.T)))
    node_energy = (u * u).sum(axis=0)
    return MinimumEnergyResult(x, u, float(node_energy.sum()), node_energy, [inv_err, traj_err])


def minimum_energy_fast(A, T, B, x0, xf, *, system: str = "continuous") -> np.ndarray:
    """Minimum control energy for many transitions at once (nctpy ``minimum_energy_fast``).

    Returns ``(W^{-1} d) * d`` ``(N, k)`` (per node; a column sums to the energy
    ``d^T W^{-1} d``) for the columns of ``x0``, ``xf`` ``(N,)`` or ``(N, k)``, with
    ``d = xf - e^{AT} x0`` (``A^T x0`` discrete) and ``W`` the Gramian of ``(A, B)``
    over ``T``.  The Gramian is exact (closed form for symmetric ``A``, Van Loan
    otherwise) where nctpy integrates it with Simpson's rule over 1000 steps and
    inverts it with ``pinv``; they agree while ``W`` is well conditioned.
    A cohort ``A`` ``(S, N, N)`` gives ``(S, N, k)`` (the same states for every
    subject).

    A torch or CuPy ``A`` (``(N, N)`` or a cohort ``(S, N, N)``, returning
    ``(S, N, k)``) is computed by its own library on its device (see
    :mod:`netneuro.control.array_api_energy`).
    """
    system = _check_system(system)
    xp, native = namespace(A, B, x0, xf)
    if not native:
        from .array_api_energy import minimum_energy_fast_xp

        T = _horizon(T, system, default=1)
        if np.isinf(T):
            raise ValueError("T must be finite")
        return minimum_energy_fast_xp(A, float(T) if system == "continuous" else int(T), B,
                                      x0, xf, system, xp)
    A = check_square(A, "A", batch=True)
    if A.ndim == 3:
        return np.stack([_named(minimum_energy_fast, s, A[s], T, B, x0, xf, system=system)
                         for s in range(A.shape[0])])
    N = A.shape[0]
    Bm = _input_matrix(B, N)
    T = _horizon(T, system, default=1)
    if np.isinf(T):
        raise ValueError("T must be finite")
    X0 = _state(x0, "x0", N, allow_columns=True)
    XF = _state(xf, "xf", N, allow_columns=True)
    X0 = X0[:, None] if X0.ndim == 1 else X0
    XF = XF[:, None] if XF.ndim == 1 else XF
    if X0.shape != XF.shape:
        if X0.shape[1] == 1:
            X0 = np.broadcast_to(X0, XF.shape)
        else:
            raise ValueError(f"x0 and xf must hold the same number of states, got shapes "
                             f"{X0.shape} and {XF.shape}")
    if bool(_is_symmetric(A)):
        l, V = np.linalg.eigh(A)
        VB = V.T @ Bm
        W = (VB @ VB.T) * _pair_gain(l, system, T)
        prop = np.exp(l * T) if system == "continuous" else np.power(l, int(T))
        D = V.T @ XF - prop[:, None] * (V.T @ X0)
        Z = V @ _spd_solve(W, D)
        Dx = V @ D
        return Z * Dx
    W = gramian(A, Bm, system, T)
    from scipy.linalg import expm

    prop = expm(A * T) if system == "continuous" else np.linalg.matrix_power(A, int(T))
    D = XF - prop @ X0
    return _spd_solve(W, D) * D
