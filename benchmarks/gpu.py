"""One prepared run on a GPU machine: the GPU tests, then CPU vs GPU timings, as Markdown.

    python3 benchmarks/gpu.py                       # torch on CUDA, full sizes
    python3 benchmarks/gpu.py --namespace cupy      # CuPy arrays instead of torch tensors
    python3 benchmarks/gpu.py --namespace torch --device cpu --quick   # proof on any machine

It installs nothing.  Pure-Python wheels carried to the machine (``--wheels
DIR``, default ``.whl`` when it exists: e.g. array-api-compat) are put on
``sys.path`` as they are (zip import); ``--build`` compiles ``netneuro._core``
for this Python with CMake/Ninja when the carried module does not import
(another Python version), into ``build/gpu`` and copies it next to the sources.

Steps:

1. the Array API tests (``tests/test_array_api*.py``) with their torch cases on
   ``--device`` (``NETNEURO_TEST_DEVICE``), and the CuPy tests of ``tests/test_ann.py``;
2. each case on the CPU (NumPy input: the compiled core / NumPy path) and on the
   device (the same data as ``--namespace`` arrays on ``--device``): the two
   answers are compared first, then timed: a warm-up call, then the median of up
   to ``--repeat`` calls within a time budget, with device synchronisation
   around every call;
3. a Markdown table (``--out``, default ``benchmarks/results_gpu.md``) of times,
   ratios (CPU / device: > 1 means the device is faster), the largest
   difference between the answers, and the test summary.

Cases (``--quick`` sizes in brackets): cohort functional connectivity, 1000
subjects x 200 time points x 400 regions [20 x 100 x 50]; controllability
(normalise, average and modal) of 1000 symmetric 400 x 400 matrices [20 x 50];
the infinite-horizon Gramian and the minimum energy of 4 transitions (T = 1)
of 50 directed 400 x 400 matrices, continuous time [20 x 50] (CPU: Schur /
Van Loan subject by subject; device: Cayley + squared Smith, Pade exponential);
discrete transfer entropy of N = 400 binary series of 1000 steps [N = 20, 300
steps]; exact Ising log Z and moments for N = 24 and 28 [12 and 14]; the
correlation connectome of 5000 units over 2000 samples [300 units x 200];
graph clustering and communicability of 200 weighted 400 x 400 graphs [10 x 40];
structure-function coupling (Spearman) of 100 subjects x 200 regions [5 x 30].
A case whose device path is missing (``NotImplementedError`` / ``TypeError``)
is reported as "not available", not as a failure of the run.
"""

from __future__ import annotations

import argparse
import glob
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------
# environment (nothing is installed)


def _setup_path(wheels):
    sys.path.insert(0, str(REPO / "python"))
    found = []
    if wheels and Path(wheels).is_dir():
        for whl in sorted(glob.glob(str(Path(wheels) / "*.whl"))):
            if "-none-any" in whl or "py3-none" in whl:  # pure Python: importable from the zip
                sys.path.insert(1, whl)
                found.append(Path(whl).name)
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in sys.path[:1 + len(found)])
    return found


def _core_imports() -> str | None:
    r = subprocess.run([sys.executable, "-c", "import netneuro._core"], capture_output=True,
                       text=True, env=os.environ.copy())
    return None if r.returncode == 0 else (r.stderr.strip().splitlines() or ["?"])[-1]


def _build_core(log):
    import pybind11

    build = REPO / "build" / "gpu"
    cmds = [["cmake", "-S", str(REPO), "-B", str(build), "-G", "Ninja",
             "-DCMAKE_BUILD_TYPE=Release", f"-Dpybind11_DIR={pybind11.get_cmake_dir()}",
             "-DSKBUILD_PROJECT_VERSION=0.1.0", f"-DPython_EXECUTABLE={sys.executable}"],
            ["cmake", "--build", str(build), f"-j{os.cpu_count() or 2}"]]
    for c in cmds:
        log(" ".join(c))
        subprocess.run(c, check=True)
    for so in glob.glob(str(build / "**" / "_core*.so"), recursive=True):
        dst = REPO / "python" / "netneuro" / Path(so).name
        dst.write_bytes(Path(so).read_bytes())
        log(f"copied {Path(so).name}")


# ---------------------------------------------------------------------------
# arrays on the device


