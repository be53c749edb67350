"""Network control theory on connectomes: normalisation, Gramians, controllability, energy.

The model is the linear system

    continuous time:  dx/dt = A x(t) + B u(t)
    discrete time:    x(t + 1) = A x(t) + B u(t)

on a structural connectome ``A`` ``(N, N)``, with the input matrix ``B``
``(N, m)`` (default: the identity, every node a control node).  **Orientation:**
in this module (as in nctpy and the control literature) ``A[i, j]`` is the
influence of node ``j`` on node ``i`` (column ``j`` is where input at ``j``
spreads).  This is the transpose of netneuro's graph convention
(``M[i, j]`` = source ``i`` -> target ``j``); for symmetric (undirected)
connectomes the two coincide.  Pass ``M.T`` for a directed matrix in the graph
convention, or use ``orientation="source_target"`` where offered.

Definitions (Gu et al., Nat Commun 6:8414, 2015; Karrer et al., J Neural Eng
17:026031, 2020; Kim et al., Nat Commun 2025 for nctpy's conventions):

* controllability Gramian ``W(T) = int_0^T e^{At} B B^T e^{A^T t} dt``
  (continuous) or ``sum_{k=0}^{T-1} A^k B B^T (A^T)^k`` (discrete, ``T``
  steps); ``T = inf`` for a stable ``A`` solves the Lyapunov equation
  ``A W + W A^T + B B^T = 0`` or the Stein equation ``W = A W A^T + B B^T``;
* average controllability of node ``i``: ``W_ii`` of the pair ``(A^T, I)``,
  i.e. ``sum_k ||A^k e_i||^2`` (energy that input at ``i`` spreads);
* modal controllability ``phi_i = sum_j U_ij^2 (1 - t_j^2)`` from the real Schur
  form ``A = U T U^T`` (eigendecomposition for symmetric ``A``);
* minimum energy to move ``x0 -> xf`` in time ``T``:
  ``d^T W(T)^{-1} d`` with ``d = xf - e^{AT} x0`` (``A^T x0`` in discrete time).

Cohorts: ``average_controllability``, ``modal_controllability`` and
``normalize`` take one matrix ``(N, N)`` or a batch ``(S, N, N)``; symmetric
matrices go through the compiled core (one LAPACK ``dsyevd`` per subject,
subjects spread over ``n_jobs`` threads; BLAS is held to one thread inside those
calls so that results are identical for every ``n_jobs``).  Infinite-horizon
average controllability of a symmetric ``A`` needs no eigenvectors
(``diag((I - A^2)^{-1})`` by Cholesky) and modal controllability is
``1 - sum_k A_ik^2``; see the functions for details.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg as la

from . import _core
from ._parallel import check_n_jobs, limit_blas
from ._validation import (
    check_array,
    check_choice,
    check_float,
    check_int,
    check_memory,
    check_random_state,
    check_square,
)

__all__ = [
    "normalize",
    "average_controllability",
    "modal_controllability",
    "controllability_metrics",
    "boundary_controllability",
    "gramian",
    "minimum_energy",
    "minimum_energy_fast",
    "MinimumEnergyResult",
    "driver_nodes",
    "controllable_nodes",
]

SYSTEMS = ("continuous", "discrete")
_SYM_RTOL = 1e-12  # a matrix within this relative asymmetry is treated as symmetric

_ccore = _core.control


def _check_system(system) -> str:
    if system is None:
        raise ValueError("system must be given: 'continuous' or 'discrete'")
    return check_choice(system, "system", SYSTEMS)


def _is_symmetric(a: np.ndarray, n_jobs: int = 1):
    """True where |a - a^T| <= 1e-12 max|a|: a bool for (N, N), a bool array (S,) for (S, N, N).

    Checked in the compiled core (tiled, no temporaries, threads over subjects).
    """
    if a.ndim == 3:
        return _ccore.symmetric_flags(a, _SYM_RTOL, n_jobs)
    return bool(_ccore.symmetric_flags(a[None], _SYM_RTOL, 1)[0])


def _subset(A3, mask):
    """A3[mask] without copying when the mask selects every subject."""
    return A3 if mask.all() else np.ascontiguousarray(A3[mask])


def _cohort(A, name="A"):
    A = check_square(A, name, batch=True)
    single = A.ndim == 2
    return (A[None] if single else A), single


def _horizon(horizon, system, *, default):
    """Validated horizon: np.inf, a positive float (continuous) or a positive int (discrete)."""
    if horizon is None:
        horizon = default
    if isinstance(horizon, (float, np.floating)) and np.isinf(horizon) and horizon > 0:
        return np.inf
    if system == "discrete":
        return check_int(horizon, "horizon", min_value=1)
    return check_float(horizon, "horizon", min_value=0.0, strict_min=True)


# ---------------------------------------------------------------------------
# normalisation


def normalize(A, system, c: float = 1.0, *, spectral_radius=None, zero_diagonal: bool = False,
              decay=None, n_jobs=None) -> np.ndarray:
    """Normalise connectome(s) for linear dynamics (nctpy ``matrix_normalization``).

    ``A_norm = A / (c + l) - diag(decay)`` for ``system="continuous"`` (``decay``
    defaults to 1 at every node: ``A / (c + l) - I``) and ``A / (c + l)`` for
    ``"discrete"``, where ``l`` is the spectral radius of ``A`` (largest
    ``|eigenvalue|``) unless ``spectral_radius`` is given (a scalar, or one value
    per subject; e.g. the cohort maximum so that subjects share a scale).  With
    ``c > 0`` and the default ``l`` the result is stable (eigenvalues in the unit
    disc, resp. the open left half plane for symmetric ``A``).

    A : (N, N) or (S, N, N) array.  system : 'continuous' or 'discrete' (required).
    zero_diagonal : remove self-connections first (nctpy keeps them by default).
    Returns an array of A's shape, float64.  Symmetric matrices use a compiled
    eigenvalue-only LAPACK call per subject (threads over subjects).
    """
    system = _check_system(system)
    c = check_float(c, "c")
    n_jobs = check_n_jobs(n_jobs)
    A3, single = _cohort(A)
    if zero_diagonal:
        A3 = A3.copy()
        idx = np.arange(A3.shape[1])
        A3[:, idx, idx] = 0.0
    S, N = A3.shape[0], A3.shape[1]
    if decay is not None and system == "discrete":
        raise ValueError("decay applies to continuous-time systems only")
    if spectral_radius is None:
        lam = np.empty(S)
        sym = _is_symmetric(A3, n_jobs)
        if sym.any():
            with limit_blas(1):
                lam[sym] = _ccore.spectral_radius_symmetric(_subset(A3, sym), n_jobs)
        for s in np.flatnonzero(~sym):
            lam[s] = np.abs(np.linalg.eigvals(A3[s])).max()
    else:
        lam = check_array(spectral_radius, "spectral_radius", ndim=(0, 1))
        lam = np.broadcast_to(lam, (S,)) if lam.ndim == 0 or lam.shape == (1,) else lam
        if lam.shape != (S,):
            raise ValueError(f"spectral_radius must be a scalar or have one value per subject "
                             f"({S},), got shape {lam.shape}")
    denom = c + lam
    if np.any(denom == 0):
        raise ValueError("c + spectral radius is zero: the normalisation is undefined")
    out = A3 / denom[:, None, None]
    if system == "continuous":
        if decay is None:
            d = np.ones(N)
        else:
            d = check_array(decay, "decay", ndim=(0, 1))
            if d.ndim == 1 and d.shape != (N,):
                raise ValueError(f"decay must be a scalar or have one value per node ({N},), "
                                 f"got shape {d.shape}")
            d = np.broadcast_to(d, (N,))
        idx = np.arange(N)
        out[:, idx, idx] -= d
    return out[0] if single else out


# ---------------------------------------------------------------------------
# controllability metrics

_HORIZON_CODE = {("discrete", True): 0, ("discrete", False): 1,
                 ("continuous", False): 2, ("continuous", True): 3}


def average_controllability(A_norm, system: str = "discrete", horizon=None, *,
                            n_jobs=None) -> np.ndarray:
    """Average controllability of every node: ``W_ii`` of ``(A^T, I)`` (Gu et al. 2015).

    ``sum_{k=0}^{T-1} ||A^k e_i||^2`` (discrete) or ``int_0^T ||e^{At} e_i||^2 dt``
    (continuous).  ``horizon=None`` follows nctpy's ``ave_control``: infinite for
    ``system="discrete"``, ``T = 1`` for ``"continuous"``; pass ``np.inf`` or a
    finite horizon (an integer number of steps in discrete time) otherwise.

    A_norm : (N, N) or (S, N, N) normalised matrix (see :func:`normalize`).
    Returns (N,) or (S, N).  Symmetric ``A`` (undirected connectomes), in the
    compiled core with threads over subjects: ``sum_j V_ij^2 f(l_j)`` for
    ``A = V diag(l) V^T``; for infinite horizons that is ``diag((I - A^2)^{-1})``
    (discrete) or ``diag((-2A)^{-1})`` (continuous), from one Cholesky
    factorisation and triangular inverse (no eigenvectors); finite horizons use
    one eigendecomposition (``f = (1 - l^{2T}) / (1 - l^2)`` or
    ``(e^{2lT} - 1) / (2l)``).  General ``A``: the diagonal of :func:`gramian`
    of ``(A^T, I)`` (Bartels-Stewart on a real Schur form, Van Loan, doubling).
    An infinite horizon on an unstable system raises ``ValueError``.
    """
    system = _check_system(system)
    n_jobs = check_n_jobs(n_jobs)
    T = _horizon(horizon, system, default=np.inf if system == "discrete" else 1.0)
    A3, single = _cohort(A_norm, "A_norm")
    S, N = A3.shape[0], A3.shape[1]
    out = np.empty((S, N))
    sym = _is_symmetric(A3, n_jobs)
    code = _HORIZON_CODE[(system, bool(np.isinf(T)))]
    if sym.any():
        with limit_blas(1):
            ac, _ = _ccore.symmetric_controllability(
                _subset(A3, sym), code, 0.0 if np.isinf(T) else float(T), True,
                False, n_jobs)
        out[sym] = ac
    general = np.flatnonzero(~sym)

    def one(s):
        try:
            return np.diag(gramian(A3[s].T, None, system=system, horizon=T))
        except ValueError as exc:
            raise ValueError(f"A_norm[{s}]: {exc}" if not single else str(exc)) from None

    for s, row in zip(general, _map_subjects(one, general, n_jobs)):
        out[s] = row
    return out[0] if single else out


def _map_subjects(fn, subjects, n_jobs):
    """fn over subjects (LAPACK releases the GIL): a thread pool when there are several.

    With more than one subject BLAS is held to one thread whatever ``n_jobs``, so
    results do not depend on ``n_jobs``.
    """
    subjects = list(subjects)
    if len(subjects) <= 1:
        return [fn(s) for s in subjects]
    with limit_blas(1):
        if n_jobs <= 1:
            return [fn(s) for s in subjects]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            return list(pool.map(fn, subjects))


def modal_controllability(A_norm, *, n_jobs=None) -> np.ndarray:
    """Modal controllability ``phi_i = sum_j U_ij^2 (1 - t_j^2)`` (Gu et al. 2015; nctpy).

    ``A_norm = U T U^T`` is the real Schur form (LAPACK ``dgees``, the one nctpy
    gets from ``scipy.linalg.schur``) and ``t = diag(T)``, for a discrete-time
    normalisation.  For symmetric ``A_norm`` the Schur form is the
    eigendecomposition and ``phi_i = (I - A^2)_ii = 1 - sum_k A_ik^2`` exactly,
    computed so in ``O(N^2)``.  A : (N, N) or (S, N, N).  Returns (N,) or (S, N).
    For directed ``A`` the Schur vectors depend on LAPACK's eigenvalue order, as
    in nctpy (the measure is defined for undirected networks).
    """
    n_jobs = check_n_jobs(n_jobs)
    A3, single = _cohort(A_norm, "A_norm")
    S, N = A3.shape[0], A3.shape[1]
    out = np.empty((S, N))
    sym = _is_symmetric(A3, n_jobs)
    with limit_blas(1):
        if sym.any():
            _, mc = _ccore.symmetric_controllability(_subset(A3, sym), 0, 0.0,
                                                     False, True, n_jobs)
            out[sym] = mc
        if (~sym).any():
            out[~sym] = _ccore.schur_modal_controllability(_subset(A3, ~sym),
                                                           n_jobs)
    return out[0] if single else out


def controllability_metrics(A_norm, system: str = "discrete", horizon=None, *, n_jobs=None):
    """Average and modal controllability together: ``(ac, mc)``, each (N,) or (S, N).

    The same numbers as :func:`average_controllability` and
    :func:`modal_controllability`, from one eigendecomposition per symmetric
    subject instead of two (the fast path for cohorts).
    """
    system = _check_system(system)
    n_jobs = check_n_jobs(n_jobs)
    T = _horizon(horizon, system, default=np.inf if system == "discrete" else 1.0)
    A3, single = _cohort(A_norm, "A_norm")
    sym = _is_symmetric(A3, n_jobs)
    if not sym.all():
        ac = average_controllability(A3, system, T, n_jobs=n_jobs)
        mc = modal_controllability(A3, n_jobs=n_jobs)
    else:
        code = _HORIZON_CODE[(system, bool(np.isinf(T)))]
        with limit_blas(1):
            ac, mc = _ccore.symmetric_controllability(
                A3, code, 0.0 if np.isinf(T) else float(T), True, True, n_jobs)
    return (ac[0], mc[0]) if single else (ac, mc)


# ---------------------------------------------------------------------------
# Gramians


def _input_matrix(B, N: int, name: str = "B") -> np.ndarray:
    """B as an (N, m) matrix: None -> identity, (N,) -> diag(B), (N, m) as given."""
    if B is None:
        return np.eye(N)
    B = check_array(B, name, ndim=(1, 2))
    if B.shape[0] != N:
        raise ValueError(f"{name} must have {N} rows (one per node of A), got shape {B.shape}")
    return np.diag(B) if B.ndim == 1 else B


def _unstable_error(system, value):
    if system == "continuous":
        return ValueError(
            f"A is not stable (largest real part of an eigenvalue {value:.6g} >= 0): the "
            "infinite-horizon continuous-time Gramian does not exist; normalise A "
            "(normalize(A, 'continuous')) or give a finite horizon")
    return ValueError(
        f"A is not stable (spectral radius {value:.6g} >= 1): the infinite-horizon discrete-time "
        "Gramian does not exist; normalise A (normalize(A, 'discrete')) or give a finite horizon")


def _pair_gain(l: np.ndarray, system: str, T) -> np.ndarray:
    """G[j, k] = Gramian weight of eigenmodes j, k (symmetric A, see gramian)."""
    if system == "continuous":
        s = l[:, None] + l[None, :]
        if np.isinf(T):
            return -1.0 / s
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.expm1(s * T) / s
        return np.where(s == 0, float(T), g)
    p = l[:, None] * l[None, :]
    if np.isinf(T):
        return 1.0 / (1.0 - p)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = (1.0 - np.power(p, T)) / (1.0 - p)
    return np.where(p == 1.0, float(T), g)


def gramian(A, B=None, system: str = "continuous", horizon=None) -> np.ndarray:
    """Controllability Gramian of ``(A, B)`` ``(N, N)``.

    ``W(T) = int_0^T e^{At} B B^T e^{A^T t} dt`` (continuous) or
    ``sum_{k=0}^{T-1} A^k B B^T (A^T)^k`` (discrete, ``T`` steps: the Gramian of
    reaching ``x(T)``; nctpy's ``gramian(A, T)`` sums ``k = 0..T``, i.e. ours with
    ``horizon = T + 1``).  ``horizon=None`` or ``np.inf``: the infinite-horizon
    Gramian, which exists only for stable ``A`` (``ValueError`` otherwise).

    A : (N, N).  B : None (identity), (N,) (diagonal) or (N, m).
    Methods: symmetric ``A = V diag(l) V^T``: ``V (C o G) V^T`` with
    ``C = V^T B B^T V`` and closed-form ``G_jk`` (e.g. ``-1/(l_j + l_k)``);
    general ``A``, infinite: Bartels-Stewart on the real Schur form (LAPACK
    ``dgees`` + ``dtrsyl``; the same Schur form checks stability), the Stein
    equation through the Cayley transform ``(A + I)^{-1} (A - I)``;
    finite continuous: Van Loan's block exponential
    ``expm([[-A, BB^T], [0, A^T]] T)``; finite discrete: doubling
    ``W(2k) = W(k) + A^k W(k) A^kT`` (``O(log T)`` products).
    """
    system = _check_system(system)
    A = check_square(A, "A")
    N = A.shape[0]
    Bm = _input_matrix(B, N)
    T = _horizon(horizon, system, default=np.inf)
    check_memory(8.0 * 12 * N * N, f"the Gramian of a {N}-node system")
    Q = Bm @ Bm.T
    sym = bool(_is_symmetric(A))
    if sym:
        l, V = np.linalg.eigh(A)
        if np.isinf(T):
            value = l[-1] if system == "continuous" else max(-l[0], l[-1])
            if not (value < (0.0 if system == "continuous" else 1.0)):
                raise _unstable_error(system, float(value))
    if sym:
        C = V.T @ Q @ V
        W = V @ (C * _pair_gain(l, system, T)) @ V.T
    elif np.isinf(T):
        W = _lyapunov(A, Q) if system == "continuous" else _stein(A, Q)
    elif system == "continuous":
        M = np.zeros((2 * N, 2 * N))
        M[:N, :N] = -A
        M[:N, N:] = Q
        M[N:, N:] = A.T
        E = la.expm(M * T)
        W = E[N:, N:].T @ E[:N, N:]
    else:
        W = _discrete_finite_gramian(A, Q, int(T))
    return 0.5 * (W + W.T)


def _lyapunov(A, Q, what="continuous"):
    """Bartels-Stewart: W with A W + W A^T + Q = 0, for stable A.

    One real Schur form A = U R U^T (LAPACK dgees) gives both the stability
    check (eigenvalues on the diagonal blocks of R) and the solve: the
    quasi-triangular Sylvester equation R Y + Y R^T = -U^T Q U (LAPACK dtrsyl),
    W = U Y U^T.
    """
    from scipy.linalg.lapack import dtrsyl

    R, U = la.schur(A, output="real")
    eig = la.eigvals(R) if np.any(np.diag(R, -1)) else np.diag(R)
    top = float(np.max(eig.real))
    if not top < 0:
        return None if what == "probe" else _raise_unstable(what, top, A)
    F = U.T @ Q @ U
    Y, scale, info = dtrsyl(R, R, -F, trana="N", tranb="T", isgn=1)
    if info < 0:
        raise RuntimeError(f"dtrsyl failed (info = {info})")
    return U @ (Y / scale) @ U.T


def _raise_unstable(what, top, A):
    if what == "discrete":
        raise _unstable_error("discrete", float(np.max(np.abs(np.linalg.eigvals(A)))))
    raise _unstable_error("continuous", top)


def _stein(A, Q):
    """W with A W A^T - W + Q = 0 for A with spectral radius < 1.

    Cayley (bilinear) transform to a Lyapunov equation, as SciPy does:
    with M = (A + I)^{-1}, Ac = M (A - I) is stable iff A is Schur stable and
    Ac W + W Ac^T = -2 M Q M^T.
    """
    N = A.shape[0]
    ApI = A + np.eye(N)
    try:
        lu = la.lu_factor(ApI, check_finite=False)
    except (la.LinAlgError, ValueError):
        raise _unstable_error("discrete", float(np.max(np.abs(np.linalg.eigvals(A))))) from None
    if np.any(np.diag(lu[0]) == 0):
        raise _unstable_error("discrete", float(np.max(np.abs(np.linalg.eigvals(A)))))
    Ac = la.lu_solve(lu, A - np.eye(N))
    MQ = la.lu_solve(lu, Q)                   # M Q
    rhs = 2.0 * la.lu_solve(lu, MQ.T).T       # 2 M Q M^T (Q symmetric)
    W = _lyapunov(Ac, rhs, what="probe")
    if W is None:
        raise _unstable_error("discrete", float(np.max(np.abs(np.linalg.eigvals(A)))))
    return W


def _discrete_finite_gramian(A, Q, T: int) -> np.ndarray:
    """sum_{k=0}^{T-1} A^k Q A^kT by binary doubling."""
    N = A.shape[0]
    acc = np.zeros((N, N))
    P_acc = np.eye(N)
    base, P_base = Q.copy(), A.copy()
    while T:
        if T & 1:
            acc = acc + P_acc @ base @ P_acc.T
            P_acc = P_acc @ P_base
        T >>= 1
        if T:
            base = base + P_base @ base @ P_base.T
            P_base = P_base @ P_base
    return acc


# ---------------------------------------------------------------------------
# minimum energy


@dataclass
class MinimumEnergyResult:
    """Optimal control from ``x0`` to ``xf``.

    x : (n_t, N) state trajectory (time x nodes); ``n_t = T/dt + 1`` in continuous
        time (samples ``t = 0, dt, ..., T``), ``T + 1`` in discrete time.
    u : (n_t, m) inputs at the same times (continuous) or (T, m) (discrete).
    energy : total control energy ``int u^T u dt`` (``sum_k u_k^T u_k`` in discrete
        time); for minimum-energy control (``S=None``) the exact
        ``d^T W(T)^{-1} d``, otherwise Simpson's rule over the samples.
    node_energy : (m,) ``int u_i^2 dt`` per input channel (Simpson; sum in discrete
        time).  nctpy's ``integrate_u(u)`` equals ``node_energy / dt``.
    err : [inversion residual, reconstruction error ``||x(T) - xf||``].
    """

    x: np.ndarray
    u: np.ndarray
    energy: float
    node_energy: np.ndarray
    err: list

    def __repr__(self) -> str:
        return (f"MinimumEnergyResult(x: {self.x.shape}, u: {self.u.shape}, "
                f"energy={self.energy:.6g}, err=[{self.err[0]:.2g}, {self.err[1]:.2g}])")


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

    A : (N, N) normalised for ``system``.  x0, xf : (N,).  B : None/(N,)/(N, m).
    horizon : time ``T`` (> 0; integer >= 1 steps in discrete time).  dt : sample
    spacing of the continuous trajectory (nctpy: 0.001).  xr : (N,) or 'zero',
    'x0', 'xf', 'midpoint' (with ``S`` only).  Returns :class:`MinimumEnergyResult`.

    Symmetric ``A`` and ``S=None`` (continuous) is solved in the eigenbasis of ``A``
    with closed-form Gramians and one matrix product for the whole trajectory;
    otherwise through matrix exponentials of the Hamiltonian, as nctpy does.
    """
    system = _check_system(system)
    A = check_square(A, "A")
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
        dt = check_float(dt, "dt", min_value=0.0, strict_min=True)
        n_steps = int(np.round(T / dt))
        if n_steps < 2 or abs(n_steps * dt - T) > 1e-9 * max(T, 1.0):
            raise ValueError(f"horizon / dt must be an integer >= 2, got {T} / {dt}")
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
    """
    system = _check_system(system)
    A = check_square(A, "A")
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
    prop = la.expm(A * T) if system == "continuous" else np.linalg.matrix_power(A, int(T))
    D = XF - prop @ X0
    return _spd_solve(W, D) * D


# ---------------------------------------------------------------------------
# structural controllability


def _pattern(A, orientation, include_diagonal):
    A = check_square(A, "A")
    check_choice(orientation, "orientation", ("dynamics", "source_target"))
    P = A != 0
    if orientation == "source_target":
        P = P.T
    if not include_diagonal:
        P = P.copy()
        np.fill_diagonal(P, False)
    return P   # P[i, j]: edge j -> i


def driver_nodes(A, *, orientation: str = "dynamics", include_diagonal: bool = False) -> np.ndarray:
    """Minimum set of driver nodes by maximum matching (Liu, Slotine & Barabasi, Nature 2011).

    The network is the directed graph of the sparsity pattern of ``A``: with
    ``orientation="dynamics"`` (``x' = A x``) an edge ``j -> i`` wherever
    ``A[i, j] != 0``; with ``"source_target"`` (netneuro's graph convention) an
    edge ``i -> j`` wherever ``A[i, j] != 0``.  A maximum matching of the
    bipartite graph (out-copies -> in-copies; SciPy's Hopcroft-Karp
    ``maximum_bipartite_matching``) leaves the unmatched nodes, which must each
    receive an input; with a perfect matching one input (node 0 here) suffices.
    The count ``N_D = max(N - |matching|, 1)`` (the minimum number of independent
    input signals) is unique; the set is one of many.  As in Liu et al.
    (Methods), a matched cycle not reachable from any driver must also receive
    one of the existing signals; driving only the returned nodes, one node per
    signal, then controls fewer than ``N`` nodes (see :func:`controllable_nodes`).
    Self-loops are ignored unless ``include_diagonal`` (a self-loop on every node,
    e.g. the ``-I`` of a continuous normalisation, makes one driver enough).
    Returns the sorted indices of the driver nodes.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    P = _pattern(A, orientation, include_diagonal)
    N = P.shape[0]
    # rows = in-copies (targets i), columns = out-copies (sources j)
    match = maximum_bipartite_matching(csr_matrix(P.astype(np.int8)), perm_type="column")
    drivers = np.flatnonzero(match < 0)
    if drivers.size == 0:
        drivers = np.array([0])
    return drivers.astype(np.intp)


def controllable_nodes(A, inputs, *, orientation: str = "dynamics",
                       include_diagonal: bool = False, seed=0, n_trials: int = 3) -> int:
    """Generic dimension of the controllable subspace for inputs at the nodes ``inputs``.

    The structural (generic) rank of ``[B, AB, ..., A^{N-1} B]`` over all weights on
    the sparsity pattern of ``A`` (Lin 1974; Liu et al. 2011): the number of
    independently controllable nodes.  Computed numerically: random weights
    (uniform on [0.5, 1.5] with random signs, from ``seed``) on the pattern, an
    orthogonalised block Krylov (Arnoldi) iteration, rank by SVD with a relative
    tolerance; the maximum over ``n_trials`` draws.  Exact with probability one in
    exact arithmetic; reliable for small and medium graphs (N up to a few
    hundred).  ``inputs`` : sequence of node indices (or a boolean mask (N,)).
    """
    P = _pattern(A, orientation, include_diagonal)
    N = P.shape[0]
    idx = np.asarray(inputs)
    if idx.dtype == bool:
        if idx.shape != (N,):
            raise ValueError(f"inputs as a mask must have shape ({N},), got {idx.shape}")
        idx = np.flatnonzero(idx)
    if idx.ndim != 1 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
        raise TypeError("inputs must be a 1-D sequence of node indices or a boolean mask")
    if idx.size and (idx.min() < 0 or idx.max() >= N):
        raise ValueError(f"inputs must be node indices in [0, {N}), got {idx.tolist()}")
    idx = np.unique(idx)
    if idx.size == 0:
        return 0
    n_trials = check_int(n_trials, "n_trials", min_value=1)
    rng = check_random_state(seed)
    best = 0
    for _ in range(n_trials):
        W = np.where(P, rng.uniform(0.5, 1.5, P.shape) * rng.choice([-1.0, 1.0], P.shape), 0.0)
        best = max(best, _krylov_dim(W, idx))
        if best == N:
            break
    return best


def _krylov_dim(W, idx):
    N = W.shape[0]
    Q = np.zeros((N, 0))
    block = np.zeros((N, idx.size))
    block[idx, np.arange(idx.size)] = 1.0
    scale = max(1.0, np.abs(W).sum(axis=1).max())
    tol = 1e-9
    for _ in range(N):
        for _rep in range(2):  # re-orthogonalise against the basis so far
            block = block - Q @ (Q.T @ block)
        if block.shape[1] == 0:
            break
        U, s, _ = np.linalg.svd(block, full_matrices=False)
        keep = s > tol * max(1.0, s[0] if s.size else 0.0)
        if not keep.any():
            break
        new = U[:, keep]
        Q = np.hstack([Q, new])
        if Q.shape[1] >= N:
            break
        block = (W @ new) / scale
    return int(Q.shape[1])


# ---------------------------------------------------------------------------
# boundary controllability


def boundary_controllability(A, *, partition=None, rho: float = 0.5,
                             max_levels: int | None = None) -> np.ndarray:
    """Boundary controllability ranks (Gu et al., Nat Commun 6:8414, 2015).

    Nodes on the boundary between communities, found through a hierarchy of
    community partitions, are ranked by how early they appear in it:

    1. level 0 splits the network into communities: ``partition`` if given
       (integer labels (N,)), else Newman's leading-eigenvector bisection of the
       modularity matrix (PNAS 103:8577, 2006; deterministic, no seed);
    2. within the community being split, a node is a *boundary node* when its
       connection strength to the other part(s) is at least ``rho`` times its
       strength to its own part; boundary nodes of a level enter the control
       set in order of that ratio (largest first), before any node of a deeper
       level;
    3. every part with more than one node is bisected again (leading eigenvector
       of its generalised modularity matrix) and step 2 repeats, until no part
       can be split (or ``max_levels``); nodes never found on a boundary come
       last, ordered by their largest ratio seen.

    The value of a node is ``N - position`` in that order (higher = earlier =
    more of a boundary node), following the ranking output of the Bassett lab's
    ``bound_control.m``.  This is our re-implementation of the published
    procedure, not a port of that code (its ``boundaryDetection`` details are not
    reproduced); values depend on the partition.  A : (N, N) symmetric,
    non-negative weights.  Returns (N,) float.
    """
    A = check_square(A, "A")
    from ._validation import check_nonnegative, check_symmetric

    check_symmetric(A, "A")
    check_nonnegative(A, "A")
    rho = check_float(rho, "rho", min_value=0.0)
    N = A.shape[0]
    if max_levels is not None:
        max_levels = check_int(max_levels, "max_levels", min_value=1)
    W = A.copy()
    np.fill_diagonal(W, 0.0)
    if W.max() > 0:
        W = W / W.max()
    k = W.sum(axis=1)
    m2 = k.sum()
    order: list[int] = []
    placed = np.zeros(N, dtype=bool)
    best_ratio = np.zeros(N)

    def bisect(nodes):
        if nodes.size < 2 or m2 == 0:
            return None
        sub = W[np.ix_(nodes, nodes)]
        Bm = sub - np.outer(k[nodes], k[nodes]) / m2
        Bm = Bm - np.diag(Bm.sum(axis=1))
        w, v = np.linalg.eigh(Bm)
        if w[-1] <= 1e-12 * max(1.0, np.abs(w).max()):
            return None
        vec = v[:, -1]
        vec = vec if vec[np.argmax(np.abs(vec))] > 0 else -vec  # fixed sign
        lab = (vec > 0).astype(int)
        if lab.min() == lab.max():
            return None
        return lab

    def boundary(nodes, lab):
        sub = W[np.ix_(nodes, nodes)]
        same = lab[:, None] == lab[None, :]
        s_in = (sub * same).sum(axis=1)
        s_out = (sub * ~same).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(s_in > 0, s_out / s_in, np.where(s_out > 0, np.inf, 0.0))
        return ratio

    # level 0
    all_nodes = np.arange(N)
    if partition is not None:
        lab0 = check_array(partition, "partition", ndim=1, dtype=None)
        if lab0.shape != (N,):
            raise ValueError(f"partition must have shape ({N},), got {lab0.shape}")
        _, lab0 = np.unique(lab0, return_inverse=True)
    else:
        lab0 = bisect(all_nodes)
    parts = [all_nodes] if lab0 is None else [all_nodes[lab0 == g] for g in np.unique(lab0)]
    if lab0 is not None:
        level_splits = [(all_nodes, lab0)]
    else:
        level_splits = []
    level = 0
    while level_splits and (max_levels is None or level < max_levels):
        found = []
        for nodes, lab in level_splits:
            ratio = boundary(nodes, lab)
            best_ratio[nodes] = np.maximum(best_ratio[nodes], np.where(np.isinf(ratio), 1e300,
                                                                       ratio))
            for i in np.flatnonzero(ratio >= rho):
                if not placed[nodes[i]] and ratio[i] > 0:
                    found.append((-ratio[i], nodes[i]))
        for _, node in sorted(found):
            placed[node] = True
            order.append(int(node))
        level += 1
        next_splits, next_parts = [], []
        for nodes in parts:
            lab = bisect(nodes)
            if lab is None:
                continue
            next_splits.append((nodes, lab))
            next_parts.extend([nodes[lab == 0], nodes[lab == 1]])
        level_splits = next_splits
        parts = next_parts
    rest = np.flatnonzero(~placed)
    rest = rest[np.lexsort((rest, -best_ratio[rest]))]
    order.extend(int(i) for i in rest)
    values = np.empty(N)
    values[np.array(order, dtype=np.intp)] = N - np.arange(N)
    return values
