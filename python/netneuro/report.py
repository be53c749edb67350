"""A self-contained HTML report of a cohort store: plots, summaries, group comparisons.

:func:`build_report` reads a :mod:`netneuro.cohort` store written by the
standard pipeline (:func:`netneuro.pipelines.standard_pipeline`) and writes one
HTML file with every figure embedded as a base64 PNG (no other files needed):
the group-mean and an example connectome, a persistence diagram and the
cohort's Betti curves, controllability against degree, an energy landscape,
summary statistics of every scalar result and, with a label table, group
comparisons: for each label column and each scalar result a Mann-Whitney U
test (labels with two values) or a Spearman correlation (continuous labels),
with Benjamini-Hochberg false-discovery-rate q-values across the results
tested for that label.  Sections whose results a pipeline did not produce are
left out.  Needs matplotlib.

The report also lists failed subjects and failed steps, the scan length ``T``
of every subject (``n_timepoints``, tested against the labels like a result),
and warns where a label separates both a length-dependent estimate (maximum-
entropy entropies and fit quality; a transfer-entropy connectome) and ``T``.
Columns identical to an earlier one (``maxent.D1`` = ``multi_information``,
``accuracy`` = ``r`` for exact fits) are tested and shown once.  Result names
come from the typed step outputs of :mod:`netneuro.pipelines`
(``MaxEntOutput.key("S1")`` = ``"maxent.S1"``).
"""

from __future__ import annotations

import base64
import html
import io
import os
import time
from pathlib import Path

import numpy as np

from .pipelines import (
    ConnectomeOutput,
    ControlOutput,
    GraphOutput,
    MaxEntOutput,
    PersistenceOutput,
)
from .stats import fdr_bh

__all__ = ["build_report", "group_comparisons", "duplicate_columns"]

T_COLUMN = "n_timepoints"  # scan length per subject (from the store's input shapes)
# results whose estimates depend on the number of time points (sample-size bias)
T_DEPENDENT = tuple(MaxEntOutput.key(f) for f in ("S1", "S2", "SN", "multi_information",
                                                  "D1", "D2", "accuracy", "r"))


def _png(fig) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(ncols=1, width=4.8, height=4.0):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * ncols, height))
    axes = [fig.add_subplot(1, ncols, i + 1) for i in range(ncols)]
    return fig, axes


def group_comparisons(summary: dict, labels: dict, *, min_subjects: int = 4) -> list:
    """Test every scalar result against every label column.

    ``summary``: columns as from :meth:`netneuro.cohort.Store.summary`;
    ``labels``: as from :func:`netneuro.io.load_table`.  Subjects are matched by
    name (exact string).  Returns a list of dicts (label, result, test,
    statistic, p, q, n) sorted by label then p.  Labels with exactly two values
    use the two-sided Mann-Whitney U test; numeric labels with more values use
    Spearman's rank correlation; q = Benjamini-Hochberg FDR within each label.
    A column identical to an earlier one (:func:`duplicate_columns`) is tested once.
    """
    from scipy import stats

    subj = [str(s) for s in summary["subject"]]
    pos = {s: i for i, s in enumerate(labels["ids"])}
    matched = [(i, pos[s]) for i, s in enumerate(subj) if s in pos]
    if not matched:
        return []
    si = np.array([m[0] for m in matched])
    li = np.array([m[1] for m in matched])
    dup = duplicate_columns(summary)
    results = [c for c, v in summary.items()
               if c != "subject" and v.dtype.kind in "fiub" and c not in dup]
    out = []
    for lab_name, lab_all in labels["columns"].items():
        lab = lab_all[li]
        if lab.dtype.kind in "fiub":
            valid = np.isfinite(lab.astype(float))
        else:
            valid = lab != ""
        values = np.unique(lab[valid])
        if values.size < 2:
            continue
        rows = []
        for col in results:
            y = summary[col][si].astype(float)
            ok = valid & np.isfinite(y)
            if ok.sum() < min_subjects or np.ptp(y[ok]) == 0:
                continue
            if values.size == 2:
                a, b = y[ok & (lab == values[0])], y[ok & (lab == values[1])]
                if min(a.size, b.size) < 2:
                    continue
                r = stats.mannwhitneyu(a, b, alternative="two-sided")
                test = f"Mann-Whitney U ({values[0]} n={a.size} vs {values[1]} n={b.size})"
                stat, p = float(r.statistic), float(r.pvalue)
            elif lab.dtype.kind in "fiu":
                r = stats.spearmanr(lab[ok].astype(float), y[ok])
                test = "Spearman rho"
                stat, p = float(r.statistic), float(r.pvalue)
            else:
                continue
            rows.append({"label": lab_name, "result": col, "test": test, "statistic": stat,
                         "p": p, "n": int(ok.sum())})
        if rows:
            q = fdr_bh(np.array([r["p"] for r in rows], dtype=np.float64))
            for r, qq in zip(rows, q):
                r["q"] = float(qq)
            out.extend(sorted(rows, key=lambda r: (r["p"], r["result"])))
    return out


