"""Load time series, matrices and label tables from the files labs actually have.

Supported formats (chosen by file extension, case-insensitive):

===================  ==========================================================
``.npy``             one array (``allow_pickle=False``)
``.npz``             a named array (``key=``) or the only numeric array
``.csv`` ``.tsv``    delimited text, optionally gzipped (``.csv.gz``); a header
``.txt`` ``.1D``     row is detected (non-numeric first row) and skipped, as
                     is a row-name column (non-numeric, or an unnamed first
                     header cell as pandas writes); ``.txt``/``.1D`` are
                     whitespace-separated
``.mat``             MATLAB v4-v7.2 through :func:`scipy.io.loadmat`; v7.3
                     (HDF5) through h5py when installed (transposed back to
                     MATLAB's row/column order)
``.h5`` ``.hdf5``    a dataset (``key=``, e.g. ``"/ts"``) or the only one (h5py)
===================  ==========================================================

Nothing is ever unpickled: ``.npy``/``.npz`` are opened with
``allow_pickle=False`` (object arrays are refused with a clear error) and
MATLAB/HDF5 readers do not execute code.  Time series are returned as float64
``(n_timepoints, n_regions)``; pass ``transpose=True`` for files stored
``(regions, time)``.
"""

from __future__ import annotations

import csv
import gzip
import io as _io
import os
from pathlib import Path

import numpy as np

from ._validation import check_square, check_timeseries

__all__ = ["load_timeseries", "load_matrix", "load_array", "load_table", "SUPPORTED_EXTENSIONS"]

SUPPORTED_EXTENSIONS = (".npy", ".npz", ".csv", ".tsv", ".txt", ".1d", ".mat", ".h5", ".hdf5",
                        ".csv.gz", ".tsv.gz", ".txt.gz")


def file_extension(path) -> str:
    """The supported extension that ends ``path`` (lower case, e.g. ``".csv.gz"``), else ``""``."""
    name = Path(path).name.lower()
    for ext in sorted(SUPPORTED_EXTENSIONS, key=len, reverse=True):
        if name.endswith(ext):
            return ext
    return ""


def _extension(path: Path) -> str:
    return file_extension(path) or path.suffix.lower()


def _check_path(path, name: str = "path") -> Path:
    if isinstance(path, (bytes, bytearray)):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {type(path).__name__}")
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"{name}: no such file: {str(p)!r}")
    if p.is_dir():
        raise ValueError(f"{name} must be a file, got a directory: {str(p)!r}")
    return p


def load_array(path, *, key: str | None = None) -> np.ndarray:
    """Read one numeric array from ``path`` (any supported format), unconverted.

    ``key`` names the array inside ``.npz`` / ``.mat`` / ``.h5`` containers; without
    it the container must hold exactly one numeric array.  Raises
    ``FileNotFoundError``, ``ValueError`` (unsupported, corrupt or ambiguous file)
    or ``ImportError`` (h5py needed and missing).
    """
    p = _check_path(path)
    if key is not None and not isinstance(key, str):
        raise TypeError(f"key must be a string or None, got {type(key).__name__}")
    ext = _extension(p)
    try:
        if ext == ".npy":
            arr = np.load(p, allow_pickle=False)
        elif ext == ".npz":
            with np.load(p, allow_pickle=False) as z:
                arr = _pick(dict((k, z[k]) for k in z.files), key, p)
        elif ext in (".csv", ".tsv", ".txt", ".1d", ".csv.gz", ".tsv.gz", ".txt.gz"):
            arr = _load_text(p, ext)
        elif ext == ".mat":
            arr = _load_mat(p, key)
        elif ext in (".h5", ".hdf5"):
            arr = _load_h5(p, key, matlab=False)
        else:
            raise ValueError(
                f"unsupported file type {p.suffix!r} for {str(p)!r}; supported: "
                + ", ".join(SUPPORTED_EXTENSIONS)
            )
    except (ImportError, KeyError, FileNotFoundError):
        raise
    except ValueError as exc:
        msg = str(exc)
        if "allow_pickle" in msg or "Object arrays" in msg:
            raise ValueError(
                f"{str(p)!r} holds Python objects (pickled data); netneuro never unpickles files. "
                "Save plain numeric arrays instead"
            ) from None
        if str(p) in msg:
            raise
        raise ValueError(f"could not read {str(p)!r}: {msg}") from None
    except Exception as exc:  # corrupt zip/HDF5/MATLAB files raise many types
        raise ValueError(f"could not read {str(p)!r}: {type(exc).__name__}: {exc}") from None
    arr = np.asarray(arr)
    if arr.dtype.kind not in "fiub":
        raise ValueError(f"{str(p)!r}: expected a numeric array, got dtype {arr.dtype}")
    return arr


