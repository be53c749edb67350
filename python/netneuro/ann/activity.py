"""Unit activations of a model over a data set, one ``(n_samples, n_units)`` array per layer.

Forward passes of sklearn MLPs (their own activation functions), forward hooks
on torch modules, and any callable returning a dict or list of arrays.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from .._validation import check_array, check_int
from ._inputs import _as_numpy

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

