"""bctpy-compatible names for the measures netneuro computes in its compiled core.

``from netneuro.compat import bct`` then ``bct.clustering_coef_wu(W)`` etc.:
same signatures and return conventions as bctpy (``import bct``) for the
functions below, results equal to rounding (see tests/test_graph_compat.py).
Only functions whose bctpy results we reproduce are offered; anything else
should be taken from bctpy itself.  Inputs go through netneuro's validation
(finite, non-negative, symmetric where the measure needs it), which bctpy
does not do.
"""

from __future__ import annotations

import numpy as np

from .. import _core, graph
from .._validation import check_random_state, seed_for_core

__all__ = [
    "clustering_coef_wu",
    "transitivity_wu",
    "strengths_und",
    "degrees_und",
    "efficiency_wei",
    "participation_coef",
    "threshold_absolute",
    "threshold_proportional",
    "community_louvain",
    "modularity_und",
    "randmio_und",
]


def clustering_coef_wu(W):
    """Onnela weighted clustering per node (bctpy ``clustering_coef_wu``)."""
    return graph.clustering(W)


def transitivity_wu(W):
    """Weighted transitivity (bctpy ``transitivity_wu``)."""
    return graph.transitivity(W)


def strengths_und(CIJ):
    """Node strengths (bctpy ``strengths_und``)."""
    return graph.strength(CIJ)


def degrees_und(CIJ):
    """Node degrees (bctpy ``degrees_und``, returned as float64)."""
    return graph.degree(CIJ)


def efficiency_wei(Gw, local=False):
    """Global (scalar) or local (per node, Wang et al. 2016) efficiency with lengths 1/w.

    ``local`` may be False/'global' or True/'local' as in bctpy; bctpy's
    ``'original'`` variant is not offered (ValueError).
    """
    if local in (False, "global"):
        return graph.global_efficiency(Gw)
    if local in (True, "local"):
        return graph.local_efficiency(Gw)
    raise ValueError(f"local must be True, False, 'local' or 'global', got {local!r}")


def participation_coef(W, ci, degree="undirected"):
    """Participation coefficient (bctpy ``participation_coef``); ``degree='in'`` uses W.T."""
    if degree not in ("undirected", "in", "out"):
        raise ValueError(f"degree must be 'undirected', 'in' or 'out', got {degree!r}")
    W = np.asarray(W)
    return graph.participation_coefficient(W.T if degree == "in" else W, ci)


def threshold_absolute(W, thr, copy=True):
    """Zero weights below ``thr`` and the diagonal; always returns a new array."""
    return graph.threshold_absolute(W, thr)


def threshold_proportional(W, p, copy=True):
    """Keep the proportion ``p`` of strongest weights; always returns a new array."""
    return graph.threshold_proportional(W, p)


def community_louvain(W, gamma=1, ci=None, B="modularity", seed=None):
    """Louvain communities ``(ci, Q)`` with 1-based labels as bctpy returns them.

    Only ``B='modularity'`` and ``ci=None`` are supported (ValueError otherwise).
    The partition comes from netneuro's Louvain (a different random stream
    from bctpy's: equal quality, not the same labels for a given seed).
    """
    if B != "modularity" or ci is not None:
        raise ValueError("only B='modularity' without an initial partition ci is supported")
    labels, q = graph.community_louvain(W, gamma=gamma, seed=seed)
    return labels + 1, q


def modularity_und(A, gamma=1, kci=None):
    """Modularity ``(kci, Q)`` of a given partition ``kci`` (bctpy ``modularity_und``).

    bctpy's spectral optimisation for ``kci=None`` is not offered (ValueError):
    use :func:`community_louvain`.
    """
    if kci is None:
        raise ValueError("kci (the partition) is required; use community_louvain to find one")
    return kci, graph.modularity(A, kci, gamma=gamma)


def randmio_und(R, itr, seed=None):
    """Maslov-Sneppen rewiring ``(R_random, n_swaps)`` with ``itr`` swaps per edge.

    Degrees preserved exactly, weights move with their edges.  Same model as
    bctpy's ``randmio_und`` (not the same random stream).
    """
    from ..generate import _MAX_TRIES, _undirected

    W = _undirected(R, "R")
    E = int(np.count_nonzero(np.triu(W, 1)))
    rng = check_random_state(seed)
    n = int(itr) * E
    eff = _core.graph.rewire_undirected(W, n, _MAX_TRIES * n, False,
                                        seed_for_core(rng))
    return W, int(eff)
