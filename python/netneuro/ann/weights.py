"""The anatomical connectome of a feed-forward network: its weight graph.

:func:`weight_graph` numbers the units layer by layer and turns each layer's
weights into edges ``A[source, target]`` with one builder per layer kind:
dense (linear) layers, convolutions (channel-level sums or the exactly
unrolled linear map) and pooling.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .._validation import check_choice, check_int, check_memory
from ._inputs import _issparse, _Layer, _normalise_layers


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
        if _issparse(self.adjacency):
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
        kind = "sparse" if _issparse(self.adjacency) else "dense"
        sizes = ", ".join(f"{n}:{int(self.offsets[i + 1] - self.offsets[i])}"
                          for i, n in enumerate(self.layer_names))
        return (f"WeightGraph({self.n_units} units, {self.n_edges} edges, {kind}, "
                f"conv={self.conv!r}, layers=[{sizes}])")



class _Grid(NamedTuple):
    """What a layer hands on to the next: its unit count and the map it holds."""

    n: int                    # units of the layer in the graph
    channels: int | None      # feature-map channels; None after a dense layer
    spatial: tuple | None     # (H, W) of the map; None if dense or unknown (channel mode)


def _conv_out(size, k, stride, padding, where):
    out = (size + 2 * padding - k) // stride + 1
    if out < 1:
        raise ValueError(f"{where}: a {k}x{k} window does not fit a {size}x{size} input "
                         f"(padding {padding})")
    return out


def _out_spatial(grid, kh, kw, stride, padding, where):
    """(H', W') of a window sliding over the map, or None when the map size is unknown."""
    if grid.spatial is None:
        return None
    return (_conv_out(grid.spatial[0], kh, stride, padding, where),
            _conv_out(grid.spatial[1], kw, stride, padding, where))


def _full_block(B):
    """Edges (source, target, weight) of every entry of a dense ``(n_src, n_tgt)`` block."""
    src, tgt = np.meshgrid(np.arange(B.shape[0]), np.arange(B.shape[1]), indexing="ij")
    return src.ravel(), tgt.ravel(), B.ravel()


def _check_input_shape(input_shape):
    """``input_shape`` as a tuple ``(C, H, W)`` or ``(n,)`` (``(H, W)`` means one channel)."""
    if input_shape is None:
        return None
    if isinstance(input_shape, numbers.Integral):
        input_shape = (int(input_shape),)
    input_shape = tuple(int(check_int(v, "input_shape", min_value=1)) for v in input_shape)
    if len(input_shape) == 2:
        input_shape = (1,) + input_shape
    if len(input_shape) not in (1, 3):
        raise ValueError(f"input_shape must be (C, H, W), (H, W) or (n,), got {input_shape}")
    return input_shape


def _input_grid(first: _Layer, input_shape, conv: str):
    """The input layer's grid and unit shape, from the first weight layer and ``input_shape``."""
    if first.kind == "pool":
        raise ValueError("layers[0] is a pooling layer; the first layer must have weights")
    if first.kind == "linear":
        n_in = first.weight.shape[1]
        if input_shape is not None and int(np.prod(input_shape)) != n_in:
            raise ValueError(f"input_shape {input_shape} has {int(np.prod(input_shape))} units "
                             f"but layers[0] expects {n_in} inputs")
        return _Grid(n_in, None, None), (n_in,)
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
    if conv == "unroll":
        return _Grid(c0 * spatial[0] * spatial[1], c0, spatial), (c0,) + tuple(spatial)
    return _Grid(c0, c0, spatial), (c0,)


# ---------------------------------------------------------------------------
# edge builders: (layer, input grid) -> (source, target, weight, output grid, unit shape);
# sources and targets are numbered within the two layers


def _linear_edges(L: _Layer, grid: _Grid, conv: str, channel_weight: str, where: str):
    """Dense layer: every weight ``W[l, k]`` an edge ``k -> l``; after channel-level
    convolutions, one edge per (channel, output) summing that channel's flattened weights."""
    n_out, n_feat = L.weight.shape
    out = _Grid(n_out, None, None)
    if grid.channels is None or conv != "channel":
        if n_feat != grid.n:
            raise ValueError(f"{where} expects {n_feat} inputs but the previous layer "
                             f"produces {grid.n} units")
        return (*_full_block(L.weight.T), out, (n_out,))
    # after channel-level convolutions: aggregate the flattened (C, H, W) features per channel
    channels = grid.channels
    if n_feat % channels:
        raise ValueError(f"{where} expects {n_feat} inputs, not a multiple of the "
                         f"{channels} channels of the previous layer")
    per = n_feat // channels
    if grid.spatial is not None and per != grid.spatial[0] * grid.spatial[1]:
        H, W = grid.spatial
        raise ValueError(f"{where} expects {n_feat} inputs but the previous layer produces "
                         f"{channels} x {H} x {W} = {channels * H * W}")
    blocks = L.weight.reshape(n_out, channels, per)
    Wc = (np.abs(blocks) if channel_weight == "abs" else blocks).sum(axis=2)
    return (*_full_block(Wc.T), out, (n_out,))


