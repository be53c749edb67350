"""netneuro.io: every format against an independent reader (NumPy, pandas, SciPy, h5py)."""

import gzip
import struct

import numpy as np
import pytest

from netneuro import io as nio


@pytest.fixture
def ts(rng):
    return rng.standard_normal((20, 4))


def test_npy_and_npz(tmp_path, ts):
    np.save(tmp_path / "a.npy", ts)
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "a.npy"), ts)
    np.savez(tmp_path / "b.npz", ts=ts, names=np.array(["r1", "r2", "r3", "r4"]))
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "b.npz"), ts)  # only numeric
    np.savez(tmp_path / "c.npz", x=ts, y=ts + 1)
    with pytest.raises(ValueError, match="pass key="):
        nio.load_timeseries(tmp_path / "c.npz")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "c.npz", key="y"), ts + 1)
    with pytest.raises(KeyError, match="no array 'z'"):
        nio.load_timeseries(tmp_path / "c.npz", key="z")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "a.npy", transpose=True), ts.T)
    np.testing.assert_array_equal(
        nio.load_timeseries(tmp_path / "a.npy", columns=slice(1, None)), ts[:, 1:])


class _Boom:
    def __reduce__(self):  # would run code if unpickled
        return (exec, ("raise SystemExit('unpickled!')",))


def test_pickled_files_are_never_unpickled(tmp_path):
    np.save(tmp_path / "evil.npy", np.array([_Boom()], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="never unpickles"):
        nio.load_timeseries(tmp_path / "evil.npy")
    np.savez(tmp_path / "evil.npz", x=np.array([_Boom()], dtype=object))
    with pytest.raises(ValueError):
        nio.load_array(tmp_path / "evil.npz", key="x")


def test_csv_tsv_txt_against_pandas(tmp_path, ts):
    pd = pytest.importorskip("pandas")
    cols = [f"roi{i}" for i in range(4)]
    pd.DataFrame(ts, columns=cols).to_csv(tmp_path / "h.csv", index=False)
    pd.DataFrame(ts, columns=cols).to_csv(tmp_path / "h.tsv", index=False, sep="\t")
    pd.DataFrame(ts).to_csv(tmp_path / "n.csv", index=False, header=False)
    pd.DataFrame(ts, columns=cols).to_csv(tmp_path / "idx.csv")  # header + index column
    ref = pd.read_csv(tmp_path / "h.csv").to_numpy()
    for name in ("h.csv", "h.tsv", "n.csv", "idx.csv"):
        np.testing.assert_array_equal(nio.load_timeseries(tmp_path / name), ref)
    # row names that are not numbers are dropped too
    pd.DataFrame(ts, columns=cols, index=[f"t{i}" for i in range(20)]).to_csv(tmp_path / "r.csv")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "r.csv"), ref)
    np.savetxt(tmp_path / "w.txt", ts)
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "w.txt"),
                                  np.loadtxt(tmp_path / "w.txt"))
    with gzip.open(tmp_path / "g.csv.gz", "wt") as f:
        f.write((tmp_path / "h.csv").read_text())
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "g.csv.gz"), ref)
    (tmp_path / "ragged.csv").write_text("1,2,3\n4,5\n")
    with pytest.raises(ValueError, match="row 2"):
        nio.load_timeseries(tmp_path / "ragged.csv")
    (tmp_path / "nan.csv").write_text("a,b\n1,2\n3,NA\n")
    with pytest.raises(ValueError, match="finite"):
        nio.load_timeseries(tmp_path / "nan.csv")


def test_mat_v5_against_scipy(tmp_path, ts):
    scipy_io = pytest.importorskip("scipy.io")
    scipy_io.savemat(tmp_path / "a.mat", {"tc": ts})
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "a.mat"), ts)
    scipy_io.savemat(tmp_path / "b.mat", {"tc": ts, "sc": ts[:4, :4]})
    with pytest.raises(ValueError, match="pass key="):
        nio.load_timeseries(tmp_path / "b.mat")
    np.testing.assert_array_equal(nio.load_matrix(tmp_path / "b.mat", key="sc"), ts[:4, :4])


