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

* ``"exact"``: maximum likelihood by full enumeration (N <= 25).  The compiled
  core enumerates states with Gray-code energy updates and obtains every
  moment at once from a Walsh-Hadamard transform of the Boltzmann
  distribution, so Newton's method uses the exact Hessian (the covariance of
  the sufficient statistics) at O(N 2^N) per iteration; the moments of the
  data are matched to ``tol`` (1e-8 by default).
* ``"pseudolikelihood"``: maximum pseudolikelihood (Besag 1975; Aurell &
  Ekeberg 2012, PRL 108:090201), symmetric couplings, for hundreds of units;
  gradient in the core, SciPy L-BFGS-B.  Consistent, not identical to maximum
  likelihood on finite samples.
* ``"monte_carlo"``: Boltzmann learning (Ackley, Hinton & Sejnowski 1985) with
  moments from many persistent Gibbs chains, started from the
  pseudolikelihood solution; parameters are averaged over the last half of
  the iterations.  Statistical accuracy ~ 1 / sqrt(chains * samples).
* ``"auto"``: exact for N <= 20, pseudolikelihood beyond.

Regularisation (all methods): ``l2 * sum_{i<j} J_ij^2 + l1 * sum_{i<j} |J_ij|``
added to the per-sample negative log-(pseudo)likelihood; fields are not
penalised.  Penalties act on the ``{-1,+1}`` couplings.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from . import _core
from ._parallel import check_n_jobs, single_threaded_blas
from ._validation import (
    check_array,
    check_choice,
    check_float,
    check_int,
    check_memory,
    check_random_state,
    check_timeseries,
    constant_columns,
    seed_for_core,
)

__all__ = [
    "IsingModel",
    "GoodnessOfFit",
    "EnergyLandscape",
    "binarize",
    "fit_ising",
    "goodness_of_fit",
    "energy_landscape",
    "all_states",
    "EXACT_MAX_UNITS",
    "AUTO_EXACT_MAX_UNITS",
]

#: Largest N for exact enumeration (fits, probabilities, landscapes).
EXACT_MAX_UNITS = 25
#: ``method="auto"`` fits exactly up to this N, by pseudolikelihood beyond.
AUTO_EXACT_MAX_UNITS = 20

_SPINS = ("pm1", "01")
_METHODS = ("auto", "exact", "pseudolikelihood", "monte_carlo")
_core_maxent = _core.maxent


# ---------------------------------------------------------------------------
# helpers


def _check_spins(spins) -> str:
    return check_choice(spins, "spins", _SPINS)


def _check_exact_n(n: int, what: str, hint: str = "") -> None:
    if n > EXACT_MAX_UNITS:
        msg = (f"{what} enumerates all 2^N states; N = {n} is too large "
               f"(at most {EXACT_MAX_UNITS} units)")
        raise ValueError(msg + (f"; {hint}" if hint else ""))
    # energies + Walsh moments + probabilities (float64 each)
    check_memory(3 * 8.0 * 2.0 ** n, f"{what} for N = {n} (2^{n} states)",
                 hint=hint or "use fewer units")


def _check_binary(X, name: str, spins: str, *, min_samples: int = 1) -> np.ndarray:
    """Binary data ``(n_samples, n_units)`` in the ``spins`` alphabet -> int8 in {-1, +1}."""
    arr = check_array(X, name, ndim=2, dtype=None)
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(f"{name} must be finite; found {arr[tuple(bad)]} at index "
                         f"{tuple(int(i) for i in bad)}")
    low, high = (-1, 1) if spins == "pm1" else (0, 1)
    ok = (arr == low) | (arr == high)
    if not ok.all():
        bad = tuple(int(i) for i in np.argwhere(~ok)[0])
        other = "spins='01'" if spins == "pm1" else "spins='pm1'"
        raise ValueError(
            f"{name} must be binary with values in {{{low}, {high}}} (spins={spins!r}); found "
            f"{arr[bad]!r} at index {bad}. Binarise continuous signals with "
            f"netneuro.maxent.binarize, or pass {other} if that is your coding")
    if arr.shape[0] < min_samples:
        raise ValueError(f"{name} must have at least {min_samples} samples (rows), "
                         f"got {arr.shape[0]}; data are (n_samples, n_units)")
    return np.ascontiguousarray(np.where(arr == high, 1, -1).astype(np.int8))


def _check_params(h, J):
    h = check_array(h, "h", ndim=1)
    J = check_array(J, "J", ndim=2)
    n = h.shape[0]
    if J.shape != (n, n):
        raise ValueError(f"J must have shape ({n}, {n}) to match h, got {J.shape}")
    if np.max(np.abs(J - J.T)) > 1e-12 * max(1.0, np.max(np.abs(J))):
        raise ValueError("J must be symmetric")
    if np.any(np.diag(J) != 0):
        raise ValueError("J must have a zero diagonal")
    return h, J


def all_states(n_units: int, spins: str = "pm1") -> np.ndarray:
    """All ``2^N`` states ``(2^N, N)`` int8, state ``k`` with unit ``i`` active iff bit ``i`` of ``k``."""
    n = check_int(n_units, "n_units", min_value=1, max_value=EXACT_MAX_UNITS)
    spins = _check_spins(spins)
    check_memory(float(2 ** n) * n, f"all {2 ** n} states of {n} units")
    bits = (np.arange(2 ** n, dtype=np.int64)[:, None] >> np.arange(n)) & 1
    bits = bits.astype(np.int8)
    return bits if spins == "01" else (2 * bits - 1).astype(np.int8)


