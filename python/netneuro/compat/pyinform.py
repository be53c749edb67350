"""PyInform-compatible transfer entropy and mutual information.

``from netneuro.compat.pyinform import transfer_entropy, mutual_info`` replaces
``from pyinform import ...`` with the same signatures, shapes and units (bits):
integer-coded series, 1-D ``(m,)`` or several initial conditions ``(n, m)``
(counts pooled over the rows, histories never crossing rows), background
processes to condition on, and local (pointwise) values.  Computed by
:mod:`netneuro.infotheory`'s plug-in estimator in the compiled core.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _core
from ..infotheory import _check_codes

__all__ = ["transfer_entropy", "mutual_info"]

_info = _core.infotheory
_LN2 = math.log(2.0)


def _series(x, name):
    arr = np.asarray(x)
    if arr.ndim == 0 or arr.size == 0:
        raise ValueError(f"{name} has no initial conditions")
    if arr.ndim > 2:
        raise ValueError(f"{name} has too great a dimension; must be 2 or less")
    return arr


def transfer_entropy(source, target, k, condition=None, local=False):
    """Transfer entropy (bits) from ``source`` to ``target`` with target history ``k``.

    As ``pyinform.transfer_entropy``: the source's value at ``t - 1`` and the
    target's ``k`` past values predict the target at ``t``; ``condition``:
    background series (``(m,)``, ``(z, m)`` for ``z`` processes with 1-D
    inputs, ``(n, m)`` or ``(z, n, m)`` with ``n`` initial conditions) whose
    state at ``t - 1`` is conditioned on.  ``local=True`` returns ``(n, m - k)``
    local values.
    """
    xs = _series(source, "source")
    ys = _series(target, "target")
    if xs.shape != ys.shape:
        raise ValueError("source and target timeseries are different shapes")
    k = int(k)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    n, m = (1, xs.shape[0]) if xs.ndim == 1 else xs.shape
    src, _ = _check_codes(xs.reshape(-1), "source")
    tgt, _ = _check_codes(ys.reshape(-1), "target")
    cond = None
    cond_base = 1
    if condition is not None:
        cs = np.asarray(condition)
        if cs.ndim == 1 and cs.shape == xs.shape or (cs.ndim == 2 and xs.ndim == 2 and cs.shape == xs.shape):
            z = cs.reshape(1, n * m)
        elif (cs.ndim == 2 and xs.ndim == 1 and cs.shape[1:] == xs.shape) or \
                (cs.ndim == 3 and cs.shape[1:] == xs.shape):
            z = cs.reshape(cs.shape[0], n * m)
        elif cs.ndim > 3:
            raise ValueError("condition has too great a dimension; must be 3 or less")
        else:
            raise ValueError("condition has a shape that's inconsistent with the source and target")
        zc, _ = _check_codes(np.ascontiguousarray(z.T), "condition")
        _, inv = np.unique(zc, axis=0, return_inverse=True)
        cond = np.ascontiguousarray(np.asarray(inv, dtype=np.int32).reshape(-1))
        cond_base = max(2, int(cond.max()) + 1)
    alph = max(2, int(src.max()) + 1, int(tgt.max()) + 1)
    if float(alph) ** (k + 2) * cond_base >= 2.0**62:
        raise ValueError("alphabet too large for the requested history")
    if m <= k:
        if local:
            return np.empty((n, 0))
        raise ValueError(f"time series of length {m} too short for history k={k}")
    if local:
        out = _info.te_discrete_local(np.ascontiguousarray(src[:, 0]),
                                      np.ascontiguousarray(tgt[:, 0]), cond, alph, k, 1, 1,
                                      cond_base, m)
        return out.reshape(n, m - k) / _LN2
    te = _info.te_discrete(src, tgt, cond, alph, k, 1, 1, cond_base, m, False, 1)
    return float(te[0, 0]) / _LN2


def mutual_info(xs, ys, local=False):
    """Mutual information (bits) of two integer series of the same shape.

    As ``pyinform.mutual_info``: all entries are pooled (the arrays are
    flattened); ``local=True`` returns pointwise values of the input's shape.
    """
    us = np.asarray(xs)
    vs = np.asarray(ys)
    if us.shape != vs.shape:
        raise ValueError("timeseries lengths do not match")
    x, _ = _check_codes(us.reshape(-1), "xs")
    y, _ = _check_codes(vs.reshape(-1), "ys")
    alph = max(2, int(x.max()) + 1, int(y.max()) + 1)
    if local:
        out = _info.te_discrete_local(np.ascontiguousarray(x[:, 0]), np.ascontiguousarray(y[:, 0]),
                                      None, alph, 0, 1, 0, 1, 0)
        return (out / _LN2).reshape(us.shape)
    mi = _info.te_discrete(x, y, None, alph, 0, 1, 0, 1, 0, False, 1)
    return float(mi[0, 0]) / _LN2
