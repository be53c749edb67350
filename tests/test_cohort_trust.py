"""netneuro.cohort store trust (#18): stale inputs, damaged files, partial failures,
scripts without a main guard, a table without pandas, scan-length confounds."""

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

from netneuro import cli, cohort, pipelines

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from test_cohort_helpers import make_cohort, stats_pipeline  # noqa: E402


class ScaledLoader:
    """A loader object with a setting (like the CLI's key/transpose options)."""

    def __init__(self, scale=1.0):
        self.scale = scale

    def __call__(self, path):
        return np.load(path) * self.scale


def test_resume_recomputes_a_subject_whose_input_changed(tmp_path):
    subs = make_cohort(3)
    cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False)
    changed = dict(subs)
    changed["sub-001"] = subs["sub-001"] + 1.0  # same name, other data
    with pytest.warns(UserWarning, match="sub-001"):
        res = cohort.run(stats_pipeline, changed, tmp_path / "st", progress=False)
    assert res.completed == ["sub-001"] and sorted(res.skipped) == ["sub-000", "sub-002"]
    assert "input" in res.recomputed["sub-001"]
    got = cohort.open_store(tmp_path / "st").load("sub-001")["mean"]
    assert got == pytest.approx(float(changed["sub-001"].mean()), rel=1e-12)
    # unchanged inputs: nothing recomputed, no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = cohort.run(stats_pipeline, changed, tmp_path / "st", progress=False)
    assert len(res.skipped) == 3 and not res.completed


def test_resume_recomputes_when_loader_options_or_file_change(tmp_path):
    paths = []
    for name, ts in make_cohort(2).items():
        p = tmp_path / f"{name}.npy"
        np.save(p, ts)
        paths.append(p)
    st = tmp_path / "st"
    cohort.run(stats_pipeline, paths, st, loader=ScaledLoader(1.0), progress=False)
    with pytest.warns(UserWarning, match="loader changed"):
        res = cohort.run(stats_pipeline, paths, st, loader=ScaledLoader(2.0), progress=False)
    assert sorted(res.completed) == ["sub-000", "sub-001"]
    np.save(paths[0], np.load(paths[0])[::-1].copy())
    with pytest.warns(UserWarning, match="input changed"):
        res = cohort.run(stats_pipeline, paths, st, loader=ScaledLoader(2.0), progress=False)
    assert res.completed == ["sub-000"] and res.skipped == ["sub-001"]
    # a stale subject whose recompute fails keeps no result from the old input
    paths[1].write_bytes(b"\x93NUMPY broken")
    with pytest.warns(UserWarning, match="sub-001"):
        res = cohort.run(stats_pipeline, paths, st, loader=ScaledLoader(2.0), progress=False)
    store = cohort.open_store(st)
    assert list(res.failed) == ["sub-001"] and store.subjects() == ["sub-000"]
    assert list(store.failures()) == ["sub-001"]


def test_flipped_byte_is_detected_quarantined_and_recomputed(tmp_path):
    subs = make_cohort(3)
    cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False)
    st = cohort.open_store(tmp_path / "st")
    f = st.file("sub-001")
    data = bytearray(f.read_bytes())
    data[len(data) // 2] ^= 0xFF
    f.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sub-001"):
        st.load("sub-001")
    with pytest.raises(ValueError, match="sub-001"):
        st.summary()
    assert list(st.verify()) == ["subjects/sub-001.npz"]
    assert cli.main(["verify", str(tmp_path / "st")]) == 1
    with pytest.warns(UserWarning, match="damaged.*sub-001"):
        res = cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False)
    assert res.completed == ["sub-001"] and len(res.skipped) == 2
    assert len(list((tmp_path / "st" / "quarantine").iterdir())) == 1
    assert st.verify() == {} and cli.main(["verify", str(tmp_path / "st")]) == 0
    assert st.load("sub-001")["mean"] == pytest.approx(float(subs["sub-001"].mean()))


def test_foreign_npz_does_not_break_the_store(tmp_path):
    subs = make_cohort(2)
    cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False)
    np.savez(tmp_path / "st" / "subjects" / "stray.npz", x=np.array([object()], dtype=object))
    st = cohort.open_store(tmp_path / "st")
    assert st.subjects() == ["sub-000", "sub-001"]  # not a subject: no checksum entry
    assert len(st.summary()["subject"]) == 2
    assert "foreign" in st.verify()["subjects/stray.npz"]
    with pytest.warns(UserWarning, match="stray.npz"):
        res = cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False)
    assert res.ok and len(res.skipped) == 2 and st.verify() == {}


