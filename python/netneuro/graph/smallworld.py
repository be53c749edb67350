"""Small-worldness (sigma, omega) against random and lattice nulls."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._parallel import check_n_jobs
from .._validation import (
    check_choice,
    check_int,
    check_random_state,
    seed_for_core,
)
from ._checks import _graph
from .measures import characteristic_path_length, clustering

# ---------------------------------------------------------------------------
# small-worldness


@dataclass
class SmallWorldness:
    """Small-worldness of a graph against seeded null models.

    ``value`` is sigma or omega; ``clustering`` / ``path_length`` are the mean
    Onnela clustering and the characteristic path length (reachable pairs) of
    the graph; the ``*_random`` / ``*_lattice`` fields are means over nulls.
    """

    method: str
    value: float
    clustering: float
    path_length: float
    clustering_random: float
    path_length_random: float
    clustering_lattice: float
    n_null: int

    def __float__(self) -> float:
        return float(self.value)


def small_worldness(W, *, method: str = "sigma", n_null: int = 10, n_iter: int = 10,
                    null: str = "degree", seed=None, n_jobs=None) -> SmallWorldness:
    """Small-world index sigma (Humphries & Gurney 2008) or omega (Telesford et al. 2011).

    ``sigma = (C / C_rand) / (L / L_rand)`` and ``omega = L_rand / L - C / C_latt``,
    where ``C`` is the mean Onnela clustering (:func:`clustering`; the usual
    binary clustering for binary graphs), ``L`` the characteristic path length
    over reachable pairs (lengths 1/w; hop counts for binary graphs), and the
    ``rand`` / ``latt`` values are means over ``n_null`` null models:

    * random nulls: :func:`netneuro.generate.randomize_degree_preserving`
      (Maslov-Sneppen, ``null="degree"``: degrees exact, weights move with
      their edges) or :func:`netneuro.generate.randomize_strength_preserving`
      (``null="strength"``);
    * lattice nulls (omega): :func:`netneuro.generate.lattice_null`.

    ``n_iter`` rewiring attempts per edge.  Nulls are drawn from ``seed``
    (same seed, same result for any ``n_jobs``); their metrics are computed in
    one batched core call.  sigma > 1 and omega near 0 indicate small-world
    organisation.  Returns a :class:`SmallWorldness` (``float(result)`` is the index).
    """
    from .. import generate

    check_choice(method, "method", ("sigma", "omega"))
    check_choice(null, "null", ("degree", "strength"))
    n_null = check_int(n_null, "n_null", min_value=1)
    n_iter = check_int(n_iter, "n_iter", min_value=1)
    n_jobs = check_n_jobs(n_jobs)
    W = _graph(W, batch=False, symmetric=True, min_nodes=4)
    rng = check_random_state(seed)
    seeds = seed_for_core(rng, size=(2, n_null))
    rand_fn = (generate.randomize_degree_preserving if null == "degree"
               else generate.randomize_strength_preserving)
    R = np.stack([rand_fn(W, n_iter=n_iter, seed=int(s)) for s in seeds[0]])
    C = float(clustering(W).mean())
    L = characteristic_path_length(W, include_infinite=False)
    Cr = float(clustering(R, n_jobs=n_jobs).mean())
    Lr = float(np.mean(characteristic_path_length(R, include_infinite=False, n_jobs=n_jobs)))
    Cl = float("nan")
    if method == "sigma":
        value = (C / Cr) / (L / Lr)
    else:
        Lat = np.stack([generate.lattice_null(W, n_iter=n_iter, seed=int(s)) for s in seeds[1]])
        Cl = float(clustering(Lat, n_jobs=n_jobs).mean())
        value = Lr / L - C / Cl
    return SmallWorldness(method, float(value), C, float(L), Cr, Lr, Cl, n_null)


