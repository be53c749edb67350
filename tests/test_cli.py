"""`netneuro analyze` end to end: the bundled example, file inputs, failures, usage errors."""

import base64
import csv
import io
import re
import subprocess
import sys

import numpy as np
import pytest

from netneuro import cli, cohort


def _pngs(html_text):
    return [base64.b64decode(b) for b in re.findall(r"base64,([A-Za-z0-9+/=]+)'", html_text)]


def test_example_data_is_bundled_with_attribution():
    from netneuro import data

    ex = data.load_example()
    assert len(ex["timeseries"]) == 12 and len(ex["regions"]) == 122
    for ts in ex["timeseries"].values():
        assert ts.shape == (200, 122) and np.isfinite(ts).all() and (ts.std(0) > 0).all()
    # the labels match the upstream phenotype table when it is present
    d = data.example_path().parent
    assert (d / "ATTRIBUTION.md").read_text().count("BSD-3") >= 1
    assert "Redistribution and use" in (d / "LICENSE-RPN-signature.txt").read_text()
    assert all(n in ex["regions"] for n in data.EXAMPLE_MAXENT_REGIONS)
    total = sum(p.stat().st_size for p in d.iterdir() if p.is_file())
    assert total < 2_000_000


def test_example_matches_upstream_files():
    from conftest import shared_file

    from netneuro import data
    from netneuro.io import load_table

    z = np.load(shared_file("fmri/rpn_bochum_mist122_rest.npz"))
    ex = data.load_example()
    for name, ts in ex["timeseries"].items():
        scan = [s for s in z["scans"] if s.startswith(name + "_")]
        assert len(scan) == 1
        np.testing.assert_array_equal(ts, z[scan[0]][:, 1:].astype(np.float64))
    pd = pytest.importorskip("pandas")
    ph = pd.read_csv(shared_file("fmri/rpn_bochum_phenotype.csv")).set_index("ID")
    lab = load_table(ex["labels_path"])
    for sid, pain in zip(lab["ids"], lab["columns"]["pain_sensitivity"]):
        assert pain == pytest.approx(ph.loc[int(sid.split("-")[1]), "mean_QST_pain_sensitivity"],
                                     rel=1e-12)


def test_analyze_example_end_to_end(tmp_path, capsys):
    out = tmp_path / "ex"
    rc = cli.main(["analyze", "--example", "--out", str(out), "--n-jobs", "2", "--quiet"])
    assert rc == 0
    text = (out / "report.html").read_text()
    pngs = _pngs(text)
    assert len(pngs) >= 5  # connectome, persistence, control, energy landscape, groups
    import matplotlib.image as mpimg

    for b in pngs:
        img = mpimg.imread(io.BytesIO(b), format="png")
        assert img.shape[0] > 100 and img.shape[1] > 100 and img[..., :3].std() > 0.02
    assert "pain_sensitivity" in text and "Spearman" in text and "Mann-Whitney" in text
    st = cohort.open_store(out / "store")
    assert len(st.subjects()) == 12 and not st.failures()
    with open(out / "store" / "summary.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 12
    for col in ("graph.global_efficiency", "persistence.total_persistence_1",
                "control.mean_average", "maxent.n_minima"):
        assert all(np.isfinite(float(r[col])) for r in rows), col
    # a second run resumes: nothing recomputed
    capsys.readouterr()
    assert cli.main(["analyze", "--example", "--out", str(out), "--quiet", "--no-report"]) == 0
    assert "0 subjects analysed, 12 already done" in capsys.readouterr().out


def test_analyze_files_with_a_corrupt_one(tmp_path, rng, capsys):
    inp = tmp_path / "in"
    inp.mkdir()
    for i in range(3):
        np.savetxt(inp / f"sub-{i}.csv", rng.standard_normal((60, 9)), delimiter=",",
                   header=",".join(f"r{j}" for j in range(9)), comments="")
    (inp / "sub-9.csv").write_text("r0,r1\n1,2\n3\n")  # ragged: unreadable
    rc = cli.main(["analyze", str(inp), "--out", str(tmp_path / "o"), "--quiet",
                   "--steps", "connectome,graph,control", "--n-null", "0",
                   "--maxent-regions", "0,1,2"])
    assert rc == 3
    err = capsys.readouterr().err
    assert "sub-9" in err and "row 2" in err
    st = cohort.open_store(tmp_path / "o" / "store")
    assert st.subjects() == ["sub-0", "sub-1", "sub-2"]
    assert "sub-9" in st.failures()
    assert (tmp_path / "o" / "report.html").exists()


def test_analyze_usage_errors(tmp_path, capsys):
    assert cli.main(["analyze", "--out", str(tmp_path / "o")]) == 2
    assert cli.main(["analyze", "x.npy", "--example", "--out", str(tmp_path / "o")]) == 2
    assert cli.main(["analyze", str(tmp_path / "missing.npy"), "--out",
                     str(tmp_path / "o")]) == 2
    assert "no such file" in capsys.readouterr().err
    np.save(tmp_path / "a.npy", np.zeros((5, 3)))
    assert cli.main(["analyze", str(tmp_path / "a.npy"), "--out", str(tmp_path / "o"),
                     "--steps", "connectome,bogus"]) == 2
    assert "unknown steps" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["analyze", str(tmp_path / "a.npy")])  # --out is required


def test_console_script_help():
    r = subprocess.run([sys.executable, "-m", "netneuro", "analyze", "--help"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "--example" in r.stdout and "--dask" in r.stdout


def test_analyze_on_dask_local_cluster_equals_local(tmp_path, rng):
    pytest.importorskip("distributed")
    inp = tmp_path / "in"
    inp.mkdir()
    for i in range(4):
        np.save(inp / f"s{i}.npy", rng.standard_normal((50, 12)))
    common = ["--quiet", "--no-report", "--steps", "connectome,persistence,control"]
    assert cli.main(["analyze", str(inp), "--out", str(tmp_path / "loc")] + common) == 0
    assert cli.main(["analyze", str(inp), "--out", str(tmp_path / "dask"), "--dask", "local",
                     "--n-jobs", "1"] + common) == 0
    a = cohort.open_store(tmp_path / "loc" / "store")
    b = cohort.open_store(tmp_path / "dask" / "store")
    assert a.subjects() == b.subjects() == [f"s{i}" for i in range(4)]
    for n in a.subjects():
        ra, rb = a.load(n), b.load(n)
        np.testing.assert_array_equal(ra["connectome.matrix"], rb["connectome.matrix"])
        np.testing.assert_array_equal(ra["control.average"], rb["control.average"])
        for x, y in zip(ra["persistence.diagram"], rb["persistence.diagram"]):
            np.testing.assert_array_equal(x, y)
