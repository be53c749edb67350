"""netneuro.topology: Vietoris–Rips persistence against ripser.py, GUDHI and Ripser++ output.

Tolerances: the float32 path must give *identical* arrays to ripser.py (both
compute in float32 with the same max/min operations, so every birth and death
is the same float32 number).  The float64 path is compared with GUDHI (double
precision) to 1e-12: both return input distances unchanged, so any difference
would be a wrong pairing, not rounding.  Ripser++ reference barcodes are
printed with 6 significant digits, so they are compared at rtol 1e-5.
"""

import gzip
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import lazy_peer, shared_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import pdist, squareform

from netneuro import topology as T

ripser_py = lazy_peer("ripser")
gudhi = lazy_peer("gudhi")

DATA = Path(__file__).resolve().parent / "data" / "topology"


def _sorted(d):
    d = np.asarray(d, dtype=np.float64).reshape(-1, 2)
    return d[np.lexsort((d[:, 1], d[:, 0]))]


def _ripser_dgms(D, maxdim, coeff=2, thresh=np.inf):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ripser_py.ripser(D.astype(np.float32), distance_matrix=True, maxdim=maxdim,
                             coeff=coeff, thresh=thresh)
    return [_sorted(d) for d in r["dgms"]]


def _gudhi_dgms(D, maxdim, coeff=2, thresh=np.inf):
    rc = gudhi.RipsComplex(distance_matrix=D, max_edge_length=thresh)
    st_ = rc.create_simplex_tree(max_dimension=maxdim + 1)
    # persistence_dim_max: also report H_k when the complex has no (k+1)-simplices
    st_.compute_persistence(homology_coeff_field=coeff, min_persistence=0, persistence_dim_max=True)
    return [_sorted(st_.persistence_intervals_in_dimension(d)) for d in range(maxdim + 1)]


def _assert_same(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert x.shape == y.shape, (x.shape, y.shape)
        np.testing.assert_array_equal(x, y)


def _read_lower(path):
    """Ripser's lower-distance format: all lower-triangle values in row-major order."""
    text = Path(path).read_text()
    vals = np.array(text.replace(",", " ").split(), dtype=np.float64)
    m = int(round((1 + np.sqrt(1 + 8 * len(vals))) / 2))
    assert m * (m - 1) // 2 == len(vals)
    D = np.zeros((m, m))
    D[np.tril_indices(m, -1)] = vals  # (1,0), (2,0), (2,1), ...: row-major lower order
    return D + D.T


def _parse_ripser_output(path):
    dgms, cur = {}, None
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line.startswith("persistence intervals in dim"):
            cur = int(line.rstrip(":").split()[-1])
            dgms[cur] = []
        elif line.startswith("[") and cur is not None:
            b, d = line.strip("[)").split(",")
            dgms[cur].append((float(b), np.inf if d.strip() == "" else float(d)))
    return {k: _sorted(np.array(v)) for k, v in dgms.items()}


# ---------------------------------------------------------------------------
# agreement with ripser.py (float32, identical) and GUDHI (float64)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 18), d=st.integers(1, 4), seed=st.integers(0, 2**32 - 1),
       maxdim=st.integers(0, 2), coeff=st.sampled_from([2, 3, 5]),
       rounding=st.sampled_from([None, 0, 1]), dup=st.booleans(),
       thr_q=st.sampled_from([None, 0.3, 0.7, 1.0]))
def test_point_clouds_match_ripser_float32(n, d, seed, maxdim, coeff, rounding, dup, thr_q):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if rounding is not None:  # coarse grids: many tied distances
        X = np.round(X, rounding)
    if dup and n > 3:  # duplicated points (zero distances)
        X[: n // 3] = X[n - n // 3:]
    D = squareform(pdist(X))
    thr = None if thr_q is None else float(np.quantile(D[np.triu_indices(n, 1)], thr_q))
    ours = T.rips(D.astype(np.float32), maxdim, metric="precomputed", coeff=coeff,
                  threshold=thr, dtype=np.float32)
    ref = _ripser_dgms(D, maxdim, coeff, np.inf if thr is None else np.float32(thr))
    _assert_same(ours, ref)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(3, 14), seed=st.integers(0, 2**32 - 1), coeff=st.sampled_from([2, 3, 5]),
       levels=st.sampled_from([3, 10, 1000]), thr_q=st.sampled_from([None, 0.5]))
