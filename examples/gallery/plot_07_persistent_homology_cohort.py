"""
Persistent homology across a cohort
===================================

First the textbook check from Ripser's examples (Bauer 2021, J. Appl.
Comput. Topol. 5:391): a 13-vertex triangulation of the real projective plane
has ``H1 = H2 = Z/2`` with coefficients in ``Z/2`` and no homology in
dimensions 1 and 2 with coefficients in ``Z/3``.

Then the functional connectomes of the 12 bundled resting-state scans
(Spisak et al. 2020; 122 MIST regions): the Vietoris–Rips filtration of the
correlation distance ``sqrt(2 (1 - r))`` of each subject in one batched call,
per-subject H0/H1 summaries, and the bottleneck distances between subjects'
H1 diagrams.
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from netneuro import connectivity, data, topology

here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
root = next(p for p in [here, *here.parents] if (p / "tests" / "data").is_dir())
text = (root / "tests/data/topology/ripser_projective_plane.lower_distance_matrix").read_text()
vals = np.array(text.replace(",", " ").split(), dtype=float)
m = int(round((1 + np.sqrt(1 + 8 * len(vals))) / 2))
D = np.zeros((m, m))
D[np.tril_indices(m, -1)] = vals
D = D + D.T
for p in (2, 3):
    dg = topology.rips(D, 2, metric="precomputed", coeff=p)
    print(f"RP^2 over Z/{p}: H1 bars {dg[1].tolist()}, H2 bars {dg[2].tolist()}"
          + ("   (expected one each)" if p == 2 else "   (expected none)"))

# %%
# The cohort: correlation matrices ``(S, N, N)`` in one call, then distances.
ex = data.load_example()
subjects = list(ex["timeseries"])
R = connectivity.correlation([ex["timeseries"][s] for s in subjects])
Dist = np.sqrt(np.clip(2 * (1 - R), 0, None))
dgms = topology.rips_batch(Dist, maxdim=1, metric="precomputed")
print(f"{len(subjects)} subjects x {R.shape[1]} regions")
print("subject      mean H0 death   #H1   total H1 persistence   max H1 persistence")
for s, d in zip(subjects, dgms):
    print(f"{s:12s} {topology.average_death(d[0]):10.3f}   {len(d[1]):5d}   "
          f"{topology.total_persistence(d[1]):14.3f}   {topology.max_persistence(d[1]):14.3f}")

# %%
# Bottleneck distances between the subjects' H1 diagrams
S = len(subjects)
B = np.zeros((S, S))
for i in range(S):
    for j in range(i + 1, S):
        B[i, j] = B[j, i] = topology.bottleneck(dgms[i][1], dgms[j][1])
median = np.median(B[np.triu_indices(S, 1)])
print(f"bottleneck distance between subjects (H1): median {median:.3f}")

fig, axes = plt.subplots(1, 2, figsize=(8, 3.5))
for d in dgms[:3]:
    axes[0].plot(d[1][:, 0], d[1][:, 1], ".", ms=4)
lim = max(d[1].max() for d in dgms[:3])
axes[0].plot([0, lim], [0, lim], "k-", lw=0.5)
axes[0].set(xlabel="birth", ylabel="death", title="H1, three subjects")
im = axes[1].imshow(B)
axes[1].set(title="bottleneck distance (H1)", xlabel="subject", ylabel="subject")
fig.colorbar(im)
fig.tight_layout()
