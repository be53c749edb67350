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
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._parallel import check_n_jobs, limit_blas
from ._validation import (
    check_array,
    check_choice,
    check_float,
    check_int,
    check_memory,
    check_random_state,
    check_symmetric,
)

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


# ---------------------------------------------------------------------------
# anatomical connectome: the weight graph


@dataclass
class WeightGraph:
    """The weight graph of a feed-forward network.

    Attributes
    ----------
    adjacency : scipy.sparse.csr_matrix or ndarray, (n_units, n_units)
        ``adjacency[i, j]`` = weight from unit ``i`` (source) to unit ``j``
        (target); only consecutive layers are connected.  Sparse storage keeps
        non-zero weights only.
    layer : ndarray of int, (n_units,)
        Layer index of each unit (0 = input layer).
    offsets : ndarray of int, (n_layers + 1,)
        Units of layer ``k`` are ``offsets[k]:offsets[k + 1]``.
    layer_names : list of str
        ``"input"`` then one name per weight (or pooling) layer.
    layer_shapes : list of tuple
        Unit grid of each layer: ``(n,)`` for dense layers and channel-level
        graphs, ``(C, H, W)`` for unrolled convolutional layers.
    conv : str
        ``"channel"`` or ``"unroll"`` (how convolutions were turned into edges).
    """

    adjacency: object
    layer: np.ndarray
    offsets: np.ndarray
    layer_names: list
    layer_shapes: list
    conv: str = "channel"

    @property
    def n_units(self) -> int:
        return int(self.offsets[-1])

    @property
    def n_layers(self) -> int:
        return len(self.layer_names)

    @property
    def n_edges(self) -> int:
        """Number of non-zero weights."""
        if sp.issparse(self.adjacency):
            return int(self.adjacency.count_nonzero())
        return int(np.count_nonzero(self.adjacency))

    def units(self, k) -> slice:
        """Slice of the units of layer ``k`` (index or name)."""
        k = self._index(k)
        return slice(int(self.offsets[k]), int(self.offsets[k + 1]))

    def block(self, k):
        """Weights from layer ``k - 1`` to layer ``k``, ``(n_{k-1}, n_k)``."""
        k = self._index(k)
        if k == 0:
            raise ValueError("layer 0 (the input) has no incoming weights")
        return self.adjacency[self.units(k - 1), self.units(k)]

    def _index(self, k) -> int:
        if isinstance(k, str):
            if k not in self.layer_names:
                raise ValueError(f"unknown layer {k!r}; layers are {self.layer_names}")
            return self.layer_names.index(k)
        return check_int(k, "k", min_value=0, max_value=self.n_layers - 1)

    def __repr__(self) -> str:
        kind = "sparse" if sp.issparse(self.adjacency) else "dense"
        sizes = ", ".join(f"{n}:{int(self.offsets[i + 1] - self.offsets[i])}"
                          for i, n in enumerate(self.layer_names))
        return (f"WeightGraph({self.n_units} units, {self.n_edges} edges, {kind}, "
                f"conv={self.conv!r}, layers=[{sizes}])")


@dataclass
class _Layer:
    kind: str  # "linear", "conv", "pool"
    name: str
    weight: np.ndarray | None = None
    stride: int = 1
    padding: int = 0
    pool_mode: str = "max"


def _as_numpy(w):
    """A torch tensor (any device, grad or not) as a NumPy array; anything else unchanged."""
    if hasattr(w, "detach") and hasattr(w, "cpu"):  # torch tensor
        w = w.detach().cpu()
        if str(w.dtype) == "torch.bfloat16":  # NumPy has no bfloat16
            w = w.float()
        w = w.numpy()
    return w


def _parse_layer(item, index, name=None) -> _Layer:
    where = f"layers[{index}]"
    if isinstance(item, Mapping):
        if "pool" in item:
            k = check_int(item["pool"], f"{where}['pool']", min_value=1)
            stride = check_int(item.get("stride", k), f"{where}['stride']", min_value=1)
            mode = check_choice(item.get("mode", "max"), f"{where}['mode']", ("max", "avg"))
            if item.get("padding", 0):
                raise ValueError(f"{where}: padded pooling is not supported")
            return _Layer("pool", item.get("name", name or f"pool{index}"), np.empty((k, k)),
                          stride, 0, mode)
        if "weight" not in item:
            raise ValueError(f"{where} must be an array, a dict with 'weight' (and optional "
                             f"'stride', 'padding', 'name') or a dict with 'pool'; got keys "
                             f"{sorted(item)}")
        w = item["weight"]
        stride = check_int(item.get("stride", 1), f"{where}['stride']", min_value=1)
        padding = check_int(item.get("padding", 0), f"{where}['padding']", min_value=0)
        name = item.get("name", name)
    else:
        w, stride, padding = item, 1, 0
    w = check_array(_as_numpy(w), where, ndim=(1, 2, 4))
    if w.ndim == 1:
        raise ValueError(f"{where} is 1-D (a bias?); weight_graph takes weight matrices "
                         "(out x in) and convolution kernels (out x in x kh x kw) only")
    if w.ndim == 2:
        if stride != 1 or padding != 0:
            raise ValueError(f"{where} is a linear layer; stride and padding apply to "
                             "convolutions only")
        return _Layer("linear", name or f"linear{index}", w)
    return _Layer("conv", name or f"conv{index}", w, stride, padding)


def _single(v, what, name):
    """One int from an int or a square tuple (torch's kernel_size / stride / padding)."""
    if isinstance(v, int):
        return v
    v = tuple(v)
    if len(set(v)) != 1:
        raise ValueError(f"module {name!r}: only square {what} is supported, got {v}")
    return int(v[0])


