"""netneuro.ann features built on topology, control, maxent and connectivity."""

import numpy as np
import pytest

from netneuro import ann, connectivity, control, maxent


def _ripser_summaries(C):
    """Reference summaries from ripser.py on the same distance 1 - |r|."""
    ripser = pytest.importorskip("ripser")
    D = 1.0 - np.abs(C)
    np.fill_diagonal(D, 0.0)
    dgms = ripser.ripser(D, distance_matrix=True, maxdim=1)["dgms"]
    h0 = dgms[0][np.isfinite(dgms[0][:, 1])]
    h1 = dgms[1]
    return h0[:, 1].mean(), (h1[:, 1] - h1[:, 0]).max() if len(h1) else 0.0, dgms


@pytest.fixture
def layered_acts(rng):
    # two layers of units driven by a few latent factors, plus a dead unit
    z = rng.normal(size=(300, 4))
    a = np.maximum(z @ rng.normal(size=(4, 12)) + 0.5 * rng.normal(size=(300, 12)), 0)
    b = np.tanh(a @ rng.normal(size=(12, 9)) * 0.3 + 0.3 * rng.normal(size=(300, 9)))
    a[:, 3] = 0.0
    return {"a": a, "b": b}


def test_topological_features_match_ripser(layered_acts):
    res = ann.topological_features(layered_acts, maxdim=1)
    A, labels, _ = ann.stack_activations(layered_acts)
    alive = A.max(axis=0) > A.min(axis=0)
    C = np.corrcoef(A[:, alive].T)
    h0, h1, dgms = _ripser_summaries(C)
    net = res["network"]
    assert net["n_units"] == 20  # 21 units, one dead
    # ripser works in float32: agreement to float32 rounding of distances in [0, 1]
    assert net["average_death_h0"] == pytest.approx(h0, abs=1e-6)
    assert net["max_persistence_h1"] == pytest.approx(h1, abs=1e-6)
    t = res["thresholds"]
    ref_b0 = [np.sum((dgms[0][:, 0] <= x) & (dgms[0][:, 1] > x)) for x in t]
    assert net["betti_curves"].shape == (2, t.size)
    # Betti numbers at thresholds away from any death (float32 ties) agree exactly
    deaths = dgms[0][:, 1]
    far = np.array([np.all(np.abs(deaths[np.isfinite(deaths)] - x) > 1e-5) for x in t])
    np.testing.assert_array_equal(net["betti_curves"][0][far], np.asarray(ref_b0)[far])
    # per layer: the same on each layer's own correlation matrix
    for name, k in (("a", 0), ("b", 1)):
        cols = np.flatnonzero((labels == k) & alive)
        h0k, h1k, _ = _ripser_summaries(np.corrcoef(A[:, cols].T))
        assert res["layers"][name]["average_death_h0"] == pytest.approx(h0k, abs=1e-6)
        assert res["layers"][name]["max_persistence_h1"] == pytest.approx(h1k, abs=1e-6)
    # a correlation matrix in gives the same answer as activations in
    Cfull = ann.activation_connectome(layered_acts)
    res2 = ann.topological_features(Cfull, layer_labels=labels)
    assert res2["network"]["average_death_h0"] == net["average_death_h0"]
    assert res2["layers"]["layer_1"]["max_persistence_h1"] == \
        res["layers"]["b"]["max_persistence_h1"]


def test_topological_features_subsample_and_bad_input(layered_acts, rng):
    r1 = ann.topological_features(layered_acts, max_units=8, seed=3, per_layer=False)
    r2 = ann.topological_features(layered_acts, max_units=8, seed=3, per_layer=False)
    assert r1["network"]["n_units"] == 8
    assert r1["network"]["average_death_h0"] == r2["network"]["average_death_h0"]
    # the subset is 8 alive units drawn with the seed: the same as those units on their own
    A, _, _ = ann.stack_activations(layered_acts)
    alive = np.flatnonzero(A.max(axis=0) > A.min(axis=0))
    chosen = np.sort(np.random.default_rng(3).choice(alive, size=8, replace=False))
    ref = ann.topological_features(A[:, chosen], per_layer=False)["network"]
    for key in ("average_death_h0", "max_persistence_h1"):
        assert r1["network"][key] == pytest.approx(ref[key], abs=1e-12)
    with pytest.raises(ValueError, match="kind"):
        ann.topological_features(layered_acts, kind="graph")
    with pytest.raises(ValueError, match="maxdim"):
        ann.topological_features(layered_acts, maxdim=3)
    with pytest.raises(ValueError, match="square"):
        ann.topological_features(rng.normal(size=(5, 4)), kind="correlation")
    asym = np.eye(3)
    asym[0, 1] = 0.5
    with pytest.raises(ValueError, match="symmetric"):
        ann.topological_features(asym, kind="correlation")
    with pytest.raises(ValueError, match="layer_labels"):
        ann.topological_features(rng.normal(size=(50, 4)), layer_labels=[0, 1])
    with pytest.raises(ValueError, match="finite"):
        ann.topological_features(np.full((5, 3), np.nan))


