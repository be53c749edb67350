"""Binarisation of signals, fitting of Ising models (exact, pseudolikelihood, Monte Carlo), goodness of fit.

See :mod:`netneuro.maxent` for the fitting methods and their regularisation.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass

import numpy as np

from .._array_api import namespace
from .._parallel import check_n_jobs, single_threaded_blas
from .._validation import (
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
from .model import (
    AUTO_EXACT_MAX_UNITS,
    IsingModel,
    _check_binary,
    _check_exact_fit_n,
    _check_exact_n,
    _check_spins,
    _core_maxent,
    _data_moments,
    _pack,
    _pair_masks,
    _state_index,
    _unpack,
)

__all__ = ["binarize", "fit_ising", "fit_ising_moments", "GoodnessOfFit", "goodness_of_fit"]

_METHODS = ("auto", "exact", "pseudolikelihood", "mpf", "monte_carlo")

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
    if n_samples < n_params and method not in ("pseudolikelihood", "mpf"):
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


_MOMENT_INDEX: dict = {}


def _low_order(h, J, order, n_jobs):
    """``(log Z, <E>, W)``: ``W`` indexed like ``W[A]`` of a full transform for ``|A| <= order``.

    The core returns the moments of every product of at most ``order`` spins (without the 2^N
    distribution) in its own order; the positions of the masks asked for here (the pairs, and
    for order 4 the symmetric differences of two pairs) are found once per ``(N, order)``.
    """
    n = h.shape[0]
    lz, me, mk, vals = _core_maxent.low_order_moments(h, J, order, n_jobs)
    idx = _MOMENT_INDEX.get((n, order))
    if idx is None:
        masks = _pair_masks(n)
        want = masks if order < 4 else np.concatenate([masks, (masks[:, None] ^ masks).ravel()])
        sorter = np.argsort(mk)
        idx = sorter[np.searchsorted(mk, want, sorter=sorter)]
        _MOMENT_INDEX[(n, order)] = idx
    return lz, me, vals[idx]


def _objective_exact(theta, n, md, l2, n_jobs, want_hess):
    """Objective, gradient and (``want_hess``) Hessian of the exact fit; ``want_hess=None``:
    the objective only (log Z, no moments)."""
    h, J = _unpack(theta, n)
    D = theta.size
    c = theta[n:]
    if want_hess is None:
        lz = _core_maxent.low_order_moments(h, J, 0, n_jobs)[0]
        return (lz - theta @ md + l2 * (c @ c),)
    lz, me, W = _low_order(h, J, 4 if want_hess else 2, n_jobs)
    model = W[:D]
    f = lz - theta @ md + l2 * (c @ c)
    g = model - md
    g[n:] += 2 * l2 * c
    H = None
    if want_hess:
        H = W[D:].reshape(D, D) - np.outer(model, model)
        if l2:
            H[np.arange(n, len(theta)), np.arange(n, len(theta))] += 2 * l2
    return f, g, H, model, lz, me


def _fit_exact(md, n, *, l1, l2, max_iter, tol, n_jobs, theta0=None):
    D = n + n * (n - 1) // 2
    if theta0 is None:
        theta = np.zeros(D)
        theta[:n] = np.arctanh(np.clip(md[:n], -1 + 1e-12, 1 - 1e-12))
    else:
        theta = np.array(theta0, dtype=np.float64)
    if l1 > 0:
        return _fit_l1_lbfgs(theta, n, md, l1, l2, max_iter, tol,
                             lambda th: _objective_exact(th, n, md, l2, n_jobs, False)[:2])
    from scipy.linalg import LinAlgError, solve

    f, g, H, *_ = _objective_exact(theta, n, md, l2, n_jobs, True)
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
        # backtracking line search (Armijo) on the convex dual; after a rejected full step the
        # trials need only log Z (order 0, a fraction of the cost), the moments at the end
        t, slope = 1.0, -(g @ step)
        for trial in range(60):
            cand = theta - t * step
            if trial == 0:
                fc, gc, Hc, *_ = _objective_exact(cand, n, md, l2, n_jobs, True)
            else:
                fc = _objective_exact(cand, n, md, l2, n_jobs, None)[0]
            if np.isfinite(fc) and fc <= f + 1e-4 * t * slope + 1e-13 * abs(f):
                break
            t *= 0.5
        if trial > 0:
            fc, gc, Hc, *_ = _objective_exact(cand, n, md, l2, n_jobs, True)
        theta, f, g, H = cand, fc, gc, Hc
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


def _lbfgs_centred(fun_grad, theta0, n, m, max_iter, tol):
    """L-BFGS-B on ``(h, J)`` in centred coordinates ``(h + J m, J)``, ``m = <s>_data``.

    Local fields become ``f = h + J s = (h + J m) + J (s - m)``: the field and
    coupling directions decouple (the centring of Montavon & Mueller 2012 for
    Boltzmann machines), which cut the L-BFGS iterations of pseudolikelihood
    fits 3-fold (131 -> 40 at N = 100) for the same optimum.  The gradient in
    these coordinates (the one ``tol`` bounds) is ``(g_h, g_J - (g_h m^T + m g_h^T))``.
    """
    from scipy.optimize import minimize

    iu = np.triu_indices(n, 1)

    def to_theta(x):
        h, J = _unpack(x, n)  # x[:n] holds h + J m
        return np.concatenate([h - J @ m, x[n:]])

    def fg(x):
        f, g = fun_grad(to_theta(x))
        gh = g[:n]
        gx = g.copy()
        gx[n:] -= (np.outer(gh, m) + np.outer(m, gh))[iu]
        return f, gx

    h0, J0 = _unpack(theta0, n)
    x0 = np.concatenate([h0 + J0 @ m, theta0[n:]])
    res = minimize(fg, x0, jac=True, method="L-BFGS-B",
                   options={"maxiter": max_iter, "gtol": tol, "ftol": 1e-15, "maxcor": 30})
    return to_theta(res.x), {"iterations": int(res.nit), "converged": bool(res.success),
                             "objective": float(res.fun),
                             "optimizer": "L-BFGS-B (centred coordinates)"}


def _fit_pl(S, weights, n, *, l1, l2, max_iter, tol, n_jobs, theta0=None):
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
    return _lbfgs_centred(fun_grad, theta0, n, md[:n], max_iter, tol)


def _fit_mpf(S, weights, n, *, l1, l2, max_iter, tol, theta0=None):
    """Minimum probability flow (Sohl-Dickstein, Battaglino & DeWeese 2011, PRL 107:220601).

    Single-spin-flip connectivity: ``K = (1/W) sum_t w_t sum_i exp((E(s_t) - E(flip_i s_t)) / 2)
    = (1/W) sum_t w_t sum_i exp(-s_ti f_ti)`` with local fields ``f = h + S J``; convex in
    ``(h, J)``, minimised with L-BFGS-B (dense, O(T N^2) per evaluation, two GEMMs).
    """
    T = S.shape[0]
    check_memory(8.0 * T * n * 4, "the minimum probability flow fit",
                 hint="use method='pseudolikelihood'")
    md = _data_moments(S, weights)
    if theta0 is None:
        theta0 = np.zeros(n + n * (n - 1) // 2)
        theta0[:n] = np.arctanh(np.clip(md[:n], -1 + 1e-12, 1 - 1e-12))
    iu = np.triu_indices(n, 1)
    Sf = S.astype(np.float64)
    w = np.full(T, 1.0 / T) if weights is None else weights / weights.sum()

    def fun_grad(theta):
        h, J = _unpack(theta, n)
        A = Sf @ J
        A += h
        A *= -Sf  # (E(s) - E(flip_i s)) / 2 = -s_i f_i
        with np.errstate(over="ignore"):
            E = np.exp(A)
        value = float(w @ E.sum(axis=1))
        if not np.isfinite(value):
            return np.inf, np.zeros_like(theta)
        R = E * -Sf
        R *= w[:, None]  # dK/df_ti = -w_t s_ti e_ti
        G = Sf.T @ R
        c = theta[n:]
        return value + l2 * (c @ c), np.concatenate([R.sum(axis=0), (G + G.T)[iu] + 2 * l2 * c])

    if l1 > 0:
        return _fit_l1_lbfgs(theta0, n, md, l1, l2, max_iter, tol, fun_grad)
    return _lbfgs_centred(fun_grad, theta0, n, md[:n], max_iter, tol)


def _fit_mc(S, n, md, *, l1, l2, max_iter, tol, n_jobs, seed, theta0, n_chains, n_sweeps,
            learning_rate, max_step=0.05):
    rng = check_random_state(seed)
    base_seed = seed_for_core(rng)
    theta = theta0.copy()
    if S is not None:
        states = S[rng.integers(0, S.shape[0], n_chains)].copy()
    else:  # moments only: chains start from the independent model of the means
        p_up = (1.0 + md[:n]) / 2.0
        states = np.where(rng.random((n_chains, n)) < p_up, 1, -1).astype(np.int8)
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


def _check_mc(n_chains, n_sweeps, learning_rate):
    """The Monte Carlo (Boltzmann learning) settings of fit_ising and fit_ising_moments."""
    return (check_int(n_chains, "n_chains", min_value=1),
            check_int(n_sweeps, "n_sweeps", min_value=1),
            check_float(learning_rate, "learning_rate", min_value=0.0, strict_min=True))


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
        (N <= 30), "pseudolikelihood", "mpf" (minimum probability flow) or
        "monte_carlo" (see module docstring).
    spins : coding of ``X`` and of the returned parameters.
    l1, l2 : penalties on the couplings (``{-1,+1}`` coding), added to the
        per-sample negative log-(pseudo)likelihood.
    max_iter : iteration cap (default: 100 Newton steps for "exact", 1000
        L-BFGS-B steps for "pseudolikelihood" and "mpf", 400 learning steps for
        "monte_carlo").
    tol : convergence tolerance on the gradient, i.e. on the moment mismatch
        for "exact" (default 1e-8) and "monte_carlo" (default 0.02, a
        statistical criterion, reported only); projected gradient for
        "pseudolikelihood" and "mpf" (default 1e-7).
    seed : int or Generator (Monte Carlo only); same seed, same model on any n_jobs.
    n_jobs : threads in the core (None: configured default; -1: all CPUs).
    init : starting parameters: None (independent model for "exact",
        "pseudolikelihood" and "mpf", the pseudolikelihood fit for "monte_carlo"),
        "independent", "mean_field" (naive mean-field inversion
        ``J = -offdiag(C^-1)``, ``h = atanh(m) - J m``; Kappen & Rodriguez
        1998), "pseudolikelihood", or an :class:`IsingModel` with N units.
    n_chains, n_sweeps, learning_rate : Monte Carlo settings (chains, Gibbs
        sweeps per chain per learning step, initial step size; each parameter
        moves at most 0.05 per step; 0.2 was unstable for 100 strongly
        correlated fMRI regions).

    Returns
    -------
    IsingModel with ``h`` (N,), ``J`` (N, N) in the coding ``spins``; for a
    torch tensor or CuPy array ``X``, arrays of its library on its device
    (``netneuro.maxent.array_api.fit_ising_xp``).
    """
    t0 = time.perf_counter()
    spins = _check_spins(spins)
    method = check_choice(method, "method", _METHODS)
    l1 = check_float(l1, "l1", min_value=0.0)
    l2 = check_float(l2, "l2", min_value=0.0)
    xp, native = namespace(X)
    if not native:  # torch, CuPy, ...: fitted by that library on its device
        from .array_api import fit_ising_xp

        return fit_ising_xp(X, xp, method=method, spins=spins, l1=l1, l2=l2, init=init,
                            max_iter=None if max_iter is None else check_int(
                                max_iter, "max_iter", min_value=1),
                            tol=None if tol is None else check_float(
                                tol, "tol", min_value=0.0, strict_min=True))
    n_jobs = check_n_jobs(n_jobs)
    S = _check_binary(X, "X", spins, min_samples=2)
    n = S.shape[1]
    if n < 2:
        raise ValueError(f"X must have at least 2 units (columns), got {n}")
    if method == "auto":
        method = "exact" if n <= AUTO_EXACT_MAX_UNITS else "pseudolikelihood"
    if method == "exact":
        _check_exact_fit_n(n, "method='exact'", "use method='pseudolikelihood' or 'monte_carlo'")
    _check_fittable(S, l2, method)
    defaults = {"exact": (100, 1e-8), "pseudolikelihood": (1000, 1e-7), "mpf": (1000, 1e-7),
                "monte_carlo": (400, 0.02)}
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
    elif method == "mpf":
        theta, diag = _fit_mpf(Sfit, weights, n, l1=l1, l2=l2, max_iter=max_iter, tol=tol,
                               theta0=theta0)
    else:
        n_chains, n_sweeps, learning_rate = _check_mc(n_chains, n_sweeps, learning_rate)
        if theta0 is None:
            theta0, _ = _fit_pl(Sfit, weights, n, l1=l1, l2=l2, max_iter=1000, tol=1e-7,
                                n_jobs=n_jobs)
        theta, diag = _fit_mc(S, n, md, l1=l1, l2=l2, max_iter=max_iter, tol=tol, n_jobs=n_jobs,
                              seed=seed, theta0=theta0, n_chains=n_chains, n_sweeps=n_sweeps,
                              learning_rate=learning_rate)
    diag["n_samples"] = int(S.shape[0])
    return _result(theta, n, md, method, diag, tol, l1, l2, n_jobs, t0, spins)


