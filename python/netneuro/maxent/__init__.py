"""Pairwise maximum-entropy (Ising) models of binary activity, and energy landscapes.

The model (Schneidman et al. 2006, Nature 440:1007; Watanabe et al. 2013, Nat.
Commun. 4:1370) over spins ``s_i in {-1, +1}`` is

    P(s) = exp(-E(s)) / Z,   E(s) = -sum_i h_i s_i - sum_{i<j} J_ij s_i s_j,

with ``J`` symmetric and zero on the diagonal.  The same family written for
``x_i in {0, 1}`` (``spins="01"``) has parameters ``a`` (fields) and ``K``
(couplings), ``E01(x) = -sum_i a_i x_i - sum_{i<j} K_ij x_i x_j``.  With
``x = (s + 1) / 2`` the two describe the same distribution when

    J = K / 4,             h_i = a_i / 2 + sum_{j != i} K_ij / 4,
    K = 4 J,               a_i = 2 h_i - 2 sum_{j != i} J_ij,

and the energies differ by the constant ``E01(x) = E(s) - c0`` with
``c0 = sum_i a_i / 2 + sum_{i<j} K_ij / 4`` (:meth:`IsingModel.to_pm1`,
:meth:`IsingModel.to_01`; exact, no fitting involved).

State numbering (used by :meth:`IsingModel.probabilities`, the landscape and
:func:`all_states`): state ``k`` in ``[0, 2^N)`` has unit ``i`` active
(``+1`` / ``1``) when bit ``i`` of ``k`` is set (unit 0 is the lowest bit).

Fitting methods (:func:`fit_ising`):

* ``"exact"``: maximum likelihood by full enumeration (N <= 30,
  ``EXACT_FIT_MAX_UNITS``).  The compiled core enumerates states in blocks of
  2^12 sharing their high bits (Boltzmann weights by two multiplications per
  state) and obtains every moment of order <= 4 from a Walsh-Hadamard transform
  of the Boltzmann distribution, pruned to those orders (over the low bits in
  cache, then over blocks; the 2^N states are never stored), so Newton's
  method uses the exact Hessian (the covariance of the sufficient statistics)
  at O(2^N) per iteration; the moments of the data are matched to ``tol``
  (1e-8 by default).
* ``"pseudolikelihood"``: maximum pseudolikelihood (Besag 1975; Aurell &
  Ekeberg 2012, PRL 108:090201), symmetric couplings, for hundreds of units;
  gradient in the core, SciPy L-BFGS-B.  Consistent, not identical to maximum
  likelihood on finite samples.
* ``"mpf"``: minimum probability flow (Sohl-Dickstein, Battaglino & DeWeese
  2011, PRL 107:220601) with single-spin-flip connectivity: minimises
  ``K = <sum_i exp((E(s) - E(flip_i s)) / 2)>_data``, convex, SciPy L-BFGS-B;
  consistent, no partition function.
* ``"monte_carlo"``: Boltzmann learning (Ackley, Hinton & Sejnowski 1985) with
  moments from many persistent Gibbs chains, started from the
  pseudolikelihood solution; parameters are averaged over the last half of
  the iterations.  Statistical accuracy ~ 1 / sqrt(chains * samples).
* ``"auto"``: exact for N <= 20, pseudolikelihood beyond.

Regularisation (all methods): ``l2 * sum_{i<j} J_ij^2 + l1 * sum_{i<j} |J_ij|``
added to the per-sample negative log-(pseudo)likelihood; fields are not
penalised.  Penalties act on the ``{-1,+1}`` couplings.

Modules (every public name is importable from ``netneuro.maxent``):
:mod:`~netneuro.maxent.model` (:class:`IsingModel`, conventions, exact
quantities, sampling, :func:`pairwise_moments`), :mod:`~netneuro.maxent.fit`
(:func:`binarize`, :func:`fit_ising`, :func:`fit_ising_moments`,
:func:`goodness_of_fit`), :mod:`~netneuro.maxent.landscape` (energy landscapes;
the disconnectivity graph is drawn by :mod:`netneuro.plotting`),
:mod:`~netneuro.maxent.array_api` (an :class:`IsingModel` with torch / CuPy
parameters: chunked exact enumeration, many-chain Gibbs / Metropolis sampling
and the pseudolikelihood, computed on the parameters' device).
"""
from .fit import GoodnessOfFit, binarize, fit_ising, fit_ising_moments, goodness_of_fit
from .landscape import EnergyLandscape, energy_landscape
from .model import (
    AUTO_EXACT_MAX_UNITS,
    EXACT_FIT_MAX_UNITS,
    EXACT_MAX_UNITS,
    IsingModel,
    all_states,
    pairwise_moments,
)

__all__ = [
    "IsingModel",
    "GoodnessOfFit",
    "EnergyLandscape",
    "binarize",
    "fit_ising",
    "fit_ising_moments",
    "goodness_of_fit",
    "energy_landscape",
    "all_states",
    "pairwise_moments",
    "EXACT_MAX_UNITS",
    "EXACT_FIT_MAX_UNITS",
    "AUTO_EXACT_MAX_UNITS",
]
