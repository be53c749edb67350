"""Graph measures on the Array API path (netneuro.graph.array_api).

torch (CPU) and array-api-strict input gives the NumPy/C++ answer, in the
input's namespace and on its device, for one graph (N, N) and for a cohort
(S, N, N), whose rows equal the per-subject results.  Tolerances (float64):
1e-10 relative, with an absolute floor of 1e-12 times the largest entry where
values pass through zero (correlations, adjusted R^2): the routes differ (BLAS
dsyrk vs one batched matmul; SciPy's Padé expm vs eigh; lstsq vs SVD
projection) but are each accurate to ~1e-14 here.
"""

import numpy as np
import pytest
from conftest import lazy_peer
from xp_helpers import NAMESPACES, _back, _same_place, _to, _xp

from netneuro import graph

nx = lazy_peer("networkx")


def _close(out, ref, rtol=1e-10):
    out, ref = _back(out), np.asarray(ref)
    assert out.shape == ref.shape
    np.testing.assert_array_equal(np.isnan(out), np.isnan(ref))
    scale = np.nanmax(np.abs(ref)) if np.any(np.isfinite(ref)) else 1.0
    np.testing.assert_allclose(out, ref, rtol=rtol, atol=1e-12 * scale, equal_nan=True)


@pytest.fixture
def cohort(rng):
    """Three sparse symmetric weighted graphs in [0, 1], zero diagonal, one isolated node."""
    W = rng.random((3, 14, 14)) * (rng.random((3, 14, 14)) < 0.5)
    W = np.triu(W, 1)
    W = W + W.transpose(0, 2, 1)
    W[1, 3, :] = W[1, :, 3] = 0.0
    return W


@pytest.fixture
def fc(rng, cohort):
    F = rng.normal(size=cohort.shape)
    F = (F + F.transpose(0, 2, 1)) / 2 + cohort
    return np.round(F, 1)  # ties: the ranks average them


MEASURES = {
    "strength": lambda W: graph.strength(W),
    "degree": graph.degree,
    "clustering": graph.clustering,
    "clustering_normalized": lambda W: graph.clustering(3.0 * W, normalize=True),
    "transitivity": graph.transitivity,
    "communicability": graph.communicability,
    "communicability_plain": lambda W: graph.communicability(W, normalize=False),
}


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("measure", sorted(MEASURES))
def test_measures_match_numpy(name, measure, cohort):
    xp = _xp(name)
    f = MEASURES[measure]
    A = _to(xp, cohort)
    out = f(A)
    _same_place(out, A)
    _close(out, f(cohort))
    for s in range(cohort.shape[0]):  # the cohort's rows are the per-subject results
        one = f(A[s, ...])
        _same_place(one, A)
        _close(one, f(cohort[s]))
        _close(one, _back(out)[s])


@pytest.mark.parametrize("name", NAMESPACES)
def test_signed_strength(name, cohort, rng):
    xp = _xp(name)
    W = cohort - 0.5 * (cohort > 0)
    pos, neg = graph.strength(_to(xp, W), signed=True)
    rpos, rneg = graph.strength(W, signed=True)
    _close(pos, rpos)
    _close(neg, rneg)


def test_communicability_references(cohort):
    """NumPy path against independent references: networkx (binary, expm(A)) and the
    Taylor series of the normalised matrix (weighted)."""
    A = (cohort[0] > 0).astype(float)
    G = nx.from_numpy_array(A)
    ref = nx.communicability_exp(G)
    C = graph.communicability(A, normalize=False)
    np.testing.assert_allclose(C, [[ref[i][j] for j in range(14)] for i in range(14)],
                               rtol=1e-12)
    W = cohort[1]
    s = W.sum(1)
    inv = np.where(s > 0, 1 / np.sqrt(np.where(s > 0, s, 1)), 0)
    M = inv[:, None] * W * inv[None, :]
    term, total = np.eye(14), np.eye(14)
    for k in range(1, 40):
        term = term @ M / k
        total = total + term
    np.testing.assert_allclose(graph.communicability(W), total, rtol=1e-12)
    np.testing.assert_allclose(graph.communicability(cohort)[1], total, rtol=1e-12)


COUPLINGS = {
    "spearman": {},
    "pearson_all": {"method": "pearson", "exclude_zero": False},
    "spearman_all": {"exclude_zero": False},
    "regression": {"predictors": ["sc", "path_length", "communicability", "euclidean"]},
    "regression_nonzero": {"predictors": ["sc", "communicability"], "exclude_zero": True},
}


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("case", sorted(COUPLINGS))
def test_coupling_matches_numpy(name, case, cohort, fc, rng):
    xp = _xp(name)
    kw = dict(COUPLINGS[case])
    coords = rng.normal(size=(14, 3))
    if "predictors" in kw:
        kw["coords"] = coords
    ref = graph.structure_function_coupling(cohort, fc, **kw)
    assert ref.shape == (3, 14) and np.isnan(ref[1, 3])  # the isolated node
    for s in range(3):  # the NumPy cohort equals the NumPy per-subject calls
        _close(ref[s], graph.structure_function_coupling(cohort[s], fc[s], **kw))
    kx = dict(kw, coords=_to(xp, coords)) if "coords" in kw else kw
    A, F = _to(xp, cohort), _to(xp, fc)
    out = graph.structure_function_coupling(A, F, **kx)
    _same_place(out, A)
    _close(out, ref)
    one = graph.structure_function_coupling(A[2, ...], F[2, ...], **kx)
    _same_place(one, A)
    _close(one, ref[2])


