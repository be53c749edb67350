"""netneuro.compat.bct: bctpy signatures, bctpy results (to 1e-12) on the same inputs.

Inputs cover netneuro's own domain (symmetric, non-negative, zero diagonal,
computed by the core) and bctpy's wider one: self-loops (correlation
matrices), signed weights, directed matrices given to the _und functions,
integer weights with ties.
"""

import ast
import pathlib
import warnings

import numpy as np
import pytest
from conftest import lazy_peer

from netneuro.compat import bct as nbct

bct = lazy_peer("bct")

RTOL = 1e-12
ATOL = 1e-14


def _ls2ci(ls, zeroindexed=False):
    # bctpy 0.6.1's ls2ci calls np.size on a ragged list, which NumPy >= 1.24 refuses
    # (modularity_und(W) then fails whenever modules differ in size); same numbering.
    ci = np.zeros(sum(map(len, ls)), dtype=int)
    for i, x in enumerate(ls):
        ci[x] = i + int(not zeroindexed)
    return ci


@pytest.fixture
def bct_spectral(monkeypatch):
    import bct.algorithms.modularity as bm

    monkeypatch.setattr(bm, "ls2ci", _ls2ci)
    return bct.modularity_und


def _sym(A):
    A = np.triu(A, 1)
    return A + A.T


@pytest.fixture
def W():
    rng = np.random.default_rng(11)
    return _sym(rng.random((50, 50)) * (rng.random((50, 50)) < 0.3))


def _cases():
    rng = np.random.default_rng(1)
    return {
        "plain": _sym(rng.random((30, 30)) * (rng.random((30, 30)) < 0.4)),
        "ones3": np.ones((3, 3)),
        "correlation": np.corrcoef(rng.normal(size=(50, 12)).T),
        "directed": rng.random((15, 15)) * (rng.random((15, 15)) < 0.4) * (1 - np.eye(15)),
        "directed_loops": rng.random((15, 15)) * (rng.random((15, 15)) < 0.4),
        "self_loops": _sym(rng.random((20, 20)) * (rng.random((20, 20)) < 0.4))
        + np.diag(rng.random(20)),
        "signed": _sym(rng.normal(size=(14, 14))),
        "ties": _sym(rng.integers(0, 4, (25, 25)).astype(float)),
    }


CASES = _cases()


def close(a, b):
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=RTOL, atol=ATOL,
                               equal_nan=True)


@pytest.mark.parametrize("name", list(CASES))
def test_same_results_as_bctpy(name, bct_spectral):
    W = CASES[name]
    ci = np.random.default_rng(len(name)).integers(1, 4, len(W))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # bctpy divides by 0 on some inputs
        close(nbct.clustering_coef_wu(W), bct.clustering_coef_wu(W))
        close(nbct.transitivity_wu(W), bct.transitivity_wu(W))
        close(nbct.strengths_und(W), bct.strengths_und(W))
        np.testing.assert_array_equal(nbct.degrees_und(W), bct.degrees_und(W))
        for degree in ("undirected", "in", "out"):
            close(nbct.participation_coef(W, ci, degree), bct.participation_coef(W, ci, degree))
        for p in (0.1, 0.3, 1.0):
            np.testing.assert_array_equal(nbct.threshold_proportional(W, p),
                                          bct.threshold_proportional(W, p))
        np.testing.assert_array_equal(nbct.threshold_absolute(W, 0.2),
                                      bct.threshold_absolute(W, 0.2))
        q_ours = nbct.modularity_und(W, kci=ci)
        assert q_ours[0] is ci
        close(q_ours[1], bct.modularity_und(W, kci=ci)[1])
        for gamma in (1, 0.5):
            ours, ref = nbct.modularity_und(W, gamma), bct_spectral(W, gamma)
            np.testing.assert_array_equal(ours[0], ref[0])
            close(ours[1], ref[1])
        if W.min() >= 0:
            for local in (False, True, "global", "local", "original"):
                close(nbct.efficiency_wei(W, local=local), bct.efficiency_wei(W, local=local))