def _layers_from_torch_module(module):
    """Linear / Conv2d / MaxPool2d / AvgPool2d submodules in registration order.

    Weights go through ``check_array`` (float64, finite).  Normalisation layers
    (1-D scales, like biases) are skipped; any other module holding a 2-D or
    larger parameter of its own (Conv1d, LSTM, Embedding, attention ...) is
    refused rather than silently left out of the graph.
    """
    import torch.nn as tnn

    out = []
    for name, m in module.named_modules():
        where = f"module {name!r} ({type(m).__name__})"
        if isinstance(m, tnn.Linear):
            out.append(_Layer("linear", name, check_array(_as_numpy(m.weight), where, ndim=2)))
        elif isinstance(m, tnn.Conv2d):
            p = m.padding
            if p == "valid":
                p = 0
            elif p == "same":  # stride 1 (torch's rule); symmetric for odd square kernels only
                kh, kw = m.kernel_size
                if kh != kw or kh % 2 == 0:
                    raise ValueError(f"{where}: padding='same' with kernel {m.kernel_size} "
                                     "pads asymmetrically, which is not supported")
                p = (kh - 1) // 2
            if m.groups != 1:
                raise ValueError(f"{where}: only groups 1 is supported, got {m.groups}")
            if set(m.dilation) != {1}:
                raise ValueError(f"{where}: only dilation 1 is supported, got {m.dilation}")
            if m.padding_mode != "zeros":
                raise ValueError(f"{where}: only zero padding is supported, got "
                                 f"{m.padding_mode!r}")
            s = _single(m.stride, "stride", name)
            pad = _single(p, "padding", name)
            out.append(_Layer("conv", name, check_array(_as_numpy(m.weight), where, ndim=4),
                              s, pad))
        elif isinstance(m, (tnn.MaxPool2d, tnn.AvgPool2d)):
            k = _single(m.kernel_size, "kernel_size", name)
            s = _single(m.stride, "stride", name) if m.stride else k
            pad = _single(m.padding, "padding", name)
            dil = getattr(m, "dilation", 1)
            if pad != 0 or getattr(m, "ceil_mode", False) or dil not in (1, (1, 1)) \
                    or getattr(m, "divisor_override", None):
                raise ValueError(f"{where}: padded, dilated, ceil-mode or divisor-override "
                                 "pooling is not supported")
            out.append(_Layer("pool", name, np.empty((k, k)), s, 0,
                              "max" if isinstance(m, tnn.MaxPool2d) else "avg"))
        elif not isinstance(m, (tnn.modules.batchnorm._NormBase, tnn.LayerNorm, tnn.GroupNorm)):
            own = [pn for pn, prm in m.named_parameters(recurse=False) if prm.ndim >= 2]
            if own:
                raise ValueError(f"{where} holds weights ({', '.join(own)}) that weight_graph "
                                 "cannot place: only Linear, Conv2d, MaxPool2d and AvgPool2d "
                                 "are supported (pass a list of arrays for other layers)")
    if not any(L.kind != "pool" for L in out):
        raise ValueError(f"the module ({type(module).__name__}) has no Linear or Conv2d "
                         "submodules")
    return out


def _normalise_layers(layers):
    """Turn every accepted form into a list of _Layer."""
    if layers is None:
        raise TypeError("layers must be a list of weight arrays, a state_dict, an sklearn MLP "
                        "or a torch.nn.Module, got None")
    if hasattr(layers, "coefs_") and hasattr(layers, "intercepts_"):  # sklearn MLP
        return [_Layer("linear", f"hidden_{i + 1}" if i < len(layers.coefs_) - 1 else "output",
                       check_array(c, f"coefs_[{i}]", ndim=2).T)
                for i, c in enumerate(layers.coefs_)]
    try:
        import torch.nn as tnn

        if isinstance(layers, tnn.Module):
            return _layers_from_torch_module(layers)
    except ImportError:
        pass
    if isinstance(layers, Mapping) or hasattr(layers, "files"):  # state_dict or npz file
        keys = list(layers.files if hasattr(layers, "files") else layers.keys())
        out = []
        for key in keys:
            if not str(key).endswith("weight"):
                continue
            w = np.asarray(_as_numpy(layers[key]))
            if w.ndim not in (2, 4):  # norm-layer scales are 1-D
                continue
            key = str(key)
            name = key[: -len(".weight")] if key.endswith(".weight") else key
            out.append(_parse_layer(w, len(out), name=name or key))
        if not out:
            raise ValueError("layers (a mapping) holds no 2-D or 4-D '*weight' entries")
        return out
    if isinstance(layers, np.ndarray) or not isinstance(layers, Sequence) or \
            isinstance(layers, (str, bytes)):
        raise TypeError("layers must be a list of weight arrays (or dicts), a state_dict, an "
                        f"sklearn MLP or a torch.nn.Module, got {type(layers).__name__}")
    if len(layers) == 0:
        raise ValueError("layers must hold at least one weight array, got an empty list")
    return [_parse_layer(item, i) for i, item in enumerate(layers)]


def _conv_out(size, k, stride, padding, where):
    out = (size + 2 * padding - k) // stride + 1
    if out < 1:
        raise ValueError(f"{where}: a {k}x{k} window does not fit a {size}x{size} input "
                         f"(padding {padding})")
    return out


