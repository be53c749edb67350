"""Example data bundled with netneuro (see ATTRIBUTION.md for sources and licences)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["load_example", "load_celegans", "example_path", "EXAMPLE_MAXENT_REGIONS"]

_HERE = Path(__file__).resolve().parent

#: default-mode regions of MIST-122 used for the example's maximum-entropy model
EXAMPLE_MAXENT_REGIONS = ("PCcor", "VMPFcor_a", "VMPFcor_p", "L_ANGgyr", "R_ANGgyr",
                          "DMPFC_ar", "PRC_d", "L_MTgyr_a")


def example_path(name: str = "rpn_bochum_mist122_example.npz") -> Path:
    """Path of a bundled data file."""
    p = _HERE / name
    if not p.exists():
        raise FileNotFoundError(f"bundled data file {name!r} is missing from {str(_HERE)!r}")
    return p


def load_example() -> dict:
    """The bundled RPN-signature example (Spisak et al. 2020, BSD-3): 12 resting-state scans.

    Returns ``{"timeseries": {subject: (200, 122) float64}, "regions": [122 MIST-122
    names], "tr_s": 2.5, "labels_path": Path of the label CSV (subject,
    pain_sensitivity, male, age)}``.
    """
    with np.load(example_path(), allow_pickle=False) as z:
        subjects = [str(s) for s in z["subjects"]]
        ts = {s: z[s].astype(np.float64) for s in subjects}
        regions = [str(r) for r in z["regions"]]
        tr = float(z["tr_s"])
    return {"timeseries": ts, "regions": regions, "tr_s": tr,
            "labels_path": example_path("rpn_bochum_example_labels.csv")}


def load_celegans() -> dict:
    """The C. elegans connectome of Varshney et al. 2011 (via cect, MIT): 279 neurons.

    Returns ``{"neurons": [names], "chemical": (279, 279) int synapse counts,
    chemical[i, j] = synapses from i to j (directed), "electrical": (279, 279)
    symmetric gap-junction counts}``.
    """
    with np.load(example_path("celegans_varshney2011.npz"), allow_pickle=False) as z:
        return {"neurons": [str(n) for n in z["neurons"]],
                "chemical": z["chemical"].astype(np.int64),
                "electrical": z["electrical"].astype(np.int64)}
