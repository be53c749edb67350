"""Ready-made pipeline steps, so that a typical study is a few lines.

A :class:`Pipeline` is a list of steps; calling it on one subject's time series
``(n_timepoints, n_regions)`` runs the steps in order and returns a dict
``{step name: {result name: value}}`` that :func:`netneuro.cohort.run` stores.
Each step sees the subject's time series and a shared ``state`` dict in which
:class:`FunctionalConnectome` leaves the connectome (``state["connectome"]``)
for the steps after it.  Steps and pipelines are plain picklable objects, so
they run in worker processes and on Dask clusters.

Each ready-made step returns a typed output (:class:`ConnectomeOutput`,
:class:`GraphOutput`, :class:`PersistenceOutput`, :class:`ControlOutput`,
:class:`MaxEntOutput`): dataclasses whose fields are the stored result names,
read the same way by :mod:`netneuro.report` and :mod:`netneuro.plotting`
(``MaxEntOutput.key("S1")`` is the store key ``"maxent.S1"``;
``MaxEntOutput.from_results(store.load(name))`` rebuilds the output).

::

    from netneuro import cohort, pipelines
    pipe = pipelines.standard_pipeline(density=0.15, seed=0)
    cohort.run(pipe, {"sub-01": ts1, "sub-02": ts2}, store="results", n_jobs=-1)

The steps call :mod:`netneuro.connectivity`, :mod:`netneuro.graph`,
:mod:`netneuro.topology`, :mod:`netneuro.control` and :mod:`netneuro.maxent`
(imported when a step first runs).
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import ClassVar

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
    "Controllability", "MaxEnt", "standard_pipeline", "STANDARD_STEPS", "STEP_ERRORS",
    "PIPELINE_INFO",
    "StepOutput", "ConnectomeOutput", "GraphOutput", "PersistenceOutput", "ControlOutput",
    "MaxEntOutput",
]

STANDARD_STEPS = ("connectome", "graph", "persistence", "control", "maxent")
STEP_ERRORS = "__step_errors__"  # result key of the steps that failed (see Pipeline)
PIPELINE_INFO = "__pipeline_info__"  # result key of facts about the run (e.g. the T used)


# ---------------------------------------------------------------------------
# typed step outputs: the schema that the store, the report and plotting share


class StepOutput(Mapping):
    """Base of the typed step outputs.

    The fields are the result names that :func:`netneuro.cohort.run` stores
    (under ``"<step>.<field>"``); a field left ``None`` is absent.  An output is
    also a read-only mapping of its present results (``out["matrix"]``).
    """

    step: ClassVar[str] = ""

    def as_dict(self) -> dict:
        """``{result name: value}`` of the present results, in field order."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) is not None}

    def __getitem__(self, key):
        return self.as_dict()[key]

    def __iter__(self):
        return iter(self.as_dict())

    def __len__(self) -> int:
        return len(self.as_dict())

    @classmethod
    def key(cls, name: str) -> str:
        """The flattened store key ``"<step>.<name>"`` of result ``name``."""
        if name not in cls._names():
            raise KeyError(f"{cls.__name__} has no result {name!r}")
        return f"{cls.step}.{name}"

    @classmethod
    def _names(cls):
        return [f.name for f in fields(cls)]

    @classmethod
    def from_results(cls, results: Mapping):
        """The output of this step from one subject's flattened store results, or None."""
        prefix = cls.step + "."
        found = {k[len(prefix):]: v for k, v in results.items() if k.startswith(prefix)}
        names = cls._names()
        if not any(n in found for n in names):
            return None
        return cls(**{n: found.get(n) for n in names})


@dataclass(eq=False)
class ConnectomeOutput(StepOutput):
    """:class:`FunctionalConnectome`: ``matrix`` (N, N) and two scalars."""

    step: ClassVar[str] = "connectome"
    matrix: np.ndarray
    n_constant_regions: int
    connectivity_strength: float


@dataclass(eq=False)
class GraphOutput(StepOutput):
    """:class:`GraphMetrics`: per-region arrays (N,) and scalar summaries."""

    step: ClassVar[str] = "graph"
    strength: np.ndarray
    degree: np.ndarray
    clustering: np.ndarray
    mean_clustering: float
    characteristic_path_length: float
    global_efficiency: float
    community: np.ndarray | None = None
    n_communities: int | None = None
    modularity: float | None = None
    small_worldness: float | None = None