def test_checksum_file_matches_sha256sum_format(tmp_path):
    import hashlib

    cohort.run(stats_pipeline, make_cohort(2), tmp_path / "st", progress=False)
    lines = (tmp_path / "st" / "checksums.sha256").read_text().splitlines()
    assert len(lines) == 2
    for line in lines:
        digest, rel = line.split("  ")
        assert hashlib.sha256((tmp_path / "st" / rel).read_bytes()).hexdigest() == digest


def test_subject_file_is_the_npz_np_savez_writes():
    # the one-pass writer: every entry byte for byte the .npy np.savez stores, every kind of
    # array the store accepts (C, Fortran, strided, 0-d, empty, big-endian, str, bytes,
    # complex, bool, a non-ASCII name); np.load and zipfile's CRC check read it back
    import io
    import zipfile

    from netneuro.cohort.files import _npz_bytes

    rng = np.random.default_rng(0)
    payload = {"a": rng.normal(size=(5, 3)), "f": np.asfortranarray(rng.normal(size=(4, 6))),
               "strided": rng.normal(size=(6, 8))[::2, 1::3], "s": np.array(3.5),
               "i": np.array(7), "b": np.array(True), "u": np.array("h\u00e9llo"),
               "bytes": np.array([b"ab", b"c"]), "c": np.array([1 + 2j]),
               "\u00e9.x[0]": np.arange(3, dtype=">i4"), "e": np.zeros((0, 3)),
               "__meta__": np.array('{"a": 1}')}
    blob = _npz_bytes(payload)
    ref = io.BytesIO()
    np.savez(ref, **payload)
    ours, theirs = zipfile.ZipFile(io.BytesIO(blob)), zipfile.ZipFile(ref)
    assert ours.testzip() is None
    assert ours.namelist() == theirs.namelist()
    for name in theirs.namelist():
        assert ours.read(name) == theirs.read(name), name
    with np.load(io.BytesIO(blob), allow_pickle=False) as z:
        for k, v in payload.items():
            assert z[k].dtype == v.dtype and z[k].shape == v.shape and np.array_equal(z[k], v)


def test_zip64_sized_subjects_are_streamed_by_np_savez(tmp_path, monkeypatch):
    # above the zip32 limit the worker hands the arrays over and np.savez streams them,
    # hashed on the way: same results, same checksum format
    import hashlib

    from netneuro.cohort import files

    monkeypatch.setattr(files, "_ZIP32_LIMIT", 100)
    subs = make_cohort(2)
    cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False)
    st = cohort.open_store(tmp_path / "st")
    assert st.verify() == {}
    ref = stats_pipeline(next(iter(subs.values())))
    got = st.load(next(iter(subs)))
    np.testing.assert_array_equal(got["connectome"], ref["connectome"])
    for line in (tmp_path / "st" / "checksums.sha256").read_text().splitlines():
        digest, rel = line.split("  ")
        assert hashlib.sha256((tmp_path / "st" / rel).read_bytes()).hexdigest() == digest


