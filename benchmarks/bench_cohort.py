"""Cohort throughput: subjects per second and scheduling overhead per subject.

A synthetic, seeded cohort (each subject: T x N time series from a latent
factor model, generated from its seed inside the pipeline, so every executor
and the plain loop do identical work) runs through a pipeline:

* plain loop: ``[pipeline(seed) for seed in seeds]`` (no store): the compute cost;
* ``cohort.run`` in this process (``n_jobs=1``): the store's cost per subject;
* ``cohort.run`` on a 1-worker and a 2-worker local process pool;
* ``cohort.run`` on a 2-worker ``dask.distributed.LocalCluster`` (processes).

Overhead per subject = (cohort CPU time - plain-loop CPU time) / subjects, in
CPU seconds of this process plus its worker processes (``os.times``; robust to
other jobs on a shared machine, unlike wall time), also as a fraction of the
per-subject compute.  Pool and cluster figures include starting the workers.

    python benchmarks/bench_cohort.py                 # 1000 subjects x 200 regions
    python benchmarks/bench_cohort.py --quick         # 50 subjects
    python benchmarks/run.py cohort [--quick]          # the harness table (fewer configs)
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def synthetic_timeseries(seed: int, n_timepoints: int = 200, n_regions: int = 200,
                         n_factors: int = 8) -> np.ndarray:
    """A seeded (T, N) series: ``n_factors`` shared AR(1) signals mixed into N regions + noise."""
    rng = np.random.default_rng(seed)
    f = np.empty((n_timepoints, n_factors))
    f[0] = rng.standard_normal(n_factors)
    e = rng.standard_normal((n_timepoints, n_factors))
    for t in range(1, n_timepoints):
        f[t] = 0.7 * f[t - 1] + e[t]
    loading = rng.standard_normal((n_factors, n_regions)) * (rng.uniform(size=n_regions) > 0.3)
    return f @ loading + rng.standard_normal((n_timepoints, n_regions))


class SyntheticSubject:
    """Pipeline wrapper: data = a seed; generates the subject, runs ``pipeline`` on it."""

    def __init__(self, pipeline, n_timepoints=200, n_regions=200):
        self.pipeline = pipeline
        self.n_timepoints = n_timepoints
        self.n_regions = n_regions

    def describe(self):
        desc = getattr(self.pipeline, "describe", lambda: repr(self.pipeline))()
        return f"SyntheticSubject({desc}, T={self.n_timepoints}, N={self.n_regions})"

    def __call__(self, seed):
        return self.pipeline(synthetic_timeseries(int(seed), self.n_timepoints, self.n_regions))


def make_pipeline(kind: str, n_regions: int, n_timepoints: int = 200):
    from netneuro.pipelines import standard_pipeline

    if kind == "standard":
        pipe = standard_pipeline(n_null=2, seed=0)
    elif kind == "light":  # connectome + graph + controllability
        pipe = standard_pipeline(steps=("connectome", "graph", "control"), n_null=0)
    elif kind == "connectome":  # ~ms of compute, 320 kB of results: overhead-dominated
        pipe = standard_pipeline(steps=("connectome",))
    else:
        raise ValueError(kind)
    return SyntheticSubject(pipe, n_timepoints, n_regions)


class Replay:
    """An instant pipeline: returns one subject's results of the standard pipeline (computed
    once per process, then the same arrays and scalars every time), so that ``cohort.run``
    costs only what the runner and the store add: the overhead per subject, measured
    without the pipeline's noise.  Small to pickle (a task sends the pipeline along)."""

    _cache = {}

    def __init__(self, n_regions=200):
        self.n_regions = n_regions

    def describe(self):
        return f"Replay(standard pipeline results, N={self.n_regions})"

    def __call__(self, seed):
        if self.n_regions not in Replay._cache:
            Replay._cache[self.n_regions] = make_pipeline("standard", self.n_regions)(0)
        return Replay._cache[self.n_regions]


