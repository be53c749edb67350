"""Result objects of multivariate-TE network inference (IDTxl's result content)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validation import check_choice

_WEIGHTS = ("binary", "max_te_lag", "vars_count", "te")


@dataclass
class TargetResult:
    """What was inferred for one target (IDTxl's single-target result).

    Variables are ``(process, lag)`` tuples, ``lag >= 1`` samples before the
    current value.  TE values are in nats.  ``selected_sources_te`` /
    ``selected_sources_pval`` follow ``selected_vars_sources`` (CMI of each
    sample given all other selected samples, and its sequential max-statistic
    p-value); ``te`` follows ``sources`` (TE of all selected samples of one
    source process given all other selected samples).  Fields are ``None``
    when no source survived (as in IDTxl).
    """

    target: int
    sources_tested: list
    selected_vars_target: list
    selected_vars_sources: list
    selected_sources_te: np.ndarray | None
    selected_sources_pval: np.ndarray | None
    omnibus_te: float | None
    omnibus_pval: float | None
    omnibus_sign: bool
    te: np.ndarray | None
    sources: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.intp))

    def __repr__(self):
        return (f"TargetResult(target={self.target}, sources={self.sources.tolist()}, "
                f"selected_vars_sources={self.selected_vars_sources}, "
                f"selected_vars_target={self.selected_vars_target}, "
                f"omnibus_te={self.omnibus_te}, omnibus_pval={self.omnibus_pval})")

    def _dropped(self) -> "TargetResult":
        """The same target with every source removed (a failed FDR test)."""
        return TargetResult(self.target, list(self.sources_tested), list(self.selected_vars_target),
                            [], None, None, self.omnibus_te, 1.0, False, None)


@dataclass
class NetworkInferenceResult:
    """Network inferred by :func:`network_inference`.

    Attributes
    ----------
    n_processes : int
    n_realisations : int
        Samples per CMI estimate (``n_timepoints - max lag``).
    targets : dict[int, TargetResult]
        Uncorrected per-target results.
    targets_fdr : dict[int, TargetResult] or None
        After the target-level FDR correction; ``None`` when it was not asked for
        or could not be applied (too few omnibus permutations, as IDTxl decides).
    adjacency : (N, N) bool ndarray
        ``adjacency[source, target]``: a significant link, FDR-corrected when
        ``targets_fdr`` exists, uncorrected otherwise.
    settings : dict
    """

    n_processes: int
    n_realisations: int
    targets: dict
    targets_fdr: dict | None
    settings: dict
    adjacency: np.ndarray = field(init=False)

    def __post_init__(self):
        self.adjacency = self.adjacency_matrix("binary", fdr=True).astype(bool)

    def __repr__(self):
        return (f"NetworkInferenceResult(n_processes={self.n_processes}, "
                f"n_links={int(self.adjacency.sum())}, targets={sorted(self.targets)}, "
                f"fdr={'applied' if self.targets_fdr is not None else 'not applied'})")

    def single_target(self, target: int, fdr: bool = True) -> TargetResult:
        """The :class:`TargetResult` of ``target`` (FDR-corrected if available and asked)."""
        table = self.targets_fdr if (fdr and self.targets_fdr is not None) else self.targets
        if target not in table:
            raise ValueError(f"target {target!r} was not analysed; analysed: {sorted(table)}")
        return table[target]

    def target_sources(self, target: int, fdr: bool = True) -> np.ndarray:
        """Distinct source processes of ``target`` (sorted)."""
        return self.single_target(target, fdr).sources

    def adjacency_matrix(self, weights: str = "binary", fdr: bool = True) -> np.ndarray:
        """``(N, N)`` matrix ``[source, target]``, as IDTxl's ``get_adjacency_matrix``.

        ``weights``: ``"binary"`` (1 for a link), ``"max_te_lag"`` (lag of the
        source's sample with the largest ``selected_sources_te``),
        ``"vars_count"`` (number of selected samples of that source), ``"te"``
        (the link's TE in nats, the ``te`` field).
        """
        check_choice(weights, "weights", _WEIGHTS)
        table = self.targets_fdr if (fdr and self.targets_fdr is not None) else self.targets
        out = np.zeros((self.n_processes, self.n_processes))
        for t, r in table.items():
            if not r.selected_vars_sources:
                continue
            procs = np.array([v[0] for v in r.selected_vars_sources])
            lags = np.array([v[1] for v in r.selected_vars_sources])
            for i, s in enumerate(r.sources):
                mask = procs == s
                if weights == "binary":
                    out[s, t] = 1
                elif weights == "vars_count":
                    out[s, t] = mask.sum()
                elif weights == "max_te_lag":
                    out[s, t] = lags[mask][np.argmax(r.selected_sources_te[mask])]
                else:
                    out[s, t] = r.te[i]
        return out
