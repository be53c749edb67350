"""Peer-comparison harness: the same inputs through netneuro and its peers, in one run.

A benchmark module ``benchmarks/bench_<area>.py`` defines ``cases(quick)``
returning a list of :class:`Case`.  Each case names its implementations
(netneuro first, then the peers); the harness runs every implementation once
and checks its answer against netneuro's with the case's ``check`` before
timing, then reports median wall times and the ratio peer / netneuro
(> 1 means netneuro is faster).
"""

from __future__ import annotations

import gc
import platform
import statistics
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass
class Case:
    name: str
    impls: dict[str, Callable[[], object]]  # label -> zero-argument callable; netneuro first
    check: Callable[[object, object], None] | None = None  # check(reference, other) raises
    repeat: int = 5
    note: str = ""
    results: dict[str, float] = field(default_factory=dict)


def median_time(fn: Callable[[], object], repeat: int, budget_s: float = 60.0) -> float:
    """Median wall time of ``fn()`` over ``repeat`` runs (fewer if over budget)."""
    times = []
    start = time.perf_counter()
    for _ in range(max(1, repeat)):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        if time.perf_counter() - start > budget_s and len(times) >= 1:
            break
    return statistics.median(times)


def run_case(case: Case, log=print) -> Case:
    labels = list(case.impls)
    reference = None
    for label in labels:
        try:
            out = case.impls[label]()  # warm-up and answer check
        except Exception as exc:  # a peer that fails is reported, not fatal
            log(f"  {case.name}: {label} failed: {type(exc).__name__}: {exc}")
            case.results[label] = float("nan")
            continue
        if reference is None:
            reference = out
        elif case.check is not None:
            case.check(reference, out)
        case.results[label] = median_time(case.impls[label], case.repeat)
        log(f"  {case.name}: {label} {case.results[label] * 1e3:.2f} ms")
    return case


def machine_description() -> str:
    import os

    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count()
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {cpus} CPUs, Python {platform.python_version()}, NumPy {np.__version__}"


def markdown_table(cases: list[Case]) -> str:
    rows = ["| case | implementation | median time | peer / netneuro |", "|---|---|---|---|"]
    for case in cases:
        labels = list(case.impls)
        ours = case.results.get(labels[0], float("nan"))
        for label in labels:
            t = case.results.get(label, float("nan"))
            ratio = "" if label == labels[0] else (f"{t / ours:.1f}x" if ours == ours and t == t else "n/a")
            name = case.name + (f" ({case.note})" if case.note and label == labels[0] else "")
            rows.append(f"| {name if label == labels[0] else ''} | {label} | "
                        f"{_fmt_time(t)} | {ratio} |")
    return "\n".join(rows)


def _fmt_time(t: float) -> str:
    if t != t:
        return "failed"
    if t < 1e-3:
        return f"{t * 1e6:.0f} µs"
    if t < 1:
        return f"{t * 1e3:.1f} ms"
    return f"{t:.2f} s"
