"""Linear-Gaussian TE and the regression machinery shared with Granger causality."""

from __future__ import annotations

import numpy as np

from .._validation import check_memory
from ._common import _check_fits, _Progress, _te_bytes

# ---------------------------------------------------------------------------
# Gaussian (linear regression) machinery, shared with connectivity.granger


def _lags(X, t0, n, lags):
    """(n, M, len(lags)) with [s, m, q] = X[t0 + s - lags[q], m]."""
    return np.stack([X[t0 - g: t0 - g + n] for g in lags], axis=-1)


def _orth_basis(Z):
    """Orthonormal basis of the columns of Z (n, p) by QR (rank-revealing via SVD fallback)."""
    from scipy.linalg import qr

    q, r = qr(Z, mode="economic")
    diag = np.abs(np.diag(r))
    if diag.size and diag.min() <= 1e-12 * max(diag.max(), 1.0):
        u, s, _ = np.linalg.svd(Z, full_matrices=False)
        q = u[:, s > 1e-12 * s.max()]
    return q


def linear_regression_ssr(src, tgt, *, history, source_history, delay, conditional=False,
                          zero_diagonal=True, progress=None):
    """Residual sums of squares of the restricted and full linear autoregressions.

    For every source ``i`` (column of ``src``) and target ``j`` (column of
    ``tgt``): the restricted model regresses ``y_t`` on a constant and the
    target's ``history`` lags; the full model adds the source's
    ``source_history`` lags ending ``delay`` steps back.  With ``conditional``
    (``src`` and ``tgt`` must be the same series) both models also contain the
    source-lag blocks of every other region (conditional Granger causality,
    Geweke 1984).  ``progress``: a bar over the targets on a terminal
    (True/False; None: on a terminal for >= 200 targets).
    Returns ``(ssr_restricted, ssr_full, n, n_params_full)``
    with the first two ``(Ns, Nt)``.  Every column is first rescaled to
    ``max |x| = 1`` so that huge or tiny finite values cannot overflow or
    underflow; the SSRs are those of the rescaled series (their ratios, which
    is all F statistics and Gaussian TE use, are unchanged).
    """
    T = src.shape[0]
    k, l_, d = history, source_history, delay
    n = _check_fits(T, k, l_, d)
    t0 = T - n
    src = src / np.abs(src).max(axis=0)
    tgt = tgt / np.abs(tgt).max(axis=0)
    Ns, Nt = src.shape[1], tgt.shape[1]
    tlags = list(range(1, k + 1))
    slags = list(range(d, d + l_))
    ones = np.ones((n, 1))
    ssr_r = np.zeros((Ns, Nt))
    ssr_f = np.zeros((Ns, Nt))
    if not conditional:
        p_full = 1 + k + l_
        if n <= p_full:
            raise ValueError(f"time series too short: {n} usable time points (T={T}, history={k}, "
                             f"source_history={l_}, delay={d}) for {p_full} regression "
                             "coefficients; use shorter lags or a longer series")
        XL = _lags(src, t0, n, slags)  # (n, Ns, l)
        YL = _lags(tgt, t0, n, tlags)  # (n, Nt, k)
        Y = tgt[t0:t0 + n]
        XLf = XL.reshape(n, Ns * l_)
        scale = ((XL - XL.mean(0)) ** 2).sum(axis=(0, 2)) + 1e-300
        bar = _Progress(Nt, "Gaussian TE / Granger, targets", progress)
        for j in range(Nt):
            bar.step()
            Q = _orth_basis(np.hstack([ones, YL[:, j, :]]))
            yres = Y[:, j] - Q @ (Q.T @ Y[:, j])
            sr = float(yres @ yres)
            Xres = XLf - Q @ (Q.T @ XLf)
            Xres = Xres.reshape(n, Ns, l_)
            gain = _explained(Xres, yres, scale)
            ssr_r[:, j] = sr
            ssr_f[:, j] = np.maximum(sr - gain, 0.0)
        return ssr_r, ssr_f, n, p_full
    # conditional: every target j regressed on const, own k lags and the l-lag blocks of all others
    if src is not tgt and not np.array_equal(src, tgt):
        raise ValueError("conditional regression needs the sources and targets to be the same "
                         "series")
    N = Nt
    p_full = 1 + k + (N - 1) * l_
    if n <= p_full:
        raise ValueError(
            f"time series too short for conditional estimation: {n} usable time points (T={T}, "
            f"history={k}, source_history={l_}, delay={d}) for {p_full} regression coefficients "
            "(1 + history + (N-1) x source_history)"
        )
    from scipy.linalg import solve_triangular

    XL = _lags(src, t0, n, slags)  # (n, N, l)
    Y = tgt[t0:t0 + n]
    if k == l_ and d == 1:
        # the target's own lags are its source block: one design for every target
        D = np.hstack([ones, XL.reshape(n, N * l_)])
        coef, R = _qr_solve(D, Y, "conditional")
        res = Y - D @ coef
        sf = np.einsum("tj,tj->j", res, res)
        Rinv = solve_triangular(R, np.eye(R.shape[0]))
        M = Rinv @ Rinv.T  # (D'D)^-1
        idx = 1 + np.arange(N * l_).reshape(N, l_)
        Mb = M[idx[:, :, None], idx[:, None, :]]  # (N, l, l)
        beta = coef[1:].reshape(N, l_, N)  # [source, lag, target]
        gain = np.einsum("iaj,iab,ibj->ij", beta, np.linalg.inv(Mb), beta)
        ssr_f[:] = sf[None, :]
        ssr_r[:] = sf[None, :] + gain
    else:
        YL = _lags(tgt, t0, n, tlags)  # (n, N, k)
        bar = _Progress(N, "conditional Gaussian TE / Granger, targets", progress)
        for j in range(N):
            bar.step()
            others = [m for m in range(N) if m != j]
            D = np.hstack([ones, YL[:, j, :], XL[:, others, :].reshape(n, (N - 1) * l_)])
            coef, R = _qr_solve(D, Y[:, j], "conditional")
            res = Y[:, j] - D @ coef
            sf = float(res @ res)
            Rinv = solve_triangular(R, np.eye(R.shape[0]))
            base = 1 + k
            Rb = Rinv[base:]
            beta = coef[base:].reshape(N - 1, l_)
            Mfull = Rb @ Rb.T
            idx = np.arange((N - 1) * l_).reshape(N - 1, l_)
            Mb = Mfull[idx[:, :, None], idx[:, None, :]]
            gain = np.einsum("ia,iab,ib->i", beta, np.linalg.inv(Mb), beta)
            ssr_f[others, j] = sf
            ssr_r[others, j] = sf + gain
    if zero_diagonal:
        ssr_r[np.arange(N), np.arange(N)] = ssr_f[np.arange(N), np.arange(N)] = 1.0
    return ssr_r, ssr_f, n, p_full