def test_random_metrics_match_gudhi_float64(n, seed, coeff, levels, thr_q):
    # random symmetric dissimilarities (not necessarily metric) with many ties
    rng = np.random.default_rng(seed)
    A = rng.integers(1, levels + 1, size=(n, n)) / levels + rng.integers(0, 2) * 1e-13
    D = np.triu(A, 1)
    D = D + D.T
    thr = None if thr_q is None else float(np.quantile(D[np.triu_indices(n, 1)], thr_q))
    ours = T.rips(D, 2, metric="precomputed", coeff=coeff, threshold=thr)
    ref = _gudhi_dgms(D, 2, coeff, np.inf if thr is None else thr)
    for x, y in zip(ours, ref):
        assert x.shape == y.shape
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-12)


def test_dimension_3_matches_ripser_and_gudhi(rng):
    X = rng.normal(size=(13, 4))
    D = squareform(pdist(X))
    _assert_same(T.rips(X, 3, dtype=np.float32), _ripser_dgms(D, 3))
    ours = T.rips(X, 3, coeff=3)
    for x, y in zip(ours, _gudhi_dgms(D, 3, 3)):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-12)


def test_dimension_3_on_sphere_s3(rng):
    # points on S^3: a long H3 bar must appear
    X = rng.normal(size=(40, 4))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    D = squareform(pdist(X))
    ours = T.rips(X, 3, dtype=np.float32)
    _assert_same(ours, _ripser_dgms(D, 3))
    assert np.max(ours[3][:, 1] - ours[3][:, 0]) > 0.1  # S^3 fills in late


def test_medium_cloud_dims_0_2_matches_ripser(rng):
    X = rng.random((120, 3))
    D = squareform(pdist(X))
    _assert_same(T.rips(X, 2, dtype=np.float32), _ripser_dgms(D, 2))
    X, D = X[:60], D[:60, :60]  # GUDHI builds the whole simplex tree: keep it small
    ours = T.rips(X, 2)
    for x, y in zip(ours, _gudhi_dgms(D, 2)):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-12)


def test_point_cloud_metrics(rng):
    X = rng.random((25, 3))
    for metric, sp_metric in (("cityblock", "cityblock"), ("chebyshev", "chebyshev"),
                              ("cosine", "cosine")):
        D = squareform(pdist(X, sp_metric))
        ours = T.rips(X, 1, metric=metric)
        ref = T.rips(D, 1, metric="precomputed")
        for x, y in zip(ours, ref):
            np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


def test_output_format(rng):
    X = rng.random((30, 2))
    dgms = T.rips(X, 2)
    assert len(dgms) == 3
    for d in dgms:
        assert d.dtype == np.float64 and d.ndim == 2 and d.shape[1] == 2
        assert np.all(d[:, 1] > d[:, 0])
        assert np.array_equal(d, _sorted(d))
    assert np.isinf(dgms[0][:, 1]).sum() == 1
    assert len(dgms[0]) == 30


def test_trivial_sizes():
    assert [d.tolist() for d in T.rips(np.zeros((1, 2)), 1)] == [[[0.0, np.inf]], []]
    d = T.rips(np.array([[0.0], [2.0]]), 1)
    assert d[0].tolist() == [[0.0, 2.0], [0.0, np.inf]] and d[1].shape == (0, 2)
    # all points equal: one essential class, nothing else
    d = T.rips(np.ones((5, 3)), 2)
    assert d[0].tolist() == [[0.0, np.inf]] and len(d[1]) == len(d[2]) == 0