@dataclass(eq=False)
class PersistenceOutput(StepOutput):
    """:class:`Persistence`: diagrams, Betti curves and per-dimension summaries.

    ``average_death``, ``max_persistence``, ``total_persistence`` are
    ``(maxdim + 1,)`` arrays, stored as the scalars ``average_death_0``, ...
    """

    step: ClassVar[str] = "persistence"
    SUMMARIES: ClassVar[tuple] = ("average_death", "max_persistence", "total_persistence")
    diagram: list
    thresholds: np.ndarray
    betti: np.ndarray
    average_death: np.ndarray | None = None
    max_persistence: np.ndarray | None = None
    total_persistence: np.ndarray | None = None

    def as_dict(self) -> dict:
        out = {"diagram": self.diagram, "thresholds": self.thresholds, "betti": self.betti}
        for k in range(len(self.diagram)):
            for name in self.SUMMARIES:
                out[f"{name}_{k}"] = float(getattr(self, name)[k])
        return out

    @classmethod
    def key(cls, name: str) -> str:
        base, _, dim = name.rpartition("_")
        if base in cls.SUMMARIES and dim.isdigit():
            return f"{cls.step}.{name}"
        return super().key(name)

    @classmethod
    def from_results(cls, results: Mapping):
        p = cls.step + "."
        if p + "diagram" not in results:
            return None
        dgms = results[p + "diagram"]
        sums = {name: np.array([results.get(f"{p}{name}_{k}", np.nan)
                                for k in range(len(dgms))], dtype=np.float64)
                for name in cls.SUMMARIES}
        return cls(diagram=dgms, thresholds=results.get(p + "thresholds"),
                   betti=results.get(p + "betti"), **sums)


@dataclass(eq=False)
class ControlOutput(StepOutput):
    """:class:`Controllability`: per-region arrays (N,) and scalar summaries."""

    step: ClassVar[str] = "control"
    average: np.ndarray
    modal: np.ndarray
    strength: np.ndarray
    mean_average: float
    mean_modal: float
    average_vs_strength: float


@dataclass(eq=False)
class MaxEntOutput(StepOutput):
    """:class:`MaxEnt`: the Ising model, its fit quality and its energy landscape.

    ``minima`` (k, n) +-1 states, ``minima_energies`` (k,), ``barriers`` and
    ``saddle`` (k, k), ``merges`` (k-1, 4), ``basin_size`` and
    ``basin_probability`` (k,); the fields of
    :func:`netneuro.plotting.plot_energy_landscape`.
    """

    step: ClassVar[str] = "maxent"
    regions: np.ndarray
    h: np.ndarray
    J: np.ndarray
    accuracy: float | None = None
    r: float | None = None
    S1: float | None = None
    S2: float | None = None
    SN: float | None = None
    multi_information: float | None = None
    D1: float | None = None
    D2: float | None = None
    minima: np.ndarray | None = None
    n_minima: int | None = None
    minima_energies: np.ndarray | None = None
    barriers: np.ndarray | None = None
    saddle: np.ndarray | None = None
    merges: np.ndarray | None = None
    basin_size: np.ndarray | None = None
    basin_probability: np.ndarray | None = None