def _write_mat73(path, name, arr):
    """A MATLAB v7.3 file: HDF5 with a 512-byte MATLAB header (column-major data)."""
    h5py = pytest.importorskip("h5py")
    with h5py.File(path, "w", userblock_size=512) as f:
        f.create_dataset(name, data=np.asarray(arr).T)  # MATLAB stores column-major
    header = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: test HDF5 schema 1.00 ."
    header = header.ljust(116, b" ") + b"\x00" * 8 + struct.pack("<H", 0x0200) + b"IM"
    with open(path, "r+b") as f:
        f.write(header)


def test_mat_v73_through_h5py(tmp_path, ts):
    _write_mat73(tmp_path / "v73.mat", "tc", ts)
    import scipy.io

    with pytest.raises(NotImplementedError):  # scipy alone cannot read it
        scipy.io.loadmat(tmp_path / "v73.mat")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "v73.mat"), ts)


def test_hdf5(tmp_path, ts):
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "a.h5", "w") as f:
        f.create_dataset("data/ts", data=ts)
        f.create_dataset("data/sc", data=ts[:4, :4])
    with pytest.raises(ValueError, match="pass key="):
        nio.load_timeseries(tmp_path / "a.h5")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "a.h5", key="/data/ts"), ts)
    np.testing.assert_array_equal(nio.load_matrix(tmp_path / "a.h5", key="data/sc"), ts[:4, :4])
    with pytest.raises(KeyError, match="no dataset"):
        nio.load_array(tmp_path / "a.h5", key="nope")


def test_load_table(tmp_path):
    pd = pytest.importorskip("pandas")
    (tmp_path / "lab.csv").write_text("subject,pain,group\ns1,0.5,a\ns2,,b\ns3,-1.25,a\n")
    t = nio.load_table(tmp_path / "lab.csv")
    ref = pd.read_csv(tmp_path / "lab.csv")
    assert t["ids"] == list(ref["subject"])
    np.testing.assert_array_equal(t["columns"]["pain"], ref["pain"].to_numpy())
    assert list(t["columns"]["group"]) == ["a", "b", "a"]
    (tmp_path / "dup.csv").write_text("id,x\na,1\na,2\n")
    with pytest.raises(ValueError, match="duplicate"):
        nio.load_table(tmp_path / "dup.csv")
    with pytest.raises(ValueError, match="no column"):
        nio.load_table(tmp_path / "lab.csv", id_column="ID")
    (tmp_path / "lab.npy").write_bytes(b"x")
    with pytest.raises(ValueError, match=".csv or .tsv"):
        nio.load_table(tmp_path / "lab.npy")


def test_bad_inputs(tmp_path, ts):
    with pytest.raises(FileNotFoundError, match="no such file"):
        nio.load_timeseries(tmp_path / "missing.npy")
    with pytest.raises(TypeError, match="path"):
        nio.load_timeseries(42)
    with pytest.raises(ValueError, match="directory"):
        nio.load_timeseries(tmp_path)
    (tmp_path / "x.xyz").write_text("1")
    with pytest.raises(ValueError, match="unsupported file type"):
        nio.load_timeseries(tmp_path / "x.xyz")
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 not a zip")
    with pytest.raises(ValueError, match="could not read"):
        nio.load_timeseries(tmp_path / "bad.npz")
    (tmp_path / "bad.h5").write_bytes(b"\x89HDF garbage")
    with pytest.raises(ValueError, match="could not read"):
        nio.load_timeseries(tmp_path / "bad.h5")
    np.save(tmp_path / "c.npy", ts[:3, :4])
    with pytest.raises(ValueError, match="square"):
        nio.load_matrix(tmp_path / "c.npy")
    np.save(tmp_path / "3d.npy", np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="2-D"):
        nio.load_timeseries(tmp_path / "3d.npy")
    np.save(tmp_path / "s.npy", np.array(["a", "b"]))
    with pytest.raises(ValueError, match="numeric"):
        nio.load_timeseries(tmp_path / "s.npy")
    with pytest.raises(TypeError, match="key"):
        nio.load_timeseries(tmp_path / "c.npy", key=3)
    (tmp_path / "empty.csv").write_text("\n")
    with pytest.raises(ValueError, match="empty"):
        nio.load_timeseries(tmp_path / "empty.csv")