def weight_graph(layers, *, dense: bool = False, conv: str = "channel", input_shape=None,
                 channel_weight: str = "abs") -> WeightGraph:
    """The anatomical connectome of a feed-forward network: units and weighted edges.

    Parameters
    ----------
    layers : list, mapping, sklearn MLP or torch.nn.Module
        The weight layers in forward order.  A list entry is a NumPy array in
        PyTorch layout (linear ``(out, in)``; convolution ``(out, in, kh,
        kw)``), a dict ``{"weight": W, "stride": s, "padding": p, "name":
        ...}`` for a strided or padded convolution, or a pooling marker
        ``{"pool": k, "stride": k, "mode": "max" | "avg"}``.  A mapping (a
        PyTorch ``state_dict``, an ``np.load``-ed ``.npz``) contributes its 2-D
        and 4-D ``*weight`` entries in key order (convolutions with stride 1,
        no padding: pass a list of dicts otherwise).  An sklearn
        ``MLPClassifier`` / ``MLPRegressor`` contributes its ``coefs_``.  A
        ``torch.nn.Module`` contributes its ``Linear``, ``Conv2d``,
        ``MaxPool2d`` and ``AvgPool2d`` submodules in registration order
        (which must be the forward order, as in ``nn.Sequential``; torch is
        optional and only imported when present).  Normalisation layers are
        skipped like biases; other modules with weights (``Conv1d``,
        ``LSTM``, ``Embedding``, attention) are refused.  Weight tensors on
        any device are copied to float64 NumPy arrays.
    dense : bool
        Return a dense ndarray instead of a CSR matrix.
    conv : {"channel", "unroll"}
        ``"channel"``: one unit per channel; the edge from input channel ``c``
        to output channel ``o`` weighs ``sum |W[o, c]|`` over the kernel
        (``channel_weight="abs"``) or ``sum W[o, c]`` (``"signed"``).  A
        linear layer after convolutions is aggregated the same way over the
        spatial positions of each channel (PyTorch flatten order: channel
        major).  Pooling does not create units in this mode (it only changes
        the spatial size).
        ``"unroll"``: the exact linear map of each convolution as a sparse
        matrix between every input position ``(c, y, x)`` and every output
        position ``(o, y', x')``: ``A[(c, y's+u-p, x's+v-p), (o, y', x')] =
        W[o, c, u, v]`` (cross-correlation, as in PyTorch; stride ``s`` and
        zero padding ``p`` from the layer dict, default 1 and 0).  Pooling
        layers create units: edges of weight 1 (max pooling: each input may
        route to the output) or ``1 / k**2`` (average pooling).  Needs
        ``input_shape`` ``(C, H, W)`` when the first layer is a convolution.
    input_shape : tuple, optional
        ``(C, H, W)`` of the input images (or ``(H, W)`` for one channel).
    channel_weight : {"abs", "signed"}
        Aggregation of kernels (and flattened spatial weights) in channel mode.

    Returns
    -------
    WeightGraph
        ``adjacency[i, j]`` = weight from unit ``i`` to unit ``j`` (source,
        target).  Biases are ignored.

    Raises
    ------
    ValueError
        Non-finite weights, a layer whose input size does not match the
        previous layer's output, a convolution after a dense layer.
    """
    check_choice(conv, "conv", ("channel", "unroll"))
    check_choice(channel_weight, "channel_weight", ("abs", "signed"))
    dense = bool(dense)
    parsed = _normalise_layers(layers)
    if input_shape is not None:
        if isinstance(input_shape, numbers.Integral):
            input_shape = (int(input_shape),)
        input_shape = tuple(int(check_int(v, "input_shape", min_value=1)) for v in input_shape)
        if len(input_shape) == 2:
            input_shape = (1,) + input_shape
        if len(input_shape) not in (1, 3):
            raise ValueError(f"input_shape must be (C, H, W), (H, W) or (n,), got {input_shape}")

    first = parsed[0]
    if first.kind == "pool":
        raise ValueError("layers[0] is a pooling layer; the first layer must have weights")
    # current layer state: channel count, spatial (H, W) or None for dense vectors
    if first.kind == "conv":
        c0 = first.weight.shape[1]
        if input_shape is not None:
            if len(input_shape) != 3 or input_shape[0] != c0:
                raise ValueError(f"input_shape {input_shape} does not match layers[0], a "
                                 f"convolution with {c0} input channels (expected ({c0}, H, W))")
            spatial = input_shape[1:]
        elif conv == "unroll":
            raise ValueError("conv='unroll' needs input_shape=(C, H, W) when the first layer "
                             "is a convolution")
        else:
            spatial = None
        channels = c0
        n_in = c0 * spatial[0] * spatial[1] if conv == "unroll" else c0
        shape0 = (c0,) + tuple(spatial) if conv == "unroll" else (c0,)
    else:
        n_in = first.weight.shape[1]
        if input_shape is not None and int(np.prod(input_shape)) != n_in:
            raise ValueError(f"input_shape {input_shape} has {int(np.prod(input_shape))} units "
                             f"but layers[0] expects {n_in} inputs")
        channels, spatial = None, None
        shape0 = (n_in,)

    names = ["input"]
    shapes = [shape0]
    sizes = [n_in]
    rows, cols, vals = [], [], []
    offset = 0  # first unit of the current (source) layer

    for idx, L in enumerate(parsed):
        where = f"layers[{idx}]"
        n_src = sizes[-1]
        if L.kind == "pool":
            k = L.weight.shape[0]
            if channels is None or (spatial is None and conv == "unroll"):
                raise ValueError(f"{where}: pooling needs a convolutional (C, H, W) input")
            if spatial is not None:
                ho = _conv_out(spatial[0], k, L.stride, 0, where)
                wo = _conv_out(spatial[1], k, L.stride, 0, where)
            if conv == "channel":
                spatial = (ho, wo) if spatial is not None else None
                continue
            C, H, W = channels, spatial[0], spatial[1]
            c, y, x, u, v = np.meshgrid(np.arange(C), np.arange(ho), np.arange(wo),
                                        np.arange(k), np.arange(k), indexing="ij")
            src = (c * H + (y * L.stride + u)) * W + (x * L.stride + v)
            tgt = (c * ho + y) * wo + x
            w = 1.0 if L.pool_mode == "max" else 1.0 / (k * k)
            rows.append(offset + src.ravel())
            cols.append(offset + n_src + tgt.ravel())
            vals.append(np.full(src.size, w))
            spatial = (ho, wo)
            n_out = C * ho * wo
            shape = (C, ho, wo)
        elif L.kind == "conv":
            O, Ci, kh, kw = L.weight.shape
            if channels is None:
                raise ValueError(f"{where} is a convolution but its input comes from a dense "
                                 "layer; convolutions must precede dense layers")
            if Ci != channels:
                raise ValueError(f"{where} expects {Ci} input channels but the previous layer "
                                 f"has {channels}")
            if spatial is not None:
                ho = _conv_out(spatial[0], kh, L.stride, L.padding, where)
                wo = _conv_out(spatial[1], kw, L.stride, L.padding, where)
            if conv == "channel":
                agg = np.abs(L.weight) if channel_weight == "abs" else L.weight
                Wc = agg.sum(axis=(2, 3))  # (O, Ci)
                src, tgt = np.meshgrid(np.arange(Ci), np.arange(O), indexing="ij")
                rows.append(offset + src.ravel())
                cols.append(offset + n_src + tgt.ravel())
                vals.append(Wc.T.ravel())
                n_out = O
                shape = (O,)
                spatial = (ho, wo) if spatial is not None else None
            else:
                H, W = spatial
                p, s = L.padding, L.stride
                o, c, y, x = np.meshgrid(np.arange(O), np.arange(Ci), np.arange(ho),
                                         np.arange(wo), indexing="ij")
                for u in range(kh):
                    for v in range(kw):
                        yy = y * s + u - p
                        xx = x * s + v - p
                        ok = (yy >= 0) & (yy < H) & (xx >= 0) & (xx < W)
                        src = (c[ok] * H + yy[ok]) * W + xx[ok]
                        tgt = (o[ok] * ho + y[ok]) * wo + x[ok]
                        rows.append(offset + src)
                        cols.append(offset + n_src + tgt)
                        vals.append(L.weight[o[ok], c[ok], u, v])
                n_out = O * ho * wo
                shape = (O, ho, wo)
                spatial = (ho, wo)
            channels = O
        else:  # linear
            n_out, n_feat = L.weight.shape
            if channels is not None and conv == "channel":
                # aggregate the flattened (C, H, W) features per channel
                if n_feat % channels:
                    raise ValueError(f"{where} expects {n_feat} inputs, not a multiple of the "
                                     f"{channels} channels of the previous layer")
                per = n_feat // channels
                if spatial is not None and per != spatial[0] * spatial[1]:
                    raise ValueError(
                        f"{where} expects {n_feat} inputs but the previous layer produces "
                        f"{channels} x {spatial[0]} x {spatial[1]} = "
                        f"{channels * spatial[0] * spatial[1]}")
                blocks = L.weight.reshape(n_out, channels, per)
                Wc = (np.abs(blocks) if channel_weight == "abs" else blocks).sum(axis=2)
                src, tgt = np.meshgrid(np.arange(channels), np.arange(n_out), indexing="ij")
                rows.append(offset + src.ravel())
                cols.append(offset + n_src + tgt.ravel())
                vals.append(Wc.T.ravel())
            else:
                if n_feat != n_src:
                    raise ValueError(f"{where} expects {n_feat} inputs but the previous layer "
                                     f"produces {n_src} units")
                src, tgt = np.meshgrid(np.arange(n_feat), np.arange(n_out), indexing="ij")
                rows.append(offset + src.ravel())
                cols.append(offset + n_src + tgt.ravel())
                vals.append(L.weight.T.ravel())
            channels, spatial = None, None
            shape = (n_out,)
        names.append(L.name)
        shapes.append(shape)
        sizes.append(n_out)
        offset += n_src

    n = int(sum(sizes))
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    layer = np.repeat(np.arange(len(sizes)), sizes)
    r = np.concatenate(rows) if rows else np.empty(0, np.int64)
    c_ = np.concatenate(cols) if cols else np.empty(0, np.int64)
    v_ = np.concatenate(vals).astype(np.float64) if vals else np.empty(0)
    if dense:
        check_memory(8.0 * n * n, f"a dense {n} x {n} weight graph", hint="use dense=False")
        A = np.zeros((n, n))
        np.add.at(A, (r, c_), v_)
    else:
        A = sp.coo_matrix((v_, (r, c_)), shape=(n, n)).tocsr()  # duplicates are summed
        A.eliminate_zeros()
        A.sort_indices()
    return WeightGraph(A, layer, offsets, names, shapes, conv)


