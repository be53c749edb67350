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

Modules (every public name is importable from ``netneuro.control``):
:mod:`~netneuro.control.normalise` (``normalize``),
:mod:`~netneuro.control.gramians` (Gramians, average and modal controllability),
:mod:`~netneuro.control.energy` (minimum and optimal control energy),
:mod:`~netneuro.control.structural` (driver nodes, controllable subspace,
boundary controllability).

Ctrl-C: :func:`gramian` on large systems runs its LAPACK calls on a worker
thread; the caller's main thread raises ``KeyboardInterrupt`` at once and the
abandoned worker finishes its current call in the background.
"""
from .energy import MinimumEnergyResult, minimum_energy, minimum_energy_fast
from .gramians import (
    average_controllability,
    controllability_metrics,
    gramian,
    modal_controllability,
)
from .normalise import SYSTEMS, normalize  # noqa: F401  (SYSTEMS: the valid `system` names)
from .structural import boundary_controllability, controllable_nodes, driver_nodes

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
