"""Transfer entropy, mutual information and Granger causality for any Array API library.

:func:`netneuro.connectivity.transfer_entropy`, :func:`~netneuro.connectivity.mutual_information`
and :func:`~netneuro.connectivity.granger` take a torch tensor, a CuPy array or an
array-api-strict array (one subject ``(T, N)`` or a cohort ``(S, T, N)``) here and
compute with that library on its device, batched over subjects; the result has the
input's namespace and device.

* Gaussian TE and Granger causality (pairwise and conditional): the covariance algebra
  of :mod:`netneuro.infotheory.gaussian`, the code path NumPy input runs too, in float64.
* Discrete (plug-in) TE and MI of integer codes (binary or a small alphabet): the joint
  counts of every pair are one GEMM of indicator (one-hot) matrices, ``V' U`` with ``V``
  the source-past states ``(n, N * A^l)`` and ``U`` the (present, past) states of the
  targets ``(n, N * A^(k+1))``.  The indicators and counts are float32: every partial sum
  is an integer no larger than the number of samples ``n``, so the counts are exact for
  ``n <= 2**24`` (16,777,216) samples, and a longer series is refused (TF32 tensor-core
  GEMMs keep them exact too: 0 and 1 are exact in TF32 and the accumulation is float32).  The entropies are
  then summed in float64 (equal to the compiled core's to 1e-12).
* Granger p-values: the F distribution's tail has no Array API form; the ``(S, N, N)`` F
  statistics are copied to the host, evaluated with SciPy, and copied back to the
  input's device (a small transfer; the regressions stay on the device).

The KSG estimator and the discrete conditional ("complete") TE run in the compiled core
only: for them pass NumPy arrays (nothing is converted behind the caller's back).
"""

from __future__ import annotations

import numpy as np

from .._array_api import check_array_xp
from .._validation import check_choice, check_int, check_memory
from ._common import _check_fits
from .gaussian import _gaussian_te, _set_diag, linear_regression_ssr

__all__ = ["transfer_entropy_xp", "mutual_information_xp", "granger_xp", "MAX_COUNT_SAMPLES"]

#: the longest series (samples after the embedding) whose float32 counts are exact
MAX_COUNT_SAMPLES = 2**24


def _stack(ts, xp, name="ts"):
    if ts.ndim not in (2, 3):
        raise ValueError(f"{name} must have 2 or 3 dimensions, (T, N) or (S, T, N), got shape "
                         f"{tuple(ts.shape)}")
    single = ts.ndim == 2
    return (ts[None, ...] if single else ts), single


def _float_series(ts, xp, name="ts"):
    X = check_array_xp(ts, name, xp, ndim=(2, 3))
    X, single = _stack(X, xp, name)
    if X.dtype != xp.float64:
        X = xp.astype(X, xp.float64)
    if X.shape[-2] < 2:
        raise ValueError(f"{name} must have at least 2 time points, got {X.shape[-2]}")
    bad = xp.max(X, axis=-2) == xp.min(X, axis=-2)
    if bool(xp.any(bad)):
        flat = int(xp.argmax(xp.astype(xp.reshape(bad, (-1,)), xp.int32)))
        s, col = divmod(flat, X.shape[-1])
        where = name if X.shape[0] == 1 else f"{name}[{s}]"
        raise ValueError(f"{where} has a constant series (column {col}): information measures "
                         "of a constant series are undefined or zero; remove it first")
    return X, single


def _finish(M, single):
    return M[0, ...] if single else M


