"""Linear-Gaussian TE and Granger causality of every pair by covariance algebra.

One code path for NumPy, CuPy, torch and array-api-strict (written against the
Array API namespace ``xp``).  The lagged windows of every series are centred
(the regressions' constant) and their cross-products formed with a few GEMMs;
every (source, target) pair's restricted and full residual sums of squares then
follow from small ``history x history`` and ``source_history x
source_history`` systems solved elementwise over all pairs at once (the
partitioned-regression / Schur-complement identities), instead of one
least-squares fit per pair:

``SSR_r(j) = y'y - p' P^-1 p`` (``P``: the target's own lags, ``p``: their
cross-products with ``y_t``); adding source ``i``'s lags ``X`` removes
``b' G^-1 b`` with ``b = X'y - X'Y_p P^-1 p`` and ``G = X'X - X'Y_p P^-1 Y_p'X``
(the source lags with the target's past projected out).  Conditional
(complete) estimates invert the covariance of every region's lags once.
"""

from __future__ import annotations

import functools
import math
import operator

import numpy as np

from .._array_api import inv as linalg_inv
from .._validation import check_memory
from ._common import _check_fits, _Progress, _te_bytes

# elements of all pair temporaries of one block of targets (~128 MB together); N <= ~1600
# regions (history = source_history = 1) fit in one block
_PAIR_BLOCK = 1 << 24
# elements of one block of the NumPy pair algebra (its temporaries stay in the CPU's cache)
_CACHE_BLOCK = 1 << 15


def _bnt(X, xp):
    """(T, N) or (B, T, N) -> ``(Z, s2)``: Z (B, T, N) float64 centred (the regressions have a
    constant) and ``s2`` (B, 1, N) the squared inverse of every column's max |x|.  The SSRs
    reported are those of the columns divided by their max |x| (their ratios are scale-free);
    values whose squares could overflow or underflow are divided before any product (Z is
    then already rescaled and ``s2`` is None), others have their SSRs scaled afterwards."""
    X = X[None, ...] if X.ndim == 2 else X
    if X.dtype != xp.float64:
        X = xp.astype(X, xp.float64)
    top = xp.maximum(xp.max(X, axis=-2, keepdims=True), -xp.min(X, axis=-2, keepdims=True))
    s = 1.0 / top
    Z = X - xp.mean(X, axis=-2, keepdims=True)
    if float(xp.max(top)) <= 1e100 and float(xp.min(top)) >= 1e-100:
        return Z, s * s
    return Z * s, None


def _window(X, t0, n, g, xp):
    """Centred copy of the window [t0 - g, t0 - g + n) of every column: (B, n, N)."""
    W = X[:, t0 - g:t0 - g + n, :]
    return W - xp.mean(W, axis=-2, keepdims=True)


def _dot_t(a, b, xp):
    """Sum over the time axis of a * b: (B, n, N) x (B, n, N) -> (B, N)."""
    return xp.vecdot(a, b, axis=-2)