class Step:
    """Base class: ``step(ts, state) ->`` a :class:`StepOutput` (or a dict) of named results.

    The ready-made steps return typed outputs (:class:`ConnectomeOutput`, ...)
    whose fields are the stored result names.  Subclasses set ``name`` and
    implement ``__call__``; ``describe()`` (used by
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
    if "connectome" in state.get(STEP_ERRORS, {}):
        raise RuntimeError("this step needs the connectome, whose step failed")
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
        return ConnectomeOutput(matrix=W, n_constant_regions=int(n - live.sum()),
                                connectivity_strength=float(
                                    connectivity.connectivity_strength(x)))


class GraphMetrics(Step):
    """Graph metrics of the connectome thresholded to a proportional ``density``.

    Negative weights are set to zero and the matrix symmetrised, then the
    strongest ``density`` fraction of edges is kept
    (:func:`netneuro.graph.threshold_proportional`).  Per region: ``strength``,
    ``degree``, ``clustering`` (Onnela; weights divided by the largest when it exceeds 1),
    ``community``; scalars: ``mean_clustering``,
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
        clustering = np.asarray(graph.clustering(A, normalize=bool(A.max() > 1.0)),
                                dtype=np.float64)
        labels, q = graph.community_louvain(A, seed=self.seed)
        labels = np.asarray(labels)
        sw = None
        if self.n_null > 0:
            sw = float(graph.small_worldness(A, method="sigma", n_null=self.n_null,
                                             seed=self.seed).value)
        return GraphOutput(
            strength=np.asarray(graph.strength(A), dtype=np.float64),
            degree=np.asarray(graph.degree(A), dtype=np.float64),
            clustering=clustering,
            mean_clustering=float(np.mean(clustering)),
            characteristic_path_length=float(
                graph.characteristic_path_length(A, include_infinite=False)),
            global_efficiency=float(graph.global_efficiency(A)),
            community=labels, n_communities=int(len(np.unique(labels))), modularity=float(q),
            small_worldness=sw)


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
        return PersistenceOutput(
            diagram=dgms, thresholds=thresholds,
            betti=np.array([np.asarray(topology.betti_curve(d, thresholds), dtype=float)
                            for d in dgms]),
            average_death=np.array([topology.average_death(d) for d in dgms], dtype=float),
            max_persistence=np.array([topology.max_persistence(d) for d in dgms], dtype=float),
            total_persistence=np.array([topology.total_persistence(d) for d in dgms],
                                       dtype=float))


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
        return ControlOutput(average=avg, modal=modal, strength=strength,
                             mean_average=float(avg.mean()), mean_modal=float(modal.mean()),
                             average_vs_strength=float(rho))


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
        gof = maxent.goodness_of_fit(model, X)
        land = maxent.energy_landscape(model)
        state["energy_landscape"] = land
        states = np.asarray(land.minima_states)
        return MaxEntOutput(
            regions=idx.astype(np.int64), h=np.asarray(model.h, dtype=np.float64),
            J=np.asarray(model.J, dtype=np.float64),
            **{f: float(getattr(gof, f)) for f in ("accuracy", "r", "S1", "S2", "SN",
                                                   "multi_information", "D1", "D2")},
            minima=states.astype(np.int8), n_minima=int(states.shape[0]),
            minima_energies=np.asarray(land.minima_energies, dtype=np.float64),
            barriers=np.asarray(land.barrier, dtype=np.float64),
            saddle=np.asarray(land.saddle, dtype=np.float64),
            merges=np.asarray(land.merges, dtype=np.float64),
            basin_size=np.asarray(land.basin_size).astype(np.int64),
            basin_probability=np.asarray(land.basin_probability, dtype=np.float64))


