"""netneuro.compat.ripser against ripser.py: the whole returned dict, bit for bit."""

import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import lazy_peer
from hypothesis import given, settings
from hypothesis import strategies as st

from netneuro.compat.ripser import ripser as nn_ripser

ripser_py = lazy_peer("ripser")


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


# ---------------------------------------------------------------------------
# ripser.py's reading of its input (issue #23)


def _lower_star_image(img):
    """The sparse matrix ripser.lower_star_img builds: vertex values on the
    diagonal, each of the 8 neighbours joined at the larger value."""
    m, n = img.shape
    idx = np.arange(m * n).reshape(m, n)
    rows, cols, vals = [idx.ravel()], [idx.ravel()], [img.ravel()]
    for di, dj in [(0, 1), (1, -1), (1, 0), (1, 1)]:
        a = idx[max(0, -di):m - max(0, di), max(0, -dj):n - max(0, dj)]
        b = idx[max(0, di):m - max(0, -di) or None, max(0, dj):n - max(0, -dj) or None]
        va = img.ravel()[a.ravel()]
        vb = img.ravel()[b.ravel()]
        for r, c in ((a, b), (b, a)):  # both triangles, as ripser.py's own helper stores
            rows.append(r.ravel())
            cols.append(c.ravel())
            vals.append(np.maximum(va, vb))
    return sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                         shape=(m * n, m * n))


@pytest.mark.parametrize("maxdim", [0, 1])
def test_lower_star_filtration_negative_values(rng, maxdim):
    img = rng.standard_normal((9, 11))  # negative vertex and edge values
    S = _lower_star_image(img)
    a, b = _both(S, distance_matrix=True, maxdim=maxdim, do_cocycles=True)
    _assert_same_result(a, b)
    if maxdim == 0:
        np.testing.assert_array_equal(ripser_py.lower_star_img(img), b["dgms"][0])


def test_sparse_duplicates_take_the_smallest(rng):
    X = rng.random((25, 2))
    D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    r, c = np.triu_indices(25, 1)
    v = D[r, c]
    k = rng.choice(len(r), 40, replace=False)
    extra = v[k] * rng.uniform(0.5, 1.5, 40)
    dup = sp.coo_matrix((np.r_[v, extra], (np.r_[r, r[k]], np.r_[c, c[k]])), shape=(25, 25))
    vmin = v.copy()
    vmin[k] = np.minimum(v[k], extra)
    smallest = sp.coo_matrix((vmin, (r, c)), shape=(25, 25))
    # dimension 0: ripser.py itself (it counts an edge stored twice twice)
    _assert_same_result(*_both(dup, distance_matrix=True, maxdim=0))
    # higher dimensions: ripser.py aborts (std::bad_alloc) on duplicate entries;
    # the reference is ripser.py on the matrix of smallest values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ripser_py.ripser(smallest, distance_matrix=True, maxdim=2)
    got = nn_ripser(dup, distance_matrix=True, maxdim=2)
    for x, y in zip(ref["dgms"], got["dgms"]):
        np.testing.assert_array_equal(x, y)
    # the public API refuses duplicates instead of summing them
    from netneuro.topology import rips

    with pytest.raises(ValueError, match="duplicate"):
        rips(sp.coo_matrix((np.r_[v, v, extra], (np.r_[r, c, r[k]], np.r_[c, r, c[k]])),
                           shape=(25, 25)))


def test_sparse_lower_triangle_and_births_ignored_or_used(rng):
    X = rng.random((20, 3))
    D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    full = sp.coo_matrix(np.where(D < 0.6, D, 0) + np.diag(rng.random(20) * 0.2))
    _assert_same_result(*_both(full, distance_matrix=True, maxdim=1, do_cocycles=True))
    _assert_same_result(*_both(sp.csr_matrix(full), distance_matrix=True, maxdim=1, coeff=3))


@pytest.mark.parametrize("maxdim", [1, 2])
def test_dense_non_symmetric_and_negative(rng, maxdim):
    X = rng.random((22, 3))
    D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    A = D.copy()
    A[np.tril_indices(22, -1)] = rng.random(231)  # ripser.py reads the upper triangle only
    _assert_same_result(*_both(A, distance_matrix=True, maxdim=maxdim, do_cocycles=True))
    A[np.tril_indices(22, -1)] = np.nan  # never read by ripser.py
    _assert_same_result(*_both(A, distance_matrix=True, maxdim=maxdim))
    N = D - 0.3
    np.fill_diagonal(N, 0)
    _assert_same_result(*_both(N, distance_matrix=True, maxdim=maxdim, thresh=0.2))
    _assert_same_result(*_both(N, distance_matrix=True, maxdim=maxdim))


