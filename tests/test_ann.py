"""netneuro.ann: weight graphs, activations and activation connectomes."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import correlate

from netneuro import ann


def _sklearn_nn():
    """sklearn.neural_network for the tests that fit MLPs (a peer: skipped where absent)."""
    return pytest.importorskip("sklearn.neural_network")


def _fit(model, X, y):
    """``model.fit(X, y)``; the fits are short on purpose (convergence does not matter here)."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


# ---------------------------------------------------------------------------
# weight graphs


def test_weight_graph_tiny_mlp_exact():
    # 2 inputs -> 3 hidden -> 1 output, PyTorch layout (out x in)
    W1 = np.array([[1.0, -2.0], [0.5, 0.0], [3.0, 4.0]])
    W2 = np.array([[7.0, -1.0, 0.25]])
    g = ann.weight_graph([W1, W2])
    expected = np.zeros((6, 6))
    # A[source, target]; inputs are units 0-1, hidden 2-4, output 5
    expected[0, 2], expected[1, 2] = 1.0, -2.0
    expected[0, 3] = 0.5                      # W1[1, 1] = 0 is not an edge
    expected[0, 4], expected[1, 4] = 3.0, 4.0
    expected[2, 5], expected[3, 5], expected[4, 5] = 7.0, -1.0, 0.25
    assert sp.isspmatrix_csr(g.adjacency)
    assert np.array_equal(g.adjacency.toarray(), expected)
    assert g.n_edges == 8
    assert g.adjacency.nnz == 8  # the zero weight is not stored either
    assert np.array_equal(g.layer, [0, 0, 1, 1, 1, 2])
    assert np.array_equal(g.offsets, [0, 2, 5, 6])
    assert g.layer_names == ["input", "linear0", "linear1"]
    assert g.layer_shapes == [(2,), (3,), (1,)]
    dense = ann.weight_graph([W1, W2], dense=True)
    assert isinstance(dense.adjacency, np.ndarray)
    assert np.array_equal(dense.adjacency, expected)
    assert np.array_equal(g.block(1).toarray(), W1.T)
    assert np.array_equal(g.block("linear1").toarray(), W2.T)
    assert "6 units" in repr(g)


def test_weight_graph_from_sklearn_and_mapping(rng):
    X = rng.normal(size=(40, 5))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    clf = _fit(_sklearn_nn().MLPClassifier((4, 3), max_iter=50, random_state=0), X, y)
    g = ann.weight_graph(clf, dense=True)
    # sklearn's coefs_ are (in, out) = our (source, target) blocks
    for k, c in enumerate(clf.coefs_, start=1):
        np.testing.assert_array_equal(g.adjacency[g.units(k - 1), g.units(k)], c)
    assert g.layer_names == ["input", "hidden_1", "hidden_2", "output"]
    # a state_dict-like mapping: biases and 1-D weights are skipped, key order kept
    sd = {"fc1.weight": clf.coefs_[0].T, "fc1.bias": clf.intercepts_[0],
          "bn.weight": np.ones(4), "fc2.weight": clf.coefs_[1].T, "fc3.weight": clf.coefs_[2].T}
    g2 = ann.weight_graph(sd, dense=True)
    np.testing.assert_array_equal(g2.adjacency, g.adjacency)
    assert g2.layer_names == ["input", "fc1", "fc2", "fc3"]


