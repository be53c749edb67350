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


# ---------------------------------------------------------------------------
# header rows and index columns (#18): files as pandas, NumPy, fMRIPrep, MATLAB and R
# write them; each reference is what the writer was given (or pandas.read_csv with the
# layout stated explicitly).


def _matlab_writematrix(path, arr):
    """What MATLAB's writematrix writes: comma-separated, no header, %.15g per value
    (integral values without a decimal point, NaN/Inf as NaN/Inf)."""
    def fmt(v):
        if np.isnan(v):
            return "NaN"
        if np.isinf(v):
            return "Inf" if v > 0 else "-Inf"
        return f"{v:.15g}"
    path.write_text("".join(",".join(fmt(v) for v in row) + "\n" for row in np.atleast_2d(arr)))


def _round15(arr):
    return np.array([[float(f"{v:.15g}") for v in row] for row in arr])


def test_pandas_numeric_header_is_not_a_time_point(tmp_path, ts):
    """`DataFrame(x).to_csv(index=False)` writes the column labels 0..N-1 as the first row."""
    pd = pytest.importorskip("pandas")
    x = np.random.default_rng(1).standard_normal((30, 50))
    pd.DataFrame(x).to_csv(tmp_path / "a.csv", index=False)
    assert (tmp_path / "a.csv").read_text().startswith("0,1,2,")
    out = nio.load_timeseries(tmp_path / "a.csv")
    np.testing.assert_array_equal(out, pd.read_csv(tmp_path / "a.csv").to_numpy())
    assert out.shape == (30, 50)
    # the same with 1..N labels, with atlas label values, in a TSV and gzipped
    pd.DataFrame(ts, columns=[1, 2, 3, 4]).to_csv(tmp_path / "b.tsv", sep="\t", index=False)
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "b.tsv"), ts)
    pd.DataFrame(ts, columns=[11, 12, 1001, 2035]).to_csv(tmp_path / "c.csv.gz", index=False)
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "c.csv.gz"), ts)
    # and with pandas' default index column: ",0,1,2,3" over "0,<values>"
    pd.DataFrame(ts).to_csv(tmp_path / "d.csv")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "d.csv"), ts)
    np.testing.assert_array_equal(
        nio.load_timeseries(tmp_path / "d.csv"),
        pd.read_csv(tmp_path / "d.csv", index_col=0).to_numpy())


def test_headerless_file_with_row_names_keeps_its_first_row(tmp_path, ts):
    pd = pytest.importorskip("pandas")
    names = [f"vol{i:03d}" for i in range(len(ts))]
    pd.DataFrame(ts, index=names).to_csv(tmp_path / "a.csv", header=False)
    out = nio.load_timeseries(tmp_path / "a.csv")
    np.testing.assert_array_equal(
        out, pd.read_csv(tmp_path / "a.csv", header=None, index_col=0).to_numpy())
    assert out.shape == ts.shape
    # whitespace-separated, as R's write.table(col.names=FALSE) writes it
    (tmp_path / "b.txt").write_text("".join(f'"{n}" ' + " ".join(repr(float(v)) for v in row)
                                            + "\n" for n, row in zip(names, ts)))
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "b.txt"), ts)
    # ... and with a header over the row names (a named index)
    pd.DataFrame(ts, index=pd.Index(names, name="volume")).to_csv(tmp_path / "c.csv")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "c.csv"), ts)


def test_r_files(tmp_path, ts):
    """R's write.table: quoted header one field short (pandas' rule: it names all but the
    index column); write.csv: an empty first header cell over quoted row names."""
    pd = pytest.importorskip("pandas")
    lines = ['"V1" "V2" "V3" "V4"'] + [f'"{i + 1}" ' + " ".join(repr(float(v)) for v in row)
                                       for i, row in enumerate(ts)]
    (tmp_path / "t.txt").write_text("\n".join(lines) + "\n")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "t.txt"), ts)
    np.testing.assert_array_equal(
        nio.load_timeseries(tmp_path / "t.txt"),
        pd.read_csv(tmp_path / "t.txt", sep=" ").to_numpy())  # pandas: the same rule
    lines = ['"","V1","V2","V3","V4"'] + [f'"{i + 1}",' + ",".join(repr(float(v)) for v in row)
                                          for i, row in enumerate(ts)]
    (tmp_path / "c.csv").write_text("\n".join(lines) + "\n")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "c.csv"), ts)
    with pytest.raises(ValueError, match="index_col=0"):  # the short header needs an index
        nio.load_timeseries(tmp_path / "t.txt", index_col=None)