@pytest.mark.parametrize("name", NAMESPACES)
def test_coupling_array_predictors(name, cohort, fc, rng):
    """Predictor arrays: shared (N, N) or per subject (S, N, N), infinite entries dropped."""
    xp = _xp(name)
    shared = rng.random((14, 14))
    shared = shared + shared.T
    shared[0, 5] = shared[5, 0] = np.inf
    per = rng.random((3, 14, 14))
    ref = graph.structure_function_coupling(cohort, fc, predictors=[shared, per, "sc"])
    out = graph.structure_function_coupling(_to(xp, cohort), _to(xp, fc),
                                            predictors=[_to(xp, shared), _to(xp, per), "sc"])
    _close(out, ref)


def test_coupling_rank_deficient_rows(cohort, fc):
    """A predictor equal to another (collinear design): lstsq's rank rule, both paths."""
    torch = pytest.importorskip("torch")
    ref = graph.structure_function_coupling(cohort, fc, predictors=["sc", cohort])
    out = graph.structure_function_coupling(torch.asarray(cohort), torch.asarray(fc),
                                            predictors=["sc", torch.asarray(cohort)])
    _close(out, ref)


@pytest.mark.parametrize("name", NAMESPACES)
def test_refusals_name_the_argument(name, cohort, fc):
    xp = _xp(name)
    A = _to(xp, cohort)
    neg = _to(xp, cohort - 0.2)
    with pytest.raises(ValueError, match="W must be non-negative"):
        graph.clustering(neg)
    with pytest.raises(ValueError, match="SC must be non-negative"):
        graph.structure_function_coupling(neg, _to(xp, fc))
    asym = _to(xp, cohort + np.triu(np.ones(14), 1))
    with pytest.raises(ValueError, match="W must be symmetric"):
        graph.communicability(asym)
    with pytest.raises(ValueError, match="W must be square"):
        graph.strength(A[:, :5, :])
    with pytest.raises(ValueError, match="W must be finite"):
        graph.degree(_to(xp, np.where(cohort > 0.9, np.nan, cohort)))
    with pytest.raises(ValueError, match="W must have 2 or 3 dimensions"):
        graph.transitivity(A[0, 0, :])
    with pytest.raises(ValueError, match="same shape"):
        graph.structure_function_coupling(A, _to(xp, fc[:2]))
    with pytest.raises(ValueError, match="FC must be symmetric"):
        graph.structure_function_coupling(A, _to(xp, fc + np.triu(np.ones(14), 1)))
    with pytest.raises(ValueError, match="coords"):
        graph.structure_function_coupling(A, _to(xp, fc), predictors=["euclidean"])
    with pytest.raises(ValueError, match=r"predictors\[1\]"):
        graph.structure_function_coupling(A, _to(xp, fc), predictors=["sc", "fc"])
    with pytest.raises(ValueError, match=r"predictors\[0\] must not contain NaN"):
        graph.structure_function_coupling(
            A, _to(xp, fc), predictors=[_to(xp, np.full((14, 14), np.nan))])
    with pytest.raises(TypeError, match="mix NumPy"):
        graph.structure_function_coupling(A, fc)


def test_weights_above_one_warn_on_both_paths(cohort):
    torch = pytest.importorskip("torch")
    for W in (3.0 * cohort, torch.asarray(3.0 * cohort)):
        with pytest.warns(UserWarning, match="normalize=True"):
            graph.clustering(W)


def test_float32_stays_float32(cohort, fc):
    """float32: cube roots and one matmul over N = 14 terms (relative error ~ N eps32
    ~ 1e-6) -> rtol 1e-5; communicability by float32 eigh of a matrix of spectral
    radius 1 (absolute error ~ N eps32 e ~ 1e-5 on entries of order 1) -> atol 1e-4;
    coupling ranks are exact (Spearman agrees to float32 rounding, 1e-5)."""
    torch = pytest.importorskip("torch")
    A = torch.asarray(cohort, dtype=torch.float32)
    out = graph.clustering(A)
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), graph.clustering(cohort), rtol=1e-5, atol=1e-7)
    C = graph.communicability(A)
    assert C.dtype == torch.float32
    np.testing.assert_allclose(C.numpy(), graph.communicability(cohort), atol=1e-4)
    r = graph.structure_function_coupling(A, torch.asarray(fc, dtype=torch.float32))
    assert r.dtype == torch.float32
    np.testing.assert_allclose(r.numpy(), graph.structure_function_coupling(cohort, fc),
                               rtol=1e-5, atol=1e-6)


def test_show_config_reports_namespaces():
    import io

    import netneuro

    buf = io.StringIO()
    netneuro.show_config(file=buf)
    line = next(x for x in buf.getvalue().splitlines() if "array namespaces" in x)
    for name in ("numpy", "array_api_compat", "cupy", "torch", "array_api_strict"):
        assert name in line
    import array_api_compat

    assert f"array_api_compat {array_api_compat.__version__}" in line
