"""Pairwise distances between points (rows), computed in the compiled core.

Used by :mod:`netneuro.topology` for point clouds and available on its own.
"""

from __future__ import annotations

import numpy as np

from . import _core
from ._parallel import check_n_jobs
from ._validation import (
    check_array,
    check_choice,
    check_float,
    check_memory,
)

METRICS = ("euclidean", "sqeuclidean", "cityblock", "manhattan", "chebyshev", "minkowski",
           "cosine")

__all__ = ["pairwise_distances", "METRICS"]


def pairwise_distances(X, Y=None, *, metric: str = "euclidean", p: float = 2.0,
                       n_jobs=None) -> np.ndarray:
    """Distances between the rows of ``X`` ``(n, d)`` (and ``Y`` ``(m, d)``).

    Returns ``(n, n)`` (symmetric, zero diagonal) or ``(n, m)``, float64, in the
    units of the coordinates.  Agrees with :func:`scipy.spatial.distance.cdist`
    to rounding (coordinates are differenced directly, never via
    ``|x|^2 + |y|^2 - 2 x.y``).  ``p`` is the Minkowski order (``>= 1``).
    """
    check_choice(metric, "metric", METRICS)
    p = check_float(p, "p", min_value=1.0)
    n_jobs = check_n_jobs(n_jobs)
    X = check_array(X, "X", ndim=2)
    if Y is None:
        check_memory(8.0 * X.shape[0] ** 2, f"a {X.shape[0]} x {X.shape[0]} distance matrix",
                     hint="use fewer points")
        return _core.pairwise_distances(X, metric, p, n_jobs)
    Y = check_array(Y, "Y", ndim=2)
    if Y.shape[1] != X.shape[1]:
        raise ValueError(
            f"X and Y must have the same number of columns, got {X.shape[1]} and {Y.shape[1]}"
        )
    check_memory(8.0 * X.shape[0] * Y.shape[0],
                 f"a {X.shape[0]} x {Y.shape[0]} distance matrix", hint="use fewer points")
    return _core.cross_distances(X, Y, metric, p, n_jobs)
