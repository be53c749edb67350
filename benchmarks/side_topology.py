"""Rips persistence side by side: netneuro, GUDHI and oineus, each call in a fresh process.

    python benchmarks/side_topology.py [--rounds 3] [--before PYTHONPATH] [--cases o3_4096,torus]

For the heavy sets where GUDHI's RipsPersistence was ahead (#21): every
implementation runs once per round in its own fresh Python process (inputs
loaded and tools imported before the clock starts), the implementations
alternating within each round; the table gives the median over the rounds of
the wall time and of the process's user + system CPU time around the call
(getrusage; the steadier number on a loaded machine).  ``--before`` adds
"netneuro before": the same call with another netneuro on PYTHONPATH (e.g. a
copy of main's python/netneuro with its compiled module).

* o3_4096: dims 0-3, threshold 1.4; the float32-rounded dense matrix for all.
* torus: clifford_torus_50000, dims 0-2, threshold 0.15; netneuro gets the
  2.24 M pairs within 0.15 as a scipy COO matrix (bench_topology's
  clifford_torus_sparse; its conversion is timed), GUDHI the point cloud (its
  own distances timed).
* celegans: celegans (297) dims 0-1, the one standard set small enough for
  oineus (which builds every simplex up to dimension maxdim + 1 explicitly).

netneuro: ``rips(..., dtype=float32, n_jobs=1)`` (and ``n_jobs=2`` for
reference); GUDHI: ``RipsPersistence(homology_coeff_field=2, n_jobs=1)`` (its
n_jobs spreads a batch of inputs over threads, one input runs on one thread);
oineus: 1 thread, Z/2.
Diagrams are checked before the table is printed: netneuro after and before
identical arrays, GUDHI and oineus with bench_topology's check (exact, else
1e-6 relative).  oineus runs only where bench_topology.OINEUS_MAX_SIMPLICES
allows (o3_4096 and the torus would need billions of simplices).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CASES = {  # name -> (maxdim, threshold)
    "o3_4096": (3, 1.4),
    "torus": (2, 0.15),
    "celegans": (1, None),
}


def _build_input(case, out):
    sys.path.insert(0, str(HERE))
    import bench_topology as B
    import scipy.sparse as sp

    if case == "o3_4096":
        np.save(out / "D.npy", B._points("ripser_o3_4096.txt.gz"))
    elif case == "torus":
        P, S = B.clifford_torus_sparse(0.15)
        np.save(out / "P.npy", P)
        sp.save_npz(out / "S.npz", S.tocoo())
    else:
        np.save(out / "D.npy", B._full("roadmap_celegans_distmat.txt.gz"))


def _cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _child(impl, case, indir, outfile):
    """One call, timed; diagrams and times to outfile (npz)."""
    import scipy.sparse as sp

    maxdim, thr = CASES[case]
    indir = Path(indir)
    if case == "torus":
        D, P = sp.load_npz(indir / "S.npz"), np.load(indir / "P.npy")
    else:
        D, P = np.load(indir / "D.npy"), None
    if impl.startswith("netneuro"):
        from netneuro import topology as T

        n_jobs = 2 if impl.endswith("2 threads") else 1

        def fn():
            return T.rips(D, maxdim, metric="precomputed", threshold=thr, dtype=np.float32,
                          n_jobs=n_jobs)
    elif impl == "GUDHI":
        from gudhi.sklearn.rips_persistence import RipsPersistence

        rp = RipsPersistence(homology_dimensions=list(range(maxdim + 1)),
                             threshold=np.inf if thr is None else thr,
                             input_type="full distance matrix" if P is None else "point cloud",
                             homology_coeff_field=2, n_jobs=1)

        def fn():
            return rp.fit_transform([D if P is None else P])[0]
    else:  # oineus
        sys.path.insert(0, str(HERE))
        import bench_topology as B
        import oineus  # noqa: F401

        D32 = D.astype(np.float32)

        def fn():
            return B._oineus(D32, maxdim, thr)
    t0, c0 = time.perf_counter(), _cpu()
    dgms = fn()
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    np.savez(outfile, wall=wall, cpu=cpu,
             **{f"d{k}": np.asarray(d, dtype=np.float64).reshape(-1, 2)
                for k, d in enumerate(dgms)})


def _oineus_fits(case):
    sys.path.insert(0, str(HERE))
    import bench_topology as B

    if not B._installed("oineus") or case == "torus":
        return False
    n = 4096 if case == "o3_4096" else 297
    import math

    return math.comb(n, CASES[case][0] + 2) <= B.OINEUS_MAX_SIMPLICES


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--before", default=None, help="PYTHONPATH of the netneuro to compare with")
    ap.add_argument("--cases", default="o3_4096,torus")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        _child(*a.child)
        return
    sys.path.insert(0, str(HERE))
    import bench_topology as B

    here_path = str(HERE.parent / "python")
    rows = []
    with tempfile.TemporaryDirectory(prefix="nn_side_") as tmp:
        for case in a.cases.split(","):
            indir = Path(tmp) / case
            indir.mkdir()
            _build_input(case, indir)
            impls = {"netneuro after": here_path}
            if a.before:
                impls["netneuro before"] = a.before
            impls["netneuro after, 2 threads"] = here_path
            impls["GUDHI"] = here_path
            if _oineus_fits(case):
                impls["oineus"] = here_path
            res = {k: [] for k in impls}
            dg = {}
            for r in range(a.rounds):
                for impl, pp in impls.items():
                    out = Path(tmp) / f"{case}_{impl.replace(' ', '_')}_{r}.npz"
                    env = dict(os.environ, PYTHONPATH=pp, OMP_NUM_THREADS="1",
                               OPENBLAS_NUM_THREADS="1")
                    subprocess.run([sys.executable, __file__, "--child", impl, case, str(indir),
                                    str(out)], check=True, env=env)
                    z = np.load(out)
                    res[impl].append((float(z["wall"]), float(z["cpu"])))
                    dg[impl] = [z[f"d{k}"] for k in range(CASES[case][0] + 1)]
                    print(f"{case} round {r + 1} {impl}: wall {res[impl][-1][0]:.2f} s, "
                          f"CPU {res[impl][-1][1]:.2f} s", flush=True)
            ref = dg["netneuro after"]
            if "netneuro before" in dg:
                for x, y in zip(ref, dg["netneuro before"], strict=True):
                    np.testing.assert_array_equal(B._sorted(x), B._sorted(y))
            for impl in impls:
                if not impl.startswith("netneuro"):
                    B._check(ref, dg[impl])
            rows.append((case, {k: (statistics.median(w for w, _ in v),
                                    statistics.median(c for _, c in v)) for k, v in res.items()}))
    print(f"\nrounds: {a.rounds}; load average at the end: {os.getloadavg()}\n")
    print("| case | implementation | median wall | median CPU | this / netneuro after (wall) "
          "| this / netneuro after (CPU) |")
    print("|---|---|---|---|---|---|")
    def fmt(t):
        return f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s"

    for case, r in rows:
        w0, c0 = r["netneuro after"]
        maxdim, thr = CASES[case]
        label = f"{case}, dims 0-{maxdim}" + (f", threshold {thr}" if thr is not None else "")
        for k, (w, c) in r.items():
            ratio = "" if k == "netneuro after" else f"{w / w0:.2f}x | {c / c0:.2f}x"
            print(f"| {label} | {k} | {fmt(w)} | {fmt(c)} | {ratio or ' | '} |")
            label = ""


if __name__ == "__main__":
    main()
