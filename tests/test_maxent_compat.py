"""netneuro.compat.coniii (ConIII's API: solvers with a sample or a system size, utils.vec2mat /
mat2vec) and the public maxent hooks it stands on (IsingModel.to_vector / from_vector,
pairwise_moments, fit_ising_moments).

ConIII itself does not install here; its conventions were read from its source
(coniii/solvers.py: ``Solver.basic_setup(sample_or_n)``; coniii/utils.py:
``vec2mat(multipliers, separate_fields=False)`` = ``replace_diag(squareform(J), h)``,
``mat2vec(multipliers)`` = ``concatenate([diagonal, squareform(zero_diag)])``).  The
references below are hand-made cases, SciPy's ``squareform`` and brute-force enumeration.
"""

import ast
import itertools
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import squareform

from netneuro import maxent as me
from netneuro.compat import coniii

COMPAT = Path(me.__file__).resolve().parent.parent / "compat"


def exact_moments(h, J):
    """(<s_i>, <s_i s_j>) by enumerating the 2^n states (pure NumPy)."""
    n = len(h)
    S = np.array(list(itertools.product([-1.0, 1.0], repeat=n)))
    E = -(S @ h) - 0.5 * np.einsum("ki,ij,kj->k", S, J, S)
    p = np.exp(-E)
    p /= p.sum()
    return p @ S, (S.T * p) @ S


def constraints_of(h, J):
    m1, m2 = exact_moments(h, J)
    pairs = itertools.combinations(range(len(h)), 2)
    return np.concatenate([m1, [m2[i, j] for i, j in pairs]])


def random_model(n, seed):
    rng = np.random.default_rng(seed)
    J = np.triu(rng.normal(0, 0.3, (n, n)), 1)
    return rng.normal(0, 0.4, n), J + J.T


# ---------------------------------------------------------------------------
# utils layout