def test_numpy_savetxt_files(tmp_path, ts):
    np.savetxt(tmp_path / "a.txt", ts)  # whitespace, %.18e
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "a.txt"), ts)
    np.savetxt(tmp_path / "b.csv", ts, delimiter=",", fmt="%.17g")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "b.csv"), ts)
    np.savetxt(tmp_path / "c.csv", ts, delimiter=",", header="roi0,roi1,roi2,roi3")  # "# roi0"
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "c.csv"), ts)
    np.savetxt(tmp_path / "d.csv", ts, delimiter=",", header="0,1,2,3", comments="")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "d.csv"), ts)
    # %g drops the decimals of integral values: a first row of zeros stays data
    y = ts.copy()
    y[0] = 0.0
    np.savetxt(tmp_path / "e.csv", y, delimiter=",", fmt="%.17g")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "e.csv"), y)


def test_matlab_writematrix_files(tmp_path, ts):
    """MATLAB's writematrix: no header, %.15g, comma-separated in .csv and .txt alike."""
    _matlab_writematrix(tmp_path / "a.csv", ts)
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "a.csv"), _round15(ts))
    np.testing.assert_allclose(nio.load_timeseries(tmp_path / "a.csv"), ts, rtol=1e-14)
    _matlab_writematrix(tmp_path / "b.txt", ts)  # was split on whitespace: unreadable
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "b.txt"),
                                  np.loadtxt(tmp_path / "b.txt", delimiter=","))
    y = _round15(ts)
    y[0] = 0.0  # integral first row (zeros): written "0,0,0,0", still data
    y[3, 1] = 2.0
    _matlab_writematrix(tmp_path / "c.csv", y)
    assert (tmp_path / "c.csv").read_text().startswith("0,0,0,0\n")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "c.csv"), y)
    y[0] = [3, -1, 0, 7]  # integral but not labels
    _matlab_writematrix(tmp_path / "d.csv", y)
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "d.csv"), y)
    y[1, 2] = np.nan
    _matlab_writematrix(tmp_path / "e.csv", y)
    np.testing.assert_array_equal(nio.load_array(tmp_path / "e.csv"), y)
    # an integer matrix (adjacency): the square reading is the only one
    A = np.abs(np.subtract.outer(np.arange(7), np.arange(7)))  # path-graph distances: 0,1,2,..
    _matlab_writematrix(tmp_path / "A.csv", A)
    np.testing.assert_array_equal(nio.load_matrix(tmp_path / "A.csv"), A)


def test_fmriprep_confounds_tsv(tmp_path, rng):
    """fMRIPrep / nilearn confounds: named columns, "n/a" in the first row of derivatives,
    0/1 outlier columns."""
    pd = pytest.importorskip("pandas")
    T = 12
    df = pd.DataFrame({
        "global_signal": rng.normal(500, 5, T), "csf": rng.normal(300, 3, T),
        "trans_x": rng.normal(0, 0.1, T), "trans_x_derivative1": rng.normal(0, 0.1, T),
        "cosine00": np.cos(np.linspace(0, np.pi, T)),
        "non_steady_state_outlier00": (np.arange(T) == 0).astype(int),
    })
    df.loc[0, "trans_x_derivative1"] = np.nan
    df.to_csv(tmp_path / "sub-01_desc-confounds_timeseries.tsv", sep="\t", index=False,
              na_rep="n/a")
    path = tmp_path / "sub-01_desc-confounds_timeseries.tsv"
    ref = pd.read_csv(path, sep="\t").to_numpy()
    np.testing.assert_array_equal(nio.load_array(path), ref)  # NaN where "n/a"
    with pytest.raises(ValueError, match="finite"):
        nio.load_timeseries(path)
    np.testing.assert_array_equal(nio.load_timeseries(path, columns=[0, 1, 2]), ref[:, :3])
    t = nio.load_table(path)  # label tables read "n/a" as missing too
    assert np.isnan(t["columns"]["trans_x_derivative1"][0])


