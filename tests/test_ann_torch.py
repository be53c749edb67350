"""netneuro.ann with PyTorch inputs: modules, state_dicts, forward hooks, tensors.

Skipped cleanly where torch is not installed (torch is optional for netneuro).
Every torch path is checked against the NumPy path on the same weights, or
against torch's own forward pass.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from netneuro import ann

torch = pytest.importorskip("torch")
nn = torch.nn


def _mlp(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 4), nn.ReLU(),
                         nn.Linear(4, 3))


class _CNN(nn.Module):
    """Conv (stride 1, pad 1) -> ReLU -> MaxPool 2 -> Conv (stride 2) -> ReLU -> AvgPool 2
    -> Flatten -> Linear -> ReLU -> Linear, on (2, 12, 12) inputs."""

    def __init__(self, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.conv1 = nn.Conv2d(2, 3, 3, padding=1)
        self.act1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(3, 4, 2, stride=2)   # 6x6 -> 3x3
        self.act2 = nn.ReLU()
        self.pool2 = nn.AvgPool2d(kernel_size=1)     # 3x3 -> 3x3 (a trivial average)
        self.flat = nn.Flatten()
        self.fc1 = nn.Linear(4 * 3 * 3, 7)
        self.act3 = nn.ReLU()
        self.fc2 = nn.Linear(7, 3)

    def forward(self, x):
        x = self.pool1(self.act1(self.conv1(x)))
        x = self.pool2(self.act2(self.conv2(x)))
        return self.fc2(self.act3(self.fc1(self.flat(x))))


class _CNNAvg(nn.Module):
    """Conv -> ReLU -> AvgPool 2 (stride 2) -> Flatten -> Linear, on (1, 8, 8) inputs."""

    def __init__(self, seed=1):
        super().__init__()
        torch.manual_seed(seed)
        self.body = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(2 * 4 * 4, 5))

    def forward(self, x):
        return self.head(self.body(x))


def _np(t):
    return t.detach().cpu().numpy().astype(np.float64)


def _cnn_numpy_spec(m):
    return [{"weight": _np(m.conv1.weight), "padding": 1, "name": "conv1"},
            {"pool": 2, "mode": "max", "name": "pool1"},
            {"weight": _np(m.conv2.weight), "stride": 2, "name": "conv2"},
            {"pool": 1, "mode": "avg", "name": "pool2"},
            {"weight": _np(m.fc1.weight), "name": "fc1"},
            {"weight": _np(m.fc2.weight), "name": "fc2"}]


def _same_graph(g, h, rtol=0.0):
    assert g.layer_names == h.layer_names
    assert g.layer_shapes == h.layer_shapes
    assert np.array_equal(g.offsets, h.offsets)
    assert np.array_equal(g.layer, h.layer)
    assert g.conv == h.conv
    a = g.adjacency.toarray() if sp.issparse(g.adjacency) else g.adjacency
    b = h.adjacency.toarray() if sp.issparse(h.adjacency) else h.adjacency
    # both sides hold the same float32 weights widened to float64: exactly equal
    # (channel sums add the same numbers in the same order)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=0.0)


# ---------------------------------------------------------------------------
# weight graphs


def test_weight_graph_torch_mlp_equals_numpy():
    m = _mlp()
    Ws = [_np(m[i].weight) for i in (0, 2, 4)]
    g = ann.weight_graph(m)
    h = ann.weight_graph(Ws)
    assert g.layer_names == ["input", "0", "2", "4"]
    h.layer_names = g.layer_names  # numpy lists are named linear0.. ; the module's by path
    _same_graph(g, h)
    assert np.array_equal(np.diff(g.offsets), [6, 5, 4, 3])
    np.testing.assert_array_equal(g.block("2").toarray(), Ws[1].T)
    dense = ann.weight_graph(m, dense=True)
    assert isinstance(dense.adjacency, np.ndarray)
    np.testing.assert_array_equal(dense.adjacency, g.adjacency.toarray())


def test_weight_graph_torch_state_dict_equals_module():
    m = _mlp()
    g = ann.weight_graph(m)
    s = ann.weight_graph(m.state_dict())
    _same_graph(g, s)
    # tensors in a plain list are accepted too
    t = ann.weight_graph([m[0].weight, m[2].weight, m[4].weight])
    np.testing.assert_array_equal(t.adjacency.toarray(), g.adjacency.toarray())


@pytest.mark.parametrize("conv", ["channel", "unroll"])
@pytest.mark.parametrize("channel_weight", ["abs", "signed"])
def test_weight_graph_torch_cnn_equals_numpy(conv, channel_weight):
    m = _CNN()
    kw = dict(conv=conv, input_shape=(2, 12, 12), channel_weight=channel_weight)
    g = ann.weight_graph(m, **kw)
    h = ann.weight_graph(_cnn_numpy_spec(m), **kw)
    _same_graph(g, h)
    if conv == "unroll":
        assert g.layer_names == ["input", "conv1", "pool1", "conv2", "pool2", "fc1", "fc2"]
        assert np.array_equal(np.diff(g.offsets), [288, 432, 108, 36, 36, 7, 3])
        assert g.layer_shapes[1] == (3, 12, 12)
    else:
        assert g.layer_names == ["input", "conv1", "conv2", "fc1", "fc2"]
        assert np.array_equal(np.diff(g.offsets), [2, 3, 4, 7, 3])


def test_weight_graph_torch_cnn_channel_without_input_shape():
    m = _CNNAvg()
    g = ann.weight_graph(m)  # channel mode needs no input shape
    h = ann.weight_graph([_np(m.body[0].weight), _np(m.head[1].weight)])
    np.testing.assert_array_equal(g.adjacency.toarray(), h.adjacency.toarray())
    assert g.layer_names == ["input", "body.0", "head.1"]


def test_weight_graph_torch_state_dict_cnn_stride1():
    # a state_dict carries no stride/padding: stride 1, no padding, no pooling
    torch.manual_seed(3)
    m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    g = ann.weight_graph(m, conv="unroll", input_shape=(1, 6, 6))
    s = ann.weight_graph(m.state_dict(), conv="unroll", input_shape=(1, 6, 6))
    _same_graph(g, s)


def _sparse_forward(g, x, biases, pool_modes):
    """Propagate x (n, n_input) through the unrolled graph with the layer nonlinearities."""
    h = x
    n_layers = g.n_layers
    for k in range(1, n_layers):
        name = g.layer_names[k]
        B = g.block(k).tocsc()
        if name in pool_modes and pool_modes[name] == "max":
            # max pooling: each output is the max of the inputs with an edge to it
            out = np.empty((h.shape[0], B.shape[1]))
            for j in range(B.shape[1]):
                src = B.indices[B.indptr[j]:B.indptr[j + 1]]
                out[:, j] = h[:, src].max(axis=1)
            h = out
            continue
        h = np.asarray((B.T @ h.T).T)  # linear map (average pooling included)
        if name in biases:
            b = biases[name]
            h = h + np.repeat(b, (g.offsets[k + 1] - g.offsets[k]) // b.size)
        if name not in pool_modes and k < n_layers - 1:
            h = np.maximum(h, 0.0)  # every conv / hidden linear layer is followed by ReLU
    return h


def test_unrolled_torch_cnn_forward_reproduces_logits():
    m = _CNN().eval()
    g = ann.weight_graph(m, conv="unroll", input_shape=(2, 12, 12))
    rng = np.random.default_rng(7)
    X = rng.normal(size=(64, 2, 12, 12)).astype(np.float32)
    with torch.no_grad():
        logits = m(torch.from_numpy(X)).double().numpy()
    biases = {n: _np(getattr(m, n).bias) for n in ("conv1", "conv2", "fc1", "fc2")}
    out = _sparse_forward(g, X.reshape(64, -1).astype(np.float64), biases,
                          {"pool1": "max", "pool2": "avg"})
    # torch runs in float32 (relative rounding ~1e-7 per op, a few hundred ops deep),
    # the sparse pass in float64 on the same float32 weights
    np.testing.assert_allclose(out, logits, rtol=1e-5, atol=1e-5)
    assert np.abs(logits).max() > 0.05  # not a trivially-zero comparison


def test_unrolled_torch_avgpool_cnn_forward_reproduces_logits():
    m = _CNNAvg().eval()
    g = ann.weight_graph(m, conv="unroll", input_shape=(1, 8, 8))
    assert g.layer_names == ["input", "body.0", "body.2", "head.1"]
    X = np.random.default_rng(8).normal(size=(32, 1, 8, 8)).astype(np.float32)
    with torch.no_grad():
        logits = m(torch.from_numpy(X)).double().numpy()
    biases = {"body.0": _np(m.body[0].bias), "head.1": _np(m.head[1].bias)}
    out = _sparse_forward(g, X.reshape(32, -1).astype(np.float64), biases,
                          {"body.2": "avg"})
    np.testing.assert_allclose(out, logits, rtol=1e-5, atol=1e-5)


def test_unrolled_torch_overlapping_pool_reproduces_logits():
    # pooling windows with stride < kernel size overlap: the module's stride must be used
    torch.manual_seed(11)
    m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2, stride=1), nn.Conv2d(2, 2, 2),
                      nn.ReLU(), nn.AvgPool2d(3, stride=2), nn.Flatten(), nn.Linear(2 * 2 * 2, 3))
    m.eval()
    g = ann.weight_graph(m, conv="unroll", input_shape=(1, 9, 9))
    assert g.layer_shapes[2] == (2, 6, 6) and g.layer_shapes[4] == (2, 2, 2)
    X = np.random.default_rng(11).normal(size=(16, 1, 9, 9)).astype(np.float32)
    with torch.no_grad():
        logits = m(torch.from_numpy(X)).double().numpy()
    biases = {"0": _np(m[0].bias), "3": _np(m[3].bias), "7": _np(m[7].bias)}
    out = _sparse_forward(g, X.reshape(16, -1).astype(np.float64), biases,
                          {"2": "max", "5": "avg"})
    np.testing.assert_allclose(out, logits, rtol=1e-5, atol=1e-5)


class _Bad(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.kind = kind
        if kind == "conv1d":
            self.c = nn.Conv2d(1, 1, 1)
            self.d = nn.Conv1d(1, 1, 1)
        elif kind == "lstm":
            self.l = nn.LSTM(3, 4)
        elif kind == "groups":
            self.c = nn.Conv2d(2, 2, 3, groups=2)
        elif kind == "dilation":
            self.c = nn.Conv2d(1, 1, 3, dilation=2)
        elif kind == "rect_pool":
            self.c = nn.Conv2d(1, 1, 1)
            self.p = nn.MaxPool2d((2, 3))
        elif kind == "ceil_pool":
            self.c = nn.Conv2d(1, 1, 1)
            self.p = nn.MaxPool2d(2, ceil_mode=True)
        elif kind == "empty":
            self.r = nn.ReLU()


@pytest.mark.parametrize("kind, match", [
    ("conv1d", "Conv1d"),
    ("lstm", "LSTM"),
    ("groups", "groups 1"),
    ("dilation", "dilation 1"),
    ("rect_pool", "square"),
    ("ceil_pool", "ceil-mode"),
    ("empty", "no Linear or Conv2d"),
])
def test_weight_graph_torch_rejects_unsupported_modules(kind, match):
    with pytest.raises(ValueError, match=match):
        ann.weight_graph(_Bad(kind))


def test_weight_graph_torch_rejects_nan_weights():
    m = _mlp()
    with torch.no_grad():
        m[2].weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match="finite"):
        ann.weight_graph(m)
    with pytest.raises(ValueError, match="finite"):
        ann.weight_graph(m.state_dict())


def test_weight_graph_torch_mismatched_shapes():
    m = nn.Sequential(nn.Linear(4, 3), nn.Linear(5, 2))
    with pytest.raises(ValueError, match="expects 5 inputs but the previous"):
        ann.weight_graph(m)


# ---------------------------------------------------------------------------
# activations (forward hooks)


def test_activations_torch_mlp_equal_manual_forward():
    m = _mlp().eval()
    X = np.random.default_rng(1).normal(size=(50, 6))
    acts = ann.activations(m, X, batch_size=16)  # 4 batches, the last partial
    assert list(acts) == ["0", "1", "2", "3", "4"]
    W = [_np(m[i].weight) for i in (0, 2, 4)]
    b = [_np(m[i].bias) for i in (0, 2, 4)]
    Xf = X.astype(np.float32).astype(np.float64)  # the module sees float32 inputs
    z1 = Xf @ W[0].T + b[0]
    h1 = np.maximum(z1, 0)
    z2 = h1 @ W[1].T + b[1]
    h2 = np.maximum(z2, 0)
    z3 = h2 @ W[2].T + b[2]
    # float32 forward vs float64 reference on the same float32 weights and inputs
    for key, ref in zip(["0", "1", "2", "3", "4"], [z1, h1, z2, h2, z3]):
        assert acts[key].dtype == np.float64 and acts[key].shape == ref.shape
        np.testing.assert_allclose(acts[key], ref, rtol=1e-5, atol=1e-6)
    # selection by name; output of the model itself equals the last layer
    sel = ann.activations(m, X, layers=["2", "4"])
    assert list(sel) == ["2", "4"]
    with torch.no_grad():
        np.testing.assert_array_equal(sel["4"], m(torch.from_numpy(X).float()).double().numpy())


def test_activations_torch_cnn_flattened_in_forward_order():
    m = _CNN().eval()
    X = np.random.default_rng(2).normal(size=(10, 2, 12, 12)).astype(np.float32)
    acts = ann.activations(m, torch.from_numpy(X))  # a tensor input
    assert list(acts) == ["conv1", "act1", "pool1", "conv2", "act2", "pool2", "flat", "fc1",
                          "act3", "fc2"]
    with torch.no_grad():
        t = torch.from_numpy(X)
        c1 = m.conv1(t)
        p1 = m.pool1(m.act1(c1))
    np.testing.assert_array_equal(acts["conv1"], c1.reshape(10, -1).double().numpy())
    np.testing.assert_array_equal(acts["pool1"], p1.reshape(10, -1).double().numpy())
    # the unit counts of the activations match the unrolled weight graph's layers
    g = ann.weight_graph(m, conv="unroll", input_shape=(2, 12, 12))
    for name in ("conv1", "pool1", "conv2", "pool2", "fc1", "fc2"):
        assert acts[name].shape[1] == g.offsets[g.layer_names.index(name) + 1] - \
            g.offsets[g.layer_names.index(name)]


class _Reuse(nn.Module):
    """One ReLU module applied twice in a forward pass."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(4)
        self.fc1 = nn.Linear(3, 4)
        self.fc2 = nn.Linear(4, 2)
        self.relu = nn.ReLU()

    def forward(self, x):
        return self.relu(self.fc2(self.relu(self.fc1(x))))


