"""Small-worldness (sigma, omega) against random and lattice nulls."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._parallel import check_n_jobs
from .._validation import (
    check_bool,
    check_choice,
    check_int,
    check_random_state,
    seed_for_core,
)
from ._checks import _graph
from .measures import characteristic_path_length, clustering

NULLS = ("degree", "strength", "erdos_renyi")

# ---------------------------------------------------------------------------
# small-worldness


@dataclass
class SmallWorldness:
    """Small-worldness of a graph against seeded null models.

    ``value`` is sigma or omega; ``clustering`` / ``path_length`` are the mean
    Onnela clustering (of the graph divided by its largest weight if that
    exceeds 1) and the
    characteristic path length (reachable pairs) of the graph; the
    ``*_random`` / ``*_lattice`` fields are means over nulls.  ``null`` names
    the random null; ``n_nodes`` is the number of nodes the index was computed
    on (the giant component's with ``giant_component=True``);
    ``n_components`` and ``giant_fraction`` (share of the nodes in the
    largest connected component) describe how fragmented the input graph is
    (isolated nodes count as components).
    """

    method: str
    value: float
    clustering: float
    path_length: float
    clustering_random: float
    path_length_random: float
    clustering_lattice: float
    n_null: int
    null: str = "degree"
    n_nodes: int = 0
    n_components: int = 1
    giant_fraction: float = 1.0

    def __float__(self) -> float:
        return float(self.value)


def components(W):
    """Connected components of an undirected graph.

    ``W`` symmetric non-negative ``(N, N)`` -> ``(n_components, labels)`` with
    ``labels`` ``(N,)`` int64 component indices (``0`` is the largest
    component; ties keep the order of first appearance).  An isolated node is
    a component of its own (``networkx.connected_components``).
    """
    W = _graph(W, batch=False, symmetric=True)
    from scipy.sparse.csgraph import connected_components  # on first use

    n, lab = connected_components(W != 0, directed=False)
    size = np.bincount(lab, minlength=n)
    order = np.argsort(-size, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    return int(n), rank[lab]


def _erdos_renyi_null(W, seed):
    """G(n, m) with the same number of edges; the graph's weights shuffled onto them."""
    from .. import generate

    n = W.shape[0]
    iu = np.triu_indices(n, 1)
    w = W[iu]
    w = w[w != 0]
    rng = np.random.default_rng(seed)
    A = generate.erdos_renyi(n, m=int(w.size), seed=rng)
    R = np.zeros_like(W)
    on = A[iu] != 0
    R[iu[0][on], iu[1][on]] = rng.permutation(w)
    return R + R.T


def small_worldness(W, *, method: str = "sigma", n_null: int = 10, n_iter: int = 10,
                    null: str = "degree", giant_component: bool = False, seed=None,
                    n_jobs=None) -> SmallWorldness:
    """Small-world index sigma (Humphries & Gurney 2008) or omega (Telesford et al. 2011).

    ``sigma = (C / C_rand) / (L / L_rand)`` and ``omega = L_rand / L - C / C_latt``,
    where ``C`` is the mean Onnela clustering (:func:`clustering` of ``W``
    divided by its largest weight; the usual binary clustering for binary
    graphs), ``L`` the characteristic path length over reachable pairs
    (lengths 1/w; hop counts for binary graphs), and the ``rand`` / ``latt``
    values are means over ``n_null`` null models.  When ``W`` has weights
    above 1 (e.g. streamline counts), clustering is computed on each matrix
    divided by its largest weight: every null keeps the weights, so this
    leaves sigma and omega unchanged and keeps the reported clustering in
    ``[0, 1]``.

    Parameters
    ----------
    W : array_like, shape (N, N)
        Symmetric non-negative weights (binary or weighted), ``N >= 4``.
    method : {"sigma", "omega"}
        The index.
    n_null : int
        Number of random (and, for omega, lattice) nulls.
    n_iter : int
        Rewiring attempts per edge for the rewiring nulls.
    null : {"degree", "strength", "erdos_renyi"}
        Random null: ``"degree"`` (Maslov-Sneppen,
        :func:`netneuro.generate.randomize_degree_preserving`: degrees exact,
        weights move with their edges), ``"strength"``
        (:func:`netneuro.generate.randomize_strength_preserving`) or
        ``"erdos_renyi"`` (G(n, m) with the same number of nodes and edges,
        :func:`netneuro.generate.erdos_renyi`, the graph's weights shuffled
        onto the new edges; the null of Watts & Strogatz 1998 and Humphries &
        Gurney 2008).  The two kinds of null can give quite different
        sigma: state which one a number was computed with.
    giant_component : bool
        Compute on the largest connected component only (Humphries & Gurney's
        convention for fragmented graphs).  Otherwise path lengths average
        over reachable pairs; see ``n_components`` / ``giant_fraction`` of the
        result for how fragmented the graph is.
    seed : int, Generator or None
        Nulls are drawn from it (same seed, same result for any ``n_jobs``).
    n_jobs : int or None
        Threads for the batched metrics of the nulls.

    Returns
    -------
    SmallWorldness
        ``float(result)`` is the index; sigma > 1 and omega near 0 indicate
        small-world organisation.  Lattice nulls (omega) are
        :func:`netneuro.generate.lattice_null`.
    """
    from .. import generate

    check_choice(method, "method", ("sigma", "omega"))
    check_choice(null, "null", NULLS)
    n_null = check_int(n_null, "n_null", min_value=1)
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    giant_component = check_bool(giant_component, "giant_component")
    n_jobs = check_n_jobs(n_jobs)
    W = _graph(W, batch=False, symmetric=True, min_nodes=4)
    n_comp, labels = components(W)
    giant = labels == 0
    giant_fraction = float(giant.mean())
    if giant_component and n_comp > 1:
        W = W[np.ix_(giant, giant)]
        if W.shape[0] < 4:
            raise ValueError(f"the giant component of W has {W.shape[0]} nodes; "
                             "small_worldness needs at least 4")
    unit = not (W.size and W.max() > 1.0)  # Onnela clustering needs weights in [0, 1]
    rng = check_random_state(seed)
    seeds = seed_for_core(rng, size=(2, n_null))
    if null == "erdos_renyi":
        rand_fn = _erdos_renyi_null
    else:
        fn = (generate.randomize_degree_preserving if null == "degree"
              else generate.randomize_strength_preserving)

        def rand_fn(W, seed):
            return fn(W, n_iter=n_iter, seed=seed)
    R = np.stack([rand_fn(W, seed=int(s)) for s in seeds[0]])
    C = float(clustering(W, normalize=not unit).mean())
    L = characteristic_path_length(W, include_infinite=False)
    Cr = float(clustering(R, normalize=not unit, n_jobs=n_jobs).mean())
    Lr = float(np.mean(characteristic_path_length(R, include_infinite=False, n_jobs=n_jobs)))
    Cl = float("nan")
    if method == "sigma":
        value = (C / Cr) / (L / Lr)
    else:
        Lat = np.stack([generate.lattice_null(W, n_iter=n_iter, seed=int(s)) for s in seeds[1]])
        Cl = float(clustering(Lat, normalize=not unit, n_jobs=n_jobs).mean())
        value = Lr / L - C / Cl
    return SmallWorldness(method, float(value), C, float(L), Cr, Lr, Cl, n_null, null,
                          int(W.shape[0]), n_comp, giant_fraction)