def test_integer_labels_over_integer_data_are_ambiguous(tmp_path, rng):
    """0..N-1 above integer data: pandas' header, or a row of data. No guess: an error
    that names header=, and either answer on request."""
    pd = pytest.importorskip("pandas")
    states = rng.integers(0, 3, (40, 4))
    pd.DataFrame(states).to_csv(tmp_path / "a.csv", index=False)
    with pytest.raises(ValueError, match=r"header=0.*header=None"):
        nio.load_timeseries(tmp_path / "a.csv")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "a.csv", header=0), states)
    states[0] = [0, 1, 2, 3]
    np.savetxt(tmp_path / "b.csv", states, fmt="%d", delimiter=",")
    with pytest.raises(ValueError, match="header="):
        nio.load_timeseries(tmp_path / "b.csv")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "b.csv", header=None), states)
    # one column: a label "0" over floats (pandas Series.to_csv) or a series starting at 0
    x = rng.standard_normal(20)
    pd.Series(x).to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(ValueError, match="header="):
        nio.load_timeseries(tmp_path / "c.csv")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "c.csv", header=0)[:, 0], x)
    # non-label integer rows above integer data are data
    states[0] = [2, 0, 1, 1]
    np.savetxt(tmp_path / "d.csv", states, fmt="%d", delimiter=",")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "d.csv"), states)


def test_consecutive_integer_first_column_is_ambiguous(tmp_path, ts):
    """A first column 0..T-1 (pandas' to_csv(header=False)) may be an index or data."""
    pd = pytest.importorskip("pandas")
    pd.DataFrame(ts).to_csv(tmp_path / "a.csv", header=False)
    with pytest.raises(ValueError, match=r"index_col=0.*index_col=None"):
        nio.load_timeseries(tmp_path / "a.csv")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "a.csv", index_col=0), ts)
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "a.csv", index_col=None),
                                  pd.read_csv(tmp_path / "a.csv", header=None).to_numpy())
    df = pd.DataFrame(ts, columns=list("abcd"))
    df.insert(0, "volume", np.arange(1, len(ts) + 1))  # a named counter column: ambiguous too
    df.to_csv(tmp_path / "b.csv", index=False)
    with pytest.raises(ValueError, match="index_col="):
        nio.load_timeseries(tmp_path / "b.csv")
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "b.csv", index_col="volume"),
                                  ts)
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "b.csv", index_col=False),
                                  df.to_numpy())
    # a matrix: only one reading is square
    A = np.random.default_rng(2).standard_normal((5, 5))
    pd.DataFrame(A).to_csv(tmp_path / "A.csv", header=False)
    np.testing.assert_array_equal(nio.load_matrix(tmp_path / "A.csv"), A)
    pd.DataFrame(A).to_csv(tmp_path / "B.csv")
    np.testing.assert_array_equal(nio.load_matrix(tmp_path / "B.csv"), A)


def test_header_and_index_col_options(tmp_path, ts):
    pd = pytest.importorskip("pandas")
    pd.DataFrame(ts, columns=list("abcd")).to_csv(tmp_path / "a.csv", index=False)
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "a.csv", header=0), ts)
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "a.csv", index_col="a"), ts[:, 1:])
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "a.csv", index_col=2),
                                  ts[:, [0, 1, 3]])
    with pytest.raises(ValueError, match="non-numeric value 'a'.*header=0"):
        nio.load_timeseries(tmp_path / "a.csv", header=None)
    (tmp_path / "pre.csv").write_text("subject sub-01, run 1\n" + (tmp_path / "a.csv").read_text())
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "pre.csv", header=1), ts)
    with pytest.raises(TypeError, match="header=None"):
        nio.load_timeseries(tmp_path / "a.csv", header=True)
    with pytest.raises(ValueError, match="header"):
        nio.load_timeseries(tmp_path / "a.csv", header=-1)
    with pytest.raises(ValueError, match="no such column"):
        nio.load_timeseries(tmp_path / "a.csv", index_col="z")
    with pytest.raises(ValueError, match="index_col=9"):
        nio.load_timeseries(tmp_path / "a.csv", index_col=9)
    with pytest.raises(ValueError, match="no header row"):
        nio.load_timeseries(tmp_path / "a.csv", header=None, index_col="a")
    (tmp_path / "r.csv").write_text("t0,1.5,2\nt1,x,3\n")
    with pytest.raises(ValueError, match="non-numeric value 'x' in row 2"):
        nio.load_timeseries(tmp_path / "r.csv")
    # binary formats ignore the text-only options
    np.save(tmp_path / "a.npy", ts)
    np.testing.assert_array_equal(nio.load_timeseries(tmp_path / "a.npy", header=0), ts)