# ---------------------------------------------------------------------------
# activations

_SK_ACT = {
    "identity": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "tanh": np.tanh,
    "logistic": lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)),
}


def _softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _select(out: dict, layers, where="layers"):
    if layers is None:
        return out
    if isinstance(layers, (str, numbers.Integral)):
        layers = [layers]
    names = list(out)
    picked = {}
    for item in layers:
        if isinstance(item, str):
            if item not in out:
                raise ValueError(f"{where}: unknown layer {item!r}; available: {names}")
            picked[item] = out[item]
        elif isinstance(item, numbers.Integral) and not isinstance(item, bool):
            if not -len(names) <= item < len(names):
                raise ValueError(f"{where}: layer index {item} out of range for {len(names)} "
                                 "layers")
            picked[names[item]] = out[names[item]]
        else:
            raise TypeError(f"{where} must hold layer names or indices, got {item!r}")
    return picked


def _sklearn_forward(model, X):
    acts = {"input": X}
    h = X
    n = len(model.coefs_)
    hidden = _SK_ACT.get(model.activation)
    if hidden is None:
        raise ValueError(f"unsupported MLP activation {model.activation!r}")
    for i, (W, b) in enumerate(zip(model.coefs_, model.intercepts_)):
        z = h @ np.asarray(W, dtype=np.float64) + np.asarray(b, dtype=np.float64)
        if i < n - 1:
            h = hidden(z)
            acts[f"hidden_{i + 1}"] = h
        else:
            out = getattr(model, "out_activation_", "identity")
            h = _softmax(z) if out == "softmax" else _SK_ACT[out](z)
            acts["output"] = h
    return acts


def _torch_forward(module, X, layers, batch_size):
    """Forward hooks on the wanted submodules; the module runs in eval mode (restored after).

    A module called more than once per forward pass (one ``ReLU`` reused)
    yields one entry per call: ``name``, ``name:1``, ...  Entries are in the
    order of the calls in the forward pass.
    """
    import torch

    names = dict(module.named_modules())
    explicit = layers is not None
    if not explicit:
        wanted = [n for n, m in names.items() if n and not list(m.children())]
        if not wanted:  # a single leaf module: hook the module itself
            wanted = [""]
    else:
        wanted = [layers] if isinstance(layers, str) else list(layers)
        for n in wanted:
            if not isinstance(n, str):
                raise TypeError(f"layers must hold submodule names (str) for a torch module, "
                                f"got {n!r}")
            if n not in names:
                raise ValueError(f"layers: module has no submodule {n!r}")
    store: dict = {}   # key -> list of per-batch arrays, keys in first-call order
    calls: dict = {}   # module name -> calls in the current batch
    nb = [0]

    def make_hook(n):
        def hook(_m, _inp, out):
            if not isinstance(out, torch.Tensor):
                if explicit:
                    raise TypeError(f"layers: the output of submodule {n!r} is not a tensor "
                                    f"({type(out).__name__}); pick a submodule that returns "
                                    "one tensor")
                return  # default (every leaf): modules returning tuples are left out
            i = calls.get(n, 0)
            calls[n] = i + 1
            key = n if i == 0 else f"{n}:{i}"
            if out.ndim == 0 or out.shape[0] != nb[0]:
                raise ValueError(f"submodule {n!r} returned shape {tuple(out.shape)} for a "
                                 f"batch of {nb[0]}; the leading axis must be the sample axis")
            # always a copy: an in-place op later in the pass (ReLU(inplace=True)) must not
            # change what was recorded, even for float64 CPU tensors
            store.setdefault(key, []).append(
                out.detach().reshape(out.shape[0], -1).to("cpu", torch.float64,
                                                          copy=True).numpy())
        return hook

    hooks = [names[n].register_forward_hook(make_hook(n)) for n in wanted]
    param = next(module.parameters(), None)
    device = param.device if param is not None else "cpu"
    dtype = param.dtype if param is not None else torch.float32
    if not dtype.is_floating_point:
        dtype = torch.float32
    modes = {m: m.training for m in module.modules()}
    module.eval()  # dropout off, batch-norm running statistics used and left untouched
    n_batches = 0
    try:
        with torch.no_grad():
            for s in range(0, X.shape[0], batch_size):
                calls.clear()
                xb = torch.as_tensor(X[s:s + batch_size], dtype=dtype, device=device)
                nb[0] = xb.shape[0]
                module(xb)
                n_batches += 1
    finally:
        for h in hooks:
            h.remove()
        for m, mode in modes.items():
            m.training = mode
    for key, v in store.items():
        if len(v) != n_batches:
            raise ValueError(f"submodule call {key!r} happened in some batches only (a "
                             "data-dependent forward pass); use batch_size=len(X)")
    return {k: np.concatenate(v, axis=0) for k, v in store.items()}