class Device:
    def __init__(self, namespace, device):
        self.namespace, self.device = namespace, device
        if namespace == "torch":
            import torch

            self.mod = torch
            self.dev = torch.device(device)
            if self.dev.type == "cuda" and not torch.cuda.is_available():
                raise SystemExit("--device cuda but torch sees no GPU")
        else:
            import cupy

            if device == "cpu":
                raise SystemExit("--namespace cupy needs --device cuda")
            self.mod = cupy
        self.label = f"{namespace} ({device})"

    def put(self, a, dtype=None):
        if self.namespace == "torch":
            t = self.mod.asarray(np.ascontiguousarray(a), device=self.dev)
            return t if dtype is None else t.to(getattr(self.mod, dtype))
        x = self.mod.asarray(a)
        return x if dtype is None else x.astype(dtype)

    def sync(self):
        if self.namespace == "torch" and self.dev.type == "cuda":
            self.mod.cuda.synchronize()
        elif self.namespace == "cupy":
            self.mod.cuda.Device().synchronize()

    def on_device(self, x) -> bool:
        if self.namespace == "torch":
            return isinstance(x, self.mod.Tensor) and x.device.type == self.dev.type
        return isinstance(x, self.mod.ndarray)

    def name(self) -> str:
        if self.namespace == "torch":
            if self.dev.type == "cuda":
                return f"torch {self.mod.__version__}, {self.mod.cuda.get_device_name(0)}"
            return f"torch {self.mod.__version__}, CPU ({os.cpu_count()} cores)"
        p = self.mod.cuda.runtime.getDeviceProperties(0)
        n = p["name"].decode() if isinstance(p["name"], bytes) else p["name"]
        return f"CuPy {self.mod.__version__}, {n}"


def measure(fn, sync, repeat, budget):
    """(result, median seconds, runs): a synchronised warm-up call (its result is returned),
    then ``repeat`` timed calls, unless they would exceed ``budget`` seconds: then the
    warm-up's time is the time (one run)."""
    sync()
    t0 = time.perf_counter()
    result = fn()
    sync()
    first = time.perf_counter() - t0
    if first * repeat > budget:
        return result, first, 1
    times = []
    for _ in range(repeat):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return result, statistics.median(times), len(times)


# ---------------------------------------------------------------------------
# cases: (name, size, cpu callable, device callable, compare(cpu_result, dev_result) -> diff)


def _host(x):
    """Any array (NumPy, torch on any device, CuPy) or number as a NumPy array."""
    if hasattr(x, "detach"):
        return x.detach().cpu().numpy()
    if hasattr(x, "get") and not isinstance(x, (np.ndarray, dict)):
        return x.get()
    return np.asarray(x)


