"""Edge collapse (collapse_edges=True) gives the same diagrams as the full filtration.

The collapse (Boissonnat & Pritam, SoCG 2020; Glisse & Pritam, SoCG 2022)
replaces the flag filtration by a naturally homotopy-equivalent one, so the
diagrams must be IDENTICAL arrays (same float values: collapsed edges only
take filtration values that already occur) -- no tolerance.  The full
filtration path (collapse_edges=False) is itself checked against ripser.py /
GUDHI in test_topology.py; here it is the reference.
"""
import gzip

import numpy as np
import pytest
from conftest import shared_file
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import pdist, squareform
from test_topology import DATA, _assert_same, _read_lower, _ripser_dgms

from netneuro import _core
from netneuro import topology as T


def _collapsed_dgms(D, maxdim, coeff, thr, dt):
    import scipy.sparse as sp

    n = D.shape[0]
    fn = _core.topology.edge_collapse
    u, v, f = fn(np.ascontiguousarray(D, dtype=dt), thr)
    # explicit zeros (duplicated points) must stay stored entries
    S = sp.csr_matrix((np.r_[f, f].astype(dt), (np.r_[u, v], np.r_[v, u])), shape=(n, n))
    return T.rips(S, maxdim, coeff=coeff, threshold=thr, dtype=dt, collapse_edges=False)


def _both(X, maxdim, **kw):
    a = T.rips(X, maxdim, collapse_edges=True, **kw)
    b = T.rips(X, maxdim, collapse_edges=False, **kw)
    _assert_same(a, b)
    return a


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(2, 28), d=st.integers(1, 4), seed=st.integers(0, 2**32 - 1),
       maxdim=st.integers(1, 3), coeff=st.sampled_from([2, 3]),
       rounding=st.sampled_from([None, 0, 1]), dup=st.booleans(),
       thr_q=st.sampled_from([None, 0.3, 0.6, 1.0]), f32=st.booleans())
def test_point_clouds_collapse_identical(n, d, seed, maxdim, coeff, rounding, dup, thr_q, f32):
    rng = np.random.default_rng(seed)
    X = rng.random((n, d)) * 4
    if rounding is not None:
        X = np.round(X, rounding)  # many equal distances (ties)
    if dup and n > 2:
        X[-1] = X[0]  # duplicated point: a zero-length edge
    D = squareform(pdist(X))
    thr = None if thr_q is None else float(np.quantile(D[np.triu_indices(n, 1)], thr_q))
    if maxdim == 3 and n > 18:
        maxdim = 2  # keep the dim-3 reference fast
    dt = np.float32 if f32 else np.float64
    full = _both(D, maxdim, metric="precomputed", coeff=coeff, threshold=thr, dtype=dt)
    # rips falls back to the full filtration when the collapse removes few
    # edges: also check the collapsed graph itself, given back as sparse input
    Dt = D.astype(dt)
    thr_c = float(_core.topology.enclosing_radius(Dt)) \
        if thr is None else thr
    _assert_same(_collapsed_dgms(Dt, maxdim, coeff, thr_c, dt)[1:], full[1:])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(3, 22), seed=st.integers(0, 2**32 - 1), levels=st.integers(2, 6),
       coeff=st.sampled_from([2, 3]), maxdim=st.integers(1, 3), inf_frac=st.sampled_from([0, 0.2]))
def test_random_metrics_with_ties_collapse_identical(n, seed, levels, coeff, maxdim, inf_frac):
    # integer distances from few levels: non-metric, very many ties; some
    # infinite entries (no edge) take the fallback path.
    rng = np.random.default_rng(seed)
    A = rng.integers(1, levels + 1, size=(n, n)).astype(float)
    if inf_frac:
        A[rng.random((n, n)) < inf_frac] = np.inf
    D = np.triu(A, 1)
    D = D + D.T
    _both(D, maxdim, metric="precomputed", coeff=coeff, threshold=np.inf)
    _both(D, maxdim, metric="precomputed", coeff=coeff, threshold=float(levels - 1))


def test_sparse_input_collapse_identical(rng):
    import scipy.sparse as sp

    X = rng.random((70, 3))
    D = squareform(pdist(X))
    S = sp.csr_matrix(np.where(D <= 0.45, D, 0.0))
    S.eliminate_zeros()
    for coeff in (2, 3):
        _both(S, 2, coeff=coeff)
    _both(S, 2, dtype=np.float32)


