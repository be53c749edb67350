"""netneuro.connectivity against nilearn, scikit-learn and statsmodels on the same inputs."""

import warnings

import numpy as np
import pytest
from conftest import lazy_peer

from netneuro import connectivity as C

nilearn_connectome = lazy_peer("nilearn.connectome")
NilearnCM = lazy_peer("nilearn.connectome", "ConnectivityMeasure")


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


def test_partial_correlation_n_jobs_threads_over_subjects(rng):
    # one BLAS thread per subject on n_jobs threads: the numbers of n_jobs=1 with one BLAS
    # thread, bit for bit, and still nilearn's (atol 1e-12); an (S, T, N) array as a list
    from netneuro._parallel import limit_blas

    subs = _cohort(rng, S=7, N=12)
    with limit_blas(1):
        ref = C.partial_correlation(subs)
    for n_jobs in (2, 3, -1):
        np.testing.assert_array_equal(C.partial_correlation(subs, n_jobs=n_jobs), ref)
    np.testing.assert_array_equal(C.partial_correlation(np.stack(subs), n_jobs=2), ref)
    np.testing.assert_allclose(ref, _nilearn("partial correlation", subs), atol=1e-12)
    # the first failing subject (in order) is the one named, whatever the threads
    bad = [s.copy() for s in subs]
    bad[5][:, 2] = 1.0
    bad[2][:, 0] = 4.0
    with pytest.raises(ValueError, match=r"ts\[2\] has a constant series"):
        C.partial_correlation(bad, n_jobs=3)
    with pytest.raises(ValueError, match="singular"):
        C.partial_correlation([rng.normal(size=(5, 10))] * 3, shrinkage=None, n_jobs=2)
    with pytest.raises(ValueError, match="n_jobs"):
        C.partial_correlation(subs, n_jobs=0)


def test_precision_is_exactly_symmetric_and_inverts_the_covariance(rng):
    subs = _cohort(rng, S=2, N=9)
    for shrinkage in ("ledoit_wolf", None, 0.3):
        P = C.precision(subs, shrinkage=shrinkage)
        np.testing.assert_array_equal(P, np.swapaxes(P, 1, 2))
        np.testing.assert_allclose(P[0] @ C.covariance(subs[0], shrinkage=shrinkage),
                                   np.eye(9), atol=1e-10)


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


# ---------------------------------------------------------------------------
# ConnectivityMeasure: nilearn's drop-in and a scikit-learn estimator (#23).
# Tolerance 1e-12 relative to the largest entry (same formulas; the tangent kind
# iterates a geometric mean, measured at most 2e-13).

NILEARN_KINDS = ["correlation", "partial correlation", "tangent", "covariance", "precision"]


def _close(a, b, rtol=1e-12):
    np.testing.assert_allclose(a, b, rtol=0, atol=rtol * max(1.0, np.abs(b).max()))


def test_measure_signature_is_nilearns():
    import inspect

    ours = list(inspect.signature(C.ConnectivityMeasure).parameters)
    nilearn_cm = nilearn_connectome.ConnectivityMeasure
    theirs = list(inspect.signature(nilearn_cm).parameters)
    assert ours[:len(theirs)] == theirs  # positional order, verbose included
    assert ours[len(theirs):] == ["measure_params"]
    for name in theirs:
        assert (inspect.signature(C.ConnectivityMeasure).parameters[name].default
                == inspect.signature(nilearn_cm).parameters[name].default)


