"""Ctrl-C during the long calls of netneuro.control and netneuro.maxent.

Each case runs a call that takes many seconds uninterrupted (figures below, 2 idle
cores) in a child process, sends SIGINT while it runs and checks that the child
ends with KeyboardInterrupt, well before the call could have finished.  The bound
(3 s after the signal, against >= 9 s uninterrupted) is loose on purpose: a loaded
machine slows the uninterrupted call at least as much.  Latencies are printed.

* ``maxent.energy_landscape`` core at 25 units: ~9.5 s (two std::sorts of 2^25
  states that did not poll; now a radix sort that polls);
* ``control.gramian`` continuous, symmetric N = 3000: 6-11 s; discrete N = 3000;
  SIGINT 4 s in, inside the eigendecomposition / Schur form (one BLAS thread);
  directed N = 2000 (Bartels-Stewart: Schur form and Sylvester solve in the core
  without the GIL): tens of seconds.  The LAPACK calls run on a worker thread that
  the main thread abandons on Ctrl-C.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

BOUND_S = 3.0

CASES = {
    # SIGINT 0.5 s into the call (steepest descent) and 4 s into it (the sorts on an
    # idle machine)
    "energy_landscape[25]": (textwrap.dedent("""
        import numpy as np
        from netneuro._core import maxent as core
        from netneuro.maxent import IsingModel
        n = 25
        rng = np.random.default_rng(0)
        J = np.triu(rng.normal(0, 0.3, (n, n)), 1)
        E = IsingModel(rng.normal(0, 0.3, n), J + J.T).state_energies()
        print("started", flush=True)
        core.landscape(E, n, 1)
    """), (0.5, 4.0)),
    "gramian[continuous]": (textwrap.dedent("""
        import numpy as np
        from netneuro import control
        W = np.random.default_rng(0).uniform(size=(3000, 3000))
        A = control.normalize(W + W.T, "continuous")
        print("started", flush=True)
        control.gramian(A, system="continuous")
    """), (4.0,)),
    "gramian[continuous, directed]": (textwrap.dedent("""
        import numpy as np
        from netneuro import control
        rng = np.random.default_rng(0)
        W = rng.uniform(size=(2000, 2000)) * (rng.uniform(size=(2000, 2000)) < 0.3)
        A = W / (1.01 * W.sum(axis=1).max()) - np.eye(2000)   # stable (Gershgorin)
        print("started", flush=True)
        control.gramian(A, system="continuous")
    """), (4.0,)),
    "gramian[discrete]": (textwrap.dedent("""
        import numpy as np
        from netneuro import control
        W = np.random.default_rng(0).uniform(size=(3000, 3000))
        A = control.normalize(W + W.T, "discrete")
        print("started", flush=True)
        control.gramian(A, system="discrete")
    """), (4.0,)),
}


def _interrupt_after(code: str, delay: float):
    """(seconds from SIGINT to KeyboardInterrupt in the child, to its exit, stdout, stderr).

    The first is what a user waits for; the exit can take longer (an abandoned
    worker thread may still be inside a BLAS call when the interpreter shuts down).
    """
    # a child started from a background job inherits SIGINT ignored: install the handler
    body = textwrap.indent(code, "    ")
    code = ("import signal\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"
            "try:\n" + body + "\nexcept KeyboardInterrupt:\n"
            "    print('interrupted', flush=True)\n    raise\n"
            "print('finished', flush=True)\n")
    # one BLAS thread: durations depend less on the machine (the LAPACK calls take
    # seconds, so the signal lands inside them)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "started", proc.stderr.read()
        time.sleep(delay)
        if proc.poll() is not None:
            pytest.skip(f"the call finished within {delay} s: too fast to interrupt here")
        t0 = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        line = proc.stdout.readline()
        latency = time.perf_counter() - t0
        out, err = proc.communicate(timeout=120)
        return latency, time.perf_counter() - t0, line + out, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("name", sorted(CASES))
def test_ctrl_c_ends_long_call(name):
    code, delays = CASES[name]
    for delay in delays:
        latency, exit_s, out, err = _interrupt_after(code, delay)
        print(f"\n{name}: SIGINT after {delay} s -> KeyboardInterrupt {latency:.3f} s later, "
              f"exit after {exit_s:.3f} s")
        assert out.startswith("interrupted") and "KeyboardInterrupt" in err, err[-2000:]
        assert "finished" not in out
        assert latency < BOUND_S, f"{name}: exited {latency:.2f} s after SIGINT"
