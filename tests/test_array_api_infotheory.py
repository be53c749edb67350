"""Transfer entropy, mutual information and Granger causality on the Array API paths, and
the covariance-algebra Gaussian estimator against direct regressions.

torch (CPU) and array-api-strict input gives the NumPy answer, in the input's namespace
and on its device.  Tolerances: Gaussian TE / Granger equal the NumPy path to 1e-10
relative (same algebra, different reduction orders); discrete TE / MI equal the compiled
core to 1e-12 bits (exact integer counts, entropies summed in a different order).
"""

import numpy as np
import pytest
from xp_helpers import NAMESPACES, _back, _same_place, _xp

from netneuro import connectivity as C
from netneuro import infotheory as I


def _var(rng, T=300, N=6, S=None):
    shape = (T, N) if S is None else (S, T, N)
    X = rng.normal(size=shape)
    X[..., 2:, 1] += 0.5 * X[..., 1:-1, 0] + 0.2 * X[..., :-2, 0]
    X[..., 1:, 2] += 0.4 * X[..., :-1, 1]
    return X


# ---------------------------------------------------------------------------
# the covariance algebra against independent least-squares fits


def _direct_te(x, y, k, l_, d):
    """0.5 ln(SSR_r / SSR_f) of two lstsq fits (with a constant), one pair."""
    t0 = max(k, d + l_ - 1)
    n = len(y) - t0
    yt = y[t0:]
    own = [y[t0 - b:t0 - b + n] for b in range(1, k + 1)]
    src = [x[t0 - a:t0 - a + n] for a in range(d, d + l_)]
    Dr = np.column_stack([np.ones(n)] + own)
    Df = np.column_stack([Dr] + src)
    r = yt - Dr @ np.linalg.lstsq(Dr, yt, rcond=None)[0]
    f = yt - Df @ np.linalg.lstsq(Df, yt, rcond=None)[0]
    return 0.5 * np.log((r @ r) / (f @ f))


@pytest.mark.parametrize("k,l,d", [(1, 1, 1), (2, 1, 1), (1, 2, 1), (3, 2, 2), (2, 3, 1)])
def test_gaussian_pairs_equal_direct_regressions(rng, k, l, d):
    X = _var(rng, T=250, N=4)
    X[:, 3] = X[:, 3] * 1e6 + 3e6  # scale and offset must not matter
    te = I.transfer_entropy(X, X, estimator="gaussian", history=k, source_history=l, delay=d,
                            base=np.e)
    for i in range(4):
        for j in range(4):  # the diagonal too: a series' own older lags (l > k) are new
            ref = _direct_te(X[:, i], X[:, j], k, l, d)
            assert abs(te[i, j] - ref) <= 1e-10 * abs(ref) + 1e-14, (i, j)


def test_gaussian_cohort_stack_equals_subjects(rng):
    X = _var(rng, S=3)
    for kw in ({}, {"conditional": True}, {"history": 2, "source_history": 1, "delay": 2,
                                           "conditional": True}):
        stack = C.transfer_entropy(X, estimator="gaussian", **kw)
        assert stack.shape == (3, 6, 6)
        for s in range(3):
            np.testing.assert_allclose(stack[s], C.transfer_entropy(X[s], estimator="gaussian",
                                                                    **kw),
                                       rtol=1e-10, atol=1e-15)


def test_gaussian_blocks_of_targets_equal_one_block(rng, monkeypatch):
    import netneuro.infotheory.gaussian as G

    X = _var(rng, N=9)
    one = I.transfer_entropy(X, X, estimator="gaussian", history=2, source_history=2)
    monkeypatch.setattr(G, "_PAIR_BLOCK", 40)  # forces blocks of one or two targets
    many = I.transfer_entropy(X, X, estimator="gaussian", history=2, source_history=2)
    np.testing.assert_allclose(many, one, rtol=1e-10, atol=1e-15)


# ---------------------------------------------------------------------------
# Array API: Gaussian TE and Granger


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("kw", [{}, {"history": 2, "source_history": 2},
                                {"history": 1, "source_history": 2, "delay": 2},
                                {"conditional": True},
                                {"history": 2, "source_history": 1, "conditional": True}])