def _conv_edges(L: _Layer, grid: _Grid, conv: str, channel_weight: str, where: str):
    """Convolution: channel-level kernel sums, or the exact unrolled (cross-correlation) map."""
    O, Ci, kh, kw = L.weight.shape
    if grid.channels is None:
        raise ValueError(f"{where} is a convolution but its input comes from a dense "
                         "layer; convolutions must precede dense layers")
    if Ci != grid.channels:
        raise ValueError(f"{where} expects {Ci} input channels but the previous layer "
                         f"has {grid.channels}")
    spatial = _out_spatial(grid, kh, kw, L.stride, L.padding, where)
    if conv == "channel":  # one edge per channel pair: the kernel's (absolute) sum
        agg = np.abs(L.weight) if channel_weight == "abs" else L.weight
        return (*_full_block(agg.sum(axis=(2, 3)).T), _Grid(O, O, spatial), (O,))
    # unrolled: A[(c, y's+u-p, x's+v-p), (o, y', x')] = W[o, c, u, v] inside the image
    (H, W), (ho, wo) = grid.spatial, spatial
    p, s = L.padding, L.stride
    o, c, y, x = np.meshgrid(np.arange(O), np.arange(Ci), np.arange(ho), np.arange(wo),
                             indexing="ij")
    srcs, tgts, vals = [], [], []
    for u in range(kh):
        for v in range(kw):
            yy = y * s + u - p
            xx = x * s + v - p
            ok = (yy >= 0) & (yy < H) & (xx >= 0) & (xx < W)
            srcs.append((c[ok] * H + yy[ok]) * W + xx[ok])
            tgts.append((o[ok] * ho + y[ok]) * wo + x[ok])
            vals.append(L.weight[o[ok], c[ok], u, v])
    return (np.concatenate(srcs), np.concatenate(tgts), np.concatenate(vals),
            _Grid(O * ho * wo, O, spatial), (O, ho, wo))


def _pool_edges(L: _Layer, grid: _Grid, conv: str, channel_weight: str, where: str):
    """Unrolled pooling: an edge from each window input to its output, weight 1 (max) or
    ``1 / k**2`` (average).  Channel mode: no units (``None`` edges), a smaller map."""
    k = L.weight.shape[0]
    if grid.channels is None or (grid.spatial is None and conv == "unroll"):
        raise ValueError(f"{where}: pooling needs a convolutional (C, H, W) input")
    spatial = _out_spatial(grid, k, k, L.stride, 0, where)
    if conv == "channel":
        return None, None, None, grid._replace(spatial=spatial), None
    (C, H, W), (ho, wo) = (grid.channels, *grid.spatial), spatial
    c, y, x, u, v = np.meshgrid(np.arange(C), np.arange(ho), np.arange(wo), np.arange(k),
                                np.arange(k), indexing="ij")
    src = (c * H + (y * L.stride + u)) * W + (x * L.stride + v)
    tgt = (c * ho + y) * wo + x
    w = 1.0 if L.pool_mode == "max" else 1.0 / (k * k)
    return (src.ravel(), tgt.ravel(), np.full(src.size, w), _Grid(C * ho * wo, C, spatial),
            (C, ho, wo))


_EDGE_BUILDERS = {"linear": _linear_edges, "conv": _conv_edges, "pool": _pool_edges}


def _adjacency(rows, cols, vals, n: int, dense: bool):
    """The ``(n, n)`` adjacency from edge lists: CSR without explicit zeros, or dense."""
    r = np.concatenate(rows) if rows else np.empty(0, np.int64)
    c = np.concatenate(cols) if cols else np.empty(0, np.int64)
    v = np.concatenate(vals).astype(np.float64) if vals else np.empty(0)
    if dense:
        check_memory(8.0 * n * n, f"a dense {n} x {n} weight graph", hint="use dense=False")
        A = np.zeros((n, n))
        np.add.at(A, (r, c), v)
        return A
    import scipy.sparse as sp

    A = sp.coo_matrix((v, (r, c)), shape=(n, n)).tocsr()  # duplicates are summed
    A.eliminate_zeros()
    A.sort_indices()
    return A


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
    grid, shape0 = _input_grid(parsed[0], _check_input_shape(input_shape), conv)
    names, shapes, sizes = ["input"], [shape0], [grid.n]
    rows, cols, vals = [], [], []
    offset = 0  # first unit of the current (source) layer
    for idx, L in enumerate(parsed):
        src, tgt, w, out, shape = _EDGE_BUILDERS[L.kind](L, grid, conv, channel_weight,
                                                         f"layers[{idx}]")
        if shape is None:  # channel-level pooling: no units, only a smaller map
            grid = out
            continue
        rows.append(offset + src)
        cols.append(offset + grid.n + tgt)
        vals.append(w)
        names.append(L.name)
        shapes.append(shape)
        sizes.append(out.n)
        offset += grid.n
        grid = out
    n = int(sum(sizes))
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    layer = np.repeat(np.arange(len(sizes)), sizes)
    return WeightGraph(_adjacency(rows, cols, vals, n, dense), layer, offsets, names, shapes,
                       conv)
