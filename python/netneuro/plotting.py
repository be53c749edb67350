"""Plots of connectomes, persistence, controllability, energy landscapes and group effects.

matplotlib is an optional dependency (``pip install "netneuro[plot]"``).  Every
function draws into ``ax`` when given (so it composes with any figure layout)
and otherwise creates a new figure with :mod:`matplotlib.pyplot`; it returns
the Axes it drew into.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._validation import check_array, check_square

__all__ = [
    "plot_connectome_matrix", "plot_diagram", "plot_betti_curves",
    "plot_controllability_vs_degree", "plot_energy_landscape", "plot_group_comparison",
]


def _mpl():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError(
            "netneuro.plotting needs matplotlib: pip install 'netneuro[plot]' "
            "(or pip install matplotlib)"
        ) from None
    import matplotlib

    return matplotlib


def _axes(ax, figsize=(5, 4)):
    _mpl()
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_connectome_matrix(W, ax=None, *, labels=None, title=None, cmap=None, vmax=None,
                           colorbar=True):
    """Heat map of a connectivity matrix ``(N, N)`` (symmetric colour scale about 0).

    ``labels``: region names for the ticks (shown when N <= 40).
    """
    W = check_square(W, "W", finite=False)
    ax = _axes(ax, (5, 4.2))
    finite = W[np.isfinite(W)]
    if vmax is None:
        off = W[~np.eye(len(W), dtype=bool)]
        off = off[np.isfinite(off)]
        vmax = float(np.max(np.abs(off))) if off.size else 1.0
        vmax = vmax or 1.0
    signed = finite.size and finite.min() < 0
    im = ax.imshow(W, cmap=cmap or ("RdBu_r" if signed else "viridis"),
                   vmin=-vmax if signed else 0.0, vmax=vmax, interpolation="nearest")
    if labels is not None and len(labels) == len(W) and len(W) <= 40:
        ax.set_xticks(range(len(W)), labels, rotation=90, fontsize=6)
        ax.set_yticks(range(len(W)), labels, fontsize=6)
    else:
        ax.set_xlabel("region (target)")
        ax.set_ylabel("region (source)")
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return ax


def _as_diagram_list(diagram, name="diagram"):
    if isinstance(diagram, np.ndarray) and diagram.ndim == 2:
        diagram = [diagram]
    if not isinstance(diagram, (list, tuple)) or not diagram:
        raise TypeError(f"{name} must be a list of (n, 2) arrays (one per dimension) or one "
                        f"(n, 2) array, got {type(diagram).__name__}")
    out = []
    for k, d in enumerate(diagram):
        d = check_array(d, f"{name}[{k}]", ndim=2, finite=False, allow_empty=True)
        if d.size and d.shape[1] != 2:
            raise ValueError(f"{name}[{k}] must have shape (n, 2), got {d.shape}")
        out.append(d.reshape(-1, 2))
    return out


def plot_diagram(diagram, ax=None, *, title=None, max_value=None):
    """Persistence diagram: one colour per homology dimension; infinite deaths on top.

    ``diagram``: list of ``(n, 2)`` (birth, death) arrays, index = dimension.
    """
    dgms = _as_diagram_list(diagram)
    ax = _axes(ax, (4.2, 4.2))
    finite = np.concatenate([d[np.isfinite(d)] for d in dgms] + [np.zeros(1)])
    top = float(max_value if max_value is not None else (finite.max() if finite.size else 1.0))
    top = top or 1.0
    inf_y = top * 1.08
    for k, d in enumerate(dgms):
        if not d.size:
            continue
        fin = np.isfinite(d[:, 1])
        ax.scatter(d[fin, 0], d[fin, 1], s=12, alpha=0.7, label=f"H{k} ({len(d)})")
        if (~fin).any():
            ax.scatter(d[~fin, 0], np.full((~fin).sum(), inf_y), marker="^", s=30,
                       color=ax.collections[-1].get_facecolor()[0] if fin.any() else None,
                       label=f"H{k} infinite")
    ax.plot([0, inf_y], [0, inf_y], color="0.5", lw=0.8)
    ax.axhline(inf_y, color="0.7", ls=":", lw=0.8)
    ax.set_xlim(-0.02 * top, inf_y)
    ax.set_ylim(-0.02 * top, inf_y * 1.04)
    ax.set_xlabel("birth")
    ax.set_ylabel("death")
    ax.legend(fontsize=7, loc="lower right")
    if title:
        ax.set_title(title)
    return ax


def plot_betti_curves(thresholds, curves, ax=None, *, spread=None, labels=None, title=None):
    """Betti curves: ``curves`` ``(n_dims, n_thresholds)``, one line per dimension.

    ``spread`` (same shape; e.g. the standard deviation over subjects) is drawn
    as a band; ``labels`` names the lines (default ``beta_0, beta_1, ...``).
    """
    t = check_array(thresholds, "thresholds", ndim=1)
    c = check_array(curves, "curves", ndim=(1, 2))
    if c.ndim == 1:
        c = c[None, :]
    if c.shape[1] != t.size:
        raise ValueError(f"curves must have {t.size} columns (one per threshold), got {c.shape}")
    if spread is not None:
        spread = check_array(spread, "spread", ndim=(1, 2)).reshape(c.shape)
    ax = _axes(ax, (5, 3.5))
    for k in range(c.shape[0]):
        lab = labels[k] if labels is not None else f"$\\beta_{k}$"
        (line,) = ax.plot(t, c[k], label=lab)
        if spread is not None:
            ax.fill_between(t, c[k] - spread[k], c[k] + spread[k], color=line.get_color(),
                            alpha=0.2, lw=0)
    ax.set_xlabel("filtration value")
    ax.set_ylabel("Betti number")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_controllability_vs_degree(degree, controllability, ax=None, *, kind="average",
                                   title=None):
    """Scatter of each region's controllability against its (weighted) degree, with Spearman rho."""
    d = check_array(degree, "degree", ndim=1)
    c = check_array(controllability, "controllability", ndim=1)
    if d.shape != c.shape:
        raise ValueError(f"degree and controllability must have the same shape, got {d.shape} "
                         f"and {c.shape}")
    ax = _axes(ax, (4.5, 3.8))
    from scipy.stats import spearmanr

    rho = spearmanr(d, c).statistic if d.size > 2 and np.ptp(d) > 0 and np.ptp(c) > 0 \
        else float("nan")
    ax.scatter(d, c, s=14, alpha=0.75, label=f"Spearman $\\rho$ = {rho:.2f}")
    ax.set_xlabel("degree (strength)")
    ax.set_ylabel(f"{kind} controllability")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)
    return ax


