"""Activation connectomes of torch tensors / CuPy arrays, computed on their device.

:func:`~netneuro.ann.activation_connectome` sends activations of another array
library (a torch tensor on a GPU, a CuPy array, ...; one array or a dict of
them, one per layer) here: the same statistics as the NumPy path, with that
library's matrix products on its device, and the result in its namespace.
float32 activations stay float32 (half the memory and time on a GPU; about
1e-6 relative error), anything else is computed in float64.

* ``"correlation"``: ``Z^T Z`` of the centred, unit-norm columns, by blocks
  of ``chunk_size`` rows; the lower triangle is the mirror of the upper one, so
  the matrix is exactly symmetric.
* ``"mutual_information"``: plug-in mutual information (nats) of equal-width
  bins, joint histograms as one-hot matrix products (float32 counts, exact
  below 2^24 samples), as the NumPy path.
* ``"transfer_entropy"``: handed to :func:`netneuro.connectivity.transfer_entropy`
  with the array as it is.

Dead units are zeroed (or dropped) by gathering the alive block into the full
matrix, without a host round trip.
"""

from __future__ import annotations

from collections.abc import Mapping

from .._array_api import available_memory_xp, check_array_xp, device_of
from .._validation import check_memory

__all__ = ["activation_connectome_xp"]


def _stack(acts, xp):
    """``(n_samples, n_units)`` from one array or a dict of arrays (concatenated in order)."""
    if isinstance(acts, Mapping):
        if not acts:
            raise ValueError("acts is an empty dict")
        arrs = [check_array_xp(v, f"acts[{k!r}]", xp, ndim=2) for k, v in acts.items()]
        n = arrs[0].shape[0]
        for k, a in zip(acts, arrs):
            if a.shape[0] != n:
                raise ValueError(f"acts[{k!r}] has {a.shape[0]} samples, the first layer {n}")
        if len({device_of(a) for a in arrs}) > 1:
            raise ValueError("the arrays of acts must live on one device")
        dt = xp.float32 if all(a.dtype == xp.float32 for a in arrs) else xp.float64
        return xp.concat([xp.astype(a, dt) for a in arrs], axis=1)
    A = check_array_xp(acts, "acts", xp, ndim=2)
    return A if A.dtype in (xp.float32, xp.float64) else xp.astype(A, xp.float64)


def _mirror_upper(C, xp):
    return xp.triu(C) + xp.matrix_transpose(xp.triu(C, k=1))


def _gram_blocks(Z, chunk_size, xp):
    """``Z^T Z`` (upper triangle mirrored), one block of ``chunk_size`` rows at a time."""
    N = Z.shape[1]
    if N <= chunk_size:
        C = xp.matrix_transpose(Z) @ Z
    else:
        C = xp.concat([xp.matrix_transpose(Z[:, s:min(N, s + chunk_size)]) @ Z
                       for s in range(0, N, chunk_size)], axis=0)
    return _mirror_upper(C, xp)


def _correlation(A, chunk_size, xp):
    Z = A - xp.mean(A, axis=0, keepdims=True)
    Z = Z / xp.sqrt(xp.sum(Z * Z, axis=0, keepdims=True))
    C = xp.clip(_gram_blocks(Z, chunk_size, xp), -1.0, 1.0)
    eye = xp.eye(C.shape[0], dtype=C.dtype, device=device_of(C))
    return C * (1.0 - eye) + eye