def store_overhead(n=300, repeat=5, n_regions=200, fsync=True, pool=True):
    """CPU and wall time per subject of ``cohort.run`` (in-process and 2-worker pool) over an
    instant pipeline (:class:`Replay` of the standard pipeline's results for one subject),
    median of ``repeat`` interleaved runs; pool runs include starting the workers (and each
    worker computing the replayed results once)."""
    import statistics

    from netneuro import cohort

    mod = __import__("bench_cohort")  # picklable Replay for the workers
    pipe = mod.Replay(n_regions)
    seeds = list(range(n))
    out = {}
    for _ in range(repeat):
        for label, n_jobs in (("in-process", 1), ("2-worker pool", 2))[:2 if pool else 1]:
            d = Path(tempfile.mkdtemp(prefix="bench-cohort-"))
            try:
                c0, t0 = os.times(), time.perf_counter()
                res = cohort.run(pipe, {f"s{s:05d}": s for s in seeds}, d / "store",
                                 n_jobs=n_jobs, progress=False, fsync=fsync)
                t, c1 = time.perf_counter() - t0, os.times()
                assert res.ok and len(res.completed) == n
            finally:
                shutil.rmtree(d, ignore_errors=True)
            cpu = (c1.user - c0.user + c1.system - c0.system + c1.children_user
                   - c0.children_user + c1.children_system - c0.children_system)
            out.setdefault(label, []).append((cpu / n, t / n))
    return {k: (statistics.median(c for c, _ in v), statistics.median(w for _, w in v))
            for k, v in out.items()}


def pool_startup(small=20, big=300, repeat=3, n_regions=200):
    """A 2-worker pool's start-up (spawn, imports, first pipeline call per worker) apart from
    its steady-state cost per subject, over the instant :class:`Replay` pipeline: runs of
    ``small`` and ``big`` subjects alternate; marginal = (CPU(big) - CPU(small)) / (big -
    small), start-up = CPU(small) - small * marginal; medians over ``repeat`` pairs."""
    import statistics

    from netneuro import cohort

    pipe = __import__("bench_cohort").Replay(n_regions)

    def cpu_of(n):
        d = Path(tempfile.mkdtemp(prefix="bench-cohort-"))
        try:
            c0 = os.times()
            res = cohort.run(pipe, {f"s{s:05d}": s for s in range(n)}, d / "store", n_jobs=2,
                             progress=False)
            c1 = os.times()
            assert res.ok and len(res.completed) == n
        finally:
            shutil.rmtree(d, ignore_errors=True)
        return (c1.user - c0.user + c1.system - c0.system + c1.children_user
                - c0.children_user + c1.children_system - c0.children_system)

    marg, start = [], []
    for _ in range(repeat):
        cs, cb = cpu_of(small), cpu_of(big)
        marg.append((cb - cs) / (big - small))
        start.append(cs - small * marg[-1])
    return statistics.median(marg), statistics.median(start)


def _digest(results_list):
    """An order-independent fingerprint of every scalar result (to check executors agree)."""
    tot = {}
    for r in results_list:
        for k, v in _scalars(r):
            tot[k] = tot.get(k, 0.0) + v
    return tot


def _scalars(r, prefix=""):
    for k, v in r.items():
        if isinstance(v, dict):
            yield from _scalars(v, prefix + k + ".")
        elif isinstance(v, (int, float, np.number, bool)):
            yield prefix + k, float(v)


def _store_digest(store):
    from netneuro import cohort

    s = cohort.open_store(store).summary()
    return {k: float(np.sum(v)) for k, v in s.items() if k != "subject"}


def run_plain(pipe, seeds):
    # one BLAS thread, as cohort.run uses on every executor: the same work per subject
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _digest([pipe(s) for s in seeds])