def _codes(ts, xp, n_bins, bin_method, alphabet, name="ts"):
    """Integer codes (B, T, N) int64 and the alphabet, validated in the input's namespace."""
    X, single = _stack(ts, xp, name)
    if 0 in tuple(X.shape):
        raise ValueError(f"{name} must not be empty, got shape {tuple(X.shape)}")
    if n_bins is not None:
        n_bins = check_int(n_bins, "n_bins", min_value=1, max_value=2**31 - 1)
        check_choice(bin_method, "bin_method", ("uniform", "quantile"))
        if bin_method != "uniform":
            raise ValueError("bin_method='quantile' runs on NumPy arrays only; use "
                             "bin_method='uniform' or integer codes")
        X = check_array_xp(X, name, xp)
        if X.dtype != xp.float64:
            X = xp.astype(X, xp.float64)
        lo = xp.min(X, axis=-2, keepdims=True)
        width = xp.max(X, axis=-2, keepdims=True) - lo
        safe = xp.where(width > 0, width, xp.ones_like(width))
        codes = xp.clip(xp.floor((X - lo) / safe * n_bins), min=0, max=n_bins - 1)
        codes = xp.where(width > 0, codes, xp.zeros_like(codes))
        codes = xp.astype(codes, xp.int64)
    else:
        if xp.isdtype(X.dtype, "real floating"):
            if not bool(xp.all(xp.isfinite(X))):
                raise ValueError(f"{name} must be finite for the discrete estimator")
            if not bool(xp.all(X == xp.round(X))):
                raise ValueError(
                    f"{name} must hold integer codes for the discrete estimator (found "
                    "non-integer values); discretise continuous data first with n_bins=")
        elif not xp.isdtype(X.dtype, ("integral", "bool")):
            raise TypeError(f"{name} must hold integer codes, got dtype {X.dtype}")
        codes = xp.astype(X, xp.int64)
        low = int(xp.min(codes))
        if low < 0:
            raise ValueError(f"{name} must hold non-negative integer codes, found {low}")
    top = int(xp.max(codes)) + 1
    if alphabet is not None:
        alphabet = check_int(alphabet, "alphabet", min_value=1)
        if top > alphabet:
            raise ValueError(f"{name} holds code {top - 1} >= alphabet={alphabet}")
        alph = alphabet
    else:
        alph = max(2, top)
    if n_bins is not None:
        alph = max(alph, n_bins)
    return codes, alph, single


def _state(codes, lags, t0, n, A, xp):
    """Code of the lag block ``lags`` of every column: sum_q x_{t - lags[q]} A^(L-1-q)."""
    s = None
    for g in lags:
        w = codes[:, t0 - g:t0 - g + n, :]
        s = w if s is None else s * A + w
    return s


def _one_hot(state, n_states, xp):
    """(B, n, N) states -> (B, n, N * n_states) float32 indicators, column [region, state]."""
    B, n, N = state.shape
    levels = xp.arange(n_states, dtype=state.dtype, device=state.device)
    return xp.reshape(xp.astype(state[..., None] == levels, xp.float32), (B, n, N * n_states))


def _xlogx_sum(c, axes, xp):
    """sum of c log c over ``axes`` (0 log 0 = 0), float64."""
    return xp.sum(c * xp.log(xp.where(c > 0, c, xp.ones_like(c))), axis=axes)


def _discrete_te_counts(S, Tg, A, k, l_, d, xp):
    """Plug-in TE (nats) of every (source, target) pair, (B, Ns, Nt), by count GEMMs."""
    B, T, Ns = S.shape
    Nt = Tg.shape[-1]
    n = _check_fits(T, k, l_, d)
    t0 = T - n
    if n > MAX_COUNT_SAMPLES:
        raise ValueError(f"{n} samples: the float32 counts of the Array API discrete estimator "
                         f"are exact up to 2**24 = {MAX_COUNT_SAMPLES} samples; pass NumPy "
                         "arrays (the compiled core counts in 64-bit integers) or split the "
                         "series")
    nY, nX = A**k, A**l_
    if float(A) ** (k + l_ + 1) > 2**20:
        raise ValueError(f"alphabet too large for the count-GEMM discrete estimator: "
                         f"alphabet**(history+source_history+1) = {A}**{k + l_ + 1} joint "
                         "states; pass NumPy arrays (the compiled core hashes sparse states)")
    check_memory(4.0 * B * n * (Ns * nX + Nt * A * nY) + 16.0 * B * Ns * Nt * A * nX * nY,
                 "the indicator matrices and joint counts of the discrete estimator",
                 hint="use fewer regions, a smaller alphabet or shorter histories")
    src = _state(S, range(d, d + l_), t0, n, A, xp)
    past = _state(Tg, range(1, k + 1), t0, n, A, xp)
    now = Tg[:, t0:t0 + n, :]
    tgt = now * nY + past if past is not None else now
    V = _one_hot(src, nX, xp)                                             # (B, n, Ns * nX)
    U = _one_hot(tgt, A * nY, xp)                                         # (B, n, Nt * A * nY)
    counts = xp.matmul(xp.matrix_transpose(V), U)                         # exact integers
    counts = xp.reshape(xp.astype(counts, xp.float64), (B, Ns, nX, Nt, A, nY))
    c_yyp = xp.reshape(xp.astype(xp.sum(U, axis=-2), xp.float64), (B, Nt, A, nY))
    h_all = _xlogx_sum(counts, (2, 4, 5), xp)                             # (B, Ns, Nt)
    h_xyp = _xlogx_sum(xp.sum(counts, axis=4), (2, 4), xp)                # (B, Ns, Nt)
    h_yyp = _xlogx_sum(c_yyp, (2, 3), xp)                                 # (B, Nt)
    h_yp = _xlogx_sum(xp.sum(c_yyp, axis=2), (2,), xp)                    # (B, Nt)
    return (h_all - h_xyp - (h_yyp - h_yp)[:, None, :]) / n


