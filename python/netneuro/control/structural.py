"""Structural (graph-theoretic) controllability: driver nodes, controllable subspace, boundary nodes.

These depend on the sparsity pattern (or the community structure) of ``A``,
not on its spectrum.
"""

from __future__ import annotations

import numpy as np

from .._validation import (
    check_array,
    check_choice,
    check_float,
    check_int,
    check_random_state,
    check_square,
)

__all__ = ["driver_nodes", "controllable_nodes", "boundary_controllability"]

# ---------------------------------------------------------------------------
# structural controllability


def _pattern(A, orientation, include_diagonal):
    A = check_square(A, "A")
    check_choice(orientation, "orientation", ("dynamics", "source_target"))
    P = A != 0
    if orientation == "source_target":
        P = P.T
    if not include_diagonal:
        P = P.copy()
        np.fill_diagonal(P, False)
    return P   # P[i, j]: edge j -> i


def driver_nodes(A, *, orientation: str = "dynamics", include_diagonal: bool = False) -> np.ndarray:
    """Minimum set of driver nodes by maximum matching (Liu, Slotine & Barabasi, Nature 2011).

    The network is the directed graph of the sparsity pattern of ``A``: with
    ``orientation="dynamics"`` (``x' = A x``) an edge ``j -> i`` wherever
    ``A[i, j] != 0``; with ``"source_target"`` (netneuro's graph convention) an
    edge ``i -> j`` wherever ``A[i, j] != 0``.  A maximum matching of the
    bipartite graph (out-copies -> in-copies; SciPy's Hopcroft-Karp
    ``maximum_bipartite_matching``) leaves the unmatched nodes, which must each
    receive an input; with a perfect matching one input (node 0 here) suffices.
    The count ``N_D = max(N - |matching|, 1)`` (the minimum number of independent
    input signals) is unique; the set is one of many.  As in Liu et al.
    (Methods), a matched cycle not reachable from any driver must also receive
    one of the existing signals; driving only the returned nodes, one node per
    signal, then controls fewer than ``N`` nodes (see :func:`controllable_nodes`).
    Self-loops are ignored unless ``include_diagonal`` (a self-loop on every node,
    e.g. the ``-I`` of a continuous normalisation, makes one driver enough).
    Returns the sorted indices of the driver nodes.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import maximum_bipartite_matching

    P = _pattern(A, orientation, include_diagonal)
    # rows = in-copies (targets i), columns = out-copies (sources j)
    match = maximum_bipartite_matching(csr_matrix(P.astype(np.int8)), perm_type="column")
    drivers = np.flatnonzero(match < 0)
    if drivers.size == 0:
        drivers = np.array([0])
    return drivers.astype(np.intp)


def controllable_nodes(A, inputs, *, orientation: str = "dynamics",
                       include_diagonal: bool = False, seed=0, n_trials: int = 3) -> int:
    """Generic dimension of the controllable subspace for inputs at the nodes ``inputs``.

    The structural (generic) rank of ``[B, AB, ..., A^{N-1} B]`` over all weights on
    the sparsity pattern of ``A`` (Lin 1974; Liu et al. 2011): the number of
    independently controllable nodes.  Computed numerically: random weights
    (uniform on [0.5, 1.5] with random signs, from ``seed``) on the pattern, an
    orthogonalised block Krylov (Arnoldi) iteration, rank by SVD with a relative
    tolerance; the maximum over ``n_trials`` draws.  Exact with probability one in
    exact arithmetic; reliable for small and medium graphs (N up to a few
    hundred).  ``inputs`` : sequence of node indices (or a boolean mask (N,)).
    """
    P = _pattern(A, orientation, include_diagonal)
    N = P.shape[0]
    idx = np.asarray(inputs)
    if idx.dtype == bool:
        if idx.shape != (N,):
            raise ValueError(f"inputs as a mask must have shape ({N},), got {idx.shape}")
        idx = np.flatnonzero(idx)
    if idx.ndim != 1 or (idx.size and not np.issubdtype(idx.dtype, np.integer)):
        raise TypeError("inputs must be a 1-D sequence of node indices or a boolean mask")
    if idx.size and (idx.min() < 0 or idx.max() >= N):
        raise ValueError(f"inputs must be node indices in [0, {N}), got {idx.tolist()}")
    idx = np.unique(idx)
    if idx.size == 0:
        return 0
    n_trials = check_int(n_trials, "n_trials", min_value=1)
    rng = check_random_state(seed)
    best = 0
    for _ in range(n_trials):
        W = np.where(P, rng.uniform(0.5, 1.5, P.shape) * rng.choice([-1.0, 1.0], P.shape), 0.0)
        best = max(best, _krylov_dim(W, idx))
        if best == N:
            break
    return best


def _krylov_dim(W, idx):
    N = W.shape[0]
    Q = np.zeros((N, 0))
    block = np.zeros((N, idx.size))
    block[idx, np.arange(idx.size)] = 1.0
    scale = max(1.0, np.abs(W).sum(axis=1).max())
    tol = 1e-9
    for _ in range(N):
        for _rep in range(2):  # re-orthogonalise against the basis so far
            block = block - Q @ (Q.T @ block)
        if block.shape[1] == 0:
            break
        U, s, _ = np.linalg.svd(block, full_matrices=False)
        keep = s > tol * max(1.0, s[0] if s.size else 0.0)
        if not keep.any():
            break
        new = U[:, keep]
        Q = np.hstack([Q, new])
        if Q.shape[1] >= N:
            break
        block = (W @ new) / scale
    return int(Q.shape[1])


# ---------------------------------------------------------------------------
# boundary controllability


def boundary_controllability(A, *, partition=None, rho: float = 0.5,
                             max_levels: int | None = None) -> np.ndarray:
    """Boundary controllability ranks (Gu et al., Nat Commun 6:8414, 2015).

    Nodes on the boundary between communities, found through a hierarchy of
    community partitions, are ranked by how early they appear in it:

    1. level 0 splits the network into communities: ``partition`` if given
       (integer labels (N,)), else Newman's leading-eigenvector bisection of the
       modularity matrix (PNAS 103:8577, 2006; deterministic, no seed);
    2. within the community being split, a node is a *boundary node* when its
       connection strength to the other part(s) is at least ``rho`` times its
       strength to its own part; boundary nodes of a level enter the control
       set in order of that ratio (largest first), before any node of a deeper
       level;
    3. every part with more than one node is bisected again (leading eigenvector
       of its generalised modularity matrix) and step 2 repeats, until no part
       can be split (or ``max_levels``); nodes never found on a boundary come
       last, ordered by their largest ratio seen.

    The value of a node is ``N - position`` in that order (higher = earlier =
    more of a boundary node), following the ranking output of the Bassett lab's
    ``bound_control.m``.  This is our re-implementation of the published
    procedure, not a port of that code (its ``boundaryDetection`` details are not
    reproduced); values depend on the partition.  A : (N, N) symmetric,
    non-negative weights.  Returns (N,) float.
    """
    A = check_square(A, "A")
    from .._validation import check_nonnegative, check_symmetric

    check_symmetric(A, "A")
    check_nonnegative(A, "A")
    rho = check_float(rho, "rho", min_value=0.0)
    N = A.shape[0]
    if max_levels is not None:
        max_levels = check_int(max_levels, "max_levels", min_value=1)
    W = A.copy()
    np.fill_diagonal(W, 0.0)
    if W.max() > 0:
        W = W / W.max()
    k = W.sum(axis=1)
    m2 = k.sum()
    order: list[int] = []
    placed = np.zeros(N, dtype=bool)
    best_ratio = np.zeros(N)

    def bisect(nodes):
        if nodes.size < 2 or m2 == 0:
            return None
        sub = W[np.ix_(nodes, nodes)]
        Bm = sub - np.outer(k[nodes], k[nodes]) / m2
        Bm = Bm - np.diag(Bm.sum(axis=1))
        w, v = np.linalg.eigh(Bm)
        if w[-1] <= 1e-12 * max(1.0, np.abs(w).max()):
            return None
        vec = v[:, -1]
        vec = vec if vec[np.argmax(np.abs(vec))] > 0 else -vec  # fixed sign
        lab = (vec > 0).astype(int)
        if lab.min() == lab.max():
            return None
        return lab

    def boundary(nodes, lab):
        sub = W[np.ix_(nodes, nodes)]
        same = lab[:, None] == lab[None, :]
        s_in = (sub * same).sum(axis=1)
        s_out = (sub * ~same).sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(s_in > 0, s_out / s_in, np.where(s_out > 0, np.inf, 0.0))
        return ratio

    # level 0
    all_nodes = np.arange(N)
    if partition is not None:
        lab0 = check_array(partition, "partition", ndim=1, dtype=None)
        if lab0.shape != (N,):
            raise ValueError(f"partition must have shape ({N},), got {lab0.shape}")
        _, lab0 = np.unique(lab0, return_inverse=True)
    else:
        lab0 = bisect(all_nodes)
    parts = [all_nodes] if lab0 is None else [all_nodes[lab0 == g] for g in np.unique(lab0)]
    if lab0 is not None:
        level_splits = [(all_nodes, lab0)]
    else:
        level_splits = []
    level = 0
    while level_splits and (max_levels is None or level < max_levels):
        found = []
        for nodes, lab in level_splits:
            ratio = boundary(nodes, lab)
            best_ratio[nodes] = np.maximum(best_ratio[nodes], np.where(np.isinf(ratio), 1e300,
                                                                       ratio))
            for i in np.flatnonzero(ratio >= rho):
                if not placed[nodes[i]] and ratio[i] > 0:
                    found.append((-ratio[i], nodes[i]))
        for _, node in sorted(found):
            placed[node] = True
            order.append(int(node))
        level += 1
        next_splits, next_parts = [], []
        for nodes in parts:
            lab = bisect(nodes)
            if lab is None:
                continue
            next_splits.append((nodes, lab))
            next_parts.extend([nodes[lab == 0], nodes[lab == 1]])
        level_splits = next_splits
        parts = next_parts
    rest = np.flatnonzero(~placed)
    rest = rest[np.lexsort((rest, -best_ratio[rest]))]
    order.extend(int(i) for i in rest)
    values = np.empty(N)
    values[np.array(order, dtype=np.intp)] = N - np.arange(N)
    return values