def _result(theta, n, md, method, diag, tol, l1, l2, n_jobs, t0, spins) -> IsingModel:
    """The fitted model, with the moment error of the returned parameters in ``diag``."""
    h, J = _unpack(theta, n)
    # exact where enumeration is cheap
    if n <= AUTO_EXACT_MAX_UNITS:
        diag["max_moment_error"] = float(np.max(np.abs(_low_order(h, J, 2, n_jobs)[2] - md)))
        diag["moment_error_kind"] = "exact"
    elif method == "monte_carlo":
        diag["max_moment_error"] = diag["gibbs_moment_error"]
        diag["moment_error_kind"] = "gibbs estimate"
    if method == "monte_carlo":
        diag["converged"] = bool(diag["max_moment_error"] < tol)
    diag["time_s"] = time.perf_counter() - t0
    diag["l1"], diag["l2"] = l1, l2
    model = IsingModel(h, J, "pm1", method, diag, None)
    return model if spins == "pm1" else model.to_01()


@single_threaded_blas
def fit_ising_moments(means, correlations, method: str = "exact", *, l1: float = 0.0,
                      l2: float = 0.0, max_iter: int | None = None, tol: float | None = None,
                      seed=None, n_jobs=None, n_chains: int = 128, n_sweeps: int = 20,
                      learning_rate: float = 0.05, init=None) -> IsingModel:
    """Fit a pairwise maximum-entropy model to given moments instead of data.

    means : (N,) ``<s_i>`` and correlations : (N, N) ``<s_i s_j>`` in the
    ``{-1,+1}`` coding (the diagonal is ignored), e.g. from
    :func:`~netneuro.maxent.pairwise_moments` or known exactly.  ``method``:
    "exact" (N <= 30, Newton on the exact likelihood, the default) or
    "monte_carlo" (Boltzmann learning, chains started from the independent
    model of ``means``); pseudolikelihood needs samples (use
    :func:`~netneuro.maxent.fit_ising`).  ``init``: None or "independent"
    (fields ``atanh(<s_i>)``), "mean_field", or an :class:`IsingModel` (e.g.
    :meth:`IsingModel.from_vector`).  The other arguments and the returned
    model (``{-1,+1}`` coding) are as for :func:`~netneuro.maxent.fit_ising`,
    with ``l1``, ``l2`` per sample.  Returns :class:`IsingModel`.
    """
    t0 = time.perf_counter()
    method = check_choice(method, "method", ("exact", "monte_carlo"))
    l1 = check_float(l1, "l1", min_value=0.0)
    l2 = check_float(l2, "l2", min_value=0.0)
    n_jobs = check_n_jobs(n_jobs)
    m = check_array(means, "means", ndim=1)
    n = m.shape[0]
    if n < 2:
        raise ValueError(f"means must have at least 2 units, got {n}")
    if np.any(np.abs(m) >= 1):
        i = int(np.flatnonzero(np.abs(m) >= 1)[0])
        raise ValueError(f"means must lie strictly inside (-1, 1) (a unit always +1 or -1 has an "
                         f"infinite field); means[{i}] = {m[i]!r}")
    C = check_array(correlations, "correlations", ndim=2)
    if C.shape != (n, n):
        raise ValueError(f"correlations must have shape ({n}, {n}) to match means, got {C.shape}")
    iu = np.triu_indices(n, 1)
    if np.max(np.abs(C[iu] - C.T[iu]), initial=0.0) > 1e-12:
        raise ValueError("correlations must be symmetric")
    if np.any(np.abs(C[iu]) > 1):
        raise ValueError("correlations of +-1 spins must lie in [-1, 1]")
    if method == "exact":
        _check_exact_fit_n(n, "method='exact'", "use method='monte_carlo'")
    defaults = {"exact": (100, 1e-8), "monte_carlo": (400, 0.02)}
    max_iter = defaults[method][0] if max_iter is None else check_int(max_iter, "max_iter",
                                                                        min_value=1)
    tol = defaults[method][1] if tol is None else check_float(tol, "tol", min_value=0.0,
                                                              strict_min=True)
    md = np.concatenate([m, C[iu]])
    if isinstance(init, str) and init == "pseudolikelihood":
        raise ValueError("init='pseudolikelihood' needs samples; use fit_ising")
    theta0 = _initial_theta(init, method, None, None, md, n, l1, l2, n_jobs)
    if method == "exact":
        theta, diag = _fit_exact(md, n, l1=l1, l2=l2, max_iter=max_iter, tol=tol, n_jobs=n_jobs,
                                 theta0=theta0)
    else:
        n_chains, n_sweeps, learning_rate = _check_mc(n_chains, n_sweeps, learning_rate)
        if theta0 is None:
            theta0 = _initial_theta("independent", method, None, None, md, n, l1, l2, n_jobs)
        theta, diag = _fit_mc(None, n, md, l1=l1, l2=l2, max_iter=max_iter, tol=tol,
                              n_jobs=n_jobs, seed=seed, theta0=theta0, n_chains=n_chains,
                              n_sweeps=n_sweeps, learning_rate=learning_rate)
    return _result(theta, n, md, method, diag, tol, l1, l2, n_jobs, t0, "pm1")


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