def _state_index(S_pm1: np.ndarray) -> np.ndarray:
    """Index of each {-1,+1} row (bit i set iff s_i = +1)."""
    n = S_pm1.shape[1]
    return ((S_pm1 > 0).astype(np.int64) << np.arange(n, dtype=np.int64)).sum(axis=1)


def _pack(h, J):
    iu = np.triu_indices(h.shape[0], 1)
    return np.concatenate([h, J[iu]])


def _unpack(theta, n):
    h = np.array(theta[:n], dtype=np.float64)
    J = np.zeros((n, n))
    iu = np.triu_indices(n, 1)
    J[iu] = theta[n:]
    J = J + J.T
    return h, J


def _pair_masks(n):
    iu = np.triu_indices(n, 1)
    bits = np.int64(1) << np.arange(n, dtype=np.int64)
    return np.concatenate([bits, bits[iu[0]] | bits[iu[1]]])


def _data_moments(S: np.ndarray, weights=None) -> np.ndarray:
    """(<s_i>, <s_i s_j>_{i<j}) of int8 {-1,+1} data, in float64."""
    Sf = S.astype(np.float64)
    if weights is None:
        m1 = Sf.mean(axis=0)
        m2 = (Sf.T @ Sf) / Sf.shape[0]
    else:
        w = weights / weights.sum()
        m1 = w @ Sf
        m2 = (Sf.T * w) @ Sf
    iu = np.triu_indices(S.shape[1], 1)
    return np.concatenate([m1, m2[iu]])


def _to01_params(h, J):
    K = 4.0 * J
    a = 2.0 * h - 2.0 * J.sum(axis=1)
    return a, K


def _topm1_params(a, K):
    J = K / 4.0
    h = a / 2.0 + K.sum(axis=1) / 4.0
    return h, J


def _c0_01(a, K):
    """E01(x) = E(s) - c0 for the same state."""
    return a.sum() / 2.0 + np.triu(K, 1).sum() / 4.0


# ---------------------------------------------------------------------------
# the model


