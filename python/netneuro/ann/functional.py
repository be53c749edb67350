"""The functional connectome of units: dependence of their activations over a data set.

Pearson correlation by blocked BLAS products (or CuPy), plug-in mutual
information of binned activations by one-hot matrix products, and transfer
entropy through :mod:`netneuro.connectivity`; dead (constant) units are
zeroed, dropped or refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext

import numpy as np

from .._array_api import namespace
from .._parallel import check_n_jobs, limit_blas
from .._validation import check_choice, check_float, check_int, check_memory
from .activity import stack_activations


def _alive_mask(A: np.ndarray, dead_tol: float) -> np.ndarray:
    return (A.max(axis=0) - A.min(axis=0)) > dead_tol


def _chunks(n: int, size: int):
    return [(s, min(n, s + size)) for s in range(0, n, size)]


def _correlation_chunked(A, chunk_size, n_jobs, xp=np):
    """Pearson correlation of the columns of ``A`` (all non-constant), in blocks of columns.

    ``Z`` = centred columns scaled to unit norm; ``C = Z.T @ Z`` in one
    symmetric rank-k update (NumPy's syrk path) when ``N <= chunk_size``, else
    block row by block row (diagonal blocks by syrk, blocks right of the
    diagonal by gemm); the lower triangle is then copied from the upper one,
    so ``C`` is exactly symmetric.  Parallelism is the BLAS's own (``n_jobs``
    threads).
    """
    n, N = A.shape
    Z = A - A.mean(axis=0)
    Z /= xp.sqrt(xp.einsum("ij,ij->j", Z, Z))
    with limit_blas(n_jobs) if xp is np else nullcontext():
        if N <= chunk_size:
            C = Z.T @ Z
        else:
            C = xp.empty((N, N))
            for s, e in _chunks(N, chunk_size):
                Zb = xp.ascontiguousarray(Z[:, s:e])
                C[s:e, s:e] = Zb.T @ Zb
                if e < N:
                    C[s:e, e:] = Zb.T @ Z[:, e:]
    _mirror_upper(C, xp)
    xp.clip(C, -1.0, 1.0, out=C)
    C[xp.arange(N), xp.arange(N)] = 1.0
    return C


def _mirror_upper(C, xp=np, tile: int = 512) -> None:
    """Copy the upper triangle of square ``C`` onto its lower triangle, in place, tile by tile."""
    N = C.shape[0]
    for s, e in _chunks(N, tile):
        D = C[s:e, s:e]
        il = xp.tril_indices(e - s, -1)
        D[il] = D.T[il]
        if e < N:
            C[e:, s:e] = C[s:e, e:].T


def _mutual_information_binned(A, n_bins, chunk_size, n_jobs):
    """Plug-in MI (nats) between equal-width-binned columns, joint counts by matrix products."""
    n, N = A.shape
    lo, hi = A.min(axis=0), A.max(axis=0)
    idx = np.floor((A - lo) / (hi - lo) * n_bins).astype(np.int64)
    np.clip(idx, 0, n_bins - 1, out=idx)
    check_memory(4.0 * n * N * n_bins, f"a ({n}, {N * n_bins}) one-hot bin matrix",
                 hint="use fewer bins or units")
    onehot = np.zeros((n, N * n_bins), dtype=np.float32)  # counts <= n < 2**24: exact
    if n >= 2**24:
        raise ValueError("mutual_information supports at most 2**24 samples")
    onehot[np.arange(n)[:, None], np.arange(N) * n_bins + idx] = 1.0
    p1 = onehot.sum(axis=0, dtype=np.float64).reshape(N, n_bins) / n
    M = np.empty((N, N))
    blocks = _chunks(N, max(1, chunk_size // 4))

    def work(b):
        s, e = b
        joint = (onehot[:, s * n_bins:e * n_bins].T @ onehot).astype(np.float64) / n
        joint = joint.reshape(e - s, n_bins, N, n_bins)
        outer = p1[s:e, :, None, None] * p1[None, None, :, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(joint > 0, joint * np.log(joint / outer), 0.0)
        M[s:e] = t.sum(axis=(1, 3))

    with limit_blas(n_jobs):
        for b in blocks:
            work(b)
    _mirror_upper(M)  # exact symmetry (the two triangles come from different products)
    np.maximum(M, 0.0, out=M)
    return M


def activation_connectome(acts, method: str = "correlation", *, dead: str = "zero",
                          dead_tol: float = 0.0, chunk_size: int = 8192, n_bins: int = 8,
                          n_jobs=None, device: str = "cpu", return_alive: bool = False,
                          **te_kwargs):
    """The functional connectome of units from their activations over a data set.

    Parameters
    ----------
    acts : array (n_samples, n_units) or dict of such arrays (one per layer)
        Activations, samples in rows (as returned by :func:`activations`);
        a dict is concatenated in order (:func:`stack_activations`).
    method : {"correlation", "mutual_information", "transfer_entropy"}
        * ``"correlation"``: Pearson ``r``, computed as ``Z.T @ Z`` of the
          standardised activations in blocks of ``chunk_size`` units (BLAS
          syrk/gemm with ``n_jobs`` BLAS threads; CuPy on ``device="gpu"``).
          Equals ``np.corrcoef(acts.T)`` to rounding; the diagonal is 1.
        * ``"mutual_information"``: plug-in mutual information in nats
          between activations discretised into ``n_bins`` equal-width bins
          per unit (joint histograms of all pairs as products of one-hot
          matrices); the diagonal is each unit's binned entropy.
        * ``"transfer_entropy"``: :func:`netneuro.connectivity.transfer_entropy`
          with rows as time (meaningful for recurrent networks or sequential
          inputs only); ``te_kwargs`` (``estimator=``, ...) are passed on.
          ``M[i, j]`` = TE from unit ``i`` to unit ``j``.
    dead : {"zero", "drop", "raise"}
        Dead units (constant activation over the data set: ``max - min <=
        dead_tol``, e.g. ReLU units never active) have no defined correlation.
        ``"zero"`` (default): their rows and columns, diagonal included, are 0,
        so the matrix stays aligned with the units; ``"drop"``: they are left
        out (the result is over the alive units only); ``"raise"``: a
        ``ValueError``.  The result never contains NaN.
    dead_tol : float
        Activation range at or below which a unit counts as dead.
    return_alive : bool
        Also return the boolean mask of alive units ``(n_units,)``.

    device : {"cpu", "gpu", "auto"}
        For NumPy activations: "gpu" computes the correlation with CuPy.
        Activations of another library (torch tensors, CuPy arrays; one or a
        dict of them) are computed by that library where they live, and the
        result is in their namespace on their device
        (:mod:`netneuro.ann.array_api`; float32 stays float32).

    Returns
    -------
    ndarray (n_units, n_units) (or (n_alive, n_alive) with ``dead="drop"``),
    and the alive mask when ``return_alive``.
    """
    check_choice(method, "method", ("correlation", "mutual_information", "transfer_entropy"))
    check_choice(dead, "dead", ("zero", "drop", "raise"))
    dead_tol = check_float(dead_tol, "dead_tol", min_value=0.0)
    chunk_size = check_int(chunk_size, "chunk_size", min_value=1)
    n_bins = check_int(n_bins, "n_bins", min_value=2)
    n_jobs = check_n_jobs(n_jobs)
    check_choice(device, "device", ("cpu", "gpu", "auto"))
    xp, native = namespace(*(acts.values() if isinstance(acts, Mapping) else [acts]))
    if not native:  # torch, CuPy, ...: computed by that library on its device
        from .array_api import activation_connectome_xp

        return activation_connectome_xp(acts, xp, method, dead, dead_tol, chunk_size, n_bins,
                                        device, return_alive, te_kwargs)
    from .._backend import array_module, resolve_device, to_numpy

    dev = resolve_device(device, acts if not isinstance(acts, Mapping) else None)
    if dev == "gpu" and method != "correlation":
        raise ValueError("device='gpu' is supported for method='correlation' only")
    if dev == "gpu" and not isinstance(acts, Mapping):
        acts = to_numpy(acts)
    A, _, _ = stack_activations(acts)
    n, N = A.shape
    if n < 2:
        raise ValueError(f"acts must have at least 2 samples (rows), got {n}")
    alive = _alive_mask(A, dead_tol)
    if not alive.all():
        if dead == "raise":
            bad = np.flatnonzero(~alive)
            raise ValueError(f"acts has {bad.size} dead (constant) units, e.g. unit {bad[0]}; "
                             "use dead='zero' or dead='drop'")
    na = int(alive.sum())
    out_n = na if dead == "drop" else N
    check_memory(8.0 * (out_n * out_n + n * na), f"a {out_n} x {out_n} activation connectome "
                 f"from {n} samples", hint="select fewer units or layers")
    Aa = A[:, alive] if na < N else A
    if na == 0:
        M = np.zeros((0, 0))
    elif method == "correlation":
        if dev == "gpu":
            xp = array_module("gpu")
            M = to_numpy(_correlation_chunked(xp.asarray(Aa), chunk_size, 1, xp))
        else:
            M = _correlation_chunked(Aa, chunk_size, n_jobs)
    elif method == "mutual_information":
        M = _mutual_information_binned(Aa, n_bins, chunk_size, n_jobs)
    else:
        from .. import connectivity

        M = np.asarray(connectivity.transfer_entropy(Aa, n_jobs=n_jobs, **te_kwargs),
                       dtype=np.float64)
    if dead != "drop" and na < N:
        full = np.zeros((N, N))
        ia = np.flatnonzero(alive)
        full[np.ix_(ia, ia)] = M
        M = full
    if np.isnan(M).any():  # never silently
        raise FloatingPointError("activation_connectome produced NaN; please report this")
    return (M, alive) if return_alive else M
