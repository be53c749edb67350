"""netneuro.plotting and netneuro.report: figures are drawn (non-blank) and inputs checked."""

import base64
import io
import re
import sys

import numpy as np
import pytest

from netneuro import plotting


@pytest.fixture
def mpl():
    """matplotlib (the ``plot`` extra), for the tests that draw."""
    return pytest.importorskip("matplotlib")


def _ax():
    from matplotlib.figure import Figure

    return Figure(figsize=(4, 3)).add_subplot(1, 1, 1)


def _nonblank(ax):
    """Render the axes' figure and check it is not a single colour."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(ax.figure)
    canvas.draw()
    img = np.asarray(canvas.buffer_rgba())[..., :3].astype(float)
    return img.std() > 5.0


def test_connectome_matrix(rng, mpl):
    W = np.corrcoef(rng.standard_normal((40, 10)).T)
    ax = plotting.plot_connectome_matrix(W, _ax(), labels=[f"r{i}" for i in range(10)],
                                         title="t")
    assert _nonblank(ax) and ax.get_title() == "t"
    im = ax.get_images()[0]
    np.testing.assert_array_equal(im.get_array(), W)
    assert im.get_clim()[0] == -im.get_clim()[1]  # symmetric scale for signed data
    with pytest.raises(ValueError, match="square"):
        plotting.plot_connectome_matrix(W[:3], _ax())


def test_diagram_and_betti(rng, mpl):
    dgm = [np.array([[0, 0.5], [0, 0.7], [0, np.inf]]), np.array([[0.4, 0.6]])]
    ax = plotting.plot_diagram(dgm, _ax())
    assert _nonblank(ax)
    finite_pts = np.concatenate([c.get_offsets() for c in ax.collections])
    assert len(finite_pts) == 4  # 2 finite H0 + 1 infinite H0 + 1 H1
    t = np.linspace(0, 1, 20)
    curves = np.vstack([np.linspace(5, 1, 20), np.sin(t * 3)])
    ax = plotting.plot_betti_curves(t, curves, _ax(), spread=0.1 * np.ones_like(curves))
    assert _nonblank(ax)
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), curves[1])
    with pytest.raises(ValueError, match="columns"):
        plotting.plot_betti_curves(t[:5], curves, _ax())
    with pytest.raises(TypeError, match="list of"):
        plotting.plot_diagram("not a diagram", _ax())
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plotting.plot_diagram([np.zeros((3, 3))], _ax())


def test_controllability_vs_degree_reports_spearman(rng, mpl):
    from scipy.stats import spearmanr

    d = rng.uniform(size=30)
    c = d ** 2 + 0.1 * rng.uniform(size=30)
    ax = plotting.plot_controllability_vs_degree(d, c, _ax())
    assert _nonblank(ax)
    rho = spearmanr(d, c).statistic
    assert f"{rho:.2f}" in ax.get_legend().get_texts()[0].get_text()
    with pytest.raises(ValueError, match="same shape"):
        plotting.plot_controllability_vs_degree(d, c[:5], _ax())


def test_energy_landscape_dict_and_delegation(mpl):
    land = {"minima": np.array([[1, -1, 1], [-1, -1, 1]]),
            "minima_energies": np.array([-1.0, -2.0]),
            "barriers": np.array([[0, -0.5], [-0.5, 0]])}
    ax = plotting.plot_energy_landscape(land, _ax(), region_labels=["a", "b", "c"])
    assert _nonblank(ax)
    np.testing.assert_array_equal(ax.collections[0].get_offsets()[:, 1], [-2.0, -1.0])

    # with a linkage: a disconnectivity graph, saddles as horizontal bars
    land = {"minima": np.array([[1, 1], [-1, 1], [-1, -1]]),
            "minima_energies": np.array([-3.0, -2.0, -1.0]),
            "merges": np.array([[0, 1, -1.5, 1], [3, 2, -0.5, 2]])}
    ax = plotting.plot_energy_landscape(land, _ax())
    assert _nonblank(ax)
    heights = sorted({ln.get_ydata()[0] for ln in ax.get_lines()
                      if ln.get_ydata()[0] == ln.get_ydata()[1]})
    assert heights == [-1.5, -0.5]
    np.testing.assert_array_equal(sorted(ax.collections[0].get_offsets()[:, 1]), [-3, -2, -1])

    class Landscape:
        called = False

        def plot(self, ax=None):
            Landscape.called = True
            ax.plot([0, 1], [1, 0])
            return ax

    ax = plotting.plot_energy_landscape(Landscape(), _ax())
    assert Landscape.called and _nonblank(ax)
    with pytest.raises(TypeError, match="plot"):
        plotting.plot_energy_landscape({"minima": []}, _ax())


def test_group_comparison(rng, mpl):
    from scipy import stats

    v = rng.standard_normal(12)
    groups = np.array([0, 1] * 6)
    ax = plotting.plot_group_comparison(v, groups, _ax(), name="x", label_name="sex")
    p = stats.mannwhitneyu(v[groups == 0], v[groups == 1]).pvalue
    assert f"{p:.3g}" in ax.get_title() and _nonblank(ax)
    cont = rng.standard_normal(12)
    ax = plotting.plot_group_comparison(v, cont, _ax())
    assert f"{stats.spearmanr(cont, v).statistic:.2f}" in ax.get_title()
    with pytest.raises(ValueError, match="same length"):
        plotting.plot_group_comparison(v, cont[:3], _ax())


def test_new_figure_when_no_axes(mpl):
    import matplotlib.pyplot as plt

    plt.switch_backend("Agg")
    before = set(plt.get_fignums())
    ax = plotting.plot_connectome_matrix(np.eye(3) - 0.5)
    try:
        # a new pyplot figure (so plt.show / plt.savefig see it), holding the matrix
        new = set(plt.get_fignums()) - before
        assert new == {ax.figure.number} and plt.gcf() is ax.figure
        np.testing.assert_array_equal(ax.get_images()[0].get_array(), np.eye(3) - 0.5)
        assert _nonblank(ax)
    finally:
        plt.close(ax.figure)


def test_missing_matplotlib_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install 'netneuro\[plot\]'"):
        plotting.plot_connectome_matrix(np.eye(3))


def test_report_from_store_with_labels(tmp_path, rng, mpl):
    """A report from a hand-made store holding the standard pipeline's result names."""
    from netneuro import cohort, report
    from netneuro.io import load_table

    names = [f"s{i}" for i in range(8)]
    subs = {n: rng.standard_normal((30, 6)) for n in names}
    cohort.run(_fake_standard, subs, tmp_path / "st", progress=False)
    labels = tmp_path / "labels.csv"
    score = rng.standard_normal(8)
    labels.write_text("subject,score,group\n" + "".join(
        f"{n},{s},{i % 2}\n" for i, (n, s) in enumerate(zip(names, score))))
    out = report.build_report(tmp_path / "st", tmp_path / "r.html", labels=labels)
    text = out.read_text()
    imgs = re.findall(r"base64,([A-Za-z0-9+/=]+)'", text)
    assert len(imgs) == 5  # connectome, persistence, control, landscape, groups
    import matplotlib.image as mpimg

    for b in imgs:
        img = mpimg.imread(io.BytesIO(base64.b64decode(b)), format="png")
        assert img.shape[0] > 100 and img[..., :3].std() > 0.02
    # group statistics equal scipy's on the same numbers
    from scipy import stats

    summ = cohort.open_store(tmp_path / "st").summary()
    rho = stats.spearmanr(score, summ["graph.mean_clustering"]).statistic
    rows = report.group_comparisons(summ, load_table(labels))
    row = [r for r in rows if r["label"] == "score" and r["result"] == "graph.mean_clustering"]
    assert len(row) == 1 and row[0]["statistic"] == pytest.approx(rho, abs=1e-12)
    ps = np.array([r["p"] for r in rows if r["label"] == "group"])
    qs = np.array([r["q"] for r in rows if r["label"] == "group"])
    np.testing.assert_allclose(qs, stats.false_discovery_control(ps), rtol=1e-12)
    assert "Mann-Whitney" in text and "Spearman" in text


def _fake_standard(ts):
    """Results under the standard pipeline's names, computed with NumPy only."""
    c = np.corrcoef(ts.T)
    n = len(c)
    A = np.clip(c, 0, None)
    np.fill_diagonal(A, 0)
    t = np.linspace(0, 2, 10)
    return {
        "connectome": {"matrix": c},
        "graph": {"mean_clustering": float(A.mean()), "strength": A.sum(0)},
        "persistence": {"diagram": [np.column_stack([np.zeros(n), np.sort(A.max(0))]),
                                    np.array([[0.5, 0.7]])],
                        "thresholds": t, "betti": np.vstack([np.linspace(n, 1, 10),
                                                             np.zeros(10)])},
        "control": {"average": A.sum(0) ** 2, "modal": 1 - A.mean(0), "strength": A.sum(0)},
        "maxent": {"minima": np.array([[1, -1], [-1, 1]]),
                   "minima_energies": np.array([-1.0, -0.5 - A.mean()])},
    }