def test_threshold_and_infinite_distances():
    # two far clusters; threshold between -> two essential H0 classes
    X = np.array([[0.0], [0.1], [0.2], [10.0], [10.1]])
    d = T.rips(X, 0, threshold=1.0)
    assert np.isinf(d[0][:, 1]).sum() == 2
    D = squareform(pdist(X))
    D[D > 1] = np.inf  # inf = no edge
    _assert_same(T.rips(D, 1, metric="precomputed"), T.rips(X, 1, threshold=1.0))
    _assert_same(T.rips(D, 2, metric="precomputed", threshold=np.inf), T.rips(X, 2, threshold=1.0))
    # a square with one infinite diagonal: the finite cycle is an essential H1 class
    S = np.array([[0, 1, np.inf, 1], [1, 0, 1, 1.5], [np.inf, 1, 0, 1], [1, 1.5, 1, 0]])
    d = T.rips(S, 2, metric="precomputed")
    assert d[1].tolist() == [[1.0, 1.5]] and len(d[2]) == 0
    assert np.isfinite(d[1]).all()


# ---------------------------------------------------------------------------
# reference files (shared data, Ripser examples copied in tests/data/topology)


def test_projective_plane_coefficients():
    D = _read_lower(DATA / "ripser_projective_plane.lower_distance_matrix")
    z2 = T.rips(D, 2, metric="precomputed", coeff=2)
    z3 = T.rips(D, 2, metric="precomputed", coeff=3)
    # RP^2: H1 = H2 = Z/2 over Z/2, trivial over Z/3
    assert z2[1].tolist() == [[1.0, 2.0]] and z2[2].tolist() == [[1.0, 2.0]]
    assert len(z3[1]) == 0 and len(z3[2]) == 0
    for p, ours in ((2, z2), (3, z3)):
        _assert_same(ours, _ripser_dgms(D, 2, p))


@pytest.mark.parametrize("name", ["ripser_random16.lower_distance_matrix",
                                  "ripser_random20.lower_distance_matrix"])
def test_ripser_examples_with_ties(name):
    D = _read_lower(DATA / name)
    assert D.shape[0] in (16, 20)
    for p in (2, 3):
        _assert_same(T.rips(D, 2, metric="precomputed", coeff=p, dtype=np.float32),
                     _ripser_dgms(D, 2, p))
        ours = T.rips(D, 2, metric="precomputed", coeff=p)
        for x, y in zip(ours, _gudhi_dgms(D, 2, p)):
            np.testing.assert_allclose(x, y, rtol=0, atol=1e-12)


def test_sphere_3_192_against_ripserpp_and_ripser():
    path = shared_file("rips/ripser_sphere_3_192.lower_distance_matrix.gz")
    expected = _parse_ripser_output(shared_file("rips/expected_ripserpp/sphere_3_192.gpu.barcodes"))
    v = np.array(gzip.open(path, "rt").read().replace(",", " ").split(), float)
    n = 192
    D = np.zeros((n, n))
    D[np.tril_indices(n, -1)] = v
    D = D + D.T
    ours = T.rips(D, 2, metric="precomputed", dtype=np.float32)
    for dim in (0, 1):
        ref = expected[dim]
        assert ours[dim].shape == ref.shape
        fin = np.isfinite(ref[:, 1])
        np.testing.assert_allclose(ours[dim][fin], ref[fin], rtol=1e-5, atol=1e-7)
    _assert_same(ours, _ripser_dgms(D, 2))
    assert len(ours[2]) >= 1 and np.max(ours[2][:, 1] - ours[2][:, 0]) > 0.5  # the sphere


# ---------------------------------------------------------------------------
# sparse input, batches, n_jobs


