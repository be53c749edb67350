"""ConnectivityMeasure on Array API stacks (S, T, N): the tangent space and nilearn's
covariance kinds computed by the input's library, equal to the NumPy path (itself
equal to nilearn, tests/test_connectivity.py).

Tolerance (float64): 1e-10 relative to the largest entry: the same formulas, with
eigh from another LAPACK build (torch) or NumPy's (array-api-strict); the
Riemannian mean's fixed-point iterations amplify rounding to ~1e-14 here.
"""

import numpy as np
import pytest
from conftest import lazy_peer
from xp_helpers import NAMESPACES, _back, _same_place, _to, _xp

from netneuro.connectivity import ConnectivityMeasure

nilearn_connectome = lazy_peer("nilearn.connectome")

KINDS = ["tangent", "covariance", "correlation", "partial correlation", "precision"]


def _close(out, ref, rtol=1e-10):
    ref = np.asarray(ref)
    np.testing.assert_allclose(_back(out), ref, rtol=rtol, atol=rtol * np.max(np.abs(ref)))


@pytest.fixture
def ts(rng):
    X = rng.normal(size=(5, 70, 8))
    return X @ (np.eye(8) + 0.3 * rng.normal(size=(8, 8))) * rng.uniform(0.5, 2.0, size=8)


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("vectorize,discard", [(False, False), (True, False), (True, True)])
def test_kinds_match_numpy(name, kind, vectorize, discard, ts):
    xp = _xp(name)
    ref_cm = ConnectivityMeasure(kind=kind, vectorize=vectorize, discard_diagonal=discard)
    ref = ref_cm.fit_transform(ts)
    X = _to(xp, ts)
    cm = ConnectivityMeasure(kind=kind, vectorize=vectorize, discard_diagonal=discard)
    out = cm.fit_transform(X)
    _same_place(out, X)
    _same_place(cm.mean_, X)
    assert tuple(out.shape) == ref.shape
    _close(out, ref)
    _close(cm.mean_, ref_cm.mean_)
    if kind == "tangent":
        _same_place(cm.whitening_, X)
        _close(cm.whitening_, ref_cm.whitening_)
    # transform of other subjects with the fitted mean; one subject (T, N) -> (1, ...)
    _close(cm.transform(X[:2, ...]), ref_cm.transform(ts[:2]))
    if kind != "tangent":
        _close(cm.transform(X[3, ...]), ref_cm.transform(ts[3]))


@pytest.mark.parametrize("name", NAMESPACES)
def test_tangent_roundtrip_and_cohort(name, ts):
    xp = _xp(name)
    X = _to(xp, ts)
    cm = ConnectivityMeasure(kind="tangent").fit(X)
    T = cm.transform(X)
    covs = ConnectivityMeasure(kind="covariance").fit_transform(ts)
    back = cm.inverse_transform(T)
    _same_place(back, X)
    _close(back, covs)
    # the cohort's rows are the subjects' embeddings, each from the same fitted mean
    S = ts.shape[0]
    for s in range(S):
        a = min(s, S - 2)
        _close(T[s, ...], _back(cm.transform(X[a:a + 2, ...]))[s - a])


def test_tangent_against_nilearn(ts):
    torch = pytest.importorskip("torch")
    ref = nilearn_connectome.ConnectivityMeasure(kind="tangent").fit_transform(list(ts))
    out = ConnectivityMeasure(kind="tangent").fit_transform(torch.asarray(ts))
    _close(out, ref, rtol=1e-8)


@pytest.mark.parametrize("name", NAMESPACES)
def test_refusals(name, ts, rng):
    xp = _xp(name)
    X = _to(xp, ts)
    with pytest.raises(ValueError, match="at least 2"):
        ConnectivityMeasure(kind="tangent").fit_transform(X[0, ...])
    with pytest.raises(NotImplementedError, match="cov_estimator"):
        ConnectivityMeasure(cov_estimator=object.__new__(type("E", (), {"fit": None})),
                            kind="tangent").fit(X)
    with pytest.raises(NotImplementedError, match="granger"):
        ConnectivityMeasure(kind="granger").fit(X)
    with pytest.raises(ValueError, match="X must be finite"):
        ConnectivityMeasure(kind="tangent").fit(_to(xp, np.where(ts > 3, np.nan, ts)))
    with pytest.raises(ValueError, match="X must have 2 or 3 dimensions"):
        ConnectivityMeasure(kind="tangent").fit(X[0, 0, ...])
    cm = ConnectivityMeasure(kind="tangent").fit(X)
    with pytest.raises(ValueError, match="expecting 8 features"):
        cm.transform(X[..., :5])
    with pytest.raises(TypeError, match="fitted on"):
        cm.transform(ts)
    with pytest.raises(TypeError, match="fitted on"):
        ConnectivityMeasure(kind="tangent").fit(ts).transform(X)
    with pytest.raises(NotImplementedError, match="confounds"):
        ConnectivityMeasure(kind="tangent", vectorize=True).fit_transform(
            X, confounds=np.arange(5.0))
    wide = _to(xp, rng.normal(size=(3, 5, 8)))  # rank-deficient covariances, shrunk: fine
    ConnectivityMeasure(kind="tangent").fit_transform(wide)


def test_float32_tangent(ts):
    """float32: eigh and log of covariances with condition number ~10-100 -> relative
    error ~ cond * eps32 ~ 1e-5 on the embedding, compounded over the mean's
    iterations -> rtol 1e-3 relative to the largest entry."""
    torch = pytest.importorskip("torch")
    out = ConnectivityMeasure(kind="tangent").fit_transform(torch.asarray(ts, dtype=torch.float32))
    assert out.dtype == torch.float32
    _close(out, ConnectivityMeasure(kind="tangent").fit_transform(ts), rtol=1e-3)