def duplicate_columns(summary: dict, rtol: float = 1e-6) -> dict:
    """``{column: earlier identical column}`` among the numeric summary columns.

    E.g. ``maxent.D1`` equals ``maxent.multi_information`` and ``maxent.accuracy``
    equals ``maxent.r`` for exact maximum-entropy fits; testing both would count
    one effect twice.  Identical: same NaNs and equal within ``rtol`` (the exact fit
    matches moments to about 1e-8, so accuracy and r agree to about 1e-9).
    """
    cols = [c for c, v in summary.items() if c != "subject" and v.dtype.kind in "fiub"]
    out = {}
    for i, c in enumerate(cols):
        a = summary[c].astype(float)
        for d in cols[:i]:
            if d in out:
                continue
            b = summary[d].astype(float)
            if np.array_equal(np.isnan(a), np.isnan(b)) and np.allclose(
                    a[~np.isnan(a)], b[~np.isnan(b)], rtol=rtol, atol=0.0):
                out[c] = d
                break
    return out


def _length_confounds(summary: dict, rows: list, pipeline: str = "") -> list:
    """Rows of T-dependent results whose label also separates scan lengths."""
    if T_COLUMN not in summary:
        return []
    dependent = T_DEPENDENT
    if "transfer_entropy" in pipeline:  # a TE connectome: its strength depends on T too
        dependent += (ConnectomeOutput.key("connectivity_strength"),)
    t_rows = {r["label"]: r for r in rows if r["result"] == T_COLUMN and r["p"] < 0.05}
    return [r for r in rows if r["label"] in t_rows and r["p"] < 0.05
            and r["result"] in dependent]


def _esc(x) -> str:
    return html.escape(str(x))


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return "n/a"
        return f"{v:.4g}"
    return _esc(v)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;
