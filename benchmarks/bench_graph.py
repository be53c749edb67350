"""Graph metrics: netneuro vs bctpy, networkx and SciPy on dense weighted graphs and cohorts.

Graphs: symmetric, 30 % density, weights uniform in (0, 1] scaled so the
largest is 1 (then networkx's weighted clustering equals Onnela's).
"Pipeline" = Onnela clustering + characteristic path length + global
efficiency (bctpy: clustering_coef_wu + distance_wei(weight_conversion(W,
'lengths')) + charpath).  Where a peer would take minutes, it is timed on a
subset (a few subjects of a cohort, or a few calls) and the time is scaled up
linearly; such rows say so in their label.
"""

from __future__ import annotations

import time

import numpy as np
from harness import Case

from netneuro import graph

try:
    import bct
except ImportError:  # pragma: no cover
    bct = None
try:
    import networkx as nx
except ImportError:  # pragma: no cover
    nx = None


def random_weighted(n, density=0.3, seed=0, n_subjects=None):
    rng = np.random.default_rng(seed)
    shape = (n, n) if n_subjects is None else (n_subjects, n, n)
    W = rng.random(shape) * (rng.random(shape) < density)
    W = np.triu(W, 1)
    W = W + np.swapaxes(W, -1, -2)
    return W / W.max(axis=(-2, -1), keepdims=True)


def _close(a, b):
    if isinstance(a, tuple):
        for x, y in zip(a, b):
            _close(x, y)
        return
    a = np.asarray(a)
    b = np.asarray(b)
    np.testing.assert_allclose(a[: len(b)] if a.ndim and b.ndim else a, b, rtol=1e-10, atol=1e-14)


class ScaledResults(dict):
    """Times of some labels are measured on 1/factor of the work and scaled up by factor."""

    def __init__(self, factors):
        super().__init__()
        self.factors = factors

    def __setitem__(self, key, value):
        super().__setitem__(key, value * self.factors.get(key, 1.0))


# ---- bctpy pipelines ---------------------------------------------------------------


def bct_pipeline(W):
    C = bct.clustering_coef_wu(W)
    D = bct.distance_wei(bct.weight_conversion(W, "lengths"))[0]
    lam, eff, *_ = bct.charpath(D)
    return C, lam, eff


def bct_cohort(Ws):
    out = [bct_pipeline(W) for W in Ws]
    return (np.stack([o[0] for o in out]), np.array([o[1] for o in out]),
            np.array([o[2] for o in out]))


def nn_pipeline(W, n_jobs):
    C = graph.clustering(W, n_jobs=n_jobs)
    lam, eff = graph.path_length_efficiency(W, n_jobs=n_jobs)
    return C, lam, eff


def nx_graph(W, lengths=False):
    G = nx.from_numpy_array(W)
    if lengths:
        for _, _, d in G.edges(data=True):
            d["length"] = 1.0 / d["weight"]
    return G


def nx_distances(W):
    G = nx_graph(W, lengths=True)
    n = W.shape[0]
    D = np.full((n, n), np.inf)
    for i, dist in nx.all_pairs_dijkstra_path_length(G, weight="length"):
        for j, d in dist.items():
            D[i, j] = d
    return D


def nx_clustering(W):
    c = nx.clustering(nx_graph(W), weight="weight")
    return np.array([c[i] for i in range(W.shape[0])])


def scipy_distances(W):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    L = np.zeros_like(W)
    L[W > 0] = 1.0 / W[W > 0]
    return dijkstra(csr_matrix(L), directed=False)