def test_activations_torch_module_called_twice():
    m = _Reuse()
    X = np.random.default_rng(3).normal(size=(9, 3))
    acts = ann.activations(m, X, batch_size=4)
    assert list(acts) == ["fc1", "relu", "fc2", "relu:1"]
    assert acts["relu"].shape == (9, 4) and acts["relu:1"].shape == (9, 2)
    np.testing.assert_array_equal(acts["relu"], np.maximum(acts["fc1"], 0))
    np.testing.assert_array_equal(acts["relu:1"], np.maximum(acts["fc2"], 0))


def test_activations_torch_eval_mode_and_restores_training():
    torch.manual_seed(5)
    m = nn.Sequential(nn.Linear(4, 50), nn.Dropout(0.5), nn.BatchNorm1d(50))
    m.train()
    X = np.random.default_rng(4).normal(size=(20, 4))
    before = m[2].running_mean.clone()
    a1 = ann.activations(m, X)
    a2 = ann.activations(m, X)
    # eval mode: dropout off (deterministic), batch-norm statistics untouched
    np.testing.assert_array_equal(a1["1"], a1["0"])
    np.testing.assert_array_equal(a1["2"], a2["2"])
    assert torch.equal(m[2].running_mean, before)
    assert m.training and m[1].training  # the caller's mode is restored


