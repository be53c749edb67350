"""netneuro.pipelines: the ready-made steps against independent references on real data."""

import pickle

import numpy as np
import pytest

from netneuro import cohort, pipelines


@pytest.fixture(scope="module")
def example():
    from netneuro import data

    return data.load_example()


@pytest.fixture(scope="module")
def subject(example):
    return example["timeseries"]["bochum-005"]


def test_connectome_step_equals_numpy(subject):
    state = {}
    out = pipelines.FunctionalConnectome()(subject, state)
    # Pearson correlation: NumPy's corrcoef is the reference (float64 rounding only)
    np.testing.assert_allclose(out["matrix"], np.corrcoef(subject.T), atol=1e-12)
    assert state["connectome"] is out["matrix"] and out["n_constant_regions"] == 0


def test_constant_regions_are_unconnected(subject):
    ts = subject[:, :20].copy()
    ts[:, 3] = 0.0
    out = pipelines.FunctionalConnectome()(ts, {})
    W = out["matrix"]
    assert out["n_constant_regions"] == 1 and np.isfinite(W).all()
    assert (W[3, np.arange(20) != 3] == 0).all() and W[3, 3] == 1.0
    keep = np.arange(20) != 3
    np.testing.assert_allclose(W[np.ix_(keep, keep)], np.corrcoef(ts[:, keep].T), atol=1e-12)
    ts[:, :] = 1.0
    with pytest.raises(ValueError, match="non-constant"):
        pipelines.FunctionalConnectome()(ts, {})


def test_persistence_step_equals_ripser(subject):
    ripser = pytest.importorskip("ripser")
    out = pipelines.Persistence(maxdim=1)(subject, {})
    C = np.corrcoef(subject.T)
    D = np.sqrt(np.clip(2 * (1 - C), 0, None))
    np.fill_diagonal(D, 0)
    ref = ripser.ripser(D, maxdim=1, distance_matrix=True)["dgms"]
    for k in range(2):
        a = np.sort(out["diagram"][k], axis=0)
        b = np.sort(ref[k], axis=0)
        assert a.shape == b.shape
        # ripser computes in float32: agreement to float32 rounding of values <= 2
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert out["betti"].shape == (2, 50)
    # beta_0 at threshold 0 counts every region (all born at 0, none merged)
    assert out["betti"][0, 0] == subject.shape[1]