def transfer_entropy_xp(ts, xp, *, estimator, history, source_history, delay, logb, n_bins,
                        bin_method, alphabet, conditional):
    """All-pairs TE matrix (N, N) or (S, N, N) in the input's namespace (see the module)."""
    from ._common import _embedding

    if estimator == "ksg":
        raise TypeError("the KSG estimator runs in the compiled core on NumPy arrays only; "
                        "pass a NumPy array (e.g. np.asarray(x.cpu()) for a torch tensor)")
    k, l_, d = _embedding(history, source_history, delay, estimator)
    if estimator == "gaussian":
        X, single = _float_series(ts, xp)
        return _finish(_gaussian_te(X, X, k, l_, d, conditional, True, logb=logb), single)
    if conditional:
        raise ValueError("conditional=True with the discrete estimator runs in the compiled "
                         "core on NumPy arrays only (its joint states are hashed, not counted "
                         "by GEMMs)")
    codes, A, single = _codes(ts, xp, n_bins, bin_method, alphabet)
    te = _set_diag(_discrete_te_counts(codes, codes, A, k, l_, d, xp), 0.0, xp)
    return _finish(te / logb, single)


def mutual_information_xp(ts, xp, *, estimator, logb, n_bins, bin_method, alphabet):
    """Symmetric MI matrix (N, N) or (S, N, N), diagonal 0, in the input's namespace."""
    check_choice(estimator, "estimator", ("discrete", "gaussian", "ksg"))
    if estimator == "ksg":
        raise TypeError("the KSG estimator runs in the compiled core on NumPy arrays only; "
                        "pass a NumPy array (e.g. np.asarray(x.cpu()) for a torch tensor)")
    if estimator == "gaussian":
        X, single = _float_series(ts, xp)
        Xc = X - xp.mean(X, axis=-2, keepdims=True)
        norm = xp.sqrt(xp.sum(Xc * Xc, axis=-2))
        r = xp.matmul(xp.matrix_transpose(Xc), Xc) / (norm[:, :, None] * norm[:, None, :])
        r = xp.clip(r, min=-1.0, max=1.0)
        with np.errstate(divide="ignore"):
            mi = -0.5 * xp.log1p(-(r * r))
    else:
        codes, A, single = _codes(ts, xp, n_bins, bin_method, alphabet)
        mi = _discrete_te_counts(codes, codes, A, 0, 1, 0, xp)
    return _finish(_set_diag(mi, 0.0, xp) / logb, single)


def _host(x):
    """A small result array on the host as NumPy (CuPy: .get(); torch: .cpu())."""
    if hasattr(x, "get") and hasattr(x, "__cuda_array_interface__"):
        return x.get()
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    return np.from_dlpack(x)


def granger_xp(ts, xp, *, order, conditional):
    """Granger F tests of every ordered pair, fields in the input's namespace."""
    from scipy import stats

    from ..connectivity import GrangerResult

    X, single = _float_series(ts, xp)
    N = X.shape[-1]
    ssr_r, ssr_f, n, p_full = linear_regression_ssr(
        X, X, history=order, source_history=order, delay=1, conditional=conditional and N > 2)
    df_den = n - p_full
    if df_den < 1:
        raise ValueError(f"time series too short for order={order}: {n} usable time points")
    with np.errstate(divide="ignore", invalid="ignore"):
        F = xp.clip((ssr_r - ssr_f) / order / (ssr_f / df_den), min=0.0)
        lr = xp.log(ssr_r / ssr_f)
    F = _set_diag(F, 0.0, xp)
    lr = _set_diag(lr, 0.0, xp)
    p = xp.asarray(stats.f.sf(_host(F), order, df_den), dtype=F.dtype, device=F.device)
    p = _set_diag(p, 1.0, xp)
    full = (lambda v: xp.full(F.shape, float(v), dtype=F.dtype, device=F.device))
    return GrangerResult(F=_finish(F, single), pvalues=_finish(p, single),
                         df_num=_finish(full(order), single), df_den=_finish(full(df_den), single),
                         log_ratio=_finish(lr, single))
