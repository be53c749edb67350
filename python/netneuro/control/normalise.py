"""Normalisation of connectomes for linear dynamics, and the checks the control modules share.

``normalize`` follows nctpy's ``matrix_normalization``; the private helpers
(system, horizon, cohort and symmetry checks) are used by the sibling modules
:mod:`~netneuro.control.gramians` and :mod:`~netneuro.control.energy`.
"""

from __future__ import annotations

import numpy as np

from .. import _core
from .._array_api import namespace
from .._parallel import check_n_jobs, limit_blas
from .._validation import (
    check_array,
    check_choice,
    check_float,
    check_int,
    check_square,
)

__all__ = ["normalize"]

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
    eigenvalue-only LAPACK call per subject (threads over subjects).  A torch or
    CuPy array (symmetric) is normalised by its own library on its own device
    and returned as such (see :mod:`netneuro.control.array_api`).
    """
    system = _check_system(system)
    c = check_float(c, "c")
    n_jobs = check_n_jobs(n_jobs)
    if decay is not None and system == "discrete":
        raise ValueError("decay applies to continuous-time systems only")
    xp, native = namespace(A)
    if not native:  # torch, CuPy, ...: symmetric matrices on their own device
        from .array_api import normalize_xp

        return normalize_xp(A, xp, system, c, spectral_radius, zero_diagonal, decay)
    A3, single = _cohort(A)
    if zero_diagonal:
        A3 = A3.copy()
        idx = np.arange(A3.shape[1])
        A3[:, idx, idx] = 0.0
    S, N = A3.shape[0], A3.shape[1]
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