def test_cli_header_and_index_col_options(tmp_path, ts):
    """`netneuro analyze --header ROW --index-col COL` reach the loader of every subject."""
    pd = pytest.importorskip("pandas")
    from netneuro import cli

    pd.DataFrame(ts).to_csv(tmp_path / "a.csv", header=False)  # ambiguous index column
    args = cli.build_parser().parse_args(["analyze", str(tmp_path), "--out", "o"])
    assert (args.header, args.index_col) == ("infer", "infer")
    with pytest.raises(ValueError, match="index_col="):
        cli._FileLoader(args.key, args.transpose, args.header, args.index_col)(tmp_path / "a.csv")
    for opts, expect in ((["--index-col", "0"], ts), (["--index-col", "none", "--header", "none"],
                                                     np.c_[np.arange(len(ts)), ts])):
        args = cli.build_parser().parse_args(["analyze", str(tmp_path), "--out", "o", *opts])
        loader = cli._FileLoader(args.key, args.transpose, args.header, args.index_col)
        np.testing.assert_array_equal(loader(tmp_path / "a.csv"), expect)
    args = cli.build_parser().parse_args(["analyze", "x", "--out", "o", "--header", "2",
                                          "--index-col", "time"])
    assert (args.header, args.index_col) == (2, "time")
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["analyze", "x", "--out", "o", "--header", "yes"])



def _read_exactly_or_refused(path, x):
    """``path`` loads as exactly ``x``, or is refused with an error naming header=/index_col=."""
    try:
        out = nio.load_array(path)
    except ValueError as exc:
        assert "header=" in str(exc) or "index_col=" in str(exc), str(exc)
        return
    np.testing.assert_array_equal(out, x)


def test_pandas_files_are_read_right_or_refused(tmp_path):
    """Property: whatever pandas writes (float or integer data, any shape, with or without
    header and index), load_array returns exactly the data, or refuses with an error that
    names header= / index_col=; it never returns anything else."""
    pd = pytest.importorskip("pandas")
    hyp = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")

    @hyp.settings(max_examples=150, deadline=None)
    @hyp.given(T=st.integers(1, 6), N=st.integers(1, 5), ints=st.booleans(),
               header=st.sampled_from(["none", "range", "names"]), index=st.booleans(),
               seed=st.integers(0, 2**32 - 1))
    def check(T, N, ints, header, index, seed):
        g = np.random.default_rng(seed)
        x = g.integers(0, 3, (T, N)) if ints else g.standard_normal((T, N))
        df = pd.DataFrame(x, columns=[f"r{j}" for j in range(N)] if header == "names" else None)
        path = tmp_path / "p.csv"
        df.to_csv(path, header=header != "none", index=index)
        _read_exactly_or_refused(path, x)

    check()


def test_savetxt_and_matlab_files_are_read_right_or_refused(tmp_path):
    """The same property for NumPy's savetxt (%.18e, %g, %d) and MATLAB-style %.15g files,
    with or without a header line of column numbers or names."""
    hyp = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")

    @hyp.settings(max_examples=150, deadline=None)
    @hyp.given(T=st.integers(1, 6), N=st.integers(1, 5), ints=st.booleans(),
               fmt=st.sampled_from(["%.18e", "%.17g", "%d", "%.15g"]),
               header=st.sampled_from(["none", "range0", "range1", "names"]),
               delim=st.sampled_from([",", " "]), seed=st.integers(0, 2**32 - 1))
    def check(T, N, ints, fmt, header, delim, seed):
        g = np.random.default_rng(seed)
        x = g.integers(0, 3, (T, N)).astype(float) if ints or fmt == "%d" else \
            g.standard_normal((T, N))
        if fmt != "%.18e":
            x = np.array([[float(fmt % v) for v in row] for row in x])
        labels = {"none": None, "range0": list(range(N)), "range1": list(range(1, N + 1)),
                  "names": [f"roi{j}" for j in range(N)]}[header]
        path = tmp_path / ("m.csv" if delim == "," else "m.txt")
        np.savetxt(path, x, fmt=fmt, delimiter=delim, comments="",
                   header="" if labels is None else delim.join(map(str, labels)))
        _read_exactly_or_refused(path, x)

    check()
