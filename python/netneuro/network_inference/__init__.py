"""Effective network inference with multivariate transfer entropy.

The greedy algorithm of Lizier & Rubinov (2012), Faes et al. (2011) and
Novelli et al. (2019) as IDTxl's ``MultivariateTE`` implements it.  For each
target process:

1. **target past**: the target's own past samples (lags ``1..max_lag_target``,
   step ``tau_target``) are included one at a time, each time the candidate
   with the largest conditional mutual information (CMI) with the current value
   given what is already selected, while it beats a *maximum statistic* over
   surrogates of all remaining candidates; if none is significant, lag 1 is
   kept;
2. **source past**: the same greedy inclusion over the past samples of every
   candidate source (lags ``min_lag_sources..max_lag_sources``, step
   ``tau_sources``);
3. **pruning**: the selected source sample with the smallest CMI given all the
   others is removed while it fails a *minimum statistic*;
4. **final tests**: an *omnibus* test of the joint TE from all selected source
   samples (conditioned on the target past), and, if it passes, a *sequential
   maximum statistic* on each source sample's CMI given all other selected
   samples; samples that fail it are dropped.

Defaults are IDTxl's (``n_perm_max_stat=200``, ``n_perm_min_stat=500``,
``n_perm_omnibus=500``, ``n_perm_max_seq=500``, every ``alpha=0.05``, a
target-level FDR correction with ``alpha_fdr=0.05`` and Genovese's constant 2).

Estimators (nats):

* ``"gaussian"``: closed form.  Every CMI comes from one covariance matrix of
  the embedded series (Cholesky solves, vectorised over all candidates), so a
  target costs a few small LAPACK calls per step instead of one estimator call
  per candidate and surrogate;
* ``"ksg"``: Kraskov-Stögbauer-Grassberger algorithm 1 (Frenzel & Pompe
  2007 for the conditional form), max-norm, conditioning sets of any size;
  equal to JIDT's ``...MultiVariateKraskov1`` with ``NOISE_LEVEL_TO_ADD=0``
  (IDTxl's ``noise_level=0``).  A C++ kernel, one call per test: an
  inclusion step's estimates and surrogates of all candidates together (they
  share the target and conditioning spaces, whose k-d tree neighbour lists are
  built once); brute force over all pairs of realisations for lone estimates
  (``O(n^2)``, faster at these sizes);
* ``"discrete"``: plug-in CMI of binned series, IDTxl's ``JidtDiscreteCMI``
  with its ``discretise_method`` ("equal" / "max_ent" binning of each
  embedded column, or integer symbols as given) and ``n_discrete_bins``.

Surrogates:

* ``"analytic"`` (Gaussian and discrete default; what IDTxl does for these estimators on
  data with one replication): ``2 n CMI`` of a ``d``-dimensional candidate is
  chi-square with ``d`` degrees of freedom under the null (discrete: see
  ``network_inference``'s ``surrogates``), and each surrogate
  value is the ``1 - u`` quantile of ``chi2(d) / (2 n)`` at a seeded uniform
  ``u``, as JIDT's ``ChiSquareMeasurementDistribution`` gives IDTxl (one
  stream of ``u`` per target, drawn in IDTxl's order: the same stream fed to
  IDTxl gives the same p-values, see tests/test_network_inference.py);
* ``"permutation"`` (KSG default): the candidate's realisations shuffled in time;
* ``"block"``: contiguous blocks of ``block_size`` realisations shuffled.

Variants (``algorithm=``, IDTxl's classes of the same names): ``"bivariate_te"``
(steps 2-4 per source, conditioned on the target past and that source's own
samples only), ``"multivariate_mi"`` and ``"bivariate_mi"`` (no target past;
source lags may start at 0).

References: Lizier & Rubinov 2012 (MPI MIS preprint 25/2012); Faes, Nollo &
Porta 2011, Phys Rev E 83:051112; Novelli, Wollstadt, Mediano, Wibral & Lizier
2019, Network Neuroscience 3:827; Wollstadt et al. 2019, JOSS 4:1081 (IDTxl).
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import numpy as np

from .._parallel import check_n_jobs, limit_blas
from .._validation import (
    check_bool,
    check_choice,
    check_float,
    check_int,
    check_memory,
    check_random_state,
    check_timeseries,
    reject_constant,
)
from ._algorithm import _analyse_target, _network_fdr, _pvalue, _Surrogates  # noqa: F401
from ._estimators import _discretise, _Embedding, _ksg_cmi, _plugin_cmi  # noqa: F401
from ._results import NetworkInferenceResult, TargetResult
from ._simulate import var_network

__all__ = ["network_inference", "NetworkInferenceResult", "TargetResult", "var_network"]

_SURROGATES = ("analytic", "permutation", "block")
_ALGORITHMS = ("multivariate_te", "bivariate_te", "multivariate_mi", "bivariate_mi")


def _target_seeds(seed, n):
    """One independent SeedSequence per process index, the same for any n_jobs/targets."""
    if isinstance(seed, np.random.Generator):
        entropy = int(seed.integers(0, 2**63 - 1))
    else:
        rng = check_random_state(seed)
        entropy = int(rng.integers(0, 2**63 - 1))
    return [np.random.SeedSequence(entropy, spawn_key=(t,)) for t in range(n)]


def network_inference(ts, *, algorithm: str = "multivariate_te", max_lag_sources: int = 5,
                      min_lag_sources: int = 1, max_lag_target: int | None = None,
                      tau_sources: int = 1, tau_target: int = 1, estimator: str = "gaussian",
                      ksg_neighbours: int = 4, n_bins: int = 2, discretise: str = "equal",
                      surrogates: str | None = None,
                      block_size: int | None = None,
                      n_perm_max_stat: int = 200, n_perm_min_stat: int = 500,
                      n_perm_omnibus: int = 500, n_perm_max_seq: int = 500,
                      alpha_max_stat: float = 0.05, alpha_min_stat: float = 0.05,
                      alpha_omnibus: float = 0.05, alpha_max_seq: float = 0.05,
                      fdr_correction: bool = True, alpha_fdr: float = 0.05,
                      fdr_constant: int = 2, targets="all", sources="all", seed=None,
                      n_jobs=None, client=None, progress=False) -> NetworkInferenceResult:
    """Infer the effective network of ``ts`` with multivariate transfer entropy.

    IDTxl's ``MultivariateTE().analyse_network`` with the same settings and
    defaults (see the module docstring for the algorithm), or one of its
    bivariate / mutual-information variants (``algorithm``).

    Parameters
    ----------
    ts : (n_timepoints, n_processes) array
    algorithm : {"multivariate_te", "bivariate_te", "multivariate_mi", "bivariate_mi"}
        IDTxl's ``MultivariateTE``, ``BivariateTE``, ``MultivariateMI``,
        ``BivariateMI``.  The MI algorithms select no target past (the
        ``selected_vars_target`` are empty and the ``*_te`` / ``te`` fields of
        the result hold MI); the bivariate ones include, prune and test each
        source's samples conditioned on the target past and that source's
        samples only, and a link's ``te`` is conditioned on the target past only.
    max_lag_sources, min_lag_sources : int
        Source samples searched: lags ``min_lag_sources..max_lag_sources`` (step
        ``tau_sources``).  IDTxl requires both; 5 and 1 here.  The MI
        algorithms also accept lag 0 (the sources' current values).
    max_lag_target : int, optional
        Target-past search depth (lags ``1..max_lag_target``, step ``tau_target``);
        default ``max_lag_sources``.
    estimator : {"gaussian", "ksg", "discrete"}
        Closed-form Gaussian CMI, the KSG nearest-neighbour estimator
        (algorithm 1, ``ksg_neighbours`` neighbours, max-norm, on z-scored
        series as IDTxl's default ``Data(normalise=True)``; no noise is added:
        IDTxl's ``noise_level=0``), or the plug-in estimator of binned series
        (IDTxl's ``JidtDiscreteCMI``).  Nats.
    n_bins, discretise : int, {"equal", "max_ent", "none"}
        Discrete estimator only (IDTxl's ``n_discrete_bins`` and
        ``discretise_method``): every embedded column (``n`` realisations of one
        process at one lag, of the z-scored series) is binned on its own into
        ``n_bins`` equal-width (``"equal"``) or equal-count (``"max_ent"``)
        bins; ``"none"``: ``ts`` already holds integer symbols ``0..n_bins-1``
        (used as they are, not z-scored).
    surrogates : {"analytic", "permutation", "block"}, optional
        Null distributions (see module docstring); default ``"analytic"`` for
        the Gaussian and discrete estimators, ``"permutation"`` for KSG (which
        has no analytic null).  The discrete analytic null is JIDT's: ``2 n CMI``
        is chi-square with ``(n_bins^d - 1)(n_bins - 1) n_bins^c`` degrees of
        freedom (``d`` candidate, ``c`` conditioning columns), applied, as JIDT
        does, to the CMI in bits.  ``block_size`` realisations per block for
        ``"block"`` (default ``n // 10``).
    n_perm_* , alpha_* : int, float
        Surrogates and critical level of each test (IDTxl's names and defaults);
        ``1 / n_perm`` must be below ``alpha``.
    fdr_correction, alpha_fdr, fdr_constant
        Target-level FDR over the omnibus p-values (Genovese 2002; constant 1:
        Benjamini-Hochberg, 2: Benjamini-Yekutieli), skipped, as in IDTxl, when
        ``1 / n_perm_omnibus`` exceeds the smallest threshold.
    targets : "all" or list of int
    sources : "all", list of int (for every target) or list of lists (per target)
    seed : None, int or Generator
        Each target draws from its own stream derived from ``seed``: same seed,
        same network, for any ``n_jobs``, ``client`` or subset of ``targets``.
    n_jobs : int, optional
        Targets analysed in parallel threads (scikit-learn semantics).
    client : dask.distributed.Client, optional
        Analyse the targets as tasks on this Dask cluster instead.
    progress : bool or callable
        ``True`` prints one line per finished target to stderr; a callable gets
        ``(n_done, n_targets, target)``.

    Returns
    -------
    NetworkInferenceResult
    """
    X = check_timeseries(ts, "ts", min_timepoints=3)
    T, N = X.shape
    if N < 2:
        raise ValueError(f"ts must have at least 2 processes (columns), got {N}")
    reject_constant(X, "ts", "a constant process has no transfer entropy", rtol=1e-12)
    check_choice(estimator, "estimator", ("gaussian", "ksg", "discrete"))
    n_bins = check_int(n_bins, "n_bins", min_value=2)
    check_choice(discretise, "discretise", ("equal", "max_ent", "none"))
    if estimator == "discrete" and discretise == "none" and (
            np.any(X != np.round(X)) or X.min() < 0 or X.max() >= n_bins):
        raise ValueError(f"discretise='none' needs ts to hold integer symbols 0..n_bins-1 "
                         f"(n_bins={n_bins}); got values in [{X.min()}, {X.max()}]")
    if surrogates is None:
        surrogates = "permutation" if estimator == "ksg" else "analytic"
    check_choice(surrogates, "surrogates", _SURROGATES)
    if estimator == "ksg" and surrogates == "analytic":
        raise ValueError("surrogates='analytic' needs estimator='gaussian' or 'discrete'; the "
                         "KSG estimator has no analytic null: use 'permutation' or 'block'")
    ksg_neighbours = check_int(ksg_neighbours, "ksg_neighbours", min_value=1)
    check_choice(algorithm, "algorithm", _ALGORITHMS)
    mi = algorithm.endswith("_mi")
    max_lag_sources = check_int(max_lag_sources, "max_lag_sources", min_value=0 if mi else 1)
    min_lag_sources = check_int(min_lag_sources, "min_lag_sources", min_value=0 if mi else 1)
    if min_lag_sources > max_lag_sources:
        raise ValueError(f"min_lag_sources ({min_lag_sources}) must be <= max_lag_sources "
                         f"({max_lag_sources})")
    if max_lag_target is None:
        max_lag_target = max_lag_sources
    max_lag_target = check_int(max_lag_target, "max_lag_target", min_value=1)
    tau_sources = check_int(tau_sources, "tau_sources", min_value=1,
                            max_value=max(max_lag_sources, 1))
    tau_target = check_int(tau_target, "tau_target", min_value=1, max_value=max_lag_target)
    L = max_lag_sources if mi else max(max_lag_sources, max_lag_target)
    n = T - L
    if n < 10:
        raise ValueError(f"ts has {T} time points; with a maximum lag of {L} that leaves {n} "
                         "realisations, need at least 10")
    if estimator == "ksg" and ksg_neighbours >= n:
        raise ValueError(f"ksg_neighbours ({ksg_neighbours}) must be below the number of "
                         f"realisations ({n})")
    s = {"algorithm": algorithm, "max_lag_sources": max_lag_sources,
         "min_lag_sources": min_lag_sources,
         "max_lag_target": max_lag_target, "tau_sources": tau_sources, "tau_target": tau_target,
         "estimator": estimator, "surrogates": surrogates, "ksg_neighbours": ksg_neighbours,
         "n_bins": n_bins, "discretise": discretise}
    tests = {"max_stat": (n_perm_max_stat, alpha_max_stat),
             "min_stat": (n_perm_min_stat, alpha_min_stat),
             "omnibus": (n_perm_omnibus, alpha_omnibus),
             "max_seq": (n_perm_max_seq, alpha_max_seq)}
    for test, (n_perm, alpha) in tests.items():
        n_perm = check_int(n_perm, f"n_perm_{test}", min_value=1)
        alpha = check_float(alpha, f"alpha_{test}", min_value=0, max_value=1, strict_min=True)
        if not 1.0 / n_perm < alpha:
            raise ValueError(f"n_perm_{test}={n_perm} is too small for alpha_{test}={alpha}: "
                             "the smallest p-value is 1/n_perm, which must be below alpha")
        s[f"n_perm_{test}"], s[f"alpha_{test}"] = n_perm, alpha
    if surrogates == "block":
        block_size = n // 10 if block_size is None else block_size
        block_size = check_int(block_size, "block_size", min_value=1, max_value=n // 2)
    s["block_size"] = block_size
    s["fdr_correction"] = check_bool(fdr_correction, "fdr_correction")
    s["alpha_fdr"] = check_float(alpha_fdr, "alpha_fdr", min_value=0, max_value=1,
                                 strict_min=True)
    s["fdr_constant"] = int(check_choice(fdr_constant, "fdr_constant", (1, 2)))
    target_list, source_lists = _check_targets_sources(targets, sources, N)
    if not (progress is True or progress is False or callable(progress)):
        raise TypeError(f"progress must be True, False or a callable, got {progress!r}")
    n_jobs = check_n_jobs(n_jobs)
    s["kernel_threads"] = n_jobs if len(target_list) == 1 else 1  # KSG: threads over samples
    check_memory(8.0 * (n + N * (L + 1)) * N * (L + 1) * 2, "the embedded series and covariance")

    if estimator == "ksg" or (estimator == "discrete" and discretise != "none"):
        X = _normalise(X)
    emb = _Embedding(X, L, (n_bins, discretise) if estimator == "discrete" else None)
    seeds = _target_seeds(seed, N)
    total = len(target_list)
    report = _progress_reporter(progress, total)
    if client is not None:
        results = _run_dask(client, emb, target_list, source_lists, s, seeds, report)
    else:
        results = _run_threads(emb, target_list, source_lists, s, seeds, n_jobs, report)
    fdr = None
    if s["fdr_correction"]:
        fdr = _network_fdr(results, s["alpha_fdr"], s["fdr_constant"], s["n_perm_omnibus"])
    return NetworkInferenceResult(N, n, results, fdr, s)


def _normalise(X):
    """IDTxl's ``Data(normalise=True)``: each process z-scored (ddof 1), the same arithmetic."""
    out = np.empty_like(X)
    for p in range(X.shape[1]):
        a = np.ascontiguousarray(X[:, p])
        out[:, p] = (a - a.mean()) / a.std(ddof=1)
    return out


def _check_targets_sources(targets, sources, N):
    if isinstance(targets, str):
        check_choice(targets, "targets", ("all",))
        targets = list(range(N))
    targets = [check_int(t, "targets", min_value=0, max_value=N - 1) for t in targets]
    if not targets or len(set(targets)) != len(targets):
        raise ValueError("targets must be a non-empty list of distinct process indices")
    if isinstance(sources, str):
        check_choice(sources, "sources", ("all",))
        per = [[p for p in range(N) if p != t] for t in targets]
    elif len(sources) and all(isinstance(x, (list, tuple, np.ndarray)) for x in sources):
        if len(sources) != len(targets):
            raise ValueError(f"sources has {len(sources)} lists for {len(targets)} targets")
        per = [list(x) for x in sources]
    else:
        per = [list(sources) for _ in targets]
    out = []
    for t, lst in zip(targets, per):
        lst = [check_int(p, "sources", min_value=0, max_value=N - 1) for p in lst]
        if not lst:
            raise ValueError(f"sources for target {t} is empty")
        if t in lst:
            raise ValueError(f"target {t} is in its own source list {lst}")
        out.append(lst)
    return targets, out


def _progress_reporter(progress, total):
    if progress is True:
        def report(done, target):
            print(f"network_inference: target {target} done ({done}/{total})", file=sys.stderr,
                  flush=True)
        return report
    if callable(progress):
        return lambda done, target: progress(done, total, target)
    return None


def _run_one(emb, target, sources, s, seedseq, stop=None):
    return _analyse_target(emb, target, sources, s, np.random.default_rng(seedseq), stop)


def _run_threads(emb, targets, sources, s, seeds, n_jobs, report):
    results = {}
    if n_jobs == 1 or len(targets) == 1:
        with limit_blas(1):  # small matrices: BLAS threads only cost
            for i, (t, src) in enumerate(zip(targets, sources)):
                results[t] = _run_one(emb, t, src, s, seeds[t])
                if report:
                    report(i + 1, t)
        return results
    stop = threading.Event()
    with limit_blas(1), ThreadPoolExecutor(max_workers=n_jobs) as pool:
        futs = {pool.submit(_run_one, emb, t, src, s, seeds[t], stop): t
                for t, src in zip(targets, sources)}
        pending = set(futs)
        try:
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                for f in done:
                    results[futs[f]] = f.result()
                    if report:
                        report(len(results), futs[f])
        except BaseException:
            stop.set()
            for f in pending:
                f.cancel()
            raise
    return {t: results[t] for t in targets}


def _run_dask(client, emb, targets, sources, s, seeds, report):
    remote = client.scatter(emb, broadcast=True)
    futs = [client.submit(_run_one, remote, t, src, s, seeds[t], pure=False)
            for t, src in zip(targets, sources)]
    results = {}
    try:
        from dask.distributed import as_completed
        for i, f in enumerate(as_completed(futs)):
            r = f.result()
            results[r.target] = r
            if report:
                report(i + 1, r.target)
    except BaseException:
        client.cancel(futs)
        raise
    return {t: results[t] for t in targets}
