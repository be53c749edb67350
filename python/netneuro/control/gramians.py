"""Controllability Gramians and the controllability metrics read from them.

Average controllability is the diagonal of the Gramian of ``(A^T, I)``; modal
controllability comes from the Schur form (see the package docstring of
:mod:`netneuro.control` for definitions and orientation).
"""

from __future__ import annotations

import numpy as np

from .._array_api import namespace
from .._parallel import check_n_jobs, limit_blas
from .._validation import check_array, check_bool, check_memory, check_square
from .normalise import _ccore, _check_system, _cohort, _horizon, _is_symmetric, _subset

__all__ = ["average_controllability", "modal_controllability", "controllability_metrics",
           "gramian"]

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
    An infinite horizon on an unstable system raises ``ValueError``.  A torch or
    CuPy array is computed by its own library on its own device and returned as
    such: symmetric matrices by ``eigh``, directed ones as the diagonal of the
    Gramian by matrix products (see :mod:`netneuro.control.array_api` and
    :mod:`netneuro.control.array_api_gramians`).
    """
    system = _check_system(system)
    n_jobs = check_n_jobs(n_jobs)
    T = _horizon(horizon, system, default=np.inf if system == "discrete" else 1.0)
    xp, native = namespace(A_norm)
    if not native:  # torch, CuPy, ...: symmetric matrices on their own device
        from .array_api import average_controllability_xp

        return average_controllability_xp(A_norm, xp, system, float(T), _unstable_error)
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


def modal_controllability(A_norm, *, n_jobs=None, check_stable: bool = True) -> np.ndarray:
    """Modal controllability ``phi_i = sum_j U_ij^2 (1 - t_j^2)`` (Gu et al. 2015; nctpy).

    ``A_norm = U T U^T`` is the real Schur form (LAPACK ``dgees``, the one nctpy
    gets from ``scipy.linalg.schur``) and ``t = diag(T)``, for a discrete-time
    normalisation.  For symmetric ``A_norm`` the Schur form is the
    eigendecomposition and ``phi_i = (I - A^2)_ii = 1 - sum_k A_ik^2`` exactly,
    computed so in ``O(N^2)``.  A : (N, N) or (S, N, N).  Returns (N,) or (S, N).
    For directed ``A`` the Schur vectors depend on LAPACK's eigenvalue order, as
    in nctpy (the measure is defined for undirected networks).

    The measure needs a stable discrete-time system: like
    :func:`average_controllability`, a matrix with an eigenvalue ``|l| >= 1``
    (e.g. one not normalised with ``normalize(A, "discrete")``) raises
    ``ValueError`` unless ``check_stable=False`` (nctpy computes it regardless).
    The check costs nothing when ``max_i sum_k |A_ik| < 1`` (or the same by
    columns); otherwise one Cholesky factorisation of ``I - A^2`` (symmetric) or
    the eigenvalues (directed) per subject.
    """
    n_jobs = check_n_jobs(n_jobs)
    check_stable = check_bool(check_stable, "check_stable")
    xp, native = namespace(A_norm)
    if not native:  # torch, CuPy, ...: symmetric matrices on their own device
        from .array_api import modal_controllability_xp

        return modal_controllability_xp(A_norm, xp, check_stable)
    A3, single = _cohort(A_norm, "A_norm")
    S, N = A3.shape[0], A3.shape[1]
    out = np.empty((S, N))
    sym = _is_symmetric(A3, n_jobs)
    if check_stable:
        _refuse_unstable_discrete(A3, sym, n_jobs, single)
    with limit_blas(1):
        if sym.any():
            _, mc = _ccore.symmetric_controllability(_subset(A3, sym), 0, 0.0,
                                                     False, True, n_jobs)
            out[sym] = mc
        if (~sym).any():
            out[~sym] = _ccore.schur_modal_controllability(_subset(A3, ~sym),
                                                           n_jobs)
    return out[0] if single else out


def _refuse_unstable_discrete(A3, sym, n_jobs, single):
    """ValueError naming the first subject of A3 (S, N, N) with spectral radius >= 1.

    Gershgorin-type bound first (rho <= the largest absolute row or column sum);
    subjects it does not clear: symmetric ones through the core's Cholesky test
    of ``I - A^2`` (the one behind average_controllability), others by eigenvalues.
    """
    def refuse(s, detail):
        name = "A_norm" if single else f"A_norm[{s}]"
        raise ValueError(
            f"{name} is not stable for a discrete-time system ({detail}): modal "
            "controllability is defined for a discrete-time normalised matrix; normalise "
            "it with normalize(A, 'discrete') (or pass check_stable=False)")

    def bound(a):
        b = np.abs(a)
        return min(b.sum(axis=0).max(), b.sum(axis=1).max())

    unclear = np.array([bound(a) >= 1.0 for a in A3], dtype=bool)
    check_sym = unclear & sym
    if check_sym.any():
        subjects = np.flatnonzero(check_sym)
        try:
            with limit_blas(1):
                _ccore.symmetric_controllability(_subset(A3, check_sym), 0, 0.0, True, False,
                                                 n_jobs)
        except ValueError as exc:
            import re

            hit = re.match(r"A\[(\d+)\]", str(exc))
            refuse(int(subjects[int(hit.group(1))]) if hit else int(subjects[0]),
                   "an eigenvalue has |l| >= 1")
    for s in np.flatnonzero(unclear & ~sym):
        rho = float(np.abs(np.linalg.eigvals(A3[s])).max())
        if not rho < 1.0:
            refuse(int(s), f"spectral radius {rho:.6g} >= 1")


def controllability_metrics(A_norm, system: str = "discrete", horizon=None, *, n_jobs=None):
    """Average and modal controllability together: ``(ac, mc)``, each (N,) or (S, N).

    The same numbers as :func:`average_controllability` and
    :func:`modal_controllability`, from one eigendecomposition per symmetric
    subject instead of two (the fast path for cohorts).  A torch or CuPy array
    is computed by its own library, as by the two functions.
    """
    system = _check_system(system)
    n_jobs = check_n_jobs(n_jobs)
    T = _horizon(horizon, system, default=np.inf if system == "discrete" else 1.0)
    if not namespace(A_norm)[1]:
        return (average_controllability(A_norm, system, T),
                modal_controllability(A_norm))
    A3, single = _cohort(A_norm, "A_norm")
    sym = _is_symmetric(A3, n_jobs)
    if not sym.all():
        ac = average_controllability(A3, system, T, n_jobs=n_jobs)
        mc = modal_controllability(A3, n_jobs=n_jobs)
    else:
        code = _HORIZON_CODE[(system, bool(np.isinf(T)))]
        if code != _HORIZON_CODE[("discrete", True)]:   # (that one refuses in the core)
            _refuse_unstable_discrete(A3, sym, n_jobs, single)
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

    A : (N, N) or a cohort (S, N, N) (one Gramian per subject, returned
    (S, N, N)).  B : None (identity), (N,) (diagonal, e.g. a 0/1 control set)
    or (N, m), shared by the cohort.
    Methods (NumPy input): symmetric ``A = V diag(l) V^T``: ``V (C o G) V^T`` with
    ``C = V^T B B^T V`` and closed-form ``G_jk`` (e.g. ``-1/(l_j + l_k)``);
    general ``A``, infinite: Bartels-Stewart on the real Schur form (LAPACK
    ``dgees`` + ``dtrsyl``; the same Schur form checks stability), the Stein
    equation through the Cayley transform ``(A + I)^{-1} (A - I)``;
    finite continuous: Van Loan's block exponential
    ``expm([[-A, BB^T], [0, A^T]] T)``; finite discrete: doubling
    ``W(2k) = W(k) + A^k W(k) A^kT`` (``O(log T)`` products).  A torch or CuPy
    array (``B`` of the same library or a list) is computed by its own library on
    its own device, symmetric or directed, and returned as such (see
    :mod:`netneuro.control.array_api_gramians`).
    """
    system = _check_system(system)
    xp, native = namespace(A, B)
    if not native:
        from .array_api_gramians import gramian_xp

        T = _horizon(horizon, system, default=np.inf)
        return gramian_xp(A, B, xp, system, float(T))
    A = check_square(A, "A", batch=True)
    if A.ndim == 3:
        Bm = _input_matrix(B, A.shape[1])
        return np.stack([_named(gramian, s, A[s], Bm, system, horizon)
                         for s in range(A.shape[0])])
    N = A.shape[0]
    Bm = _input_matrix(B, N)
    T = _horizon(horizon, system, default=np.inf)
    check_memory(8.0 * 12 * N * N, f"the Gramian of a {N}-node system")
    if N < _WORKER_MIN_N:
        return _gramian(A, Bm, system, T)
    return _abandonable(_gramian, A, Bm, system, T)


