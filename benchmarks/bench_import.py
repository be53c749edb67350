"""Import time of netneuro, measured in fresh processes, optionally side by side with another tree.

``python benchmarks/bench_import.py [--runs 15] [--baseline /path/to/other/python]``

Each measurement is a fresh ``python`` process that times one import statement with
``time.perf_counter`` (interpreter start-up, ``site`` and the process exit are not counted):

* cold: nothing imported before (the statement pays for NumPy, SciPy, ... too);
* warm: ``import numpy`` done first (what netneuro adds to a session that already has NumPy).

The trees (this one and ``--baseline``) alternate process by process, so a loaded machine slows
them alike; the table gives medians over ``--runs`` processes per cell.  The operating system's
file cache is warm in both cases (the files have been read before): "cold" means a cold
interpreter, not a cold disk.  netneuro's modules are loaded from a bytecode cache (in a
temporary ``PYTHONPYCACHEPREFIX``, filled by a first unmeasured process), as from an installed
wheel; ``--no-bytecode`` compiles them from source in every process instead (what a source
checkout with ``PYTHONDONTWRITEBYTECODE=1`` pays).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile

STATEMENTS = {
    "import netneuro": "import netneuro",
    "from netneuro import connectivity, graph, control, topology, maxent":
        "from netneuro import connectivity, graph, control, topology, maxent",
}

_PROBE = """
import time, sys
{pre}
t0 = time.perf_counter()
{stmt}
t1 = time.perf_counter()
heavy = [m for m in ("scipy.linalg", "scipy.sparse", "scipy.special", "scipy.stats", "sklearn",
                     "pandas", "matplotlib", "dask", "threadpoolctl") if m in sys.modules]
print(t1 - t0, ",".join(heavy))
"""


_ENV = {}


def _one(python_path, stmt, warm):
    env = dict(os.environ, PYTHONPATH=python_path, **_ENV)
    if "PYTHONPYCACHEPREFIX" in _ENV:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    code = _PROBE.format(pre="import numpy" if warm else "", stmt=stmt)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.split()
    return float(out[0]), (out[1] if len(out) > 1 else "")


def measure(trees, runs=15):
    """``{(tree, statement, mode): (median seconds, modules loaded)}`` over ``runs`` processes
    per cell, the trees alternating."""
    times, mods = {}, {}
    for path in trees.values():  # fills the bytecode cache (unmeasured)
        _one(path, "from netneuro import connectivity, graph, control, topology, maxent", False)
    for _ in range(runs):
        for stmt in STATEMENTS.values():
            for warm in (False, True):
                for name, path in trees.items():
                    t, m = _one(path, stmt, warm)
                    key = (name, stmt, "warm" if warm else "cold")
                    times.setdefault(key, []).append(t)
                    mods[key] = m
    return {k: (statistics.median(v), mods[k]) for k, v in times.items()}


def cases(quick):
    """No in-process cases (``run.py`` collects every bench_*.py): run this file directly."""
    return []


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--baseline", help="the python/ folder of another netneuro tree")
    ap.add_argument("--no-bytecode", action="store_true",
                    help="compile netneuro from source in every process")
    args = ap.parse_args()
    cache = None
    if not args.no_bytecode:
        cache = tempfile.TemporaryDirectory(prefix="netneuro-pycache-")
        _ENV["PYTHONPYCACHEPREFIX"] = cache.name
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "python")
    trees = {"this tree": here}
    if args.baseline:
        trees = {"baseline": args.baseline, **trees}
    res = measure(trees, args.runs)
    print(f"| statement | mode | {' | '.join(trees)} | heavy modules loaded ({list(trees)[-1]}) |")
    print("|---|---|" + "---|" * len(trees) + "---|")
    for stmt in STATEMENTS.values():
        for mode in ("cold", "warm"):
            cells = " | ".join(f"{1e3 * res[(t, stmt, mode)][0]:.0f} ms" for t in trees)
            print(f"| `{stmt}` | {mode} | {cells} | {res[(list(trees)[-1], stmt, mode)][1]} |")


if __name__ == "__main__":
    main()