def test_activations_torch_reject_bad_input():
    m = _mlp()
    with pytest.raises(ValueError, match="no submodule 'nope'"):
        ann.activations(m, np.zeros((3, 6)), layers=["nope"])
    with pytest.raises(ValueError, match="finite"):
        ann.activations(m, np.full((3, 6), np.nan))
    with pytest.raises(RuntimeError):  # torch's own shape error, unchanged
        ann.activations(m, np.zeros((3, 7)))
    lstm = nn.LSTM(3, 4)
    with pytest.raises(TypeError, match="not a tensor"):
        ann.activations(lstm, np.zeros((2, 5, 3)), layers=[""])


# ---------------------------------------------------------------------------
# tensors in the functional connectome


def test_activation_connectome_accepts_tensors():
    m = _mlp().eval()
    X = np.random.default_rng(5).normal(size=(200, 6))
    acts = ann.activations(m, X, layers=["1", "3"])
    ref = ann.activation_connectome(acts)
    t = torch.from_numpy(np.concatenate([acts["1"], acts["3"]], axis=1))
    # tensors are computed by torch (tests/test_array_api_ann.py) and stay tensors
    out = ann.activation_connectome(t)
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-12)
    # a dict of tensors, float32 tensors and tensors that require grad
    td = {k: torch.from_numpy(v) for k, v in acts.items()}
    np.testing.assert_allclose(ann.activation_connectome(td).numpy(), ref, atol=1e-12)
    tg = t.clone().requires_grad_(True)
    np.testing.assert_allclose(ann.activation_connectome(tg).detach().numpy(), ref, atol=1e-12)
    f32 = ann.activation_connectome(t.float())
    np.testing.assert_allclose(f32.numpy(), ref, atol=1e-5)  # float32 inputs rounded once
    A, labels, names = ann.stack_activations(td)
    assert names == ["1", "3"] and A.shape == (200, 9)
    np.testing.assert_array_equal(labels, [0] * 5 + [1] * 4)
    # numpy reference for the alive units
    full = t.numpy()
    alive = full.max(axis=0) > full.min(axis=0)
    np.testing.assert_allclose(ref[np.ix_(alive, alive)], np.corrcoef(full[:, alive].T),
                               atol=1e-12)