def test_sparse_matches_dense_threshold(rng):
    import scipy.sparse as sp

    X = rng.random((60, 2))
    D = squareform(pdist(X))
    thr = 0.3
    S = sp.csr_matrix(np.where(D <= thr, D, 0.0))  # zeros are not stored
    S.eliminate_zeros()
    ours = T.rips(S, 2)
    ref = T.rips(X, 2, threshold=thr)
    _assert_same(ours, ref)
    # COO and float32 too, against ripser.py's sparse path
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ripser_py.ripser(sp.coo_matrix(S), distance_matrix=True, maxdim=2)["dgms"]
    _assert_same(T.rips(sp.coo_matrix(S), 2, dtype=np.float32), [_sorted(d) for d in r])


def test_sparse_entry_order_does_not_matter(rng):
    # COO entries in any order, and CSR rows with unsorted columns, give the
    # diagrams of the row-major ordered matrix (the input is reordered on a copy)
    import scipy.sparse as sp

    X = rng.random((50, 2))
    D = squareform(pdist(X))
    C = sp.coo_matrix(np.where(D <= 0.35, D, 0.0))
    ref = T.rips(C.tocsr(), 2, dtype=np.float32)
    p = rng.permutation(C.nnz)
    shuffled = sp.coo_matrix((C.data[p], (C.row[p], C.col[p])), shape=C.shape)
    _assert_same(T.rips(shuffled, 2, dtype=np.float32), ref)
    A = C.tocsr()
    for i in range(A.shape[0]):  # reverse each row's columns
        a, b = A.indptr[i], A.indptr[i + 1]
        A.indices[a:b], A.data[a:b] = A.indices[a:b][::-1].copy(), A.data[a:b][::-1].copy()
    A.has_sorted_indices = False
    before = A.indices.copy()
    _assert_same(T.rips(A, 2, dtype=np.float32), ref)
    np.testing.assert_array_equal(A.indices, before)


def test_n_jobs_invariance(rng):
    X = rng.random((110, 3))  # > 1e5 triangles: the parallel sort is used
    ref = T.rips(X, 2, n_jobs=1)
    for n_jobs in (2, 3, -1):
        _assert_same(T.rips(X, 2, n_jobs=n_jobs), ref)