def test_nan_refused_where_read():
    D = np.ones((4, 4)) - np.eye(4)
    D[0, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        nn_ripser(D, distance_matrix=True)
    with pytest.raises(ValueError, match="NaN"):
        nn_ripser(sp.coo_matrix(D), distance_matrix=True)


def test_rips_class_matches_ripser_rips(rng, capsys):
    from netneuro.compat.ripser import Rips

    X = rng.random((40, 2))
    kw = dict(maxdim=2, thresh=0.7, coeff=3, do_cocycles=True, n_perm=30)
    ref = ripser_py.Rips(**kw)
    printed_ref = capsys.readouterr().out
    ours = Rips(**kw)
    assert capsys.readouterr().out == printed_ref
    a = ref.fit_transform(X)
    b = ours.fit_transform(X)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    for attr in ("dgms_", "cocycles_", "dperm2all_", "num_edges_", "idx_perm_", "r_cover_"):
        ra, rb = getattr(ref, attr), getattr(ours, attr)
        if attr == "dgms_":
            for x, y in zip(ra, rb):
                np.testing.assert_array_equal(x, y)
        elif attr == "cocycles_":
            for x, y in zip(ra, rb):
                for u, w in zip(x, y):
                    np.testing.assert_array_equal(u, w)
        else:
            np.testing.assert_array_equal(ra, rb)
    D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    quiet = Rips(maxdim=1, verbose=False)
    assert capsys.readouterr().out == ""
    ref1 = ripser_py.Rips(maxdim=1, verbose=False).transform(D, distance_matrix=True)
    for x, y in zip(ref1, quiet.transform(D, distance_matrix=True)):
        np.testing.assert_array_equal(x, y)
    assert quiet.fit(D, distance_matrix=True) is quiet
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    quiet.plot(show=False) if _has_persim() else quiet.plot()
    plt.close("all")


def _has_persim():
    try:
        import persim  # noqa: F401
    except ImportError:
        return False
    return True


def test_compat_uses_public_api_only():
    """compat.ripser imports no private netneuro name and never the core."""
    import ast

    import netneuro.compat.ripser as mod

    tree = ast.parse(Path(mod.__file__).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level > 0 or
                                                 (node.module or "").startswith("netneuro")):
            mods = (node.module or "").split(".")
            assert not any(m.startswith("_") for m in mods if m), ast.dump(node)
            for alias in node.names:
                assert not alias.name.startswith("_"), alias.name
        if isinstance(node, ast.Attribute):
            assert node.attr != "_core", "compat must not reach the compiled core"


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (6, 1), (9, 11), (40, 60)])
@pytest.mark.parametrize("kind", ["uniform", "ties", "negative", "float32", "int"])
def test_lower_star_img_matches_ripser(rng, shape, kind):
    from netneuro.compat.ripser import lower_star_img

    img = {"uniform": lambda: rng.random(shape),
           "ties": lambda: np.round(4 * rng.random(shape)),
           "negative": lambda: rng.standard_normal(shape),
           "float32": lambda: rng.random(shape).astype(np.float32),
           "int": lambda: rng.integers(-3, 4, size=shape)}[kind]()
    np.testing.assert_array_equal(lower_star_img(img), ripser_py.lower_star_img(img))


def test_lower_star_img_errors():
    from netneuro.compat.ripser import lower_star_img

    with pytest.raises(ValueError, match="img"):
        lower_star_img(np.zeros(5))
    img = np.zeros((3, 3))
    img[1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        lower_star_img(img)


def test_correlation_to_distance_matches_ripser(rng):
    from netneuro.compat.ripser import correlation_to_distance

    C = np.corrcoef(rng.standard_normal((6, 30)))
    np.testing.assert_array_equal(correlation_to_distance(C), ripser_py.correlation_to_distance(C))
    # closed form: 1 -> 0, 0 -> sqrt(2), -1 -> 2
    D = correlation_to_distance(np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert D[0, 1] == np.sqrt(2.0) and D[0, 0] == 0.0
    assert correlation_to_distance(np.array([[1.0, -1.0], [-1.0, 1.0]]))[0, 1] == 2.0
    broken = np.array([[5.0, -10.0], [20.0, 3.0]])  # unchecked: same clipping as ripser.py
    np.testing.assert_array_equal(correlation_to_distance(broken, check_input=False),
                                  ripser_py.correlation_to_distance(broken, check_input=False))
    for bad, msg in [(np.ones(3), "2D"), (np.ones((2, 3)), "square"),
                     (np.array([[1.0, 0.8], [0.2, 1.0]]), "symmetric"),
                     (np.array([[1.0, 1.1], [1.1, 1.0]]), "significantly outside")]:
        with pytest.raises(ValueError, match=msg):
            correlation_to_distance(bad)
    with pytest.warns(RuntimeWarning, match="slightly outside"):
        assert correlation_to_distance(np.array([[1.0, 1.02], [1.02, 1.0]]))[0, 1] == 0.0
    with pytest.warns(RuntimeWarning, match="diagonal"):
        correlation_to_distance(np.array([[0.998, 0.5], [0.5, 1.0]]))
