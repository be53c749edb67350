"""Input checks and weight-to-length transforms shared by the graph measures."""

from __future__ import annotations

import numpy as np

from .._validation import (
    check_square,
    check_symmetric,
)

TRANSFORMS = ("inverse", "neglog", None)
_TRANSFORM_CODE = {None: 0, "inverse": 1, "neglog": 2}


# ---------------------------------------------------------------------------
# validation helpers


def _graph(W, name="W", *, batch=True, symmetric=False, signed=False, min_nodes=1,
           copy=False):
    """Validated float64 array with a zero diagonal: (N, N) or (S, N, N).

    The input is copied only when its diagonal must be cleared, it is not
    float64 C-contiguous, or ``copy`` is set (callers that modify it).
    """
    W = check_square(W, name, batch=batch)
    if W.shape[-1] < min_nodes:
        raise ValueError(f"{name} must have at least {min_nodes} nodes, got shape {W.shape}")
    if not signed and W.size and W.min() < 0:
        raise ValueError(
            f"{name} must be non-negative; found {W.min()} (negative weights are only "
            "accepted where a signed variant is offered, e.g. strength(W, signed=True))"
        )
    if symmetric:
        check_symmetric(W, name)
    idx = np.arange(W.shape[-1])
    if copy or np.any(W[..., idx, idx] != 0):
        W = W.copy()
        W[..., idx, idx] = 0.0
    return W


def _stack(W):
    """(N, N) -> (1, N, N) view and a flag to squeeze the result back."""
    if W.ndim == 2:
        return W[None], True
    return W, False


def _transform(transform, W, name="W"):
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {TRANSFORMS}, got {transform!r}")
    if transform == "neglog" and W.size and W.max() > 1.0:
        raise ValueError(
            f"transform='neglog' needs weights in (0, 1] (length = -log w >= 0); "
            f"{name} has a maximum of {W.max()}"
        )
    return _TRANSFORM_CODE[transform]


def _partition(partition, n, name="partition"):
    arr = np.asarray(partition)
    if arr.ndim != 1 or arr.shape[0] != n:
        raise ValueError(f"{name} must be a 1-D array of {n} community labels, got shape {arr.shape}")
    if arr.dtype.kind not in "iub":
        if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{name} must hold integer community labels, got dtype {arr.dtype}")
    _, inv = np.unique(arr, return_inverse=True)
    return inv.astype(np.int64)


