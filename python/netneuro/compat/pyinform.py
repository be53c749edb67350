"""PyInform-compatible transfer entropy and mutual information.

``from netneuro.compat.pyinform import transfer_entropy, mutual_info`` replaces
``from pyinform import ...`` with the same signatures, shapes and units (bits):
integer-coded series, 1-D ``(m,)`` or several initial conditions ``(n, m)``
(counts pooled over the rows, histories never crossing rows), background
processes to condition on, and local (pointwise) values.  A facade over
:func:`netneuro.infotheory.transfer_entropy` (``trial_length=``),
:func:`~netneuro.infotheory.local_transfer_entropy`,
:func:`~netneuro.infotheory.mutual_information` and
:func:`~netneuro.infotheory.local_mutual_information`.

Errors: invalid input raises :class:`InformError`, a subclass of both
``ValueError`` and (when PyInform is importable) ``pyinform.error.InformError``,
so ``except InformError`` and ``except ValueError`` both catch it.  A series
too short for the history ``k`` raises, for local values too.

Known difference from PyInform 0.2.0 (inform 1.0.0): with several initial
conditions *and* a ``condition``, inform 1.0.0 reads the background of
initial condition ``i`` at the flat offset ``n * i`` instead of ``m * i``
(fixed upstream in inform 1.0.1); we use each initial condition's own
background, i.e. the pooled plug-in definition, so those values differ from
PyInform 0.2.0's (tests/test_infotheory.py shows both).
"""

from __future__ import annotations

import numpy as np

from .. import infotheory

__all__ = ["transfer_entropy", "mutual_info", "InformError"]

try:  # subclass PyInform's error when it is installed, without requiring it
    from pyinform.error import InformError as _PyInformError
except ImportError:  # pragma: no cover - depends on the environment
    _BASES: tuple = (ValueError,)
else:
    _BASES = (_PyInformError, ValueError)


class InformError(*_BASES):
    """Invalid input to a PyInform-compatible function.

    Subclass of ``ValueError`` and, when PyInform is installed, of
    ``pyinform.error.InformError``.  ``error_code`` is -1 (no inform C call
    was made).
    """

    def __init__(self, msg="an inform error occurred", func=None):
        if func is not None:
            msg = f"an inform error occurred in `{func}` - \"{msg}\""
        Exception.__init__(self, msg)
        self.error_code = -1


def _series(x, name):
    arr = np.asarray(x)
    if arr.ndim == 0 or arr.size == 0:
        raise InformError(f"{name} has no initial conditions")
    if arr.ndim > 2:
        raise InformError(f"{name} has too great a dimension; must be 2 or less")
    return arr


def _condition(condition, xs):
    """PyInform's background shapes -> (n * m, z) for netneuro's ``condition``."""
    cs = np.asarray(condition)
    if cs.shape == xs.shape:
        return cs.reshape(-1, 1)
    if (cs.ndim == 2 and xs.ndim == 1 and cs.shape[1:] == xs.shape) or \
            (cs.ndim == 3 and cs.shape[1:] == xs.shape):
        return cs.reshape(cs.shape[0], -1).T
    if cs.ndim > 3:
        raise InformError("condition has too great a dimension; must be 3 or less")
    raise InformError("condition has a shape that's inconsistent with the source and target")


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
        raise InformError("source and target timeseries are different shapes")
    try:
        k = int(k)
    except (TypeError, ValueError) as err:
        raise InformError(f"k must be an integer, got {k!r}") from err
    if k < 1:
        raise InformError(f"k must be >= 1, got {k}")
    n, m = (1, xs.shape[0]) if xs.ndim == 1 else xs.shape
    cond = None if condition is None else _condition(condition, xs)
    src, tgt = xs.reshape(-1), ys.reshape(-1)
    try:
        if local:
            out = infotheory.local_transfer_entropy(src, tgt, history=k, condition=cond,
                                                    trial_length=m)
            return out.reshape(n, m - k)
        return infotheory.transfer_entropy(src, tgt, history=k, condition=cond, trial_length=m)
    except ValueError as err:
        raise InformError(str(err)) from err


def mutual_info(xs, ys, local=False):
    """Mutual information (bits) of two integer series of the same shape.

    As ``pyinform.mutual_info``: all entries are pooled (the arrays are
    flattened); ``local=True`` returns pointwise values of the input's shape.
    """
    us = np.asarray(xs)
    vs = np.asarray(ys)
    if us.shape != vs.shape:
        raise InformError("timeseries lengths do not match")
    if us.size == 0:
        raise InformError("timeseries are empty")
    try:
        if local:
            return infotheory.local_mutual_information(us.reshape(-1),
                                                       vs.reshape(-1)).reshape(us.shape)
        return infotheory.mutual_information(us.reshape(-1), vs.reshape(-1))
    except ValueError as err:
        raise InformError(str(err)) from err