def test_issue_examples():
    # correlation-style input: self-loops count, as in bctpy
    close(nbct.participation_coef(np.ones((3, 3)), [1, 1, 2]), [4 / 9] * 3)
    # a directed matrix: bctpy's strengths_und and degrees_und are column sums
    A = np.array([[0, 2.0, 0], [0, 0, 0], [1, 0, 0]])
    close(nbct.strengths_und(A), [1, 2, 0])
    close(nbct.degrees_und(A), [1, 1, 0])
    # no node of degree 2: bctpy's 0/0
    assert np.isnan(nbct.transitivity_wu(np.zeros((4, 4))))


def test_plain_input_unchanged(W):
    ci = np.random.default_rng(0).integers(1, 5, 50)
    close(nbct.clustering_coef_wu(W), bct.clustering_coef_wu(W))
    close(nbct.transitivity_wu(W), bct.transitivity_wu(W))
    close(nbct.efficiency_wei(W), bct.efficiency_wei(W))
    close(nbct.efficiency_wei(W, local=True), bct.efficiency_wei(W, local=True))
    close(nbct.participation_coef(W, ci), bct.participation_coef(W, ci))
    close(nbct.modularity_und(W, kci=ci)[1], bct.modularity_und(W, kci=ci)[1])
    labels, q = nbct.community_louvain(W, seed=0)
    assert labels.min() == 1
    close(q, bct.modularity_und(W, kci=labels)[1])
    R, eff = nbct.randmio_und(W, 2, seed=0)
    assert eff > 0
    np.testing.assert_array_equal((R > 0).sum(0), (W > 0).sum(0))
    np.testing.assert_array_equal(np.sort(R[R > 0]), np.sort(W[W > 0]))


def test_thresholds_in_place():
    rng = np.random.default_rng(3)
    for fn, arg in (("threshold_proportional", 0.25), ("threshold_absolute", 0.5)):
        for W0 in (_sym(rng.random((10, 10))) + np.eye(10), rng.random((10, 10))):
            ours, ref = W0.copy(), W0.copy()
            out_ours = getattr(nbct, fn)(ours, arg, copy=False)
            out_ref = getattr(bct, fn)(ref, arg, copy=False)
            assert out_ours is ours
            np.testing.assert_array_equal(ours, ref)
            np.testing.assert_array_equal(out_ours, out_ref)
            kept = W0.copy()
            getattr(nbct, fn)(kept, arg)
            np.testing.assert_array_equal(kept, W0)  # copy=True leaves W alone
    with pytest.raises(TypeError, match="copy=False"):
        nbct.threshold_absolute([[0, 1], [1, 0]], 0.5, copy=False)


def test_refusals():
    W = _sym(np.random.default_rng(2).normal(size=(6, 6)))
    with pytest.raises(ValueError, match="non-negative"):
        nbct.efficiency_wei(W)
    with pytest.raises(ValueError, match="local"):
        nbct.efficiency_wei(np.abs(W), local="both")
    with pytest.raises(ValueError, match="modularity"):
        nbct.community_louvain(np.abs(W), B="potts")
    with pytest.raises(ValueError, match="degree"):
        nbct.participation_coef(np.abs(W), np.ones(6), degree="both")
    with pytest.raises(ValueError, match="finite"):
        nbct.strengths_und(np.full((3, 3), np.nan))
    with pytest.raises(ValueError, match="square"):
        nbct.clustering_coef_wu(np.ones((3, 4)))
    with pytest.raises(ValueError, match="kci"):
        nbct.modularity_und(np.abs(W), kci=[1, 2])
    with pytest.raises(ValueError, match="no edges"):
        nbct.modularity_und(np.zeros((4, 4)))


def test_shims_use_public_names_only():
    root = pathlib.Path(nbct.__file__).parent
    for path in (root / "bct.py", root / "pyinform.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level > 0:
                assert node.module is None or not any(
                    part.startswith("_") for part in node.module.split(".")), (path, node.module)
                assert not any(a.name.startswith("_") for a in node.names), (path, node.module)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in ("graph", "generate", "infotheory"):
                assert not node.attr.startswith("_"), (path, node.attr)