def _maxdiff(a, b):
    a, b = _host(a).astype(float), _host(b).astype(float)
    if a.shape != b.shape:
        raise AssertionError(f"shapes differ: {a.shape} vs {b.shape}")
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def cases(dev, quick, rng, full_cpu=False):
    from netneuro import ann, connectivity, control, graph
    from netneuro.maxent import IsingModel

    out = []
    S, T, N = (20, 100, 50) if quick else (1000, 200, 400)
    X = rng.normal(size=(S, T, N))
    Xd = dev.put(X)
    out.append(("cohort FC (correlation)", f"{S} x {T} x {N}",
                lambda: connectivity.correlation(X), lambda: connectivity.correlation(Xd),
                lambda a, b: _maxdiff(a, b)))

    S, N = (20, 50) if quick else (1000, 400)
    W = rng.random((S, N, N))
    W = (W + W.transpose(0, 2, 1)) / 2
    Wd = dev.put(W)

    def ctrl(A):
        jobs = {"n_jobs": -1} if isinstance(A, np.ndarray) else {}
        An = control.normalize(A, "discrete", **jobs)
        return (control.average_controllability(An, "discrete", **jobs),
                control.modal_controllability(An, **jobs))

    out.append(("controllability (normalise, average, modal)", f"{S} x {N} x {N}",
                lambda: ctrl(W), lambda: ctrl(Wd),
                lambda a, b: max(_maxdiff(a[0], b[0]) / np.max(np.abs(a[0])),
                                 _maxdiff(a[1], b[1]))))

    S, N = (20, 50) if quick else (50, 400)  # CPU: ~3 s a subject on 2 cores (Schur, expm)
    D = control.normalize(rng.normal(size=(S, N, N)), "continuous", n_jobs=-1)  # directed
    X0, XF = rng.normal(size=(N, 4)), rng.normal(size=(N, 4))
    Dd, X0d, XFd = dev.put(D), dev.put(X0), dev.put(XF)

    def gram_energy(A, x0, xf):  # infinite-horizon Gramian; energies of 4 transitions, T = 1
        return (control.gramian(A, None, "continuous"),
                control.minimum_energy_fast(A, 1.0, None, x0, xf))

    out.append(("directed Gramian (T = inf) + minimum energy (T = 1)", f"{S} x {N} x {N}",
                lambda: gram_energy(D, X0, XF), lambda: gram_energy(Dd, X0d, XFd),
                lambda a, b: max(_maxdiff(a[0], b[0]) / np.max(np.abs(a[0])),
                                 _maxdiff(a[1], b[1]) / np.max(np.abs(a[1])))))

    N, T = (20, 300) if quick else (400, 1000)
    B = (rng.random((T, N)) < 0.5).astype(np.int64)
    B[1:, 1:] ^= (B[:-1, :-1] & (rng.random((T - 1, N - 1)) < 0.3))  # some coupling
    Bd = dev.put(B)
    out.append(("discrete transfer entropy", f"N = {N}, T = {T}",
                lambda: connectivity.transfer_entropy(B, estimator="discrete", n_jobs=-1),
                lambda: connectivity.transfer_entropy(Bd, estimator="discrete"),
                lambda a, b: _maxdiff(a, b)))

    for N in ((12, 14) if quick else (24, 28)):
        h = rng.normal(0, 0.3, N)
        J = rng.normal(0, 0.3 / math.sqrt(N), (N, N))
        J = (J + J.T) / 2
        np.fill_diagonal(J, 0.0)
        hd, Jd = dev.put(h), dev.put(J)

        def ising(m, **jobs):
            return m.log_partition(**jobs), m.correlations(**jobs)

        label = "exact Ising, log Z + moments"
        if N <= 25:
            cpu = (lambda h=h, J=J: ising(IsingModel(h, J), n_jobs=-1))
        elif full_cpu:  # the compiled core enumerates 2^N states in memory (N <= 25)
            import torch

            ht, Jt = torch.asarray(h), torch.asarray(J)
            cpu = (lambda ht=ht, Jt=Jt: ising(IsingModel(ht, Jt)))
            label += " (CPU: torch CPU, chunked)"
        else:
            cpu = None  # the compiled core stops at 25 units; --full-cpu times torch's CPU path
        out.append((label, f"N = {N}", cpu,
                    lambda hd=hd, Jd=Jd: ising(IsingModel(hd, Jd)),
                    lambda a, b: max(abs(a[0] - b[0]) / abs(a[0]), _maxdiff(a[1], b[1]))))

    S, N = (10, 40) if quick else (200, 400)
    G = rng.random((S, N, N)) * (rng.random((S, N, N)) < 0.3)
    G = np.triu(G, 1)
    G = G + G.transpose(0, 2, 1)
    Gd = dev.put(G)

    def graph_measures(W):
        jobs = {"n_jobs": -1} if isinstance(W, np.ndarray) else {}
        return graph.clustering(W, **jobs), graph.communicability(W)

    out.append(("graph: clustering + communicability", f"{S} x {N} x {N}",
                lambda: graph_measures(G), lambda: graph_measures(Gd),
                lambda a, b: max(_maxdiff(a[0], b[0]), _maxdiff(a[1], b[1]))))

    S, N = (5, 30) if quick else (100, 200)
    F = rng.normal(size=(S, N, N))
    F = (F + F.transpose(0, 2, 1)) / 2 + G[:S, :N, :N]
    Sd, Fd = dev.put(np.ascontiguousarray(G[:S, :N, :N])), dev.put(F)
    out.append(("structure-function coupling (Spearman)", f"{S} x {N} x {N}",
                lambda: graph.structure_function_coupling(G[:S, :N, :N], F),
                lambda: graph.structure_function_coupling(Sd, Fd),
                lambda a, b: _maxdiff(a, b)))

    U, n = (300, 200) if quick else (5000, 2000)
    A = rng.normal(size=(n, U)) @ (np.eye(U) + 0.05 * rng.normal(size=(U, U))) if quick else \
        rng.normal(size=(n, U)) + rng.normal(size=(n, 1))
    Ad = dev.put(A, "float32")
    out.append(("activation connectome (correlation, float32 on device)", f"{U} units x {n}",
                lambda: ann.activation_connectome(A, n_jobs=-1),
                lambda: ann.activation_connectome(Ad),
                lambda a, b: _maxdiff(a, b)))
    return out


# ---------------------------------------------------------------------------


