"""ConIII-style solvers (``Enumerate``, ``Pseudo``, ``MCH``) backed by :mod:`netneuro.maxent`.

Mirrors the call signatures of ConIII (Lee & Daniels 2019, J. Open Res. Softw.
7:3; ``coniii.solvers``) for the pairwise Ising model, so that

    from netneuro.compat.coniii import Enumerate
    solver = Enumerate(sample)           # sample: (n_samples, n) in {-1, +1}
    multipliers = solver.solve()

works as before.  Conventions assumed from ConIII's documentation and source
(ConIII itself does not install against current SciPy, so they were not
checked against a running ConIII):

* spins ``{-1, +1}``; ``P(s) ∝ exp(-E(s))`` with
  ``E(s) = -sum_i h_i s_i - sum_{i<j} J_ij s_i s_j``;
* ``multipliers`` / ``constraints`` are ordered fields first, then couplings
  (resp. ``<s_i s_j>``) in ``itertools.combinations(range(n), 2)`` order
  (the upper triangle, row by row) -- ``coniii.utils.vec2mat`` layout.

Only the Ising model is supported (``model`` / ``calc_observables`` other
than ``None`` raise ``NotImplementedError``).  Differences, by design:

* ``Enumerate.solve`` runs Newton's method on the exact likelihood (moments
  matched to ~1e-8) instead of ``scipy.optimize.root``; ``use_root``,
  ``scipy_solver_kwargs`` are accepted and ignored; ``max_param_value`` is
  checked on the result.
* ``Pseudo.solve`` maximises the symmetric pseudolikelihood jointly
  (one J_ij shared by both conditionals) with L-BFGS-B.
* ``MCH.solve`` runs Boltzmann learning with persistent Gibbs chains
  (``sample_size`` chains-times-samples per step) instead of Monte Carlo
  histogram reweighting; both seek the same fixed point (model moments =
  data moments).  ``n_iters`` is used as Gibbs sweeps between recorded
  samples, ``maxiter`` as learning steps x 10.
"""

from __future__ import annotations

import numpy as np

from .. import maxent as _me
from .._parallel import single_threaded_blas

__all__ = ["Enumerate", "Pseudo", "MCH", "MonteCarloHistogram", "calc_observables",
           "vec2mat", "mat2vec"]


def calc_observables(sample) -> np.ndarray:
    """Per-sample observables ``(n_samples, n + n(n-1)/2)``: ``s_i`` then ``s_i s_j`` (i<j)."""
    S = np.asarray(sample, dtype=np.float64)
    iu = np.triu_indices(S.shape[1], 1)
    return np.hstack([S, S[:, iu[0]] * S[:, iu[1]]])


def vec2mat(multipliers, n: int | None = None):
    """``(h, J)`` from a multipliers vector (ConIII ``utils.vec2mat`` layout)."""
    v = np.asarray(multipliers, dtype=np.float64)
    if n is None:
        n = int((np.sqrt(1 + 8 * v.size) - 1) / 2)
    if v.size != n + n * (n - 1) // 2:
        raise ValueError(f"multipliers must have n + n(n-1)/2 = {n + n * (n - 1) // 2} entries, "
                         f"got {v.size}")
    return _me._unpack(v, n)


def mat2vec(h, J) -> np.ndarray:
    """Multipliers vector from ``(h, J)``."""
    return _me._pack(np.asarray(h, float), np.asarray(J, float))


