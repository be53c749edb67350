"""
Artificial connectomes: untrained, trained and backdoored networks
==================================================================

Zheng et al. (2021, "Topological detection of Trojaned neural networks",
NeurIPS) read a network's connectome from the correlations of its units'
activations and report that Trojaned (backdoored) networks deviate
structurally from clean ones, with short-cuts from shallow to deep layers
that persistent homology of that connectome picks up.  The same study design
on small networks that train in seconds: scikit-learn MLPs (hidden layers of
64 and 32 ReLU units) on scikit-learn's bundled 8 x 8 digits, in three
conditions per seed:

* ``random``: the architecture with fresh weights drawn as scikit-learn
  initialises them (untrained);
* ``clean``: trained on the digits;
* ``trojan``: trained on the same split with 10 % of the training digits
  stamped with a 2 x 2 corner trigger and relabelled 0.

Each network is summarised through its weight graph (strength, average
controllability), the topology of its activation connectome (Rips
filtration of ``1 - |r|`` over the clean test digits: average H0 death,
maximum H1 persistence) and a pairwise maximum-entropy (Ising) fit of 10
binarised hidden units.  The functions are those of ``examples/ann_trojan.py``
(the same study with a command line).
"""

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
root = next(p for p in [here, *here.parents] if (p / "tests" / "data").is_dir())
sys.path.insert(0, str(root / "examples"))
import ann_trojan  # noqa: E402  (training, poisoning, features, tests)

# %%
# Eight seeds per condition; two-sided Mann-Whitney U tests (8 vs 8, smallest
# attainable p 1.6e-4), Holm-corrected over the metrics of each comparison.
mlp = ann_trojan.run_mlp(n_seeds=8, hidden=(64, 32), max_iter=200, maxent_units=10,
                         verbose=False)
perf = mlp["performance"]
print(f"test accuracy: clean {np.mean(perf['clean accuracy']):.3f}, "
      f"Trojaned {np.mean(perf['trojan accuracy']):.3f}")
print(f"attack success (triggered digits classified 0): clean {np.mean(perf['clean ASR']):.3f}, "
      f"Trojaned {np.mean(perf['trojan ASR']):.3f}")
print(ann_trojan.format_table(mlp["table"]))

# %%
# The headline comparison.  Training changes every summary; the backdoor, which
# the Trojaned networks carry almost perfectly, leaves no significant trace.
rows = {r["metric"]: r for r in mlp["table"]}
for m in ("H0 average death", "H1 max persistence", "avg controllability (mean)",
          "maxent r (pairs / multi-info)"):
    r = rows[m]
    print(f"{m:30s} random {r['random'][0]:7.3f}  clean {r['clean'][0]:7.3f}  "
          f"trojan {r['trojan'][0]:7.3f}   Holm p: random/clean {r['p random/clean (Holm)']:.2g}, "
          f"clean/trojan {r['p clean/trojan (Holm)']:.2g}")
print("Zheng et al. 2021: structural deviation of Trojaned CNNs (LeNet-5, ResNet, DenseNet on "
      "MNIST and CIFAR-10),\ndetected from topological summaries of this kind (with input-"
      "stimulation features).  Here: none;\nthe 4-pixel trigger leaves the clean-input "
      "connectome of 96 hidden units within seed-to-seed variation.")

fig, axes = plt.subplots(1, 3, figsize=(9, 3))
conds = ("random", "clean", "trojan")
for ax, m in zip(axes, ("H0 average death", "H1 max persistence",
                        "maxent r (pairs / multi-info)")):
    for k, c in enumerate(conds):
        v = [f[m] for f in mlp["features"][c]]
        ax.plot(np.full(len(v), k) + np.linspace(-0.1, 0.1, len(v)), v, "o", ms=4)
    ax.set_xticks(range(3), conds)
    ax.set_title(m, fontsize=9)
fig.tight_layout()

# %%
# A larger trained network: the LeNet-5 of LeCun et al. (1998) for 28 x 28
# MNIST digits, trained weights bundled in ``tests/data/ann``.  Closed form of
# its size: 6 x 25 + 6, 16 x 6 x 25 + 16, 400 x 120 + 120, 120 x 84 + 84 and
# 84 x 10 + 10 parameters = 61 706.  Its weight graph, one node per channel or
# every pixel of every feature map a node (exact unrolled convolutions); with
# the MNIST sample of the shared data (BSD-3, not in the repository) also the
# topology and an Ising fit of its dense layers' activations.
z = np.load(ann_trojan.LENET)
n_params = sum(z[k].size for k in z.files)
print(f"LeNet-5 parameters: {n_params} (closed form 61706)")
lenet = ann_trojan.lenet_summary(mnist_rows=300, verbose=True)