max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ddd;padding:.25em .5em;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
img{max-width:100%;margin:.3em 0}.note{color:#666;font-size:.85em}
.sig{background:#fff3cd}code{background:#f4f4f4;padding:0 .2em}
"""


def build_report(store, path=None, *, labels=None, id_column=None, title=None,
                 example_subject=None, region_names=None, max_group_plots: int = 6) -> Path:
    """Write a self-contained HTML report of ``store`` and return its path.

    Parameters
    ----------
    store : path or :class:`netneuro.cohort.Store`
    path : path or None
        Output file (default ``<store>/report.html``).
    labels : path, dict or None
        A label table (``.csv``/``.tsv``; first column or ``id_column`` = subject
        names) or the dict of :func:`netneuro.io.load_table`; enables group
        comparisons.
    example_subject : str or None
        Subject shown in the single-subject figures (default: the first).
    region_names : list of str or None
        Region names for captions (maxent regions).
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError("netneuro.report needs matplotlib: pip install 'netneuro[plot]'") \
            from None
    from . import plotting
    from .cohort import Store, open_store

    st = store if isinstance(store, Store) else open_store(store)
    path = Path(path) if path is not None else st.path / "report.html"
    if isinstance(labels, (str, os.PathLike)):
        from .io import load_table

        labels = load_table(labels, id_column=id_column)
    subjects = st.subjects()
    summary = st.summary()
    lengths = st.timepoints()
    if subjects and all(lengths.get(n) is not None for n in summary["subject"]):
        summary[T_COLUMN] = np.array([lengths[n] for n in summary["subject"]], dtype=np.int64)
    failures = st.failures()
    step_errors = st.step_errors()
    info = st.info()
    parts = []
    add = parts.append
    add(f"<h1>{_esc(title or 'netneuro cohort report')}</h1>")
    from ._version import __version__

    add(f"<p>{len(subjects)} subjects analysed, {len(failures)} failed. Store: "
        f"<code>{_esc(st.path)}</code>. netneuro {__version__}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.</p>")
    add(f"<p class='note'>Pipeline: <code>{_esc(info.get('pipeline', '?'))}</code></p>")
    if failures:
        add("<h2>Failed subjects</h2><table><tr><th>subject</th><th>error</th></tr>")
        for k, v in failures.items():
            add(f"<tr><td>{_esc(k)}</td><td>{_esc(v.get('error_type'))}: "
                f"{_esc(v.get('message', ''))[:300]}</td></tr>")
        add("</table>")
    if step_errors:
        add("<h2>Failed steps</h2><p>These subjects are analysed except for the steps "
            "listed (their other results are kept).</p>"
            "<table><tr><th>subject</th><th>step</th><th>error</th></tr>")
        for k, steps in step_errors.items():
            for step, err in steps.items():
                add(f"<tr><td>{_esc(k)}</td><td>{_esc(step)}</td><td>{_esc(err)[:300]}</td></tr>")
        add("</table>")
    if T_COLUMN in summary:
        t = summary[T_COLUMN]
        add(f"<h2>Scan lengths</h2><p>Time points per subject: {int(t.min())} to "
            f"{int(t.max())} (median {float(np.median(t)):g}).")
        if t.min() != t.max():
            add(" <b>Lengths differ.</b> Entropies, maximum-entropy fit quality and transfer "
                "entropy depend on the number of time points; compare groups of equal length "
                "or rerun with <code>equalize_length=True</code>.")
        add("</p>")
    if not subjects:
        add("<p>No finished subjects: nothing to plot.</p>")
        return _write(path, parts, title)
    example = example_subject if example_subject in subjects else subjects[0]
    ex = st.load(example)

    # group means of per-subject arrays, accumulated one subject at a time
    K_MATRIX, K_BETTI = ConnectomeOutput.key("matrix"), PersistenceOutput.key("betti")
    K_DIAGRAM, K_THRESH = PersistenceOutput.key("diagram"), PersistenceOutput.key("thresholds")
    K_AVG, K_MODAL = ControlOutput.key("average"), ControlOutput.key("modal")
    K_CSTRENGTH, K_GSTRENGTH = ControlOutput.key("strength"), GraphOutput.key("strength")
    keys = (K_MATRIX, K_BETTI, K_AVG, K_MODAL, K_CSTRENGTH, GraphOutput.key("degree"),
            K_GSTRENGTH)
    sums, sq, counts = {}, {}, {}
    for name in subjects:
        r = st.load(name) if name != example else ex
        for k in keys:
            v = r.get(k)
            if isinstance(v, np.ndarray) and v.dtype.kind in "fiu":
                v = v.astype(float)
                if k in sums and sums[k].shape != v.shape:
                    continue
                sums[k] = sums.get(k, 0.0) + v
                sq[k] = sq.get(k, 0.0) + v * v
                counts[k] = counts.get(k, 0) + 1
    mean = {k: sums[k] / counts[k] for k in sums}
    sd = {k: np.sqrt(np.maximum(sq[k] / counts[k] - mean[k] ** 2, 0.0)) for k in sums}

    if K_MATRIX in mean:
        fig, (a1, a2) = _figure(2, 4.8, 4.0)
        plotting.plot_connectome_matrix(mean[K_MATRIX], a1,
                                        title=f"group mean (n = {counts['connectome.matrix']})")
        plotting.plot_connectome_matrix(ex[K_MATRIX], a2, title=example)
        add("<h2>Functional connectomes</h2>")
        add(f"<img alt='connectome matrices' src='data:image/png;base64,{_png(fig)}'>")

    if K_DIAGRAM in ex or K_BETTI in mean:
        add("<h2>Persistent homology</h2>")
        ncols = int(K_DIAGRAM in ex) + int(K_BETTI in mean
                                                       and K_THRESH in ex)
        fig, axes = _figure(ncols, 4.6, 4.0)
        i = 0
        if K_DIAGRAM in ex:
            plotting.plot_diagram(ex[K_DIAGRAM], axes[i],
                                  title=f"{example}: Rips persistence")
            i += 1
        if ncols > i:
            plotting.plot_betti_curves(ex[K_THRESH], mean[K_BETTI],
                                       axes[i], spread=sd[K_BETTI],
                                       title="Betti curves, mean $\\pm$ sd over subjects")
        add(f"<img alt='persistence' src='data:image/png;base64,{_png(fig)}'>")
        add("<p class='note'>Regions are points at distance sqrt(2(1 - r)) "
            "(r = correlation).</p>")

    if K_AVG in mean:
        deg_key = K_CSTRENGTH if K_CSTRENGTH in mean else K_GSTRENGTH
        if deg_key in mean:
            fig, (a1, a2) = _figure(2, 4.4, 3.8)
            plotting.plot_controllability_vs_degree(mean[deg_key], mean[K_AVG], a1,
                                                    kind="average",
                                                    title="regions, mean over subjects")
            if K_MODAL in mean:
                plotting.plot_controllability_vs_degree(mean[deg_key], mean[K_MODAL],
                                                        a2, kind="modal",
                                                        title="regions, mean over subjects")
            add("<h2>Controllability</h2>")
            add(f"<img alt='controllability vs degree' "
                f"src='data:image/png;base64,{_png(fig)}'>")

    land = MaxEntOutput.from_results(ex)
    if land is not None and land.minima_energies is not None:
        reg_labels = None
        if land.regions is not None and region_names is not None:
            reg_labels = [region_names[int(i)] for i in land.regions]
        fig, (a1,) = _figure(1, 7.5, 4.0)
        plotting.plot_energy_landscape(land, a1, title=f"{example}: Ising energy landscape",
                                       region_labels=reg_labels)
        add("<h2>Maximum-entropy model</h2>")
        add(f"<img alt='energy landscape' src='data:image/png;base64,{_png(fig)}'>")
        add("<p class='note'>Disconnectivity graph of the local energy minima: each leaf is a "
            "minimum (its activity pattern below: one row per region, dark = above the "
            "region's mean); branches join at the lowest saddle between them.")
        if reg_labels:
            add(f" Regions (spin order): {_esc(', '.join(reg_labels))}.")
        add("</p>")

    # summary statistics of every scalar result
    dup = duplicate_columns(summary)
    cols = [c for c in summary if c != "subject" and summary[c].dtype.kind in "fiub"
            and c not in dup]
    if cols:
        add("<h2>Scalar results over subjects</h2><table><tr><th>result</th><th>mean</th>"
            "<th>sd</th><th>min</th><th>max</th><th>n</th></tr>")
        for c in cols:
            v = summary[c].astype(float)
            v = v[np.isfinite(v)]
            if not v.size:
                continue
            add(f"<tr><td>{_esc(c)}</td><td>{_fmt(v.mean())}</td><td>{_fmt(v.std())}</td>"
                f"<td>{_fmt(v.min())}</td><td>{_fmt(v.max())}</td><td>{v.size}</td></tr>")
        add("</table><p class='note'>Every per-subject value is in "
            "<code>summary.csv</code> in the store.")
        if dup:
            add(" Identical columns shown once: " + _esc("; ".join(
                f"{c} = {d}" for c, d in dup.items())) + ".")
        add("</p>")

    if labels is not None:
        add("<h2>Group comparisons</h2>")
        rows = group_comparisons(summary, labels)
        n_match = len(set(map(str, summary["subject"])) & set(labels["ids"]))
        add(f"<p>{n_match} of {len(subjects)} subjects matched a row of the label table. "
            "Two-valued labels: two-sided Mann-Whitney U; continuous labels: Spearman rho; "
            "q = Benjamini-Hochberg FDR over the results tested per label "
            "(highlighted: q &lt; 0.05).")
        if n_match < 30:
            add(f" With {n_match} subjects these tests are exploratory: effects are "
                "imprecise and the q-values do not correct across labels.")
        add("</p>")
        confounds = {}
        for r in _length_confounds(summary, rows, str(info.get("pipeline", ""))):
            confounds.setdefault(r["label"], []).append(f"{r['result']} (p = {_fmt(r['p'])})")
        for lab, found in confounds.items():
            t_p = next(r["p"] for r in rows if r["label"] == lab and r["result"] == T_COLUMN)
            add(f"<p class='sig'><b>Warning:</b> {_esc(lab)} separates the scan lengths "
                f"({T_COLUMN}, p = {_fmt(t_p)}) and these results that depend on the number "
                f"of time points: {_esc(', '.join(found))}. Their differences may come from "
                "scan length; rerun with <code>equalize_length=True</code> to compare equal "
                "lengths.</p>")
        if not rows:
            add("<p>No comparison could be made (too few matched subjects or labels "
                "without variation).</p>")
        else:
            add("<table><tr><th>label</th><th>result</th><th>test</th><th>statistic</th>"
                "<th>p</th><th>q (FDR)</th><th>n</th></tr>")
            for r in rows:
                cls = " class='sig'" if r["q"] < 0.05 else ""
                add(f"<tr{cls}><td>{_esc(r['label'])}</td><td>{_esc(r['result'])}</td>"
                    f"<td>{_esc(r['test'])}</td><td>{_fmt(r['statistic'])}</td>"
                    f"<td>{_fmt(r['p'])}</td><td>{_fmt(r['q'])}</td><td>{r['n']}</td></tr>")
            add("</table>")
            best = sorted(rows, key=lambda r: r["p"])[:max_group_plots]
            if best:
                ncols = min(3, len(best))
                nrows = int(np.ceil(len(best) / ncols))
                from matplotlib.figure import Figure

                fig = Figure(figsize=(4.2 * ncols, 3.6 * nrows))
                pos = {s: i for i, s in enumerate(labels["ids"])}
                subj = [str(s) for s in summary["subject"]]
                keep = np.array([s in pos for s in subj])
                for i, r in enumerate(best):
                    ax = fig.add_subplot(nrows, ncols, i + 1)
                    lab = labels["columns"][r["label"]][[pos[s] for s in np.array(subj)[keep]]]
                    plotting.plot_group_comparison(summary[r["result"]][keep].astype(float), lab,
                                                   ax, name=r["result"], label_name=r["label"])
                add(f"<img alt='group comparisons' src='data:image/png;base64,{_png(fig)}'>")
                add("<p class='note'>The comparisons with the smallest p-values.</p>")
    return _write(path, parts, title)


def _write(path: Path, parts, title) -> Path:
    doc = ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
           f"<title>{_esc(title or 'netneuro cohort report')}</title>"
           f"<style>{_CSS}</style></head><body>" + "\n".join(parts) + "</body></html>\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(doc, encoding="utf-8")
    os.replace(tmp, path)
    return path