def run_tests(dev, log, timeout):
    env = os.environ.copy()
    env["NETNEURO_TEST_DEVICE"] = dev.device if dev.namespace == "torch" else "cpu"
    targets = sorted(str(p.relative_to(REPO)) for p in (REPO / "tests").glob("test_array_api*.py"))
    rows = []
    for args in (targets, ["tests/test_ann.py", "-k", "gpu"]):
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
        log(" ".join(cmd[1:]))
        try:
            r = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                               timeout=timeout)
            lines = (r.stdout + r.stderr).strip().splitlines()
            summary = lines[-1] if lines else f"exit {r.returncode}"
            if r.returncode not in (0, 5):
                log("\n".join(lines[-40:]))
        except subprocess.TimeoutExpired:
            summary = f"timed out after {timeout} s"
        log("  -> " + summary)
        rows.append((" ".join(args), summary))
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--namespace", choices=("torch", "cupy"), default="torch")
    p.add_argument("--device", default="cuda", help="torch device: cuda (default) or cpu")
    p.add_argument("--quick", action="store_true", help="small sizes (a proof run on a CPU)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--budget", type=float, default=60.0, help="seconds per timed call series")
    p.add_argument("--out", default=str(REPO / "benchmarks" / "results_gpu.md"))
    p.add_argument("--wheels", default=str(REPO / ".whl"))
    p.add_argument("--build", action="store_true", help="compile netneuro._core if needed")
    p.add_argument("--skip-tests", action="store_true")
    p.add_argument("--full-cpu", action="store_true",
                   help="also time the CPU side where the compiled core has no path (Ising "
                        "N > 25, by torch on the CPU: minutes)")
    p.add_argument("--test-timeout", type=int, default=300)
    a = p.parse_args(argv)

    lines = []

    def log(msg):
        print(msg, flush=True)
        lines.append(msg)

    wheels = _setup_path(a.wheels)
    if wheels:
        log(f"carried wheels on sys.path: {', '.join(wheels)}")
    err = _core_imports()
    if err and a.build:
        log(f"netneuro._core does not import ({err}); building it")
        _build_core(log)
        err = _core_imports()
    if err:
        raise SystemExit(f"netneuro._core does not import here ({err}); rerun with --build")
    dev = Device(a.namespace, a.device)
    import netneuro

    log(f"netneuro {getattr(netneuro, '__version__', '?')}, Python {platform.python_version()}, "
        f"NumPy {np.__version__}, device: {dev.name()}")
    tests = [] if a.skip_tests else run_tests(dev, log, a.test_timeout)

    rows = []
    for name, size, cpu, on_dev, compare in cases(dev, a.quick, np.random.default_rng(0),
                                                   a.full_cpu):
        log(f"{name} [{size}]")
        ref, tc, nc = None, None, 0
        if cpu is not None:
            try:
                ref, tc, nc = measure(cpu, dev.sync, a.repeat, a.budget)
            except Exception as exc:  # noqa: BLE001 - reported in the table
                rows.append((name, size, "error", "", "", "", f"CPU: {type(exc).__name__}: "
                             f"{str(exc)[:120]}"))
                log(f"  CPU failed: {exc!r}")
                continue
        cpu_s = "n/a" if tc is None else f"{tc:.4g}"
        try:
            got, td, nd = measure(on_dev, dev.sync, a.repeat, a.budget)
        except (NotImplementedError, TypeError) as exc:
            rows.append((name, size, cpu_s, "not available", "", "",
                         f"{type(exc).__name__}: {str(exc)[:120]}"))
            log(f"  device path not available: {exc!r}")
            continue
        first = got[0] if isinstance(got, tuple) else got
        note = ""
        if not isinstance(first, float) and not dev.on_device(first):
            note = f"result is {type(first).__name__}, not on the device"
        if ref is None:
            note = note or "CPU: the compiled core stops at 25 units (--full-cpu: torch CPU)"
        diff = "" if ref is None else f"{compare(ref, got):.1e}"
        ratio = "" if tc is None else f"{tc / td:.3g}"
        rows.append((name, size, cpu_s, f"{td:.4g}", ratio, diff, note))
        log(f"  CPU {cpu_s} s ({nc} runs), {dev.label} {td:.4g} s ({nd} runs), "
            f"ratio {ratio}, max diff {diff}")

    md = [f"# CPU vs {dev.label}: netneuro Array API paths", "",
          f"{dev.name()}; host {platform.node()} with {os.cpu_count()} CPU cores; Python "
          f"{platform.python_version()}, NumPy {np.__version__}; "
          f"{'quick sizes' if a.quick else 'full sizes'}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
          "",
          "Median wall time (s) of --repeat calls after a warm-up call (the warm-up alone when "
          "the calls would exceed --budget s), device synchronised around each call; "
          "ratio = CPU / device (> 1: the device is faster); max diff = largest absolute "
          "difference between the two answers (relative for log Z, average "
          "controllability, Gramians and energies). CPU = NumPy input (compiled core / NumPy, all cores: n_jobs=-1).",
          "",
          "| case | size | CPU (s) | device (s) | ratio | max diff | note |",
          "| --- | --- | --- | --- | --- | --- | --- |"]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    if tests:
        md += ["", "## Tests", "", "| tests | result |", "| --- | --- |"]
        md += [f"| {t} | {s} |" for t, s in tests]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text("\n".join(md) + "\n")
    log(f"wrote {a.out}")
    failed = [s for _, s in tests if "failed" in s or "error" in s or "timed out" in s]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
