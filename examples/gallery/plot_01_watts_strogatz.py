"""
Watts–Strogatz: clustering stays, path length collapses
=======================================================

Watts & Strogatz (1998, Nature 393:440, Fig. 2) rewired a ring lattice of
``n = 1000`` nodes with ``k = 10`` neighbours each, with probability ``p``
per edge.  A few shortcuts shrink the characteristic path length ``L(p)``
while the clustering ``C(p)`` stays near the lattice's: at ``p = 0.01``,
``L(p)/L(0)`` has fallen to about 0.2 while ``C(p)/C(0)`` is still above
0.9.  For the clustering there is a closed form, ``C(p)/C(0) ~ (1 - p)^3``
(Barrat & Weigt 2000), and ``C(0) = 3 (k - 2) / (4 (k - 1))``.
"""

import matplotlib.pyplot as plt
import numpy as np

from netneuro import generate, graph

n, k = 1000, 10
ps = np.logspace(-4, 0, 9)
A0 = generate.watts_strogatz(n, k, 0.0, seed=0)
C0 = graph.clustering(A0).mean()
L0 = graph.characteristic_path_length(A0)
print(f"C(0) = {C0:.4f}   closed form 3(k-2)/(4(k-1)) = {3 * (k - 2) / (4 * (k - 1)):.4f}")

# %%
# Three realisations per ``p``, their metrics computed as one batch
# (``(S, N, N)`` in, ``(S,)`` out).
C, L = [], []
for p in ps:
    batch = np.stack([generate.watts_strogatz(n, k, p, seed=s) for s in range(3)])
    C.append(graph.clustering(batch).mean() / C0)
    L.append(np.mean(graph.characteristic_path_length(batch, include_infinite=False)) / L0)

print("      p   C(p)/C(0)  (1-p)^3   L(p)/L(0)")
for p, c, ell in zip(ps, C, L):
    print(f"{p:7.4f}   {c:8.3f}  {(1 - p) ** 3:8.3f}   {ell:8.3f}")
i = int(np.argmin(abs(ps - 0.01)))
print(f"headline at p = {ps[i]:.3f}: C/C0 = {C[i]:.2f} (paper > 0.9), "
      f"L/L0 = {L[i]:.2f} (paper ~ 0.2)")

# %%
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.semilogx(ps, C, "o", label="C(p) / C(0)")
ax.semilogx(ps, L, "s", label="L(p) / L(0)")
ax.semilogx(ps, (1 - ps) ** 3, "-", lw=0.8, label="(1 - p)^3")
ax.set_xlabel("rewiring probability p")
ax.legend()
fig.tight_layout()

# %%
# Small-worldness
# ---------------
# Humphries & Gurney's ``sigma = (C / C_rand) / (L / L_rand)`` of the
# ``p = 0.01`` graph, against Erdős–Rényi nulls (same number of nodes and
# edges, the null of the 1998 paper) and degree-preserving nulls.
A = generate.watts_strogatz(n, k, 0.01, seed=0)
for null in ("erdos_renyi", "degree"):
    s = graph.small_worldness(A, null=null, n_null=3, seed=0)
    print(f"sigma ({null} null) = {s.value:.1f}   C_rand = {s.clustering_random:.4f}  "
          f"L_rand = {s.path_length_random:.2f}")
print(f"density k/(n-1) = {k / (n - 1):.4f}: the closed-form C of an Erdős–Rényi graph")