def _explained(Xres, yres, scale):
    """b' G^-1 b per source for residualised source lags Xres (n, Ns, l) and target yres (n,)."""
    l_ = Xres.shape[2]
    b = np.einsum("tia,t->ia", Xres, yres)
    if l_ == 1:
        G = np.einsum("ti,ti->i", Xres[:, :, 0], Xres[:, :, 0])
        # a source inside the span of the target's own past (e.g. itself) explains nothing new
        ok = G > 1e-10 * scale
        return np.where(ok, b[:, 0] ** 2 / np.where(ok, G, 1.0), 0.0)
    G = np.einsum("tia,tib->iab", Xres, Xres)
    ok = np.einsum("iaa->i", G) > 1e-10 * scale
    G[~ok] = np.eye(l_)
    b[~ok] = 0.0
    try:
        sol = np.linalg.solve(G, b[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:  # partly collinear lags (duplicated series)
        sol = np.einsum("iab,ib->ia", np.linalg.pinv(G, hermitian=True), b)
    return np.einsum("ia,ia->i", b, sol)


def _qr_solve(D, Y, what):
    """Least squares D B = Y by economic QR; returns (coef, R).  Refuses rank deficiency."""
    from scipy.linalg import qr, solve_triangular

    Q, R = qr(D, mode="economic")
    dr = np.abs(np.diag(R))
    if dr.min() <= 1e-10 * dr.max():
        raise ValueError(f"the {what} regression is rank deficient (collinear regions or lags); "
                         "remove redundant regions or use conditional=False")
    return solve_triangular(R, Q.T @ Y), R


def _gaussian_te(S, Tg, k, l_, d, conditional, zero_diag, progress=None):
    check_memory(_te_bytes("gaussian", S.shape[0], S.shape[1], Tg.shape[1], k, l_, d, 1,
                           conditional=conditional),
                 "the linear-regression design matrices", hint="use fewer regions")
    ssr_r, ssr_f, n, _ = linear_regression_ssr(S, Tg, history=k, source_history=l_, delay=d,
                                               conditional=conditional, zero_diagonal=zero_diag,
                                               progress=progress)
    # in place: two (Ns, Nt) arrays at the peak, not four
    te = np.divide(ssr_r, ssr_f, out=ssr_r)
    del ssr_f
    with np.errstate(divide="ignore"):
        np.log(te, out=te)
    te *= 0.5
    if zero_diag:
        np.fill_diagonal(te, 0.0)
    return te


def _gaussian_conditional_pairs(S, Tg, C, k, l_, d):
    """Gaussian TE source i -> target j given the lags of the condition series C."""
    T = S.shape[0]
    n = _check_fits(T, k, l_, d)
    t0 = T - n
    slags = list(range(d, d + l_))
    CL = _lags(C, t0, n, slags).reshape(n, -1)
    YL = _lags(Tg, t0, n, list(range(1, k + 1)))
    XL = _lags(S, t0, n, slags).reshape(n, S.shape[1] * l_)
    if n <= 1 + k + l_ + CL.shape[1]:
        raise ValueError("time series too short for the conditional regression")
    out = np.zeros((S.shape[1], Tg.shape[1]))
    scale = ((XL - XL.mean(0)) ** 2).reshape(n, S.shape[1], l_).sum(axis=(0, 2)) + 1e-300
    for j in range(Tg.shape[1]):
        Q = _orth_basis(np.hstack([np.ones((n, 1)), YL[:, j, :], CL]))
        y = Tg[t0:t0 + n, j]
        yres = y - Q @ (Q.T @ y)
        sr = float(yres @ yres)
        Xres = (XL - Q @ (Q.T @ XL)).reshape(n, S.shape[1], l_)
        gain = _explained(Xres, yres, scale)
        out[:, j] = 0.5 * np.log(sr / np.maximum(sr - gain, 1e-300))
    return out
