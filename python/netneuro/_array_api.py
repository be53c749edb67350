"""Array API support: one code path for NumPy, CuPy, PyTorch and array-api-strict.

Dense functions take ``xp, native = namespace(x)`` and write their algebra
with ``xp`` only (the Python Array API standard, through array-api-compat),
so a CuPy array or a torch tensor (CPU or CUDA) is computed on its own device
and returned in its own namespace, never converted to NumPy behind the user's
back.  ``native`` is True for NumPy input, where the compiled core (or a
LAPACK routine the standard lacks) may take over when it is faster.
"""

from __future__ import annotations

import numpy as np

__all__ = ["namespace", "is_numpy", "float_dtype", "device_of", "dense_namespaces"]


def is_numpy(x) -> bool:
    """A NumPy array, NumPy scalar, or a (nested) list of numbers."""
    return not hasattr(x, "__array_namespace__") or isinstance(x, (np.ndarray, np.generic))


def namespace(*arrays):
    """``(xp, native)``: the Array API namespace of ``arrays`` and whether it is NumPy.

    Lists, tuples and NumPy arrays give ``(numpy, True)``.  Arrays of other
    libraries give their array-api-compat namespace; mixing libraries is an
    error (``TypeError``), as is a library array-api-compat does not know.
    """
    foreign = [a for a in arrays if not is_numpy(a)]
    if not foreign:
        return np, True
    try:
        from array_api_compat import array_namespace
    except ImportError:  # pragma: no cover - a dependency of netneuro
        raise TypeError("arrays other than NumPy need the array-api-compat package") from None
    try:
        xp = array_namespace(*foreign)
    except TypeError as exc:
        raise TypeError(f"inputs must come from one array library: {exc}") from None
    if any(isinstance(a, (np.ndarray, np.generic)) for a in arrays):
        raise TypeError(f"inputs mix NumPy arrays with {xp.__name__} arrays; convert one side")
    return xp, False


def float_dtype(x, xp):
    """float32 stays float32 (documented per function); everything else computes in float64."""
    return xp.float32 if x.dtype == xp.float32 else xp.float64


def device_of(x):
    from array_api_compat import device

    return device(x)


def dense_namespaces() -> dict:
    """The array libraries importable here, for :func:`netneuro.show_config`."""
    found = {"numpy": np.__version__}
    for name in ("cupy", "torch", "array_api_strict"):
        try:
            mod = __import__(name)
        except Exception:  # noqa: BLE001 - an optional library that fails to import
            continue
        version = getattr(mod, "__version__", "?")
        if name == "cupy" or name == "torch":
            try:
                ok = (mod.cuda.is_available() if name == "torch"
                      else mod.cuda.runtime.getDeviceCount() > 0)
            except Exception:  # noqa: BLE001
                ok = False
            version += " (GPU)" if ok else " (CPU only)"
        found[name] = version
    return found