def activations(model, X, *, layers=None, batch_size: int | None = None) -> dict:
    """Unit activations of a model over a data set, one ``(n_samples, n_units)`` array per layer.

    Parameters
    ----------
    model : sklearn MLP, torch.nn.Module or callable
        * scikit-learn ``MLPClassifier`` / ``MLPRegressor`` (fitted, or any
          object with ``coefs_``, ``intercepts_``, ``activation`` and
          ``out_activation_``): a forward pass with its activation function.
          Layers are ``"input"``, ``"hidden_1"`` ... ``"hidden_k"`` and
          ``"output"`` (softmax / logistic probabilities for classifiers).
        * ``torch.nn.Module`` (when torch is installed): forward hooks on the
          named submodules ``layers`` (default: every leaf module returning a
          tensor); outputs are flattened per sample, in the order of the calls
          in the forward pass.  A submodule called twice per pass (a reused
          ``ReLU``) gives ``name`` and ``name:1``.  The module runs in eval
          mode under ``torch.no_grad()`` (dropout off, batch-norm statistics
          untouched) on its parameters' device and dtype; its training flags
          are restored afterwards.  ``X`` may be a tensor.
        * any other callable ``model(X_batch)`` returning a dict
          ``{name: array}`` or a list of arrays (named ``"layer_0"``, ...);
          each array's leading axis is the sample axis.
    X : array-like, (n_samples, ...)
        Inputs (rows are samples).
    layers : name, index or list of them, optional
        Which layers to return.  Default: the hidden layers for an sklearn
        MLP, every leaf module for torch, everything for a callable.
    batch_size : int, optional
        Feed ``X`` in batches of this many rows (default: all at once; torch:
        256).

    Returns
    -------
    dict of str -> ndarray (n_samples, n_units_layer), float64, in layer order.
    """
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", min_value=1)
    is_sklearn = hasattr(model, "coefs_") and hasattr(model, "intercepts_")
    is_torch = False
    if not is_sklearn:
        try:
            import torch.nn as tnn

            is_torch = isinstance(model, tnn.Module)
        except ImportError:
            pass
    if not (is_sklearn or is_torch or callable(model)):
        raise TypeError("model must be a fitted sklearn MLP, a torch.nn.Module or a callable, "
                        f"got {type(model).__name__}")
    if is_sklearn:
        X = check_array(_as_numpy(X), "X", ndim=2)
        n_in = np.shape(model.coefs_[0])[0]
        if X.shape[1] != n_in:
            raise ValueError(f"X has {X.shape[1]} features but the MLP expects {n_in}")
        if batch_size is None:
            out = _sklearn_forward(model, X)
        else:
            parts = [_sklearn_forward(model, X[s:s + batch_size])
                     for s in range(0, X.shape[0], batch_size)]
            out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        if layers is None:
            return {k: v for k, v in out.items() if k.startswith("hidden_")}
        return _select(out, layers)
    X = check_array(_as_numpy(X), "X", ndim=(2, 3, 4, 5), dtype=None)
    if X.dtype.kind not in "fiub":
        raise TypeError(f"X must hold real numbers, got dtype {X.dtype}")
    if is_torch:
        return _torch_forward(model, X, layers, batch_size or 256)
    bs = batch_size or X.shape[0]
    parts = []
    for s in range(0, X.shape[0], bs):
        res = model(X[s:s + bs])
        if isinstance(res, Mapping):
            res = {str(k): v for k, v in res.items()}
        elif isinstance(res, Sequence) and not isinstance(res, (str, bytes)):
            res = {f"layer_{i}": v for i, v in enumerate(res)}
        else:
            raise TypeError("model(X) must return a dict of arrays or a list of arrays, got "
                            f"{type(res).__name__}")
        nb = X[s:s + bs].shape[0]
        for k, v in res.items():
            v = check_array(_as_numpy(v), f"model(X)[{k!r}]")
            if v.shape[0] != nb:
                raise ValueError(f"model(X)[{k!r}] has {v.shape[0]} rows for {nb} inputs; the "
                                 "leading axis must be the sample axis")
            res[k] = v.reshape(nb, -1)
        parts.append(res)
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return _select(out, layers)


def stack_activations(acts) -> tuple[np.ndarray, np.ndarray, list]:
    """Concatenate a dict of layer activations into ``(n_samples, n_units)``.

    Returns ``(A, layer_index, layer_names)``: ``layer_index[u]`` is the
    position in ``layer_names`` of unit ``u``'s layer.
    """
    if isinstance(acts, Mapping):
        if not acts:
            raise ValueError("acts is an empty dict")
        names = [str(k) for k in acts]
        arrs = [check_array(_as_numpy(v), f"acts[{k!r}]", ndim=2) for k, v in acts.items()]
        n = arrs[0].shape[0]
        for k, a in zip(names, arrs):
            if a.shape[0] != n:
                raise ValueError(f"acts[{k!r}] has {a.shape[0]} samples, the first layer {n}")
        labels = np.repeat(np.arange(len(arrs)), [a.shape[1] for a in arrs])
        return np.concatenate(arrs, axis=1), labels, names
    A = check_array(_as_numpy(acts), "acts", ndim=2)
    return A, np.zeros(A.shape[1], dtype=np.int64), ["all"]


# ---------------------------------------------------------------------------
# functional connectome


def _alive_mask(A: np.ndarray, dead_tol: float) -> np.ndarray:
    return (A.max(axis=0) - A.min(axis=0)) > dead_tol


def _chunks(n: int, size: int):
    return [(s, min(n, s + size)) for s in range(0, n, size)]