def test_control_features_match_nctpy(rng):
    nctpy_metrics = pytest.importorskip("nctpy.metrics")
    nctpy_utils = pytest.importorskip("nctpy.utils")
    W = rng.normal(size=(12, 12))
    W = W + W.T  # symmetric: layout does not matter, nctpy's convention is x' = A x
    res = ann.control_features(W)
    A_ref = nctpy_utils.matrix_normalization(W, system="discrete", c=1)
    np.testing.assert_allclose(res["A_norm"], A_ref, rtol=1e-12, atol=1e-14)
    ac_ref = nctpy_metrics.ave_control(A_ref, system="discrete")
    # Gramian sums vs nctpy's Schur route: agreement to ~1e-10 relative
    np.testing.assert_allclose(res["average_controllability"], ac_ref, rtol=1e-8)


def test_control_features_directed_and_weight_graph(rng):
    W = rng.normal(size=(6, 6))
    res = ann.control_features(W)  # W[source, target]: dynamics matrix is W.T
    np.testing.assert_allclose(res["A_norm"], control.normalize(W.T, system="discrete"))
    res_pt = ann.control_features(W.T, layout="pytorch")
    np.testing.assert_array_equal(res_pt["A_norm"], res["A_norm"])
    g = ann.weight_graph([rng.normal(size=(4, 3)), rng.normal(size=(2, 4))])
    rg = ann.control_features(g)
    assert rg["average_controllability"].shape == (9,)
    assert set(rg["layers"]) == {"input", "linear0", "linear1"}
    np.testing.assert_allclose(rg["layers"]["linear0"]["mean_average_controllability"],
                               rg["average_controllability"][3:7].mean())
    with pytest.raises(ValueError, match="square"):
        ann.control_features(rng.normal(size=(3, 4)))
    with pytest.raises(ValueError, match="layout"):
        ann.control_features(W, layout="tf")
    with pytest.raises(ValueError, match="finite"):
        ann.control_features(np.full((3, 3), np.inf))


def test_maxent_features(rng):
    z = rng.normal(size=(2000, 1))
    A = np.hstack([z + rng.normal(size=(2000, 7)), np.zeros((2000, 1))])  # last unit dead
    res = ann.maxent_features(A, max_units=5, seed=0)
    assert res["units"].size == 5 and 7 not in res["units"]
    with pytest.warns(RuntimeWarning, match="constant"):  # the dead unit
        B = np.asarray(maxent.binarize(A, threshold="mean"))
    np.testing.assert_array_equal(res["X"], B[:, res["units"]])
    # the model is maxent's own fit of those units (same deterministic solver: exactly equal)
    ref = maxent.fit_ising(res["X"])
    np.testing.assert_array_equal(res["model"].h, ref.h)
    np.testing.assert_array_equal(res["model"].J, ref.J)
    assert res["goodness_of_fit"] == maxent.goodness_of_fit(ref, res["X"])
    res_all = ann.maxent_features(A, max_units=10)
    assert np.array_equal(res_all["units"], np.arange(7))
    var = ann.maxent_features(A, max_units=3, select="variance")
    v = B[:, :7].astype(np.float64).var(axis=0)
    assert np.array_equal(var["units"], np.sort(np.argsort(-v, kind="stable")[:3]))
    with pytest.raises(ValueError, match="fewer than 2 units"):
        ann.maxent_features(np.zeros((50, 4)))
    with pytest.raises(ValueError, match="select"):
        ann.maxent_features(A, select="best")


def test_maxent_features_l2_for_units_never_jointly_active(rng):
    # units 0 and 1 are never active together (sparse ReLU-like units): the
    # unpenalised coupling is infinite; l2 is passed on to fit_ising
    a = rng.random(600)
    A = np.column_stack([np.where(a < 0.3, a + 1, 0.0), np.where(a > 0.7, a, 0.0),
                         rng.normal(size=600)])
    with pytest.raises(ValueError, match="l2"):
        ann.maxent_features(A, seed=0)
    res = ann.maxent_features(A, seed=0, l2=0.05)
    ref = maxent.fit_ising(res["X"], l2=0.05)
    np.testing.assert_array_equal(res["model"].J, ref.J)
    assert np.all(np.isfinite(res["model"].J)) and res["model"].J[0, 1] < 0
    with pytest.raises(ValueError, match="l2"):
        ann.maxent_features(A, l2=-1.0)


def test_transfer_entropy_connectome_matches_connectivity(rng):
    x = rng.normal(size=(400, 1))
    A = np.hstack([x, np.roll(x, 1) + 0.1 * rng.normal(size=(400, 1)), rng.normal(size=(400, 2)),
                   np.zeros((400, 1))])
    M = ann.activation_connectome(A, method="transfer_entropy", estimator="gaussian")
    ref = connectivity.transfer_entropy(A[:, :4], estimator="gaussian")
    np.testing.assert_array_equal(M[:4, :4], ref)
    assert np.all(M[4] == 0) and np.all(M[:, 4] == 0)
    assert M[0, 1] > M[1, 0]  # unit 0 drives unit 1 one step later


def test_correlation_matches_connectivity_module(rng):
    A = rng.normal(size=(100, 7))
    np.testing.assert_allclose(ann.activation_connectome(A), connectivity.correlation(A),
                               atol=1e-13)

