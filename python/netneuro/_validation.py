"""Input checks for every public function: the one place for their messages.

Each checker takes the value and the *argument name* the user passed, and
raises ``TypeError`` (wrong kind of object or dtype), ``ValueError`` (wrong
shape or values) or ``MemoryError`` (a result that would not fit), naming the
argument and what was expected.  Checkers return the value converted to the
form the compiled core wants (C-contiguous float64 unless stated), so callers
write ``X = check_array(X, "X", ndim=2)`` and hand ``X`` on.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Sequence

import numpy as np

# ---------------------------------------------------------------------------
# scalars and options


def check_choice(value, name: str, choices) -> str:
    """``value`` must be one of ``choices`` (strings compared as given)."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


def check_int(value, name: str, *, min_value=None, max_value=None) -> int:
    """An integer (bools rejected) within ``[min_value, max_value]``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    value = int(value)
    if min_value is not None and value < min_value:
        raise ValueError(f"{name} must be >= {min_value}, got {value}")
    if max_value is not None and value > max_value:
        raise ValueError(f"{name} must be <= {max_value}, got {value}")
    return value


def check_float(value, name: str, *, min_value=None, max_value=None, strict_min=False,
                allow_inf=False) -> float:
    """A real number (finite unless ``allow_inf``) within the given bounds."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    value = float(value)
    if np.isnan(value) or (np.isinf(value) and not allow_inf):
        raise ValueError(f"{name} must be finite, got {value}")
    if min_value is not None:
        if strict_min and not value > min_value:
            raise ValueError(f"{name} must be > {min_value}, got {value}")
        if not strict_min and value < min_value:
            raise ValueError(f"{name} must be >= {min_value}, got {value}")
    if max_value is not None and value > max_value:
        raise ValueError(f"{name} must be <= {max_value}, got {value}")
    return value


def is_prime(p: int) -> bool:
    if p < 2:
        return False
    i = 2
    while i * i <= p:
        if p % i == 0:
            return False
        i += 1
    return True


def check_prime(value, name: str, *, max_value: int = 2**31 - 1) -> int:
    """A prime integer (e.g. the coefficient field Z/p of persistent homology)."""
    value = check_int(value, name, min_value=2, max_value=max_value)
    if not is_prime(value):
        raise ValueError(f"{name} must be a prime number, got {value}")
    return value


def check_random_state(seed) -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``None``, an int seed or a Generator."""
    if seed is None or isinstance(seed, np.random.Generator):
        return np.random.default_rng(seed)
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"seed must be None, an int or a numpy.random.Generator, got {type(seed).__name__}"
        )
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    return np.random.default_rng(int(seed))


def seed_for_core(seed, size=None):
    """Seed(s) for the C++ core, drawn from ``seed`` (an int, None or a Generator).

    The one spelling of "random state -> core key": non-negative integers below
    2**63 (an ``int``, or an int64 array of shape ``size``).  A Generator passed
    in is advanced, so successive calls give independent keys.
    """
    draw = check_random_state(seed).integers(0, 2**63 - 1, size=size)
    return int(draw) if size is None else draw


def check_bool(value, name: str) -> bool:
    """``True`` or ``False`` (Python or NumPy bool; integers such as 0/1 rejected)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def constant_columns(X, rtol: float = 0.0) -> np.ndarray:
    """Indices of the columns of a 2-D array that are constant over its rows.

    ``rtol=0``: exactly constant (every value equal), the meaning for discrete
    and binary data.  ``rtol>0``: numerically constant, standard deviation
    ``<= rtol * max|x|`` (a series whose correlations are round-off only).
    """
    X = np.asarray(X)
    if X.shape[0] == 0:
        return np.zeros(0, dtype=np.intp)
    if rtol == 0.0:
        return np.flatnonzero(np.all(X == X[:1], axis=0))
    scale = np.maximum(np.abs(X).max(axis=0), 1e-300)
    return np.flatnonzero(X.std(axis=0) <= rtol * scale)


def reject_constant(X, name: str, why: str, rtol: float = 0.0) -> None:
    """Raise ``ValueError`` naming the first constant column of ``X`` (see constant_columns)."""
    bad = constant_columns(X, rtol)
    if bad.size:
        raise ValueError(f"{name} has a constant series (column {int(bad[0])}): {why}; "
                         "remove it first")


# ---------------------------------------------------------------------------
# arrays

_KINDS = {"f": "floating", "i": "integer", "u": "unsigned integer", "b": "boolean",
          "c": "complex", "O": "object", "U": "string", "S": "bytes", "V": "void",
          "M": "datetime", "m": "timedelta"}


