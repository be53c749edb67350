"""Drop-in replacements for nctpy 1.2.0's main functions, backed by :mod:`netneuro.control`.

Same signatures, argument conventions and return shapes as ``nctpy.utils``,
``nctpy.metrics`` and ``nctpy.energies``::

    from netneuro.compat.nctpy import matrix_normalization, ave_control, modal_control
    A_norm = matrix_normalization(A, system="discrete")
    ac, mc = ave_control(A_norm, system="discrete"), modal_control(A_norm)

Differences: errors for bad input are ``ValueError``/``TypeError`` from
netneuro's validation (nctpy's bare ``Exception`` is kept for a missing or wrong
``system``); Gramians are exact (closed forms, Lyapunov solves, Van Loan) where
nctpy integrates numerically with Simpson's rule, so results agree to that
rule's error (about 1e-13 relative on normalised connectomes); minimum-energy
control (``S`` all zeros) uses the exact minimum-energy solution.
"""

from __future__ import annotations

import numpy as np

from .. import control

__all__ = ["matrix_normalization", "ave_control", "modal_control", "get_control_inputs",
           "minimum_energy_fast", "integrate_u", "gramian", "sim_state_eq",
           "minimum_energy_infinite", "average_energy_infinite"]


def _check_system(system, see="matrix_normalization help"):
    if system is None:
        raise Exception(
            "Time system not specified. "
            "Please nominate whether you are normalizing A for a continuous-time or a discrete-time system "
            f"(see {see}).")
    if system != "continuous" and system != "discrete":
        raise Exception(
            "Incorrect system specification. Please specify either 'system=discrete' or 'system=continuous'.")


def matrix_normalization(A, system=None, c=1, l=None, *, zero_diagonal=False, decay=None):
    """nctpy.utils.matrix_normalization: ``A / (c + l) [- diag(decay)]``; (N, N) or (S, N, N)."""
    _check_system(system, see="function help")
    return control.normalize(A, system, c, spectral_radius=l, zero_diagonal=zero_diagonal, decay=decay)


def ave_control(A_norm, system=None):
    """nctpy.metrics.ave_control: discrete infinite horizon, continuous T = 1."""
    _check_system(system)
    return control.average_controllability(A_norm, system)


def modal_control(A_norm):
    """nctpy.metrics.modal_control: ``sum_j U_ij^2 (1 - t_j^2)`` from the real Schur form."""
    return control.modal_controllability(A_norm, check_stable=False)   # nctpy does not check


def get_control_inputs(A_norm, T, B, x0, xf, system=None, rho=1, S="identity", xr="zero",
                       expm_version="scipy"):
    """nctpy.energies.get_control_inputs -> ``(x (n_t, N), u (n_t, N), [inv_err, recon_err])``."""
    _check_system(system)
    if expm_version not in ("scipy", "eig"):
        raise ValueError(f"expm_version must be 'scipy' or 'eig', got {expm_version!r}")
    if system == "discrete" and T <= 1:
        raise Exception("Discrete time systems must have T >= 2")
    if not isinstance(S, str):
        S = np.asarray(S, dtype=float)
        if S.ndim == 2 and not S.any():
            S = None  # minimum-energy control
    elif S != "identity":
        raise ValueError(f"S must be 'identity' or an (N, N) array, got {S!r}")
    x0 = np.asarray(x0, dtype=float).reshape(-1)
    xf = np.asarray(xf, dtype=float).reshape(-1)
    if not isinstance(xr, str):
        xr = np.asarray(xr, dtype=float).reshape(-1)
    r = control.minimum_energy(A_norm, x0, xf, B, T, system, S=S, rho=rho,
                          xr=xr if S is not None else "zero")
    return r.x, r.u, [np.float64(r.err[0]), np.float64(r.err[1])]


def minimum_energy_fast(A_norm, T, B, x0, xf):
    """nctpy.energies.minimum_energy_fast: per-node energies ``(N, k)`` (continuous time)."""
    return control.minimum_energy_fast(A_norm, T, B, x0, xf, system="continuous")


def integrate_u(u):
    """nctpy.energies.integrate_u: Simpson's rule over ``u**2`` per node, unit sample spacing."""
    from scipy.integrate import simpson

    return simpson(np.asarray(u).T ** 2)


def gramian(A_norm, T, system=None):
    """nctpy.energies.gramian: Gramian of (A, I); discrete sums k = 0..T; NaN if unstable (T = inf)."""
    _check_system(system)
    if T == np.inf:
        try:
            return control.gramian(A_norm, None, system, np.inf)
        except ValueError:
            print("cannot compute infinite-time Gramian for an unstable system!")
            return np.nan
    return control.gramian(A_norm, None, system, T + 1 if system == "discrete" else T)


def sim_state_eq(A_norm, B, x0, U, system=None):
    """nctpy.energies.sim_state_eq: trajectory (N, T) under inputs U (N, T); Euler steps of 0.001."""
    A_norm = np.asarray(A_norm, dtype=float)
    B = np.asarray(B, dtype=float)
    U = np.asarray(U, dtype=float)
    xt = np.asarray(x0, dtype=float).reshape(-1)
    _check_system(system)
    n_steps = U.shape[1]
    x = np.zeros((A_norm.shape[0], n_steps))
    BU = B @ U
    for t in range(n_steps):
        x[:, t] = xt
        xt = (A_norm @ xt + BU[:, t]) * 0.001 + xt if system == "continuous" else A_norm @ xt + BU[:, t]
    return x


def minimum_energy_infinite(A_norm, B, xf, system=None):
    """nctpy.energies.minimum_energy_infinite -> (``(Wc^-1 xf) * xf``, ``Wc Wc^-1 xf``); NaN if unstable."""
    _check_system(system)
    xf = np.asarray(xf, dtype=float)
    xf = xf.reshape(-1, 1) if xf.ndim == 1 else xf
    try:
        Wc = control.gramian(A_norm, B, system, np.inf)
    except ValueError:
        nan = np.full(xf.shape, np.nan)
        return nan, nan.copy()
    z = np.linalg.solve(Wc, xf)
    return z * xf, Wc @ z


def average_energy_infinite(A_norm, B, system=None):
    """nctpy.energies.average_energy_infinite: ``trace(Wc^-1)`` (sum of reciprocal singular values)."""
    _check_system(system)
    try:
        Wc = control.gramian(A_norm, B, system, np.inf)
    except ValueError:
        return np.nan
    import scipy.linalg as la

    return np.sum(1 / la.svdvals(Wc))