class Pipeline:
    """Steps run in order on one subject: ``pipeline(data) -> {step.name: results}``.

    ``input="timeseries"`` (default): ``data`` is validated as a
    ``(n_timepoints, n_regions)`` float64 array.  ``input="matrix"``: ``data`` is
    a square ``(N, N)`` connectome (e.g. structural) placed in
    ``state["connectome"]`` for :class:`GraphMetrics` and
    :class:`Controllability`; steps that need time series then refuse.

    A step that raises does not discard the others: its results are left out
    and ``results[STEP_ERRORS]`` maps its name to ``{"error_type", "message",
    "traceback"}`` (:func:`netneuro.cohort.run` records it per subject).
    ``results[PIPELINE_INFO]`` (``{"n_timepoints": n}``, with
    ``equalize_length``) is kept in the subject's metadata.  Steps
    that need the connectome fail when its step failed.  Only when every step
    fails does the pipeline raise (the first step's error).

    ``equalize_length``: ``None`` (default), an int ``n`` (use the first ``n``
    time points of every subject; a shorter subject is an error), or ``True``
    (:func:`netneuro.cohort.run` sets ``n`` to the shortest subject of the
    cohort).  Entropies, maximum-entropy fit quality and transfer entropy
    depend on the scan length, so a cohort mixing lengths compares lengths
    unless they are equalised.
    """

    def __init__(self, steps, input: str = "timeseries", equalize_length=None):
        self.input = check_choice(input, "input", ("timeseries", "matrix"))
        steps = list(steps)
        if not steps:
            raise ValueError("a Pipeline needs at least one step")
        names = set()
        for s in steps:
            if not callable(s) or not isinstance(getattr(s, "name", None), str):
                raise TypeError(f"pipeline steps must be Step objects, got {type(s).__name__}")
            if s.name in names:
                raise ValueError(f"two steps are named {s.name!r}")
            names.add(s.name)
        self.steps = steps
        if equalize_length is not None and equalize_length is not True:
            equalize_length = check_int(equalize_length, "equalize_length", min_value=3)
        if equalize_length is not None and self.input == "matrix":
            raise ValueError("equalize_length applies to time series, not input='matrix'")
        self.equalize_length = equalize_length

    def describe(self) -> str:
        inp = "" if self.input == "timeseries" else f", input={self.input!r}"
        if self.equalize_length is not None:
            inp += f", equalize_length={self.equalize_length!r}"
        return "Pipeline([" + ", ".join(s.describe() if isinstance(s, Step) else repr(s)
                                        for s in self.steps) + "]" + inp + ")"

    __repr__ = describe

    def with_length(self, n: int) -> "Pipeline":
        """A copy of this pipeline that uses the first ``n`` time points of every subject."""
        return Pipeline(self.steps, input=self.input, equalize_length=n)

    def run(self, ts, state=None):
        """Like calling the pipeline, also returning the ``state`` (e.g. landscape objects)."""
        state = {} if state is None else state
        info = None
        if self.input == "matrix":
            from ._validation import check_square

            state["connectome"] = check_square(ts, "matrix")
            ts = _NoTimeseries()
        else:
            ts = check_timeseries(ts, "ts", min_timepoints=3, min_regions=2)
            n = self.equalize_length
            if n is True:
                raise ValueError("equalize_length=True is resolved by netneuro.cohort.run "
                                 "(the shortest subject); call with_length(n) to run alone")
            if n is not None:
                if ts.shape[0] < n:
                    raise ValueError(f"the time series has {ts.shape[0]} time points, fewer "
                                     f"than equalize_length={n}")
                ts = ts[:n]
                info = {"n_timepoints": int(n)}
        out, errors, first = {}, {}, None
        state[STEP_ERRORS] = errors
        for s in self.steps:
            try:
                r = s(ts, state)
            except _NeedsTimeseries:
                raise
            except Exception as exc:  # noqa: BLE001 - one step's failure keeps the others
                errors[s.name] = {"error_type": type(exc).__name__, "message": str(exc),
                                  "traceback": traceback.format_exc()}
                first = exc if first is None else first
                continue
            out[s.name] = r.as_dict() if isinstance(r, StepOutput) else r
        if errors:
            if not out:  # nothing to keep: the subject fails with the first error
                raise first
            out[STEP_ERRORS] = dict(errors)
        if info is not None:
            out[PIPELINE_INFO] = info
        return out, state

    def __call__(self, ts):
        return self.run(ts)[0]


class _NeedsTimeseries(ValueError):
    """A step that needs time series in a pipeline built with input='matrix'."""


class _NoTimeseries:
    """Stand-in for the time series in matrix pipelines: steps that need one refuse."""

    shape = property(lambda self: self._refuse())

    def _refuse(self, *a, **k):
        raise _NeedsTimeseries("this step needs time series; the pipeline was built with "
                         "input='matrix'")

    __getitem__ = __array__ = _refuse


def standard_pipeline(*, connectivity: str = "correlation", density: float = 0.15,
                      n_null: int = 10, maxdim: int = 1, maxent_regions=None,
                      maxent_n_regions: int = 8, region_names=None, seed: int = 0,
                      steps=STANDARD_STEPS, equalize_length=None) -> Pipeline:
    """The standard analysis: functional connectome -> graph metrics, persistence,
    controllability, maxent on binarised signals.

    ``steps`` selects a subset of :data:`STANDARD_STEPS` (the connectome always
    runs first).  ``maxent_regions`` (indices, or names with ``region_names``)
    chooses the maxent model's regions (default: ``maxent_n_regions`` spread
    evenly).  ``equalize_length``: see :class:`Pipeline`.  Same ``seed``, same
    results.
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
    return Pipeline(out, equalize_length=equalize_length)
