"""Transfer entropy and mutual information estimators, and their significance.

Three estimators, each for every (source, target) pair at once in the compiled
core (threads over pairs, GIL released, identical for every ``n_jobs``):

``"discrete"``
    Plug-in (histogram) estimator for integer-coded data with any alphabet
    (Schreiber 2000, Phys. Rev. Lett. 85:461).  Continuous data must first be
    coded with :func:`discretize` (or pass ``n_bins=``).  Agrees with PyInform.
``"gaussian"``
    Linear-Gaussian estimator: half the log-ratio of the residual sums of
    squares of the restricted and full autoregressions, which equals half the
    Granger log-ratio in nats (Barnett, Barrett & Seth 2009, Phys. Rev. Lett.
    103:238701).  Every pair comes from the lagged covariance blocks at once
    (GEMMs, then small systems vectorised over pairs; ``netneuro.infotheory.gaussian``), one
    Array API code path for NumPy, torch and CuPy.
``"ksg"``
    Kraskov-Stoegbauer-Grassberger nearest-neighbour estimator, algorithm 1,
    max-norm, ``k`` neighbours (Kraskov et al. 2004, Phys. Rev. E 69:066138;
    TE as conditional MI after Frenzel & Pompe 2007), with k-d trees (each
    target's neighbour lists are shared by all its sources).  Every
    embedded variable (each lag of target and source, over the samples used) is
    standardised to zero mean and unit variance first, as JIDT does, and no
    noise is added: with tied values, add your own jitter.  Agrees with JIDT's
    ``TransferEntropyCalculatorKraskov`` (``NOISE_LEVEL_TO_ADD=0``) to rounding.

Embedding (all estimators): the target's present ``y_t`` is predicted from its
past ``y_{t-1}, ..., y_{t-history}`` and the source's
``x_{t-delay-source_history+1}, ..., x_{t-delay}``; time points without a full
embedding are dropped.  PyInform's ``transfer_entropy(source, target, k)`` is
``history=k, source_history=1, delay=1``.

Matrices follow ``M[i, j]`` = information from source ``i`` to target ``j``.
Values are in bits (``base=2``) unless ``base`` says otherwise (``base=np.e``
gives nats).
"""

from __future__ import annotations

from ..stats import fdr_bh
from ._common import (  # noqa: F401  (private names used by netneuro.connectivity)
    _MAX_STATES,
    ESTIMATORS,
    _check_codes,
    _check_not_constant,
    _embedding,
    _log_base,
    discretize,
)
from .discrete import (  # noqa: F401
    _discrete_te,
    _discrete_te_conditional_all,
    local_mutual_information,
    local_transfer_entropy,
)
from .estimators import (  # noqa: F401
    Cost,
    _prepare,
    _te_matrix,
    estimate_cost,
    mutual_information,
    transfer_entropy,
)
from .gaussian import _gaussian_te, linear_regression_ssr  # noqa: F401
from .significance import SurrogateResult, surrogate_test

__all__ = [
    "ESTIMATORS",
    "discretize",
    "transfer_entropy",
    "mutual_information",
    "local_transfer_entropy",
    "local_mutual_information",
    "surrogate_test",
    "estimate_cost",
    "Cost",
    "SurrogateResult",
    "fdr_bh",
    "network_inference",
    "NetworkInferenceResult",
    "TargetResult",
    "var_network",
]

_INFERENCE = ("network_inference", "NetworkInferenceResult", "TargetResult", "var_network")


def __getattr__(name):
    """Multivariate TE network inference lives in :mod:`netneuro.network_inference`;
    its public names are also reachable here, imported on first use."""
    if name in _INFERENCE:
        from .. import network_inference as _ni

        return getattr(_ni, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
