"""
A trained LeNet-5 as a network
==============================

The LeNet-5 of LeCun et al. (1998) for 28 x 28 MNIST digits (convolutions of
5 x 5 with 6 and 16 channels, then dense layers of 120, 84 and 10 units) has
**61 706 parameters** (weights and biases).  The bundled copy, trained on
MNIST (``tests/data/ann``), is turned into its weight graph in two ways:
one node per channel (``conv="channel"``), or every pixel of every feature
map a node with the exact unrolled convolutions (``conv="unroll"``), then
summarised as a connectome: units, edges and strength per layer.
"""

import sys
from pathlib import Path

import numpy as np

from netneuro import ann

here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
root = next(p for p in [here, *here.parents] if (p / "tests" / "data").is_dir())
z = np.load(root / "tests" / "data" / "ann" / "lenet5_mnist_lenet_weights.npz")
n_params = sum(z[k].size for k in z.files)
print(f"parameters: {n_params} (LeNet-5 for 28 x 28 input: 61706)")

sys.path.insert(0, str(root / "examples"))
from ann_trojan import lenet_spec  # noqa: E402  (the one LeNet-5 layer list)

layers = lenet_spec(z)

# %%
# Two views of the same network
for conv in ("channel", "unroll"):
    g = ann.weight_graph(layers, conv=conv, input_shape=(1, 28, 28))
    n_edges = g.adjacency.nnz if hasattr(g.adjacency, "nnz") else np.count_nonzero(g.adjacency)
    print(f"{conv:8s}: {g.adjacency.shape[0]:6d} units, {n_edges:7d} weighted edges, "
          f"layers {g.layer_names}")
print(f"channel graph, closed form: 1*6 + 6*16 + 16*120 + 120*84 + 84*10 = "
      f"{1 * 6 + 6 * 16 + 16 * 120 + 120 * 84 + 84 * 10} edges")

# %%
# Strength (sum of absolute outgoing weights) per layer of the channel graph.
# Control measures of a feed-forward graph need care: its adjacency matrix is
# nilpotent (every eigenvalue 0), so modal controllability is 1 for every
# unit and the eigenvalue normalisation of nctpy leaves the weights unscaled.
g = ann.weight_graph(layers, conv="channel", input_shape=(1, 28, 28))
W = np.abs(g.adjacency.toarray() if hasattr(g.adjacency, "toarray") else g.adjacency)
out_strength = W.sum(axis=1)
for k, name in enumerate(g.layer_names[:-1]):
    s = out_strength[g.offsets[k]:g.offsets[k + 1]]
    print(f"{name:6s} {s.size:4d} units   mean out-strength {s.mean():8.2f}")
print(f"largest |eigenvalue| of the weight graph: {np.abs(np.linalg.eigvals(W)).max():.1e}")