def test_vec2mat_mat2vec_hand_made():
    v = np.array([1.0, 2.0, 3.0, 10.0, 20.0, 30.0])   # h0 h1 h2 J01 J02 J12
    M = np.array([[1.0, 10.0, 20.0], [10.0, 2.0, 30.0], [20.0, 30.0, 3.0]])
    np.testing.assert_array_equal(coniii.vec2mat(v), M)
    h, J = coniii.vec2mat(v, separate_fields=True)
    np.testing.assert_array_equal(h, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(J, M - np.diag(np.diag(M)))
    np.testing.assert_array_equal(coniii.mat2vec(M), v)
    # SciPy's squareform is ConIII's layout for the couplings
    rng = np.random.default_rng(0)
    for n in (2, 4, 7):
        w = rng.normal(size=n + n * (n - 1) // 2)
        want = squareform(w[n:]) + np.diag(w[:n])
        np.testing.assert_array_equal(coniii.vec2mat(w), want)
        np.testing.assert_array_equal(coniii.mat2vec(want), w)
    with pytest.raises(ValueError, match="entries"):
        coniii.vec2mat(np.zeros(5))
    with pytest.raises(ValueError, match="symmetric"):
        coniii.mat2vec(np.array([[0.0, 1.0], [2.0, 0.0]]))


def test_to_vector_from_vector_layout():
    h, J = random_model(5, 3)
    model = me.IsingModel(h, J)
    v = model.to_vector()
    want = np.concatenate([h, [J[i, j] for i, j in itertools.combinations(range(5), 2)]])
    np.testing.assert_array_equal(v, want)
    back = me.IsingModel.from_vector(v)
    np.testing.assert_array_equal(back.h, h)
    np.testing.assert_array_equal(back.J, J)
    assert me.IsingModel.from_vector(v, spins="01").spins == "01"
    with pytest.raises(ValueError, match="theta"):
        me.IsingModel.from_vector(np.zeros(4))


def test_pairwise_moments_definition():
    X = np.where(np.random.default_rng(1).random((500, 4)) < 0.4, 1, -1)
    m, C = me.pairwise_moments(X)
    np.testing.assert_allclose(m, X.mean(0), atol=1e-15)
    np.testing.assert_allclose(C, X.T @ X / 500, atol=1e-15)
    m01, C01 = me.pairwise_moments((X + 1) // 2, spins="01")
    np.testing.assert_array_equal(m01, m)
    np.testing.assert_array_equal(C01, C)
    with pytest.raises(ValueError, match="binary"):
        me.pairwise_moments(X * 2)


# ---------------------------------------------------------------------------
# fitting to moments


def test_fit_ising_moments_recovers_model_exactly():
    # two units by hand: P(s) ∝ exp(h0 s0 + h1 s1 + J s0 s1)
    h0, h1, J01 = 0.3, -0.2, 0.5
    w = {(a, b): np.exp(h0 * a + h1 * b + J01 * a * b) for a in (-1, 1) for b in (-1, 1)}
    Z = sum(w.values())
    m0 = sum(a * v for (a, _), v in w.items()) / Z
    m1 = sum(b * v for (_, b), v in w.items()) / Z
    c01 = sum(a * b * v for (a, b), v in w.items()) / Z
    model = me.fit_ising_moments([m0, m1], [[1.0, c01], [c01, 1.0]])
    np.testing.assert_allclose(model.to_vector(), [h0, h1, J01], atol=1e-9)
    assert model.diagnostics["max_moment_error"] < 1e-9
    # six units against brute-force moments
    h, J = random_model(6, 5)
    m, C = exact_moments(h, J)
    model = me.fit_ising_moments(m, C, "exact")
    np.testing.assert_allclose(model.h, h, atol=1e-7)
    np.testing.assert_allclose(model.J, J, atol=1e-7)


def test_fit_ising_moments_bad_input():
    C = np.eye(3)
    with pytest.raises(ValueError, match="means"):
        me.fit_ising_moments([1.0, 0.0, 0.0], C)
    with pytest.raises(ValueError, match="correlations must have shape"):
        me.fit_ising_moments([0.0, 0.0, 0.0], np.eye(2))
    with pytest.raises(ValueError, match="symmetric"):
        me.fit_ising_moments([0.0, 0.0, 0.0], np.triu(np.full((3, 3), 0.2)))
    with pytest.raises(ValueError, match="method"):
        me.fit_ising_moments([0.0, 0.0, 0.0], C, "pseudolikelihood")
    with pytest.raises(ValueError, match="samples"):
        me.fit_ising_moments([0.0, 0.0, 0.0], C, init="pseudolikelihood")


# ---------------------------------------------------------------------------
# solvers built from a system size


def test_enumerate_from_system_size():
    h, J = random_model(5, 11)
    c = constraints_of(h, J)
    solver = coniii.Enumerate(5)
    assert solver.n == 5 and solver.constraints is None and solver.sample is None
    mult = solver.solve(constraints=c)
    np.testing.assert_allclose(mult, me.IsingModel(h, J).to_vector(), atol=1e-8)
    # an initial guess at the answer: already converged
    again = coniii.Enumerate(5).solve(constraints=c, initial_guess=mult)
    np.testing.assert_allclose(again, mult, atol=1e-10)
    with pytest.raises(ValueError, match="constraints must be given"):
        coniii.Enumerate(5).solve()
    with pytest.raises(ValueError, match="constraints must have 15"):
        coniii.Enumerate(5).solve(constraints=np.zeros(6))
    with pytest.raises(ValueError, match="initial_guess"):
        coniii.Enumerate(5).solve(constraints=c, initial_guess=np.zeros(6))
    with pytest.raises(ValueError, match="system size"):
        coniii.Enumerate(1)


def test_pseudo_and_mch_from_system_size():
    with pytest.raises(ValueError, match="sample"):
        coniii.Pseudo(4).solve()
    h, J = random_model(4, 7)
    c = constraints_of(h, J)
    mch = coniii.MCH(4, sample_size=4000, rng=np.random.default_rng(0))
    mult, errflag, err = mch.solve(constraints=c, maxiter=30, full_output=True)
    # Boltzmann learning on exact moments: statistical error of the Gibbs moments only
    assert np.max(np.abs(mult - me.IsingModel(h, J).to_vector())) < 0.1
    assert err[0] < 0.05
    # given constraints override the sample's, as in ConIII
    X = me.IsingModel(np.zeros(4), np.zeros((4, 4))).sample(2000, seed=1)
    over = coniii.Enumerate(X).solve(constraints=c)
    np.testing.assert_allclose(over, me.IsingModel(h, J).to_vector(), atol=1e-8)


# ---------------------------------------------------------------------------
# facades over the public API only


@pytest.mark.parametrize("name", ["coniii.py", "nctpy.py"])
def test_compat_uses_public_names_only(name):
    tree = ast.parse((COMPAT / name).read_text())
    netneuro_aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            mod = node.module or ""
            assert not any(p.startswith("_") for p in mod.split(".") if p), \
                f"{name}: imports from private module {mod!r}"
            for a in node.names:
                assert not a.name.startswith("_"), f"{name}: imports private name {a.name!r}"
                netneuro_aliases.add(a.asname or a.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in netneuro_aliases:
            assert not node.attr.startswith("_"), f"{name}: uses {node.value.id}.{node.attr}"


def test_mpf_equals_fit_ising_mpf():
    """ConIII's MPF signature, netneuro's minimum-probability-flow fit underneath."""
    h, J = random_model(5, 3)
    X = me.IsingModel(h, J).sample(20000, seed=2)
    mult = coniii.MPF(X).solve()
    np.testing.assert_allclose(mult, me.fit_ising(X, "mpf").to_vector(), rtol=0, atol=1e-12)
    # a large sample recovers the generating parameters (statistical error only)
    assert np.max(np.abs(mult - me.IsingModel(h, J).to_vector())) < 0.15
    with pytest.raises(ValueError, match="sample"):
        coniii.MPF(5).solve()
    with pytest.raises(NotImplementedError, match="single-spin-flip"):
        coniii.MPF(X, adj=lambda s: s)
