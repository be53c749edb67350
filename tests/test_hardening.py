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
    "transfer_entropy[ksg]": textwrap.dedent("""
        import numpy as np
        from netneuro.connectivity import transfer_entropy
        X = np.random.default_rng(0).normal(size=(6000, 12))
        print("started", flush=True)
        transfer_entropy(X, estimator="ksg", n_jobs={n_jobs})
    """),
    "transfer_entropy[discrete]": textwrap.dedent("""
        import numpy as np
        from netneuro.connectivity import transfer_entropy
        X = np.random.default_rng(0).integers(0, 4, size=(20000, 200))
        print("started", flush=True)
        transfer_entropy(X, estimator="discrete", history=3, n_jobs={n_jobs})
    """),
    "fit_ising[exact]": textwrap.dedent("""
        import numpy as np
        from netneuro.maxent import fit_ising
        X = np.where(np.random.default_rng(0).uniform(size=(5000, 24)) < 0.3, 1, -1)
        print("started", flush=True)
        fit_ising(X, method="exact", n_jobs={n_jobs})
    """),
    "shortest_path_lengths": textwrap.dedent("""
        import numpy as np
        from netneuro.graph import shortest_path_lengths
        W = np.random.default_rng(0).uniform(size=(3000, 3000))
        W = (W + W.T) / 2
        print("started", flush=True)
        shortest_path_lengths(W, n_jobs={n_jobs})
    """),
    "average_controllability[cohort]": textwrap.dedent("""
        import numpy as np
        from netneuro import control
        W = np.random.default_rng(0).uniform(size=(300, 400, 400))
        A = control.normalize(W + W.transpose(0, 2, 1), "discrete")
        print("started", flush=True)
        control.average_controllability(A, "discrete", n_jobs={n_jobs})
    """),
}


LATENCIES: dict[str, float] = {}


def _interrupt_latency(code: str) -> tuple[float, subprocess.CompletedProcess]:
    # A child started from a background job inherits SIGINT ignored, and Python
    # then installs no KeyboardInterrupt handler: install it explicitly.
    code = ("import signal\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
            + code)
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
    LATENCIES[f"{name}, n_jobs={n_jobs}"] = latency
    assert latency < 1.0, f"{name}: exited {latency:.3f} s after SIGINT"


@pytest.fixture(scope="module", autouse=True)
def _report_latencies():
    yield
    if LATENCIES:
        print("\nCtrl-C latency (s): " +
              ", ".join(f"{k}: {v:.3f}" for k, v in sorted(LATENCIES.items())))


def _kernels():
    from netneuro import connectivity, control, graph, maxent, topology

    def ising(x):
        spins = np.where(x[:, :8] > 0, 1, -1)
        m = maxent.fit_ising(spins, method="exact", n_jobs=2)
        return np.concatenate([m.h, m.J.ravel()])

    def ctrl(x):
        W = np.abs(np.corrcoef(x.T))
        np.fill_diagonal(W, 0)
        return control.average_controllability(control.normalize(W, "discrete"), n_jobs=2)

    return {
        "distances": lambda x: pairwise_distances(x, n_jobs=2),
        "te_discrete": lambda x: connectivity.transfer_entropy(x, n_bins=3, n_jobs=2),
        "te_ksg": lambda x: connectivity.transfer_entropy(x[:, :4], estimator="ksg", n_jobs=2),
        "rips": lambda x: np.concatenate(topology.rips(x[:40], maxdim=1, n_jobs=2)),
        "paths": lambda x: graph.shortest_path_lengths(np.abs(np.corrcoef(x.T)), n_jobs=2),
        "ising": ising,
        "control": ctrl,
    }


@pytest.mark.parametrize("kernel", sorted(_kernels()))
def test_concurrent_python_threads_match_sequential(rng, kernel):
    fn = _kernels()[kernel]
    inputs = [rng.normal(size=(200, 10)) for _ in range(6)]
    sequential = [fn(x) for x in inputs]
    with ThreadPoolExecutor(max_workers=3) as pool:
        concurrent = list(pool.map(fn, inputs))
    for a, b in zip(sequential, concurrent):
        assert np.array_equal(a, b)


def test_memory_guard_refuses_before_allocating():
    # 10^6 points would need an 8 TB distance matrix: refused up front.
    X = np.zeros((1_000_000, 1))
    with pytest.raises(MemoryError, match="would need about"):
        pairwise_distances(X)


def test_memory_guards_of_growing_kernels():
    """Kernels whose memory grows faster than their input refuse before allocating."""
    from netneuro import connectivity, maxent

    # correlation of 10^6 "voxels" over 3 time points: 8 TB of output
    voxels = np.lib.stride_tricks.as_strided(np.arange(3.0), shape=(3, 10**6), strides=(8, 0))
    with pytest.raises(MemoryError, match="use fewer regions"):
        connectivity.correlation(voxels)
    # ... and more units than enumeration allows is refused with the method to use instead
    X = np.where(np.random.default_rng(0).uniform(size=(50, 26)) < 0.5, 1, -1)
    with pytest.raises(ValueError, match="pseudolikelihood"):
        maxent.fit_ising(X, method="exact")