class _Lags:
    """Lag windows of a centred stack Z (B, T, N): ``win(g)`` = rows [t0 - g, t0 - g + n) (a
    view), with their means; cross-products of windows are those of the centred windows
    (``W_a' W_b - n m_a m_b'``: Z is centred, so the window means are small)."""

    def __init__(self, Z, t0, n, xp):
        self.Z, self.t0, self.n, self.xp = Z, t0, n, xp
        self._means, self._autos, self._cross = {}, {}, {}
        self._np = xp.__name__.endswith("numpy")

    def win(self, g):
        return self.Z[:, self.t0 - g:self.t0 - g + self.n, :]

    def mean(self, g):
        """(B, N) mean of window g: minus the sum of the few rows outside it over n (Z is
        centred over all T rows; a pass over the window when it leaves out more than half)."""
        if g not in self._means:
            xp, Z, t0, n = self.xp, self.Z, self.t0, self.n
            if 2 * n < Z.shape[-2]:
                self._means[g] = xp.mean(self.win(g), axis=-2)
            else:
                out = xp.sum(Z[:, :t0 - g, :], axis=-2) + xp.sum(Z[:, t0 - g + n:, :], axis=-2)
                self._means[g] = out * (-1.0 / n)
        return self._means[g]

    def auto(self, a, b):
        """(B, N): sum over the window of the centred lag-a and lag-b values, per column."""
        a, b = min(a, b), max(a, b)
        if (a, b) not in self._autos:
            for key in ((a, b), (b, a)):  # the diagonal of a cross-product already formed
                if key in self._cross:
                    raw, ma, mb = self._cross[key]
                    self._autos[a, b] = (self.xp.linalg.diagonal(raw)
                                         - self.n * ma * mb)
                    return self._autos[a, b]
            wa, wb = self.win(a), self.win(b)
            raw = (np.einsum("btn,btn->bn", wa, wb) if self._np
                   else self.xp.sum(wa * wb, axis=-2))
            self._autos[a, b] = raw - self.n * self.mean(a) * self.mean(b)
        return self._autos[a, b]

    def cross(self, a, other, b, cols=None):
        """Cross-products of lag a of every column with lag b of other's columns ``cols`` (a
        slice), uncentred: ``(raw (B, N, M), m_a (B, N), m_b (B, M))``; ``centred`` of a block
        of rows subtracts the window means."""
        xp = self.xp
        whole = cols is None and other is self
        if whole and (a, b) in self._cross:
            return self._cross[a, b]
        wb, mb = other.win(b), other.mean(b)
        if cols is not None:
            wb, mb = wb[:, :, cols], mb[:, cols]
        raw = self._from_formed(a, b) if whole else None
        if raw is None and whole and a == b:  # a Gram matrix: symmetric
            raw = _gram(self.win(a), xp)
        elif raw is None:
            raw = xp.matmul(xp.matrix_transpose(self.win(a)), wb)
        out = (raw, self.mean(a), mb)
        if whole:
            self._cross[a, b] = out
        return out

    def _from_formed(self, a, b):
        """W_a' W_b from a cross-product already formed at the same lag difference (the
        windows are those shifted by s rows: s rows in, s out, a small update), or its
        transpose; None if there is none."""
        xp, Z, t0, n = self.xp, self.Z, self.t0, self.n
        for (a2, b2), (raw2, _, _) in self._cross.items():
            if a2 - b2 == a - b:
                base = raw2
            elif b2 - a2 == a - b:
                base, a2, b2 = xp.matrix_transpose(raw2), b2, a2
            else:
                continue
            s = a - a2  # window g -> g + s: rows [t0-g-s, t0-g) come in, n rows later go out
            lo, hi = (-s, 0) if s > 0 else (n, n - s)

            def rows(g, off):
                return Z[:, t0 - g + lo + off:t0 - g + hi + off, :]

            add = xp.matmul(xp.matrix_transpose(rows(a2, 0)), rows(b2, 0))
            sub = xp.matmul(xp.matrix_transpose(rows(a2, n if s > 0 else -n)),
                            rows(b2, n if s > 0 else -n))
            return base + (add - sub)
        return None


def _centred(cross, n, rows):
    """Rows ``rows`` (a slice) of a cross-product from ``_Lags.cross``, centred: (B, r, M)."""
    raw, ma, mb = cross
    return raw[:, rows, :] - n * ma[:, rows, None] * mb[:, None, :]


def _sum(terms):
    """Sum of a non-empty iterable of arrays (no ``0 +`` pass, unlike ``sum``)."""
    return functools.reduce(operator.add, terms)


def _gram(W, xp):
    """W' W for every stack member of W (B, n, N) -> (B, N, N).  NumPy: ``w.T @ w`` of each 2-D
    member, which NumPy computes by BLAS syrk (one triangle: half a GEMM's flops); the batched
    3-D matmul would run a full GEMM."""
    if isinstance(W, np.ndarray):
        out = np.empty((W.shape[0], W.shape[-1], W.shape[-1]), dtype=W.dtype)
        for b in range(W.shape[0]):
            np.matmul(W[b].T, W[b], out=out[b])
        return out
    return xp.matmul(xp.matrix_transpose(W), W)