def _named(fn, s, *args, **kwargs):
    """fn(*args, **kwargs) for subject s of a cohort; its ValueError names ``A[s]``."""
    try:
        return fn(*args, **kwargs)
    except ValueError as exc:
        msg = str(exc)
        raise ValueError(f"A[{s}]{msg[1:]}" if msg.startswith("A ") else
                         f"A[{s}]: {msg}") from None


#: From this size on, gramian computes on a worker thread (see _abandonable).
_WORKER_MIN_N = 256


def _abandonable(fn, *args):
    """``fn(*args)`` on a worker thread while the main thread waits in short slices.

    A LAPACK call (an eigendecomposition of a 3000-node matrix takes seconds) cannot
    be interrupted; NumPy's releases the GIL, so the waiting main thread runs
    Python's SIGINT handler at once and raises ``KeyboardInterrupt``, abandoning the
    worker: it finishes its current call in the background (its result is dropped;
    it holds references to its inputs, so nothing is freed under it).  From any
    other thread (signals reach only the main thread) ``fn`` runs in place.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        return fn(*args)
    box = {}
    done = threading.Event()

    def work():
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # handed to the caller below
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, name="netneuro-control", daemon=True).start()
    while not done.wait(0.05):
        pass
    if "error" in box:
        raise box["error"]
    return box["value"]


def _gramian(A, Bm, system, T):
    """The computation of :func:`gramian` on validated input (see there)."""
    N = A.shape[0]
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
        from scipy.linalg import expm

        E = expm(M * T)
        W = E[N:, N:].T @ E[:N, N:]
    else:
        W = _discrete_finite_gramian(A, Q, int(T))
    return 0.5 * (W + W.T)


def _lyapunov(A, Q, what="continuous"):
    """Bartels-Stewart: W with A W + W A^T + Q = 0, for stable A.

    One real Schur form A = U R U^T (LAPACK dgees) gives both the stability
    check (its eigenvalues) and the solve: the quasi-triangular Sylvester
    equation R Y + Y R^T = -U^T Q U (LAPACK dtrsyl), W = U Y U^T.  Both LAPACK
    calls run in the core without the GIL (so that Ctrl-C reaches a caller that
    waits, see _abandonable); they are the routines scipy.linalg.schur and
    scipy.linalg.lapack.dtrsyl call.
    """
    Rt, Ut, wr, _ = _ccore.real_schur(np.ascontiguousarray(A.T))
    U = Ut.T                                   # A = U R U^T, R = Rt.T
    top = float(np.max(wr))
    if not top < 0:
        return None if what == "probe" else _raise_unstable(what, top, A)
    F = U.T @ Q @ U
    Yt, scale, info = _ccore.quasi_triangular_sylvester(Rt, Rt, np.ascontiguousarray(-F.T),
                                                        "N", "T", 1)
    return U @ (Yt.T / scale) @ U.T


def _raise_unstable(what, top, A):
    if what == "discrete":
        raise _unstable_error("discrete", float(np.max(np.abs(np.linalg.eigvals(A)))))
    raise _unstable_error("continuous", top)


def _stein(A, Q):
    """W with A W A^T - W + Q = 0 for A with spectral radius < 1.

    Cayley (bilinear) transform to a Lyapunov equation, as SciPy does:
    with M = (A + I)^{-1}, Ac = M (A - I) is stable iff A is Schur stable and
    Ac W + W Ac^T = -2 M Q M^T.  (NumPy's solves release the GIL.)
    """
    N = A.shape[0]
    ApI = A + np.eye(N)
    try:
        X = np.linalg.solve(ApI, np.hstack([A - np.eye(N), Q]))
        Ac, MQ = X[:, :N], X[:, N:]               # M (A - I), M Q
        rhs = 2.0 * np.linalg.solve(ApI, MQ.T).T  # 2 M Q M^T (Q symmetric)
    except np.linalg.LinAlgError:
        raise _unstable_error("discrete", float(np.max(np.abs(np.linalg.eigvals(A))))) from None
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
