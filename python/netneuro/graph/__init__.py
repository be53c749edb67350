"""Graph metrics of weighted connectomes, community structure and small-worldness.

Matrices are dense ``(N, N)`` arrays; many functions also take a batch
``(S, N, N)`` (one matrix per subject) and then return one result per subject,
computed in the compiled core with threads across subjects.  A zero entry
means "no edge"; **the diagonal (self-loops) is ignored** everywhere (treated as
zero), as the Brain Connectivity Toolbox expects.  Directed matrices follow
the project convention ``W[i, j]`` = connection from ``i`` to ``j``.

Definitions follow the Brain Connectivity Toolbox (Rubinov & Sporns 2010,
NeuroImage 52:1059; Python port ``bctpy``), and results agree with ``bctpy``
to rounding on matrices with a zero diagonal (see tests/test_graph.py).
bctpy counts self-loops (e.g. the ones on a correlation matrix's diagonal:
``bct.participation_coef(np.ones((3, 3)), [1, 1, 2])`` is 4/9 per node, ours
1/2, 1/2, 0), sums columns where we sum rows (directed input to its ``_und``
functions) and computes with negative weights where we refuse them;
:mod:`netneuro.compat.bct` reproduces bctpy's answers for such input.

Weights are required to be finite and non-negative: a negative weight raises
``ValueError`` (only :func:`strength` has a signed variant, ``signed=True``).
Path-based measures convert weights to lengths with ``transform``:

* ``"inverse"`` (default): length = 1 / w (``bct.weight_conversion(W, 'lengths')``);
* ``"neglog"``: length = -log(w), for weights in (0, 1] (e.g. probabilities);
* ``None``: ``W`` already holds lengths (``bct.distance_wei`` input).

Unreachable pairs have infinite distance (see :func:`characteristic_path_length`
for how they are averaged).
"""

from __future__ import annotations

from ._checks import TRANSFORMS
from .communities import community_louvain, modularity, participation_coefficient, rich_club
from .coupling import structure_function_coupling
from .measures import (
    characteristic_path_length,
    clustering,
    communicability,
    degree,
    global_efficiency,
    local_efficiency,
    path_length_efficiency,
    shortest_path_lengths,
    strength,
    transitivity,
)
from .smallworld import NULLS, SmallWorldness, components, small_worldness
from .thresholds import threshold_absolute, threshold_mst_knn, threshold_proportional

__all__ = [
    "strength",
    "degree",
    "clustering",
    "transitivity",
    "communicability",
    "shortest_path_lengths",
    "characteristic_path_length",
    "global_efficiency",
    "path_length_efficiency",
    "local_efficiency",
    "modularity",
    "community_louvain",
    "participation_coefficient",
    "rich_club",
    "threshold_absolute",
    "threshold_proportional",
    "threshold_mst_knn",
    "small_worldness",
    "components",
    "NULLS",
    "SmallWorldness",
    "structure_function_coupling",
    "TRANSFORMS",
]
