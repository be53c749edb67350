"""ConIII-style solvers (``Enumerate``, ``Pseudo``, ``MCH``) backed by :mod:`netneuro.maxent`.

Mirrors the call signatures of ConIII 3 (Lee & Daniels 2019, J. Open Res.
Softw. 7:3; ``coniii.solvers`` and ``coniii.utils``) for the pairwise Ising
model, so that

    from netneuro.compat.coniii import Enumerate
    solver = Enumerate(sample)           # sample: (n_samples, n) in {-1, +1}
    multipliers = solver.solve()
    solver = Enumerate(n)                # a system size: give the constraints
    multipliers = solver.solve(constraints=constraints)

works as before.  Conventions, as in ConIII's ``solvers.py`` / ``utils.py``
(ConIII itself does not install against current SciPy, so they were read from
its source, not checked against a running ConIII):

* spins ``{-1, +1}``; ``P(s) ∝ exp(-E(s))`` with
  ``E(s) = -sum_i h_i s_i - sum_{i<j} J_ij s_i s_j``;
* ``multipliers`` / ``constraints`` are ordered fields first, then couplings
  (resp. ``<s_i s_j>``) in ``itertools.combinations(range(n), 2)`` order
  (the upper triangle, row by row);
* ``vec2mat(multipliers)`` is the ``(n, n)`` matrix with the couplings off the
  diagonal and the fields on it; ``vec2mat(multipliers, separate_fields=True)``
  is ``(h, J)`` with a zero diagonal; ``mat2vec(matrix)`` inverts ``vec2mat``.

Only the Ising model is supported (``model`` / ``calc_observables`` other
than ``None`` raise ``NotImplementedError``).  Differences, by design:

* data that are not ``{-1, +1}`` raise ``ValueError`` (ConIII warns);
* ``Enumerate.solve`` runs Newton's method on the exact likelihood (moments
  matched to ~1e-10) instead of ``scipy.optimize.root``; ``use_root``,
  ``scipy_solver_kwargs`` are accepted and ignored; ``max_param_value`` is
  checked on the result.
* ``Pseudo.solve`` maximises the symmetric pseudolikelihood jointly
  (one J_ij shared by both conditionals) with L-BFGS-B; it needs a data
  sample (as in ConIII).
* ``MCH.solve`` runs Boltzmann learning with persistent Gibbs chains
  (``sample_size`` chains-times-samples per step) instead of Monte Carlo
  histogram reweighting; both seek the same fixed point (model moments =
  data moments).  ``maxiter`` is used as learning steps x 10.

This module uses the public API of :mod:`netneuro.maxent` only.
"""

from __future__ import annotations

import numpy as np

from .. import maxent

__all__ = ["Enumerate", "Pseudo", "MPF", "MCH", "MonteCarloHistogram", "calc_observables",
           "vec2mat", "mat2vec"]


def calc_observables(sample) -> np.ndarray:
    """Per-sample observables ``(n_samples, n + n(n-1)/2)``: ``s_i`` then ``s_i s_j`` (i<j)."""
    S = np.asarray(sample, dtype=np.float64)
    iu = np.triu_indices(S.shape[1], 1)
    return np.hstack([S, S[:, iu[0]] * S[:, iu[1]]])


def vec2mat(multipliers, separate_fields=False):
    """ConIII ``utils.vec2mat``: the multipliers vector as an ``(n, n)`` matrix.

    Couplings off the diagonal, fields on it; with ``separate_fields=True`` the
    pair ``(h (n,), J (n, n))`` with a zero diagonal instead.
    """
    model = maxent.IsingModel.from_vector(multipliers)
    if separate_fields:
        return model.h, model.J
    return model.J + np.diag(model.h)


def mat2vec(multipliers) -> np.ndarray:
    """ConIII ``utils.mat2vec``: fields (the diagonal) then the couplings ``i < j`` of a
    symmetric ``(n, n)`` matrix, as one vector."""
    M = np.array(multipliers, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"multipliers must be a square (n, n) matrix, got shape {M.shape}")
    h = np.diag(M).copy()
    np.fill_diagonal(M, 0.0)
    return maxent.IsingModel(h, M).to_vector()


