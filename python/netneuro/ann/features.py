"""Features of artificial connectomes from the rest of netneuro.

Persistent homology of the activation-correlation distance ``1 - |r|``
(:mod:`netneuro.topology`), average and modal controllability of weight
matrices (:mod:`netneuro.control`) and pairwise maximum-entropy fits of
binarised unit activity (:mod:`netneuro.maxent`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

from .._validation import (
    check_array,
    check_choice,
    check_int,
    check_memory,
    check_random_state,
    check_symmetric,
)
from ._inputs import _as_numpy, _issparse
from .activity import stack_activations
from .functional import activation_connectome
from .weights import WeightGraph


def _looks_like_correlation(X: np.ndarray) -> bool:
    if X.ndim != 2 or X.shape[0] != X.shape[1] or np.abs(X).max() > 1.0 + 1e-12:
        return False
    d = np.diag(X)
    return bool(np.all((d == 1.0) | (d == 0.0)) and np.allclose(X, X.T, atol=1e-12))


def _summaries(C: np.ndarray, maxdim: int, thresholds: np.ndarray, n_jobs) -> dict:
    from .. import topology

    alive = np.abs(np.diag(C)) > 0  # dead units have zero rows (activation_connectome)
    C = C[np.ix_(alive, alive)]
    n = C.shape[0]
    res = {"n_units": n}
    if n < 2:
        res.update(average_death_h0=float("nan"), max_persistence_h1=float("nan"),
                   betti_curves=np.zeros((maxdim + 1, thresholds.size)), diagrams=None)
        return res
    D = 1.0 - np.abs(C)
    np.fill_diagonal(D, 0.0)
    np.clip(D, 0.0, 1.0, out=D)
    D = 0.5 * (D + D.T)
    dgms = topology.rips(D, maxdim=maxdim, metric="precomputed", n_jobs=n_jobs)
    res["diagrams"] = dgms
    res["average_death_h0"] = float(topology.average_death(dgms[0]))
    if maxdim >= 1:
        res["max_persistence_h1"] = float(topology.max_persistence(dgms[1]))
        res["n_h1"] = int(len(dgms[1]))
    res["betti_curves"] = np.vstack([np.asarray(topology.betti_curve(dgms[k], thresholds),
                                                dtype=np.float64)
                                     for k in range(maxdim + 1)])
    return res


def topological_features(data, *, kind: str = "auto", layer_labels=None, per_layer: bool = True,
                         maxdim: int = 1, thresholds=None, max_units: int | None = None,
                         seed=None, n_jobs=None) -> dict:
    """Persistent homology of the activation-correlation distance ``1 - |r|``.

    The summaries are those of Trojan-detection work (Zheng et al. 2021,
    NeurIPS): the average death of H0 classes (finite bars) and the maximum
    persistence of H1 classes of the Vietoris-Rips filtration, plus Betti
    curves on ``thresholds`` (default 51 points on [0, 1]).

    Parameters
    ----------
    data : dict of activations, array (n_samples, n_units) or (N, N) correlation
        Layer dict (from :func:`activations`), stacked activations, or a
        correlation matrix from :func:`activation_connectome`.
    kind : {"auto", "activations", "correlation"}
        How to read an array: ``"auto"`` treats a square symmetric array with
        entries in [-1, 1] and a 0/1 diagonal as a correlation matrix and
        anything else as activations (dicts are always activations).
    layer_labels : array of int (N,), optional
        Layer of each unit for per-layer summaries of a stacked array or
        correlation matrix (a dict carries its own).
    per_layer : bool
        Also compute the summaries of each layer on its own.
    max_units : int, optional
        Persistence of more units than this uses a random subset of this many
        alive units (drawn with ``seed``), per layer and for the network.
    n_jobs : passed to :func:`netneuro.topology.rips`.

    Dead units (zero rows: constant activations) are left out.

    Returns
    -------
    dict
        ``"network"`` and (if ``per_layer``) ``"layers"`` (name ->
        summaries).  Summaries: ``n_units``, ``average_death_h0``,
        ``max_persistence_h1``, ``n_h1``, ``betti_curves``
        ``(maxdim + 1, len(thresholds))``, ``diagrams``; plus ``"thresholds"``.
    """
    check_choice(kind, "kind", ("auto", "activations", "correlation"))
    maxdim = check_int(maxdim, "maxdim", min_value=0, max_value=2)
    if max_units is not None:
        max_units = check_int(max_units, "max_units", min_value=2)
    rng = check_random_state(seed)
    if thresholds is None:
        thresholds = np.linspace(0.0, 1.0, 51)
    thresholds = check_array(thresholds, "thresholds", ndim=1)
    if isinstance(data, Mapping):
        A, labels, names = stack_activations(data)
        C = activation_connectome(A, dead="zero", n_jobs=n_jobs)
    else:
        X = check_array(_as_numpy(data), "data", ndim=2)
        is_corr = kind == "correlation" or (kind == "auto" and _looks_like_correlation(X))
        if is_corr:
            if X.shape[0] != X.shape[1]:
                raise ValueError(f"data must be a square correlation matrix, got {X.shape}")
            if np.abs(X).max() > 1.0 + 1e-9:
                raise ValueError("data (a correlation matrix) must have entries in [-1, 1]")
            check_symmetric(X, "data")
            C = X
        else:
            C = activation_connectome(X, dead="zero", n_jobs=n_jobs)
        if layer_labels is None:
            labels, names = np.zeros(C.shape[0], dtype=np.int64), ["all"]
        else:
            labels = check_array(layer_labels, "layer_labels", ndim=1, dtype=np.int64)
            if labels.size != C.shape[0]:
                raise ValueError(f"layer_labels has {labels.size} entries for {C.shape[0]} units")
            names = [f"layer_{k}" for k in np.unique(labels)]
            labels = np.searchsorted(np.unique(labels), labels)

    def subset(idx):
        idx = idx[np.abs(C[idx, idx]) > 0]  # alive
        if max_units is not None and idx.size > max_units:
            idx = np.sort(rng.choice(idx, size=max_units, replace=False))
        return C[np.ix_(idx, idx)]

    out = {"thresholds": thresholds,
           "network": _summaries(subset(np.arange(C.shape[0])), maxdim, thresholds, n_jobs)}
    if per_layer:
        out["layers"] = {name: _summaries(subset(np.flatnonzero(labels == k)), maxdim,
                                          thresholds, n_jobs)
                         for k, name in enumerate(names)}
    return out


# ---------------------------------------------------------------------------
# control and maximum entropy


def control_features(W, *, system: str = "discrete", layout: str = "source_target",
                     layers: bool = True) -> dict:
    """Average and modal controllability of a (recurrent) weight matrix.

    Parameters
    ----------
    W : array (N, N), sparse matrix or WeightGraph
        Square weight matrix, e.g. a recurrent layer's hidden-to-hidden
        weights, or the full weight graph of a feed-forward network.
    layout : {"source_target", "pytorch"}
        ``"source_target"``: ``W[i, j]`` = weight from unit ``i`` to ``j``
        (netneuro, :class:`WeightGraph`); ``"pytorch"``: ``W[j, i]`` (PyTorch
        ``weight_hh``, ``h_t = W h_{t-1} + ...``).
    system : {"discrete", "continuous"}
        Normalisation of :func:`netneuro.control.normalize`; modal
        controllability is defined for discrete systems only (it is computed
        on the discrete normalisation in both cases).
    layers : bool
        With a WeightGraph, also report per-layer means.

    Returns
    -------
    dict: ``A_norm`` (N, N) as passed to the control module,
    ``average_controllability`` and ``modal_controllability`` (N,), their
    means, and ``layers`` (name -> dict of means) for a WeightGraph.
    """
    from .. import control

    check_choice(system, "system", ("discrete", "continuous"))
    check_choice(layout, "layout", ("source_target", "pytorch"))
    graph = W if isinstance(W, WeightGraph) else None
    if graph is not None:
        W = graph.adjacency
    if _issparse(W):
        n = W.shape[0]
        check_memory(8.0 * n * n * 4, f"control of a {n} x {n} weight matrix",
                     hint="use a smaller network or a recurrent block")
        W = W.toarray()
    W = check_array(W, "W", ndim=2)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be square, got shape {W.shape}")
    # the control modules take the dynamics matrix x(t+1) = A x(t): A[target, source]
    A = W.T.copy() if layout == "source_target" else W
    A_norm = control.normalize(A, system=system)
    ac = np.asarray(control.average_controllability(A_norm, system=system), dtype=np.float64)
    A_disc = A_norm if system == "discrete" else control.normalize(A, system="discrete")
    mc = np.asarray(control.modal_controllability(A_disc), dtype=np.float64)
    res = {"A_norm": A_norm, "average_controllability": ac, "modal_controllability": mc,
           "mean_average_controllability": float(ac.mean()),
           "mean_modal_controllability": float(mc.mean())}
    if graph is not None and layers:
        res["layers"] = {name: {"mean_average_controllability": float(ac[graph.units(k)].mean()),
                                "mean_modal_controllability": float(mc[graph.units(k)].mean())}
                         for k, name in enumerate(graph.layer_names)}
    return res


def maxent_features(acts, *, max_units: int = 15, threshold="mean", method: str = "auto",
                    select: str = "random", seed=None, l2: float = 0.0) -> dict:
    """A pairwise maximum-entropy (Ising) model of binarised unit activity.

    Activations are binarised with :func:`netneuro.maxent.binarize` (per unit,
    ``threshold``), units whose binarised activity is constant are left out
    (their field would be infinite), and at most ``max_units`` of the rest are
    fitted with :func:`netneuro.maxent.fit_ising` (exact fits need few units:
    2**N states).  ``select="random"`` draws the subset with ``seed``;
    ``"variance"`` takes the units with the most variable binarised activity.
    ``l2`` is the coupling penalty of :func:`~netneuro.maxent.fit_ising`: sparse
    units (ReLU) often never share a joint state in a finite sample, where the
    unpenalised maximum-likelihood couplings are infinite.

    Returns
    -------
    dict: ``units`` (indices into the stacked units), ``X`` the binarised data
    ``(n_samples, n_selected)``, ``model`` (from ``fit_ising``),
    ``goodness_of_fit`` (from :func:`netneuro.maxent.goodness_of_fit`).
    """
    from .. import maxent

    max_units = check_int(max_units, "max_units", min_value=2)
    check_choice(select, "select", ("random", "variance"))
    rng = check_random_state(seed)
    A, _, _ = stack_activations(acts)
    with warnings.catch_warnings():  # constant units are expected here and left out below
        warnings.filterwarnings("ignore", message=".*constant after thresholding",
                                category=RuntimeWarning)
        B = np.asarray(maxent.binarize(A, threshold=threshold))
    varying = np.flatnonzero(B.min(axis=0) != B.max(axis=0))
    if varying.size < 2:
        raise ValueError("fewer than 2 units have non-constant binarised activity; "
                         "a maximum-entropy fit needs at least 2")
    if varying.size > max_units:
        if select == "random":
            units = np.sort(rng.choice(varying, size=max_units, replace=False))
        else:
            v = B[:, varying].astype(np.float64).var(axis=0)
            units = np.sort(varying[np.argsort(-v, kind="stable")[:max_units]])
    else:
        units = varying
    X = B[:, units]
    model = maxent.fit_ising(X, method=method, l2=l2)
    return {"units": units, "X": X, "model": model,
            "goodness_of_fit": maxent.goodness_of_fit(model, X)}
