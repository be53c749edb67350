"""Energy landscapes of Ising models: local minima, basins, barriers, disconnectivity graph.

Ezaki et al. 2017 (Phil. Trans. R. Soc. A 375:20160287); Watanabe et al. 2014.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._parallel import single_threaded_blas
from .._validation import check_memory
from .model import IsingModel, _check_exact_n, _core_maxent

__all__ = ["EnergyLandscape", "energy_landscape"]

# ---------------------------------------------------------------------------
# energy landscape


@dataclass(repr=False)
class EnergyLandscape:
    """Energy landscape of an Ising model on the single-flip graph (Ezaki et al. 2017).

    Attributes (k local minima, sorted by energy; ``2^N`` states in index order):

    ``energies`` (2^N,) in the model's coding; ``minima`` (k,) state indices;
    ``minima_states`` (k, N) int8 in the model's coding; ``minima_energies`` (k,);
    ``basin`` (2^N,) number (0..k-1) of the minimum reached by steepest descent
    (move to the lowest neighbour while it is strictly lower; ties to the
    smallest index); ``basin_size`` (k,) states per basin;
    ``basin_probability`` (k,) model probability per basin;
    ``saddle`` (k, k) energy of the lowest saddle between minima (the minimax
    energy over single-flip paths; diagonal = minimum energies);
    ``barrier`` (k, k) ``saddle[a, b] - minima_energies[a]``, the height to
    climb from minimum ``a`` to reach ``b``;
    ``merges`` (k-1, 4): the disconnectivity graph as a linkage, rows
    ``(cluster_a, cluster_b, saddle_energy, saddle_state)`` where clusters
    ``0..k-1`` are the minima and merge ``m`` creates cluster ``k + m``.
    """

    n_units: int
    spins: str
    energies: np.ndarray
    minima: np.ndarray
    minima_states: np.ndarray
    minima_energies: np.ndarray
    basin: np.ndarray
    basin_size: np.ndarray
    basin_probability: np.ndarray
    saddle: np.ndarray
    barrier: np.ndarray
    merges: np.ndarray

    @property
    def n_minima(self) -> int:
        return int(self.minima.size)

    def __repr__(self) -> str:
        return (f"EnergyLandscape(n_units={self.n_units}, n_minima={self.n_minima}, "
                f"minima_energies={np.array2string(self.minima_energies, precision=3)})")

    def plot(self, ax=None, *, labels=None):
        """Disconnectivity graph (matplotlib; optional dependency). Returns the axes.

        Drawn by :func:`netneuro.plotting.plot_energy_landscape`'s implementation;
        ``labels`` (k,) name the minima (default: their activity patterns, drawn as a
        grid under the tree for up to 20 units).
        """
        from .. import plotting

        return plotting._disconnectivity(plotting._axes(ax), self.minima_energies,
                                         self.merges, self.minima_states, labels=labels)


@single_threaded_blas
def energy_landscape(model: IsingModel, *, n_jobs=None) -> EnergyLandscape:
    """Local minima, basins and barriers of ``model`` over all ``2^N`` states (N <= 25).

    Local minimum: a state with no strictly lower single-flip neighbour.
    Barriers come from the order in which sublevel sets join (a minimum
    spanning tree argument): the lowest saddle between two minima is the
    highest state on the best single-flip path between them.
    """
    if not isinstance(model, IsingModel):
        raise TypeError(f"model must be an IsingModel, got {type(model).__name__}")
    n = model.n_units
    _check_exact_n(n, "energy_landscape")
    check_memory(8.0 * 8 * 2 ** n, f"an energy landscape of {n} units")
    jobs = model._jobs(n_jobs)
    E = model.state_energies(jobs)
    _, basin_min, minima, merges_raw = _core_maxent.landscape(E, n, jobs)
    k = minima.size
    pos = {int(m): i for i, m in enumerate(minima)}
    lookup = np.full(E.size, -1, dtype=np.int64)
    lookup[minima] = np.arange(k)
    basin = lookup[basin_min]
    p = np.exp(-(E - E.min()))
    p /= p.sum()
    basin_size = np.bincount(basin, minlength=k)
    basin_prob = np.bincount(basin, weights=p, minlength=k)
    emin = E[minima]
    saddle = np.diag(emin).astype(np.float64)
    cluster_of = list(range(k))
    members = {i: [i] for i in range(k)}
    merges = np.zeros((max(0, k - 1), 4))
    for m, (s_state, ma, mb) in enumerate(merges_raw):
        a, b = pos[int(ma)], pos[int(mb)]
        ca, cb = cluster_of[a], cluster_of[b]
        e = E[s_state]
        ia, ib = members[ca], members[cb]
        saddle[np.ix_(ia, ib)] = e
        saddle[np.ix_(ib, ia)] = e
        new = k + m
        members[new] = ia + ib
        for i in members[new]:
            cluster_of[i] = new
        merges[m] = (ca, cb, e, s_state)
    barrier = saddle - emin[:, None]
    mstates = ((minima[:, None] >> np.arange(n)) & 1).astype(np.int8)
    if model.spins == "pm1":
        mstates = (2 * mstates - 1).astype(np.int8)
    return EnergyLandscape(n, model.spins, E, minima, mstates, emin, basin, basin_size,
                           basin_prob, saddle, barrier, merges)