def _moments(constraints, n):
    """(means (n,), correlations (n, n)) from a constraints vector."""
    c = np.asarray(constraints, dtype=np.float64).reshape(-1)
    if c.size != n + n * (n - 1) // 2:
        raise ValueError(f"constraints must have n + n(n-1)/2 = {n + n * (n - 1) // 2} entries "
                         f"for n = {n}, got {c.size}")
    C = vec2mat(c)
    np.fill_diagonal(C, 1.0)
    return c[:n], C


class _Solver:
    def __init__(self, sample=None, model=None, calc_observables=None, iprint=True, **kwargs):
        if model is not None or calc_observables is not None:
            raise NotImplementedError("netneuro.compat.coniii supports the pairwise Ising model "
                                      "only (model=None, calc_observables=None)")
        if sample is None:
            self.sample, self.n, self.constraints = None, None, None
        elif isinstance(sample, (int, np.integer)) and not isinstance(sample, bool):
            if sample < 2:
                raise ValueError(f"the system size must be at least 2, got {sample}")
            self.sample, self.n, self.constraints = None, int(sample), None
        else:
            means, corr = maxent.pairwise_moments(sample)   # validates: binary {-1, +1}
            self.sample = np.asarray(sample)
            self.n = self.sample.shape[1]
            if self.sample.shape[0] < 2:
                raise ValueError("sample must have at least 2 samples (rows)")
            iu = np.triu_indices(self.n, 1)
            self.constraints = np.concatenate([means, corr[iu]])
        self.iprint = iprint
        n_cpus, n_jobs = kwargs.pop("n_cpus", None), kwargs.pop("n_jobs", None)
        # ConIII: n_cpus <= 1 means serial
        self.n_jobs = n_jobs if n_jobs is not None else (
            None if n_cpus is None else max(1, int(n_cpus)))
        rng = kwargs.pop("rng", None)
        self.seed = kwargs.pop("seed", rng if isinstance(rng, np.random.Generator) else None)
        self.multipliers = None
        self.model_ = None

    def _targets(self, constraints):
        """The constraints to fit: given ones (checked) or the sample's."""
        if constraints is None:
            if self.constraints is None:
                raise ValueError("constraints must be given when the solver was built from a "
                                 "system size (or without a sample)")
            return self.constraints, False
        if self.n is None:
            raise ValueError("the system size is unknown: build the solver with a sample or n")
        c = np.asarray(constraints, dtype=np.float64).reshape(-1)
        if c.size != self.n + self.n * (self.n - 1) // 2:
            raise ValueError(f"constraints must have {self.n + self.n * (self.n - 1) // 2} "
                             f"entries, got {c.size}")
        return c, True

    def _init(self, initial_guess):
        if initial_guess is None:
            return None
        model = maxent.IsingModel.from_vector(initial_guess)
        if model.n_units != self.n:
            raise ValueError(f"initial_guess is for {model.n_units} units, the solver has "
                             f"{self.n}")
        return model

    def _finish(self, model):
        self.model_ = model
        self.multipliers = model.to_vector()
        return self.multipliers


    def _fit_sample(self, solver, method, initial_guess, full_output, **fit_kwargs):
        """Fit ``self.sample`` by ``fit_ising(method)``: the solve() of the sample-only solvers."""
        if self.sample is None:
            raise ValueError(f"{solver} needs a data sample: build it as {solver}(sample)")
        model = maxent.fit_ising(self.sample, method, n_jobs=self.n_jobs,
                                 init=self._init(initial_guess), **fit_kwargs)
        self._finish(model)
        if full_output:
            return self.multipliers, model.diagnostics
        return self.multipliers

