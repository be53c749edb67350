"""Ising models for arrays of any Array API library (torch, CuPy, array-api-strict, ...).

An :class:`~netneuro.maxent.IsingModel` whose ``h`` and ``J`` are torch
tensors (CPU or CUDA) or CuPy arrays is computed here, with that library on
its device, and its results come back in its namespace; NumPy parameters keep
the compiled core.  Everything is float64 (sums over ``2^N`` states).

Exact enumeration in chunks
    State ``k = a + 2^L b`` is split into its ``L`` low units ``a`` and its
    ``N - L`` high units ``b``, so that ``E(a, b) = E_low(a) + E_high(b) -
    s_a^T J_ab s_b``: the energies of a chunk of ``2^L x B`` states are one
    matrix product, and the moments are matrix products of the Boltzmann
    weights with the spins of the two halves.  Only one chunk lives in memory
    (``chunk_size`` states, default ``2^20``, ``2^22`` on a GPU; a running maximum keeps the
    exponentials in range), so ``N`` is bounded by time (O(N 2^N)), not
    memory (at most :data:`XP_EXACT_MAX_UNITS` units).  The Hessian (the
    covariance of the sufficient statistics ``(s_i, s_i s_j)_{i<j}``) costs
    ``O(2^N D^2)`` with ``D = N(N+1)/2``.

Sampling of many chains at once
    One sweep updates every unit of every chain: ``"sequential"`` in unit
    order (one matrix-vector product per unit), or ``"checkerboard"``: units
    are greedily coloured so that no two coupled units share a colour, and
    each colour class is updated at once from one matrix product (the
    checkerboard of a lattice; exact Gibbs for any ``J``, best for sparse
    couplings).  The update rule is the heat bath (``"gibbs"``) or
    ``"metropolis"``.  Random numbers come from the library's own generator
    (``torch.Generator`` on the tensor's device, ``cupy.random``), NumPy's for
    the others: the same seed in the same namespace gives the same samples.

Pseudolikelihood
    The per-sample negative log pseudolikelihood and its gradient, exactly as
    the compiled core (:func:`pseudolikelihood_xp`).

Fitting
    :func:`~netneuro.maxent.fit_ising` of torch / CuPy data (:func:`fit_ising_xp`):
    Newton's method on the exact objective, or L-BFGS-B on the pseudolikelihood,
    with every objective evaluated on the data's device.
"""

from __future__ import annotations

import math

import numpy as np

from .._array_api import available_memory_xp, check_array_xp, device_of
from .._validation import check_choice, check_int, check_memory, seed_for_core

__all__ = ["XP_EXACT_MAX_UNITS", "check_params_xp", "exact_moments_xp", "exact_objective_xp",
           "state_energies_xp", "pseudolikelihood_xp", "gibbs_xp", "pack_xp", "unpack_xp",
           "fit_ising_xp"]

#: Largest N the chunked enumeration accepts (time, not memory, is the limit).
XP_EXACT_MAX_UNITS = 32
_DEFAULT_CHUNK = 2 ** 20
_DEFAULT_CHUNK_GPU = 2 ** 22  # fewer, larger kernels on a GPU (about 1.2 GB for N = 28)


# ---------------------------------------------------------------------------
# helpers


def _available_bytes(xp, dev) -> float:
    return available_memory_xp(xp, dev)


def _guard(n_bytes, what, xp, dev, hint):
    check_memory(n_bytes, what, hint=hint, limit=_available_bytes(xp, dev))


def _f64(x, name, xp, ndim):
    x = check_array_xp(x, name, xp, ndim=ndim)
    return xp.astype(x, xp.float64) if x.dtype != xp.float64 else x


def _sym_offdiag_index(n, xp, dev):
    """``idx (n, n)``: 0 on the diagonal, ``1 + p`` for pair ``p`` (i < j, row by row)."""
    i = xp.arange(n, dtype=xp.int64, device=dev)[:, None]
    j = xp.arange(n, dtype=xp.int64, device=dev)[None, :]
    a, b = xp.minimum(i, j), xp.maximum(i, j)
    p = a * n - (a * (a + 1)) // 2 + (b - a - 1)
    return xp.where(i == j, xp.zeros_like(p), p + 1)


def _triu_flat(n, xp, dev):
    """Flat indices ``i n + j`` of the pairs ``i < j`` in row-by-row order."""
    iu = np.triu_indices(n, 1)
    return xp.asarray(np.asarray(iu[0] * n + iu[1], dtype=np.int64), device=dev)


