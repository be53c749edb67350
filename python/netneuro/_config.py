"""Global settings and the build/runtime report (:func:`show_config`)."""

from __future__ import annotations

import platform
import sys
from contextlib import contextmanager

from . import _parallel


def get_config() -> dict:
    """Return a copy of the global settings (``n_jobs``: default thread count)."""
    return dict(_parallel._DEFAULT)


def set_config(*, n_jobs=None) -> None:
    """Set the default ``n_jobs`` used when a function is called with ``n_jobs=None``.

    ``None`` restores the default: the ``NETNEURO_N_JOBS`` environment variable
    if set, else 1 (scikit-learn semantics).
    """
    if n_jobs is not None:
        _parallel.check_n_jobs(n_jobs)
    _parallel._DEFAULT["n_jobs"] = n_jobs


@contextmanager
def config_context(*, n_jobs=None):
    """Temporarily change the settings of :func:`set_config` inside a ``with`` block."""
    old = get_config()
    set_config(n_jobs=n_jobs)
    try:
        yield
    finally:
        _parallel._DEFAULT.update(old)


def _info() -> dict:
    from . import _backend, _core
    from ._array_api import dense_namespaces

    build = dict(_core.build_info)
    try:
        from . import _cuda  # noqa: F401

        cuda_built = True
    except ImportError:
        cuda_built = False
    return {
        "netneuro": build["version"],
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "compiler": build["compiler"],
        "build type": build["build_type"],
        "sanitizers": build["sanitizers"] or "none",
        "core areas": ", ".join(build["areas"]),
        "hardware threads": _core.hardware_threads(),
        "usable CPUs": _parallel.available_cpus(),
        "default n_jobs": _parallel.check_n_jobs(None),
        "CUDA module built": cuda_built,
        "CuPy / GPU": _backend.gpu_status(),
        "array namespaces": ", ".join(f"{k} {v}" for k, v in dense_namespaces().items()),
    }


def show_config(file=None) -> None:
    """Print the version, compiler, threads, CUDA/CuPy availability and the array
    namespaces found (NumPy, array-api-compat, CuPy, torch, array-api-strict)."""
    info = _info()
    width = max(map(len, info))
    for key, value in info.items():
        print(f"{key:>{width}} : {value}", file=file or sys.stdout)