def test_torch_tensors_in_topology_and_low_precision():
    m = _mlp().eval()
    X = np.random.default_rng(6).normal(size=(120, 6))
    acts = ann.activations(m, X, layers=["1", "3"])
    A, labels, _ = ann.stack_activations(acts)
    ref = ann.topological_features(A, layer_labels=labels, per_layer=False)
    got = ann.topological_features(torch.from_numpy(A), layer_labels=labels, per_layer=False)
    assert got["network"]["average_death_h0"] == ref["network"]["average_death_h0"]
    np.testing.assert_array_equal(got["network"]["betti_curves"],
                                  ref["network"]["betti_curves"])
    # bfloat16 weights (no NumPy dtype) are widened exactly
    mb = _mlp().to(torch.bfloat16)
    g = ann.weight_graph(mb)
    np.testing.assert_array_equal(g.block("0").toarray(),
                                  mb[0].weight.detach().float().numpy().astype(np.float64).T)
    # activations of a bfloat16 module: inputs are cast to the parameters' dtype
    a = ann.activations(mb, X[:5], layers="4")
    assert a["4"].shape == (5, 3) and a["4"].dtype == np.float64


class _Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.extra = nn.ReLU()

    def forward(self, x):
        y = self.fc(x)
        if x.shape[0] > 3:  # a data-dependent path
            y = self.extra(y)
        return y