class Enumerate(_Solver):
    """Exact maximum-entropy fit by enumeration (ConIII ``Enumerate``); ``sample`` may be
    a data sample ``(n_samples, n)`` or a system size ``n``."""

    def solve(self, initial_guess=None, constraints=None, max_param_value=50, full_output=False,
              use_root=True, scipy_solver_kwargs=None):
        c, _ = self._targets(constraints)
        means, corr = _moments(c, self.n)
        model = maxent.fit_ising_moments(means, corr, "exact", max_iter=200, tol=1e-10,
                                         n_jobs=self.n_jobs, init=self._init(initial_guess))
        theta = model.to_vector()
        if max_param_value is not None and np.any(np.abs(theta) > max_param_value):
            raise RuntimeError(f"solution has parameters beyond max_param_value={max_param_value}")
        self._finish(model)
        if full_output:
            return self.multipliers, model.diagnostics
        return self.multipliers


class Pseudo(_Solver):
    """Pseudolikelihood maximisation (ConIII ``Pseudo``); needs a data sample to solve."""

    def __init__(self, sample=None, model=None, calc_observables=None, get_multipliers_r=None,
                 calc_observables_r=None, k=2, iprint=True, **kwargs):
        if get_multipliers_r is not None or calc_observables_r is not None or k != 2:
            raise NotImplementedError("netneuro.compat.coniii.Pseudo supports the pairwise "
                                      "Ising model only")
        super().__init__(sample, model, calc_observables, iprint, **kwargs)

    def solve(self, force_general=False, initial_guess=None, full_output=False, **kwargs):
        return self._fit_sample("Pseudo", "pseudolikelihood", initial_guess, full_output,
                                l2=kwargs.pop("l2", 0.0))


class MPF(_Solver):
    """Minimum probability flow (ConIII ``MPF``; Sohl-Dickstein et al. 2011, single-spin-flip
    connectivity); needs a data sample to solve."""

    def __init__(self, sample=None, model=None, calc_observables=None, adj=None, iprint=True,
                 **kwargs):
        if adj is not None:
            raise NotImplementedError("netneuro.compat.coniii.MPF uses the single-spin-flip "
                                      "connectivity only (adj=None)")
        super().__init__(sample, model, calc_observables, iprint, **kwargs)

    def solve(self, initial_guess=None, parameter_limits=100, solver_kwargs=None, uselog=True,
              full_output=False):
        return self._fit_sample("MPF", "mpf", initial_guess, full_output)


class MCH(_Solver):
    """Monte Carlo learning (ConIII ``MCH`` signature; Boltzmann learning with Gibbs chains);
    ``sample`` may be a data sample or a system size (then give ``constraints``)."""

    def __init__(self, sample=None, model=None, calc_observables=None, sample_size=1000,
                 sample_method="metropolis", mch_approximation=None, iprint=True, sampler_kw=None,
                 **kwargs):
        super().__init__(sample, model, calc_observables, iprint, **kwargs)
        if int(sample_size) <= 0:
            raise ValueError(f"sample_size must be positive, got {sample_size}")
        self.sampleSize = int(sample_size)

    def solve(self, initial_guess=None, constraints=None, tol=None, tolNorm=None, n_iters=30,
              burn_in=30, maxiter=10, custom_convergence_f=None, iprint=False, full_output=False,
              learn_params_kwargs=None, generate_kwargs=None):
        n_chains = max(16, min(256, self.sampleSize // 10))
        n_sweeps = max(1, self.sampleSize // n_chains)
        c, given = self._targets(constraints)
        settings = dict(seed=self.seed, n_jobs=self.n_jobs, n_chains=n_chains,
                        n_sweeps=n_sweeps, max_iter=max(20, 10 * maxiter),
                        init=self._init(initial_guess))
        if given or self.sample is None:
            means, corr = _moments(c, self.n)
            model = maxent.fit_ising_moments(means, corr, "monte_carlo", **settings)
        else:
            model = maxent.fit_ising(self.sample, "monte_carlo", **settings)
        self._finish(model)
        err = model.diagnostics.get("max_moment_error", np.nan)
        tol = tol if tol is not None else 1 / np.sqrt(self.sampleSize)
        errflag = 0 if err < tol else 1
        if full_output:
            return self.multipliers, errflag, np.array([err])
        return self.multipliers


MonteCarloHistogram = MCH
