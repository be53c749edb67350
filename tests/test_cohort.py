"""netneuro.cohort: store format, resume after kill -9, failures, local pool and Dask."""

import csv
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from netneuro import cohort

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # spawned workers inherit sys.path and import the helpers

from test_cohort_helpers import (  # noqa: E402
    SlowPipeline,
    bad_result_pipeline,
    crash_pipeline,
    failing_pipeline,
    make_cohort,
    stats_pipeline,
)


def assert_same_store(a, b, names):
    """Every subject present in both stores with bit-identical results."""
    assert sorted(a.subjects()) == sorted(names) == sorted(b.subjects())
    for n in names:
        ra, rb = a.load(n), b.load(n)
        assert list(ra) == list(rb)
        for k in ra:
            if isinstance(ra[k], list):
                assert len(ra[k]) == len(rb[k])
                for x, y in zip(ra[k], rb[k]):
                    np.testing.assert_array_equal(x, y)
            elif isinstance(ra[k], np.ndarray):
                np.testing.assert_array_equal(ra[k], rb[k])
            else:
                assert ra[k] == rb[k]


def test_store_roundtrip_and_open_format(tmp_path):
    subs = make_cohort(5)
    res = cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False)
    assert res.ok and sorted(res.completed) == sorted(subs) and not res.skipped
    st = cohort.open_store(tmp_path / "st")
    for name, ts in subs.items():
        expect = stats_pipeline(ts)
        got = st.load(name)
        np.testing.assert_array_equal(got["connectome"], expect["connectome"])
        assert got["mean"] == expect["mean"] and got["n_timepoints"] == 30
        assert got["graph.label"] == "corr" and got["flag"] == expect["flag"]
        for x, y in zip(got["diagram"], expect["diagram"]):
            np.testing.assert_array_equal(x, y)
        # the subject file is a plain npz: readable without netneuro and without pickle
        with np.load(tmp_path / "st" / "subjects" / f"{name}.npz", allow_pickle=False) as z:
            np.testing.assert_array_equal(z["connectome"], expect["connectome"])
            np.testing.assert_array_equal(z["diagram[1]"], expect["diagram"][1])
            assert json.loads(str(z["__meta__"]))["subject"] == name
    # summary.csv: one row per subject, full precision
    with open(tmp_path / "st" / "summary.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["subject"] for r in rows] == list(subs)
    for r in rows:
        assert float(r["mean"]) == stats_pipeline(subs[r["subject"]])["mean"]
    table = st.table()
    assert list(table.index) == list(subs) and table["n_timepoints"].dtype == np.int64
    manifest = json.loads((tmp_path / "st" / "manifest.json").read_text())
    assert manifest["n_done"] == 5 and manifest["n_failed"] == 0
    assert not list((tmp_path / "st").rglob(".*tmp*"))


def test_resume_skips_finished_and_pool_equals_in_process(tmp_path):
    subs = make_cohort(8)
    first = dict(list(subs.items())[:3])
    cohort.run(stats_pipeline, first, tmp_path / "a", progress=False)
    res = cohort.run(stats_pipeline, subs, tmp_path / "a", progress=False)
    assert sorted(res.skipped) == sorted(first) and len(res.completed) == 5
    res2 = cohort.run(stats_pipeline, subs, tmp_path / "b", n_jobs=2, progress=False)
    assert len(res2.completed) == 8
    assert_same_store(cohort.open_store(tmp_path / "a"), cohort.open_store(tmp_path / "b"),
                      list(subs))


def test_odd_subject_names_are_safe_file_names(tmp_path):
    rng = np.random.default_rng(1)
    names = ["a/b", "..", ".hidden", "ünï cødé", "x%2Fy", "sub 01"]
    subs = {n: rng.standard_normal((10, 3)) for n in names}
    cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False)
    st = cohort.open_store(tmp_path / "st")
    assert sorted(st.subjects()) == sorted(names)
    files = os.listdir(tmp_path / "st" / "subjects")
    assert len(files) == len(names) and all("/" not in f and not f.startswith(".")
                                            for f in files)
    for n in names:
        assert st.load(n)["mean"] == stats_pipeline(subs[n])["mean"]