def test_activations_torch_data_dependent_calls_refused():
    with pytest.raises(ValueError, match="some batches only"):
        ann.activations(_Branchy(), np.zeros((6, 2)), batch_size=4)
    out = ann.activations(_Branchy(), np.zeros((6, 2)))  # one batch: fine
    assert list(out) == ["fc", "extra"]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_activations_torch_inplace_relu_does_not_overwrite(dtype):
    torch.manual_seed(9)
    m = nn.Sequential(nn.Linear(3, 6), nn.ReLU(inplace=True)).to(dtype)
    X = np.random.default_rng(9).normal(size=(20, 3))
    acts = ann.activations(m, X)
    with torch.no_grad():
        pre = m[0](torch.as_tensor(X, dtype=dtype)).double().numpy()
    assert (pre < 0).any()  # some pre-activations are negative
    np.testing.assert_array_equal(acts["0"], pre)
    np.testing.assert_array_equal(acts["1"], np.maximum(pre, 0))


def test_weight_graph_torch_string_padding():
    torch.manual_seed(10)
    m = nn.Sequential(nn.Conv2d(1, 2, 3, padding="same"), nn.ReLU(),
                      nn.Conv2d(2, 2, 3, padding="valid"), nn.ReLU(), nn.Flatten(),
                      nn.Linear(2 * 4 * 4, 2))
    g = ann.weight_graph(m, conv="unroll", input_shape=(1, 6, 6))
    h = ann.weight_graph([{"weight": _np(m[0].weight), "padding": 1},
                          {"weight": _np(m[2].weight)}, _np(m[5].weight)],
                         conv="unroll", input_shape=(1, 6, 6))
    np.testing.assert_array_equal(g.adjacency.toarray(), h.adjacency.toarray())
    assert g.layer_shapes[1] == (2, 6, 6) and g.layer_shapes[2] == (2, 4, 4)
    X = np.random.default_rng(10).normal(size=(8, 1, 6, 6)).astype(np.float32)
    with torch.no_grad():
        logits = m(torch.from_numpy(X)).double().numpy()
    out = _sparse_forward(g, X.reshape(8, -1).astype(np.float64),
                          {"0": _np(m[0].bias), "2": _np(m[2].bias), "5": _np(m[5].bias)}, {})
    np.testing.assert_allclose(out, logits, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="asymmetrically"):
        ann.weight_graph(nn.Conv2d(1, 1, 2, padding="same"))