def plot_energy_landscape(landscape, ax=None, *, title=None, region_labels=None):
    """Energy landscape of a fitted Ising model.

    ``landscape``: an object with a ``plot(ax)`` method (e.g. the result of
    :func:`netneuro.maxent.energy_landscape`), to which this delegates; or a
    dict with ``minima`` ``(k, n)`` (+-1 states) and ``minima_energies`` ``(k,)``
    as stored by the maxent pipeline step (a
    :class:`netneuro.pipelines.MaxEntOutput` works as such a mapping): with ``merges`` ``(k - 1, 4)`` (rows
    minimum/cluster a, b, saddle energy, saddle state) drawn as a
    disconnectivity graph (Ezaki et al. 2017), else as the local minima sorted
    by energy with their activity patterns (and ``barriers`` to the deepest).
    """
    ax = _axes(ax, (5, 3.8))
    if hasattr(landscape, "plot") and callable(landscape.plot) and not isinstance(landscape,
                                                                                  Mapping):
        out = landscape.plot(ax=ax)
        if title:
            ax.set_title(title)
        return out if out is not None and hasattr(out, "plot") else ax
    if not isinstance(landscape, Mapping) or "minima_energies" not in landscape:
        raise TypeError("landscape must have a plot(ax) method or be a dict with 'minima' and "
                        "'minima_energies'")
    e = check_array(landscape["minima_energies"], "minima_energies", ndim=1)
    m = np.asarray(landscape.get("minima", np.empty((0, 0))))
    merges = landscape.get("merges")
    if merges is not None and np.ndim(merges) == 2 and np.shape(merges) == (e.size - 1, 4) \
            and e.size > 1:
        _disconnectivity(ax, e, np.asarray(merges, dtype=float), m,
                         region_labels=region_labels)
        ax.set_ylabel("energy")
        ax.set_title(title or "disconnectivity graph")
        return ax
    order = np.argsort(e)
    x = np.arange(e.size)
    ax.scatter(x, e[order], s=40, color="C3", zorder=3)
    barriers = landscape.get("barriers")
    if barriers is not None and np.ndim(barriers) == 2 and np.shape(barriers)[0] == e.size:
        b = np.asarray(barriers, dtype=float)[np.ix_(order, order)]
        for i in range(1, e.size):  # barrier to the deepest minimum
            if np.isfinite(b[0, i]):
                ax.plot([0, i], [b[0, i], b[0, i]], color="0.6", lw=0.8)
                ax.plot([i, i], [e[order][i], b[0, i]], color="0.6", lw=0.8)
    ax.set_xlabel("local minimum (by energy)")
    ax.set_ylabel("energy")
    ax.set_xticks(x)
    if m.ndim == 2 and m.shape[0] == e.size and m.shape[1] <= 20:
        ticks = ["".join("+" if v > 0 else "\u2212" for v in m[i]) for i in order]
        ax.set_xticklabels(ticks, rotation=0 if e.size <= 8 else 90, fontsize=7,
                           family="monospace")
        ax.set_xlabel("local minimum (activity pattern, + = above mean)")
    if region_labels is not None:
        ax.text(0.99, 0.99, "spins: " + ", ".join(map(str, region_labels)), ha="right",
                va="top", fontsize=6, transform=ax.transAxes, wrap=True)
    if title:
        ax.set_title(title)
    return ax