def run_cohort(pipe, seeds, *, n_jobs=1, executor=None, tmp=None):
    from netneuro import cohort

    d = Path(tempfile.mkdtemp(dir=tmp, prefix="bench-cohort-"))
    try:
        res = cohort.run(pipe, {f"s{s:05d}": s for s in seeds}, d / "store", n_jobs=n_jobs,
                         executor=executor, progress=False)
        assert res.ok and len(res.completed) == len(seeds), res
    except BaseException:
        shutil.rmtree(d, ignore_errors=True)
        raise

    def check():  # run by main() after the timing: re-reading the store is not the run's cost
        try:
            return _store_digest(d / "store")
        finally:
            shutil.rmtree(d, ignore_errors=True)

    return check


def run_pool1(pipe, seeds):
    import concurrent.futures as cf
    import multiprocessing

    with cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as ex:
        return run_cohort(pipe, seeds, executor=ex)()


def run_dask(pipe, seeds, n_workers=2):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        return run_cohort(pipe, seeds, executor=client)()


def check_same(a, b):
    assert a.keys() == b.keys(), (sorted(a), sorted(b))
    for k in a:
        assert a[k] == b[k] or abs(a[k] - b[k]) <= 1e-9 * max(1.0, abs(a[k])), (k, a[k], b[k])


def cases(quick):
    import importlib

    from harness import Case

    # benchmarks/run.py loads this file without registering it in sys.modules;
    # the importable module's classes are the ones worker processes can unpickle
    mod = importlib.import_module("bench_cohort")
    n = 20 if quick else 100
    pipe = mod.make_pipeline("standard", 200)
    seeds = list(range(n))
    return [Case(
        name=f"cohort {n} subjects x 200 regions (standard pipeline)",
        impls={
            "netneuro cohort.run, 2 workers": lambda: run_cohort(pipe, seeds, n_jobs=2)(),
            "netneuro cohort.run, in-process": lambda: run_cohort(pipe, seeds, n_jobs=1)(),
            "plain loop (no store)": lambda: run_plain(pipe, seeds),
        },
        check=check_same, repeat=1,
        note="machine shared with other jobs")]


