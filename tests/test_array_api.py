"""Array API paths: torch and array-api-strict input gives the NumPy/C++ answer,
in the input's namespace and on its device, with no conversion to NumPy.

array-api-strict refuses every non-standard call and any implicit conversion
to NumPy, so a pass with it proves the path is namespace-generic; torch (CPU)
stands in for CuPy / torch CUDA, which run the same code on a GPU.
Tolerance: float64 results equal the compiled NumPy path to 1e-10 relative
(different but equally exact LAPACK routes: Cholesky there, eigh here).
"""

import numpy as np
import pytest
from xp_helpers import NAMESPACES, _back, _same_place, _to, _xp

from netneuro import control
from netneuro._array_api import namespace


@pytest.fixture
def sym_cohort(rng):
    W = rng.random((3, 12, 12))
    return (W + W.transpose(0, 2, 1)) / 2


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("system", ["discrete", "continuous"])
def test_normalize(name, system, sym_cohort):
    xp = _xp(name)
    ref = control.normalize(sym_cohort, system)
    A = _to(xp, sym_cohort)
    out = control.normalize(A, system)
    _same_place(out, A)
    np.testing.assert_allclose(_back(out), ref, rtol=1e-10, atol=1e-13)
    one = control.normalize(A[0, ...], system, c=0.5, zero_diagonal=True)
    np.testing.assert_allclose(_back(one), control.normalize(sym_cohort[0], system, c=0.5,
                                                             zero_diagonal=True),
                               rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("system,horizon", [("discrete", None), ("discrete", 5),
                                            ("continuous", None), ("continuous", np.inf),
                                            ("continuous", 2.5)])
def test_average_controllability(name, system, horizon, sym_cohort):
    xp = _xp(name)
    An = control.normalize(sym_cohort, system)
    ref = control.average_controllability(An, system, horizon)
    A = _to(xp, An)
    out = control.average_controllability(A, system, horizon)
    _same_place(out, A)
    assert tuple(out.shape) == ref.shape
    np.testing.assert_allclose(_back(out), ref, rtol=1e-10)


@pytest.mark.parametrize("name", NAMESPACES)
def test_modal_controllability(name, sym_cohort):
    xp = _xp(name)
    An = control.normalize(sym_cohort, "discrete")
    A = _to(xp, An)
    out = control.modal_controllability(A)
    _same_place(out, A)
    np.testing.assert_allclose(_back(out), control.modal_controllability(An), rtol=1e-10)
    np.testing.assert_allclose(_back(control.modal_controllability(A[1, ...])),
                               control.modal_controllability(An[1]), rtol=1e-10)


@pytest.mark.parametrize("name", NAMESPACES)
def test_refusals_match_numpy(name, sym_cohort):
    xp = _xp(name)
    A = _to(xp, sym_cohort)  # not normalised: spectral radius > 1
    with pytest.raises(ValueError, match="not stable"):
        control.average_controllability(A, "discrete")
    with pytest.raises(ValueError, match=r"A_norm\[\d\] is not stable"):
        control.modal_controllability(A)
    directed = _to(xp, sym_cohort + np.triu(np.ones(12), 1)[None])
    with pytest.raises(NotImplementedError, match=r"A_norm\[0\] is not symmetric.*NumPy"):
        control.modal_controllability(directed)
    bad = _to(xp, np.where(np.eye(12, dtype=bool)[None], np.nan, sym_cohort))
    with pytest.raises(ValueError, match="A must be finite"):
        control.normalize(bad, "discrete")
    with pytest.raises(ValueError, match="A must be square"):
        control.normalize(_to(xp, sym_cohort[:, :5, :]), "discrete")


def test_namespace_detection():
    torch = pytest.importorskip("torch")
    assert namespace(np.zeros(2)) == (np, True)
    assert namespace([1.0, 2.0]) == (np, True)
    xp, native = namespace(torch.zeros(2))
    assert not native and xp.__name__.endswith("torch")
    with pytest.raises(TypeError, match="mix NumPy"):
        namespace(np.zeros(2), torch.zeros(2))


def test_float32_stays_float32(sym_cohort):
    torch = pytest.importorskip("torch")
    An = control.normalize(sym_cohort, "discrete")
    A = torch.asarray(An, dtype=torch.float32)
    out = control.average_controllability(A, "discrete")
    assert out.dtype == torch.float32
    # float32 eigh: ~1e-6 relative error, amplified by 1/(1 - l^2) <= 1/(1 - rho^2)
    np.testing.assert_allclose(out.numpy(), control.average_controllability(An, "discrete"),
                               rtol=1e-4)


# ---------------------------------------------------------------------------
# connectivity


@pytest.fixture
def ts_cohort(rng):
    X = rng.normal(size=(3, 80, 9))
    return X @ (np.eye(9) + 0.3 * rng.normal(size=(9, 9))) * rng.uniform(0.5, 3.0, size=9)


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("fn,kwargs", [
    ("correlation", {}),
    ("covariance", {}), ("covariance", {"shrinkage": None}), ("covariance", {"shrinkage": 0.2}),
    ("precision", {}), ("precision", {"shrinkage": 0.1}),
    ("partial_correlation", {}), ("partial_correlation", {"shrinkage": None}),
])
def test_connectivity(name, fn, kwargs, ts_cohort):
    from netneuro import connectivity

    xp = _xp(name)
    f = getattr(connectivity, fn)
    X = _to(xp, ts_cohort)
    out = f(X, **kwargs)
    _same_place(out, X)
    np.testing.assert_allclose(_back(out), f(ts_cohort, **kwargs), rtol=1e-10, atol=1e-12)
    one = f(X[1, ...], **kwargs)
    assert tuple(one.shape) == (9, 9)
    np.testing.assert_allclose(_back(one), f(ts_cohort[1], **kwargs), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", NAMESPACES)
def test_connectivity_refusals(name, ts_cohort, rng):
    from netneuro import connectivity

    xp = _xp(name)
    const = ts_cohort.copy()
    const[:, 2, :] = 0.0
    const[1, :, 4] = 7.0
    with pytest.raises(ValueError, match=r"ts\[1\] has a constant series \(column 4\)"):
        connectivity.correlation(_to(xp, const))
    wide = _to(xp, rng.normal(size=(5, 12)))  # more regions than time points
    with pytest.raises(ValueError, match="singular"):
        connectivity.partial_correlation(wide, shrinkage=None)
    with pytest.raises(TypeError, match="stacked"):
        connectivity.correlation([_to(xp, ts_cohort[0]), _to(xp, ts_cohort[1])])


def test_batched_lu_on_torch_cpu_is_exact_with_threads():
    # torch 2.13's CPU build returned garbage without an error (residual 6e17) for batched
    # inv/solve of 200 x 200 matrices with 2 threads; netneuro's helpers take such stacks
    # one matrix at a time.  Reference: NumPy's LAPACK; tolerance 1e-10 (well-conditioned).
    torch = pytest.importorskip("torch")
    from netneuro import _array_api as aa

    xp, _ = aa.namespace(torch.zeros(1))
    rng = np.random.default_rng(0)
    G = rng.standard_normal((4, 200, 200))
    A = G @ np.swapaxes(G, 1, 2) + 200 * np.eye(200)
    B = rng.standard_normal((4, 200, 3))
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        X = aa.inv(torch.from_numpy(A), xp).numpy()
        Y = aa.solve(torch.from_numpy(A), torch.from_numpy(B), xp).numpy()
        Z = aa.solve(torch.from_numpy(A), torch.from_numpy(B[0]), xp).numpy()  # broadcast B
    finally:
        torch.set_num_threads(threads)
    np.testing.assert_allclose(X, np.linalg.inv(A), rtol=0, atol=1e-10 * np.abs(X).max())
    np.testing.assert_allclose(Y, np.linalg.solve(A, B), rtol=0, atol=1e-10 * np.abs(Y).max())
    np.testing.assert_allclose(Z, np.linalg.solve(A, B[0]), rtol=0, atol=1e-10 * np.abs(Z).max())
