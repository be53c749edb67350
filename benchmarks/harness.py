"""Peer-comparison harness: the same inputs through netneuro and its peers, in one run.

A benchmark module ``benchmarks/bench_<area>.py`` defines ``cases(quick)``
returning a list of :class:`Case`.  Each case names its implementations
(netneuro first, then the peers); the harness runs every implementation once
and checks its answer against netneuro's with the case's ``check`` before
timing, then reports median wall times and the ratio peer / netneuro
(> 1 means netneuro is faster).

Peak memory (optional): a case built with ``memory=factory``, a picklable
zero-argument callable (a module-level function or a ``functools.partial`` of
one) that rebuilds the case's ``impls``, also gets each implementation's peak
extra resident memory: a fresh spawned process builds the implementations
(loading the inputs and importing the tools), resets the kernel's high-water
mark (``/proc/self/clear_refs``), records ``VmRSS``, runs the call once and
reads ``VmHWM``; peak - baseline is reported in MiB.  An implementation that
runs an external program reports its own peak through a ``peak_extra_bytes()``
method (see :func:`run_program`).  Linux only; elsewhere the column is empty.
The spawned process re-imports the main script, so a script that runs cases
itself needs the ``if __name__ == "__main__":`` guard (run.py has it).
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import platform
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
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
    memory: Callable[[], dict[str, Callable[[], object]]] | None = None  # picklable impls factory
    peak_mib: dict[str, float] = field(default_factory=dict)  # label -> peak extra memory


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
        msg = f"  {case.name}: {label} {case.results[label] * 1e3:.2f} ms"
        if case.memory is not None and peak_memory_supported():
            try:
                case.peak_mib[label] = peak_extra_mib(case.memory, label)
                msg += f", peak extra {case.peak_mib[label]:.1f} MiB"
            except Exception as exc:  # reported, not fatal
                case.peak_mib[label] = float("nan")
                msg += f", peak memory failed: {type(exc).__name__}: {exc}"
        log(msg)
    return case


# --- peak memory -------------------------------------------------------------

_MIB = 2.0 ** 20


def _status_kib(field_name: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field_name} not in /proc/self/status")


def _reset_peak() -> None:
    """Reset this process's VmHWM to its current VmRSS (Linux >= 4.0)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _release_free_heap() -> None:
    """Return freed heap pages to the OS, so that reused pages do not hide a peak (glibc)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def peak_memory_supported() -> bool:
    """Whether this system lets a process reset and read its resident high-water mark."""
    try:
        _reset_peak()
        _status_kib("VmHWM")
    except (OSError, RuntimeError):
        return False
    return _status_kib("VmHWM") <= _status_kib("VmRSS") + 1024  # the reset took effect


def _peak_in_child(factory, label) -> float:
    fn = factory()[label]
    _release_free_heap()
    own = getattr(fn, "peak_extra_bytes", None)
    if own is not None:  # an external program measures itself
        fn()
        return own() / _MIB
    _reset_peak()
    base = _status_kib("VmRSS")
    fn()
    return (_status_kib("VmHWM") - base) / 1024.0


def peak_extra_mib(factory: Callable[[], dict[str, Callable[[], object]]], label: str) -> float:
    """Peak resident memory that one call of ``factory()[label]()`` adds, in MiB.

    Measured in a fresh spawned process (nothing from other implementations or
    earlier cases is resident there); the baseline is taken after ``factory()``
    has loaded the inputs and imported the tools.
    """
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(_peak_in_child, factory, label).result()


def run_program(args: list[str]) -> tuple[str, int]:
    """Run an external program; return its stdout (stderr merged) and its peak RSS in bytes.

    The peak comes from GNU time (``/usr/bin/time -f %M``), whose own small
    process forks the program: measuring the program as a direct child of
    Python would also count Python's resident set (Linux carries a process's
    high-water mark across exec).  Raises ``subprocess.CalledProcessError``
    on a non-zero exit status, ``FileNotFoundError`` without /usr/bin/time.
    """
    if not os.path.exists(_GNU_TIME):
        raise FileNotFoundError(f"{_GNU_TIME} is needed to measure an external program's peak")
    with tempfile.TemporaryDirectory(prefix="nn_bench_") as tmp:
        report = os.path.join(tmp, "maxrss")
        proc = subprocess.run([_GNU_TIME, "-f", "%M", "-o", report, *args], text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=True)
        with open(report) as f:
            maxrss_kib = int(f.read().split()[-1])
    return proc.stdout, maxrss_kib * 1024


_GNU_TIME = "/usr/bin/time"


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
    """Median times and ratios; a "peak extra memory" column when any case measured it."""
    memory = any(case.peak_mib for case in cases)
    head = "| case | implementation | median time | peer / netneuro |"
    rows = [head + (" peak extra memory |" if memory else ""),
            "|---|---|---|---|" + ("---|" if memory else "")]
    for case in cases:
        labels = list(case.impls)
        ours = case.results.get(labels[0], float("nan"))
        for label in labels:
            t = case.results.get(label, float("nan"))
            ratio = "" if label == labels[0] else (f"{t / ours:.1f}x" if ours == ours and t == t else "n/a")
            name = case.name + (f" ({case.note})" if case.note and label == labels[0] else "")
            row = f"| {name if label == labels[0] else ''} | {label} | {_fmt_time(t)} | {ratio} |"
            if memory:
                row += f" {_fmt_mib(case.peak_mib.get(label))} |"
            rows.append(row)
    return "\n".join(rows)


def _fmt_mib(m: float | None) -> str:
    if m is None:
        return ""
    return "failed" if m != m else f"{m:.1f} MiB"


def _fmt_time(t: float) -> str:
    if t != t:
        return "failed"
    if t < 1e-3:
        return f"{t * 1e6:.0f} µs"
    if t < 1:
        return f"{t * 1e3:.1f} ms"
    return f"{t:.2f} s"