def main(argv=None) -> int:
    from harness import machine_description

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="50 subjects")
    ap.add_argument("--subjects", type=int, default=None)
    ap.add_argument("--regions", type=int, default=200)
    ap.add_argument("--pipeline", choices=("standard", "light", "connectome"),
                    default="standard")
    ap.add_argument("--skip", default="", help="comma list of configs to skip")
    ap.add_argument("--repeat", type=int, default=2, help="runs per configuration (min kept)")
    ap.add_argument("--store-only", action="store_true",
                    help="the store's own cost per subject (instant pipeline), see store_overhead")
    ap.add_argument("--pool-startup", action="store_true",
                    help="a 2-worker pool's start-up apart from its steady state (instant "
                         "pipeline), see pool_startup")
    args = ap.parse_args(argv)
    if args.pool_startup:
        big = args.subjects or 300
        marg, start = pool_startup(20, big, max(args.repeat, 1), args.regions)
        print(f"2-worker pool: steady state {marg * 1e3:.2f} ms CPU per subject, start-up "
              f"{start:.2f} s CPU (both workers; 20 vs {big} subjects, median of "
              f"{max(args.repeat, 1)} pairs)")
        return 0
    if args.store_only:
        n = args.subjects or 300
        res = store_overhead(n, max(args.repeat, 1), args.regions)
        for label, (cpu, wall) in res.items():
            print(f"store overhead {label}: {cpu * 1e3:.2f} ms CPU, {wall * 1e3:.2f} ms wall "
                  f"per subject ({n} subjects, median of {max(args.repeat, 1)} runs)")
        return 0
    n = args.subjects or (50 if args.quick else 1000)
    pipe = make_pipeline(args.pipeline, args.regions)
    seeds = list(range(n))
    skip = set(filter(None, args.skip.split(",")))
    configs = [
        ("plain loop (no store)", lambda: run_plain(pipe, seeds)),
        ("cohort.run in-process (n_jobs=1)", lambda: run_cohort(pipe, seeds, n_jobs=1)),
        ("cohort.run local pool, 1 worker", lambda: run_pool1(pipe, seeds)),
        ("cohort.run local pool, 2 workers", lambda: run_cohort(pipe, seeds, n_jobs=2)),
        ("cohort.run Dask LocalCluster, 2 workers", lambda: run_dask(pipe, seeds)),
    ]
    run_plain(pipe, seeds[:2])  # warm-up: imports and first calls out of the timings
    configs = [(label, fn) for label, fn in configs if not any(s in label for s in skip)]
    times = {label: [] for label, _ in configs}
    cpus = {label: [] for label, _ in configs}
    ref = None
    for rep in range(max(1, args.repeat)):  # interleaved repeats: load changes hit all alike
        for label, fn in configs:
            c0 = os.times()
            t0 = time.perf_counter()
            dig = fn()
            t = time.perf_counter() - t0
            c1 = os.times()
            if callable(dig):  # a cohort run's check: read back its store, outside the timing
                dig = dig()
            # CPU seconds of this process and of its (finished) worker processes
            cpu = (c1.user - c0.user + c1.system - c0.system + c1.children_user
                   - c0.children_user + c1.children_system - c0.children_system)
            if ref is None:
                ref = dig
            else:
                check_same(ref, dig)
            times[label].append(t)
            cpus[label].append(cpu)
            print(f"  [{rep}] {label}: {t:.2f} s wall, {cpu:.2f} s CPU "
                  f"({n / t:.2f} subjects/s)", flush=True)
    import statistics

    # paired: (configuration - plain loop) within each round, median over rounds
    paired = {label: statistics.median(c - b for c, b in zip(cpus[label], cpus[configs[0][0]]))
              for label, _ in configs}
    rows = [(label, min(times[label]), min(cpus[label])) for label, _ in configs]
    med = {label: statistics.median(cpus[label]) for label, _ in configs}
    base = rows[0][1]
    base_cpu = rows[0][2]
    per = base / n
    print()
    print(f"Machine: {machine_description()}; {time.strftime('%Y-%m-%d')}")
    print(f"Command: python benchmarks/bench_cohort.py {' '.join(argv or sys.argv[1:])}".rstrip())
    print(f"Cohort: {n} synthetic subjects x {args.regions} regions x 200 time points, "
          f"pipeline '{args.pipeline}': {pipe.describe()}")
    print()
    print("| configuration | wall time | subjects / s (wall) | CPU time (all processes) | "
          "CPU overhead / subject vs plain loop (best runs) | same, medians | "
          "same, paired median of rounds |")
    print("|---|---|---|---|---|---|---|")
    per_cpu = base_cpu / n
    base_med = med[rows[0][0]]
    for label, t, cpu in rows:
        over = (cpu - base_cpu) / n
        over_m = (med[label] - base_med) / n
        over_s = "(baseline)" if cpu == base_cpu else \
            f"{over * 1e3:+.2f} ms ({over / per_cpu * 100:+.1f} %)"
        over_ms = "(baseline)" if label == rows[0][0] else \
            f"{over_m * 1e3:+.2f} ms ({over_m / (base_med / n) * 100:+.1f} %)"
        over_p = "(baseline)" if label == rows[0][0] else \
            f"{paired[label] / n * 1e3:+.2f} ms ({paired[label] / base_med * 100:+.1f} %)"
        print(f"| {label} | {t:.2f} s | {n / t:.2f} | {cpu:.2f} s | {over_s} | {over_ms} | "
              f"{over_p} |")
    print(f"\nCompute per subject (plain loop): {per * 1e3:.1f} ms wall, {per_cpu * 1e3:.1f} ms "
          "CPU. CPU time includes starting worker processes / the cluster. Times: best of "
          f"{max(1, args.repeat)} interleaved runs (and their medians). All configurations gave "
          "identical summary "
          "results.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