def test_collapse_removes_edges_and_collapsed_graph_has_same_diagrams(rng):
    # the collapse is really applied (far fewer edges), and the collapsed
    # graph given back as a sparse matrix has the same diagrams in dims >= 1
    import scipy.sparse as sp

    X = rng.random((120, 3))
    D = squareform(pdist(X))
    thr = float(_core.topology.enclosing_radius(D))
    u, v, f = _core.topology.edge_collapse(D, thr)
    n_edges = int((D[np.tril_indices(120, -1)] <= thr).sum())
    assert 0 < len(u) < n_edges // 3
    assert np.all(u > v)
    assert np.all(f >= D[u, v])  # edges only move later, never earlier
    assert set(np.unique(f)) <= set(np.unique(D))  # to values that already occur
    S = sp.coo_matrix((np.r_[f, f], (np.r_[u, v], np.r_[v, u])), shape=(120, 120)).tocsr()
    full = T.rips(D, 2, metric="precomputed", collapse_edges=False)
    coll = T.rips(S, 2, collapse_edges=False, threshold=thr)
    _assert_same(coll[1:], full[1:])


@pytest.mark.parametrize("name", ["ripser_projective_plane.lower_distance_matrix",
                                  "ripser_random16.lower_distance_matrix",
                                  "ripser_random20.lower_distance_matrix"])
def test_ripser_example_files(name):
    D = _read_lower(DATA / name)
    for p in (2, 3):
        _both(D, 3 if D.shape[0] <= 16 else 2, metric="precomputed", coeff=p)
        _assert_same(T.rips(D, 2, metric="precomputed", coeff=p, dtype=np.float32),
                     _ripser_dgms(D, 2, p))


def test_sphere_3_192_file():
    path = shared_file("rips/ripser_sphere_3_192.lower_distance_matrix.gz")
    v = np.array(gzip.open(path, "rt").read().replace(",", " ").split(), float)
    n = 192
    D = np.zeros((n, n))
    D[np.tril_indices(n, -1)] = v
    D = D + D.T
    ours = _both(D, 2, metric="precomputed", dtype=np.float32)
    _assert_same(ours, _ripser_dgms(D, 2))


def test_celegans_file():
    path = shared_file("rips/roadmap_celegans_distmat.txt.gz")
    D = np.loadtxt(gzip.open(path, "rt"))
    D = np.minimum(D, D.T)
    np.fill_diagonal(D, 0)
    _both(D, 2, metric="precomputed", dtype=np.float32)


def test_collapse_n_jobs_batch_and_cocycles(rng):
    X = rng.random((90, 3))
    ref = T.rips(X, 2, collapse_edges=False)
    for n_jobs in (1, 2, -1):
        _assert_same(T.rips(X, 2, n_jobs=n_jobs), ref)
    Xs = [rng.random((25 + 5 * s, 3)) for s in range(4)]
    for n_jobs in (1, 2):
        a = T.rips_batch(Xs, 2, n_jobs=n_jobs)
        b = T.rips_batch(Xs, 2, n_jobs=n_jobs, collapse_edges=False)
        for x, y in zip(a, b):
            _assert_same(x, y)
    # cocycles always come from the full filtration (collapse is disabled)
    d1, c1 = T.rips(X, 1, return_cocycles=True)
    d2, c2 = T.rips(X, 1, return_cocycles=True, collapse_edges=False)
    _assert_same(d1, d2)
    assert len(c1[1]) == len(c2[1])
    for x, y in zip(c1[1], c2[1]):
        np.testing.assert_array_equal(x, y)


def test_collapse_bad_input(rng):
    X = rng.random((10, 2))
    with pytest.raises(TypeError, match="collapse_edges"):
        T.rips(X, 1, collapse_edges="yes")
    with pytest.raises(TypeError, match="collapse_edges"):
        T.rips_batch([X], 1, collapse_edges=1)


def test_collapse_default():
    # default: collapse for maxdim >= 2 only (measured: for maxdim 1 the plain
    # reduction is faster); the choice never changes the diagrams
    assert T._collapse_choice(None, 2) and T._collapse_choice(None, 3)
    assert not T._collapse_choice(None, 1) and not T._collapse_choice(None, 0)
    assert T._collapse_choice(True, 1) and not T._collapse_choice(False, 3)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(4, 60), d=st.integers(1, 4), seed=st.integers(0, 2**32 - 1),
       rounding=st.sampled_from([None, 1]), thr_q=st.sampled_from([0.2, 0.5, 1.0]),
       f32=st.booleans())
def test_sparse_value_store_collapses_like_the_dense_matrix(n, d, seed, rounding, thr_q, f32):
    # Large sparse inputs keep the filtration values beside the neighbour
    # lists instead of in an n x n matrix: the same edges must survive, with
    # the same values.
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    if rounding is not None:
        X = np.round(X, rounding)
    D = squareform(pdist(X))
    thr = float(np.quantile(D[np.triu_indices(n, 1)], thr_q))
    dt = np.float32 if f32 else np.float64
    fn = _core.topology.edge_collapse
    Dt = np.ascontiguousarray(D, dtype=dt)
    dense = fn(Dt, thr, store="dense")
    sparse = fn(Dt, thr, store="sparse")
    for a, b in zip(dense, sparse):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="store"):
        fn(Dt, thr, store="list")