def _small_inv(P, xp):
    """Inverse of each small SPD matrix of a stack (..., k, k); pseudo-inverse if singular."""
    try:
        inv = xp.linalg.inv(P)
        if bool(xp.all(xp.isfinite(inv))):
            return inv
    except Exception:  # noqa: BLE001 - each library has its own LinAlgError
        pass
    return xp.linalg.pinv(P)


def _rank_deficient(what):
    return ValueError(f"the {what} regression is rank deficient (collinear regions or lags); "
                      "remove redundant regions or use conditional=False")


def _spd_inverse(A, n, what, xp):
    """Inverse of centred cross-product matrices (B, p, p), refusing rank deficiency as a QR of
    the design with its constant column would (|R_ii| <= 1e-10 max |R_ii|).  NumPy: LAPACK
    potrf + potri (the inverse from the Cholesky factor, a third of a general inverse's
    flops); other libraries: their Cholesky and inverse."""

    def check(dg):
        top = max(float(xp.max(dg)), math.sqrt(n))
        if not bool(xp.all(xp.isfinite(dg))) or min(float(xp.min(dg)), math.sqrt(n)) <= 1e-10 * top:
            raise _rank_deficient(what)

    if isinstance(A, np.ndarray):
        from scipy.linalg import lapack

        out = np.empty_like(A)
        for b in range(A.shape[0]):
            c, info = lapack.dpotrf(A[b], lower=False, clean=False)
            if info != 0:
                raise _rank_deficient(what)
            check(np.diagonal(c))
            inv, info = lapack.dpotri(c, lower=False)
            if info != 0:
                raise _rank_deficient(what)
            iu = np.triu_indices(inv.shape[0], 1)
            inv[iu[1], iu[0]] = inv[iu]
            out[b] = inv
        return out
    try:
        L = xp.linalg.cholesky(A)
    except Exception:  # noqa: BLE001
        raise _rank_deficient(what) from None
    check(xp.linalg.diagonal(L))
    return linalg_inv(A, xp)




# ---------------------------------------------------------------------------
# all pairs


