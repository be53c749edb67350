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

__all__ = ["namespace", "is_numpy", "float_dtype", "device_of", "dense_namespaces", "solve",
           "inv"]


def is_numpy(x) -> bool:
    """A NumPy array or scalar, or anything that is no array of another library (lists)."""
    if isinstance(x, (np.ndarray, np.generic, list, tuple, int, float)):
        return True
    from array_api_compat import is_array_api_obj, is_numpy_array

    return is_numpy_array(x) or not is_array_api_obj(x)


def namespace(*arrays):
    """``(xp, native)``: the Array API namespace of ``arrays`` and whether it is NumPy.

    Lists, tuples and NumPy arrays give ``(numpy, True)``.  Arrays of other
    libraries give their array-api-compat namespace; mixing libraries is an
    error (``TypeError``), as is a library array-api-compat does not know.
    """
    for a in arrays:  # a list of torch tensors would be converted silently (or fail on a GPU)
        if isinstance(a, (list, tuple)) and a and not all(is_numpy(x) for x in a):
            raise TypeError("a cohort of non-NumPy arrays must be one stacked array (S, T, N) "
                            "(e.g. torch.stack(subjects)), not a list")
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
    """The array libraries importable here, for :func:`netneuro.show_config`: NumPy,
    array-api-compat (which the non-NumPy paths need), CuPy, torch and array-api-strict,
    each with its version (GPU or CPU only for CuPy and torch) or "not installed"."""
    found = {"numpy": np.__version__}
    for name in ("array_api_compat", "cupy", "torch", "array_api_strict"):
        try:
            mod = __import__(name)
        except Exception:  # noqa: BLE001 - an optional library that fails to import
            found[name] = "not installed"
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


def check_array_xp(x, name: str, xp, *, ndim=None, square: bool = False):
    """Validation of a non-NumPy array, in its own namespace and on its own device.

    The counterpart of :func:`netneuro._validation.check_array` for the Array API
    paths: real floating dtype (integers and bools are promoted to float64),
    dimensionality, squareness of the last two axes, finiteness.  Returns ``x``
    in a floating dtype (float32 kept).
    """
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            raise ValueError(f"{name} must have {' or '.join(map(str, allowed))} dimensions, "
                             f"got shape {tuple(x.shape)}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{name} must be square, got shape {tuple(x.shape)}")
    if not xp.isdtype(x.dtype, "real floating"):
        if xp.isdtype(x.dtype, ("integral", "bool")):
            x = xp.astype(x, xp.float64)
        else:
            raise TypeError(f"{name} must be real floating point, got dtype {x.dtype}")
    if 0 in tuple(x.shape):
        raise ValueError(f"{name} must not be empty, got shape {tuple(x.shape)}")
    if not bool(xp.all(xp.isfinite(x))):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return x


def symmetric_mask_xp(A, xp, rtol: float = 1e-12):
    """Per matrix of a stack (S, N, N): ``max|A - A^T| <= rtol max|A|`` (a bool array (S,))."""
    diff = xp.max(xp.abs(A - xp.matrix_transpose(A)), axis=(-2, -1))
    return diff <= rtol * xp.max(xp.abs(A), axis=(-2, -1))


def available_memory_xp(xp, dev) -> float:
    """Bytes free on the device ``dev`` of namespace ``xp`` (GPU memory for CUDA arrays,
    the host's available memory otherwise), for memory guards of the Array API paths."""
    name = xp.__name__
    try:
        if "torch" in name and getattr(dev, "type", "cpu") == "cuda":
            import torch

            return float(torch.cuda.mem_get_info(dev)[0])
        if "cupy" in name:
            import cupy

            with cupy.cuda.Device(getattr(dev, "id", 0)):
                return float(cupy.cuda.runtime.memGetInfo()[0])
    except Exception:  # noqa: BLE001 - no guard is better than a crash in the guard
        return float("inf")
    from ._validation import available_memory

    return available_memory()


# ---------------------------------------------------------------------------
# batched LU (solve / inv)
#
# torch 2.13's CPU build (MKL) returns garbage without an error, hangs, or raises
# "Pivots given to lu_solve ..." for *batched* LU of matrices of order above ~128
# when torch runs more than one thread (seen here: inv of 8 SPD 200 x 200 matrices
# had a residual of 6e17).  Single matrices, Cholesky and eigh are unaffected.
# Every batched solve and inverse of the Array API paths goes through these two
# functions, which take torch CPU stacks of such matrices one matrix at a time.
_TORCH_CPU_BATCHED_LU_MAX_ORDER = 64


def _loop_lu(A, xp) -> bool:
    if A.ndim < 3 or A.shape[-1] <= _TORCH_CPU_BATCHED_LU_MAX_ORDER:
        return False
    from array_api_compat import is_torch_namespace

    return is_torch_namespace(xp) and getattr(A, "device", None) is not None \
        and A.device.type == "cpu"


def solve(A, B, xp):
    """``xp.linalg.solve(A, B)`` for ``A`` ``(..., n, n)`` and ``B`` ``(..., n, k)``
    (broadcast batch dimensions), safe on torch CPU stacks (see above)."""
    if not _loop_lu(A, xp):
        return xp.linalg.solve(A, B)
    shape = tuple(xp.broadcast_arrays(A[..., :1], B[..., :1, :1])[0].shape[:-2])
    A = xp.reshape(xp.broadcast_to(A, shape + A.shape[-2:]), (-1,) + A.shape[-2:])
    Bb = xp.reshape(xp.broadcast_to(B, shape + B.shape[-2:]), (-1,) + B.shape[-2:])
    out = [xp.linalg.solve(A[s, ...], Bb[s, ...]) for s in range(A.shape[0])]
    return xp.reshape(xp.stack(out), shape + B.shape[-2:])


def inv(A, xp):
    """``xp.linalg.inv(A)`` for ``A`` ``(..., n, n)``, safe on torch CPU stacks (see above)."""
    if not _loop_lu(A, xp):
        return xp.linalg.inv(A)
    flat = xp.reshape(A, (-1,) + A.shape[-2:])
    return xp.reshape(xp.stack([xp.linalg.inv(flat[s, ...]) for s in range(flat.shape[0])]),
                      A.shape)
