"""Structure-function coupling: how well structure predicts function, per region."""

from __future__ import annotations

import numpy as np

from .._array_api import namespace
from .._validation import (
    check_array,
    check_choice,
    check_square,
    check_symmetric,
)
from ._checks import _graph
from .measures import communicability, shortest_path_lengths

# ---------------------------------------------------------------------------
# structure-function coupling

_PREDICTORS = ("sc", "path_length", "communicability", "euclidean")


def _rank(x):
    from scipy.stats import rankdata

    return rankdata(x)


def _corr(x, y):
    x = x - x.mean()
    y = y - y.mean()
    den = np.sqrt(np.dot(x, x) * np.dot(y, y))
    return np.dot(x, y) / den if den > 0 else np.nan


def _as_list(predictors):
    if predictors is None:
        return None
    if isinstance(predictors, str) or hasattr(predictors, "shape"):
        return [predictors]
    return list(predictors)


def structure_function_coupling(SC, FC, *, predictors=None, method: str = "spearman",
                                exclude_zero=None, coords=None, n_jobs=None):
    """Regional structure-function coupling, one value per region (and subject).

    ``SC`` symmetric non-negative ``(N, N)``, ``FC`` symmetric ``(N, N)`` (any
    sign); or a cohort: both ``(S, N, N)``, one result row per subject.  For each
    region ``i`` the off-diagonal row ``FC[i, j]`` (``j != i``)
    is compared with structural predictors of the same row:

    * ``predictors=None`` (default; Baum et al. 2020, PNAS 117:771): the
      ``method`` correlation (``"spearman"`` or ``"pearson"``) between
      ``SC[i, j]`` and ``FC[i, j]``, over the ``j`` with ``SC[i, j] > 0``
      (``exclude_zero``, default True here);
    * ``predictors`` a list of names from ``"sc"``, ``"path_length"`` (weighted
      shortest paths, lengths 1/w), ``"communicability"`` (weighted, Crofts &
      Higham 2009: :func:`communicability`), ``"euclidean"`` (needs ``coords``
      ``(N, d)``, shared by a cohort) and/or arrays ``(N, N)`` (shared) or of
      ``SC``'s shape: the adjusted R^2 of a per-region multiple linear
      regression (with intercept) of the FC row on the predictor rows
      (Vázquez-Rodríguez et al. 2019, PNAS 116:21219), over all ``j != i``
      (``exclude_zero`` default False here; non-finite predictor entries such
      as infinite path lengths are dropped).

    Returns ``(N,)`` or ``(S, N)``; ``nan`` where fewer than ``p + 2`` usable
    entries remain or a row is constant.  Torch, CuPy or array-api-strict input
    (``SC``, ``FC`` and any predictor arrays and ``coords`` of one library) is
    computed by its library on its device, the whole cohort at once
    (:mod:`netneuro.graph.array_api`); NumPy input is computed row by row.
    """
    check_choice(method, "method", ("spearman", "pearson"))
    predictors = _as_list(predictors)
    extra = [p for p in predictors or [] if not isinstance(p, str)]
    xp, native = namespace(SC, FC, *extra, *([] if coords is None else [coords]))
    if predictors is not None:
        for j, p in enumerate(predictors):
            if isinstance(p, str):
                check_choice(p, f"predictors[{j}]", _PREDICTORS)
    if not native:  # torch, CuPy, ...: computed by that library on its device
        from .array_api import coupling_xp

        return coupling_xp(SC, FC, xp, predictors=predictors, method=method,
                           exclude_zero=None if exclude_zero is None else bool(exclude_zero),
                           coords=coords)
    SC = _graph(SC, "SC", batch=True, symmetric=True, min_nodes=3)
    FC = check_square(FC, "FC", batch=True)
    check_symmetric(FC, "FC")
    if FC.shape != SC.shape:
        raise ValueError(f"SC and FC must have the same shape, got {SC.shape} and {FC.shape}")
    single = SC.ndim == 2
    SC3, FC3 = (SC[None], FC[None]) if single else (SC, FC)
    if predictors is None:
        ez = True if exclude_zero is None else bool(exclude_zero)
        out = np.stack([_correlations(S_, F_, method, ez) for S_, F_ in zip(SC3, FC3)])
        return out[0] if single else out
    mats = []
    for j, p in enumerate(predictors):
        if isinstance(p, str):
            if p == "sc":
                mats.append(SC3)
            elif p == "path_length":
                mats.append(shortest_path_lengths(SC3, n_jobs=n_jobs))
            elif p == "communicability":
                mats.append(communicability(SC3))
            else:
                if coords is None:
                    raise ValueError("predictor 'euclidean' needs coords (N, d)")
                X = check_array(coords, "coords", ndim=2)
                if X.shape[0] != SC.shape[-1]:
                    raise ValueError(f"coords must have {SC.shape[-1]} rows, got shape "
                                     f"{X.shape}")
                from ..distance import pairwise_distances

                mats.append(pairwise_distances(X)[None])
        else:
            P = check_square(p, f"predictors[{j}]", batch=True, finite=False)
            if P.shape not in (SC.shape, SC.shape[-2:]):
                raise ValueError(f"predictors[{j}] must have shape {SC.shape}, got {P.shape}")
            if np.isnan(P).any():
                raise ValueError(f"predictors[{j}] must not contain NaN")
            mats.append(P if P.ndim == 3 else P[None])
    if not mats:
        raise ValueError("predictors must name at least one predictor")
    ez = False if exclude_zero is None else bool(exclude_zero)
    out = np.stack([_regressions(SC3[s], FC3[s], [M[s if len(M) > 1 else 0] for M in mats], ez)
                    for s in range(SC3.shape[0])])
    return out[0] if single else out


def _correlations(SC, FC, method, ez):
    """Baum et al.'s coupling of one subject: a correlation per row."""
    n = SC.shape[0]
    offdiag = ~np.eye(n, dtype=bool)
    out = np.full(n, np.nan)
    for i in range(n):
        m = offdiag[i] & ((SC[i] > 0) if ez else True)
        if m.sum() < 3:
            continue
        x, y = SC[i, m], FC[i, m]
        if method == "spearman":
            x, y = _rank(x), _rank(y)
        out[i] = _corr(x, y)
    return out


def _regressions(SC, FC, mats, ez):
    """Adjusted R^2 of one subject's per-row regressions of FC on the predictor rows."""
    n = SC.shape[0]
    offdiag = ~np.eye(n, dtype=bool)
    k = len(mats)
    out = np.full(n, np.nan)
    for i in range(n):
        X = np.stack([M[i] for M in mats], axis=1)
        m = offdiag[i] & np.all(np.isfinite(X), axis=1)
        if ez:
            m &= SC[i] > 0
        nobs = int(m.sum())
        if nobs < k + 2:
            continue
        y = FC[i, m]
        A = np.column_stack([np.ones(nobs), X[m]])
        coef, *_ = np.linalg.lstsq(A, y, rcond=None)
        resid = y - A @ coef
        ss_tot = np.sum((y - y.mean()) ** 2)
        if ss_tot == 0:
            continue
        r2 = 1.0 - np.dot(resid, resid) / ss_tot
        out[i] = 1.0 - (1.0 - r2) * (nobs - 1) / (nobs - k - 1)
    return out