def _disconnectivity(ax, energies, merges, states, labels=None, region_labels=None):
    """Disconnectivity graph from a linkage ``merges`` rows (a, b, saddle energy, state).

    The one implementation, also behind :meth:`netneuro.maxent.EnergyLandscape.plot`.
    ``labels`` (k,) name the minima; by default, when ``states`` is (k, n <= 20),
    the minima's activity patterns are drawn as a grid under the leaves (one row
    per region, named by ``region_labels``), else the minima are numbered.
    Returns ``ax``.
    """
    energies = np.asarray(energies, dtype=float)
    merges = np.asarray(merges, dtype=float).reshape(-1, 4)
    k = energies.size
    children = {k + i: (int(a), int(b)) for i, (a, b, _, _) in enumerate(merges)}
    height = {i: float(energies[i]) for i in range(k)}
    height.update({k + i: float(row[2]) for i, row in enumerate(merges)})
    order, stack = [], [k + len(merges) - 1]
    while stack:  # leaves left to right
        x = stack.pop()
        if x in children:
            stack.extend(reversed(children[x]))
        else:
            order.append(x)
    xpos = {leaf: float(i) for i, leaf in enumerate(order)}
    for c in sorted(children):
        a, b = children[c]
        xpos[c] = 0.5 * (xpos[a] + xpos[b])
        for ch in (a, b):
            ax.plot([xpos[ch], xpos[ch]], [height[ch], height[c]], color="k", lw=1)
        ax.plot([xpos[a], xpos[b]], [height[c], height[c]], color="k", lw=1)
    ax.scatter([xpos[i] for i in order], [height[i] for i in order], color="C3", zorder=3)
    ax.set_xticks([xpos[i] for i in order])
    states = np.asarray(states)
    if labels is not None:
        ax.set_xticklabels([str(labels[i]) for i in order], rotation=90, fontsize=8)
    elif states.ndim == 2 and states.shape[0] == k and states.shape[1] <= 20:
        # the minima's activity patterns as a grid under the leaves (one row per region)
        n = states.shape[1]
        ax.set_xlim(-0.5, k - 0.5)
        ax.set_xticklabels([])
        grid = ax.inset_axes([0.0, -0.06 - 0.045 * n, 1.0, 0.045 * n])
        grid.imshow(np.asarray(states, dtype=float)[order].T > 0, aspect="auto",
                    cmap="Greys", vmin=0, vmax=1.25, interpolation="nearest",
                    extent=(-0.5, k - 0.5, n - 0.5, -0.5))
        grid.set_xticks([])
        for x in np.arange(k - 1) + 0.5:  # one column per minimum
            grid.axvline(x, color="w", lw=3)
        names = [str(r) for r in region_labels] if region_labels is not None \
            and len(region_labels) == n else [f"spin {i}" for i in range(n)]
        grid.set_yticks(range(n), names, fontsize=7)
        grid.set_xlabel("local minima (dark = region active, above its mean)", fontsize=8)
    else:
        ax.set_xticklabels([str(i) for i in order])
    ax.set_ylabel("energy")
    ax.set_title("disconnectivity graph")
    return ax


def plot_group_comparison(values, labels, ax=None, *, name="value", label_name="label",
                          title=None):
    """One measure across subjects against a label.

    A label with two values (a group) gives box plots with the subjects as
    points (and the Mann-Whitney p-value); a continuous label gives a scatter
    with a least-squares line (and Spearman rho).
    """
    v = check_array(values, "values", ndim=1, finite=False)
    lab = np.asarray(labels)
    if lab.shape != v.shape:
        raise ValueError(f"values and labels must have the same length, got {v.shape} and "
                         f"{lab.shape}")
    ax = _axes(ax, (4.2, 3.6))
    from scipy import stats

    ok = np.isfinite(v)
    if lab.dtype.kind in "fiub":
        ok &= np.isfinite(lab.astype(float))
    groups = np.unique(lab[ok])
    if groups.size == 2 or lab.dtype.kind not in "fiu":
        data = [v[ok & (lab == g)] for g in groups]
        ax.boxplot(data, showfliers=False)
        ax.set_xticks(range(1, len(groups) + 1), [str(g) for g in groups])
        rng = np.random.default_rng(0)
        for i, d in enumerate(data):
            ax.scatter(i + 1 + rng.uniform(-0.12, 0.12, d.size), d, s=14, alpha=0.8,
                       color="C0", zorder=3)
        if len(data) == 2 and min(len(data[0]), len(data[1])) > 0:
            p = stats.mannwhitneyu(data[0], data[1]).pvalue
            ax.set_title(title or f"Mann-Whitney p = {p:.3g}", fontsize=9)
        elif title:
            ax.set_title(title)
    else:
        x = lab[ok].astype(float)
        y = v[ok]
        ax.scatter(x, y, s=16, alpha=0.8)
        if x.size > 2 and np.ptp(x) > 0:
            slope, intercept = np.polyfit(x, y, 1)
            xs = np.linspace(x.min(), x.max(), 50)
            ax.plot(xs, slope * xs + intercept, color="C3", lw=1)
            rho = stats.spearmanr(x, y).statistic
            ax.set_title(title or f"Spearman $\\rho$ = {rho:.2f}", fontsize=9)
        elif title:
            ax.set_title(title)
    ax.set_xlabel(label_name)
    ax.set_ylabel(name)
    return ax
