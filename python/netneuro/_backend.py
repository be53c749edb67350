"""NumPy / CuPy dispatch.

CuPy is optional.  ``device="cpu" | "gpu" | "auto"``: "auto" picks the GPU
when the input already lives there (a CuPy array) or, for NumPy input, stays on
the CPU.  Without CuPy or a CUDA device, asking for "gpu" raises a clear error
and everything else runs on the CPU.
"""

from __future__ import annotations

import numpy as np

_DEVICES = ("cpu", "gpu", "auto")


def cupy_module():
    """Return the ``cupy`` module, or ``None`` if it cannot be imported."""
    try:
        import cupy
    except Exception:  # ImportError, or a broken CUDA install
        return None
    return cupy


def gpu_available() -> bool:
    """True when CuPy imports and at least one CUDA device is visible."""
    cp = cupy_module()
    if cp is None:
        return False
    try:
        return cp.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def gpu_status() -> str:
    cp = cupy_module()
    if cp is None:
        return "CuPy not installed"
    if not gpu_available():
        return f"CuPy {cp.__version__}, no CUDA device"
    props = cp.cuda.runtime.getDeviceProperties(0)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    return f"CuPy {cp.__version__}, {name}"


def is_cupy_array(x) -> bool:
    cp = cupy_module()
    return cp is not None and isinstance(x, cp.ndarray)


def resolve_device(device, *arrays) -> str:
    """Validate ``device`` and return "cpu" or "gpu"."""
    if device not in _DEVICES:
        raise ValueError(f"device must be one of {_DEVICES}, got {device!r}")
    on_gpu = any(is_cupy_array(a) for a in arrays)
    if device == "auto":
        return "gpu" if on_gpu else "cpu"
    if device == "gpu" and not gpu_available():
        raise RuntimeError(
            "device='gpu' needs CuPy and a CUDA device: install netneuro[gpu] "
            f"on a machine with a GPU ({gpu_status()})"
        )
    return device


def array_module(device: str):
    """NumPy for "cpu", CuPy for "gpu"."""
    return cupy_module() if device == "gpu" else np


def to_numpy(x):
    """Bring an array to the host as a NumPy array (no copy if already NumPy)."""
    if is_cupy_array(x):
        return x.get()
    return np.asarray(x)