def _mutual_information(A, n_bins, chunk_size, xp):
    n, N = A.shape
    dev = device_of(A)
    if n >= 2 ** 24:
        raise ValueError("mutual_information supports at most 2**24 samples")
    A = xp.astype(A, xp.float64)
    lo, hi = xp.min(A, axis=0), xp.max(A, axis=0)
    idx = xp.astype(xp.floor((A - lo) / (hi - lo) * n_bins), xp.int64)
    idx = xp.clip(idx, 0, n_bins - 1)
    bins = xp.arange(n_bins, dtype=xp.int64, device=dev)
    onehot = xp.reshape(xp.astype(idx[:, :, None] == bins, xp.float32), (n, N * n_bins))
    p1 = xp.reshape(xp.sum(xp.astype(onehot, xp.float64), axis=0), (N, n_bins)) / n
    rows = []
    step = max(1, chunk_size // 4)
    for s in range(0, N, step):
        e = min(N, s + step)
        joint = xp.astype(xp.matrix_transpose(onehot[:, s * n_bins:e * n_bins]) @ onehot,
                          xp.float64) / n
        joint = xp.reshape(joint, (e - s, n_bins, N, n_bins))
        outer = p1[s:e, :, None, None] * p1[None, None, :, :]
        pos = joint > 0
        t = xp.where(pos, joint * xp.log(xp.where(pos, joint, 1.0) / xp.where(pos, outer, 1.0)),
                     0.0)
        rows.append(xp.sum(t, axis=(1, 3)))
    M = _mirror_upper(xp.concat(rows, axis=0), xp)
    return xp.maximum(M, 0.0)


def activation_connectome_xp(acts, xp, method, dead, dead_tol, chunk_size, n_bins, device,
                             return_alive, te_kwargs):
    """:func:`netneuro.ann.activation_connectome` for arrays of namespace ``xp``."""
    A = _stack(acts, xp)
    dev = device_of(A)
    on_cpu = "cpu" in str(dev).lower()
    if device == "gpu" and on_cpu:
        raise ValueError(f"device='gpu' but acts live on {dev}; move them to the GPU first "
                         "(e.g. acts.to('cuda')): arrays of another library are computed "
                         "where they are")
    n, N = A.shape
    if n < 2:
        raise ValueError(f"acts must have at least 2 samples (rows), got {n}")
    if not bool(xp.all(xp.isfinite(A))):
        raise ValueError("acts must be finite (no NaN or inf)")
    alive = (xp.max(A, axis=0) - xp.min(A, axis=0)) > dead_tol
    na = int(xp.sum(xp.astype(alive, xp.int64)))
    if na < N and dead == "raise":
        bad = int(xp.argmin(xp.astype(alive, xp.int32)))
        raise ValueError(f"acts has {N - na} dead (constant) units, e.g. unit {bad}; use "
                         "dead='zero' or dead='drop'")
    out_n = na if dead == "drop" else N
    item = 4 if A.dtype == xp.float32 else 8
    extra = 4.0 * n * na * n_bins if method == "mutual_information" else 0.0
    check_memory(item * (2.0 * out_n * out_n + 2.0 * n * na) + extra,
                 f"a {out_n} x {out_n} activation connectome from {n} samples",
                 hint="select fewer units or layers", limit=available_memory_xp(xp, dev))
    alive_idx = xp.nonzero(alive)[0] if na < N else None
    Aa = A if alive_idx is None else xp.take(A, alive_idx, axis=1)
    if na == 0:
        M = xp.zeros((0, 0), dtype=A.dtype, device=dev)
    elif method == "correlation":
        M = _correlation(Aa, chunk_size, xp)
    elif method == "mutual_information":
        M = _mutual_information(Aa, n_bins, chunk_size, xp)
    else:
        from .. import connectivity

        M = connectivity.transfer_entropy(Aa, **te_kwargs)
        M = xp.asarray(M, device=dev)  # no copy when it is already an array of xp
    if dead != "drop" and na < N:
        # gather the alive block into the full matrix: dead rows/columns index a zero pad
        pad = xp.concat([M, xp.zeros((na, 1), dtype=M.dtype, device=dev)], axis=1)
        pad = xp.concat([pad, xp.zeros((1, na + 1), dtype=M.dtype, device=dev)], axis=0)
        pos = xp.cumulative_sum(xp.astype(alive, xp.int64)) - 1
        where = xp.where(alive, pos, xp.full_like(pos, na))
        M = xp.take(xp.take(pad, where, axis=0), where, axis=1)
    if bool(xp.any(xp.isnan(M))):  # never silently
        raise FloatingPointError("activation_connectome produced NaN; please report this")
    return (M, alive) if return_alive else M
