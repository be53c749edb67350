"""Simulated test networks."""

from __future__ import annotations

import numpy as np

from .._validation import check_float, check_int, check_random_state


def var_network(n_processes: int = 10, n_timepoints: int = 10000, *, in_degree: float = 3.0,
                self_coupling: float = 0.5, total_cross_coupling: float = 0.4,
                max_lag: int = 5, noise_std: float = 1.0, seed=None):
    """A random linear VAR network of the kind used by Novelli et al. (2019).

    Directed Erdős–Rényi links (probability ``in_degree / (N - 1)``); each link
    has a lag drawn uniformly from ``1..max_lag``; every process has a lag-1
    self-coupling ``self_coupling`` and its incoming cross-couplings share
    ``total_cross_coupling`` equally.  Networks whose companion matrix has
    spectral radius ``>= 1`` are redrawn.

    Returns
    -------
    ts : (n_timepoints, N) ndarray
    adjacency : (N, N) bool ndarray, ``[source, target]``
    lags : (N, N) int ndarray, the lag of each link (0 where none)
    """
    N = check_int(n_processes, "n_processes", min_value=2)
    T = check_int(n_timepoints, "n_timepoints", min_value=1)
    max_lag = check_int(max_lag, "max_lag", min_value=1)
    rng = check_random_state(seed)
    p = check_float(in_degree, "in_degree", min_value=0) / (N - 1)
    for _ in range(1000):
        adj = (rng.random((N, N)) < p) & ~np.eye(N, dtype=bool)
        lags = np.where(adj, rng.integers(1, max_lag + 1, size=(N, N)), 0)
        A = np.zeros((max_lag, N, N))  # A[lag-1][target, source]
        A[0][np.arange(N), np.arange(N)] = self_coupling
        k_in = adj.sum(axis=0)
        for s_, t_ in zip(*np.nonzero(adj)):
            A[lags[s_, t_] - 1][t_, s_] += total_cross_coupling / k_in[t_]
        comp = np.zeros((N * max_lag, N * max_lag))
        comp[:N] = np.hstack(list(A))
        comp[N:, :-N] = np.eye(N * (max_lag - 1))
        if np.max(np.abs(np.linalg.eigvals(comp))) < 1:
            break
    else:  # pragma: no cover - unreachable for the documented parameter ranges
        raise ValueError("could not draw a stationary VAR network with these couplings")
    burn = 500
    x = np.zeros((T + burn + max_lag, N))
    noise = rng.standard_normal((T + burn + max_lag, N)) * noise_std
    for t in range(max_lag, x.shape[0]):
        acc = noise[t].copy()
        for lag in range(1, max_lag + 1):
            acc += A[lag - 1] @ x[t - lag]
        x[t] = acc
    return x[burn + max_lag:], adj, lags