def cases(quick):
    out = []
    n_small = 100 if quick else 400
    W = random_weighted(n_small, seed=1)

    # --- the Must: pipeline at 400 nodes -------------------------------------------
    impls = {
        "netneuro (2 threads)": lambda: nn_pipeline(W, 2),
        "netneuro (1 thread)": lambda: nn_pipeline(W, 1),
    }
    if bct is not None:
        impls["bctpy"] = lambda: bct_pipeline(W)
    out.append(Case(f"clustering + path length + efficiency, {n_small} nodes", impls,
                    check=_close, repeat=3))

    # --- single measures at 400 nodes ----------------------------------------------
    impls = {"netneuro (2 threads)": lambda: graph.clustering(W, n_jobs=2)}
    if bct is not None:
        impls["bctpy clustering_coef_wu"] = lambda: bct.clustering_coef_wu(W)
    if nx is not None:
        impls["networkx clustering(weight)"] = lambda: nx_clustering(W)
    out.append(Case(f"Onnela clustering, {n_small} nodes", impls, check=_close, repeat=3))

    impls = {"netneuro (2 threads)": lambda: graph.shortest_path_lengths(W, n_jobs=2),
             "scipy csgraph.dijkstra": lambda: scipy_distances(W)}
    if bct is not None:
        impls["bctpy distance_wei"] = lambda: bct.distance_wei(
            bct.weight_conversion(W, "lengths"))[0]
    if nx is not None:
        impls["networkx all_pairs_dijkstra"] = lambda: nx_distances(W)
    out.append(Case(f"all-pairs weighted shortest paths, {n_small} nodes", impls, check=_close,
                    repeat=3))

    impls = {"netneuro (2 threads)": lambda: graph.global_efficiency(W, n_jobs=2)}
    if bct is not None:
        impls["bctpy efficiency_wei"] = lambda: bct.efficiency_wei(W)
    out.append(Case(f"global efficiency, {n_small} nodes", impls, check=_close, repeat=3))

    n_loc = 60 if quick else 150
    Wl = random_weighted(n_loc, seed=3)
    impls = {"netneuro (2 threads)": lambda: graph.local_efficiency(Wl, n_jobs=2)}
    if bct is not None:
        impls["bctpy efficiency_wei(local=True)"] = lambda: bct.efficiency_wei(Wl, local=True)
    out.append(Case(f"local efficiency, {n_loc} nodes", impls, check=_close, repeat=1))

    # --- 2000 nodes ------------------------------------------------------------------
    if not quick:
        W2 = random_weighted(2000, seed=2)
        impls = {"netneuro (2 threads)": lambda: graph.clustering(W2, n_jobs=2)}
        if bct is not None:
            impls["bctpy clustering_coef_wu"] = lambda: bct.clustering_coef_wu(W2)
        out.append(Case("Onnela clustering, 2000 nodes", impls, check=_close, repeat=3))
        out.append(Case(
            "all-pairs weighted shortest paths, 2000 nodes",
            {"netneuro (2 threads)": lambda: graph.shortest_path_lengths(W2, n_jobs=2),
             "scipy csgraph.dijkstra": lambda: scipy_distances(W2)},
            check=_close, repeat=1,
            note="bctpy/networkx not run: minutes to hours, see results_graph.md"))
        out.append(Case(
            "path length + efficiency, 2000 nodes",
            {"netneuro (2 threads)": lambda: graph.path_length_efficiency(W2, n_jobs=2),
             "netneuro (1 thread)": lambda: graph.path_length_efficiency(W2, n_jobs=1)},
            repeat=1))

    # --- cohort ----------------------------------------------------------------------
    S, n = (50, 60) if quick else (1000, 100)
    k = 5 if quick else 20  # bctpy subjects actually run
    Ws = random_weighted(n, seed=4, n_subjects=S)
    label_b = f"bctpy ({k} subjects timed, x{S // k})"
    impls = {
        "netneuro (2 threads)": lambda: nn_pipeline(Ws, 2),
        "netneuro (1 thread)": lambda: nn_pipeline(Ws, 1),
    }
    if bct is not None:
        impls[label_b] = lambda: bct_cohort(Ws[:k])
    case = Case(f"pipeline on a cohort of {S} subjects x {n} nodes", impls, check=_close,
                repeat=1)
    case.results = ScaledResults({label_b: S / k})
    out.append(case)

    if not quick:
        S4, k4 = 1000, 3
        W4 = random_weighted(400, seed=5, n_subjects=S4)
        label_b4 = f"bctpy ({k4} subjects timed, x{S4 // k4})"
        impls = {"netneuro (2 threads)": lambda: nn_pipeline(W4, 2)}
        if bct is not None:
            impls[label_b4] = lambda: bct_cohort(W4[:k4])
        case = Case(f"pipeline on a cohort of {S4} subjects x 400 nodes", impls, check=_close,
                    repeat=1)
        case.results = ScaledResults({label_b4: S4 / k4})
        out.append(case)
    return out


if __name__ == "__main__":  # quick manual check
    t = time.perf_counter()
    for c in cases(True):
        print(c.name, list(c.impls))
    print(time.perf_counter() - t)