def _correlation_chunked(A, chunk_size, n_jobs, xp=np):
    """Pearson correlation of the columns of ``A`` (all non-constant), in blocks of columns.

    ``Z`` = centred columns scaled to unit norm; ``C = Z.T @ Z`` in one
    symmetric rank-k update (NumPy's syrk path) when ``N <= chunk_size``, else
    block row by block row (diagonal blocks by syrk, blocks right of the
    diagonal by gemm); the lower triangle is then copied from the upper one,
    so ``C`` is exactly symmetric.  Parallelism is the BLAS's own (``n_jobs``
    threads).
    """
    n, N = A.shape
    Z = A - A.mean(axis=0)
    Z /= xp.sqrt(xp.einsum("ij,ij->j", Z, Z))
    with limit_blas(n_jobs) if xp is np else nullcontext():
        if N <= chunk_size:
            C = Z.T @ Z
        else:
            C = xp.empty((N, N))
            for s, e in _chunks(N, chunk_size):
                Zb = xp.ascontiguousarray(Z[:, s:e])
                C[s:e, s:e] = Zb.T @ Zb
                if e < N:
                    C[s:e, e:] = Zb.T @ Z[:, e:]
    _mirror_upper(C, xp)
    xp.clip(C, -1.0, 1.0, out=C)
    C[xp.arange(N), xp.arange(N)] = 1.0
    return C


def _mirror_upper(C, xp=np, tile: int = 512) -> None:
    """Copy the upper triangle of square ``C`` onto its lower triangle, in place, tile by tile."""
    N = C.shape[0]
    for s, e in _chunks(N, tile):
        D = C[s:e, s:e]
        il = xp.tril_indices(e - s, -1)
        D[il] = D.T[il]
        if e < N:
            C[e:, s:e] = C[s:e, e:].T