def _pick(arrays: dict, key, p: Path):
    if key is not None:
        if key not in arrays:
            raise KeyError(f"{str(p)!r} has no array {key!r}; it has {sorted(arrays)}")
        return arrays[key]
    numeric = {k: v for k, v in arrays.items()
               if not k.startswith("__") and np.asarray(v).dtype.kind in "fiub"
               and np.asarray(v).size > 1}
    if len(numeric) != 1:
        raise ValueError(
            f"{str(p)!r} holds {len(numeric)} numeric arrays {sorted(numeric)}; pass key= to choose"
        )
    return next(iter(numeric.values()))


def _open_text(p: Path):
    if p.name.lower().endswith(".gz"):
        return _io.TextIOWrapper(gzip.open(p, "rb"), encoding="utf-8-sig")
    return open(p, encoding="utf-8-sig", newline="")


def _is_number(token: str) -> bool:
    try:
        float(token)
        return True
    except ValueError:
        return token.strip().lower() in ("nan", "na", "")


def _load_text(p: Path, ext: str) -> np.ndarray:
    with _open_text(p) as f:
        text = f.read()
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ValueError("the file is empty")
    if ext.startswith(".tsv"):
        delim = "\t"
    elif ext.startswith(".csv"):
        delim = ","
    else:
        delim = None  # whitespace
    rows = [ln.split(delim) if delim else ln.split() for ln in lines]
    rows = [[t.strip().strip('"') for t in r] for r in rows]
    header = None
    if not all(_is_number(t) for t in rows[0]) or (rows[0] and rows[0][0] == ""
                                                   and len(rows) > 1):
        header, rows = rows[0], rows[1:]  # header row
    if not rows:
        raise ValueError("the file has a header but no data rows")
    width = len(rows[0])
    # an unnamed first header cell marks a row-index column (pandas' to_csv default)
    if header is not None and header[0] == "" and width == len(header) and width > 1:
        rows = [r[1:] for r in rows]
        width -= 1
    # a leading non-numeric column (row names) is dropped when every row has one
    if width > 1 and all(not _is_number(r[0]) for r in rows if r):
        rows = [r[1:] for r in rows]
        width -= 1
    for i, r in enumerate(rows):
        if len(r) != width:
            raise ValueError(f"row {i + 1} of the data has {len(r)} fields, expected {width}")
    try:
        return np.array([[float(t) if t.lower() not in ("na", "") else np.nan for t in r]
                         for r in rows], dtype=np.float64)
    except ValueError as exc:
        raise ValueError(f"non-numeric value in the data: {exc}") from None


def _load_mat(p: Path, key):
    import scipy.io

    try:
        contents = scipy.io.loadmat(p)
    except NotImplementedError:  # MATLAB v7.3 = HDF5
        return _load_h5(p, key, matlab=True)
    arrays = {k: v for k, v in contents.items() if not k.startswith("__")}
    return _pick(arrays, key, p)


