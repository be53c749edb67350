"""The pairwise maximum-entropy (Ising) model: parameters, conventions, exact quantities, sampling.

See :mod:`netneuro.maxent` for the energy, the two spin codings and the state
numbering.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import _core
from .._array_api import namespace
from .._parallel import check_n_jobs, single_threaded_blas
from .._validation import (
    check_array,
    check_choice,
    check_float,
    check_int,
    check_memory,
    check_random_state,
    seed_for_core,
)
from . import array_api as _xpa

__all__ = ["IsingModel", "all_states", "pairwise_moments", "EXACT_MAX_UNITS",
           "EXACT_FIT_MAX_UNITS", "AUTO_EXACT_MAX_UNITS"]

#: Largest N for exact enumeration of all states (probabilities, entropy, landscapes).
EXACT_MAX_UNITS = 25
#: Largest N for exact maximum-likelihood fits: they need the moments of order <= 4 only,
#: summed over all 2^N states without storing them (N = 28 in about half a minute on 2 cores).
EXACT_FIT_MAX_UNITS = 30
#: ``method="auto"`` fits exactly up to this N, by pseudolikelihood beyond.
AUTO_EXACT_MAX_UNITS = 20

_SPINS = ("pm1", "01")
_core_maxent = _core.maxent


# ---------------------------------------------------------------------------
# helpers


def _check_spins(spins) -> str:
    return check_choice(spins, "spins", _SPINS)


def _check_exact_fit_n(n: int, what: str, hint: str) -> None:
    if n > EXACT_FIT_MAX_UNITS:
        raise ValueError(f"{what} sums over all 2^N states; N = {n} is too large (at most "
                         f"{EXACT_FIT_MAX_UNITS} units); {hint}")


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


def pairwise_moments(X, *, spins: str = "pm1"):
    """Means ``<s_i>`` (N,) and correlations ``<s_i s_j>`` (N, N) of binary data, in the ``{-1,+1}`` coding.

    ``X`` : (n_samples, n_units) in the coding ``spins``.  These are the moments
    :func:`~netneuro.maxent.fit_ising` matches (the diagonal of the correlations
    is 1); :func:`~netneuro.maxent.fit_ising_moments` takes them directly.  A torch
    tensor or CuPy array gives the moments in its namespace, on its device.
    """
    spins = _check_spins(spins)
    xp, native = namespace(X)
    if not native:
        S = _xpa.check_binary_xp(X, "X", spins, xp)
        C = xp.matrix_transpose(S) @ S / S.shape[0]
        eye = xp.eye(S.shape[1], dtype=C.dtype, device=_xpa.device_of(C))
        return xp.mean(S, axis=0), C * (1.0 - eye) + eye
    S = _check_binary(X, "X", spins)
    md = _data_moments(S)
    n = S.shape[1]
    C = np.eye(n)
    iu = np.triu_indices(n, 1)
    C[iu] = md[n:]
    C.T[iu] = md[n:]
    return md[:n].copy(), C


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
    ``|model - data|`` over ``<s_i>`` and ``<s_i s_j>``, in the ``{-1,+1}``
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
        xp, native = namespace(self.h, self.J)
        if native:
            self.h, self.J = _check_params(self.h, self.J)
        else:  # torch, CuPy, ...: kept, and computed by that library (maxent.array_api)
            self.h, self.J = _xpa.check_params_xp(self.h, self.J, xp)

    def _xp(self):
        """The Array API namespace of non-NumPy parameters (torch, CuPy, ...), else None."""
        xp, native = namespace(self.h)
        return None if native else xp

    # -- conventions -------------------------------------------------------
    @property
    def n_units(self) -> int:
        return int(self.h.shape[0])

    def _pm1(self):
        if (xp := self._xp()) is not None:
            return _xpa.to_pm1_xp(self.h, self.J, self.spins, xp)
        if self.spins == "pm1":
            return self.h, self.J
        return _topm1_params(self.h, self.J)

    def to_pm1(self) -> "IsingModel":
        """The same distribution with ``{-1,+1}`` parameters (exact)."""
        h, J = self._pm1()
        xp = self._xp() or np
        return IsingModel(xp.asarray(h, copy=True), xp.asarray(J, copy=True), "pm1",
                          self.method, dict(self.diagnostics), self.n_jobs)

    def to_01(self) -> "IsingModel":
        """The same distribution with ``{0,1}`` parameters (exact)."""
        h, J = self._pm1()
        xp = self._xp()
        a, K = _to01_params(h, J) if xp is None else _xpa.to_01_xp(h, J, xp)
        return IsingModel(a, K, "01", self.method, dict(self.diagnostics), self.n_jobs)

    def to_numpy(self) -> "IsingModel":
        """The same model with NumPy parameters (copied to the host from a GPU), for the
        NumPy-only tools (:func:`~netneuro.maxent.energy_landscape`,
        :func:`~netneuro.maxent.goodness_of_fit`)."""
        if self._xp() is None:
            return self
        h, J = (_xpa._host(x) for x in (self.h, self.J))
        return IsingModel(np.from_dlpack(h).copy(), np.from_dlpack(J).copy(), self.spins,
                          self.method, dict(self.diagnostics), self.n_jobs)

    def to_vector(self) -> np.ndarray:
        """Parameters as one vector ``(N + N(N-1)/2,)``: ``h`` then ``J[i, j]`` for ``i < j``
        (row by row, ``itertools.combinations`` order), in the model's coding.

        This is ConIII's ``multipliers`` layout (for ``spins="pm1"``).
        """
        xp = self._xp()
        return _pack(self.h, self.J) if xp is None else _xpa.pack_xp(self.h, self.J, xp)

    @classmethod
    def from_vector(cls, theta, spins: str = "pm1") -> "IsingModel":
        """The model with parameters ``theta`` in the layout of :meth:`to_vector`.

        ``theta`` : (N + N(N-1)/2,) fields then couplings; N is inferred from the length.
        """
        xp, native = namespace(theta)
        v = check_array(theta, "theta", ndim=1) if native else _xpa._f64(theta, "theta", xp, 1)
        size = int(v.shape[0])
        n = int(round((math.sqrt(1 + 8 * size) - 1) / 2))
        if n < 1 or n + n * (n - 1) // 2 != size:
            raise ValueError(f"theta must have N + N(N-1)/2 entries (fields, then couplings "
                             f"i < j) for some N >= 1, got {size}")
        h, J = _unpack(v, n) if native else _xpa.unpack_xp(v, n, xp)
        return cls(h, J, spins)

    def _jobs(self, n_jobs):
        return check_n_jobs(self.n_jobs if n_jobs is None else n_jobs)

    # -- energies and exact quantities ---------------------------------------
    def energy(self, states) -> np.ndarray:
        """Energies of ``states`` ``(M, N)`` (or one state ``(N,)``) in the model's coding."""
        if (xp := self._xp()) is not None:
            return _xpa.model_energy(self, states, xp)
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
        if (xp := self._xp()) is not None:
            return _xpa.model_state_energies(self, xp)
        _check_exact_n(self.n_units, "state_energies")
        h, J = self._pm1()
        E = _core_maxent.all_energies(h, J, self._jobs(n_jobs))
        if self.spins == "01":
            E -= _c0_01(self.h, self.J)
        return E

    @single_threaded_blas
    def log_partition(self, n_jobs=None) -> float:
        """``log Z`` (natural log) in the model's coding (exact, N <= 25; N <= 32 for
        parameters of another array library, enumerated in chunks on their device)."""
        if (xp := self._xp()) is not None:
            return _xpa.model_log_partition(self, xp)
        _check_exact_n(self.n_units, "log_partition")
        h, J = self._pm1()
        lz = _core_maxent.exact_moments(h, J, False, self._jobs(n_jobs))[0]
        if self.spins == "01":
            lz += _c0_01(self.h, self.J)
        return float(lz)

    def probabilities(self, n_jobs=None) -> np.ndarray:
        """``P(state)`` for all ``2^N`` states (index order), exact, N <= 25."""
        if (xp := self._xp()) is not None:
            return _xpa.model_probabilities(self, xp)
        _check_exact_n(self.n_units, "probabilities")
        h, J = self._pm1()
        E = _core_maxent.all_energies(h, J, self._jobs(n_jobs))
        p = np.exp(-(E - E.min()))
        return p / p.sum()

    @single_threaded_blas
    def _moments_pm1(self, n_jobs=None, n_samples=None, seed=None):
        if (xp := self._xp()) is not None:
            return _xpa.model_moments_pm1(self, xp, n_samples, seed)
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
        if (xp := self._xp()) is not None:
            eye = xp.eye(self.n_units, dtype=c.dtype, device=_xpa.device_of(c))
            return c * (1.0 - eye) + eye * ((m1 + 1.0) / 2.0)[None, :]
        np.fill_diagonal(c, (m1 + 1.0) / 2.0)
        return c

    @single_threaded_blas
    def entropy(self, base: float = 2.0, *, n_jobs=None) -> float:
        """Entropy of the model distribution (bits by default; ``base=np.e`` for nats).
        Exact (N <= 25): ``S = log Z + <E>``."""
        base = check_float(base, "base", min_value=1.0, strict_min=True)
        if (xp := self._xp()) is not None:
            lz, me = _xpa.model_exact(self, xp, "entropy")[:2]
            return float((lz + me) / math.log(base))
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
        ``n_jobs``.  Parameters of another array library (torch, CuPy, ...)
        sample there, with its own generator (sequential Gibbs sweeps of all
        chains at once, :mod:`netneuro.maxent.array_api`); the samples are in
        that namespace, and the same ``seed`` gives the same samples there.
        """
        n = check_int(n, "n", min_value=1)
        method = check_choice(method, "method", ("auto", "exact", "gibbs"))
        if method == "auto":
            method = "exact" if self.n_units <= AUTO_EXACT_MAX_UNITS else "gibbs"
        rng = check_random_state(seed)
        if (xp := self._xp()) is not None:
            n_chains = check_int(n_chains, "n_chains", min_value=1)
            thin = check_int(thin, "thin", min_value=1)
            burn = None if burn_in is None else check_int(burn_in, "burn_in", min_value=0)
            return _xpa.model_sample(self, n, seed_for_core(rng), method, n_chains, burn, thin,
                                     xp)
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