def _pairwise_ssr(S, Tg, t0, n, k, l_, d, xp, progress, combine=None):
    """(B, Ns, Nt) restricted and full SSRs of every pair (no conditioning); with ``combine``,
    the one array ``combine(ssr_r, ssr_f)`` (elementwise, applied block by block)."""
    B, _, Ns = S.shape
    Nt = Tg.shape[-1]
    LS = _Lags(S, t0, n, xp)
    LT = LS if Tg is S else _Lags(Tg, t0, n, xp)
    slags = list(range(d, d + l_))
    per_target = max(1, B * Ns * (l_ * (k + 1) + l_ * l_ + l_ * k + 6))
    m = max(1, min(Nt, _PAIR_BLOCK // per_target))
    whole = LT is LS and m == Nt  # one block: the GEMMs' diagonals give the own-lag products
    if whole:
        for a in slags:
            for b in range(k + 1):
                LS.cross(a, LS, b)
    Sxx = [[None] * l_ for _ in range(l_)]
    for a in range(l_):
        for c in range(a, l_):
            Sxx[a][c] = Sxx[c][a] = LS.auto(slags[a], slags[c])            # (B, Ns)
    A = [[None] * (k + 1) for _ in range(k + 1)]
    for b in range(k + 1):
        for c in range(b, k + 1):
            A[b][c] = A[c][b] = LT.auto(b, c)                               # (B, Nt)
    # a source inside the span of the target's own past (e.g. itself) explains nothing new
    scale = _sum(Sxx[a][a] for a in range(l_)) + 1e-300
    tol = 1e-10 * scale[:, :, None]
    # restricted model: y_t on its own past (B, Nt)
    if k == 1:
        Pi = [[1.0 / A[1][1]]]
    else:
        P = xp.stack([xp.stack([A[b][c] for c in range(1, k + 1)], axis=-1)
                      for b in range(1, k + 1)], axis=-2)                   # (B, Nt, k, k)
        Pinv = _small_inv(P, xp)
        Pi = [[Pinv[..., b, c] for c in range(k)] for b in range(k)]
    w = [_sum(Pi[b][c] * A[c + 1][0] for c in range(k)) for b in range(k)]
    sr = A[0][0] - _sum(A[b + 1][0] * w[b] for b in range(k))
    bar = _Progress(Nt, "Gaussian TE / Granger, targets", progress)
    host = isinstance(S, np.ndarray)
    nout = 1 if combine is not None else 2
    if host:  # NumPy: the pair algebra by blocks of sources that stay in the CPU's cache
        outs = [np.empty((B, Ns, Nt)) for _ in range(nout)]
        # (source_history > 1: batched small solves per block, whose call overhead wants
        # large blocks)
        r = max(1, min(Ns, _CACHE_BLOCK // (B * m))) if l_ == 1 else Ns
    else:  # one block (GPU kernels want large arrays)
        cols, r = [[] for _ in range(nout)], Ns
    for j0 in range(0, Nt, m):
        j1 = min(Nt, j0 + m)
        J = None if whole else slice(j0, j1)
        mm = j1 - j0
        Jt = slice(j0, j1)
        wJ = [x[:, None, Jt] for x in w]
        PiJ = [[x[:, None, Jt] for x in row] for row in Pi]
        Ec = [[LS.cross(slags[a], LT, b + 1, J) for b in range(k)] for a in range(l_)]
        Cc = [LS.cross(slags[a], LT, 0, J) for a in range(l_)]
        rows = [[] for _ in range(nout)]
        for i0 in range(0, Ns, r):
            I = slice(i0, min(Ns, i0 + r))
            # full model: add the source's lags, residualised on the target's past (B, r, mm)
            E = [[_centred(x, n, I) for x in row] for row in Ec]
            bv = [_centred(Cc[a], n, I) - _sum(E[a][b] * wJ[b] for b in range(k))
                  for a in range(l_)]
            F = [[_sum(E[a][b] * PiJ[b][c] for b in range(k)) for c in range(k)]
                 for a in range(l_)]
            tI = tol[:, I, :]
            if l_ == 1:
                G = Sxx[0][0][:, I, None] - _sum(F[0][c] * E[0][c] for c in range(k))
                inf = xp.asarray(float("inf"), dtype=G.dtype, device=G.device)
                gain = bv[0] * bv[0] / xp.where(G > tI, G, inf)
            else:
                G = [[Sxx[a][a2][:, I, None] - _sum(F[a][c] * E[a2][c] for c in range(k))
                      for a2 in range(l_)] for a in range(l_)]
                ok = _sum(G[a][a] for a in range(l_)) > tI
                Gm = xp.stack([xp.stack(row, axis=-1) for row in G], axis=-2)  # (B, r, mm, l, l)
                eye = xp.eye(l_, dtype=Gm.dtype, device=Gm.device)
                Gm = xp.where(ok[..., None, None], Gm, eye)
                bvs = xp.stack(bv, axis=-1)
                bvs = xp.where(ok[..., None], bvs, xp.zeros_like(bvs))
                gain = _gain_solve(Gm, bvs, xp)
            srb = sr[:, None, Jt]
            if host:  # in place (xp.clip of array_api_compat costs a few copies)
                fsb = np.maximum(np.subtract(srb, gain, out=gain), 0.0, out=gain)
            else:
                fsb = xp.clip(srb - gain, min=0.0)
            if combine is not None:
                piece = (combine(srb, fsb),)
            else:
                piece = (srb if host else xp.broadcast_to(srb, fsb.shape), fsb)
            for q in range(nout):
                if host:
                    outs[q][:, I, Jt] = piece[q]
                else:
                    rows[q].append(piece[q])
        if not host:
            for q in range(nout):
                cols[q].append(rows[q][0] if len(rows[q]) == 1 else xp.concat(rows[q], axis=-2))
        bar.step(mm)
    if not host:
        outs = [c[0] if len(c) == 1 else xp.concat(c, axis=-1) for c in cols]
    return outs[0] if combine is not None else tuple(outs)


def _gain_solve(Gm, bvs, xp):
    """b' G^-1 b for stacks of small SPD systems; the pairs whose source lags are partly
    collinear with the target's past (det G <= 1e-10 trace(G)^l, e.g. a series and its own
    lags) use the pseudo-inverse (rtol 1e-10): only their independent lags count."""
    try:
        sol = xp.linalg.solve(Gm, bvs[..., None])[..., 0]
    except Exception:  # noqa: BLE001 - an exactly singular system: all by pseudo-inverse
        sol = xp.matmul(xp.linalg.pinv(Gm, rtol=1e-10), bvs[..., None])[..., 0]
        return xp.sum(bvs * sol, axis=-1)
    gain = xp.sum(bvs * sol, axis=-1)
    flag = xp.linalg.det(Gm) <= 1e-10 * xp.sum(xp.linalg.diagonal(Gm), axis=-1) ** Gm.shape[-1]
    where = xp.nonzero(flag)
    count = int(where[0].shape[0])
    if count > 4096:  # many: every pair by pseudo-inverse, those selected
        sol = xp.matmul(xp.linalg.pinv(Gm, rtol=1e-10), bvs[..., None])[..., 0]
        return xp.where(flag, xp.sum(bvs * sol, axis=-1), gain)
    for q in range(count):
        ix = tuple(int(w[q]) for w in where)
        b = bvs[ix]
        gain[ix] = xp.sum(b * xp.matmul(xp.linalg.pinv(Gm[ix], rtol=1e-10), b[:, None])[:, 0])
    return gain


def _block_diagonals(M, l_, xp):
    """[[diag of block (a, c) of every l x l diagonal block]] of M (B, N*l, N*l), each (B, N)."""
    return [[xp.linalg.diagonal(M[:, a::l_, c::l_]) for c in range(l_)] for a in range(l_)]


def _block_gain(beta, Mb, l_, xp):
    """beta_i' (Mb_i)^-1 beta_i for every column: beta l x (B, Ni, Nj), Mb l x l x (B, Ni)."""
    if l_ == 1:
        return beta[0] * beta[0] / Mb[0][0][..., None]
    Mi = xp.linalg.inv(xp.stack([xp.stack(row, axis=-1) for row in Mb], axis=-2))  # (B, Ni, l, l)
    return sum(beta[a] * Mi[..., a, c][..., None] * beta[c]
               for a in range(l_) for c in range(l_))


def _conditional_shared(X, t0, n, l_, xp):
    """Conditional SSRs when every target's own lags are its source block (history ==
    source_history, delay 1): one inverse of the covariance of all regions' lags."""
    B, _, N = X.shape
    if l_ == 1:  # the windows of the centred stack, with their means subtracted after
        L, every = _Lags(X, t0, n, xp), slice(None)
        Sxy = _centred(L.cross(1, L, 0), n, every)                        # (B, N, N)
        Sig = _centred(L.cross(1, L, 1), n, every)
        yy = L.auto(0, 0)
    else:                                                                 # columns [region, lag]
        XL = xp.reshape(xp.stack([_window(X, t0, n, a, xp) for a in range(1, l_ + 1)],
                                 axis=-1), (B, n, N * l_))
        Y0 = _window(X, t0, n, 0, xp)
        Sxy = xp.matmul(xp.matrix_transpose(XL), Y0)                      # (B, N*l, N)
        Sig = _gram(XL, xp)
        yy = _dot_t(Y0, Y0, xp)
    M = _spd_inverse(Sig, n, "conditional", xp)                           # (D'D)^-1 block
    coef = xp.matmul(M, Sxy)
    sf = yy - _dot_t(Sxy, coef, xp)                                       # (B, N)
    beta = [coef[:, a::l_, :] for a in range(l_)]                         # (B, N, N) [i, j]
    gain = _block_gain(beta, _block_diagonals(M, l_, xp), l_, xp)
    sfb = xp.broadcast_to(sf[:, None, :], (B, N, N))
    return sfb + gain, sfb


def _conditional_per_target(X, t0, n, k, l_, d, xp, progress, diag_value):
    """Conditional SSRs for general lags: one system per target, from one covariance of
    every region's lag windows."""
    B, _, N = X.shape
    lagset = sorted(set(range(1, k + 1)) | set(range(d, d + l_)))
    G = len(lagset)
    pos = {g: q for q, g in enumerate(lagset)}
    W = xp.reshape(xp.stack([_window(X, t0, n, g, xp) for g in lagset], axis=-1),
                   (B, n, N * G))                                         # columns [region, lag]
    Y0 = _window(X, t0, n, 0, xp)
    Wt = xp.matrix_transpose(W)
    Sig = _gram(W, xp)
    Sxy = xp.matmul(Wt, Y0)
    yy = _dot_t(Y0, Y0, xp)
    fill = xp.full((B, 1), diag_value, dtype=Sig.dtype, device=Sig.device)
    bar = _Progress(N, "conditional Gaussian TE / Granger, targets", progress)
    cols_r, cols_f = [], []
    for j in range(N):
        bar.step()
        idx = [j * G + pos[b] for b in range(1, k + 1)]
        idx += [m * G + pos[a] for m in range(N) if m != j for a in range(d, d + l_)]
        idx = xp.asarray(idx, device=Sig.device)
        A = xp.take(xp.take(Sig, idx, axis=-2), idx, axis=-1)
        c = xp.take(Sxy[:, :, j], idx, axis=-1)
        M = _spd_inverse(A, n, "conditional", xp)
        coef = xp.matmul(M, c[..., None])[..., 0]                         # (B, p)
        sf = yy[:, j] - xp.sum(c * coef, axis=-1)                         # (B,)
        Mo = M[:, k:, k:]
        beta = [coef[:, k + a::l_][..., None] for a in range(l_)]         # (B, N-1, 1)
        gain = _block_gain(beta, _block_diagonals(Mo, l_, xp), l_, xp)[..., 0]
        sfb = xp.broadcast_to(sf[:, None], (B, N - 1))
        cols_r.append(xp.concat([(sfb + gain)[:, :j], fill, (sfb + gain)[:, j:]], axis=-1))
        cols_f.append(xp.concat([sfb[:, :j], fill, sfb[:, j:]], axis=-1))
    return xp.stack(cols_r, axis=-1), xp.stack(cols_f, axis=-1)


def linear_regression_ssr(src, tgt, *, history, source_history, delay, conditional=False,
                          zero_diagonal=True, progress=None, _rescale=True, _combine=None):
    """Residual sums of squares of the restricted and full linear autoregressions.

    For every source ``i`` (column of ``src``) and target ``j`` (column of
    ``tgt``): the restricted model regresses ``y_t`` on a constant and the
    target's ``history`` lags; the full model adds the source's
    ``source_history`` lags ending ``delay`` steps back.  With ``conditional``
    (``src`` and ``tgt`` must be the same series) both models also contain the
    source-lag blocks of every other region (conditional Granger causality,
    Geweke 1984).  ``src``, ``tgt``: ``(T, N)``, or cohorts ``(B, T, N)`` of
    any Array API library (computed in that library, on its device, in
    float64).  ``progress``: a bar over the targets on a terminal (True/False;
    None: on a terminal for >= 200 targets).  Returns ``(ssr_restricted,
    ssr_full, n, n_params_full)`` with the first two ``(Ns, Nt)`` (cohort:
    ``(B, Ns, Nt)``), in the input's namespace.  Every column is first
    rescaled to ``max |x| = 1`` so that huge or tiny finite values cannot
    overflow or underflow; the SSRs are those of the rescaled series (their
    ratios, which is all F statistics and Gaussian TE use, are unchanged).
    Computed from the centred lag cross-products (module docstring).  ``_combine``
    (internal): a scale-free elementwise function of ``(ssr_r, ssr_f)``; the first value
    returned is then that array and the second None.
    """
    from array_api_compat import array_namespace

    xp = array_namespace(src, tgt)
    single = src.ndim == 2
    T = src.shape[-2]
    k, l_, d = history, source_history, delay
    n = _check_fits(T, k, l_, d)
    t0 = T - n
    if conditional and (src is not tgt) and (src.shape != tgt.shape
                                             or not bool(xp.all(src == tgt))):
        raise ValueError("conditional regression needs the sources and targets to be the same "
                         "series")
    S, s2 = _bnt(src, xp)
    if conditional or tgt is src:
        Tg, t2 = S, s2
    else:
        Tg, t2 = _bnt(tgt, xp)
        if s2 is None and t2 is not None:  # rescale both or neither
            Tg, t2 = Tg * xp.sqrt(t2), None
        elif t2 is None and s2 is not None:
            S, s2 = S * xp.sqrt(s2), None
    N = Tg.shape[-1]
    if not conditional:
        p_full = 1 + k + l_
        if n <= p_full:
            raise ValueError(f"time series too short: {n} usable time points (T={T}, history={k}, "
                             f"source_history={l_}, delay={d}) for {p_full} regression "
                             "coefficients; use shorter lags or a longer series")
        if _combine is not None:  # applied block by block, while the blocks are in cache
            out = _pairwise_ssr(S, Tg, t0, n, k, l_, d, xp, progress, combine=_combine)
            return (out[0, ...] if single else out), None, n, p_full
        ssr_r, ssr_f = _pairwise_ssr(S, Tg, t0, n, k, l_, d, xp, progress)
    else:
        p_full = 1 + k + (N - 1) * l_
        if n <= p_full:
            raise ValueError(
                f"time series too short for conditional estimation: {n} usable time points "
                f"(T={T}, history={k}, source_history={l_}, delay={d}) for {p_full} regression "
                "coefficients (1 + history + (N-1) x source_history)"
            )
        if k == l_ and d == 1:
            ssr_r, ssr_f = _conditional_shared(S, t0, n, l_, xp)
        else:
            ssr_r, ssr_f = _conditional_per_target(S, t0, n, k, l_, d, xp, progress,
                                                   1.0 if zero_diagonal else 0.0)
    if _combine is not None:  # scale-free; its diagonal is the caller's
        out = _combine(ssr_r, ssr_f)
        return (out[0, ...] if single else out), None, n, p_full
    if t2 is not None and _rescale:  # the SSRs of the target divided by its max |x|
        ssr_r, ssr_f = ssr_r * t2, ssr_f * t2
    if conditional and zero_diagonal:
        ssr_r, ssr_f = _set_diag(ssr_r, 1.0, xp), _set_diag(ssr_f, 1.0, xp)
    if single:
        ssr_r, ssr_f = ssr_r[0, ...], ssr_f[0, ...]
    return ssr_r, ssr_f, n, p_full


def _set_diag(M, value, xp):
    """M with its (last two axes') diagonal set to value (inf/NaN-safe)."""
    eye = xp.eye(M.shape[-1], dtype=M.dtype, device=M.device) > 0.5
    return xp.where(eye, xp.asarray(value, dtype=M.dtype, device=M.device), M)


def _gaussian_te(S, Tg, k, l_, d, conditional, zero_diag, progress=None, logb=1.0):
    """All-pairs Gaussian TE in nats / ``logb``, (Ns, Nt) (cohort (B, Ns, Nt)), in the input's
    namespace."""
    from array_api_compat import array_namespace

    xp = array_namespace(S, Tg)
    B = S.shape[0] if S.ndim == 3 else 1
    check_memory(B * _te_bytes("gaussian", S.shape[-2], S.shape[-1], Tg.shape[-1], k, l_, d, 1,
                               conditional=conditional),
                 "the linear-regression cross-products", hint="use fewer regions")
    def log_ratio(ssr_r, ssr_f):
        return xp.log(ssr_r / ssr_f) * (0.5 / logb)

    with np.errstate(divide="ignore", invalid="ignore"):
        te = linear_regression_ssr(S, Tg, history=k, source_history=l_, delay=d,
                                   conditional=conditional, zero_diagonal=zero_diag,
                                   progress=progress, _combine=log_ratio)[0]
    if zero_diag:
        if isinstance(te, np.ndarray):  # a fresh array: in place
            idx = np.arange(min(te.shape[-2:]))
            te[..., idx, idx] = 0.0
        else:
            te = _set_diag(te, 0.0, xp)
    return te


# ---------------------------------------------------------------------------
# TE given explicit condition series (one target at a time, QR)


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
