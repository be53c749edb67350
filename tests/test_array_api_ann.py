"""Activation connectomes of torch / array-api-strict activations: computed in their
namespace, on their device, equal to the NumPy path (float64: 1e-12 absolute on
correlations in [-1, 1] and on mutual information in nats; float32: 1e-5)."""


import numpy as np
import pytest
from xp_helpers import DEVICE, NAMESPACES, _back, _same_place, _to, _xp

from netneuro import ann


@pytest.fixture
def acts(rng):
    A = rng.normal(size=(80, 14)) @ (np.eye(14) + 0.4 * rng.normal(size=(14, 14)))
    A[:, 3] = 2.0                       # dead
    A[:, 9] = np.maximum(A[:, 9], 50)   # dead (a ReLU never below its floor)
    return A


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("method", ["correlation", "mutual_information"])
@pytest.mark.parametrize("dead", ["zero", "drop"])
@pytest.mark.parametrize("chunk_size", [4, 8192])
def test_equals_numpy_path(name, method, dead, chunk_size, acts):
    xp = _xp(name)
    ref, alive = ann.activation_connectome(acts, method, dead=dead, chunk_size=chunk_size,
                                           return_alive=True, n_bins=5)
    A = _to(xp, acts)
    out, alive_x = ann.activation_connectome(A, method, dead=dead, chunk_size=chunk_size,
                                             return_alive=True, n_bins=5)
    _same_place(out, A)
    _same_place(alive_x, A)
    assert tuple(out.shape) == ref.shape
    np.testing.assert_allclose(_back(out), ref, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(_back(alive_x), alive)
    M = _back(out)
    np.testing.assert_array_equal(M, M.T)  # exactly symmetric, as the NumPy path


@pytest.mark.parametrize("name", NAMESPACES)
def test_dict_of_layers(name, acts):
    xp = _xp(name)
    layers = {"a": _to(xp, acts[:, :6]), "b": _to(xp, acts[:, 6:])}
    out = ann.activation_connectome(layers)
    _same_place(out, layers["a"])
    np.testing.assert_allclose(_back(out), ann.activation_connectome(acts), atol=1e-12)
    with pytest.raises(TypeError, match="mix NumPy"):
        ann.activation_connectome({"a": acts[:, :6], "b": layers["b"]})
    with pytest.raises(ValueError, match=r"acts\['b'\] has 79 samples"):
        ann.activation_connectome({"a": layers["a"], "b": _to(xp, acts[1:, 6:])})


@pytest.mark.parametrize("name", NAMESPACES)
def test_refusals(name, acts, monkeypatch):
    xp = _xp(name)
    with pytest.raises(ValueError, match="dead"):
        ann.activation_connectome(_to(xp, acts), dead="raise")
    bad = acts.copy()
    bad[2, 2] = np.nan
    with pytest.raises(ValueError, match="finite"):
        ann.activation_connectome(_to(xp, bad))
    with pytest.raises(ValueError, match="at least 2 samples"):
        ann.activation_connectome(_to(xp, acts[:1]))
    if DEVICE == "cpu":
        with pytest.raises(ValueError, match="device='gpu'"):
            ann.activation_connectome(_to(xp, acts), device="gpu")
    import netneuro.ann.array_api as aa

    monkeypatch.setattr(aa, "available_memory_xp", lambda xp, dev: 1000.0)
    with pytest.raises(MemoryError, match="activation connectome"):
        ann.activation_connectome(_to(xp, acts))


def test_torch_float32_and_grad(acts):
    torch = pytest.importorskip("torch")
    ref = ann.activation_connectome(acts)
    t32 = torch.asarray(acts, dtype=torch.float32)
    out = ann.activation_connectome(t32)
    assert out.dtype == torch.float32 and isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), ref, atol=1e-5)
    tg = torch.asarray(acts, dtype=torch.float64).requires_grad_(True)
    out = ann.activation_connectome(tg)
    np.testing.assert_allclose(out.detach().numpy(), ref, atol=1e-12)


def test_transfer_entropy_passes_the_array_on(acts):
    """The array goes to connectivity.transfer_entropy as it is; the result is in its namespace."""
    torch = pytest.importorskip("torch")
    from netneuro import connectivity

    A = acts[:, [0, 1, 2, 4, 5]]
    ref = connectivity.transfer_entropy(A, estimator="gaussian")
    out = ann.activation_connectome(torch.asarray(A), "transfer_entropy", estimator="gaussian")
    assert isinstance(out, torch.Tensor)
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-10, atol=1e-12)
