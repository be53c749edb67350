"""netneuro.compat.ripser against ripser.py: the whole returned dict, bit for bit."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from netneuro.compat.ripser import ripser as nn_ripser

ripser_py = pytest.importorskip("ripser")


def _both(X, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ripser_py.ripser(X, **kw), nn_ripser(X, **kw)


def _assert_same_result(a, b):
    assert set(a) == set(b)
    assert len(a["dgms"]) == len(b["dgms"])
    for x, y in zip(a["dgms"], b["dgms"]):  # same order, same float32 values
        np.testing.assert_array_equal(x, y)
    assert a["num_edges"] == b["num_edges"]
    np.testing.assert_array_equal(a["idx_perm"], b["idx_perm"])
    assert a["r_cover"] == b["r_cover"]
    if sp.issparse(a["dperm2all"]):
        assert (a["dperm2all"] != b["dperm2all"]).nnz == 0
    else:
        np.testing.assert_array_equal(a["dperm2all"], b["dperm2all"])
    assert len(a["cocycles"]) == len(b["cocycles"])
    for x, y in zip(a["cocycles"], b["cocycles"]):
        assert len(x) == len(y)
        for u, v in zip(x, y):
            np.testing.assert_array_equal(u, v)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(4, 25), seed=st.integers(0, 2**32 - 1), maxdim=st.integers(0, 2),
       coeff=st.sampled_from([2, 3, 5]), grid=st.booleans(),
       thresh=st.sampled_from([np.inf, 0.4]), perm=st.booleans())
def test_point_clouds_identical(n, seed, maxdim, coeff, grid, thresh, perm):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 2))
    if grid:
        X = np.round(X * 4) / 4  # ties and duplicates
    kw = dict(maxdim=maxdim, coeff=coeff, thresh=thresh, do_cocycles=True)
    if perm:
        kw["n_perm"] = max(2, n // 2)
    _assert_same_result(*_both(X, **kw))


def test_distance_matrix_and_sparse(rng):
    X = rng.random((30, 3))
    D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    _assert_same_result(*_both(D, distance_matrix=True, maxdim=2, do_cocycles=True))
    # sparse, upper triangle only (ripser.py reads i < j entries)
    S = sp.coo_matrix(np.triu(np.where(D < 0.5, D, 0), 1))
    _assert_same_result(*_both(S, distance_matrix=True, maxdim=2, coeff=3))
    # nonzero diagonal = vertex birth times (ripser.py's sparse route)
    Db = D.copy()
    np.fill_diagonal(Db, rng.random(30) * 0.1)
    _assert_same_result(*_both(Db, distance_matrix=True, maxdim=1, do_cocycles=True))


def test_errors_like_ripser():
    with pytest.raises(ValueError, match="not square"):
        nn_ripser(np.ones((3, 4)), distance_matrix=True)
    with pytest.raises(ValueError, match="greater"):
        nn_ripser(np.ones((3, 2)), n_perm=5)
    with pytest.raises(ValueError, match="sparse"):
        nn_ripser(sp.eye(3, format="csr"), distance_matrix=True, n_perm=2)
    with pytest.raises(ValueError, match="prime"):
        nn_ripser(np.random.default_rng(0).random((5, 2)), coeff=4)