@pytest.mark.parametrize("coeff", [2, 3])
def test_parallel_reduction_matches_serial_and_ripser(coeff):
    # Without collapse this input has > 2048 columns in dimension 2, so the
    # batched parallel reduction runs, and ~50 of its columns find their pivot
    # taken by an earlier column of the same batch (measured with a counter),
    # so the phase-2 continuation is exercised too.
    X = np.random.default_rng(0).random((150, 8)).astype(np.float32)
    D = squareform(pdist(X)).astype(np.float32)
    kw = dict(metric="precomputed", dtype=np.float32, coeff=coeff, collapse_edges=False)
    ref, ref_cc = T.rips(D, 2, n_jobs=1, return_cocycles=True, **kw)
    for n_jobs in (2, 3):
        got, got_cc = T.rips(D, 2, n_jobs=n_jobs, return_cocycles=True, **kw)
        _assert_same(got, ref)
        for a, b in zip(got_cc[1:], ref_cc[1:]):
            assert len(a) == len(b)
            for x, y in zip(a, b):
                np.testing.assert_array_equal(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ripser_py.ripser(D, distance_matrix=True, maxdim=2, coeff=coeff)["dgms"]
    _assert_same(T.rips(D, 2, n_jobs=2, **kw), [_sorted(d) for d in r])


def _core_rips(D, maxdim, coeff, lazy_after, n_jobs=1, thr=None, dtype=np.float32):
    """The engine called directly, with the lazy-coboundary switch point set."""
    from netneuro import _core

    D = np.ascontiguousarray(np.asarray(D, dtype=dtype), dtype=np.float64)
    sfx = "f32" if dtype == np.float32 else "f64"
    dgms, _, cc, _, _ = _core.topology.rips_dense(
        D, sfx, maxdim, None if thr is None else float(thr), coeff, n_jobs, True, np.zeros(0),
        False, "check", False, "D", np.inf, lazy_after=lazy_after)
    return [_sorted(d) for d in dgms], cc


@pytest.mark.parametrize("coeff", [2, 3])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lazy_cofacet_streams_match_eager_and_ripser(coeff, dtype):
    # lazy_after=0: every simplex a column adds goes in as a cofacet stream;
    # 2**62: never.  Pairs and cocycles must be identical, and equal ripser.py's.
    g = np.random.default_rng(7)
    cases = [(squareform(pdist(g.random((70, 3)))), 2, None),
             (squareform(pdist(g.random((24, 5)))), 3, None),
             (squareform(pdist(g.random((60, 2)))), 2, 0.35),  # below the enclosing radius
             (np.round(squareform(pdist(g.random((40, 3)))) * 8) / 8, 2, None)]  # many ties
    for D, maxdim, thr in cases:
        D = D.astype(np.float32).astype(dtype)
        lazy, lazy_cc = _core_rips(D, maxdim, coeff, 0, thr=thr, dtype=dtype)
        eager, eager_cc = _core_rips(D, maxdim, coeff, 2**62, thr=thr, dtype=dtype)
        _assert_same(lazy, eager)
        for a, b in zip(lazy_cc, eager_cc):
            for x, y in zip(a, b):
                np.testing.assert_array_equal(x, y)
        par, _ = _core_rips(D, maxdim, coeff, 0, n_jobs=2, thr=thr, dtype=dtype)
        _assert_same(par, eager)
        if dtype == np.float32:
            _assert_same(lazy, _ripser_dgms(D, maxdim, coeff,
                                            thresh=np.inf if thr is None else thr))


def test_rips_batch(rng):
    Xs = [rng.random((20 + 3 * s, 3)) for s in range(5)]
    expected = [T.rips(X, 2) for X in Xs]
    for n_jobs in (1, 2):
        got = T.rips_batch(Xs, 2, n_jobs=n_jobs)
        for a, b in zip(got, expected):
            _assert_same(a, b)
    stack = np.stack([squareform(pdist(rng.random((15, 2)))) for _ in range(3)])
    got = T.rips_batch(stack, 1, metric="precomputed", dtype=np.float32, coeff=3)
    for s in range(3):
        _assert_same(got[s], T.rips(stack[s], 1, metric="precomputed", dtype=np.float32,
                                    coeff=3))


# ---------------------------------------------------------------------------
# bad input


def test_bad_inputs(rng):
    X = rng.random((10, 2))
    D = squareform(pdist(X))
    with pytest.raises(ValueError, match="square"):
        T.rips(rng.random((4, 5)), metric="precomputed")
    A = D.copy()
    A[0, 1] += 0.5
    with pytest.raises(ValueError, match="symmetric"):
        T.rips(A, metric="precomputed")
    A = D.copy()
    A[0, 1] = A[1, 0] = -1
    with pytest.raises(ValueError, match="non-negative"):
        T.rips(A, metric="precomputed")
    A = D.copy()
    A[0, 1] = A[1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        T.rips(A, metric="precomputed")
    with pytest.raises(ValueError, match="finite"):
        T.rips(np.array([[0.0, np.nan], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="maxdim"):
        T.rips(X, -1)
    with pytest.raises(TypeError, match="maxdim"):
        T.rips(X, 1.5)
    with pytest.raises(ValueError, match="prime"):
        T.rips(X, coeff=4)
    with pytest.raises(ValueError, match="coeff"):
        T.rips(X, coeff=1)
    with pytest.raises(ValueError, match="threshold"):
        T.rips(X, threshold=-1.0)
    with pytest.raises(ValueError, match="metric"):
        T.rips(X, metric="hamming-ish")
    with pytest.raises(ValueError, match="dtype"):
        T.rips(X, dtype=np.int32)
    with pytest.raises(ValueError, match="n_jobs"):
        T.rips(X, n_jobs=0)
    with pytest.raises(ValueError, match="empty"):
        T.rips_batch([])
    with pytest.raises(TypeError):
        T.rips(X.astype(complex))


def test_bad_sparse_shape_and_sign():
    import scipy.sparse as sp

    S = sp.csr_matrix(np.array([[0, 1.0, 0], [0, 0, 2.0], [0, 2.0, 0]]))
    with pytest.raises(ValueError, match="symmetric"):
        T.rips(S)
    with pytest.raises(ValueError, match="square"):
        T.rips(sp.csr_matrix(np.ones((2, 3))))
    S = sp.csr_matrix(np.array([[0, -1.0], [-1.0, 0]]))
    with pytest.raises(ValueError, match="non-negative"):
        T.rips(S)


def test_memory_and_overflow_guards():
    import scipy.sparse as sp

    S = sp.csr_matrix(([1.0, 1.0], ([0, 1], [1, 0])), shape=(10**6, 10**6))
    with pytest.raises(ValueError, match="overflow"):
        T.rips(S, 12)


def test_memory_estimate(rng, monkeypatch):
    # issue #18: 2500 points in R^3 at maxdim 2 were refused as 109 GiB; the
    # run peaks at about 190 MiB (benchmarks/results_topology.md records the
    # estimate against measured peaks: within 2x on every set there).
    X = rng.random((2500, 3))
    est = T.estimate_memory(X, 2)
    assert 100 * 2**20 < est < 1 * 2**30
    # monotone in the threshold and in maxdim; float32 needs less
    Y = rng.random((300, 3))
    by_thr = [T.estimate_memory(Y, 2, threshold=t) for t in (0.1, 0.2, 0.4, 0.8)]
    assert by_thr == sorted(by_thr)
    by_dim = [T.estimate_memory(Y, d, collapse_edges=False) for d in (0, 1, 2, 3)]
    assert by_dim == sorted(by_dim)
    assert T.estimate_memory(Y, 1, dtype=np.float32) < T.estimate_memory(Y, 1)
    # a modest maxdim 2 case runs (the old estimate refused 600 points as well)
    assert len(T.rips(rng.random((600, 3)), 2)) == 3
    # refused up front, with the estimate in the message, when it does not fit
    monkeypatch.setattr(T, "available_memory", lambda: 2.0 * 2**20)
    with pytest.raises(MemoryError, match="would need about .* but only 2.0 MiB"):
        T.rips(Y, 1)
    with pytest.raises(MemoryError, match="maxdim"):
        T.rips(squareform(pdist(Y)), 1, metric="precomputed")


def test_runtime_memory_limit(rng):
    # the engine's own limit (a tiny budget) raises MemoryError, not a crash
    from netneuro import _core

    X = rng.random((60, 3))
    D = np.ascontiguousarray(squareform(pdist(X)))
    with pytest.raises(MemoryError):
        _core.topology.rips_dense(D, "f64", 2, np.inf, 2, 1, False, np.zeros(0), False, "check",
                                  False, "D", np.inf, memory_limit=1000.0)


def test_cocycles_are_cocycles_and_match_ripser(rng):
    # a noisy circle: the H1 cocycle must be a cocycle (zero coboundary on every
    # triangle present at its birth) and equal ripser.py's (same reduction)
    t = rng.random(30) * 2 * np.pi
    X = np.c_[np.cos(t), np.sin(t)] + 0.05 * rng.normal(size=(30, 2))
    for p in (2, 3):
        dgms, cocycles = T.rips(X, 1, coeff=p, dtype=np.float32, return_cocycles=True)
        assert len(cocycles[1]) == len(dgms[1])
        D = squareform(pdist(X)).astype(np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = ripser_py.ripser(D, distance_matrix=True, maxdim=1, coeff=p, do_cocycles=True)
        order = np.lexsort((r["dgms"][1][:, 1], r["dgms"][1][:, 0]))
        for k, j in enumerate(order):
            np.testing.assert_array_equal(cocycles[1][k], r["cocycles"][1][j])
        k = int(np.argmax(dgms[1][:, 1] - dgms[1][:, 0]))
        birth = dgms[1][k, 0]
        val = {}
        for a, b, c in cocycles[1][k]:
            val[(a, b)] = c
        n = len(X)
        for a, b, c in [(a, b, c) for a in range(n) for b in range(a) for c in range(b)]:
            if max(D[a, b], D[a, c], D[b, c]) <= birth:
                # (delta f)(a > b > c) = f(b, c) - f(a, c) + f(a, b)
                s = val.get((b, c), 0) - val.get((a, c), 0) + val.get((a, b), 0)
                assert s % p == 0


@pytest.mark.parametrize("dup", [False, True])
def test_coo_to_csr_is_the_stable_row_major_order(dup):
    # COO input in any entry order (explicit zeros kept) becomes the CSR of the
    # stable (row, column) order, whichever conversion _csr takes; duplicates
    # are kept for the core to refuse (never summed)
    import scipy.sparse as sp

    rng = np.random.default_rng(7)
    D = squareform(pdist(rng.random((30, 2))))
    D[D > 0.5] = 0
    D[3, 4] = D[4, 3] = 0.0  # an explicit zero (duplicated points)
    r, c = np.nonzero(D > 0)
    r, c = np.r_[r, 3, 4], np.r_[c, 4, 3]
    v = D[r, c]
    if dup:
        r, c, v = np.r_[r, 1], np.r_[c, 2], np.r_[v, 0.25]
    perm = rng.permutation(len(r))
    C = sp.coo_matrix((v[perm].astype(np.float32), (r[perm], c[perm])), shape=D.shape)
    n, indptr, indices, data = T._csr(C, "X")
    order = np.lexsort((c[perm], r[perm]))
    np.testing.assert_array_equal(indices, c[perm][order])
    np.testing.assert_array_equal(data, v[perm][order].astype(np.float32).astype(np.float64))
    np.testing.assert_array_equal(indptr, np.r_[0, np.cumsum(np.bincount(r, minlength=30))])
    assert indices.dtype == indptr.dtype == np.int64 and data.dtype == np.float64


@pytest.mark.parametrize("seed", range(6))
def test_sparse_symmetry_check_catches_every_defect(seed):
    # the core's one-pass symmetry check (a cursor per row) against single
    # defects anywhere: a missing mirror (above or below the diagonal), a
    # changed value, an extra entry; the error names the entry
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    n = 25
    D = squareform(pdist(rng.random((n, 2))))
    D[D > 0.4] = 0
    S = sp.coo_matrix(D)
    T.rips(S, 1)  # symmetric: accepted
    r, c, v = S.row, S.col, S.data
    k = int(rng.integers(len(r)))
    keep = np.arange(len(r)) != k
    defects = [
        (r[keep], c[keep], v[keep]),  # entry k without its mirror
        (r, c, np.where(np.arange(len(r)) == k, v + 1e-3, v)),  # changed value
    ]
    i, j = (int(x) for x in rng.choice(n, 2, replace=False))
    if D[i, j] == 0:
        defects.append((np.r_[r, i], np.r_[c, j], np.r_[v, 0.3]))  # no mirror
    for rr, cc, vv in defects:
        with pytest.raises(ValueError, match=r"symmetric.*\(\d+, \d+\)"):
            T.rips(sp.coo_matrix((vv, (rr, cc)), shape=(n, n)), 1)
        with pytest.raises(ValueError, match=r"symmetric.*\(\d+, \d+\)"):
            T.rips(sp.csr_matrix((vv, (rr, cc)), shape=(n, n)), 1)


def test_bad_sparse_inputs():
    import scipy.sparse as sp

    D = squareform(pdist(np.random.default_rng(3).random((8, 2))))
    S = sp.coo_matrix(D)
    # the same entry twice, as COO and as CSR
    dup = sp.coo_matrix((np.r_[S.data, 0.5], (np.r_[S.row, 1], np.r_[S.col, 2])), shape=(8, 8))
    with pytest.raises(ValueError, match="duplicate"):
        T.rips(dup, 1)
    csr = sp.csr_matrix(S)
    csr2 = sp.csr_matrix((np.r_[csr.data[:1], csr.data], np.r_[csr.indices[:1], csr.indices],
                          np.r_[0, csr.indptr[1:] + 1]), shape=(8, 8))
    with pytest.raises(ValueError, match="duplicate"):
        T.rips(csr2, 1)
    # an entry without its mirror, and a mirror with another value
    lower = sp.coo_matrix(np.tril(D))
    with pytest.raises(ValueError, match=r"symmetric.*\(\d, \d\)"):
        T.rips(lower, 1)
    A = D.copy()
    A[2, 5] += 0.1
    with pytest.raises(ValueError, match="symmetric"):
        T.rips(sp.csr_matrix(A), 1)
    # the user's matrix is not modified (indices sorted on a copy)
    rev = sp.csr_matrix(S)
    for i in range(8):  # reverse the column order within each row
        a, b = rev.indptr[i], rev.indptr[i + 1]
        rev.indices[a:b] = rev.indices[a:b][::-1].copy()
        rev.data[a:b] = rev.data[a:b][::-1].copy()
    rev.has_sorted_indices = False
    before = rev.indices.copy()
    _assert_same(T.rips(rev, 1), T.rips(D, 1, metric="precomputed"))
    np.testing.assert_array_equal(rev.indices, before)


# ---------------------------------------------------------------------------
# public hooks: flag filtrations, vertex births, engine order, full output


def test_flag_persistence_negative_values_shift_exactly(rng):
    # Shifting every edge and vertex value by c shifts every bar by c: an
    # exact reference when values and c are multiples of 1/8.
    n = 30
    W = np.round(squareform(pdist(rng.random((n, 3)))) * 8) / 8
    b = np.round(rng.random(n) * 2) / 8
    W = np.maximum(W, np.maximum.outer(b, b))  # edges no earlier than their vertices
    np.fill_diagonal(W, 0)
    c = -3.0
    for dtype in (np.float64, np.float32):
        ref = T.flag_persistence(W, 2, births=b, threshold=np.inf, dtype=dtype)
        Wc = W + c
        np.fill_diagonal(Wc, 0)
        got = T.flag_persistence(Wc, 2, births=b + c, threshold=np.inf, dtype=dtype)
        _assert_same(got, [d + c for d in ref])
        import scipy.sparse as sp

        got_sp = T.flag_persistence(sp.csr_matrix(Wc - np.diag(np.diag(Wc))), 2, births=b + c,
                                    dtype=dtype)
        _assert_same(got_sp, got)
    with pytest.raises(ValueError, match="non-negative"):
        T.rips(Wc, 1, metric="precomputed")


def test_births_sort_and_full_output_match_ripser(rng):
    X = rng.random((25, 2))
    D = squareform(pdist(X)).astype(np.float32).astype(np.float64)
    b = (rng.random(25) * 0.1).astype(np.float32).astype(np.float64)
    res = T.rips(D, 1, metric="precomputed", dtype=np.float32, births=b, sort=False,
                 full_output=True)
    assert isinstance(res, T.RipsResult)
    Db = D.copy()
    np.fill_diagonal(Db, b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ripser_py.ripser(Db, distance_matrix=True, maxdim=1, thresh=float(res.threshold))
    for x, y in zip(res.dgms, r["dgms"]):  # the engine's order is ripser.py's order
        np.testing.assert_array_equal(x, y)
    assert res.num_edges == r["num_edges"]
    assert res.cocycles is None
    with pytest.raises(ValueError, match="births"):
        T.rips(D, 1, metric="precomputed", births=np.zeros(3))