def test_weight_graph_conv_channel_mode_exact():
    W = np.arange(16, dtype=float).reshape(2, 2, 2, 2) - 7.5  # 2 in channels -> 2 out, 2x2
    L = np.arange(3 * 8, dtype=float).reshape(3, 8) - 11.0    # 2 channels x 2x2 map -> 3 units
    g = ann.weight_graph([W, L], input_shape=(2, 3, 3), dense=True)
    A = g.adjacency
    assert g.layer_shapes == [(2,), (2,), (3,)]
    for c in range(2):
        for o in range(2):
            assert A[c, 2 + o] == np.abs(W[o, c]).sum()
    for c in range(2):  # flatten order (C, H, W): channel c owns features 4c..4c+3
        for j in range(3):
            assert A[2 + c, 4 + j] == np.abs(L[j, 4 * c:4 * c + 4]).sum()
    signed = ann.weight_graph([W, L], input_shape=(2, 3, 3), dense=True,
                              channel_weight="signed").adjacency
    for c in range(2):  # kernels and flattened blocks of mixed signs: signed sums differ
        for o in range(2):
            assert signed[c, 2 + o] == W[o, c].sum()
        for j in range(3):
            assert signed[2 + c, 4 + j] == L[j, 4 * c:4 * c + 4].sum()
    assert not np.array_equal(signed, A)
    # without input_shape the spatial size is inferred from the linear layer
    np.testing.assert_array_equal(ann.weight_graph([W, L], dense=True).adjacency, A)
    with pytest.raises(ValueError, match="expects 8 inputs"):
        ann.weight_graph([W, L], input_shape=(2, 4, 4))


def _conv_ref(x, W, pad, stride):
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    out = np.stack([sum(correlate(xp[c], W[o, c], mode="valid") for c in range(W.shape[1]))
                    for o in range(W.shape[0])])
    return out[:, ::stride, ::stride]


@pytest.mark.parametrize("pad, stride", [(0, 1), (1, 1), (2, 1), (0, 2), (1, 3)])
def test_weight_graph_unroll_equals_convolution(rng, pad, stride):
    W = rng.normal(size=(3, 2, 3, 2))
    x = rng.normal(size=(2, 7, 6))
    g = ann.weight_graph([{"weight": W, "padding": pad, "stride": stride}], conv="unroll",
                         input_shape=x.shape)
    y = (x.ravel() @ g.block(1)).reshape(g.layer_shapes[1])
    ref = _conv_ref(x, W, pad, stride)  # scipy cross-correlation, an independent reference
    assert y.shape == ref.shape
    np.testing.assert_allclose(y, ref, rtol=1e-12, atol=1e-12)  # same sums, other order


def test_weight_graph_unroll_tiny_exact():
    W = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])  # 1 -> 1 channel, 2x2 kernel on a 2x3 image
    g = ann.weight_graph([W], conv="unroll", input_shape=(2, 3), dense=True)
    A = g.adjacency
    # input pixels 0..5 = (row, col) row-major; outputs 6, 7 = positions (0, 0), (0, 1)
    expected = np.zeros((8, 8))
    expected[[0, 1, 3, 4], 6] = [1, 2, 3, 4]
    expected[[1, 2, 4, 5], 7] = [1, 2, 3, 4]
    np.testing.assert_array_equal(A, expected)


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_weight_graph_unroll_pooling(rng, mode):
    W = rng.normal(size=(2, 1, 3, 3))
    g = ann.weight_graph([W, {"pool": 2, "mode": mode}], conv="unroll", input_shape=(1, 8, 8))
    assert g.layer_shapes == [(1, 8, 8), (2, 6, 6), (2, 3, 3)]
    P = g.block(2).toarray()
    h = rng.normal(size=(2, 6, 6))
    if mode == "avg":
        ref = h.reshape(2, 3, 2, 3, 2).mean(axis=(2, 4))
        np.testing.assert_allclose((h.ravel() @ P).reshape(2, 3, 3), ref, rtol=1e-13)
    else:  # structural: every input of a window routes to its output with weight 1
        assert np.array_equal(P.sum(axis=0), np.full(18, 4.0))
        assert set(np.unique(P)) == {0.0, 1.0}
        best = np.where(P > 0, h.ravel()[:, None], -np.inf).max(axis=0)
        np.testing.assert_array_equal(best.reshape(2, 3, 3),
                                      h.reshape(2, 3, 2, 3, 2).max(axis=(2, 4)))


