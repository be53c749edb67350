"""The inputs :mod:`netneuro.ann` accepts: tensors, and weight layers in their many forms.

:func:`_as_numpy` brings a torch tensor (any device, any float dtype) to the
host as a NumPy array.  :func:`_normalise_layers` turns every accepted
description of a feed-forward network (a list of arrays or layer dicts, a
``state_dict`` or ``.npz`` mapping, an sklearn MLP, a ``torch.nn.Module``)
into one list of :class:`_Layer` in forward order, validated (float64,
finite) and with PyTorch's weight layout.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .._validation import check_array, check_choice, check_int


def _issparse(x) -> bool:
    """``scipy.sparse.issparse(x)`` without importing scipy.sparse (a sparse matrix exists
    only once it is imported): importing netneuro stays light."""
    sp = sys.modules.get("scipy.sparse")
    return sp is not None and sp.issparse(x)


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