def test_controllability_step_closed_form(subject):
    out = pipelines.Controllability()(subject, {})
    A = np.clip(np.corrcoef(subject.T), 0, None)
    np.fill_diagonal(A, 0)
    # Gu et al. 2015: A / (1 + largest singular value); for symmetric A the average
    # controllability of node i is sum_j v_ij^2 / (1 - l_j^2) (infinite-horizon Gramian
    # trace) and modal controllability is sum_j (1 - l_j^2) v_ij^2.
    An = A / (1 + np.linalg.svd(A, compute_uv=False)[0])
    lam, V = np.linalg.eigh(An)
    avg = (V ** 2 / (1 - lam ** 2)).sum(1)
    modal = ((1 - lam ** 2) * V ** 2).sum(1)
    np.testing.assert_allclose(out["modal"], modal, rtol=1e-8)
    # average controllability is a trace: compare up to the Gramian's constant offset
    # convention (identity term included or not) by its rank order and differences
    np.testing.assert_allclose(np.argsort(out["average"]), np.argsort(avg))
    np.testing.assert_allclose(np.diff(out["average"]), np.diff(avg), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(out["strength"], A.sum(0), rtol=1e-12)


def test_graph_step_uses_thresholded_positive_graph(subject):
    out = pipelines.GraphMetrics(density=0.2, n_null=0)(subject, {})
    C = np.clip(np.corrcoef(subject.T), 0, None)
    np.fill_diagonal(C, 0)
    n = len(C)
    # degree: edges kept = 20 % of the n(n-1)/2 pairs
    assert out["degree"].sum() / 2 == pytest.approx(0.2 * n * (n - 1) / 2, abs=2)
    # the kept edges are the strongest ones: strength = sum of kept weights
    iu = np.triu_indices(n, 1)
    w = np.sort(C[iu])[::-1]
    k = int(round(out["degree"].sum() / 2))
    assert out["strength"].sum() / 2 == pytest.approx(w[:k].sum(), rel=1e-9)
    assert 0 < out["global_efficiency"] < 1 and "small_worldness" not in out


def test_maxent_step_binarises_at_the_mean(example, subject):
    step = pipelines.MaxEnt(regions=["PCcor", "VMPFcor_a", "L_ANGgyr", "R_ANGgyr"],
                            region_names=example["regions"])
    out = step(subject, {})
    idx = [example["regions"].index(r) for r in ("PCcor", "VMPFcor_a", "L_ANGgyr", "R_ANGgyr")]
    np.testing.assert_array_equal(out["regions"], idx)
    assert out["h"].shape == (4,) and out["J"].shape == (4, 4)
    assert out["n_minima"] >= 1 and out["minima_energies"].shape == (out["n_minima"],)
    # a fitted pairwise model reproduces the binarised means (moment matching)
    from netneuro import maxent

    X = maxent.binarize(subject[:, idx], threshold="mean")
    np.testing.assert_array_equal(X, np.where(subject[:, idx] > subject[:, idx].mean(0), 1, -1))
    assert 0 <= out["accuracy"] <= 1.0 + 1e-9


def test_standard_pipeline_pickles_runs_in_pool_and_is_deterministic(tmp_path, example):
    pipe = pipelines.standard_pipeline(n_null=2, seed=3)
    again = pickle.loads(pickle.dumps(pipe))
    assert again.describe() == pipe.describe()
    subs = dict(list(example["timeseries"].items())[:3])
    cohort.run(pipe, subs, tmp_path / "a", progress=False)
    cohort.run(pipe, subs, tmp_path / "b", n_jobs=2, progress=False)
    a, b = cohort.open_store(tmp_path / "a"), cohort.open_store(tmp_path / "b")
    for n in subs:
        ra, rb = a.load(n), b.load(n)
        assert list(ra) == list(rb)
        for k in ra:
            if isinstance(ra[k], list):
                for x, y in zip(ra[k], rb[k]):
                    np.testing.assert_array_equal(x, y)
            else:
                np.testing.assert_array_equal(ra[k], rb[k])


def test_bad_inputs():
    with pytest.raises(ValueError, match="method"):
        pipelines.FunctionalConnectome("granger")
    with pytest.raises(ValueError, match="density"):
        pipelines.GraphMetrics(density=0)
    with pytest.raises(ValueError, match="maxdim"):
        pipelines.Persistence(maxdim=7)
    with pytest.raises(ValueError, match="region_names"):
        pipelines.MaxEnt(regions=["PCcor"])
    with pytest.raises(ValueError, match="not found"):
        pipelines.MaxEnt(regions=["nope"], region_names=["a", "b"])
    with pytest.raises(ValueError, match="at most 20"):
        pipelines.MaxEnt(regions=list(range(21)))
    with pytest.raises(ValueError, match="repeat"):
        pipelines.MaxEnt(regions=[1, 1])
    with pytest.raises(ValueError, match="steps"):
        pipelines.standard_pipeline(steps=["connectome", "bogus"])
    with pytest.raises(ValueError, match="at least one step"):
        pipelines.Pipeline([])
    with pytest.raises(ValueError, match="two steps"):
        pipelines.Pipeline([pipelines.Persistence(), pipelines.Persistence()])
    with pytest.raises(TypeError, match="Step objects"):
        pipelines.Pipeline([np.mean])
    with pytest.raises(ValueError, match="2-D"):
        pipelines.standard_pipeline()(np.zeros(10))
    with pytest.raises(ValueError, match="index"):
        pipelines.MaxEnt(regions=[50])(np.random.default_rng(0).standard_normal((30, 5)), {})


def test_matrix_pipeline_on_celegans_structural_connectome(tmp_path):
    """Controllability on real structural data: C. elegans (Varshney et al. 2011)."""
    from netneuro import data

    ce = data.load_celegans()
    A = (ce["chemical"] + ce["chemical"].T + ce["electrical"]).astype(float)
    np.fill_diagonal(A, 0.0)  # the step drops self-connections
    pipe = pipelines.Pipeline([pipelines.Controllability(), pipelines.GraphMetrics(
        density=1.0, n_null=0)], input="matrix")
    res = cohort.run(pipe, {"celegans": A}, tmp_path / "st", progress=False)
    assert res.ok
    out = cohort.open_store(tmp_path / "st").load("celegans")
    An = A / (1 + np.linalg.svd(A, compute_uv=False)[0])
    lam, V = np.linalg.eigh(An)
    np.testing.assert_allclose(out["control.modal"], ((1 - lam ** 2) * V ** 2).sum(1),
                               rtol=1e-8)
    np.testing.assert_allclose(out["graph.strength"], A.sum(0), rtol=1e-12)
    # in C. elegans as in human connectomes, average controllability tracks degree
    assert out["control.average_vs_strength"] > 0.5
    with pytest.raises(ValueError, match="needs time series"):
        pipelines.Pipeline([pipelines.MaxEnt()], input="matrix")(A)


def test_celegans_matches_upstream_edges():
    from conftest import shared_file

    from netneuro import data

    pd = pytest.importorskip("pandas")
    e = pd.read_csv(shared_file("structural/celegans_varshney2011_edges.csv"))
    ce = data.load_celegans()
    assert len(ce["neurons"]) == 279
    idx = {n: i for i, n in enumerate(ce["neurons"])}
    chem = np.zeros((279, 279), int)
    for a, b, t, n in e[["Neuron 1", "Neuron 2", "Type", "Nbr"]].itertuples(index=False):
        if t in ("S", "Sp"):
            chem[idx[a], idx[b]] += n
    np.testing.assert_array_equal(ce["chemical"], chem)
    np.testing.assert_array_equal(ce["electrical"], ce["electrical"].T)
    assert ce["electrical"].sum() == e.loc[e.Type == "EJ", "Nbr"].sum()


def test_typed_step_outputs_are_the_stored_schema(tmp_path, subject):
    pipe = pipelines.standard_pipeline(n_null=0, maxent_n_regions=4)
    out, state = pipe.run(subject[:, :12])
    cohort.run(pipe, {"s": subject[:, :12]}, tmp_path / "st", progress=False)
    stored = cohort.open_store(tmp_path / "st").load("s")
    for cls in (pipelines.ConnectomeOutput, pipelines.GraphOutput, pipelines.PersistenceOutput,
                pipelines.ControlOutput, pipelines.MaxEntOutput):
        typed = cls.from_results(stored)
        assert isinstance(typed, cls)
        # the typed output's keys are exactly the stored keys of its step
        assert {cls.key(k) for k in typed} == {k for k in stored
                                               if k.startswith(cls.step + ".")}
        assert list(typed) == list(out[cls.step])
    with pytest.raises(KeyError, match="no result"):
        pipelines.ConnectomeOutput.key("matirx")
    step = pipelines.MaxEnt(n_regions=4)(subject[:, :12], {})
    assert isinstance(step, pipelines.MaxEntOutput) and step.n_minima == step["n_minima"]
    assert pipelines.GraphOutput.from_results({"connectome.matrix": 1}) is None