@pytest.mark.parametrize("layers, kwargs, exc, match", [
    ([np.ones((3, 2)), np.ones((1, 4))], {}, ValueError, "expects 4 inputs but the previous"),
    ([np.array([[1.0, np.nan]])], {}, ValueError, "finite"),
    ([np.ones((2, 2)), np.array([1.0, 2.0])], {}, ValueError, "bias"),
    ([np.ones((2, 3)), np.ones((2, 2, 1, 1))], {}, ValueError, "dense layer"),
    ([np.ones((2, 3, 2, 2)), np.ones((2, 3, 2, 2))], {}, ValueError, "expects 3 input channels"),
    ([np.ones((2, 1, 2, 2))], {"conv": "unroll"}, ValueError, "needs input_shape"),
    ([np.ones((2, 1, 2, 2))], {"input_shape": (3, 5, 5)}, ValueError, "input channels"),
    ([np.ones((2, 1, 6, 6))], {"input_shape": (1, 5, 5), "conv": "unroll"}, ValueError,
     "does not fit"),
    ([np.ones((2, 2))], {"conv": "sideways"}, ValueError, "conv must be one of"),
    ([np.ones((2, 2))], {"channel_weight": "max"}, ValueError, "channel_weight"),
    ([], {}, ValueError, "at least one"),
    ([{"pool": 2}], {}, ValueError, "pooling"),
    ([{"kernel": np.ones((2, 2))}], {}, ValueError, "'weight'"),
    ([np.ones((2, 2), dtype=complex)], {}, TypeError, "real numbers"),
    (np.ones((2, 2)), {}, TypeError, "list of weight arrays"),
    (None, {}, TypeError, "got None"),
    ([np.ones((2, 3, 4))], {}, ValueError, "2-D or 4-D"),
])
def test_weight_graph_rejects_bad_input(layers, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ann.weight_graph(layers, **kwargs)


# ---------------------------------------------------------------------------
# activations


@pytest.fixture(scope="module")
def digits_mlp():
    nn = _sklearn_nn()
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X[:600] / 16.0
    y = y[:600]
    clf = _fit(nn.MLPClassifier((24, 12), max_iter=150, random_state=1), X, y)
    return clf, X


def test_activations_sklearn_match_forward_and_predict_proba(digits_mlp):
    clf, X = digits_mlp
    acts = ann.activations(clf, X)
    assert list(acts) == ["hidden_1", "hidden_2"]
    h1 = np.maximum(X @ clf.coefs_[0] + clf.intercepts_[0], 0.0)
    np.testing.assert_allclose(acts["hidden_1"], h1, rtol=1e-12, atol=1e-12)
    out = ann.activations(clf, X, layers=["output", 0])
    assert list(out) == ["output", "input"]
    # sklearn's own forward pass is the reference for the whole chain
    np.testing.assert_allclose(out["output"], clf.predict_proba(X), rtol=1e-10, atol=1e-12)
    batched = ann.activations(clf, X, layers="output", batch_size=77)
    np.testing.assert_allclose(batched["output"], out["output"], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("activation", ["logistic", "tanh", "identity"])
def test_activations_sklearn_other_nonlinearities(rng, activation):
    nn = _sklearn_nn()
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    kw = dict(hidden_layer_sizes=(5,), activation=activation, max_iter=30, random_state=0)
    clf = _fit(nn.MLPClassifier(**kw), X, y)
    out = ann.activations(clf, X, layers="output")["output"]
    np.testing.assert_allclose(out, clf.predict_proba(X)[:, 1:], rtol=1e-10, atol=1e-12)
    reg = _fit(nn.MLPRegressor(**kw), X, X[:, 0])
    out = ann.activations(reg, X, layers="output")["output"]
    np.testing.assert_allclose(out[:, 0], reg.predict(X), rtol=1e-10, atol=1e-12)


def test_activations_callable(rng):
    X = rng.normal(size=(30, 3, 2))

    def model(x):
        h = x.reshape(len(x), -1)
        return {"a": h * 2, "b": np.tanh(h)[:, :, None]}

    acts = ann.activations(model, X, batch_size=7)
    assert list(acts) == ["a", "b"]
    np.testing.assert_array_equal(acts["a"], 2 * X.reshape(30, -1))
    assert acts["b"].shape == (30, 6)
    lst = ann.activations(lambda x: [x[:, 0], x[:, 1]], X, layers=[1])
    assert list(lst) == ["layer_1"]
    np.testing.assert_array_equal(lst["layer_1"], X[:, 1])


def test_activations_reject_bad_input(digits_mlp, rng):
    clf, X = digits_mlp
    with pytest.raises(ValueError, match="features"):
        ann.activations(clf, X[:, :10])
    with pytest.raises(ValueError, match="unknown layer"):
        ann.activations(clf, X, layers=["hidden_9"])
    with pytest.raises(ValueError, match="out of range"):
        ann.activations(clf, X, layers=[10])
    with pytest.raises(ValueError, match="finite"):
        ann.activations(clf, np.full_like(X, np.nan))
    with pytest.raises(TypeError, match="callable"):
        ann.activations(42, X)
    with pytest.raises(TypeError, match="dict of arrays"):
        ann.activations(lambda x: 3.0, X)
    with pytest.raises(ValueError, match="sample axis"):
        ann.activations(lambda x: {"a": x.T}, rng.normal(size=(5, 3)))
    with pytest.raises(ValueError, match="batch_size"):
        ann.activations(clf, X, batch_size=0)


# ---------------------------------------------------------------------------
# activation connectomes


def test_correlation_connectome_equals_numpy(digits_mlp):
    clf, X = digits_mlp
    acts = ann.activations(clf, X)
    A, labels, names = ann.stack_activations(acts)
    assert A.shape == (600, 36) and names == ["hidden_1", "hidden_2"]
    C, alive = ann.activation_connectome(acts, return_alive=True, chunk_size=7)
    ref = np.corrcoef(A[:, alive].T)
    # same estimator, different summation order: agreement to rounding
    np.testing.assert_allclose(C[np.ix_(alive, alive)], ref, rtol=0, atol=1e-13)
    assert np.array_equal(C, C.T)
    for n_jobs in (2, 3):
        assert np.array_equal(ann.activation_connectome(acts, chunk_size=7, n_jobs=n_jobs), C)
    np.testing.assert_allclose(ann.activation_connectome(A, chunk_size=1000), C, atol=1e-14)


def test_correlation_connectome_many_units_equals_numpy(rng):
    # more units than one mirror tile (512) and than chunk_size: every block path
    A = rng.normal(size=(40, 700)) + rng.normal(size=(40, 1))
    ref = np.corrcoef(A.T)
    for chunk_size in (256, 8192):
        C = ann.activation_connectome(A, chunk_size=chunk_size)
        assert np.array_equal(C, C.T)
        np.testing.assert_allclose(C, ref, rtol=0, atol=1e-13)


def test_correlation_connectome_dead_units(rng):
    A = rng.normal(size=(200, 6))
    A[:, 2] = 0.0          # a dead ReLU
    A[:, 4] = 3.5          # a constant unit
    alive = np.array([True, True, False, True, False, True])
    ref = np.corrcoef(A[:, alive].T)
    C = ann.activation_connectome(A)
    assert not np.isnan(C).any()
    np.testing.assert_allclose(C[np.ix_(alive, alive)], ref, atol=1e-13)
    assert np.all(C[~alive] == 0) and np.all(C[:, ~alive] == 0)
    Cd, mask = ann.activation_connectome(A, dead="drop", return_alive=True)
    assert np.array_equal(mask, alive)
    np.testing.assert_allclose(Cd, ref, atol=1e-13)
    with pytest.raises(ValueError, match="2 dead"):
        ann.activation_connectome(A, dead="raise")
    # nearly constant units count as dead with a tolerance
    A[:, 0] = 1e-12 * rng.normal(size=200)
    assert not ann.activation_connectome(A, dead_tol=1e-9, return_alive=True)[1][0]


def test_mutual_information_connectome_equals_sklearn(rng):
    mutual_info_score = pytest.importorskip("sklearn.metrics").mutual_info_score

    z = rng.normal(size=(500, 1))
    A = np.hstack([z + 0.3 * rng.normal(size=(500, 4)), rng.normal(size=(500, 3)),
                   np.maximum(z, 0)])
    M = ann.activation_connectome(A, method="mutual_information", n_bins=6, chunk_size=8)
    lo, hi = A.min(axis=0), A.max(axis=0)
    bins = np.clip(np.floor((A - lo) / (hi - lo) * 6).astype(int), 0, 5)
    ref = np.array([[mutual_info_score(bins[:, i], bins[:, j]) for j in range(8)]
                    for i in range(8)])
    # plug-in estimator in nats both sides; only summation order differs
    np.testing.assert_allclose(M, ref, rtol=1e-10, atol=1e-12)
    assert np.array_equal(M, M.T)


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"method": "granger"}, ValueError, "method must be one of"),
    ({"dead": "ignore"}, ValueError, "dead must be one of"),
    ({"chunk_size": 0}, ValueError, "chunk_size"),
    ({"n_bins": 1}, ValueError, "n_bins"),
    ({"n_jobs": 0}, ValueError, "n_jobs"),
    ({"dead_tol": -1.0}, ValueError, "dead_tol"),
])
def test_activation_connectome_rejects_bad_options(rng, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        ann.activation_connectome(rng.normal(size=(10, 3)), **kwargs)


def test_activation_connectome_rejects_bad_data(rng):
    with pytest.raises(ValueError, match="finite"):
        ann.activation_connectome(np.array([[1.0, np.nan], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="at least 2 samples"):
        ann.activation_connectome(np.ones((1, 4)))
    with pytest.raises(ValueError, match="2-D"):
        ann.activation_connectome(np.ones(4))
    with pytest.raises(ValueError, match="samples"):
        ann.activation_connectome({"a": np.ones((5, 2)), "b": np.ones((4, 2))})


def test_activation_connectome_memory_guard(rng, monkeypatch):
    from netneuro import _validation

    monkeypatch.setattr(_validation, "available_memory", lambda: 1000.0)
    with pytest.raises(MemoryError, match="activation connectome"):
        ann.activation_connectome(rng.normal(size=(10, 30)))


def test_weight_graph_accessors_reject_bad_layers():
    g = ann.weight_graph([np.ones((3, 2))])
    with pytest.raises(ValueError, match="no incoming"):
        g.block(0)
    with pytest.raises(ValueError, match="unknown layer"):
        g.units("conv9")
    with pytest.raises(ValueError, match="<= 1"):
        g.units(5)


@pytest.mark.gpu
def test_correlation_connectome_gpu_equals_cpu(rng):
    from netneuro._backend import gpu_available

    if not gpu_available():
        pytest.skip("needs CuPy and a CUDA device")
    A = rng.normal(size=(500, 300))
    cpu = ann.activation_connectome(A)
    gpu = ann.activation_connectome(A, device="gpu", chunk_size=128)
    # cuBLAS and OpenBLAS sum in different orders: agreement to rounding
    np.testing.assert_allclose(gpu, cpu, atol=1e-12)


def test_activation_connectome_gpu_unavailable_or_bad_device(rng):
    from netneuro._backend import gpu_available

    with pytest.raises(ValueError, match="device"):
        ann.activation_connectome(rng.normal(size=(5, 3)), device="tpu")
    if not gpu_available():
        with pytest.raises(RuntimeError, match="CuPy"):
            ann.activation_connectome(rng.normal(size=(5, 3)), device="gpu")


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4), st.integers(1, 4),
       st.integers(0, 2), st.integers(1, 3), st.integers(4, 9), st.integers(4, 9),
       st.integers(0, 2**31 - 1))
def test_weight_graph_unroll_random_shapes(cout, cin, kh, kw, pad, stride, H, W, seed):
    r = np.random.default_rng(seed)
    K = r.normal(size=(cout, cin, kh, kw))
    x = r.normal(size=(cin, H, W))
    g = ann.weight_graph([{"weight": K, "padding": pad, "stride": stride}], conv="unroll",
                         input_shape=x.shape)
    y = (x.ravel() @ g.block(1)).reshape(g.layer_shapes[1])
    np.testing.assert_allclose(y, _conv_ref(x, K, pad, stride), rtol=1e-12, atol=1e-12)
    # channel mode of the same layer: sums of |kernel| per channel pair
    gc = ann.weight_graph([K], dense=True)
    np.testing.assert_allclose(gc.adjacency[:cin, cin:], np.abs(K).sum(axis=(2, 3)).T)
