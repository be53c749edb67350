"""Artificial connectomes: activation correlation + H0/H1 persistence of thousands of units.

Activations are real: LeNet-5 (MNIST weights, tests/data/ann) run on the 5000
MNIST digits of netneuro's shared data through its exact unrolled weight graph;
the units are those of conv2 (1600) and pool2 (400) = 2000 units (quick: 300
of them, first 1000 digits); the 5000-unit cases draw 5000 of the alive units
of conv1, pool1, conv2 and pool2.  Without the shared MNIST file, synthetic
low-rank ReLU activations of the same size are used (the case name says so).

Cases:
* activation connectome: ``netneuro.ann.activation_connectome`` vs
  ``np.corrcoef`` (same float64 estimator; checked to 1e-12).
* persistence of ``1 - |r|``: ``netneuro.topology.rips`` vs ripser.py and
  giotto-ph, H0 and H0+H1 on all 2000 units (H0 only for 5000 units).
* the full pipeline, activations -> correlation -> persistence summaries.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
from harness import Case

from netneuro import ann

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _load_example():
    """examples/ann_trojan.py: the one home of the LeNet-5 spec, MNIST loader and forward pass."""
    spec = importlib.util.spec_from_file_location("ann_trojan", REPO / "examples" / "ann_trojan.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


EXAMPLE = _load_example()
MNIST = EXAMPLE.MNIST  # in netneuro's shared data ($NETNEURO_SHARED_DATA)


def lenet_activations(n_inputs: int, layers=(2, 3)) -> np.ndarray:
    """Activations of LeNet-5 units on MNIST: layers 0-3 = conv1, pool1, conv2, pool2 (ReLU).

    The default (conv2 + pool2) is (n_inputs, 2000).
    """
    z = np.load(EXAMPLE.LENET)
    g = ann.weight_graph(EXAMPLE.lenet_spec(z)[:4], conv="unroll", input_shape=(1, 28, 28))
    X, _ = EXAMPLE.load_mnist(MNIST, n_inputs)
    acts = list(EXAMPLE.lenet_forward(g, z, X).values())
    return np.hstack([acts[k] for k in layers])


def synthetic_activations(n_inputs: int, n_units: int, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n_inputs, 40))
    return np.maximum(z @ rng.normal(size=(40, n_units)) + rng.normal(size=(n_inputs, n_units)),
                      0.0)


def _dist(C):
    D = 1.0 - np.abs(C)
    np.fill_diagonal(D, 0.0)
    return D


def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def _same_diagrams(a, b):
    # ripser.py / giotto-ph compute in float32: compare to float32 rounding
    for da, db in zip(a, b):
        fa, fb = da[np.isfinite(da[:, 1])], db[np.isfinite(db[:, 1])]
        assert abs(len(fa) - len(fb)) <= max(2, len(fa) // 100), (len(fa), len(fb))
        if len(fa) == len(fb) and len(fa):
            np.testing.assert_allclose(np.sort(fa[:, 1] - fa[:, 0]),
                                       np.sort(fb[:, 1] - fb[:, 0]), atol=1e-5)


def cases(quick):
    from netneuro import topology

    n_inputs, n_units, n_h1 = (1000, 300, 300) if quick else (5000, 2000, 2000)

    def units(n, layers):
        if not MNIST.exists():
            return synthetic_activations(n_inputs, n), "synthetic"
        A = lenet_activations(n_inputs, layers)
        A = A[:, A.max(axis=0) > A.min(axis=0)]  # alive units only (np.corrcoef would NaN)
        rng = np.random.default_rng(0)
        A = A[:, np.sort(rng.choice(A.shape[1], size=min(n, A.shape[1]), replace=False))]
        return A, "LeNet-5 on MNIST"

    A, src = units(n_units, (2, 3))
    n_units = A.shape[1]
    C = ann.activation_connectome(A)
    D = _dist(C)
    sub = D[:n_h1, :n_h1].copy()
    out = [Case(
        f"activation connectome {n_units} units x {n_inputs} inputs ({src})",
        {
            "netneuro (1 thread)": lambda: ann.activation_connectome(A, n_jobs=1),
            "netneuro (2 threads)": lambda: ann.activation_connectome(A, n_jobs=2),
            "numpy corrcoef": lambda: np.corrcoef(A.T),
        },
        check=_close, repeat=3,
    )]
    impls0 = {
        "netneuro rips (1 thread)": lambda: topology.rips(D, maxdim=0, metric="precomputed",
                                                          n_jobs=1)[:1],
        "netneuro rips (2 threads)": lambda: topology.rips(D, maxdim=0, metric="precomputed",
                                                           n_jobs=2)[:1],
    }
    impls1 = {
        "netneuro rips (1 thread)": lambda: topology.rips(sub, maxdim=1, metric="precomputed",
                                                          n_jobs=1),
        "netneuro rips (2 threads)": lambda: topology.rips(sub, maxdim=1, metric="precomputed",
                                                           n_jobs=2),
    }
    try:
        import ripser

        impls0["ripser.py"] = lambda: ripser.ripser(D, distance_matrix=True, maxdim=0)["dgms"]
        impls1["ripser.py"] = lambda: ripser.ripser(sub, distance_matrix=True, maxdim=1)["dgms"]
    except ImportError:
        pass
    try:
        from gph import ripser_parallel

        impls0["giotto-ph (2 threads)"] = lambda: ripser_parallel(
            D, metric="precomputed", maxdim=0, n_threads=2)["dgms"]
        impls1["giotto-ph (2 threads)"] = lambda: ripser_parallel(
            sub, metric="precomputed", maxdim=1, n_threads=2)["dgms"]
    except ImportError:
        pass
    out.append(Case(f"H0 persistence of 1-abs(r), {n_units} units", impls0, check=_same_diagrams,
                    repeat=3))
    out.append(Case(f"H0+H1 persistence of 1-abs(r), {n_h1} units", impls1,
                    check=_same_diagrams, repeat=1))

    def ours_pipeline():
        return ann.topological_features(A[:, :n_h1], per_layer=False, n_jobs=2)["network"][
            "max_persistence_h1"]

    def peer_pipeline():
        import ripser

        Cp = np.corrcoef(A[:, :n_h1].T)
        dg = ripser.ripser(_dist(Cp), distance_matrix=True, maxdim=1)["dgms"]
        return float((dg[1][:, 1] - dg[1][:, 0]).max()) if len(dg[1]) else 0.0

    out.append(Case(
        f"pipeline: activations -> corr -> H0/H1 summaries, {n_h1} units x {n_inputs} inputs",
        {"netneuro (2 threads)": ours_pipeline, "numpy corrcoef + ripser.py": peer_pipeline},
        check=lambda a, b: np.testing.assert_allclose(a, b, atol=1e-5), repeat=1,
    ))
    if not quick:  # 5000 units: correlation and H0 (H1 on 5000 points: see results_ann.md)
        B, src5 = units(5000, (0, 1, 2, 3))
        D5 = _dist(ann.activation_connectome(B))
        out.append(Case(
            f"activation connectome {B.shape[1]} units x {n_inputs} inputs ({src5})",
            {"netneuro (2 threads)": lambda: ann.activation_connectome(B, n_jobs=2),
             "numpy corrcoef": lambda: np.corrcoef(B.T)},
            check=_close, repeat=1,
        ))
        impls5 = {"netneuro rips (2 threads)": lambda: topology.rips(
            D5, maxdim=0, metric="precomputed", n_jobs=2)[:1]}
        try:
            import ripser

            impls5["ripser.py"] = lambda: ripser.ripser(D5, distance_matrix=True,
                                                        maxdim=0)["dgms"]
        except ImportError:
            pass
        out.append(Case(f"H0 persistence of 1-abs(r), {B.shape[1]} units", impls5,
                        check=_same_diagrams, repeat=1))
    return out


if __name__ == "__main__":  # python benchmarks/bench_ann.py [--quick]
    sys.path.insert(0, str(HERE))
    from harness import markdown_table, run_case

    print(markdown_table([run_case(c) for c in cases("--quick" in sys.argv)]))
