"""Multivariate-TE network inference: netneuro vs IDTxl (JIDT Gaussian CMI), same inputs.

Peer: IDTxl 1.6.1 (``idtxl-uv``) ``MultivariateTE`` with ``JidtGaussianCMI``
and its default tests (200/500/500/500 surrogates, alpha 0.05); netneuro's
``network_inference`` with the same settings (estimator "gaussian", analytic
surrogates as IDTxl uses for one replication).  IDTxl's surrogate draws come
from ``np.random``; to make the answers comparable the IDTxl run is fed the
per-target uniform stream netneuro draws (same work per draw as IDTxl's own
function), and the check is equality of every selected (process, lag) and of
the adjacency matrix.

    python benchmarks/run.py network_inference          # peer table (run.py)
    python benchmarks/bench_network_inference.py        # + accuracy gate, 100-node wall time

Cases: VAR and coupled logistic maps with 5 and 10 processes (T = 1000,
whole network), and one target of a 100-process network (per-target ratio at
scale).  The ``__main__`` part adds the Novelli et al. (2019) accuracy gate
(30 10-node VAR networks, in-degree 3, T = 10 000) and the wall time of a whole
100-process x 1000-sample network.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

from harness import Case  # noqa: E402

from netneuro.network_inference import _target_seeds, network_inference, var_network  # noqa: E402

SEED = 42


def logistic_ring(N, T, seed):
    rng = np.random.default_rng(seed)
    x = np.zeros((T, N))
    x[0] = rng.random(N)
    for t in range(1, T):
        f = 4 * x[t - 1] * (1 - x[t - 1])
        x[t] = 0.7 * f + 0.3 * np.roll(f, 1)
    return x + 1e-3 * rng.standard_normal(x.shape)


def quadratic_network(T, seed):
    """4 processes: 0 -> 1 through x0^2 (no linear trace), 1 -> 2 through sin, 3 alone."""
    rng = np.random.default_rng(seed)
    x = np.zeros((T, 4))
    e = rng.standard_normal((T, 4))
    for t in range(2, T):
        x[t, 0] = 0.4 * x[t - 1, 0] + e[t, 0]
        x[t, 1] = 0.3 * x[t - 1, 1] + 0.8 * (x[t - 1, 0] ** 2 - 1) + 0.5 * e[t, 1]
        x[t, 2] = 0.3 * x[t - 1, 2] + 0.6 * np.sin(2 * x[t - 2, 1]) + 0.5 * e[t, 2]
        x[t, 3] = 0.5 * x[t - 1, 3] + e[t, 3]
    return x


KSG_PERMS = {f"n_perm_{t}": 50 for t in ("max_stat", "min_stat", "omnibus", "max_seq")}


def idtxl_ksg(ts):
    from idtxl.data import Data
    from idtxl.multivariate_te import MultivariateTE

    st = {"cmi_estimator": "JidtKraskovCMI", "max_lag_sources": 2, "min_lag_sources": 1,
          "noise_level": 0, "num_threads": 1, "verbose": False, "fdr_correction": False,
          **KSG_PERMS}
    np.random.seed(0)
    with contextlib.redirect_stdout(io.StringIO()):
        r = MultivariateTE().analyse_network(st, Data(ts.T, dim_order="ps"))
    return {t: [tuple(map(int, v)) for v in r.get_single_target(t, fdr=False)[
        "selected_vars_sources"]] for t in range(ts.shape[1])}


def netneuro_ksg(ts):
    r = network_inference(ts, estimator="ksg", max_lag_sources=2, fdr_correction=False,
                          seed=0, **KSG_PERMS)
    return {t: r.targets[t].selected_vars_sources for t in range(ts.shape[1])}


def idtxl_available() -> bool:
    try:
        import idtxl.multivariate_te  # noqa: F401
        import jpype  # noqa: F401
    except ImportError:
        return False
    import shutil

    return shutil.which("java") is not None


_IDTXL = {"multivariate_te": ("multivariate_te", "MultivariateTE"),
          "bivariate_te": ("bivariate_te", "BivariateTE"),
          "multivariate_mi": ("multivariate_mi", "MultivariateMI"),
          "bivariate_mi": ("bivariate_mi", "BivariateMI")}


def idtxl_network(ts, targets, max_lag=5, algorithm="multivariate_te", extra=None):
    """IDTxl ``algorithm`` on ``targets`` fed netneuro's surrogate stream -> {target: vars}.

    ``extra``: IDTxl settings added (e.g. the discrete estimator's).
    """
    import importlib

    import idtxl.estimators_jidt as ej
    from idtxl.data import Data

    module, cls = _IDTXL[algorithm]
    Analysis = getattr(importlib.import_module(f"idtxl.{module}"), cls)

    seeds = _target_seeds(SEED, ts.shape[1])
    state = {}

    def surrogates(estimator, n_perm=200, **data):  # IDTxl's loop, stream from `state`
        dist = estimator.get_analytic_distribution(**data)
        u = state["rng"].random(n_perm)
        return np.array([dist.computeEstimateForGivenPValue(float(x)) for x in u])

    orig = ej.common_estimate_surrogates_analytic
    ej.common_estimate_surrogates_analytic = surrogates
    settings = {"cmi_estimator": "JidtGaussianCMI", "max_lag_sources": max_lag,
                "min_lag_sources": 1, "verbose": False, **(extra or {})}
    data = Data(ts.T, dim_order="ps")
    out = {}
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for t in targets:
                state["rng"] = np.random.default_rng(seeds[t])
                r = Analysis().analyse_single_target(dict(settings), data, t)
                res = r.get_single_target(t, fdr=False)
                out[t] = [tuple(map(int, v)) for v in res["selected_vars_sources"]]
    finally:
        ej.common_estimate_surrogates_analytic = orig
    return out


def netneuro_network(ts, targets, max_lag=5, algorithm="multivariate_te", **kw):
    r = network_inference(ts, algorithm=algorithm, max_lag_sources=max_lag, targets=targets,
                          seed=SEED, fdr_correction=False, **kw)
    return {t: r.targets[t].selected_vars_sources for t in targets}


def check_equal(ours, theirs):
    if ours != theirs:
        diff = {t: (ours[t], theirs[t]) for t in ours if ours[t] != theirs[t]}
        raise AssertionError(f"selected variables differ: {diff}")


def cases(quick: bool):
    if not idtxl_available():
        print("IDTxl / jpype / Java not available: no peer cases", file=sys.stderr)
        return []
    T = 300 if quick else 1000
    out = []
    specs = [("VAR", 5), ("logistic", 5)] if quick else \
        [("VAR", 5), ("logistic", 5), ("VAR", 10)]
    for kind, N in specs:
        ts = var_network(N, T, seed=N)[0] if kind == "VAR" else logistic_ring(N, T, N)
        tg = list(range(N))
        out.append(Case(
            name=f"mTE Gaussian {kind} N={N} T={T}, whole network",
            impls={"netneuro": lambda ts=ts, tg=tg: netneuro_network(ts, tg),
                   "IDTxl": lambda ts=ts, tg=tg: idtxl_network(ts, tg)},
            check=check_equal, repeat=1,
            note="same surrogate stream; check: identical selected variables"))
    ts = var_network(5, T, seed=5)[0]
    tg = list(range(5))
    for method, bins in (("equal", 2), ("max_ent", 3)):
        extra = {"cmi_estimator": "JidtDiscreteCMI", "discretise_method": method,
                 "n_discrete_bins": bins}
        out.append(Case(
            name=f"mTE discrete ({method}, {bins} bins) VAR N=5 T={T}, whole network",
            impls={"netneuro": lambda ts=ts, m=method, b=bins: netneuro_network(
                       ts, tg, estimator="discrete", discretise=m, n_bins=b),
                   "IDTxl": lambda ts=ts, e=extra: idtxl_network(ts, tg, extra=e)},
            check=check_equal, repeat=1,
            note="same surrogate stream; check: identical selected variables"))
    for algorithm in ("bivariate_te", "multivariate_mi", "bivariate_mi"):
        out.append(Case(
            name=f"{algorithm} Gaussian VAR N=5 T={T}, whole network",
            impls={"netneuro": lambda ts=ts, a=algorithm: netneuro_network(ts, tg, algorithm=a),
                   "IDTxl": lambda ts=ts, a=algorithm: idtxl_network(ts, tg, algorithm=a)},
            check=check_equal, repeat=1,
            note="same surrogate stream; check: identical selected variables"))
    if not quick:
        ts = quadratic_network(500, 3)
        out.append(Case(
            name="mTE KSG (k=4, noise 0) quadratic N=4 T=500, max lag 2, 50 permutations",
            impls={"netneuro": lambda ts=ts: netneuro_ksg(ts),
                   "IDTxl": lambda ts=ts: idtxl_ksg(ts)},
            check=None, repeat=1,
            note="independent permutation streams: selected variables compared in the log"))
        ts = var_network(100, 1000, seed=0)[0]
        out.append(Case(
            name="mTE Gaussian VAR N=100 T=1000, one target (0)",
            impls={"netneuro": lambda: netneuro_network(ts, [0]),
                   "IDTxl": lambda: idtxl_network(ts, [0])},
            check=check_equal, repeat=1, note="per-target ratio at scale"))
    return out


def accuracy_gate(n_nets=30, N=10, T=10000):
    """Novelli et al. 2019 VAR gate: mean precision and recall over ``n_nets`` networks."""
    prec, rec, secs = [], [], []
    for rep in range(n_nets):
        ts, adj, _ = var_network(N, T, seed=1000 + rep)
        t0 = time.perf_counter()
        r = network_inference(ts, seed=rep)
        secs.append(time.perf_counter() - t0)
        tp = np.sum(r.adjacency & adj)
        prec.append(tp / max(r.adjacency.sum(), 1))
        rec.append(tp / adj.sum())
    return np.mean(prec), np.mean(rec), np.median(secs)


def main():
    from harness import machine_description, markdown_table, run_case

    done = [run_case(c, log=lambda s: print(s, flush=True)) for c in cases(False)]
    print(f"\nMachine: {machine_description()}; {time.strftime('%Y-%m-%d')}\n")
    print(markdown_table(done))
    p, r, s = accuracy_gate()
    print(f"\nNovelli gate, 30 x (N=10, T=10000): precision {p:.4f}, recall {r:.4f}, "
          f"median {s:.2f} s per network")
    p, r, s = accuracy_gate(n_nets=1, N=100, T=10000)
    print(f"Novelli-style N=100, T=10000 (1 network): precision {p:.4f}, recall {r:.4f}, {s:.1f} s")
    ts, adj, _ = var_network(100, 1000, seed=0)
    for n_jobs in (1, 2):
        t0 = time.perf_counter()
        res = network_inference(ts, seed=0, n_jobs=n_jobs)
        el = time.perf_counter() - t0
        tp = np.sum(res.adjacency & adj)
        print(f"whole network N=100, T=1000, n_jobs={n_jobs}: {el:.1f} s "
              f"(precision {tp / max(res.adjacency.sum(), 1):.3f}, recall {tp / adj.sum():.3f})")


if __name__ == "__main__":
    main()