def test_gaussian_te_xp(name, kw, rng):
    xp = _xp(name)
    X = _var(rng, S=2)
    ref = C.transfer_entropy(X, estimator="gaussian", **kw)
    A = xp.asarray(X)
    out = C.transfer_entropy(A, estimator="gaussian", **kw)
    _same_place(out, A)
    np.testing.assert_allclose(_back(out), ref, rtol=1e-10, atol=1e-15)
    one = C.transfer_entropy(A[0, ...], estimator="gaussian", **kw)
    assert one.shape == (6, 6)
    np.testing.assert_allclose(_back(one), ref[0], rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("conditional", [False, True])
def test_granger_xp(name, conditional, rng):
    xp = _xp(name)
    X = _var(rng, S=2)
    ref = C.granger(X, order=2, conditional=conditional)
    A = xp.asarray(X)
    out = C.granger(A, order=2, conditional=conditional)
    for f in ("F", "pvalues", "df_num", "df_den", "log_ratio"):
        _same_place(getattr(out, f), A)
        np.testing.assert_allclose(_back(getattr(out, f)), getattr(ref, f), rtol=1e-10,
                                   atol=1e-15, err_msg=f)


@pytest.mark.parametrize("name", NAMESPACES)
def test_gaussian_mi_xp(name, rng):
    xp = _xp(name)
    X = _var(rng)
    A = xp.asarray(X)
    out = C.mutual_information(A, estimator="gaussian")
    _same_place(out, A)
    np.testing.assert_allclose(_back(out), C.mutual_information(X, estimator="gaussian"),
                               rtol=1e-10, atol=1e-15)


# ---------------------------------------------------------------------------
# Array API: discrete TE and MI by count GEMMs, against the compiled core


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("alphabet,kw", [(2, {}), (2, {"history": 3}), (2, {"history": 0}),
                                         (2, {"history": 2, "source_history": 2, "delay": 2}),
                                         (3, {"history": 2})])
def test_discrete_te_xp_equals_core(name, alphabet, kw, rng):
    xp = _xp(name)
    X = rng.integers(0, alphabet, size=(2, 400, 6))
    X[:, 1:, 1] = np.where(rng.random((2, 399)) < 0.8, X[:, :-1, 0], X[:, 1:, 1])
    ref = C.transfer_entropy(X, **kw)
    A = xp.asarray(X)
    out = C.transfer_entropy(A, **kw)
    _same_place(out, A)
    np.testing.assert_allclose(_back(out), ref, rtol=0, atol=1e-12)
    if "delay" not in kw:
        assert float(_back(out)[0, 0, 1]) > 0.3  # the planted edge


@pytest.mark.parametrize("name", NAMESPACES)
def test_discrete_mi_and_binning_xp(name, rng):
    xp = _xp(name)
    B = rng.integers(0, 2, size=(500, 5))
    B[:, 1] = np.where(rng.random(500) < 0.9, B[:, 0], 1 - B[:, 0])
    out = C.mutual_information(xp.asarray(B))
    np.testing.assert_allclose(_back(out), C.mutual_information(B), rtol=0, atol=1e-12)
    Z = _var(rng)
    for kw in ({"n_bins": 3}, {"n_bins": 4, "history": 2}):
        np.testing.assert_allclose(_back(C.transfer_entropy(xp.asarray(Z), **kw)),
                                   C.transfer_entropy(Z, **kw), rtol=0, atol=1e-12)
    np.testing.assert_allclose(_back(C.mutual_information(xp.asarray(Z), n_bins=3)),
                               C.mutual_information(Z, n_bins=3), rtol=0, atol=1e-12)


def test_xp_refusals_name_the_problem(rng):
    torch = _xp("torch")
    Z = torch.asarray(_var(rng))
    B = torch.asarray(rng.integers(0, 2, size=(100, 4)))
    with pytest.raises(TypeError, match="KSG.*NumPy"):
        C.transfer_entropy(Z, estimator="ksg")
    with pytest.raises(TypeError, match="KSG.*NumPy"):
        C.mutual_information(Z, estimator="ksg")
    with pytest.raises(ValueError, match="conditional=True with the discrete"):
        C.transfer_entropy(B, conditional=True)
    with pytest.raises(ValueError, match="quantile"):
        C.transfer_entropy(Z, n_bins=3, bin_method="quantile")
    with pytest.raises(ValueError, match="integer codes"):
        C.transfer_entropy(Z)
    with pytest.raises(ValueError, match="non-negative"):
        C.transfer_entropy(B - 1)
    with pytest.raises(ValueError, match="constant series"):
        C.transfer_entropy(torch.zeros((50, 3), dtype=torch.float64), estimator="gaussian")
    with pytest.raises(ValueError, match="history=150"):
        C.transfer_entropy(B, history=150, estimator="discrete")
    with pytest.raises(ValueError, match="alphabet=2"):
        C.transfer_entropy(B + 1, alphabet=2)


def test_count_bound_is_documented_and_enforced(monkeypatch):
    torch = _xp("torch")
    import netneuro.infotheory.array_api as A

    assert A.MAX_COUNT_SAMPLES == 2**24
    assert "2**24" in A.__doc__
    # float32 counts are exact integers up to 2**24: one above it is not representable
    assert float(np.float32(2**24 + 1)) == 2**24
    monkeypatch.setattr(A, "MAX_COUNT_SAMPLES", 50)
    B = torch.asarray(np.random.default_rng(0).integers(0, 2, size=(52, 3)))
    C.transfer_entropy(B[:51, :])  # 50 samples after the embedding: allowed
    with pytest.raises(ValueError, match="2\\*\\*24"):
        C.transfer_entropy(B)
