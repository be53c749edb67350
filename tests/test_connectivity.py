"""netneuro.connectivity against nilearn, scikit-learn and statsmodels on the same inputs."""

import warnings

import numpy as np
import pytest

from netneuro import connectivity as C

nilearn_connectome = pytest.importorskip("nilearn.connectome")
NilearnCM = nilearn_connectome.ConnectivityMeasure


def _cohort(rng, S=5, T=150, N=10, mixing=True):
    out = []
    for _ in range(S):
        X = rng.normal(size=(T, N))
        if mixing:
            X = X @ (np.eye(N) + 0.3 * rng.normal(size=(N, N)))
        out.append(X * rng.uniform(0.5, 3.0, size=N) + rng.normal(size=N))
    return out


def _nilearn(kind, subs, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return NilearnCM(kind=kind, **kw).fit_transform(subs)


# ---------------------------------------------------------------------------
# correlation family: tolerances 1e-12 (same formulas, different order of float operations)


def test_correlation_is_pearson_and_matches_nilearn_empirical(rng):
    from sklearn.covariance import EmpiricalCovariance

    subs = _cohort(rng)
    ours = C.correlation(subs)
    assert ours.shape == (5, 10, 10)
    np.testing.assert_allclose(ours, _nilearn("correlation", subs,
                                              cov_estimator=EmpiricalCovariance()), atol=1e-12)
    np.testing.assert_allclose(C.correlation(subs[0]), np.corrcoef(subs[0].T), atol=1e-12)
    np.testing.assert_allclose(C.correlation(np.stack(subs)), ours, atol=0)
    assert np.all(np.diag(C.correlation(subs[1])) == 1.0)


def test_ledoit_wolf_matches_sklearn(rng):
    from sklearn.covariance import LedoitWolf

    for T, N in ((40, 30), (200, 12), (60, 1)):
        X = rng.normal(size=(T, N)) @ (np.eye(N) + 0.4 * rng.normal(size=(N, N)))
        lw = LedoitWolf().fit(X)
        cov, s = C.ledoit_wolf(X)
        assert abs(s - lw.shrinkage_) < 1e-12
        np.testing.assert_allclose(cov, lw.covariance_, atol=1e-12 * np.abs(cov).max())


@pytest.mark.parametrize("kind", ["correlation", "partial correlation", "tangent", "covariance",
                                  "precision"])
def test_connectivity_measure_matches_nilearn(rng, kind):
    subs = _cohort(rng)
    ref = _nilearn(kind, subs)
    ours = C.ConnectivityMeasure(kind=kind).fit_transform(subs)
    scale = max(1.0, np.abs(ref).max())
    np.testing.assert_allclose(ours, ref, atol=1e-10 * scale)
    # fit on some subjects, transform others; vectorize as nilearn
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nm = NilearnCM(kind=kind, vectorize=True, discard_diagonal=kind != "tangent").fit(subs[:3])
        ref2 = nm.transform(subs[3:])
    cm = C.ConnectivityMeasure(kind=kind, vectorize=True,
                               discard_diagonal=kind != "tangent").fit(subs[:3])
    np.testing.assert_allclose(cm.transform(subs[3:]), ref2, atol=1e-10 * scale)
    np.testing.assert_allclose(cm.mean_, nm.mean_, atol=1e-10 * scale)


def test_partial_correlation_matches_nilearn_and_closed_forms(rng):
    from sklearn.covariance import EmpiricalCovariance, ShrunkCovariance

    subs = _cohort(rng, S=3, N=8)
    np.testing.assert_allclose(C.partial_correlation(subs),
                               _nilearn("partial correlation", subs), atol=1e-12)
    np.testing.assert_allclose(
        C.partial_correlation(subs, shrinkage=None),
        _nilearn("partial correlation", subs, cov_estimator=EmpiricalCovariance()), atol=1e-12)
    np.testing.assert_allclose(
        C.partial_correlation(subs[0], shrinkage=0.2),
        _nilearn("partial correlation", subs[:1], cov_estimator=ShrunkCovariance(shrinkage=0.2))[0],
        atol=1e-12)
    # closed form for 3 variables: r_12.3 = (r12 - r13 r23) / sqrt((1-r13^2)(1-r23^2))
    X = subs[0][:, :3]
    r = np.corrcoef(X.T)
    r12_3 = (r[0, 1] - r[0, 2] * r[1, 2]) / np.sqrt((1 - r[0, 2] ** 2) * (1 - r[1, 2] ** 2))
    assert abs(C.partial_correlation(X, shrinkage=None)[0, 1] - r12_3) < 1e-12
    assert np.all(np.diag(C.partial_correlation(X)) == 1.0)


def test_connectivity_strength(rng):
    subs = _cohort(rng, S=3)
    iu = np.triu_indices(10, 1)
    ref = [np.corrcoef(X.T)[iu].mean() for X in subs]
    np.testing.assert_allclose(C.connectivity_strength(subs), ref, atol=1e-12)
    assert isinstance(C.connectivity_strength(subs[0]), float)
    ragged = [subs[0], subs[1][:90]]  # subjects of different lengths
    np.testing.assert_allclose(C.connectivity_strength(ragged), ref[:2][:1] + [
        np.corrcoef(subs[1][:90].T)[iu].mean()], atol=1e-12)
    assert abs(C.connectivity_strength(subs[0], absolute=True)
               - np.abs(np.corrcoef(subs[0].T)[iu]).mean()) < 1e-12


# ---------------------------------------------------------------------------
# Granger vs statsmodels (F and p to 1e-9 relative: both solve the same least squares)


def _var_data(rng, T=300, N=4):
    X = rng.normal(size=(T, N))
    for t in range(2, T):
        X[t, 1] += 0.5 * X[t - 1, 0]
        X[t, 2] += 0.3 * X[t - 2, 1] - 0.2 * X[t - 1, 3]
    return X


@pytest.mark.parametrize("order", [1, 2, 3])
def test_granger_matches_statsmodels(rng, order):
    from statsmodels.tsa.stattools import grangercausalitytests

    X = _var_data(rng)
    g = C.granger(X, order=order)
    for i, j in [(0, 1), (1, 0), (1, 2), (3, 2), (2, 3)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            F, p, df_den, df_num = grangercausalitytests(X[:, [j, i]], order)[order][0]["ssr_ftest"]
        np.testing.assert_allclose(g.F[i, j], F, rtol=1e-9)
        np.testing.assert_allclose(g.pvalues[i, j], p, rtol=1e-7, atol=1e-300)
        assert g.df_den[i, j] == df_den and g.df_num[i, j] == df_num
    assert np.all(np.diag(g.F) == 0) and np.all(np.diag(g.pvalues) == 1)


def test_conditional_granger_matches_statsmodels_ols(rng):
    import statsmodels.api as sm

    X = _var_data(rng, T=250, N=4)
    p = 2
    g = C.granger(X, order=p, conditional=True)
    T, N = X.shape
    lags = np.hstack([X[p - q:T - q] for q in range(1, p + 1)])  # column q*N + m = lag q+1 of m
    for i, j in [(0, 1), (3, 2), (1, 3)]:
        full = sm.OLS(X[p:, j], sm.add_constant(lags)).fit()
        keep = [c for c in range(lags.shape[1]) if c % N != i]
        restr = sm.OLS(X[p:, j], sm.add_constant(lags[:, keep])).fit()
        F, pv, df = full.compare_f_test(restr)
        np.testing.assert_allclose(g.F[i, j], F, rtol=1e-9)
        np.testing.assert_allclose(g.pvalues[i, j], pv, rtol=1e-7)
        assert g.df_den[i, j] == full.df_resid
        np.testing.assert_allclose(g.log_ratio[i, j], np.log(restr.ssr / full.ssr), rtol=1e-9)


def test_directed_kinds_in_connectivity_measure(rng):
    X = [_var_data(rng, T=200) for _ in range(2)]
    te = C.ConnectivityMeasure(kind="transfer entropy",
                               measure_params={"estimator": "gaussian"}).fit_transform(X)
    assert te.shape == (2, 4, 4)
    np.testing.assert_allclose(te[1], C.transfer_entropy(X[1], estimator="gaussian"))
    gr = C.ConnectivityMeasure(kind="granger", measure_params={"order": 2}).fit_transform(X)
    np.testing.assert_allclose(gr[0], C.granger(X[0], order=2).F)
    mi = C.ConnectivityMeasure(kind="mutual information",
                               measure_params={"estimator": "gaussian"}).fit_transform(X)
    assert np.allclose(mi, np.swapaxes(mi, 1, 2))
    g = C.granger(X)
    assert g.F.shape == (2, 4, 4)
    assert C.transfer_entropy(np.stack(X), estimator="gaussian").shape == (2, 4, 4)


# ---------------------------------------------------------------------------
# bad inputs


def test_bad_inputs(rng):
    X = rng.normal(size=(50, 4))
    bad = X.copy()
    bad[3, 1] = np.nan
    for fn in (C.correlation, C.partial_correlation, C.granger, C.connectivity_strength):
        with pytest.raises(ValueError, match="finite"):
            fn(bad)
        with pytest.raises(ValueError, match="constant"):
            fn(np.c_[X, np.ones(50)])
        with pytest.raises(ValueError, match="2-D|3-D"):
            fn(np.ones(5))
    with pytest.raises(ValueError, match="same number of regions"):
        C.correlation([X, X[:, :3]])
    with pytest.raises(ValueError, match="shrinkage"):
        C.partial_correlation(X, shrinkage=1.5)
    with pytest.raises(ValueError, match="shrinkage"):
        C.partial_correlation(X, shrinkage="oas")
    with pytest.raises(ValueError, match="singular"):
        C.partial_correlation(rng.normal(size=(5, 10)), shrinkage=None)
    with pytest.raises(ValueError, match="too short"):
        C.granger(X[:4], order=3)
    with pytest.raises(ValueError, match="too short"):
        C.granger(rng.normal(size=(12, 8)), order=2, conditional=True)
    with pytest.raises(TypeError, match="order"):
        C.granger(X, order=1.5)
    with pytest.raises(ValueError, match="kind"):
        C.ConnectivityMeasure(kind="coherence").fit([X])
    with pytest.raises(ValueError, match="not fitted"):
        C.ConnectivityMeasure(kind="correlation").transform([X])
    with pytest.raises(ValueError, match="group"):
        C.ConnectivityMeasure(kind="tangent").fit_transform([X])
    with pytest.raises(ValueError, match="regions"):
        C.ConnectivityMeasure(kind="correlation").fit([X]).transform([X[:, :3]])
    with pytest.raises(ValueError, match="conditional"):
        C.transfer_entropy(X, estimator="ksg", conditional=True)