class _Solver:
    def __init__(self, sample=None, model=None, calc_observables=None, iprint=True, **kwargs):
        if model is not None or calc_observables is not None:
            raise NotImplementedError("netneuro.compat.coniii supports the pairwise Ising model "
                                      "only (model=None, calc_observables=None)")
        if sample is None:
            raise ValueError("sample must be given: an (n_samples, n) array in {-1, +1}")
        if isinstance(sample, (int, np.integer)):
            raise NotImplementedError("pass a data sample; a bare system size is not supported")
        self.sample = _me._check_binary(sample, "sample", "pm1", min_samples=2)
        self.n = self.sample.shape[1]
        self.constraints = _me._data_moments(self.sample)
        self.iprint = iprint
        n_cpus, n_jobs = kwargs.pop("n_cpus", None), kwargs.pop("n_jobs", None)
        # ConIII: n_cpus <= 1 means serial
        self.n_jobs = n_jobs if n_jobs is not None else (
            None if n_cpus is None else max(1, int(n_cpus)))
        rng = kwargs.pop("rng", None)
        self.seed = kwargs.pop("seed", rng if isinstance(rng, np.random.Generator) else None)
        self.multipliers = None
        self.model_ = None

    def _finish(self, model):
        self.model_ = model
        self.multipliers = _me._pack(model.h, model.J)
        return self.multipliers

    def _n_jobs(self):
        return self.n_jobs


class Enumerate(_Solver):
    """Exact maximum-entropy fit by enumeration (ConIII ``Enumerate``)."""

    @single_threaded_blas
    def solve(self, initial_guess=None, constraints=None, max_param_value=50, full_output=False,
              use_root=True, scipy_solver_kwargs=None):
        md = self.constraints if constraints is None else np.asarray(constraints, float)
        if md.shape != self.constraints.shape:
            raise ValueError(f"constraints must have {self.constraints.size} entries")
        _me._check_exact_n(self.n, "Enumerate")
        from .._parallel import check_n_jobs


        theta, diag = _me._fit_exact(md, self.n, l1=0.0, l2=0.0, max_iter=200, tol=1e-10,
                                     n_jobs=check_n_jobs(self._n_jobs()), theta0=initial_guess)
        if max_param_value is not None and np.any(np.abs(theta) > max_param_value):
            raise RuntimeError(f"solution has parameters beyond max_param_value={max_param_value}")
        h, J = _me._unpack(theta, self.n)
        self._finish(_me.IsingModel(h, J, "pm1", "exact", diag))
        if full_output:
            return self.multipliers, diag
        return self.multipliers


class Pseudo(_Solver):
    """Pseudolikelihood maximisation (ConIII ``Pseudo``)."""

    @single_threaded_blas
    def solve(self, force_general=False, initial_guess=None, full_output=False, **kwargs):
        l2 = kwargs.pop("l2", 0.0)
        model = _me.fit_ising(self.sample, "pseudolikelihood", l2=l2, n_jobs=self._n_jobs())
        self._finish(model)
        if full_output:
            return self.multipliers, model.diagnostics
        return self.multipliers


class MCH(_Solver):
    """Monte Carlo learning (ConIII ``MCH`` signature; Boltzmann learning with Gibbs chains)."""

    def __init__(self, sample=None, model=None, calc_observables=None, sample_size=1000,
                 sample_method="metropolis", mch_approximation=None, iprint=True, sampler_kw=None,
                 **kwargs):
        super().__init__(sample, model, calc_observables, iprint, **kwargs)
        self.sampleSize = int(sample_size)

    @single_threaded_blas
    def solve(self, initial_guess=None, constraints=None, tol=None, tolNorm=None, n_iters=30,
              burn_in=30, maxiter=10, custom_convergence_f=None, iprint=False, full_output=False,
              learn_params_kwargs=None, generate_kwargs=None):
        n_chains = max(16, min(256, self.sampleSize // 10))
        n_sweeps = max(1, self.sampleSize // n_chains)
        model = _me.fit_ising(self.sample, "monte_carlo", seed=self.seed, n_jobs=self._n_jobs(),
                              n_chains=n_chains, n_sweeps=n_sweeps, max_iter=max(20, 10 * maxiter))
        self._finish(model)
        err = model.diagnostics.get("max_moment_error", np.nan)
        tol = tol if tol is not None else 1 / np.sqrt(self.sampleSize)
        errflag = 0 if err < tol else 1
        if full_output:
            return self.multipliers, errflag, np.array([err])
        return self.multipliers


MonteCarloHistogram = MCH
