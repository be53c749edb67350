"""Importing netneuro stays light: no plotting, dataframe, cluster or scikit-learn stack, and no
scipy.linalg for the core areas (the compiled core takes SciPy's LAPACK without it).

Each check runs in a fresh interpreter (``sys.modules`` of this one is full of test imports).
Speed itself is measured in benchmarks/bench_import.py, not asserted here.
"""

import os
import subprocess
import sys

import pytest

HEAVY = ("matplotlib", "dask", "pandas", "sklearn")

SUBMODULES = ("connectivity", "infotheory", "control", "maxent", "graph", "topology", "cohort",
              "ann", "network_inference", "generate", "io", "stats", "distance", "pipelines",
              "plotting", "report", "cli", "compat")


def _run(code):
    # the netneuro under test (a source tree with its compiled core, or an installed package)
    import netneuro

    env = dict(os.environ)
    src = os.path.dirname(os.path.dirname(os.path.abspath(netneuro.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.split()


@pytest.mark.parametrize("stmt", ["import netneuro"] + [f"import netneuro.{m}" for m in SUBMODULES])
def test_import_does_not_load_heavy_libraries(stmt):
    loaded = _run(f"import sys\n{stmt}\n"
                  f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    assert loaded == [], f"{stmt!r} imported {loaded}"


def test_core_areas_import_without_scipy_linalg():
    loaded = _run("import sys\n"
                  "from netneuro import connectivity, graph, control, topology, maxent\n"
                  "print(' '.join(m for m in ('scipy.linalg', 'scipy.sparse', 'scipy.special',"
                  " 'scipy.stats') if m in sys.modules))")
    assert loaded == []


def test_core_lapack_works_and_scipy_linalg_imports_normally_afterwards():
    # the core's LAPACK (dsyevd through SciPy's capsules) on a matrix with a known spectral
    # radius (2: eigenvalues 0 and 2), then the scipy.linalg package and its two Cython modules
    # imported the ordinary way afterwards (attributes set, same module objects)
    out = _run(
        "import sys, numpy as np\n"
        "from netneuro import control\n"
        "A = np.array([[1.0, 1.0], [1.0, 1.0]])\n"
        "print(repr(float(control.normalize(A, 'discrete', c=0.0)[0, 0])))\n"
        "import scipy.linalg, scipy.linalg.cython_blas, scipy.linalg.cython_lapack\n"
        "from scipy.linalg import lapack\n"
        "print(scipy.linalg.cython_blas is sys.modules['scipy.linalg.cython_blas'],"
        " scipy.linalg.cython_lapack is sys.modules['scipy.linalg.cython_lapack'])\n"
        "print(repr(float(lapack.dpotrf(4.0 * np.eye(2))[0][0, 0])))\n")
    assert out == ["0.5", "True", "True", "2.0"]