def _mutual_information_binned(A, n_bins, chunk_size, n_jobs):
    """Plug-in MI (nats) between equal-width-binned columns, joint counts by matrix products."""
    n, N = A.shape
    lo, hi = A.min(axis=0), A.max(axis=0)
    idx = np.floor((A - lo) / (hi - lo) * n_bins).astype(np.int64)
    np.clip(idx, 0, n_bins - 1, out=idx)
    check_memory(4.0 * n * N * n_bins, f"a ({n}, {N * n_bins}) one-hot bin matrix",
                 hint="use fewer bins or units")
    onehot = np.zeros((n, N * n_bins), dtype=np.float32)  # counts <= n < 2**24: exact
    if n >= 2**24:
        raise ValueError("mutual_information supports at most 2**24 samples")
    onehot[np.arange(n)[:, None], np.arange(N) * n_bins + idx] = 1.0
    p1 = onehot.sum(axis=0, dtype=np.float64).reshape(N, n_bins) / n
    M = np.empty((N, N))
    blocks = _chunks(N, max(1, chunk_size // 4))

    def work(b):
        s, e = b
        joint = (onehot[:, s * n_bins:e * n_bins].T @ onehot).astype(np.float64) / n
        joint = joint.reshape(e - s, n_bins, N, n_bins)
        outer = p1[s:e, :, None, None] * p1[None, None, :, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(joint > 0, joint * np.log(joint / outer), 0.0)
        M[s:e] = t.sum(axis=(1, 3))

    with limit_blas(n_jobs):
        for b in blocks:
            work(b)
    _mirror_upper(M)  # exact symmetry (the two triangles come from different products)
    np.maximum(M, 0.0, out=M)
    return M


def activation_connectome(acts, method: str = "correlation", *, dead: str = "zero",
                          dead_tol: float = 0.0, chunk_size: int = 8192, n_bins: int = 8,
                          n_jobs=None, device: str = "cpu", return_alive: bool = False,
                          **te_kwargs):
    """The functional connectome of units from their activations over a data set.

    Parameters
    ----------
    acts : array (n_samples, n_units) or dict of such arrays (one per layer)
        Activations, samples in rows (as returned by :func:`activations`);
        a dict is concatenated in order (:func:`stack_activations`).
    method : {"correlation", "mutual_information", "transfer_entropy"}
        * ``"correlation"``: Pearson ``r``, computed as ``Z.T @ Z`` of the
          standardised activations in blocks of ``chunk_size`` units (BLAS
          syrk/gemm with ``n_jobs`` BLAS threads; CuPy on ``device="gpu"``).
          Equals ``np.corrcoef(acts.T)`` to rounding; the diagonal is 1.
        * ``"mutual_information"``: plug-in mutual information in nats
          between activations discretised into ``n_bins`` equal-width bins
          per unit (joint histograms of all pairs as products of one-hot
          matrices); the diagonal is each unit's binned entropy.
        * ``"transfer_entropy"``: :func:`netneuro.connectivity.transfer_entropy`
          with rows as time (meaningful for recurrent networks or sequential
          inputs only); ``te_kwargs`` (``estimator=``, ...) are passed on.
          ``M[i, j]`` = TE from unit ``i`` to unit ``j``.
    dead : {"zero", "drop", "raise"}
        Dead units (constant activation over the data set: ``max - min <=
        dead_tol``, e.g. ReLU units never active) have no defined correlation.
        ``"zero"`` (default): their rows and columns, diagonal included, are 0,
        so the matrix stays aligned with the units; ``"drop"``: they are left
        out (the result is over the alive units only); ``"raise"``: a
        ``ValueError``.  The result never contains NaN.
    dead_tol : float
        Activation range at or below which a unit counts as dead.
    return_alive : bool
        Also return the boolean mask of alive units ``(n_units,)``.

    Returns
    -------
    ndarray (n_units, n_units) (or (n_alive, n_alive) with ``dead="drop"``),
    and the alive mask when ``return_alive``.
    """
    check_choice(method, "method", ("correlation", "mutual_information", "transfer_entropy"))
    check_choice(dead, "dead", ("zero", "drop", "raise"))
    dead_tol = check_float(dead_tol, "dead_tol", min_value=0.0)
    chunk_size = check_int(chunk_size, "chunk_size", min_value=1)
    n_bins = check_int(n_bins, "n_bins", min_value=2)
    n_jobs = check_n_jobs(n_jobs)
    from ._backend import array_module, resolve_device, to_numpy

    if not isinstance(acts, Mapping):
        acts = _as_numpy(acts)  # torch tensors (any device) come to the host
    dev = resolve_device(device, acts if not isinstance(acts, Mapping) else None)
    if dev == "gpu" and method != "correlation":
        raise ValueError("device='gpu' is supported for method='correlation' only")
    if dev == "gpu" and not isinstance(acts, Mapping):
        acts = to_numpy(acts)
    A, _, _ = stack_activations(acts)
    n, N = A.shape
    if n < 2:
        raise ValueError(f"acts must have at least 2 samples (rows), got {n}")
    alive = _alive_mask(A, dead_tol)
    if not alive.all():
        if dead == "raise":
            bad = np.flatnonzero(~alive)
            raise ValueError(f"acts has {bad.size} dead (constant) units, e.g. unit {bad[0]}; "
                             "use dead='zero' or dead='drop'")
    na = int(alive.sum())
    out_n = na if dead == "drop" else N
    check_memory(8.0 * (out_n * out_n + n * na), f"a {out_n} x {out_n} activation connectome "
                 f"from {n} samples", hint="select fewer units or layers")
    Aa = A[:, alive] if na < N else A
    if na == 0:
        M = np.zeros((0, 0))
    elif method == "correlation":
        if dev == "gpu":
            xp = array_module("gpu")
            M = to_numpy(_correlation_chunked(xp.asarray(Aa), chunk_size, 1, xp))
        else:
            M = _correlation_chunked(Aa, chunk_size, n_jobs)
    elif method == "mutual_information":
        M = _mutual_information_binned(Aa, n_bins, chunk_size, n_jobs)
    else:
        from . import connectivity

        M = np.asarray(connectivity.transfer_entropy(Aa, n_jobs=n_jobs, **te_kwargs),
                       dtype=np.float64)
    if dead != "drop" and na < N:
        full = np.zeros((N, N))
        ia = np.flatnonzero(alive)
        full[np.ix_(ia, ia)] = M
        M = full
    if np.isnan(M).any():  # never silently
        raise FloatingPointError("activation_connectome produced NaN; please report this")
    return (M, alive) if return_alive else M


# ---------------------------------------------------------------------------
# topology of the functional connectome


def _looks_like_correlation(X: np.ndarray) -> bool:
    if X.ndim != 2 or X.shape[0] != X.shape[1] or np.abs(X).max() > 1.0 + 1e-12:
        return False
    d = np.diag(X)
    return bool(np.all((d == 1.0) | (d == 0.0)) and np.allclose(X, X.T, atol=1e-12))


def _summaries(C: np.ndarray, maxdim: int, thresholds: np.ndarray, n_jobs) -> dict:
    from . import topology

    alive = np.abs(np.diag(C)) > 0  # dead units have zero rows (activation_connectome)
    C = C[np.ix_(alive, alive)]
    n = C.shape[0]
    res = {"n_units": n}
    if n < 2:
        res.update(average_death_h0=float("nan"), max_persistence_h1=float("nan"),
                   betti_curves=np.zeros((maxdim + 1, thresholds.size)), diagrams=None)
        return res
    D = 1.0 - np.abs(C)
    np.fill_diagonal(D, 0.0)
    np.clip(D, 0.0, 1.0, out=D)
    D = 0.5 * (D + D.T)
    dgms = topology.rips(D, maxdim=maxdim, metric="precomputed", n_jobs=n_jobs)
    res["diagrams"] = dgms
    res["average_death_h0"] = float(topology.average_death(dgms[0]))
    if maxdim >= 1:
        res["max_persistence_h1"] = float(topology.max_persistence(dgms[1]))
        res["n_h1"] = int(len(dgms[1]))
    res["betti_curves"] = np.vstack([np.asarray(topology.betti_curve(dgms[k], thresholds),
                                                dtype=np.float64)
                                     for k in range(maxdim + 1)])
    return res


def topological_features(data, *, kind: str = "auto", layer_labels=None, per_layer: bool = True,
                         maxdim: int = 1, thresholds=None, max_units: int | None = None,
                         seed=None, n_jobs=None) -> dict:
    """Persistent homology of the activation-correlation distance ``1 - |r|``.

    The summaries are those of Trojan-detection work (Zheng et al. 2021,
    NeurIPS): the average death of H0 classes (finite bars) and the maximum
    persistence of H1 classes of the Vietoris-Rips filtration, plus Betti
    curves on ``thresholds`` (default 51 points on [0, 1]).

    Parameters
    ----------
    data : dict of activations, array (n_samples, n_units) or (N, N) correlation
        Layer dict (from :func:`activations`), stacked activations, or a
        correlation matrix from :func:`activation_connectome`.
    kind : {"auto", "activations", "correlation"}
        How to read an array: ``"auto"`` treats a square symmetric array with
        entries in [-1, 1] and a 0/1 diagonal as a correlation matrix and
        anything else as activations (dicts are always activations).
    layer_labels : array of int (N,), optional
        Layer of each unit for per-layer summaries of a stacked array or
        correlation matrix (a dict carries its own).
    per_layer : bool
        Also compute the summaries of each layer on its own.
    max_units : int, optional
        Persistence of more units than this uses a random subset of this many
        alive units (drawn with ``seed``), per layer and for the network.
    n_jobs : passed to :func:`netneuro.topology.rips`.

    Dead units (zero rows: constant activations) are left out.

    Returns
    -------
    dict with ``"network"`` and (if ``per_layer``) ``"layers"`` (name ->
    summaries).  Summaries: ``n_units``, ``average_death_h0``,
    ``max_persistence_h1``, ``n_h1``, ``betti_curves`` ``(maxdim + 1,
    len(thresholds))``, ``diagrams``; plus ``"thresholds"``.
    """
    check_choice(kind, "kind", ("auto", "activations", "correlation"))
    maxdim = check_int(maxdim, "maxdim", min_value=0, max_value=2)
    if max_units is not None:
        max_units = check_int(max_units, "max_units", min_value=2)
    rng = check_random_state(seed)
    if thresholds is None:
        thresholds = np.linspace(0.0, 1.0, 51)
    thresholds = check_array(thresholds, "thresholds", ndim=1)
    if isinstance(data, Mapping):
        A, labels, names = stack_activations(data)
        C = activation_connectome(A, dead="zero", n_jobs=n_jobs)
    else:
        X = check_array(_as_numpy(data), "data", ndim=2)
        is_corr = kind == "correlation" or (kind == "auto" and _looks_like_correlation(X))
        if is_corr:
            if X.shape[0] != X.shape[1]:
                raise ValueError(f"data must be a square correlation matrix, got {X.shape}")
            if np.abs(X).max() > 1.0 + 1e-9:
                raise ValueError("data (a correlation matrix) must have entries in [-1, 1]")
            check_symmetric(X, "data")
            C = X
        else:
            C = activation_connectome(X, dead="zero", n_jobs=n_jobs)
        if layer_labels is None:
            labels, names = np.zeros(C.shape[0], dtype=np.int64), ["all"]
        else:
            labels = check_array(layer_labels, "layer_labels", ndim=1, dtype=np.int64)
            if labels.size != C.shape[0]:
                raise ValueError(f"layer_labels has {labels.size} entries for {C.shape[0]} units")
            names = [f"layer_{k}" for k in np.unique(labels)]
            labels = np.searchsorted(np.unique(labels), labels)

    def subset(idx):
        idx = idx[np.abs(C[idx, idx]) > 0]  # alive
        if max_units is not None and idx.size > max_units:
            idx = np.sort(rng.choice(idx, size=max_units, replace=False))
        return C[np.ix_(idx, idx)]

    out = {"thresholds": thresholds,
           "network": _summaries(subset(np.arange(C.shape[0])), maxdim, thresholds, n_jobs)}
    if per_layer:
        out["layers"] = {name: _summaries(subset(np.flatnonzero(labels == k)), maxdim,
                                          thresholds, n_jobs)
                         for k, name in enumerate(names)}
    return out


# ---------------------------------------------------------------------------
# control and maximum entropy


def control_features(W, *, system: str = "discrete", layout: str = "source_target",
                     layers: bool = True) -> dict:
    """Average and modal controllability of a (recurrent) weight matrix.

    Parameters
    ----------
    W : array (N, N), sparse matrix or WeightGraph
        Square weight matrix, e.g. a recurrent layer's hidden-to-hidden
        weights, or the full weight graph of a feed-forward network.
    layout : {"source_target", "pytorch"}
        ``"source_target"``: ``W[i, j]`` = weight from unit ``i`` to ``j``
        (netneuro, :class:`WeightGraph`); ``"pytorch"``: ``W[j, i]`` (PyTorch
        ``weight_hh``, ``h_t = W h_{t-1} + ...``).
    system : {"discrete", "continuous"}
        Normalisation of :func:`netneuro.control.normalize`; modal
        controllability is defined for discrete systems only (it is computed
        on the discrete normalisation in both cases).
    layers : bool
        With a WeightGraph, also report per-layer means.

    Returns
    -------
    dict: ``A_norm`` (N, N) as passed to the control module,
    ``average_controllability`` and ``modal_controllability`` (N,), their
    means, and ``layers`` (name -> dict of means) for a WeightGraph.
    """
    from . import control

    check_choice(system, "system", ("discrete", "continuous"))
    check_choice(layout, "layout", ("source_target", "pytorch"))
    graph = W if isinstance(W, WeightGraph) else None
    if graph is not None:
        W = graph.adjacency
    if sp.issparse(W):
        n = W.shape[0]
        check_memory(8.0 * n * n * 4, f"control of a {n} x {n} weight matrix",
                     hint="use a smaller network or a recurrent block")
        W = W.toarray()
    W = check_array(W, "W", ndim=2)
    if W.shape[0] != W.shape[1]:
        raise ValueError(f"W must be square, got shape {W.shape}")
    # the control modules take the dynamics matrix x(t+1) = A x(t): A[target, source]
    A = W.T.copy() if layout == "source_target" else W
    A_norm = control.normalize(A, system=system)
    ac = np.asarray(control.average_controllability(A_norm, system=system), dtype=np.float64)
    A_disc = A_norm if system == "discrete" else control.normalize(A, system="discrete")
    mc = np.asarray(control.modal_controllability(A_disc), dtype=np.float64)
    res = {"A_norm": A_norm, "average_controllability": ac, "modal_controllability": mc,
           "mean_average_controllability": float(ac.mean()),
           "mean_modal_controllability": float(mc.mean())}
    if graph is not None and layers:
        res["layers"] = {name: {"mean_average_controllability": float(ac[graph.units(k)].mean()),
                                "mean_modal_controllability": float(mc[graph.units(k)].mean())}
                         for k, name in enumerate(graph.layer_names)}
    return res


def maxent_features(acts, *, max_units: int = 15, threshold="mean", method: str = "auto",
                    select: str = "random", seed=None) -> dict:
    """A pairwise maximum-entropy (Ising) model of binarised unit activity.

    Activations are binarised with :func:`netneuro.maxent.binarize` (per unit,
    ``threshold``), units whose binarised activity is constant are left out
    (their field would be infinite), and at most ``max_units`` of the rest are
    fitted with :func:`netneuro.maxent.fit_ising` (exact fits need few units:
    2**N states).  ``select="random"`` draws the subset with ``seed``;
    ``"variance"`` takes the units with the most variable binarised activity.

    Returns
    -------
    dict: ``units`` (indices into the stacked units), ``X`` the binarised data
    ``(n_samples, n_selected)``, ``model`` (from ``fit_ising``),
    ``goodness_of_fit`` (from :func:`netneuro.maxent.goodness_of_fit`).
    """
    from . import maxent

    max_units = check_int(max_units, "max_units", min_value=2)
    check_choice(select, "select", ("random", "variance"))
    rng = check_random_state(seed)
    A, _, _ = stack_activations(acts)
    with warnings.catch_warnings():  # constant units are expected here and left out below
        warnings.filterwarnings("ignore", message=".*constant after thresholding",
                                category=RuntimeWarning)
        B = np.asarray(maxent.binarize(A, threshold=threshold))
    varying = np.flatnonzero(B.min(axis=0) != B.max(axis=0))
    if varying.size < 2:
        raise ValueError("fewer than 2 units have non-constant binarised activity; "
                         "a maximum-entropy fit needs at least 2")
    if varying.size > max_units:
        if select == "random":
            units = np.sort(rng.choice(varying, size=max_units, replace=False))
        else:
            v = B[:, varying].astype(np.float64).var(axis=0)
            units = np.sort(varying[np.argsort(-v, kind="stable")[:max_units]])
    else:
        units = varying
    X = B[:, units]
    model = maxent.fit_ising(X, method=method)
    return {"units": units, "X": X, "model": model,
            "goodness_of_fit": maxent.goodness_of_fit(model, X)}