def pack_xp(h, J, xp):
    """``(h, J[i < j])`` as one vector, the layout of :meth:`IsingModel.to_vector`."""
    n = h.shape[0]
    return xp.concat([h, xp.take(xp.reshape(J, (-1,)), _triu_flat(n, xp, device_of(h)))])


def unpack_xp(theta, n, xp):
    """Inverse of :func:`pack_xp`: ``(h (n,), J (n, n))`` (J symmetric, zero diagonal)."""
    dev = device_of(theta)
    c = xp.concat([xp.zeros((1,), dtype=theta.dtype, device=dev), theta[n:]])
    idx = xp.reshape(_sym_offdiag_index(n, xp, dev), (-1,))
    return theta[:n], xp.reshape(xp.take(c, idx), (n, n))


def check_params_xp(h, J, xp):
    """``h`` (N,) and ``J`` (N, N) symmetric with zero diagonal, float64, in namespace ``xp``."""
    h = _f64(h, "h", xp, 1)
    J = _f64(J, "J", xp, 2)
    n = h.shape[0]
    if tuple(J.shape) != (n, n):
        raise ValueError(f"J must have shape ({n}, {n}) to match h, got {tuple(J.shape)}")
    if device_of(h) != device_of(J):
        raise ValueError(f"h and J must be on one device, got {device_of(h)} and {device_of(J)}")
    if float(xp.max(xp.abs(J - xp.matrix_transpose(J)))) > 1e-12 * max(1.0, float(
            xp.max(xp.abs(J)))):
        raise ValueError("J must be symmetric")
    if bool(xp.any(xp.linalg.diagonal(J) != 0)):
        raise ValueError("J must have a zero diagonal")
    return h, J


def to_pm1_xp(h, J, spins, xp):
    """``{-1,+1}`` parameters of a model given in the coding ``spins``."""
    if spins == "pm1":
        return h, J
    return h / 2.0 + xp.sum(J, axis=1) / 4.0, J / 4.0


def to_01_xp(h, J, xp):
    return 2.0 * h - 2.0 * xp.sum(J, axis=1), 4.0 * J


def c0_01_xp(a, K, xp):
    """``E01(x) = E(s) - c0`` (see :mod:`netneuro.maxent`); ``K`` symmetric, zero diagonal."""
    return xp.sum(a) / 2.0 + xp.sum(K) / 8.0


def _spins(n_bits, start, stop, xp, dev):
    """Rows ``k in [start, stop)`` as ``{-1,+1}`` float64 spins ``(stop - start, n_bits)``."""
    k = xp.arange(start, stop, dtype=xp.int64, device=dev)
    sh = xp.arange(n_bits, dtype=xp.int64, device=dev)
    return xp.astype((k[:, None] >> sh[None, :]) & 1, xp.float64) * 2.0 - 1.0


def _energy_rows(S, h, J, xp):
    """Energies of spin rows ``S (M, N)``."""
    return -(S @ h) - 0.5 * xp.sum((S @ J) * S, axis=1)


def _check_n(n, what):
    if n > XP_EXACT_MAX_UNITS:
        raise ValueError(f"{what} enumerates all 2^N states; N = {n} is too large (at most "
                         f"{XP_EXACT_MAX_UNITS} units on the Array API path)")


