"""Pairwise distances of point clouds: netneuro vs SciPy's pdist/cdist."""

import numpy as np
from harness import Case
from scipy.spatial.distance import cdist, pdist, squareform

from netneuro.distance import pairwise_distances


def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def cases(quick):
    rng = np.random.default_rng(0)
    out = []
    for n, d in ([(500, 3)] if quick else [(2000, 3), (4000, 16)]):
        X = rng.normal(size=(n, d))
        out.append(Case(
            f"euclidean distances {n} x {d}",
            {
                "netneuro (1 thread)": lambda X=X: pairwise_distances(X, n_jobs=1),
                "netneuro (2 threads)": lambda X=X: pairwise_distances(X, n_jobs=2),
                "scipy squareform(pdist)": lambda X=X: squareform(pdist(X)),
                "scipy cdist": lambda X=X: cdist(X, X),
            },
            check=_close,
        ))
    return out
