"""Import the compiled core without importing the ``scipy.linalg`` package.

``netneuro._core`` takes SciPy's BLAS/LAPACK routines (the C-API capsules of
``scipy.linalg.cython_blas`` and ``scipy.linalg.cython_lapack``) when it is
imported.  Importing those two modules the ordinary way first imports the
``scipy.linalg`` package, which costs about 0.3 s (its array-API layer imports
``numpy.testing``, ``numpy.f2py``, ...) and is needed by none of the core.

:func:`import_core` loads the two extension modules straight from their files,
imports the core (which finds them in ``sys.modules``), and takes them out of
``sys.modules`` again, so that a later ``import scipy.linalg`` imports them the
ordinary way (Cython hands back the module object it already initialised) and
sets them as attributes of the package.  Anything unexpected falls back to the
ordinary import, which gives the same core.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import sys

_MODULES = ("scipy.linalg.cython_blas", "scipy.linalg.cython_lapack")


def _load_extension(name):
    """Load the extension module ``name`` from its file, without importing its parent."""
    top = importlib.util.find_spec("scipy")  # finds, does not import, the top-level package
    folder = os.path.join(list(top.submodule_search_locations)[0], "linalg")
    short = name.rpartition(".")[2]
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(folder, short + suffix)
        if os.path.isfile(path):
            break
    else:
        raise ImportError(f"no extension file for {name} in {folder}")
    loader = importlib.machinery.ExtensionFileLoader(name, path)
    spec = importlib.util.spec_from_file_location(name, path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


def import_core():
    """``netneuro._core``, imported without importing ``scipy.linalg`` when that is not yet
    imported (same module, same routines)."""
    if "netneuro._core" in sys.modules:
        return sys.modules["netneuro._core"]
    preloaded = {}
    if "scipy.linalg" not in sys.modules:
        try:
            for name in _MODULES:
                if name not in sys.modules:
                    preloaded[name] = _load_extension(name)
        except Exception:  # any surprise: let the core import scipy.linalg itself
            for name in preloaded:
                sys.modules.pop(name, None)
            preloaded = {}
    try:
        return importlib.import_module("netneuro._core")
    finally:
        if "scipy.linalg" not in sys.modules:
            for name, module in preloaded.items():
                if sys.modules.get(name) is module:
                    del sys.modules[name]