def _load_h5(p: Path, key, *, matlab: bool):
    try:
        import h5py
    except ImportError:
        kind = "MATLAB v7.3 (HDF5) files" if matlab else "HDF5 files"
        raise ImportError(
            f"reading {kind} such as {str(p)!r} needs h5py: pip install h5py"
        ) from None
    with h5py.File(p, "r") as f:
        datasets = {}

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset) and not name.split("/")[-1].startswith("#"):
                datasets[name] = obj

        f.visititems(visit)
        if key is not None:
            k = key.lstrip("/")
            if k not in datasets:
                raise KeyError(f"{str(p)!r} has no dataset {key!r}; it has {sorted(datasets)}")
            arr = datasets[k][()]
        else:
            numeric = {k: d for k, d in datasets.items()
                       if d.dtype.kind in "fiub" and d.size > 1}
            if len(numeric) != 1:
                raise ValueError(
                    f"{str(p)!r} holds {len(numeric)} numeric datasets {sorted(numeric)}; "
                    "pass key= to choose"
                )
            arr = next(iter(numeric.values()))[()]
    arr = np.asarray(arr)
    if matlab:  # MATLAB writes column-major: h5py sees the transpose
        arr = arr.T
    return arr


def load_timeseries(path, *, key: str | None = None, transpose: bool = False,
                    columns=None) -> np.ndarray:
    """One subject's time series ``(n_timepoints, n_regions)`` float64 from a file.

    ``key`` selects the array in ``.npz``/``.mat``/``.h5`` containers;
    ``transpose=True`` reads files stored ``(regions, time)``; ``columns`` (an
    index array or slice) keeps only those regions (e.g. ``slice(1, None)`` to
    drop a global-signal column).  NaN/inf values are refused.
    """
    arr = load_array(path, key=key)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{os.fspath(path)!r}: a time series must be 2-D, got shape {arr.shape}")
    if transpose:
        arr = arr.T
    if columns is not None:
        arr = arr[:, columns]
    return check_timeseries(arr, f"time series in {os.fspath(path)!r}")


def load_matrix(path, *, key: str | None = None) -> np.ndarray:
    """A square matrix ``(N, N)`` float64 (adjacency / connectivity) from a file."""
    arr = load_array(path, key=key)
    return check_square(arr, f"matrix in {os.fspath(path)!r}")


def load_table(path, *, id_column: str | None = None) -> dict:
    """A label / phenotype table (``.csv`` or ``.tsv`` with a header row).

    Returns ``{"ids": [str, ...], "columns": {name: np.ndarray}}`` where numeric
    columns are float64 (empty / NA -> NaN) and others are string arrays.  The
    id column is ``id_column`` or else the first column.
    """
    p = _check_path(path)
    ext = _extension(p)
    if ext not in (".csv", ".tsv", ".csv.gz", ".tsv.gz"):
        raise ValueError(f"a label table must be .csv or .tsv, got {str(p)!r}")
    with _open_text(p) as f:
        reader = csv.reader(f, delimiter="\t" if ext.startswith(".tsv") else ",")
        rows = [r for r in reader if r and any(c.strip() for c in r)]
    if len(rows) < 2:
        raise ValueError(f"{str(p)!r} needs a header row and at least one data row")
    header = [h.strip() for h in rows[0]]
    if id_column is None:
        id_column = header[0]
    if id_column not in header:
        raise ValueError(f"{str(p)!r} has no column {id_column!r}; columns are {header}")
    data = rows[1:]
    for i, r in enumerate(data):
        if len(r) != len(header):
            raise ValueError(f"{str(p)!r}: row {i + 2} has {len(r)} fields, header has {len(header)}")
    cols = {}
    for j, h in enumerate(header):
        values = [r[j].strip() for r in data]
        if h == id_column:
            ids = values
            continue
        if all(_is_number(v) for v in values):
            cols[h] = np.array([float(v) if v.lower() not in ("na", "") else np.nan
                                for v in values])
        else:
            cols[h] = np.array(values)
    if len(set(ids)) != len(ids):
        raise ValueError(f"{str(p)!r}: the id column {id_column!r} has duplicate entries")
    return {"ids": ids, "columns": cols}
