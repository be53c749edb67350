"""Hardening: Ctrl-C latency, thread safety and n_jobs invariance of the compiled core."""

import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from netneuro.distance import pairwise_distances

# Each entry: a kernel call that runs for many seconds on 2 cores (so SIGINT lands mid-run).
LONG_KERNELS = {
    "distances": textwrap.dedent("""
        import numpy as np
        from netneuro.distance import pairwise_distances
        X = np.random.default_rng(0).normal(size=(3000, 20000))
        print("started", flush=True)
        pairwise_distances(X, n_jobs={n_jobs})
    """),
}


def _interrupt_latency(code: str) -> tuple[float, subprocess.CompletedProcess]:
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "started", proc.stderr.read()
        time.sleep(0.5)  # let the kernel get going
        assert proc.poll() is None, "kernel finished before it could be interrupted"
        t0 = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
        latency = time.perf_counter() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return latency, subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("name", sorted(LONG_KERNELS))
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_ctrl_c_stops_kernel_within_a_second(name, n_jobs):
    latency, result = _interrupt_latency(LONG_KERNELS[name].format(n_jobs=n_jobs))
    assert "KeyboardInterrupt" in result.stderr, result.stderr[-2000:]
    assert result.returncode != 0
    assert latency < 1.0, f"{name}: exited {latency:.3f} s after SIGINT"


def test_concurrent_python_threads_match_sequential(rng):
    inputs = [rng.normal(size=(200, 5)) for _ in range(8)]
    sequential = [pairwise_distances(x, n_jobs=2) for x in inputs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(lambda x: pairwise_distances(x, n_jobs=2), inputs))
    for a, b in zip(sequential, concurrent):
        assert np.array_equal(a, b)


def test_memory_guard_refuses_before_allocating():
    # 10^6 points would need an 8 TB distance matrix: refused up front.
    X = np.zeros((1_000_000, 1))
    with pytest.raises(MemoryError, match="would need about"):
        pairwise_distances(X)
