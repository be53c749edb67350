"""Ready-made pipeline steps, so that a typical study is a few lines.

A :class:`Pipeline` is a list of steps; calling it on one subject's time series
``(n_timepoints, n_regions)`` runs the steps in order and returns a dict
``{step name: {result name: value}}`` that :func:`netneuro.cohort.run` stores.
Each step sees the subject's time series and a shared ``state`` dict in which
:class:`FunctionalConnectome` leaves the connectome (``state["connectome"]``)
for the steps after it.  Steps and pipelines are plain picklable objects, so
they run in worker processes and on Dask clusters.

::

    from netneuro import cohort, pipelines
    pipe = pipelines.standard_pipeline(density=0.15, seed=0)
    cohort.run(pipe, {"sub-01": ts1, "sub-02": ts2}, store="results", n_jobs=-1)

The steps call :mod:`netneuro.connectivity`, :mod:`netneuro.graph`,
:mod:`netneuro.topology`, :mod:`netneuro.control` and :mod:`netneuro.maxent`
(imported when a step first runs).
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validation import (
    check_choice,
    check_float,
    check_int,
    check_timeseries,
    constant_columns,
)

__all__ = [
    "Pipeline", "Step", "FunctionalConnectome", "GraphMetrics", "Persistence",
    "Controllability", "MaxEnt", "standard_pipeline", "STANDARD_STEPS",
]

STANDARD_STEPS = ("connectome", "graph", "persistence", "control", "maxent")


class Step:
    """Base class: ``step(ts, state) -> dict`` of named results.

    Subclasses set ``name`` and implement ``__call__``; ``describe()`` (used by
    the cohort store to recognise the pipeline that wrote it) lists the
    parameters.
    """

    name = "step"

    def params(self) -> dict:
        return {k: v for k, v in vars(self).items() if not k.startswith("_")}

    def describe(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in sorted(self.params().items()))
        return f"{type(self).__name__}({args})"

    __repr__ = describe

    def __call__(self, ts, state):  # pragma: no cover - abstract
        raise NotImplementedError


def _connectome(ts, state):
    if "connectome" not in state:
        from . import connectivity

        state["connectome"] = np.asarray(connectivity.correlation(ts), dtype=np.float64)
    return state["connectome"]


def _undirected_positive(W):
    """Non-negative weights, zero diagonal, symmetrised (for graph metrics / control)."""
    A = np.clip(np.asarray(W, dtype=np.float64), 0.0, None)
    A = 0.5 * (A + A.T)
    np.fill_diagonal(A, 0.0)
    return A


class FunctionalConnectome(Step):
    """Connectivity matrix of the time series (``state["connectome"]`` for later steps).

    ``method``: ``"correlation"`` (Pearson), ``"partial_correlation"``
    (Ledoit-Wolf shrinkage) or ``"transfer_entropy"`` (directed;
    ``M[i, j]`` = source i -> target j).  Results: ``matrix`` (N, N),
    ``connectivity_strength`` (scalar, :func:`netneuro.connectivity.connectivity_strength`)
    and ``n_constant_regions``: regions with a constant signal (e.g. outside the
    field of view) get zero connectivity (1 on the diagonal of correlations)
    instead of NaN.
    """

    name = "connectome"

    def __init__(self, method: str = "correlation", te_estimator: str = "gaussian"):
        self.method = check_choice(method, "method",
                                   ("correlation", "partial_correlation", "transfer_entropy"))
        self.te_estimator = te_estimator

    def __call__(self, ts, state):
        from . import connectivity

        n = ts.shape[1]
        live = np.ones(n, dtype=bool)  # constant regions (e.g. outside the field of view): out
        live[constant_columns(ts)] = False
        if live.sum() < 2:
            raise ValueError(f"the time series has {int(live.sum())} non-constant regions; "
                             "a connectome needs at least 2")
        x = ts if live.all() else ts[:, live]
        if self.method == "correlation":
            w = connectivity.correlation(x)
        elif self.method == "partial_correlation":
            w = connectivity.partial_correlation(x, shrinkage="ledoit_wolf")
        else:
            w = connectivity.transfer_entropy(x, estimator=self.te_estimator, n_jobs=1)
        w = np.asarray(w, dtype=np.float64)
        if live.all():
            W = w
        else:  # constant regions are unconnected (their correlation is undefined)
            W = np.zeros((n, n))
            W[np.ix_(live, live)] = w
            if self.method != "transfer_entropy":
                W[np.diag_indices(n)] = 1.0
        state["connectome"] = W
        return {"matrix": W, "n_constant_regions": int(n - live.sum()),
                "connectivity_strength": float(connectivity.connectivity_strength(x))}


class GraphMetrics(Step):
    """Graph metrics of the connectome thresholded to a proportional ``density``.

    Negative weights are set to zero and the matrix symmetrised, then the
    strongest ``density`` fraction of edges is kept
    (:func:`netneuro.graph.threshold_proportional`).  Per region: ``strength``,
    ``degree``, ``clustering``, ``community``; scalars: ``mean_clustering``,
    ``characteristic_path_length`` (mean over reachable pairs, lengths 1/w),
    ``global_efficiency``, ``modularity``,
    ``n_communities`` and (``n_null > 0``) ``small_worldness`` (sigma of
    Humphries & Gurney 2008 against ``n_null`` random graphs).
    """

    name = "graph"

    def __init__(self, density: float = 0.15, n_null: int = 10, seed: int = 0):
        self.density = check_float(density, "density", min_value=0.0, max_value=1.0,
                                   strict_min=True)
        self.n_null = check_int(n_null, "n_null", min_value=0)
        self.seed = check_int(seed, "seed", min_value=0)

    def __call__(self, ts, state):
        from . import graph

        A = graph.threshold_proportional(_undirected_positive(_connectome(ts, state)),
                                         self.density)
        A = np.asarray(A, dtype=np.float64)
        state["graph_adjacency"] = A
        clustering = np.asarray(graph.clustering(A), dtype=np.float64)
        out = {
            "strength": np.asarray(graph.strength(A), dtype=np.float64),
            "degree": np.asarray(graph.degree(A), dtype=np.float64),
            "clustering": clustering,
            "mean_clustering": float(np.mean(clustering)),
            "characteristic_path_length": float(_path_length(graph, A)),
            "global_efficiency": float(graph.global_efficiency(A)),
        }
        comm = graph.community_louvain(A, seed=self.seed)
        labels, q = _community_parts(comm)
        if labels is not None:
            out["community"] = labels
            out["n_communities"] = int(len(np.unique(labels)))
        if q is not None:
            out["modularity"] = float(q)
        if self.n_null > 0:
            sw = graph.small_worldness(A, method="sigma", n_null=self.n_null, seed=self.seed)
            out["small_worldness"] = float(_first_scalar(sw))
        return out


def _path_length(graph, A):
    """Characteristic path length over reachable pairs (thresholded graphs may split)."""
    try:
        return graph.characteristic_path_length(A, include_infinite=False)
    except TypeError:  # an implementation without the option
        return graph.characteristic_path_length(A)


def _community_parts(comm):
    """(labels, modularity) from whatever community_louvain returns."""
    if isinstance(comm, tuple) and len(comm) == 2:
        return np.asarray(comm[0]), comm[1]
    for lab, q in (("labels", "modularity"), ("membership", "q"), ("ci", "q")):
        if hasattr(comm, lab):
            return np.asarray(getattr(comm, lab)), getattr(comm, q, None)
    arr = np.asarray(comm)
    return (arr, None) if arr.ndim == 1 else (None, None)


def _first_scalar(x):
    if isinstance(x, numbers.Number):
        return x
    if isinstance(x, tuple):
        return _first_scalar(x[0])
    for attr in ("sigma", "value", "omega"):
        if hasattr(x, attr):
            return getattr(x, attr)
    return float(np.asarray(x).ravel()[0])


class Persistence(Step):
    """Vietoris-Rips persistent homology of the regions as a point cloud.

    Distances between regions are ``d = sqrt(2 (1 - r))`` (the Euclidean
    distance between z-scored series; 0 for identical, 2 for anti-correlated),
    from the connectome's correlations.  Results: ``diagram`` (a list of
    ``(n, 2)`` birth/death arrays, one per dimension), ``thresholds``
    (``n_thresholds`` values in [0, 2]), ``betti`` ``(maxdim + 1, n_thresholds)``,
    and per dimension k ``average_death_k``, ``max_persistence_k``,
    ``total_persistence_k``.
    """

    name = "persistence"

    def __init__(self, maxdim: int = 1, n_thresholds: int = 50):
        self.maxdim = check_int(maxdim, "maxdim", min_value=0, max_value=3)
        self.n_thresholds = check_int(n_thresholds, "n_thresholds", min_value=2)

    def __call__(self, ts, state):
        from . import topology

        W = _connectome(ts, state)
        C = np.clip(0.5 * (W + W.T), -1.0, 1.0)
        D = np.sqrt(np.clip(2.0 * (1.0 - C), 0.0, None))
        np.fill_diagonal(D, 0.0)
        dgms = [np.asarray(d, dtype=np.float64).reshape(-1, 2)
                for d in topology.rips(D, maxdim=self.maxdim, metric="precomputed")]
        thresholds = np.linspace(0.0, 2.0, self.n_thresholds)
        out = {"diagram": dgms, "thresholds": thresholds,
               "betti": np.array([np.asarray(topology.betti_curve(d, thresholds), dtype=float)
                                  for d in dgms])}
        for k, d in enumerate(dgms):
            out[f"average_death_{k}"] = float(topology.average_death(d))
            out[f"max_persistence_{k}"] = float(topology.max_persistence(d))
            out[f"total_persistence_{k}"] = float(topology.total_persistence(d))
        return out


class Controllability(Step):
    """Average and modal controllability of each region (Gu et al. 2015).

    The network is the connectome with negative weights zeroed, symmetrised,
    zero diagonal (or the thresholded graph with ``use_graph=True``), normalised
    for a discrete-time system (:func:`netneuro.control.normalize`).  Results per
    region: ``average``, ``modal``, ``strength`` (weighted degree of the same
    network, for the controllability-vs-degree plot); scalars
    ``mean_average``, ``mean_modal``, and ``average_vs_strength`` (Spearman rho).
    """

    name = "control"

    def __init__(self, system: str = "discrete", use_graph: bool = False):
        self.system = check_choice(system, "system", ("discrete",))
        self.use_graph = bool(use_graph)

    def __call__(self, ts, state):
        from . import control

        if self.use_graph and "graph_adjacency" in state:
            A = state["graph_adjacency"]
        else:
            A = _undirected_positive(_connectome(ts, state))
        A_norm = control.normalize(A, system=self.system)
        avg = np.asarray(control.average_controllability(A_norm, system=self.system), float)
        modal = np.asarray(control.modal_controllability(A_norm), float)
        strength = A.sum(axis=0)
        from scipy.stats import spearmanr

        rho = spearmanr(strength, avg).statistic if np.ptp(avg) > 0 else float("nan")
        return {"average": avg, "modal": modal, "strength": strength,
                "mean_average": float(avg.mean()), "mean_modal": float(modal.mean()),
                "average_vs_strength": float(rho)}


class MaxEnt(Step):
    """Pairwise maximum-entropy (Ising) model of binarised activity and its energy landscape.

    The time series of ``regions`` (indices or names when ``region_names`` is
    given; default ``n_regions`` regions spread evenly over the columns) are
    binarised at their mean to +-1 (Ezaki et al. 2017), an Ising model is fitted
    (:func:`netneuro.maxent.fit_ising`) and its energy landscape computed.
    Results: ``regions``, ``h`` (n,), ``J`` (n, n), fit quality ``accuracy``,
    ``r``, ``S1``, ``S2``, ``SN`` (bits; see :func:`netneuro.maxent.goodness_of_fit`);
    landscape ``n_minima``, ``minima`` (k, n) +-1 states, ``minima_energies``
    (k,), and when the landscape provides them ``barriers`` (k, k),
    ``saddle`` (k, k), ``merges`` (k-1, 4) (disconnectivity graph),
    ``basin_size``, ``basin_probability`` (k,).
    """

    name = "maxent"

    def __init__(self, regions=None, n_regions: int = 8, region_names=None,
                 method: str = "auto", threshold="mean"):
        self.n_regions = check_int(n_regions, "n_regions", min_value=2, max_value=20)
        region_names = list(region_names) if region_names is not None else None
        if regions is not None:
            regions = list(regions)
            if not regions:
                raise ValueError("regions must not be empty")
            if all(isinstance(r, str) for r in regions):
                if region_names is None:
                    raise ValueError("regions given by name need region_names (all region names)")
                missing = [r for r in regions if r not in region_names]
                if missing:
                    raise ValueError(f"regions not found in region_names: {missing}")
                regions = [region_names.index(r) for r in regions]
            regions = [check_int(r, "regions[i]", min_value=0) for r in regions]
            if len(set(regions)) != len(regions):
                raise ValueError("regions must not repeat")
            if len(regions) > 20:
                raise ValueError(f"at most 20 regions (2**n states are enumerated), "
                                 f"got {len(regions)}")
        self.regions = regions
        self.method = method
        self.threshold = threshold

    def _pick(self, n):
        if self.regions is not None:
            if max(self.regions) >= n:
                raise ValueError(f"maxent regions index {max(self.regions)} but the time series "
                                 f"has {n} regions")
            return np.array(self.regions)
        k = min(self.n_regions, n)
        return np.unique(np.round(np.linspace(0, n - 1, k)).astype(int))

    def __call__(self, ts, state):
        from . import maxent

        idx = self._pick(ts.shape[1])
        X = maxent.binarize(ts[:, idx], threshold=self.threshold)
        model = maxent.fit_ising(X, method=self.method)
        out = {"regions": idx.astype(np.int64),
               "h": np.asarray(model.h, dtype=np.float64),
               "J": np.asarray(model.J, dtype=np.float64)}
        gof = maxent.goodness_of_fit(model, X)
        for f in ("accuracy", "r", "S1", "S2", "SN", "multi_information", "D1", "D2"):
            v = getattr(gof, f, None)
            if isinstance(v, (numbers.Real, np.floating)):
                out[f] = float(v)
        land = maxent.energy_landscape(model)
        states = getattr(land, "minima_states", None)
        if states is None:  # landscapes that list the minima as states directly
            states = land.minima
        states = np.asarray(states)
        out["minima"] = states.astype(np.int8) if states.dtype.kind in "iub" else states
        out["n_minima"] = int(states.shape[0]) if states.ndim else 0
        for src, dst, dtype in (("minima_energies", "minima_energies", np.float64),
                                ("energies", "minima_energies", np.float64),
                                ("barrier", "barriers", np.float64),
                                ("barriers", "barriers", np.float64),
                                ("saddle", "saddle", np.float64),
                                ("merges", "merges", np.float64),
                                ("basin_size", "basin_size", np.int64),
                                ("basin_probability", "basin_probability", np.float64)):
            v = getattr(land, src, None)
            if dst in out or v is None:
                continue
            v = np.asarray(v)
            if v.dtype.kind in "fiub" and (dst != "minima_energies"
                                           or v.shape[:1] == (out["n_minima"],)):
                out[dst] = v.astype(dtype)
        state["energy_landscape"] = land
        return out


class Pipeline:
    """Steps run in order on one subject: ``pipeline(data) -> {step.name: results}``.

    ``input="timeseries"`` (default): ``data`` is validated as a
    ``(n_timepoints, n_regions)`` float64 array.  ``input="matrix"``: ``data`` is
    a square ``(N, N)`` connectome (e.g. structural) placed in
    ``state["connectome"]`` for :class:`GraphMetrics` and
    :class:`Controllability`; steps that need time series then refuse.
    """

    def __init__(self, steps, input: str = "timeseries"):
        self.input = check_choice(input, "input", ("timeseries", "matrix"))
        steps = list(steps)
        if not steps:
            raise ValueError("a Pipeline needs at least one step")
        names = set()
        for s in steps:
            if not callable(s) or not hasattr(s, "name"):
                raise TypeError(f"pipeline steps must be Step objects, got {type(s).__name__}")
            if s.name in names:
                raise ValueError(f"two steps are named {s.name!r}")
            names.add(s.name)
        self.steps = steps

    def describe(self) -> str:
        inp = "" if self.input == "timeseries" else f", input={self.input!r}"
        return "Pipeline([" + ", ".join(s.describe() if hasattr(s, "describe") else repr(s)
                                        for s in self.steps) + "]" + inp + ")"

    __repr__ = describe

    def run(self, ts, state=None):
        """Like calling the pipeline, also returning the ``state`` (e.g. landscape objects)."""
        state = {} if state is None else state
        if self.input == "matrix":
            from ._validation import check_square

            state["connectome"] = check_square(ts, "matrix")
            ts = _NoTimeseries()
        else:
            ts = check_timeseries(ts, "ts", min_timepoints=3, min_regions=2)
        out = {}
        for s in self.steps:
            out[s.name] = s(ts, state)
        return out, state

    def __call__(self, ts):
        return self.run(ts)[0]


class _NoTimeseries:
    """Stand-in for the time series in matrix pipelines: steps that need one refuse."""

    shape = property(lambda self: self._refuse())

    def _refuse(self, *a, **k):
        raise ValueError("this step needs time series; the pipeline was built with "
                         "input='matrix'")

    __getitem__ = __array__ = _refuse


def standard_pipeline(*, connectivity: str = "correlation", density: float = 0.15,
                      n_null: int = 10, maxdim: int = 1, maxent_regions=None,
                      maxent_n_regions: int = 8, region_names=None, seed: int = 0,
                      steps=STANDARD_STEPS) -> Pipeline:
    """The standard analysis: functional connectome -> graph metrics, persistence,
    controllability, maxent on binarised signals.

    ``steps`` selects a subset of :data:`STANDARD_STEPS` (the connectome always
    runs first).  ``maxent_regions`` (indices, or names with ``region_names``)
    chooses the maxent model's regions (default: ``maxent_n_regions`` spread
    evenly).  Same ``seed``, same results.
    """
    if isinstance(steps, str):
        steps = [steps]
    steps = list(steps)
    for s in steps:
        check_choice(s, "steps", STANDARD_STEPS)
    out = [FunctionalConnectome(connectivity)]
    if "graph" in steps:
        out.append(GraphMetrics(density=density, n_null=n_null, seed=seed))
    if "persistence" in steps:
        out.append(Persistence(maxdim=maxdim))
    if "control" in steps:
        out.append(Controllability())
    if "maxent" in steps:
        out.append(MaxEnt(regions=maxent_regions, n_regions=maxent_n_regions,
                          region_names=region_names))
    return Pipeline(out)
