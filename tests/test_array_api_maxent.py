"""Array API path of the Ising model: torch and array-api-strict parameters give the
NumPy/C++ answer in their own namespace and on their device.

References: the compiled core (exact enumeration by Gray code and Walsh transform,
pseudolikelihood), brute-force NumPy enumeration, finite differences.  Tolerances:
deterministic float64 quantities to 1e-10 relative (different summation orders);
sampled moments to 5 standard errors of the sample size (independent chain ends).
"""

import math

import numpy as np
import pytest
from xp_helpers import NAMESPACES, _back, _same_place, _to, _xp

from netneuro import _core
from netneuro.maxent import IsingModel, all_states, pairwise_moments
from netneuro.maxent import array_api as xa


def _ns(x):
    from array_api_compat import array_namespace

    return array_namespace(x)


def _params(rng, n, scale=0.3, sparse=None):
    h = rng.normal(0, 0.5, n)
    J = rng.normal(0, scale, (n, n))
    J = (J + J.T) / 2
    if sparse is not None:
        J = J * sparse
    np.fill_diagonal(J, 0.0)
    return h, J


def _brute(h, J):
    """log Z, <phi>, cov(phi) by explicit enumeration (phi = (s_i, s_i s_j [i<j]))."""
    S = all_states(h.size).astype(float)
    E = -(S @ h) - 0.5 * np.einsum("ki,ij,kj->k", S, J, S)
    lz = np.log(np.exp(-E - (-E).max()).sum()) + (-E).max()
    p = np.exp(-E - lz)
    iu = np.triu_indices(h.size, 1)
    phi = np.concatenate([S, S[:, iu[0]] * S[:, iu[1]]], axis=1)
    mean = p @ phi
    return lz, mean, (phi * p[:, None]).T @ phi - np.outer(mean, mean)


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("spins", ["pm1", "01"])
def test_exact_quantities_equal_core(name, spins, rng):
    xp = _xp(name)
    h, J = _params(rng, 9)
    ref = IsingModel(h, J) if spins == "pm1" else IsingModel(h, J).to_01()
    m = IsingModel(_to(xp, ref.h), _to(xp, ref.J), spins)
    assert m._xp() is not None and m.n_units == 9
    assert math.isclose(m.log_partition(), ref.log_partition(), rel_tol=1e-10)
    assert math.isclose(m.entropy(), ref.entropy(), rel_tol=1e-10)
    for f in ("means", "correlations", "probabilities", "state_energies"):
        out = getattr(m, f)()
        _same_place(out, m.h)
        np.testing.assert_allclose(_back(out), getattr(ref, f)(), rtol=1e-10, atol=1e-13,
                                   err_msg=f)
    S = ref.sample(50, seed=0)
    E = m.energy(_to(xp, S))
    _same_place(E, m.h)
    np.testing.assert_allclose(_back(E), ref.energy(S), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(float(m.energy(_to(xp, S[3]))), ref.energy(S[3]), rtol=1e-12,
                               atol=1e-12)
    # conversions stay in the namespace and stay exact
    other = m.to_pm1() if spins == "01" else m.to_01()
    _same_place(other.h, m.h)
    assert math.isclose(other.log_partition(),
                        (ref.to_pm1() if spins == "01" else ref.to_01()).log_partition(),
                        rel_tol=1e-10)
    v = m.to_vector()
    _same_place(v, m.h)
    np.testing.assert_array_equal(_back(v), ref.to_vector())
    back = IsingModel.from_vector(v, spins)
    np.testing.assert_array_equal(_back(back.J), ref.J)
    host = m.to_numpy()
    assert isinstance(host.h, np.ndarray) and host.spins == spins
    np.testing.assert_array_equal(host.J, ref.J)


@pytest.mark.parametrize("name", NAMESPACES)
def test_chunked_enumeration_is_chunk_size_invariant(name, rng):
    """Same log Z, moments and Hessian for every chunk size; equal to the core."""
    xp = _xp(name)
    h, J = _params(rng, 8, scale=0.5)
    lz0, me0, m10, m20, cov0 = _core.maxent.exact_moments(h, J, True, 1)
    ns = _ns(_to(xp, h))
    for cs in (2, 3, 5, 16, 100, 256, 4096, None):
        lz, me, m1, m2, cov = xa.exact_moments_xp(_to(xp, h), _to(xp, J), ns, chunk_size=cs,
                                                  hessian=True)
        assert math.isclose(lz, lz0, rel_tol=1e-12), cs
        assert math.isclose(me, me0, rel_tol=1e-10), cs
        np.testing.assert_allclose(_back(m1), m10, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(_back(m2), m20, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(_back(cov), cov0, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_exact_objective_gradient_hessian(name, l2, rng):
    """f, gradient and Hessian of the exact objective against brute force and finite differences."""
    xp = _xp(name)
    n = 6
    h, J = _params(rng, n)
    iu = np.triu_indices(n, 1)
    theta = np.concatenate([h, J[iu]])
    md = np.concatenate([rng.uniform(-0.5, 0.5, n), rng.uniform(-0.3, 0.3, iu[0].size)])
    lz, mean, cov = _brute(h, J)
    c = theta[n:]
    ns = _ns(_to(xp, h))
    f, g, H = xa.exact_objective_xp(_to(xp, theta), _to(xp, md), n, ns, l2=l2, hessian=True,
                                    chunk_size=8)
    reg = np.concatenate([np.zeros(n), 2 * l2 * c])
    assert math.isclose(f, lz - theta @ md + l2 * c @ c, rel_tol=1e-10)
    np.testing.assert_allclose(_back(g), mean - md + reg, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(_back(H), cov + np.diag(np.concatenate([np.zeros(n),
                                                                       np.full(c.size, 2 * l2)])),
                               rtol=1e-10, atol=1e-13)
    # central differences of f along a random direction
    d = rng.normal(size=theta.size)
    eps = 1e-5
    fp = xa.exact_objective_xp(_to(xp, theta + eps * d), _to(xp, md), n, ns, l2=l2)[0]
    fm = xa.exact_objective_xp(_to(xp, theta - eps * d), _to(xp, md), n, ns, l2=l2)[0]
    assert math.isclose((fp - fm) / (2 * eps), float(_back(g) @ d), rel_tol=1e-6, abs_tol=1e-8)


@pytest.mark.parametrize("name", NAMESPACES)
def test_memory_guards(name, rng, monkeypatch):
    xp = _xp(name)
    h, J = _params(rng, 12)
    m = IsingModel(_to(xp, h), _to(xp, J))
    ns = _ns(m.h)
    monkeypatch.setattr(xa, "_available_bytes", lambda xp, dev: 100e3)
    with pytest.raises(MemoryError, match="chunk_size"):
        m.log_partition()
    lz, *_ = xa.exact_moments_xp(m.h, m.J, ns, chunk_size=256)  # 256 states fit
    assert math.isclose(lz, IsingModel(h, J).log_partition(), rel_tol=1e-12)
    monkeypatch.setattr(xa, "_available_bytes", lambda xp, dev: 50e3)
    with pytest.raises(MemoryError, match="energies of all"):
        m.probabilities()
    with pytest.raises(MemoryError, match="samples"):
        xa.gibbs_xp(m.h, m.J, _to(xp, np.ones((100, 12))), ns, n_burn=0, n_samples=1000)
    with pytest.raises(MemoryError, match="pseudolikelihood"):
        xa.pseudolikelihood_xp(_to(xp, np.ones((5000, 12))), m.h, m.J, ns)


@pytest.mark.parametrize("name", NAMESPACES)
def test_refusals(name, rng):
    xp = _xp(name)
    h, J = _params(rng, 5)
    with pytest.raises(ValueError, match="J must be symmetric"):
        IsingModel(_to(xp, h), _to(xp, J + np.triu(np.ones((5, 5)), 1)))
    with pytest.raises(ValueError, match="zero diagonal"):
        IsingModel(_to(xp, h), _to(xp, J + np.eye(5)))
    with pytest.raises(ValueError, match=r"J must have shape \(5, 5\)"):
        IsingModel(_to(xp, h), _to(xp, J[:4, :4]))
    with pytest.raises(ValueError, match="h must be finite"):
        IsingModel(_to(xp, np.full(5, np.nan)), _to(xp, J))
    with pytest.raises(TypeError, match="mix NumPy"):
        IsingModel(h, _to(xp, J))
    m = IsingModel(_to(xp, h), _to(xp, J))
    with pytest.raises(ValueError, match=r"states must be binary.*found 0\.5"):
        m.energy(_to(xp, np.full((2, 5), 0.5)))
    with pytest.raises(ValueError, match="states must have 5 columns"):
        m.energy(_to(xp, np.ones((2, 4))))
    with pytest.raises(ValueError, match="at most 32 units"):
        xa.exact_moments_xp(_to(xp, np.zeros(33)), _to(xp, np.zeros((33, 33))), _ns(m.h))
    big = IsingModel(_to(xp, np.zeros(26)), _to(xp, np.zeros((26, 26))))
    with pytest.raises(ValueError, match="at most 25 units"):
        big.probabilities()
    with pytest.raises(ValueError, match="sweep"):
        xa.gibbs_xp(m.h, m.J, _to(xp, np.ones((2, 5))), _ns(m.h), n_burn=1, n_samples=1,
                    sweep="diagonal")


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("weighted", [False, True])
def test_pseudolikelihood_equals_core(name, weighted, rng):
    xp = _xp(name)
    h, J = _params(rng, 7)
    S = np.where(rng.random((300, 7)) < 0.4, 1, -1).astype(np.int8)
    w = rng.uniform(0.5, 2.0, 300) if weighted else None
    v0, gh0, gJ0 = _core.maxent.pseudolikelihood(S, w, h, J, 1)
    ns = _ns(_to(xp, h))
    v, gh, gJ = xa.pseudolikelihood_xp(_to(xp, S.astype(float)), _to(xp, h), _to(xp, J), ns,
                                       None if w is None else _to(xp, w))
    _same_place(gJ, _to(xp, h))
    assert math.isclose(v, v0, rel_tol=1e-12)
    np.testing.assert_allclose(_back(gh), gh0, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(_back(gJ), gJ0, rtol=1e-10, atol=1e-13)
    # finite differences of the value along J_01 (both halves, symmetric)
    eps = 1e-6
    E = np.zeros((7, 7))
    E[0, 1] = E[1, 0] = eps
    vp = xa.pseudolikelihood_xp(_to(xp, S.astype(float)), _to(xp, h), _to(xp, J + E), ns,
                                None if w is None else _to(xp, w))[0]
    vm = xa.pseudolikelihood_xp(_to(xp, S.astype(float)), _to(xp, h), _to(xp, J - E), ns,
                                None if w is None else _to(xp, w))[0]
    assert math.isclose((vp - vm) / (2 * eps), float(_back(gJ)[0, 1]), rel_tol=1e-5)


@pytest.mark.parametrize("name", NAMESPACES)
def test_pairwise_moments(name, rng):
    xp = _xp(name)
    X = (rng.random((200, 6)) < 0.3).astype(np.int8)
    m, C = pairwise_moments(_to(xp, X), spins="01")
    _same_place(C, _to(xp, X))
    m0, C0 = pairwise_moments(X, spins="01")
    np.testing.assert_allclose(_back(m), m0, rtol=1e-12)
    np.testing.assert_allclose(_back(C), C0, rtol=1e-12, atol=1e-15)


def test_colour_classes():
    torch = pytest.importorskip("torch")
    ns = _ns(torch.zeros(1))
    ring = np.zeros((8, 8))
    for i in range(8):
        ring[i, (i + 1) % 8] = ring[(i + 1) % 8, i] = 0.4
    classes = xa._colour_classes(torch.asarray(ring), ns)
    assert len(classes) == 2  # an even ring is bipartite: a checkerboard
    dense = np.ones((5, 5)) - np.eye(5)
    assert len(xa._colour_classes(torch.asarray(dense), ns)) == 5
    for mask in classes:  # no coupling inside a colour class
        idx = np.flatnonzero(mask.numpy())
        assert not ring[np.ix_(idx, idx)].any()


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("sweep,rule", [("sequential", "gibbs"), ("checkerboard", "gibbs"),
                                        ("sequential", "metropolis"),
                                        ("checkerboard", "metropolis")])
def test_chains_agree_with_exact_moments(name, sweep, rule, rng):
    """Ends of 3000 independent chains: means and correlations within 5 standard errors."""
    xp = _xp(name)
    n = 6
    ring = np.zeros((n, n))
    for i in range(n):
        ring[i, (i + 1) % n] = ring[(i + 1) % n, i] = 1.0
    h, J = _params(rng, n, scale=0.6, sparse=ring if sweep == "checkerboard" else None)
    ref = IsingModel(h, J)
    ns = _ns(_to(xp, h))
    C = 3000
    start = _to(xp, np.where(rng.random((C, n)) < 0.5, 1.0, -1.0))
    S, end = xa.gibbs_xp(_to(xp, h), _to(xp, J), start, ns, n_burn=60, n_samples=1,
                         seed=7, sweep=sweep, rule=rule)
    assert tuple(S.shape) == (C, 1, n)
    X = _back(end)
    m1, m2 = ref.means(), ref.correlations()
    se1 = np.sqrt(np.maximum(1 - m1 ** 2, 1e-3) / C)
    se2 = np.sqrt(np.maximum(1 - m2 ** 2, 1e-3) / C)
    assert np.all(np.abs(X.mean(0) - m1) < 5 * se1)
    assert np.all(np.abs(X.T @ X / C - m2) < 5 * se2 + 1e-12)
    # same seed, same namespace: same chains; another seed: other chains
    S2, _ = xa.gibbs_xp(_to(xp, h), _to(xp, J), start, ns, n_burn=60, n_samples=1, seed=7,
                        sweep=sweep, rule=rule)
    np.testing.assert_array_equal(_back(S2), _back(S))
    S3, _ = xa.gibbs_xp(_to(xp, h), _to(xp, J), start, ns, n_burn=60, n_samples=1, seed=8,
                        sweep=sweep, rule=rule)
    assert not np.array_equal(_back(S3), _back(S))


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("method", ["exact", "gibbs"])
@pytest.mark.parametrize("spins", ["pm1", "01"])
def test_model_sample(name, method, spins, rng):
    xp = _xp(name)
    h, J = _params(rng, 5)
    ref = IsingModel(h, J) if spins == "pm1" else IsingModel(h, J).to_01()
    m = IsingModel(_to(xp, ref.h), _to(xp, ref.J), spins)
    n = 4000
    S = m.sample(n, seed=3, method=method, n_chains=500, burn_in=50, thin=2)
    _same_place(S, m.h)
    assert tuple(S.shape) == (n, 5) and S.dtype == _ns(S).int8
    np.testing.assert_array_equal(_back(m.sample(n, seed=3, method=method, n_chains=500,
                                                 burn_in=50, thin=2)), _back(S))
    X = _back(S).astype(float)
    assert set(np.unique(X)) <= ({-1.0, 1.0} if spins == "pm1" else {0.0, 1.0})
    X = X if spins == "pm1" else 2 * X - 1
    m1 = ref.to_pm1().means()
    # exact draws are independent; the Gibbs rows (8 per chain, 2 sweeps apart) are
    # correlated within a chain: 8 standard errors of n draws covers both
    assert np.all(np.abs(X.mean(0) - m1) < 8 * np.sqrt((1 - m1 ** 2) / n))


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("method,l2,spins", [("exact", 0.0, "pm1"), ("exact", 0.05, "01"),
                                             ("pseudolikelihood", 0.0, "pm1"),
                                             ("pseudolikelihood", 0.02, "01")])
def test_fit_ising_on_device_equals_numpy(name, method, l2, spins, rng):
    """The fit of torch / strict data equals the NumPy fit (both converged to their tolerance)."""
    from netneuro.maxent import fit_ising

    xp = _xp(name)
    true = IsingModel(*_params(rng, 6, scale=0.4))
    S = true.sample(3000, seed=1)
    X = S if spins == "pm1" else (S + 1) // 2
    ref = fit_ising(X, method, spins=spins, l2=l2)
    Xd = _to(xp, X)
    got = fit_ising(Xd, method, spins=spins, l2=l2)
    _same_place(got.h, Xd)
    assert got.method == method and got.diagnostics["converged"]
    tol = 1e-6 if method == "exact" else 1e-4
    np.testing.assert_allclose(_back(got.h), ref.h, atol=tol)
    np.testing.assert_allclose(_back(got.J), ref.J, atol=tol)
    assert math.isclose(got.diagnostics["max_moment_error"], ref.diagnostics["max_moment_error"],
                        rel_tol=1e-3, abs_tol=1e-8)
    with pytest.raises(NotImplementedError, match="NumPy"):
        fit_ising(Xd, "exact", spins=spins, l1=0.1)
    const = X.copy()
    const[:, 2] = 1
    with pytest.raises(ValueError, match="constant units"):
        fit_ising(_to(xp, const), method, spins=spins)
