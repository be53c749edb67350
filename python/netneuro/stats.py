"""Multiple-comparison corrections shared by the estimators and the report."""

from __future__ import annotations

import numpy as np

from ._validation import check_array

__all__ = ["fdr_bh"]


def fdr_bh(pvalues) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values) of a 1-D array (NaN ignored).

    ``q_(i) = min_{j >= i} min(1, m p_(j) / j)`` over the sorted finite p-values
    (Benjamini & Hochberg 1995); an edge is significant at FDR ``alpha`` when
    ``q <= alpha``.
    """
    p = check_array(pvalues, "pvalues", ndim=1, finite=False, allow_empty=True)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    pv = p[ok]
    m = pv.size
    if m == 0:
        return out
    if pv.min() < 0 or pv.max() > 1:
        raise ValueError("pvalues must lie in [0, 1]")
    order = np.argsort(pv, kind="stable")
    scaled = pv[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(scaled[::-1])[::-1]
    q = np.minimum(q, 1.0)
    res = np.empty(m)
    res[order] = q
    out[ok] = res
    return out