def test_nested_equal_blas_limit_is_free_and_restores():
    # limit_blas inside an equal limit skips threadpoolctl (a cohort limits once, not per
    # subject and step); an inner different limit still applies; leaving restores
    from threadpoolctl import threadpool_info

    from netneuro._parallel import _active, limit_blas

    def blas_threads():
        return {d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"}

    before = blas_threads()
    with limit_blas(1, user_api=None):
        assert blas_threads() == {1}
        with limit_blas(1) as inner:
            assert inner._ctx is None and blas_threads() == {1}
        with limit_blas(2) as other:
            assert other._ctx is not None and blas_threads() == {2}
        assert blas_threads() == {1}
    assert blas_threads() == before and _active() == []


class _Boom(pipelines.Step):
    name = "boom"

    def __call__(self, ts, state):
        raise RuntimeError("step exploded")


def test_failing_step_keeps_the_other_steps(tmp_path):
    ts = make_cohort(1, t=40, r=6)["sub-000"]
    ts[:, 2] = 1.0  # a constant region: the maxent step fails on it
    pipe = pipelines.Pipeline([pipelines.FunctionalConnectome(), pipelines.MaxEnt(
        regions=[0, 1, 2]), pipelines.Controllability(), _Boom()])
    res = cohort.run(pipe, {"s": ts, "t": make_cohort(1, t=40, r=6, seed=1)["sub-000"]},
                     tmp_path / "st", progress=False)
    assert res.ok and sorted(res.completed) == ["s", "t"]
    assert set(res.partial["s"]) == {"maxent", "boom"} and set(res.partial["t"]) == {"boom"}
    st = cohort.open_store(tmp_path / "st")
    r = st.load("s")
    assert "connectome.matrix" in r and "control.average" in r
    assert not any(k.startswith("maxent.") for k in r)
    assert "RuntimeError: step exploded" == st.step_errors()["s"]["boom"]
    import csv

    with open(tmp_path / "st" / "failures.csv") as f:
        rows = list(csv.DictReader(f))
    assert {(r["subject"], r["step"]) for r in rows} == {("s", "maxent"), ("s", "boom"),
                                                        ("t", "boom")}


def test_failed_connectome_fails_the_steps_that_need_it():
    ts = np.ones((30, 4))
    ts[:, 0] = np.arange(30.0)  # one live region: no connectome
    pipe = pipelines.Pipeline([pipelines.FunctionalConnectome(), pipelines.Controllability(),
                               pipelines.MaxEnt(regions=[0, 1])])
    with pytest.raises(ValueError, match="non-constant"):
        pipe(ts)  # every step failed: the subject fails with the first error


def test_script_without_main_guard_gets_a_clear_error(tmp_path):
    script = tmp_path / "no_guard.py"
    script.write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(HERE)!r})
        from netneuro import cohort
        from test_cohort_helpers import make_cohort, stats_pipeline
        cohort.run(stats_pipeline, make_cohort(3), {str(tmp_path / 'st')!r}, n_jobs=2,
                   progress=False)
        print("FINISHED")
    """))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=240)
    assert proc.returncode != 0 and "FINISHED" not in proc.stdout
    assert 'if __name__ == "__main__":' in proc.stderr
    assert "WorkerCrash" not in proc.stderr


def test_table_without_pandas(tmp_path, monkeypatch):
    cohort.run(stats_pipeline, make_cohort(3), tmp_path / "st", progress=False)
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas -> ImportError
    t = cohort.open_store(tmp_path / "st").table()
    assert list(t["subject"]) == ["sub-000", "sub-001", "sub-002"]
    text = repr(t)
    assert "sub-002" in text and "mean" in text.splitlines()[0]


def test_cli_all_failed_exits_nonzero(tmp_path, capsys):
    bad = tmp_path / "in"
    bad.mkdir()
    for i in range(2):
        (bad / f"s{i}.npy").write_bytes(b"\x93NUMPY not an array")
    code = cli.main(["analyze", str(bad), "--out", str(tmp_path / "out"), "--quiet",
                     "--no-report"])
    assert code == 4
    assert "every subject failed" in capsys.readouterr().err


def test_equalize_length_uses_the_shortest_subject(tmp_path):
    rng = np.random.default_rng(0)
    subs = {"a": rng.standard_normal((50, 4)), "b": rng.standard_normal((80, 4))}
    pipe = pipelines.Pipeline([pipelines.FunctionalConnectome()], equalize_length=True)
    cohort.run(pipe, subs, tmp_path / "st", progress=False)
    st = cohort.open_store(tmp_path / "st")
    np.testing.assert_allclose(st.load("b")["connectome.matrix"],
                               np.corrcoef(subs["b"][:50].T), atol=1e-12)
    assert st.inputs() == {"a": (50, 4), "b": (80, 4)}
    assert st.timepoints() == {"a": 50, "b": 50}  # the length analysed
    assert "equalize_length=50" in st.info()["pipeline"]
    with pytest.raises(ValueError, match="equalize_length"):
        pipelines.Pipeline([pipelines.FunctionalConnectome()], equalize_length=100)(subs["a"])


def test_duplicate_columns_are_tested_once():
    from netneuro.report import duplicate_columns, group_comparisons

    rng = np.random.default_rng(1)
    x = rng.standard_normal(12)
    summary = {"subject": np.array([f"s{i}" for i in range(12)]), "maxent.multi_information": x,
               "maxent.D1": x.copy(), "other": rng.standard_normal(12)}
    assert duplicate_columns(summary) == {"maxent.D1": "maxent.multi_information"}
    labels = {"ids": [f"s{i}" for i in range(12)],
              "columns": {"g": np.array(["a", "b"] * 6)}}
    tested = {r["result"] for r in group_comparisons(summary, labels)}
    assert tested == {"maxent.multi_information", "other"}


def test_report_shows_scan_length_and_warns_on_length_confound(tmp_path):
    pytest.importorskip("matplotlib")
    from netneuro.report import build_report

    rng = np.random.default_rng(2)
    # two sites: short scans (site A) and long scans (site B); the maxent entropies
    # of the same process then differ by site only through the scan length
    subs, ids, site = {}, [], []
    for i in range(12):
        t = 60 if i % 2 == 0 else 600
        subs[f"s{i:02d}"] = rng.standard_normal((t, 5))
        ids.append(f"s{i:02d}")
        site.append("A" if i % 2 == 0 else "B")
    pipe = pipelines.Pipeline([pipelines.FunctionalConnectome(), pipelines.MaxEnt(
        n_regions=5)])
    cohort.run(pipe, subs, tmp_path / "st", progress=False)
    labels = {"ids": ids, "columns": {"site": np.array(site)}}
    html = build_report(tmp_path / "st", labels=labels).read_text()
    assert "Scan lengths" in html and "60 to 600" in html
    assert "n_timepoints" in html and "Warning:" in html and "scan length" in html


def test_cli_reports_failed_steps_and_keeps_the_rest(tmp_path, capsys):
    d = tmp_path / "in"
    d.mkdir()
    rng = np.random.default_rng(3)
    for i in range(2):
        ts = rng.standard_normal((60, 6))
        if i == 0:
            ts[:, 1] = 0.0  # a constant region, picked by the maxent step
        np.save(d / f"s{i}.npy", ts)
    code = cli.main(["analyze", str(d), "--out", str(tmp_path / "out"), "--quiet",
                     "--no-report", "--steps", "connectome,maxent", "--maxent-regions", "0,1,2"])
    err = capsys.readouterr().err
    assert code == 3 and "step failed: s0: maxent" in err
    st = cohort.open_store(tmp_path / "out" / "store")
    assert st.subjects() == ["s0", "s1"] and "connectome.matrix" in st.load("s0")
    assert list(st.step_errors()) == ["s0"]


# -- batched commits (#21): a subject counts once its batch is fsync-ed and renamed --------


def _no_temp_files(store):
    return not [p for p in Path(store).rglob(".*.tmp-*")]


def test_batches_commit_every_subject_and_its_checksum(tmp_path, monkeypatch):
    from netneuro.cohort import runner

    monkeypatch.setattr(runner, "_BATCH", 2)  # 7 subjects: batches of 2, 2, 2, 1
    subs = make_cohort(7)
    res = cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False)
    assert res.completed == list(subs)
    st = cohort.open_store(tmp_path / "st")
    assert st.verify() == {} and st.subjects() == sorted(subs)
    assert _no_temp_files(tmp_path / "st")
    for name, ts in subs.items():  # against the pipeline run directly
        assert st.load(name)["mean"] == stats_pipeline(ts)["mean"]


def test_an_interrupted_run_commits_the_subjects_already_computed(tmp_path):
    subs = make_cohort(4)
    calls = []

    def stops_at_third(ts):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return stats_pipeline(ts)

    with pytest.raises(KeyboardInterrupt):
        cohort.run(stops_at_third, subs, tmp_path / "st", progress=False)
    st = cohort.open_store(tmp_path / "st")
    assert st.subjects() == ["sub-000", "sub-001"] and st.verify() == {}
    assert _no_temp_files(tmp_path / "st")
    res = cohort.run(stops_at_third, subs, tmp_path / "st", progress=False)  # resume
    assert res.skipped == ["sub-000", "sub-001"] and res.completed == ["sub-002", "sub-003"]


def test_a_failed_commit_stops_the_run_and_leaves_no_temp_file(tmp_path, monkeypatch):
    import os

    real_replace = os.replace

    def full_disk(src, dst):
        if str(dst).endswith(".npz"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", full_disk)
    subs = make_cohort(3)
    with pytest.raises(OSError, match="No space left"):
        cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False)
    monkeypatch.undo()
    assert _no_temp_files(tmp_path / "st")
    assert cohort.open_store(tmp_path / "st").subjects() == []  # nothing counted as done
    res = cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False)
    assert res.completed == list(subs) and cohort.open_store(tmp_path / "st").verify() == {}


def test_a_retried_subject_drops_its_failure_record(tmp_path):
    subs = make_cohort(2)

    broken = [True]

    def fails_on_first(ts):
        if broken[0] and ts is subs["sub-000"]:
            raise ValueError("bad scan")
        return stats_pipeline(ts)

    res = cohort.run(fails_on_first, subs, tmp_path / "st", progress=False)
    assert list(res.failed) == ["sub-000"]
    assert list(cohort.open_store(tmp_path / "st").failures()) == ["sub-000"]
    broken[0] = False
    res = cohort.run(fails_on_first, subs, tmp_path / "st", progress=False)
    st = cohort.open_store(tmp_path / "st")
    assert res.completed == ["sub-000"] and st.failures() == {} and st.verify() == {}


def test_a_finished_subject_is_committed_while_the_next_one_computes(tmp_path, monkeypatch):
    import time

    from netneuro.cohort import runner

    monkeypatch.setattr(runner, "_COMMIT_INTERVAL", 0.05)
    subs = make_cohort(2)
    target = tmp_path / "st" / "subjects" / "sub-000.npz"
    seen = []

    def slow_second(ts):
        if ts is subs["sub-001"]:  # a long subject: the first one must not wait for it
            t0 = time.monotonic()
            while not target.exists() and time.monotonic() - t0 < 30:
                time.sleep(0.01)
            seen.append(target.exists())
        return stats_pipeline(ts)

    res = cohort.run(slow_second, subs, tmp_path / "st", progress=False)
    assert seen == [True] and res.completed == list(subs)
