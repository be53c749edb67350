"""Artificial connectomes: trained neural networks analysed as networks.

A trained network has an *anatomical* connectome, its weights
(:func:`weight_graph`), and a *functional* one, the statistical dependence of
its units' activations over a data set (:func:`activations`,
:func:`activation_connectome`).  Both feed the rest of netneuro: persistent
homology of the activation-correlation distance ``1 - |r|``
(:func:`topological_features`, as in Trojan-detection work: Zheng et al. 2021,
"Topological detection of Trojaned neural networks", NeurIPS), network control
of weight matrices (:func:`control_features`) and pairwise maximum-entropy fits
of binarised unit activity (:func:`maxent_features`).

Conventions
-----------
* Edge direction follows netneuro's ``M[source, target]``: ``A[i, j]`` is the
  weight *from* unit ``i`` *to* unit ``j``.  PyTorch stores a linear layer as
  ``(out, in)``, so a PyTorch weight ``W`` lands transposed: ``A[in_k, out_l] =
  W[l, k]``.  scikit-learn's ``coefs_`` are already ``(in, out)``.
* Units are numbered layer by layer, starting with the input layer; a
  convolutional layer's units are ``(channel, row, column)`` in C order (the
  order of PyTorch's ``flatten``).
* Activations are ``(n_samples, n_units)``, the ``(T, N)`` layout of time
  series: samples play the role of time points.
* Biases are not edges and are ignored by :func:`weight_graph`.

Modules: :mod:`~netneuro.ann.weights` (the weight graph),
:mod:`~netneuro.ann.activity` (activations), :mod:`~netneuro.ann.functional`
(activation connectomes; :mod:`~netneuro.ann.array_api` for torch / CuPy
activations, computed on their device), :mod:`~netneuro.ann.features`
(topology, control and maximum entropy); everything public is importable from
``netneuro.ann``.
"""

from .activity import activations, stack_activations
from .features import control_features, maxent_features, topological_features
from .functional import activation_connectome
from .weights import WeightGraph, weight_graph

__all__ = [
    "WeightGraph",
    "weight_graph",
    "activations",
    "stack_activations",
    "activation_connectome",
    "topological_features",
    "control_features",
    "maxent_features",
]
