"""netneuro: network neuroscience at compiled speed.

Turn activity and wiring into networks, and networks into numbers:
functional connectomes and transfer entropy (:mod:`netneuro.connectivity`,
:mod:`netneuro.infotheory`), pairwise maximum-entropy models
(:mod:`netneuro.maxent`), Vietoris-Rips persistent homology
(:mod:`netneuro.topology`), network control (:mod:`netneuro.control`) and graph
metrics (:mod:`netneuro.graph`), on a C++ core with std::thread parallelism.

Conventions: time series are ``(n_timepoints, n_regions)``; connectivity
matrices are ``(N, N)`` with ``M[i, j]`` the influence of source ``i`` on target
``j``; batches stack a leading subject axis; float64 throughout unless stated.
"""

from ._config import get_config, set_config, show_config

__all__ = ["__version__", "show_config", "get_config", "set_config"]


def __getattr__(name):
    # Imported on first use (PEP 562): the compiled core without the scipy.linalg package
    # (``from . import _core`` in the submodules comes here), the version from the
    # package metadata (importlib.metadata costs ~20 ms).
    if name == "_core":
        from ._lapack import import_core

        return import_core()
    if name == "__version__":
        from ._version import __version__

        globals()["__version__"] = __version__
        return __version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