@pytest.mark.filterwarnings("ignore:geometric mean:UserWarning")  # nilearn warns there too
@pytest.mark.parametrize("kind", NILEARN_KINDS)
@pytest.mark.parametrize("estimator", ["default", "empirical", "ledoit_wolf", "shrunk"])
def test_measure_equals_nilearn_every_kind(rng, kind, estimator):
    from sklearn.covariance import EmpiricalCovariance, LedoitWolf, ShrunkCovariance

    est = {"default": None, "empirical": EmpiricalCovariance(), "ledoit_wolf": LedoitWolf(),
           "shrunk": ShrunkCovariance(shrinkage=0.3)}[estimator]
    subs = _cohort(rng)
    for vec, disc in ((False, False), (True, False), (True, True)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nm = NilearnCM(est, kind, vec, disc).fit(subs[:3])
            ref = nm.transform(subs)
            ref_ft = NilearnCM(est, kind, vec, disc).fit_transform(subs)
        with warnings.catch_warnings():  # the same convergence warnings as nilearn's
            warnings.simplefilter("ignore", UserWarning)
            cm = C.ConnectivityMeasure(est, kind, vec, disc).fit(subs[:3])
            out = cm.transform(subs)
            out_ft = C.ConnectivityMeasure(est, kind, vec, disc).fit_transform(subs)
        _close(out, ref)
        _close(cm.mean_, nm.mean_)
        if kind == "tangent":
            _close(cm.whitening_, nm.whitening_)
        else:
            assert cm.whitening_ is None and nm.whitening_ is None
        assert cm.n_features_in_ == nm.n_features_in_ == 10
        assert type(cm.cov_estimator_) is type(nm.cov_estimator_)
        _close(out_ft, ref_ft)
        # inverse_transform: as nilearn's, and a round trip back to the matrices
        if vec and disc and kind not in ("correlation", "partial correlation"):
            with pytest.raises(ValueError, match="cannot reconstruct"):
                cm.inverse_transform(out)
            diag = np.stack([np.diag(m) for m in C.ConnectivityMeasure(est, kind).fit(
                subs[:3]).transform(subs)]) / np.sqrt(2.0)  # as vectorised: / sqrt(2)
            inv = cm.inverse_transform(out, diagonal=diag)
            _close(inv, nm.inverse_transform(ref, diagonal=diag))
        else:
            inv = cm.inverse_transform(out)
            _close(inv, nm.inverse_transform(ref))
        mats = C.ConnectivityMeasure(est, kind if kind != "tangent" else "covariance").fit(
            subs[:3]).transform(subs)
        if kind == "tangent" and vec and disc:
            continue
        _close(inv, mats, rtol=1e-10 if kind == "tangent" else 1e-12)


@pytest.mark.parametrize("standardize", [True, False, None, "zscore_sample", "psc"])
def test_measure_standardize_values(rng, standardize):
    """True/False as nilearn's class; "zscore_sample" and "psc" as nilearn documents them
    (nilearn 0.14's class ignores both: its reference here is its own standardize_signal
    followed by the class without standardisation)."""
    from nilearn.signal import standardize_signal

    subs = _cohort(rng, S=3)
    out = C.ConnectivityMeasure(kind="correlation", standardize=standardize).fit_transform(subs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if isinstance(standardize, str):
            pre = [standardize_signal(x, detrend=False, standardize=standardize) for x in subs]
            ref = NilearnCM(kind="correlation", standardize=False).fit_transform(pre)
        else:
            ref = NilearnCM(kind="correlation", standardize=standardize).fit_transform(subs)
    _close(out, ref)
    if standardize in (True, "zscore_sample"):
        _close(out, C.ConnectivityMeasure(kind="correlation").fit_transform(subs))
    with pytest.raises(ValueError, match="standardize"):
        C.ConnectivityMeasure(kind="correlation", standardize="zscore").fit(subs)


def test_measure_confounds_equal_nilearn(rng, tmp_path):
    pd = pytest.importorskip("pandas")
    subs = _cohort(rng, S=12, T=80, N=6)
    conf = rng.normal(size=(12, 3))
    conf[:, 2] = conf[:, 0] + conf[:, 1]  # collinear: dropped by the pivoted QR
    for kind in ("correlation", "tangent"):
        for disc in (False, True):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = NilearnCM(kind=kind, vectorize=True, discard_diagonal=disc).fit_transform(
                    subs, confounds=conf)
                nm = NilearnCM(kind=kind, vectorize=True, discard_diagonal=disc).fit(subs[:5])
                ref_t = nm.transform(subs, confounds=conf[:, 0])
            cm = C.ConnectivityMeasure(kind=kind, vectorize=True, discard_diagonal=disc)
            _close(cm.fit_transform(subs, confounds=conf), ref)
            _close(cm.fit(subs[:5]).transform(subs, confounds=conf[:, 0]), ref_t)
    cm = C.ConnectivityMeasure(kind="correlation", vectorize=True)
    ref = cm.fit_transform(subs, confounds=conf)
    _close(cm.fit_transform(subs, confounds=pd.DataFrame(conf)), ref)
    _close(cm.fit_transform(subs, confounds=[conf[:, :2], conf[:, 2]]), ref)
    pd.DataFrame(conf, columns=["age", "motion", "sum"]).to_csv(tmp_path / "c.tsv", sep="\t",
                                                                 index=False)
    _close(cm.fit_transform(subs, confounds=tmp_path / "c.tsv"), ref)
    with pytest.raises(TypeError, match="'confounds' input argument must be an iterable"):
        cm.fit_transform(subs, confounds=1.0)
    with pytest.raises(ValueError, match="one row per subject"):
        cm.fit_transform(subs, confounds=conf[:5])
    with pytest.raises(ValueError, match="'confounds' are provided but vectorize=False"):
        C.ConnectivityMeasure(kind="correlation").fit_transform(subs, confounds=conf)


def test_measure_is_a_sklearn_estimator(rng):
    from sklearn.base import clone
    from sklearn.covariance import EmpiricalCovariance
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV
    from sklearn.pipeline import Pipeline

    cm = C.ConnectivityMeasure(EmpiricalCovariance(), "tangent", True, verbose=1)
    c2 = clone(cm)
    assert c2.get_params(deep=False) == {**cm.get_params(deep=False),
                                         "cov_estimator": c2.cov_estimator}
    assert c2.get_params()["cov_estimator__assume_centered"] is False
    c2.set_params(kind="correlation", cov_estimator__assume_centered=True)
    assert c2.kind == "correlation" and c2.cov_estimator.assume_centered
    assert cm.__sklearn_tags__().transformer_tags is not None and "tangent" in repr(cm)
    with pytest.raises(NotFittedError):
        cm.transform(_cohort(rng, S=2))
    # a grid search over a pipeline, against the same search over nilearn's class
    subs = _cohort(rng, S=24, T=60, N=5, mixing=False)
    y = np.arange(24) % 2
    for s in range(0, 24, 2):
        subs[s][:, 1] += 0.8 * subs[s][:, 0]  # class 0: regions 0-1 coupled
    scores = []
    for cls in (C.ConnectivityMeasure, NilearnCM):
        pipe = Pipeline([("conn", cls(vectorize=True, discard_diagonal=True)),
                         ("clf", LogisticRegression())])
        grid = GridSearchCV(pipe, {"conn__kind": ["correlation", "partial correlation",
                                                  "tangent"]}, cv=3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grid.fit(np.stack(subs), y)
        scores.append(grid.cv_results_["mean_test_score"])
    np.testing.assert_array_equal(scores[0], scores[1])
    assert scores[0].max() > 0.8


def _expected_failed_checks(estimator):
    """The scikit-learn checks nilearn's own ConnectivityMeasure is expected to fail too
    (nilearn._utils.estimator_checks lists these for it): a 2-D X is one subject, so the
    output has one row per subject, not per sample."""
    why = ("X is a group of subjects; a 2-D X is one subject and gives one output row, not "
           "one per sample (nilearn's class fails this check too)")
    return {
        "check_transformer_general": why,
        "check_transformer_data_not_an_array": why,
        "check_methods_sample_order_invariance": why,
        "check_methods_subset_invariance": why,
        "check_transformer_preserve_dtypes": "set_output raises NotImplementedError, as "
                                             "nilearn's (outputs are matrices, not tables)",
    }


def _sklearn_checks():
    try:
        from sklearn.covariance import EmpiricalCovariance
        from sklearn.utils.estimator_checks import parametrize_with_checks
    except ImportError:
        return pytest.mark.skip(reason="scikit-learn not installed")
    return parametrize_with_checks(
        [C.ConnectivityMeasure(), C.ConnectivityMeasure(cov_estimator=EmpiricalCovariance())],
        expected_failed_checks=_expected_failed_checks)


@_sklearn_checks()
def test_sklearn_estimator_checks(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


_PATCH_PLUGIN = '''
import nilearn.connectome as _nc
import nilearn.connectome.connectivity_matrices as _cm

from netneuro.connectivity import ConnectivityMeasure

_cm.ConnectivityMeasure = ConnectivityMeasure
_nc.ConnectivityMeasure = ConnectivityMeasure
'''


@pytest.mark.slow
def test_nilearns_own_connectome_tests_pass(tmp_path):
    """nilearn's test module for ConnectivityMeasure (its scikit-learn and nilearn
    estimator checks included), run with netneuro's class in place of nilearn's.
    Deselected: check_doc_link, which wants the class documented on nilearn's site."""
    import os
    import subprocess
    import sys

    pytest.importorskip("polars", reason="nilearn's estimator checks import polars")
    pytest.importorskip("numpydoc", reason="nilearn's estimator checks import numpydoc")
    tests = os.path.join(os.path.dirname(nilearn_connectome.__file__), "tests",
                         "test_connectivity_matrices.py")
    if not os.path.exists(tests):
        pytest.skip("nilearn is installed without its tests")
    site = os.path.dirname(os.path.dirname(nilearn_connectome.__file__.rsplit(os.sep, 1)[0]))
    (tmp_path / "netneuro_patch_nilearn.py").write_text(_PATCH_PLUGIN)
    env = dict(os.environ)
    import netneuro

    netneuro_root = os.path.dirname(os.path.dirname(os.path.abspath(netneuro.__file__)))
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), netneuro_root,
                                         env.get("PYTHONPATH", "")])
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p",
         "netneuro_patch_nilearn", "-W", "ignore", "-c", os.devnull,
         # nilearn's conftest (its fixtures) loaded as a conftest by every pytest version:
         "--rootdir", site, "--confcutdir", site,
         "-k", "not check_doc_link", tests],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1200)
    tail = proc.stdout[-3000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, tail
    import re

    assert re.search(r"\d+ passed", tail) and not re.search(r"\d+ (failed|errors?)\b", tail), tail


def test_measure_without_sklearn(tmp_path, rng):
    """scikit-learn stays optional: the same API (get_params/set_params/repr, fit,
    transform, inverse_transform) and the same numbers without it."""
    import os
    import subprocess
    import sys

    subs = np.stack(_cohort(rng, S=4, T=60, N=5))
    np.save(tmp_path / "subs.npy", subs)
    ref = {k: C.ConnectivityMeasure(kind=k, vectorize=True).fit_transform(subs)
           for k in ("correlation", "tangent", "partial correlation")}
    code = '''
import sys
sys.modules["sklearn"] = None  # import sklearn -> ImportError
import numpy as np
from netneuro.connectivity import ConnectivityMeasure
subs = np.load(sys.argv[1])
for k in ("correlation", "tangent", "partial correlation"):
    cm = ConnectivityMeasure(kind=k, vectorize=True)
    out = cm.fit_transform(subs)
    np.save(sys.argv[2] + "_" + k.replace(" ", "_") + ".npy", out)
    assert cm.cov_estimator_ is None
    back = cm.inverse_transform(out)
    assert back.shape == (4, 5, 5)
cm = ConnectivityMeasure(None, "tangent", True)
assert cm.get_params() == dict(cov_estimator=None, kind="tangent", vectorize=True,
                               discard_diagonal=False, standardize=True, verbose=0,
                               measure_params=None), cm.get_params()
twin = type(cm)(**cm.get_params())
assert twin.set_params(kind="covariance") is twin and twin.kind == "covariance"
assert repr(cm) == "ConnectivityMeasure(kind='tangent', vectorize=True)", repr(cm)
try:
    twin.set_params(nope=1)
    raise SystemExit("set_params accepted an unknown name")
except ValueError:
    pass
try:
    twin.transform(subs)
    raise SystemExit("transform before fit")
except ValueError as exc:
    assert "not fitted" in str(exc), exc
print("ok")
'''
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "subs.npy"),
                           str(tmp_path / "out")], capture_output=True, text=True,
                          env=dict(os.environ), timeout=300)
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr[-3000:]
    for k, v in ref.items():
        _close(np.load(tmp_path / f"out_{k.replace(' ', '_')}.npy"), v)