def _chunking(n, chunk_size, hessian, xp, dev):
    """``(L, B)``: chunks of ``2^L`` low states times ``B`` high states, memory-guarded."""
    total = 2 ** n
    D = n * (n + 1) // 2
    per_state = 8.0 * (8 + n + (n * n + 2 * D + n if hessian else 0))
    if chunk_size is None:
        chunk = _DEFAULT_CHUNK if "cpu" in str(dev).lower() else _DEFAULT_CHUNK_GPU
        if hessian:  # about 256 MiB of chunk buffers
            chunk = min(chunk, 2 ** max(1, int(math.log2(2.0 ** 28 / per_state))))
    else:
        chunk = check_int(chunk_size, "chunk_size", min_value=2)
    chunk = min(chunk, total)
    c = max(1, int(math.log2(chunk)))
    L = max(1, min(n - 1, c, c // 2 + 3))
    B = max(1, chunk >> L)
    _guard(per_state * (2 ** L) * B, f"exact enumeration of {n} units in chunks of "
           f"{(2 ** L) * B} states", xp, dev, "pass a smaller chunk_size")
    return L, B


def _chunks(h, J, xp, chunk_size, hessian=False):
    """Yield ``(Sa, Sb, E)`` with ``E (2^L, b)`` the energies of states ``a + 2^L (c0 + j)``."""
    n = h.shape[0]
    dev = device_of(h)
    L, B = _chunking(n, chunk_size, hessian, xp, dev)
    H = n - L
    Sa = _spins(L, 0, 2 ** L, xp, dev)
    El = _energy_rows(Sa, h[:L], J[:L, :L], xp)
    hh, Jhh, Jlh = h[L:], J[L:, L:], J[:L, L:]
    for c0 in range(0, 2 ** H, B):
        Sb = _spins(H, c0, min(2 ** H, c0 + B), xp, dev)
        Eh = _energy_rows(Sb, hh, Jhh, xp)
        yield Sa, Sb, El[:, None] + Eh[None, :] - Sa @ (Jlh @ xp.matrix_transpose(Sb))


# ---------------------------------------------------------------------------
# exact enumeration


def state_energies_xp(h, J, xp, *, chunk_size=None):
    """Energies of all ``2^N`` states (``{-1,+1}`` parameters), in state-index order."""
    n = h.shape[0]
    dev = device_of(h)
    _guard(8.0 * 3 * 2 ** n, f"the energies of all 2^{n} states", xp, dev, "use fewer units")
    if n == 1:
        return xp.concat([h, -h])
    parts = [xp.reshape(xp.matrix_transpose(E), (-1,))
             for _, _, E in _chunks(h, J, xp, chunk_size)]
    return xp.concat(parts)


def exact_moments_xp(h, J, xp, *, chunk_size=None, hessian=False):
    """Exact ``(log Z, <E>, <s_i> (N,), <s_i s_j> (N, N), cov (D, D) or None)`` of a
    ``{-1,+1}`` model, enumerating the states in chunks of ``chunk_size`` (bounded memory).

    ``cov`` (with ``hessian=True``) is the covariance of ``(s_i, s_i s_j [i<j])``,
    ``D = N (N+1) / 2``: the Hessian of ``log Z`` in the layout of :func:`pack_xp`.
    ``log Z`` and ``<E>`` are Python floats; the rest live in ``xp`` on the device of ``h``.
    """
    n = h.shape[0]
    _check_n(n, "exact enumeration")
    dev = device_of(h)
    h, J = xp.astype(h, xp.float64), xp.astype(J, xp.float64)
    if n == 1:  # one spin: closed form
        t = xp.tanh(h)
        lz = float(xp.abs(h[0])) + math.log1p(math.exp(-2.0 * float(xp.abs(h[0]))))
        cov = xp.reshape(1.0 - t * t, (1, 1)) if hessian else None
        return lz, float(-h[0] * t[0]), t, xp.ones((1, 1), dtype=h.dtype, device=dev), cov
    m = Z = ES = wa = m1h = M2hh = M2lh = M4 = None
    flat = _triu_flat(n, xp, dev) if hessian else None
    for Sa, Sb, E in _chunks(h, J, xp, chunk_size, hessian):
        cm = xp.max(-E)
        if m is None:
            m = cm
            H = Sb.shape[1]
            Z = xp.zeros((), dtype=h.dtype, device=dev)
            ES = xp.zeros_like(Z)
            wa = xp.zeros((Sa.shape[0],), dtype=h.dtype, device=dev)
            m1h = xp.zeros((H,), dtype=h.dtype, device=dev)
            M2hh = xp.zeros((H, H), dtype=h.dtype, device=dev)
            M2lh = xp.zeros((Sa.shape[1], H), dtype=h.dtype, device=dev)
            if hessian:
                D = n + flat.shape[0]
                M4 = xp.zeros((D, D), dtype=h.dtype, device=dev)
        else:
            new = xp.maximum(m, cm)
            s = xp.exp(m - new)
            m = new
            Z, ES, wa, m1h, M2hh, M2lh = Z * s, ES * s, wa * s, m1h * s, M2hh * s, M2lh * s
            if hessian:
                M4 = M4 * s
        w = xp.exp(-E - m)
        wb = xp.sum(w, axis=0)
        Z = Z + xp.sum(wb)
        ES = ES + xp.sum(w * E)
        wa = wa + xp.sum(w, axis=1)
        m1h = m1h + wb @ Sb
        M2hh = M2hh + xp.matrix_transpose(Sb * wb[:, None]) @ Sb
        M2lh = M2lh + xp.matrix_transpose(Sa) @ (w @ Sb)
        if hessian:
            a, b = Sa.shape[0], Sb.shape[0]
            S = xp.concat([xp.broadcast_to(Sa[:, None, :], (a, b, Sa.shape[1])),
                           xp.broadcast_to(Sb[None, :, :], (a, b, Sb.shape[1]))], axis=2)
            S = xp.reshape(S, (a * b, n))
            S2 = xp.reshape(S[:, :, None] * S[:, None, :], (a * b, n * n))
            phi = xp.concat([S, xp.take(S2, flat, axis=1)], axis=1)
            M4 = M4 + xp.matrix_transpose(phi) @ (phi * xp.reshape(w, (-1,))[:, None])
    M2ll = xp.matrix_transpose(Sa * wa[:, None]) @ Sa
    m1 = xp.concat([wa @ Sa, m1h]) / Z
    M2 = xp.concat([xp.concat([M2ll, M2lh], axis=1),
                    xp.concat([xp.matrix_transpose(M2lh), M2hh], axis=1)], axis=0) / Z
    eye = xp.eye(n, dtype=h.dtype, device=dev)
    M2 = M2 * (1.0 - eye) + eye
    lz = float(m) + math.log(float(Z))
    cov = None
    if hessian:
        mphi = xp.concat([m1, xp.take(xp.reshape(M2, (-1,)), flat)])
        cov = M4 / Z - mphi[:, None] * mphi[None, :]
    return lz, float(ES / Z), m1, M2, cov


def exact_objective_xp(theta, md, n, xp, *, l2=0.0, hessian=False, chunk_size=None):
    """The exact maximum-likelihood objective of :func:`~netneuro.maxent.fit_ising`.

    ``f = log Z - theta . md + l2 |J|^2``, its gradient ``<phi> - md + 2 l2 J``
    (``D,``) and, with ``hessian=True``, its Hessian ``cov(phi) + 2 l2 I_J``
    (``D, D``); ``theta`` and ``md`` in the layout of :func:`pack_xp`.
    Returns ``(f (float), g, H or None)``.
    """
    h, J = unpack_xp(theta, n, xp)
    lz, _, m1, M2, cov = exact_moments_xp(h, J, xp, chunk_size=chunk_size, hessian=hessian)
    model = pack_xp(m1, M2, xp)
    c = theta[n:]
    f = lz - float(xp.sum(theta * md)) + l2 * float(xp.sum(c * c))
    reg = xp.concat([xp.zeros((n,), dtype=theta.dtype, device=device_of(theta)), 2.0 * l2 * c])
    g = model - md + reg
    if hessian and l2:
        d = xp.concat([xp.zeros((n,), dtype=theta.dtype, device=device_of(theta)),
                       xp.full((c.shape[0],), 2.0 * l2, dtype=theta.dtype,
                               device=device_of(theta))])
        cov = cov + xp.eye(d.shape[0], dtype=d.dtype, device=device_of(d)) * d[None, :]
    return f, g, cov


# ---------------------------------------------------------------------------
# data: binary validation, moments, pseudolikelihood


def check_binary_xp(X, name, spins, xp):
    """Binary ``(n_samples, n_units)`` data in the ``spins`` alphabet -> float64 ``{-1,+1}``."""
    if X.ndim != 2:
        raise ValueError(f"{name} must have 2 dimensions, got shape {tuple(X.shape)}")
    if 0 in tuple(X.shape):
        raise ValueError(f"{name} must not be empty, got shape {tuple(X.shape)}")
    if xp.isdtype(X.dtype, "complex floating"):
        raise TypeError(f"{name} must be real, got dtype {X.dtype}")
    X = xp.astype(X, xp.float64)
    low = -1.0 if spins == "pm1" else 0.0
    ok = (X == low) | (X == 1.0)
    if not bool(xp.all(ok)):
        k = int(xp.argmin(xp.astype(xp.reshape(ok, (-1,)), xp.int32)))
        r, c = divmod(k, X.shape[1])
        raise ValueError(f"{name} must be binary with values in {{{int(low)}, 1}} (spins="
                         f"{spins!r}); found {float(X[r, c])!r} at index ({r}, {c}). Binarise "
                         "continuous signals with netneuro.maxent.binarize")
    return X if spins == "pm1" else 2.0 * X - 1.0


def pseudolikelihood_xp(S, h, J, xp, weights=None):
    """Per-sample negative log pseudolikelihood of ``{-1,+1}`` data ``S (T, N)`` and its
    gradient ``(value (float), d/dh (N,), d/dJ (N, N) symmetric, zero diagonal)``.

    ``value = sum_t w_t sum_i [log 2 cosh F_ti - s_ti F_ti] / sum_t w_t`` with local
    fields ``F = S J + h`` (Besag 1975; symmetric couplings as in Aurell & Ekeberg 2012),
    the quantity the compiled core computes for ``fit_ising(method="pseudolikelihood")``.
    """
    T, n = S.shape
    _guard(8.0 * 4 * T * n, f"the pseudolikelihood of {T} samples of {n} units", xp,
           device_of(S), "use fewer samples")
    F = S @ J + h[None, :]
    a = xp.abs(F)
    v = xp.sum(a + xp.log1p(xp.exp(-2.0 * a)) - S * F, axis=1)
    R = xp.tanh(F) - S
    if weights is None:
        wsum = float(T)
    else:
        w = _f64(weights, "weights", xp, 1)
        if w.shape[0] != T:
            raise ValueError(f"weights must have {T} entries (one per sample), got {w.shape[0]}")
        wsum = float(xp.sum(w))
        v, R = v * w, R * w[:, None]
    G = xp.matrix_transpose(S) @ R
    eye = xp.eye(n, dtype=S.dtype, device=device_of(S))
    gJ = (G + xp.matrix_transpose(G)) * (1.0 - eye) / wsum
    return float(xp.sum(v)) / wsum, xp.sum(R, axis=0) / wsum, gJ


# ---------------------------------------------------------------------------
# sampling


class _Uniforms:
    """Uniform [0, 1) float64 draws on the device of the arrays, reproducible from ``seed``."""

    def __init__(self, seed: int, xp, dev):
        self.xp, self.dev = xp, dev
        name = xp.__name__
        if "torch" in name:
            import torch

            self.kind = "torch"
            self.gen = torch.Generator(device=dev)
            self.gen.manual_seed(int(seed))
        elif "cupy" in name:
            import cupy

            self.kind = "cupy"
            self.gen = cupy.random.default_rng(int(seed))
        else:
            self.kind = "numpy"
            self.gen = np.random.default_rng(int(seed))

    def __call__(self, shape):
        if self.kind == "torch":
            import torch

            return torch.rand(shape, generator=self.gen, dtype=torch.float64, device=self.dev)
        if self.kind == "cupy":
            return self.gen.random(shape, dtype=self.xp.float64)
        return self.xp.asarray(self.gen.random(shape), device=self.dev)


def _colour_classes(J, xp):
    """Boolean masks (one per colour) of a greedy colouring of the coupling graph ``J != 0``."""
    n = J.shape[0]
    dev = device_of(J)
    adj = J != 0
    idx = xp.arange(n, dtype=xp.int64, device=dev)
    col = xp.full((n,), -1, dtype=xp.int64, device=dev)
    for i in range(n):
        nbr = adj[i, :] & (idx < i)
        used = xp.any(nbr[None, :] & (col[None, :] == idx[:, None]), axis=1)
        col[i] = xp.argmin(xp.astype(used, xp.int32))
    return [col == c for c in range(int(xp.max(col)) + 1)]


def _update(s, F, u, rule, xp):
    """New spins of units with current spins ``s`` and local fields ``F``, given uniforms ``u``."""
    if rule == "gibbs":  # heat bath: P(+1) = 1 / (1 + exp(-2F))
        return 2.0 * xp.astype(u * (1.0 + xp.exp(-2.0 * F)) < 1.0, xp.float64) - 1.0
    # Metropolis: flip with probability min(1, exp(-dE)), dE = 2 s F
    return s * (1.0 - 2.0 * xp.astype(u < xp.exp(-2.0 * s * F), xp.float64))


def _sweep(states, h, J, u, sweep, rule, xp, classes):
    if sweep == "sequential":
        for i in range(states.shape[1]):
            F = states @ J[:, i] + h[i]
            states[:, i] = _update(states[:, i], F, u[:, i], rule, xp)
        return states
    for mask in classes:
        F = states @ J + h[None, :]
        states = xp.where(mask[None, :], _update(states, F, u, rule, xp), states)
    return states


def gibbs_xp(h, J, states, xp, *, n_burn, n_samples, thin=1, seed=0, sweep="sequential",
             rule="gibbs"):
    """Run ``C`` chains ``states (C, N)`` (``{-1,+1}``) of a ``{-1,+1}`` model.

    ``n_burn`` sweeps, then ``n_samples`` samples, one every ``thin`` sweeps.
    Returns ``(samples (C, n_samples, N) int8, final states (C, N) float64)``.
    ``sweep``: "sequential" or "checkerboard"; ``rule``: "gibbs" or "metropolis"
    (module docstring).  ``seed``: a non-negative int; same seed, same namespace,
    same device: same result.
    """
    sweep = check_choice(sweep, "sweep", ("sequential", "checkerboard"))
    rule = check_choice(rule, "rule", ("gibbs", "metropolis"))
    C, n = states.shape
    dev = device_of(h)
    _guard(float(C) * n * (n_samples + 24), f"{n_samples} samples of {C} chains", xp, dev,
           "draw fewer samples or chains")
    draw = _Uniforms(seed, xp, dev)
    classes = _colour_classes(J, xp) if sweep == "checkerboard" else None
    states = xp.asarray(states, dtype=xp.float64, copy=True)
    out = []
    for t in range(n_burn + n_samples * thin):
        states = _sweep(states, h, J, draw((C, n)), sweep, rule, xp, classes)
        if t >= n_burn and (t - n_burn) % thin == thin - 1:
            out.append(xp.astype(states, xp.int8))
    S = xp.stack(out, axis=1) if out else xp.zeros((C, 0, n), dtype=xp.int8, device=dev)
    return S, states


def random_spins(draw, shape, xp):
    """Independent uniform ``{-1,+1}`` spins (float64) from the generator ``draw``."""
    return 2.0 * xp.astype(draw(shape) < 0.5, xp.float64) - 1.0


# ---------------------------------------------------------------------------
# IsingModel with parameters of another library (called from maxent.model)


def _exact_cap(n, what):
    """Arrays of all 2^N states: the same unit cap as the NumPy path."""
    from .model import EXACT_MAX_UNITS

    if n > EXACT_MAX_UNITS:
        raise ValueError(f"{what} returns all 2^N states; N = {n} is too large (at most "
                         f"{EXACT_MAX_UNITS} units)")


def model_energy(model, states, xp):
    """:meth:`IsingModel.energy` of ``states`` (M, N) or (N,) in namespace ``xp``."""
    single = states.ndim == 1
    S = check_binary_xp(xp.reshape(states, (1, -1)) if single else states, "states",
                        model.spins, xp)
    if S.shape[1] != model.n_units:
        raise ValueError(f"states must have {model.n_units} columns, got {S.shape[1]}")
    h, J = to_pm1_xp(model.h, model.J, model.spins, xp)
    E = _energy_rows(S, h, J, xp)
    if model.spins == "01":
        E = E - c0_01_xp(model.h, model.J, xp)
    return E[0] if single else E


def model_state_energies(model, xp):
    _exact_cap(model.n_units, "state_energies")
    h, J = to_pm1_xp(model.h, model.J, model.spins, xp)
    E = state_energies_xp(h, J, xp)
    return E - c0_01_xp(model.h, model.J, xp) if model.spins == "01" else E


def model_probabilities(model, xp):
    _exact_cap(model.n_units, "probabilities")
    h, J = to_pm1_xp(model.h, model.J, model.spins, xp)
    E = state_energies_xp(h, J, xp)
    p = xp.exp(-(E - xp.min(E)))
    return p / xp.sum(p)


def model_exact(model, xp, what):
    """``(log Z, <E>, <s>, <s s^T>)`` of the ``{-1,+1}`` form of ``model``, in chunks."""
    _check_n(model.n_units, what)
    h, J = to_pm1_xp(model.h, model.J, model.spins, xp)
    return exact_moments_xp(h, J, xp)[:4]


def model_log_partition(model, xp):
    lz = model_exact(model, xp, "log_partition")[0]
    if model.spins == "01":
        lz += float(c0_01_xp(model.h, model.J, xp))
    return lz


def model_moments_pm1(model, xp, n_samples, seed):
    """``(<s_i>, <s_i s_j>)``: exact up to XP_EXACT_MAX_UNITS units, else a Gibbs estimate."""
    if model.n_units <= XP_EXACT_MAX_UNITS:
        return model_exact(model, xp, "moments")[2:]
    n_samples = 100_000 if n_samples is None else n_samples
    S = model_sample(model, n_samples, seed_for_core(seed), "gibbs", 64, None, 1, xp)
    S = xp.astype(S, xp.float64)
    S = S if model.spins == "pm1" else 2.0 * S - 1.0
    return xp.mean(S, axis=0), xp.matrix_transpose(S) @ S / S.shape[0]


def model_sample(model, n, seed, method, n_chains, burn_in, thin, xp):
    """:meth:`IsingModel.sample` in namespace ``xp`` (validated arguments, ``seed`` an int)."""
    from .model import AUTO_EXACT_MAX_UNITS

    N = model.n_units
    dev = device_of(model.h)
    if method == "auto":
        method = "exact" if N <= AUTO_EXACT_MAX_UNITS else "gibbs"
    draw = _Uniforms(seed, xp, dev)
    if method == "exact":
        _exact_cap(N, "exact sampling (use method='gibbs')")
        p = model_probabilities(model, xp)
        cdf = xp.cumulative_sum(p)
        idx = xp.searchsorted(cdf, draw((n,)) * cdf[-1], side="right")
        idx = xp.minimum(idx, xp.asarray(2 ** N - 1, dtype=idx.dtype, device=dev))
        sh = xp.arange(N, dtype=idx.dtype, device=dev)
        S = xp.astype((idx[:, None] >> sh[None, :]) & 1, xp.int8)
    else:
        burn = max(100, 10 * N) if burn_in is None else burn_in
        per_chain = -(-n // n_chains)
        h, J = to_pm1_xp(model.h, model.J, model.spins, xp)
        start = random_spins(draw, (n_chains, N), xp)
        out, _ = gibbs_xp(h, J, start, xp, n_burn=burn, n_samples=per_chain, thin=thin,
                          seed=int(draw((1,))[0] * 2 ** 62))
        # interleave chains so that the first n rows mix every chain (as the NumPy path)
        S = xp.reshape(xp.permute_dims(out, (1, 0, 2)), (-1, N))[:n, ...]
        S = (S + 1) // 2
    return S if model.spins == "01" else 2 * S - 1


# ---------------------------------------------------------------------------
# fitting data of another library (called from maxent.fit.fit_ising)


def fit_ising_xp(X, xp, *, method, spins, l1, l2, max_iter, tol, init, **_ignored):
    """:func:`~netneuro.maxent.fit_ising` of binary data ``X`` of namespace ``xp``, on its device.

    ``"exact"``: Newton's method on the exact objective (:func:`exact_objective_xp`, the
    Hessian solved by ``xp.linalg.solve``) with the Armijo line search of the NumPy path;
    ``"pseudolikelihood"``: SciPy's L-BFGS-B, each objective and gradient computed on the
    device (:func:`pseudolikelihood_xp`; only the parameter vector crosses to the host).
    ``l1``, ``init`` and ``"monte_carlo"`` are NumPy-only.  The model's ``h``, ``J`` are
    arrays of ``xp`` on the data's device.
    """
    import time

    from .model import AUTO_EXACT_MAX_UNITS, IsingModel

    t0 = time.perf_counter()
    if l1 > 0 or init is not None or method == "monte_carlo":
        raise NotImplementedError("l1 > 0, init and method='monte_carlo' need NumPy data on "
                                  "the Array API path; pass a NumPy array")
    S = check_binary_xp(X, "X", spins, xp)
    T, n = S.shape
    if T < 2 or n < 2:
        raise ValueError(f"X must have at least 2 samples and 2 units, got shape {(T, n)}")
    means = xp.mean(S, axis=0)
    if bool(xp.any(xp.abs(means) == 1.0)):
        bad = int(xp.argmax(xp.astype(xp.abs(means) == 1.0, xp.int32)))
        raise ValueError(f"X has constant units (e.g. unit {bad}, always active or always "
                         "inactive): their maximum-entropy fields are infinite; drop these "
                         "units before fitting")
    if method == "auto":
        method = "exact" if n <= AUTO_EXACT_MAX_UNITS else "pseudolikelihood"
    if method == "exact":
        _check_n(n, "method='exact'")
    defaults = {"exact": (100, 1e-8), "pseudolikelihood": (1000, 1e-7)}
    max_iter = defaults[method][0] if max_iter is None else max_iter
    tol = defaults[method][1] if tol is None else tol
    md = pack_xp(means, xp.matrix_transpose(S) @ S / T, xp)
    dev = device_of(S)
    theta = xp.concat([xp.atanh(xp.clip(means, -1 + 1e-12, 1 - 1e-12)),
                       xp.zeros((md.shape[0] - n,), dtype=S.dtype, device=dev)])
    if method == "exact":
        theta, diag = _newton_xp(theta, md, n, xp, l2, max_iter, tol)
    else:
        theta, diag = _lbfgs_pl_xp(theta, S, n, xp, l2, max_iter, tol)
    h, J = unpack_xp(theta, n, xp)
    if n <= AUTO_EXACT_MAX_UNITS:
        _, _, m1, M2, _ = exact_moments_xp(h, J, xp)
        diag["max_moment_error"] = float(xp.max(xp.abs(pack_xp(m1, M2, xp) - md)))
        diag["moment_error_kind"] = "exact"
    diag.update(n_samples=int(T), l1=0.0, l2=l2, time_s=time.perf_counter() - t0)
    model = IsingModel(h, J, "pm1", method, diag, None)
    return model if spins == "pm1" else model.to_01()


def _newton_xp(theta, md, n, xp, l2, max_iter, tol):
    f, g, H = exact_objective_xp(theta, md, n, xp, l2=l2, hessian=True)
    D = theta.shape[0]
    eye = xp.eye(D, dtype=theta.dtype, device=device_of(theta))
    it = 0
    converged = float(xp.max(xp.abs(g))) < tol
    while not converged and it < max_iter:
        it += 1
        ridge = 0.0
        while True:  # a (numerically) singular Hessian gets a growing ridge
            try:
                step = xp.linalg.solve(H + ridge * eye, g[:, None])[:, 0]
                if bool(xp.all(xp.isfinite(step))) and float(xp.sum(g * step)) > 0:
                    break
            except Exception:  # noqa: BLE001 - each library has its own LinAlgError
                pass
            ridge = max(1e-10, 10 * ridge)
        t, slope = 1.0, -float(xp.sum(g * step))
        for _ in range(60):  # backtracking (Armijo) on the convex objective
            cand = theta - t * step
            fc, gc, Hc = exact_objective_xp(cand, md, n, xp, l2=l2, hessian=True)
            if math.isfinite(fc) and fc <= f + 1e-4 * t * slope + 1e-13 * abs(f):
                break
            t *= 0.5
        theta, f, g, H = cand, fc, gc, Hc
        converged = float(xp.max(xp.abs(g))) < tol
    return theta, {"iterations": it, "converged": bool(converged), "objective": float(f),
                   "optimizer": "newton"}


def _lbfgs_pl_xp(theta0, S, n, xp, l2, max_iter, tol):
    from scipy.optimize import minimize

    dev = device_of(S)
    flat = _triu_flat(n, xp, dev)

    def fun_grad(x):
        theta = xp.asarray(x, dtype=xp.float64, device=dev)
        h, J = unpack_xp(theta, n, xp)
        v, gh, gJ = pseudolikelihood_xp(S, h, J, xp)
        c = theta[n:]
        g = xp.concat([gh, xp.take(xp.reshape(gJ, (-1,)), flat) + 2.0 * l2 * c])
        return v + l2 * float(xp.sum(c * c)), np.asarray(np.from_dlpack(_host(g)))

    x0 = np.from_dlpack(_host(theta0)).copy()
    res = minimize(fun_grad, x0, jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "gtol": tol, "ftol": 1e-15, "maxcor": 30})
    return xp.asarray(res.x, dtype=xp.float64, device=dev), {
        "iterations": int(res.nit), "converged": bool(res.success), "objective": float(res.fun),
        "optimizer": "L-BFGS-B"}


def _host(x):
    """A small parameter vector on the host (for SciPy's optimiser): CPU arrays as they are."""
    if hasattr(x, "detach"):  # torch: any device
        return x.detach().cpu()
    if hasattr(x, "get") and "cupy" in type(x).__module__:
        return x.get()
    return x
