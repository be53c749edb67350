"""netneuro.compat.bct: bctpy signatures, bctpy results (to rounding)."""

import numpy as np
import pytest

bct = pytest.importorskip("bct")

from netneuro.compat import bct as nbct  # noqa: E402

RTOL = 1e-12


@pytest.fixture
def W():
    rng = np.random.default_rng(11)
    W = rng.random((50, 50)) * (rng.random((50, 50)) < 0.3)
    W = np.triu(W, 1)
    return W + W.T


def test_same_results(W):
    np.testing.assert_allclose(nbct.clustering_coef_wu(W), bct.clustering_coef_wu(W), rtol=RTOL,
                               atol=1e-15)
    assert nbct.transitivity_wu(W) == pytest.approx(bct.transitivity_wu(W), rel=RTOL)
    np.testing.assert_allclose(nbct.strengths_und(W), bct.strengths_und(W), rtol=RTOL)
    np.testing.assert_array_equal(nbct.degrees_und(W), bct.degrees_und(W))
    assert nbct.efficiency_wei(W) == pytest.approx(bct.efficiency_wei(W), rel=RTOL)
    np.testing.assert_allclose(nbct.efficiency_wei(W, local=True),
                               bct.efficiency_wei(W, local=True), rtol=RTOL, atol=1e-15)
    ci = np.random.default_rng(0).integers(1, 5, 50)
    np.testing.assert_allclose(nbct.participation_coef(W, ci), bct.participation_coef(W, ci),
                               rtol=RTOL, atol=1e-15)
    np.testing.assert_array_equal(nbct.threshold_proportional(W, 0.1),
                                  bct.threshold_proportional(W, 0.1))
    np.testing.assert_array_equal(nbct.threshold_absolute(W, 0.4), bct.threshold_absolute(W, 0.4))
    assert nbct.modularity_und(W, kci=ci)[1] == pytest.approx(bct.modularity_und(W, kci=ci)[1],
                                                              rel=RTOL)
    labels, q = nbct.community_louvain(W, seed=0)
    assert labels.min() == 1
    assert q == pytest.approx(bct.modularity_und(W, kci=labels)[1], rel=RTOL)
    R, eff = nbct.randmio_und(W, 2, seed=0)
    assert eff > 0
    np.testing.assert_array_equal((R > 0).sum(0), (W > 0).sum(0))


def test_unsupported_options(W):
    with pytest.raises(ValueError, match="local"):
        nbct.efficiency_wei(W, local="original")
    with pytest.raises(ValueError, match="kci"):
        nbct.modularity_und(W)
    with pytest.raises(ValueError, match="modularity"):
        nbct.community_louvain(W, B="potts")
    with pytest.raises(ValueError, match="degree"):
        nbct.participation_coef(W, np.ones(50), degree="both")