def check_array(x, name: str, *, ndim=None, dtype=np.float64, finite: bool = True,
                min_shape=None, allow_empty: bool = False, copy: bool = False) -> np.ndarray:
    """Validate an array-like and return it C-contiguous in ``dtype``.

    ``ndim`` may be an int or a tuple of allowed ranks.  Booleans and integers
    convert to float; complex, object and string arrays are refused.  With
    ``finite`` NaN and infinities are refused.  ``min_shape`` gives the
    smallest size per axis (``None`` entries are free).
    """
    if hasattr(x, "__cuda_array_interface__") and not isinstance(x, np.ndarray):
        raise TypeError(
            f"{name} is a GPU array; pass device='gpu' where supported or convert it to NumPy"
        )
    if x is None:
        raise TypeError(f"{name} must be an array, got None")
    if hasattr(x, "toarray") and hasattr(x, "nnz"):
        raise TypeError(f"{name} must be a dense array, got a sparse matrix ({type(x).__name__})")
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as exc:  # ragged nested sequences
        raise ValueError(f"{name} could not be converted to an array: {exc}") from None
    kind = arr.dtype.kind
    if kind not in "fiub":
        raise TypeError(
            f"{name} must hold real numbers, got dtype {arr.dtype} ({_KINDS.get(kind, kind)})"
        )
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got {arr.ndim}-D with shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if min_shape is not None:
        for axis, (have, want) in enumerate(zip(arr.shape, min_shape)):
            if want is not None and have < want:
                raise ValueError(
                    f"{name} must have at least {want} entries along axis {axis}, "
                    f"got shape {arr.shape}"
                )
    if dtype is not None:
        if np.dtype(dtype).kind == "f" and kind == "f" and arr.dtype.itemsize > np.dtype(dtype).itemsize:
            # float128 -> float64: values may overflow
            with np.errstate(over="ignore"):
                arr = arr.astype(dtype)
        else:
            arr = arr.astype(dtype, copy=False)
    if finite and arr.dtype.kind == "f" and arr.size and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValueError(
            f"{name} must be finite; found {arr[tuple(bad)]} at index {tuple(int(i) for i in bad)}"
        )
    arr = np.ascontiguousarray(arr)
    if copy and np.shares_memory(arr, np.asarray(x)):
        arr = arr.copy()
    return arr


def check_square(x, name: str, *, batch: bool = False, **kwargs) -> np.ndarray:
    """A square matrix ``(N, N)``; with ``batch`` also a stack ``(S, N, N)``."""
    arr = check_array(x, name, ndim=(2, 3) if batch else 2, **kwargs)
    if arr.shape[-1] != arr.shape[-2]:
        raise ValueError(f"{name} must be square, got shape {arr.shape}")
    return arr


def check_symmetric(x, name: str, *, atol: float = 1e-10, rtol: float = 1e-10) -> None:
    """Raise unless the last two axes are symmetric to the given tolerance."""
    t = np.swapaxes(x, -1, -2)
    scale = np.max(np.abs(x)) if x.size else 0.0
    diff = np.max(np.abs(x - t)) if x.size else 0.0
    if diff > atol + rtol * scale:
        raise ValueError(
            f"{name} must be symmetric; max |{name} - {name}.T| = {diff:.3g}"
        )


def check_nonnegative(x: np.ndarray, name: str) -> None:
    if x.size and np.min(x) < 0:
        raise ValueError(f"{name} must be non-negative; found {np.min(x)}")


def check_timeseries(ts, name: str = "ts", *, min_timepoints: int = 2,
                     min_regions: int = 1, dtype=np.float64) -> np.ndarray:
    """One subject's time series ``(n_timepoints, n_regions)``."""
    arr = check_array(ts, name, ndim=2, dtype=dtype)
    t, n = arr.shape
    if t < min_timepoints:
        raise ValueError(
            f"{name} must have at least {min_timepoints} time points (rows), got {t}; "
            "time series are (n_timepoints, n_regions)"
        )
    if n < min_regions:
        raise ValueError(f"{name} must have at least {min_regions} regions (columns), got {n}")
    return arr


def check_cohort(data, name: str = "ts", **kwargs):
    """One subject ``(T, N)`` or a cohort (list of ``(T_s, N)`` or ``(S, T, N)``).

    Returns ``(list_of_arrays, is_batch)``; every subject must have the same N.
    """
    if isinstance(data, np.ndarray) and data.ndim == 3:
        subjects = [data[s] for s in range(data.shape[0])]
        batch = True
    elif isinstance(data, Sequence) and not isinstance(data, (str, bytes)) and len(data) and \
            np.ndim(data[0]) == 2:
        subjects = list(data)
        batch = True
    else:
        subjects = [data]
        batch = False
    out = []
    for s, x in enumerate(subjects):
        out.append(check_timeseries(x, f"{name}[{s}]" if batch else name, **kwargs))
    if batch:
        if not out:
            raise ValueError(f"{name} is an empty cohort")
        n = out[0].shape[1]
        for s, x in enumerate(out):
            if x.shape[1] != n:
                raise ValueError(
                    f"every subject in {name} must have the same number of regions; "
                    f"{name}[0] has {n}, {name}[{s}] has {x.shape[1]}"
                )
    return out, batch


def check_memory(n_bytes: float, what: str, *, hint: str = "", limit: float | None = None) -> None:
    """Refuse (``MemoryError``) an allocation of ``n_bytes`` that would not fit.

    The limit is the machine's available memory (``/proc/meminfo``
    MemAvailable, else physical memory), or ``limit`` when given.
    """
    if limit is None:
        limit = available_memory()
    if n_bytes > limit:
        msg = (f"{what} would need about {format_bytes(n_bytes)} but only "
               f"{format_bytes(limit)} is available")
        if hint:
            msg += f"; {hint}"
        raise MemoryError(msg)


def available_memory() -> float:
    """Bytes of memory available to a new allocation (best effort)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024.0
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return float("inf")


def format_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024.0
    return f"{n:.1f} PiB"