@dataclass(repr=False)
class IsingModel:
    """A fitted (or given) pairwise maximum-entropy model.

    ``h`` (N,) fields and ``J`` (N, N) couplings (symmetric, zero diagonal) in
    the convention ``spins`` ("pm1": ``{-1,+1}``; "01": ``{0,1}``, where ``h``
    and ``J`` are the ``a`` and ``K`` of the module docstring).  Energies are
    dimensionless (``P = exp(-E) / Z``).  ``diagnostics`` holds the fit
    record: ``iterations``, ``converged``, ``max_moment_error`` (largest
    |model - data| over ``<s_i>`` and ``<s_i s_j>``, in the ``{-1,+1}``
    coding; exact for N <= 20, a Gibbs estimate for "monte_carlo" beyond,
    absent for "pseudolikelihood" beyond 20 units; ``moment_error_kind``
    says which), ``objective`` and ``time_s``.
    """

    h: np.ndarray
    J: np.ndarray
    spins: str = "pm1"
    method: str = "given"
    diagnostics: dict = field(default_factory=dict)
    n_jobs: int | None = None

    def __post_init__(self):
        self.spins = _check_spins(self.spins)
        self.h, self.J = _check_params(self.h, self.J)

    # -- conventions -------------------------------------------------------
    @property
    def n_units(self) -> int:
        return int(self.h.shape[0])

    def _pm1(self):
        if self.spins == "pm1":
            return self.h, self.J
        return _topm1_params(self.h, self.J)

    def to_pm1(self) -> "IsingModel":
        """The same distribution with ``{-1,+1}`` parameters (exact)."""
        h, J = self._pm1()
        return IsingModel(h.copy(), J.copy(), "pm1", self.method, dict(self.diagnostics),
                          self.n_jobs)

    def to_01(self) -> "IsingModel":
        """The same distribution with ``{0,1}`` parameters (exact)."""
        h, J = self._pm1()
        a, K = _to01_params(h, J)
        return IsingModel(a, K, "01", self.method, dict(self.diagnostics), self.n_jobs)

    def _jobs(self, n_jobs):
        return check_n_jobs(self.n_jobs if n_jobs is None else n_jobs)

    # -- energies and exact quantities ---------------------------------------
    def energy(self, states) -> np.ndarray:
        """Energies of ``states`` ``(M, N)`` (or one state ``(N,)``) in the model's coding."""
        arr = check_array(states, "states", ndim=(1, 2), dtype=None)
        single = arr.ndim == 1
        S = _check_binary(arr.reshape(1, -1) if single else arr, "states", self.spins)
        if S.shape[1] != self.n_units:
            raise ValueError(f"states must have {self.n_units} columns, got {S.shape[1]}")
        h, J = self._pm1()
        Sf = S.astype(np.float64)
        E = -(Sf @ h) - 0.5 * np.einsum("ki,ij,kj->k", Sf, J, Sf)
        if self.spins == "01":
            E = E - _c0_01(self.h, self.J)
        return E[0] if single else E

    def state_energies(self, n_jobs=None) -> np.ndarray:
        """Energies of all ``2^N`` states (index order, see module docstring)."""
        _check_exact_n(self.n_units, "state_energies")
        h, J = self._pm1()
        E = _core_maxent.all_energies(h, J, self._jobs(n_jobs))
        if self.spins == "01":
            E -= _c0_01(self.h, self.J)
        return E

    @single_threaded_blas
    def log_partition(self, n_jobs=None) -> float:
        """``log Z`` (natural log) in the model's coding (exact, N <= 25)."""
        _check_exact_n(self.n_units, "log_partition")
        h, J = self._pm1()
        lz = _core_maxent.exact_moments(h, J, False, self._jobs(n_jobs))[0]
        if self.spins == "01":
            lz += _c0_01(self.h, self.J)
        return float(lz)

    def probabilities(self, n_jobs=None) -> np.ndarray:
        """``P(state)`` for all ``2^N`` states (index order), exact, N <= 25."""
        _check_exact_n(self.n_units, "probabilities")
        h, J = self._pm1()
        E = _core_maxent.all_energies(h, J, self._jobs(n_jobs))
        p = np.exp(-(E - E.min()))
        return p / p.sum()

    @single_threaded_blas
    def _moments_pm1(self, n_jobs=None, n_samples=None, seed=None):
        h, J = self._pm1()
        if self.n_units <= EXACT_MAX_UNITS:
            _, _, m1, m2, _ = _core_maxent.exact_moments(h, J, False, self._jobs(n_jobs))
            return m1, m2
        n_samples = 100_000 if n_samples is None else n_samples
        S = self.sample(n_samples, seed=seed, n_jobs=n_jobs)
        S = S if self.spins == "pm1" else (2 * S - 1)
        Sf = S.astype(np.float64)
        return Sf.mean(0), Sf.T @ Sf / Sf.shape[0]

    def means(self, *, n_jobs=None, n_samples=None, seed=None) -> np.ndarray:
        """``<x_i>`` (N,) in the model's coding: exact for N <= 25, else a Gibbs estimate
        from ``n_samples`` (default 100000) samples."""
        m1, _ = self._moments_pm1(n_jobs, n_samples, seed)
        return m1 if self.spins == "pm1" else (m1 + 1.0) / 2.0

    def correlations(self, *, n_jobs=None, n_samples=None, seed=None) -> np.ndarray:
        """``<x_i x_j>`` (N, N) in the model's coding (diagonal ``<x_i^2>``): exact for
        N <= 25, else a Gibbs estimate."""
        m1, m2 = self._moments_pm1(n_jobs, n_samples, seed)
        if self.spins == "pm1":
            return m2
        c = (1.0 + m1[:, None] + m1[None, :] + m2) / 4.0
        np.fill_diagonal(c, (m1 + 1.0) / 2.0)
        return c

    @single_threaded_blas
    def entropy(self, base: float = 2.0, *, n_jobs=None) -> float:
        """Entropy of the model distribution (bits by default; ``base=np.e`` for nats).
        Exact (N <= 25): ``S = log Z + <E>``."""
        base = check_float(base, "base", min_value=1.0, strict_min=True)
        _check_exact_n(self.n_units, "entropy")
        h, J = self._pm1()
        lz, me, *_ = _core_maxent.exact_moments(h, J, False, self._jobs(n_jobs))
        return float((lz + me) / math.log(base))

    def sample(self, n: int, seed=None, *, method: str = "auto", n_chains: int = 64,
               burn_in: int | None = None, thin: int = 1, n_jobs=None) -> np.ndarray:
        """``n`` samples ``(n, N)`` int8 in the model's coding.

        ``method="exact"`` (default for N <= 20) draws independent samples from
        the enumerated distribution; ``"gibbs"`` runs ``n_chains`` chains
        (``burn_in`` sweeps, default ``10 N`` and at least 100, then one sample
        every ``thin`` sweeps).  Same ``seed`` gives the same samples on any
        ``n_jobs``.
        """
        n = check_int(n, "n", min_value=1)
        method = check_choice(method, "method", ("auto", "exact", "gibbs"))
        if method == "auto":
            method = "exact" if self.n_units <= AUTO_EXACT_MAX_UNITS else "gibbs"
        rng = check_random_state(seed)
        if method == "exact":
            _check_exact_n(self.n_units, "exact sampling", "use method='gibbs'")
            p = self.probabilities(n_jobs)
            cdf = np.cumsum(p)
            cdf /= cdf[-1]
            idx = np.searchsorted(cdf, rng.random(n), side="right")
            idx = np.minimum(idx, p.size - 1)
            S = ((idx[:, None] >> np.arange(self.n_units)) & 1).astype(np.int8)
        else:
            n_chains = check_int(n_chains, "n_chains", min_value=1)
            thin = check_int(thin, "thin", min_value=1)
            burn = max(100, 10 * self.n_units) if burn_in is None else check_int(
                burn_in, "burn_in", min_value=0)
            per_chain = -(-n // n_chains)
            check_memory(float(n_chains) * per_chain * self.n_units, "Gibbs samples")
            h, J = self._pm1()
            states = np.where(rng.random((n_chains, self.n_units)) < 0.5, 1, -1).astype(np.int8)
            out, _, _ = _core_maxent.gibbs(h, J, states, burn, per_chain, thin,
                                           seed_for_core(rng), True, False, self._jobs(n_jobs))
            # interleave chains so that the first n rows mix every chain
            S = out.transpose(1, 0, 2).reshape(-1, self.n_units)[:n]
            S = ((S + 1) // 2).astype(np.int8)
        return S if self.spins == "01" else (2 * S - 1).astype(np.int8)

    def __repr__(self) -> str:
        d = self.diagnostics
        extra = ""
        if "max_moment_error" in d:
            extra = f", iterations={d.get('iterations')}, max_moment_error={d['max_moment_error']:.2e}"
        return f"IsingModel(n_units={self.n_units}, spins={self.spins!r}, method={self.method!r}{extra})"


# ---------------------------------------------------------------------------
# binarisation


def binarize(ts, threshold="mean", *, spins: str = "pm1") -> np.ndarray:
    """Binarise continuous signals ``ts`` ``(T, N)`` per region.

    ``threshold``: "mean" (each region at its own temporal mean, as in Ezaki
    et al. 2017 and Watanabe et al. 2013), "median", a number (the same for
    every region) or an array ``(N,)`` (one per region).  Values strictly
    above the threshold become active (+1, or 1 with ``spins="01"``), the
    rest inactive (-1 or 0).  Returns int8 ``(T, N)``.
    """
    spins = _check_spins(spins)
    x = check_timeseries(ts, "ts", min_timepoints=1)
    if isinstance(threshold, str):
        check_choice(threshold, "threshold", ("mean", "median"))
        thr = x.mean(axis=0) if threshold == "mean" else np.median(x, axis=0)
    elif np.ndim(threshold) == 0:
        thr = check_float(threshold, "threshold")
    else:
        thr = check_array(threshold, "threshold", ndim=1)
        if thr.ndim == 1 and thr.shape[0] != x.shape[1]:
            raise ValueError(f"threshold must be a number or have one entry per region "
                             f"({x.shape[1]}), got shape {thr.shape}")
    active = x > thr
    const = constant_columns(active)
    if const.size:
        warnings.warn(f"binarize: regions {const.tolist()} are constant after thresholding",
                      RuntimeWarning, stacklevel=2)
    out = active.astype(np.int8)
    return out if spins == "01" else (2 * out - 1).astype(np.int8)


# ---------------------------------------------------------------------------
# fitting


def _check_fittable(S: np.ndarray, l2: float, method: str) -> None:
    n_samples, n = S.shape
    const = constant_columns(S)
    if const.size:
        raise ValueError(
            f"X has constant units {const.tolist()} (always active or always inactive): their "
            "maximum-entropy fields are infinite; drop these units before fitting")
    n_params = n + n * (n - 1) // 2
    if n_samples < n_params and method != "pseudolikelihood":
        warnings.warn(f"X has {n_samples} samples for {n_params} parameters; the fit will be "
                      "dominated by sampling noise (consider l2 > 0)", RuntimeWarning,
                      stacklevel=3)
    if l2 == 0 and method in ("exact", "monte_carlo") and n <= 200:
        # a pair that never shows one of its four joint states drives J_ij to infinity
        A = (S > 0).astype(np.float64)
        B = 1.0 - A
        for P, Q, what in ((A, A, "(+,+)"), (B, B, "(-,-)"), (A, B, "(+,-)")):
            C = P.T @ Q
            np.fill_diagonal(C, 1.0)
            bad = np.argwhere(C == 0)
            if bad.size:
                i, j = (int(v) for v in bad[0])
                raise ValueError(
                    f"units {i} and {j} never show the joint state {what} in X, so the maximum-"
                    "likelihood coupling is infinite; pass l2 > 0 (or more data)")


def _objective_exact(theta, n, md, l2, masks, n_jobs, want_hess):
    h, J = _unpack(theta, n)
    lz, me, W = _core_maxent.walsh_moments(h, J, n_jobs)
    model = W[masks]
    c = theta[n:]
    f = lz - theta @ md + l2 * (c @ c)
    g = model - md
    g[n:] += 2 * l2 * c
    H = None
    if want_hess:
        H = W[masks[:, None] ^ masks[None, :]] - np.outer(model, model)
        if l2:
            H[np.arange(n, len(theta)), np.arange(n, len(theta))] += 2 * l2
    return f, g, H, model, lz, me


def _fit_exact(md, n, *, l1, l2, max_iter, tol, n_jobs, theta0=None):
    masks = _pair_masks(n)
    D = masks.size
    if theta0 is None:
        theta = np.zeros(D)
        theta[:n] = np.arctanh(np.clip(md[:n], -1 + 1e-12, 1 - 1e-12))
    else:
        theta = np.array(theta0, dtype=np.float64)
    if l1 > 0:
        return _fit_l1_lbfgs(theta, n, md, l1, l2, max_iter, tol,
                             lambda th: _objective_exact(th, n, md, l2, masks, n_jobs, False)[:2])
    from scipy.linalg import LinAlgError, solve

    f, g, H, model, lz, _ = _objective_exact(theta, n, md, l2, masks, n_jobs, True)
    it = 0
    converged = bool(np.max(np.abs(g)) < tol)
    while not converged and it < max_iter:
        it += 1
        ridge = 0.0
        while True:
            try:
                step = solve(H + ridge * np.eye(D), g, assume_a="pos", check_finite=False)
                break
            except LinAlgError:
                ridge = max(1e-10, 10 * ridge)
        # backtracking line search (Armijo) on the convex dual
        t, slope = 1.0, -(g @ step)
        for _ in range(60):
            cand = theta - t * step
            fc, gc, Hc, mc, lzc, _ = _objective_exact(cand, n, md, l2, masks, n_jobs, True)
            if np.isfinite(fc) and fc <= f + 1e-4 * t * slope + 1e-13 * abs(f):
                break
            t *= 0.5
        theta, f, g, H, model, lz = cand, fc, gc, Hc, mc, lzc
        converged = bool(np.max(np.abs(g)) < tol)
    return theta, {"iterations": it, "converged": converged, "objective": float(f),
                   "optimizer": "newton"}


def _fit_l1_lbfgs(theta0, n, md, l1, l2, max_iter, tol, fun_grad):
    """L1 on couplings by splitting J = P - Q with P, Q >= 0 (smooth, bounded)."""
    from scipy.optimize import minimize

    D = theta0.size
    c0 = theta0[n:]
    x0 = np.concatenate([theta0[:n], np.maximum(c0, 0), np.maximum(-c0, 0)])
    P = D - n

    def fg(x):
        theta = np.concatenate([x[:n], x[n:n + P] - x[n + P:]])
        f, g = fun_grad(theta)
        f = f + l1 * x[n:].sum()
        gx = np.concatenate([g[:n], g[n:] + l1, -g[n:] + l1])
        return f, gx

    bounds = [(None, None)] * n + [(0, None)] * (2 * P)
    res = minimize(fg, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options={"maxiter": max_iter, "gtol": tol, "ftol": 1e-15, "maxcor": 30})
    theta = np.concatenate([res.x[:n], res.x[n:n + P] - res.x[n + P:]])
    return theta, {"iterations": int(res.nit), "converged": bool(res.success),
                   "objective": float(res.fun), "optimizer": "L-BFGS-B (split L1)"}


def _fit_pl(S, weights, n, *, l1, l2, max_iter, tol, n_jobs, theta0=None):
    from scipy.optimize import minimize

    md = _data_moments(S, weights)
    if theta0 is None:
        theta0 = np.zeros(n + n * (n - 1) // 2)
        theta0[:n] = np.arctanh(np.clip(md[:n], -1 + 1e-12, 1 - 1e-12))
    iu = np.triu_indices(n, 1)
    w = None if weights is None else np.ascontiguousarray(weights, dtype=np.float64)

    def fun_grad(theta):
        h, J = _unpack(theta, n)
        v, gh, gJ = _core_maxent.pseudolikelihood(S, w, h, J, n_jobs)
        c = theta[n:]
        return v + l2 * (c @ c), np.concatenate([gh, gJ[iu] + 2 * l2 * c])

    if l1 > 0:
        return _fit_l1_lbfgs(theta0, n, md, l1, l2, max_iter, tol, fun_grad)
    res = minimize(fun_grad, theta0, jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "gtol": tol, "ftol": 1e-15, "maxcor": 30})
    return res.x, {"iterations": int(res.nit), "converged": bool(res.success),
                   "objective": float(res.fun), "optimizer": "L-BFGS-B"}


def _fit_mc(S, n, md, *, l1, l2, max_iter, tol, n_jobs, seed, theta0, n_chains, n_sweeps,
            learning_rate, max_step=0.05):
    rng = check_random_state(seed)
    base_seed = seed_for_core(rng)
    theta = theta0.copy()
    states = S[rng.integers(0, S.shape[0], n_chains)].copy()
    iu = np.triu_indices(n, 1)
    h, J = _unpack(theta, n)
    # burn in the persistent chains at the starting parameters
    _core_maxent.gibbs(h, J, states, max(100, 10 * n), 0, 1, base_seed, False, False, n_jobs)
    avg = np.zeros_like(theta)
    n_avg = 0
    errs = []
    start_avg = max_iter // 2
    for it in range(max_iter):
        h, J = _unpack(theta, n)
        _, m1, m2 = _core_maxent.gibbs(h, J, states, 0, n_sweeps, 1, base_seed + 1 + it, False,
                                       True, n_jobs)
        model = np.concatenate([m1, m2[iu]])
        g = model - md
        errs.append(float(np.max(np.abs(g))))
        c = theta[n:]
        g[n:] += 2 * l2 * c + l1 * np.sign(c)
        lr = learning_rate / (1.0 + it / max(1.0, max_iter / 4))
        # bounded steps (as ConIII's maxdlamda): noisy moments never throw the chains far
        theta = theta - np.clip(lr * g, -max_step, max_step)
        if it >= start_avg:
            avg += theta
            n_avg += 1
    theta = avg / max(1, n_avg)
    # moment error of the averaged parameters from fresh (longer) runs of the same chains
    h, J = _unpack(theta, n)
    # (the persistent chains are already near equilibrium: a short re-burn suffices)
    _, m1, m2 = _core_maxent.gibbs(h, J, states, 5 * n_sweeps, 10 * n_sweeps, 1,
                                   base_seed + max_iter + 1, False, True, n_jobs)
    mc_err = float(np.max(np.abs(np.concatenate([m1, m2[iu]]) - md)))
    return theta, {"iterations": max_iter, "objective": float("nan"),
                   "gibbs_moment_error": mc_err,
                   "optimizer": "Boltzmann learning (persistent Gibbs chains, Polyak average)",
                   "n_chains": n_chains, "sweeps_per_iteration": n_sweeps,
                   "moment_error_trace": np.array(errs)}


def _initial_theta(init, method, Sfit, weights, md, n, l1, l2, n_jobs):
    if init is None:
        return None
    if isinstance(init, IsingModel):
        if init.n_units != n:
            raise ValueError(f"init has {init.n_units} units, X has {n}")
        h, J = init._pm1()
        return _pack(h, J)
    check_choice(init, "init", ("independent", "mean_field", "pseudolikelihood"))
    theta = np.zeros(n + n * (n - 1) // 2)
    m = np.clip(md[:n], -1 + 1e-9, 1 - 1e-9)
    theta[:n] = np.arctanh(m)
    if init == "mean_field":
        iu = np.triu_indices(n, 1)
        M2 = np.eye(n)
        M2[iu] = md[n:]
        M2 = M2 + np.triu(M2, 1).T
        C = M2 - np.outer(m, m)
        P = np.linalg.inv(C + 1e-9 * np.trace(C) / n * np.eye(n))
        J = -P
        np.fill_diagonal(J, 0.0)
        theta = _pack(np.arctanh(m) - J @ m, J)
    elif init == "pseudolikelihood":
        theta, _ = _fit_pl(Sfit, weights, n, l1=l1, l2=l2, max_iter=1000, tol=1e-7,
                           n_jobs=n_jobs)
    return theta


@single_threaded_blas
def fit_ising(X, method: str = "auto", *, spins: str = "pm1", l1: float = 0.0, l2: float = 0.0,
              max_iter: int | None = None, tol: float | None = None, seed=None, n_jobs=None,
              n_chains: int = 128, n_sweeps: int = 20, learning_rate: float = 0.05,
              init=None) -> IsingModel:
    """Fit a pairwise maximum-entropy (Ising) model to binary data.

    Parameters
    ----------
    X : (n_samples, n_units) binary array, values in {-1, +1} (``spins="pm1"``)
        or {0, 1} (``spins="01"``).
    method : "auto" (exact for N <= 20, pseudolikelihood beyond), "exact"
        (N <= 25), "pseudolikelihood" or "monte_carlo" (see module docstring).
    spins : coding of ``X`` and of the returned parameters.
    l1, l2 : penalties on the couplings (``{-1,+1}`` coding), added to the
        per-sample negative log-(pseudo)likelihood.
    max_iter : iteration cap (default: 100 Newton steps for "exact", 1000
        L-BFGS-B steps for "pseudolikelihood", 400 learning steps for
        "monte_carlo").
    tol : convergence tolerance on the gradient, i.e. on the moment mismatch
        for "exact" (default 1e-8) and "monte_carlo" (default 0.02, a
        statistical criterion, reported only); projected gradient for
        "pseudolikelihood" (default 1e-7).
    seed : int or Generator (Monte Carlo only); same seed, same model on any n_jobs.
    n_jobs : threads in the core (None: configured default; -1: all CPUs).
    init : starting parameters: None (independent model for "exact" and
        "pseudolikelihood", the pseudolikelihood fit for "monte_carlo"),
        "independent", "mean_field" (naive mean-field inversion
        ``J = -offdiag(C^-1)``, ``h = atanh(m) - J m``; Kappen & Rodriguez
        1998), "pseudolikelihood", or an :class:`IsingModel` with N units.
    n_chains, n_sweeps, learning_rate : Monte Carlo settings (chains, Gibbs
        sweeps per chain per learning step, initial step size; each parameter
        moves at most 0.05 per step; 0.2 was unstable for 100 strongly
        correlated fMRI regions).

    Returns
    -------
    IsingModel with ``h`` (N,), ``J`` (N, N) in the coding ``spins``.
    """
    t0 = time.perf_counter()
    spins = _check_spins(spins)
    method = check_choice(method, "method", _METHODS)
    l1 = check_float(l1, "l1", min_value=0.0)
    l2 = check_float(l2, "l2", min_value=0.0)
    n_jobs = check_n_jobs(n_jobs)
    S = _check_binary(X, "X", spins, min_samples=2)
    n = S.shape[1]
    if n < 2:
        raise ValueError(f"X must have at least 2 units (columns), got {n}")
    if method == "auto":
        method = "exact" if n <= AUTO_EXACT_MAX_UNITS else "pseudolikelihood"
    if method == "exact":
        _check_exact_n(n, "method='exact'", "use method='pseudolikelihood' or 'monte_carlo'")
    _check_fittable(S, l2, method)
    defaults = {"exact": (100, 1e-8), "pseudolikelihood": (1000, 1e-7), "monte_carlo": (400, 0.02)}
    max_iter = defaults[method][0] if max_iter is None else check_int(max_iter, "max_iter",
                                                                        min_value=1)
    tol = defaults[method][1] if tol is None else check_float(tol, "tol", min_value=0.0,
                                                              strict_min=True)
    # unique rows with counts: the same objective, far fewer rows for few units
    weights = None
    Sfit = S
    if n <= 30:
        uidx, counts = np.unique(_state_index(S), return_counts=True)
        if uidx.size < 0.8 * S.shape[0]:
            Sfit = (2 * ((uidx[:, None] >> np.arange(n)) & 1) - 1).astype(np.int8)
            weights = counts.astype(np.float64)
    md = _data_moments(Sfit, weights)
    theta0 = _initial_theta(init, method, Sfit, weights, md, n, l1, l2, n_jobs)
    if method == "exact":
        theta, diag = _fit_exact(md, n, l1=l1, l2=l2, max_iter=max_iter, tol=tol, n_jobs=n_jobs,
                                 theta0=theta0)
    elif method == "pseudolikelihood":
        theta, diag = _fit_pl(Sfit, weights, n, l1=l1, l2=l2, max_iter=max_iter, tol=tol,
                              n_jobs=n_jobs, theta0=theta0)
    else:
        n_chains = check_int(n_chains, "n_chains", min_value=1)
        n_sweeps = check_int(n_sweeps, "n_sweeps", min_value=1)
        learning_rate = check_float(learning_rate, "learning_rate", min_value=0.0,
                                    strict_min=True)
        if theta0 is None:
            theta0, _ = _fit_pl(Sfit, weights, n, l1=l1, l2=l2, max_iter=1000, tol=1e-7,
                                n_jobs=n_jobs)
        theta, diag = _fit_mc(S, n, md, l1=l1, l2=l2, max_iter=max_iter, tol=tol, n_jobs=n_jobs,
                              seed=seed, theta0=theta0, n_chains=n_chains, n_sweeps=n_sweeps,
                              learning_rate=learning_rate)
    h, J = _unpack(theta, n)
    # moment error of the returned parameters (exact where enumeration is cheap)
    if n <= AUTO_EXACT_MAX_UNITS:
        _, _, W = _core_maxent.walsh_moments(h, J, n_jobs)
        diag["max_moment_error"] = float(np.max(np.abs(W[_pair_masks(n)] - md)))
        diag["moment_error_kind"] = "exact"
    elif method == "monte_carlo":
        diag["max_moment_error"] = diag["gibbs_moment_error"]
        diag["moment_error_kind"] = "gibbs estimate"
    if method == "monte_carlo":
        diag["converged"] = bool(diag["max_moment_error"] < tol)
    diag["time_s"] = time.perf_counter() - t0
    diag["n_samples"] = int(S.shape[0])
    diag["l1"], diag["l2"] = l1, l2
    model = IsingModel(h, J, "pm1", method, diag, None)
    return model if spins == "pm1" else model.to_01()


# ---------------------------------------------------------------------------
# goodness of fit


@dataclass(repr=False)
class GoodnessOfFit:
    """Entropies (bits) and fit indices of a pairwise model against data.

    ``S1``: independent (first-order maximum-entropy) model of the data;
    ``S2``: the pairwise model; ``SN``: plug-in entropy of the empirical
    state distribution -- biased low for few samples per state (roughly by
    ``(n_observed_states - 1) / (2 n_samples ln 2)`` bits, Miller-Madow), which
    inflates ``S1 - SN``.  ``multi_information = S1 - SN``;
    ``r = (S1 - S2) / (S1 - SN)`` (Schneidman et al. 2006).
    ``D1, D2``: KL divergences ``KL(P_empirical || P_k)`` (bits);
    ``accuracy = (D1 - D2) / D1`` (Watanabe et al. 2013; Ezaki et al. 2017).
    For a model matching the data moments exactly, ``D_k = S_k - SN`` and the
    two indices coincide.
    """

    S1: float
    S2: float
    SN: float
    multi_information: float
    r: float
    D1: float
    D2: float
    accuracy: float
    n_samples: int
    n_observed_states: int
    miller_madow_bias: float

    def as_dict(self) -> dict:
        return dict(self.__dict__)

    def __repr__(self) -> str:
        return (f"GoodnessOfFit(S1={self.S1:.4f}, S2={self.S2:.4f}, SN={self.SN:.4f} bits, "
                f"r={self.r:.4f}, accuracy={self.accuracy:.4f}, n_samples={self.n_samples}, "
                f"n_observed_states={self.n_observed_states})")


@single_threaded_blas
def goodness_of_fit(model: IsingModel, X, *, n_jobs=None) -> GoodnessOfFit:
    """Entropy-based goodness of fit of ``model`` to binary data ``X`` ``(T, N)``.

    ``X`` is in the model's coding.  Exact enumeration (N <= 25).  See
    :class:`GoodnessOfFit` for definitions and the small-sample bias of ``SN``.
    """
    if not isinstance(model, IsingModel):
        raise TypeError(f"model must be an IsingModel, got {type(model).__name__}")
    S = _check_binary(X, "X", model.spins, min_samples=2)
    n = model.n_units
    if S.shape[1] != n:
        raise ValueError(f"X must have {n} columns to match the model, got {S.shape[1]}")
    _check_exact_n(n, "goodness_of_fit")
    T = S.shape[0]
    idx = _state_index(S)
    states, counts = np.unique(idx, return_counts=True)
    pe = counts / T
    ln2 = math.log(2.0)
    SN = float(-(pe * np.log(pe)).sum() / ln2)
    # independent model
    q = (S > 0).mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        Hq = -(np.where(q > 0, q * np.log(q), 0.0) + np.where(q < 1, (1 - q) * np.log1p(-q), 0.0))
    S1 = float(Hq.sum() / ln2)
    bits = ((states[:, None] >> np.arange(n)) & 1).astype(bool)
    with np.errstate(divide="ignore"):
        logp1 = np.where(bits, np.log(q), np.log1p(-q)).sum(axis=1)
    # pairwise model
    pm = model.to_pm1()
    jobs = model._jobs(n_jobs)
    lz, me, *_ = _core_maxent.exact_moments(pm.h, pm.J, False, jobs)
    S2 = float((lz + me) / ln2)
    Sobs = np.where(bits, 1.0, -1.0)
    E = -(Sobs @ pm.h) - 0.5 * np.einsum("ki,ij,kj->k", Sobs, pm.J, Sobs)
    logp2 = -E - lz
    D1 = float((pe * (np.log(pe) - logp1)).sum() / ln2)
    D2 = float((pe * (np.log(pe) - logp2)).sum() / ln2)
    mi = S1 - SN
    r = (S1 - S2) / mi if mi > 0 else float("nan")
    acc = (D1 - D2) / D1 if D1 > 0 else float("nan")
    return GoodnessOfFit(S1, S2, SN, mi, float(r), D1, D2, float(acc), int(T), int(states.size),
                         float((states.size - 1) / (2.0 * T * ln2)))


# ---------------------------------------------------------------------------
# energy landscape


@dataclass(repr=False)
class EnergyLandscape:
    """Energy landscape of an Ising model on the single-flip graph (Ezaki et al. 2017).

    Attributes (k local minima, sorted by energy; ``2^N`` states in index order):

    ``energies`` (2^N,) in the model's coding; ``minima`` (k,) state indices;
    ``minima_states`` (k, N) int8 in the model's coding; ``minima_energies`` (k,);
    ``basin`` (2^N,) number (0..k-1) of the minimum reached by steepest descent
    (move to the lowest neighbour while it is strictly lower; ties to the
    smallest index); ``basin_size`` (k,) states per basin;
    ``basin_probability`` (k,) model probability per basin;
    ``saddle`` (k, k) energy of the lowest saddle between minima (the minimax
    energy over single-flip paths; diagonal = minimum energies);
    ``barrier`` (k, k) ``saddle[a, b] - minima_energies[a]``, the height to
    climb from minimum ``a`` to reach ``b``;
    ``merges`` (k-1, 4): the disconnectivity graph as a linkage, rows
    ``(cluster_a, cluster_b, saddle_energy, saddle_state)`` where clusters
    ``0..k-1`` are the minima and merge ``m`` creates cluster ``k + m``.
    """

    n_units: int
    spins: str
    energies: np.ndarray
    minima: np.ndarray
    minima_states: np.ndarray
    minima_energies: np.ndarray
    basin: np.ndarray
    basin_size: np.ndarray
    basin_probability: np.ndarray
    saddle: np.ndarray
    barrier: np.ndarray
    merges: np.ndarray

    @property
    def n_minima(self) -> int:
        return int(self.minima.size)

    def __repr__(self) -> str:
        return (f"EnergyLandscape(n_units={self.n_units}, n_minima={self.n_minima}, "
                f"minima_energies={np.array2string(self.minima_energies, precision=3)})")

    def plot(self, ax=None, *, labels=None):
        """Disconnectivity graph (matplotlib; optional dependency). Returns the axes."""
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ImportError("EnergyLandscape.plot needs matplotlib "
                              "(pip install netneuro[plot])") from exc
        if ax is None:
            _, ax = plt.subplots()
        k = self.n_minima
        if labels is None:
            labels = ["".join("1" if v > 0 else "0" for v in s) for s in self.minima_states]
        children = {}
        height = {i: float(self.minima_energies[i]) for i in range(k)}
        for m, (a, b, e, _) in enumerate(self.merges):
            children[k + m] = (int(a), int(b))
            height[k + m] = float(e)
        root = k + len(self.merges) - 1 if len(self.merges) else 0
        order = []

        def leaves(c):
            stack = [c]
            while stack:
                x = stack.pop()
                if x in children:
                    a, b = children[x]
                    stack.extend([b, a])
                else:
                    order.append(x)

        leaves(root)
        xpos = {leaf: float(i) for i, leaf in enumerate(order)}
        for c in sorted(children):
            a, b = children[c]
            xpos[c] = 0.5 * (xpos[a] + xpos[b])
            for child in (a, b):
                ax.plot([xpos[child], xpos[child]], [height[child], height[c]], color="k", lw=1)
            ax.plot([xpos[a], xpos[b]], [height[c], height[c]], color="k", lw=1)
        for leaf in order:
            ax.plot(xpos[leaf], height[leaf], "o", color="C0")
        ax.set_xticks([xpos[leaf] for leaf in order])
        ax.set_xticklabels([labels[leaf] for leaf in order], rotation=90, fontsize=8)
        ax.set_ylabel("energy")
        ax.set_title("disconnectivity graph")
        return ax


@single_threaded_blas
def energy_landscape(model: IsingModel, *, n_jobs=None) -> EnergyLandscape:
    """Local minima, basins and barriers of ``model`` over all ``2^N`` states (N <= 25).

    Local minimum: a state with no strictly lower single-flip neighbour.
    Barriers come from the order in which sublevel sets join (a minimum
    spanning tree argument): the lowest saddle between two minima is the
    highest state on the best single-flip path between them.
    """
    if not isinstance(model, IsingModel):
        raise TypeError(f"model must be an IsingModel, got {type(model).__name__}")
    n = model.n_units
    _check_exact_n(n, "energy_landscape")
    check_memory(8.0 * 8 * 2 ** n, f"an energy landscape of {n} units")
    jobs = model._jobs(n_jobs)
    E = model.state_energies(jobs)
    _, basin_min, minima, merges_raw = _core_maxent.landscape(E, n, jobs)
    k = minima.size
    pos = {int(m): i for i, m in enumerate(minima)}
    lookup = np.full(E.size, -1, dtype=np.int64)
    lookup[minima] = np.arange(k)
    basin = lookup[basin_min]
    p = np.exp(-(E - E.min()))
    p /= p.sum()
    basin_size = np.bincount(basin, minlength=k)
    basin_prob = np.bincount(basin, weights=p, minlength=k)
    emin = E[minima]
    saddle = np.diag(emin).astype(np.float64)
    cluster_of = list(range(k))
    members = {i: [i] for i in range(k)}
    merges = np.zeros((max(0, k - 1), 4))
    for m, (s_state, ma, mb) in enumerate(merges_raw):
        a, b = pos[int(ma)], pos[int(mb)]
        ca, cb = cluster_of[a], cluster_of[b]
        e = E[s_state]
        ia, ib = members[ca], members[cb]
        saddle[np.ix_(ia, ib)] = e
        saddle[np.ix_(ib, ia)] = e
        new = k + m
        members[new] = ia + ib
        for i in members[new]:
            cluster_of[i] = new
        merges[m] = (ca, cb, e, s_state)
    barrier = saddle - emin[:, None]
    mstates = ((minima[:, None] >> np.arange(n)) & 1).astype(np.int8)
    if model.spins == "pm1":
        mstates = (2 * mstates - 1).astype(np.int8)
    return EnergyLandscape(n, model.spins, E, minima, mstates, emin, basin, basin_size,
                           basin_prob, saddle, barrier, merges)