_KILL_SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {tests!r})
    from netneuro import cohort
    from test_cohort_helpers import SlowPipeline, make_cohort
    cohort.run(SlowPipeline({delay}, {piddir!r}), make_cohort({n}), {store!r}, n_jobs=2,
               progress=False)
""")


def _wait_for(pred, timeout=60.0):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if pred():
            return True
        time.sleep(0.02)
    return False


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _is_our_python(pid):
    try:
        return b"python" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def test_sigkill_worker_and_parent_then_resume_identical(tmp_path):
    n = 40
    store, piddir = tmp_path / "killed", tmp_path / "pids"
    piddir.mkdir()
    # subjects land in batches about once a second: slow enough subjects that the run is
    # still going after a kill and a few batches
    script = _KILL_SCRIPT.format(tests=str(HERE), delay=0.25, piddir=str(piddir), n=n,
                                 store=str(store))
    proc = subprocess.Popen([sys.executable, "-c", script])
    subj = store / "subjects"
    n_files = lambda: len(list(subj.glob("*.npz"))) if subj.exists() else 0  # noqa: E731
    worker_pids = set()
    try:
        assert _wait_for(lambda: n_files() >= 4), "the cohort run did not start"
        # SIGKILL one worker process: the pool breaks, is restarted, work goes on
        worker_pids = {int(p.stem) for p in piddir.glob("*.pid")} - {proc.pid}
        victim = sorted(worker_pids)[0]
        os.kill(victim, signal.SIGKILL)
        before = n_files()
        assert _wait_for(lambda: n_files() >= before + 4), "no progress after a worker was killed"
        # then SIGKILL the parent mid-way
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        killed_at = n_files()
        assert killed_at < n, "the run finished before it could be killed; raise the delay"
        # the killed parent's pool workers exit on their own (they watch their parent)
        workers = {int(p.stem) for p in piddir.glob("*.pid")} - {proc.pid, victim}
        assert workers and _wait_for(lambda: not any(_alive(p) for p in workers), timeout=20), \
            "pool workers outlived their killed parent"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        # workers of the killed parent exit on their own when its pipes close; make sure
        for pid in {int(p.stem) for p in piddir.glob("*.pid")} - {proc.pid}:
            if _is_our_python(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
    assert not cohort.open_store(store).failures()
    res = cohort.run(SlowPipeline(0.0), make_cohort(n), store, progress=False)
    assert len(res.skipped) == killed_at and len(res.completed) == n - killed_at
    assert not res.failed
    ref = cohort.run(SlowPipeline(0.0), make_cohort(n), tmp_path / "ref", progress=False)
    assert len(ref.completed) == n
    assert_same_store(cohort.open_store(store), cohort.open_store(tmp_path / "ref"),
                      list(make_cohort(n)))
    # no subject lost or duplicated; no half-written file left behind
    with open(store / "summary.csv") as f:
        names = [r["subject"] for r in csv.DictReader(f)]
    assert sorted(names) == sorted(make_cohort(n)) and len(set(names)) == n
    assert len(os.listdir(subj)) == n
    assert not list(store.rglob(".*tmp*"))


def test_corrupt_input_file_is_reported_and_others_finish(tmp_path):
    subs = make_cohort(5)
    paths = []
    for name, ts in subs.items():
        p = tmp_path / f"{name}.npy"
        np.save(p, ts)
        paths.append(p)
    paths[2].write_bytes(b"\x93NUMPY garbage that is not an array" * 3)
    res = cohort.run(stats_pipeline, paths, tmp_path / "st", n_jobs=2, progress=False)
    assert sorted(res.failed) == ["sub-002"]
    assert "sub-002.npy" in res.failed["sub-002"]
    st = cohort.open_store(tmp_path / "st")
    assert sorted(st.subjects()) == ["sub-000", "sub-001", "sub-003", "sub-004"]
    rec = st.failures()["sub-002"]
    assert rec["error_type"] == "ValueError" and "Traceback" in rec["traceback"]
    with open(tmp_path / "st" / "failures.csv") as f:
        assert [r["subject"] for r in csv.DictReader(f)] == ["sub-002"]
    # failed subjects are retried on resume; a success clears the failure record
    np.save(paths[2], subs["sub-002"])
    res = cohort.run(stats_pipeline, paths, tmp_path / "st", progress=False)
    assert res.completed == ["sub-002"] and len(res.skipped) == 4 and res.ok
    assert not st.failures() and len(st.subjects()) == 5


def test_pipeline_errors_and_bad_results_are_recorded(tmp_path):
    subs = make_cohort(4)
    subs["sub-001"] = subs["sub-001"] + 5000.0
    res = cohort.run(failing_pipeline, subs, tmp_path / "a", progress=False)
    assert list(res.failed) == ["sub-001"] and "first sample too large" in res.failed["sub-001"]
    assert "failing_pipeline" in cohort.open_store(tmp_path / "a").failures()["sub-001"][
        "traceback"]
    res = cohort.run(bad_result_pipeline, make_cohort(2), tmp_path / "b", progress=False)
    assert len(res.failed) == 2 and all(v.startswith("TypeError") for v in res.failed.values())


def test_worker_crash_is_retried_then_recorded(tmp_path):
    subs = make_cohort(6)
    subs["sub-003"] = subs["sub-003"] + 5000.0
    res = cohort.run(crash_pipeline, subs, tmp_path / "st", n_jobs=2, max_crashes=2,
                     progress=False)
    assert list(res.failed) == ["sub-003"] and res.failed["sub-003"].startswith("WorkerCrash")
    assert sorted(cohort.open_store(tmp_path / "st").subjects()) == sorted(
        set(subs) - {"sub-003"})


def test_dask_localcluster_equals_local(tmp_path):
    distributed = pytest.importorskip("distributed")
    subs = make_cohort(10)
    local = cohort.run(stats_pipeline, subs, tmp_path / "local", progress=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        res = cohort.run(stats_pipeline, subs, tmp_path / "dask", executor=client,
                         max_in_flight=3, progress=False)
        assert len(res.completed) == 10 and res.ok
        # failures travel back from Dask workers too
        bad = dict(subs)
        bad["sub-004"] = bad["sub-004"] + 5000.0
        res2 = cohort.run(failing_pipeline, bad, tmp_path / "dask-fail", executor=client,
                          progress=False)
        assert list(res2.failed) == ["sub-004"]
    assert len(local.completed) == 10
    assert_same_store(cohort.open_store(tmp_path / "local"), cohort.open_store(tmp_path / "dask"),
                      list(subs))


def test_concurrent_futures_executor(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    subs = make_cohort(5)
    with ThreadPoolExecutor(2) as ex:
        res = cohort.run(stats_pipeline, subs, tmp_path / "t", executor=ex, progress=False)
    assert len(res.completed) == 5
    cohort.run(stats_pipeline, subs, tmp_path / "r", progress=False)
    assert_same_store(cohort.open_store(tmp_path / "t"), cohort.open_store(tmp_path / "r"),
                      list(subs))


def test_pipeline_mismatch_and_resume_false(tmp_path):
    subs = make_cohort(3)
    cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False)
    with pytest.raises(ValueError, match="was written by pipeline"):
        cohort.run(failing_pipeline, subs, tmp_path / "st", progress=False)
    res = cohort.run(failing_pipeline, subs, tmp_path / "st", resume=False, progress=False)
    assert len(res.completed) == 3 and not res.skipped


def test_progress_silent_when_not_a_tty(tmp_path, capsys):
    cohort.run(stats_pipeline, make_cohort(3), tmp_path / "st", progress=True)
    assert capsys.readouterr().err == ""


def test_list_of_arrays_gets_index_names(tmp_path):
    arrs = list(make_cohort(3).values())
    cohort.run(stats_pipeline, arrs, tmp_path / "st", progress=False)
    assert cohort.open_store(tmp_path / "st").subjects() == [
        "subject-0000", "subject-0001", "subject-0002"]


def test_bad_inputs(tmp_path):
    subs = make_cohort(2)
    with pytest.raises(TypeError, match="pipeline must be callable"):
        cohort.run(42, subs, tmp_path / "a")
    with pytest.raises(ValueError, match="subjects is empty"):
        cohort.run(stats_pipeline, {}, tmp_path / "a")
    with pytest.raises(TypeError, match="single path"):
        cohort.run(stats_pipeline, str(tmp_path), tmp_path / "a")
    with pytest.raises(TypeError, match="store must be a directory path"):
        cohort.run(stats_pipeline, subs, None)
    with pytest.raises(TypeError, match="executor must be"):
        cohort.run(stats_pipeline, subs, tmp_path / "a", executor="threads")
    with pytest.raises(ValueError, match="n_jobs"):
        cohort.run(stats_pipeline, subs, tmp_path / "a", n_jobs=0)
    with pytest.raises(TypeError, match="subject names"):
        cohort.run(stats_pipeline, {1: subs["sub-000"]}, tmp_path / "a")
    with pytest.raises(TypeError, match="mixes paths and data"):
        cohort.run(stats_pipeline, ["x.npy", subs["sub-000"]], tmp_path / "a")
    with pytest.raises(ValueError, match="subject name 'x'"):
        cohort.run(stats_pipeline, [tmp_path / "d1" / "x.npy", tmp_path / "d2" / "x.npy"],
                   tmp_path / "a")
    with pytest.raises(ValueError, match="too long"):
        cohort.run(stats_pipeline, {"x" * 300: subs["sub-000"]}, tmp_path / "a")
    with pytest.raises(TypeError, match="resume"):
        cohort.run(stats_pipeline, subs, tmp_path / "a", resume="yes")
    with pytest.raises(ValueError, match="max_crashes"):
        cohort.run(stats_pipeline, subs, tmp_path / "a", max_crashes=0)
    other = tmp_path / "notastore"
    other.mkdir()
    (other / "precious.txt").write_text("keep me")
    with pytest.raises(ValueError, match="not a netneuro store"):
        cohort.run(stats_pipeline, subs, other)
    assert (other / "precious.txt").read_text() == "keep me"
    with pytest.raises(FileNotFoundError, match="not a netneuro cohort store"):
        cohort.open_store(other)
    cohort.run(stats_pipeline, subs, tmp_path / "ok", progress=False)
    with pytest.raises(KeyError, match="nobody"):
        cohort.open_store(tmp_path / "ok").load("nobody")


def test_progress_line_on_a_terminal_without_tqdm(tmp_path, monkeypatch):
    import io as _io

    class TTY(_io.StringIO):
        def isatty(self):
            return True

    err = TTY()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    subs = make_cohort(3)
    subs["sub-001"] = subs["sub-001"] + 5000.0
    cohort.run(failing_pipeline, subs, tmp_path / "st", progress=True)
    out = err.getvalue()
    assert "3/3 subjects (1 failed)" in out and out.endswith("\n")


def test_parquet_summary_when_pyarrow_is_installed(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    subs = make_cohort(4)
    cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False)
    t = pq.read_table(tmp_path / "st" / "summary.parquet").to_pydict()
    assert t["subject"] == list(subs)
    assert t["mean"] == [stats_pipeline(x)["mean"] for x in subs.values()]
    assert t["graph.label"] == ["corr"] * 4


def test_one_run_per_store_at_a_time(tmp_path):
    subs = make_cohort(2)
    cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False)
    held = cohort._lock_store(tmp_path / "st")
    try:
        with pytest.raises(RuntimeError, match="in use by another cohort run"):
            cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False)
    finally:
        cohort._unlock_store(held)
    assert len(cohort.run(stats_pipeline, subs, tmp_path / "st", progress=False).skipped) == 2
