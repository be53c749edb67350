"""Load time series, matrices and label tables from the files labs actually have.

Supported formats (chosen by file extension, case-insensitive):

===================  ==========================================================
``.npy``             one array (``allow_pickle=False``)
``.npz``             a named array (``key=``) or the only numeric array
``.csv`` ``.tsv``    delimited text, optionally gzipped (``.csv.gz``);
``.txt`` ``.1D``     ``.txt``/``.1D`` are whitespace-separated, or comma-separated
                     when the first lines hold commas (MATLAB ``writematrix``);
                     ``#`` lines are comments; header row and index column:
                     see below
``.mat``             MATLAB v4-v7.2 through :func:`scipy.io.loadmat`; v7.3
                     (HDF5) through h5py when installed (transposed back to
                     MATLAB's row/column order)
``.h5`` ``.hdf5``    a dataset (``key=``, e.g. ``"/ts"``) or the only one (h5py)
===================  ==========================================================

Text tables: ``header=`` and ``index_col=`` (as in :func:`pandas.read_csv`) say
whether the first row holds column labels and which column holds row labels;
the default ``"infer"`` decides from the file, and refuses to guess when it
cannot tell (``ValueError`` naming both options):

* a header is a first row with words over numbers (``roi1,roi2``), one field
  shorter than the data rows (pandas' rule: it then names all but an index
  column), starting with an empty cell (``,0,1,2``: pandas' ``to_csv()``), or
  of integer labels (``0,1,...,N-1`` from pandas' ``to_csv(index=False)``,
  atlas label values) above data written as non-integers (``0.53``,
  ``1e-3``).  Integer labels above integer data are ambiguous.
* an index column is marked by the header (an empty or ``Unnamed: 0`` first
  cell, or a short header) or holds words (row names); a first column of
  consecutive integers ``0..T-1``/``1..T`` otherwise is ambiguous (a row
  index, or a counter in the data).
* missing values are pandas' markers (``""``, ``NA``, ``n/a``, ``NaN``, ...) and
  become NaN (time series refuse them).

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
import re
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


def load_array(path, *, key: str | None = None, header="infer",
               index_col="infer") -> np.ndarray:
    """Read one numeric array from ``path`` (any supported format), unconverted.

    ``key`` names the array inside ``.npz`` / ``.mat`` / ``.h5`` containers; without
    it the container must hold exactly one numeric array.  Text tables only:
    ``header`` is ``"infer"``, ``None`` (no header row) or the row number of the
    header (``0``; rows above it are skipped, ``#`` comments and blank lines not
    counted); ``index_col`` is ``"infer"``, ``None``/``False`` (every column is
    data), a column position or a header name, dropped from the result (see the
    module docstring for what ``"infer"`` decides).  Raises
    ``FileNotFoundError``, ``ValueError`` (unsupported, corrupt or ambiguous file)
    or ``ImportError`` (h5py needed and missing).
    """
    return _load_array(path, key, header, index_col, square=False)


def _load_array(path, key, header, index_col, square: bool) -> np.ndarray:
    p = _check_path(path)
    if key is not None and not isinstance(key, str):
        raise TypeError(f"key must be a string or None, got {type(key).__name__}")
    header = _check_header_option(header)
    index_col = _check_index_option(index_col)
    ext = _extension(p)
    try:
        if ext == ".npy":
            arr = np.load(p, allow_pickle=False)
        elif ext == ".npz":
            with np.load(p, allow_pickle=False) as z:
                arr = _pick(dict((k, z[k]) for k in z.files), key, p)
        elif ext in (".csv", ".tsv", ".txt", ".1d", ".csv.gz", ".tsv.gz", ".txt.gz"):
            arr = _load_text(p, ext, header, index_col, square)
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
        return _io.TextIOWrapper(gzip.open(p, "rb"), encoding="utf-8-sig", newline="")
    return open(p, encoding="utf-8-sig", newline="")


# pandas' default missing-value markers (``read_csv(na_values=None)``), compared lower-case;
# "n/a" is what BIDS / fMRIPrep confound tables use.
_NA_TOKENS = frozenset({"", "#n/a", "#n/a n/a", "#na", "-1.#ind", "-1.#qnan", "-nan", "1.#ind",
                        "1.#qnan", "<na>", "n/a", "na", "nan", "null", "none"})
_INT_RE = re.compile(r"[+-]?[0-9]+")
_INDEX_NAMES = ("", "Unnamed: 0")  # header cell of an unnamed index (pandas/R; pandas re-read)
_HINT = ("pass header=0 (the first row is a header) or header=None (it is data)",
         "pass index_col=0 (the first column is a row index) or index_col=None (it is data)")


def _is_na(token: str) -> bool:
    return token.lower() in _NA_TOKENS


def _kind(token: str) -> str:
    """``"na"``, ``"int"`` (integer literal), ``"float"`` (other number) or ``"text"``."""
    if token.lower() in _NA_TOKENS:
        return "na"
    if _INT_RE.fullmatch(token):
        return "int"
    try:
        float(token)
    except ValueError:
        return "text"
    return "float"


def _is_number(token: str) -> bool:
    return _kind(token) != "text"


def _read_rows(p: Path, ext: str):
    """Non-blank, non-comment (``#``) lines split into stripped fields, and their line numbers."""
    with _open_text(p) as f:
        lines = [(i + 1, ln) for i, ln in enumerate(f.read().splitlines())
                 if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise ValueError("the file is empty")
    if ext.startswith(".tsv"):
        delim = "\t"
    elif ext.startswith(".csv") or any("," in ln for _, ln in lines[:2]):
        delim = ","  # .csv, and .txt written by MATLAB's writematrix (comma-delimited)
    else:
        delim = None  # whitespace (.txt, .1D, NumPy savetxt)
    if delim is None:
        rows = [[t.strip('"') for t in ln.split()] for _, ln in lines]
    else:
        rows = [list(map(str.strip, r))
                for r in csv.reader((ln for _, ln in lines), delimiter=delim)]
    return rows, [n for n, _ in lines]


def _check_header_option(header):
    if isinstance(header, str) and header == "infer":
        return header
    if header is None:
        return None
    if isinstance(header, (bool, np.bool_)):
        raise TypeError(f"header must be 'infer', None or a row number, got {header!r}: pass "
                        "header=0 if the first row is a header, header=None if it is data")
    if isinstance(header, (int, np.integer)) and header >= 0:
        return int(header)
    raise ValueError(f"header must be 'infer', None or a non-negative row number, got {header!r}")


def _check_index_option(index_col):
    if index_col is None or index_col is False:
        return None
    if isinstance(index_col, str):
        return index_col  # "infer" or a column name
    if isinstance(index_col, (bool, np.bool_)):
        raise TypeError("index_col must be 'infer', None/False (no index column), a column "
                        f"position or a column name; got {index_col!r}")
    if isinstance(index_col, (int, np.integer)) and index_col >= 0:
        return int(index_col)
    raise ValueError("index_col must be 'infer', None/False, a non-negative column position or a "
                     f"column name, got {index_col!r}")


def _int_values(tokens):
    """The integers of ``tokens`` if every token is an integer literal, else None."""
    if tokens and all(_INT_RE.fullmatch(t) for t in tokens):
        return [int(t) for t in tokens]
    return None


def _is_range(values, n) -> bool:
    return values in (list(range(n)), list(range(1, n + 1)))


def _data_style(data: np.ndarray) -> str:
    """How the numbers of ``data`` (a string array) are written: ``"int"`` (all integer
    literals), ``"float"`` (none is an integer literal) or ``"mixed"``."""
    if data.size == 0:
        return "mixed"
    is_int = np.char.isdecimal(np.char.lstrip(data, "+-"))
    na = np.isin(np.char.lower(data), list(_NA_TOKENS))
    if np.all(is_int | na):
        return "int"
    return "float" if not np.any(is_int) else "mixed"


def _numeric_header(first: list, data: np.ndarray) -> str:
    """Is an all-numeric first row a header?  ``"yes"``, ``"no"`` or ``"ambiguous"``.

    Column labels written as numbers are integer literals (pandas writes its default
    ``RangeIndex`` columns as ``0,1,...,N-1``; atlas label values are increasing
    integers).  Such a row (distinct, increasing, non-negative) is taken as a header when
    every number below is written as a non-integer (``0.53``, ``1e-3``): fixed formats
    (pandas, ``savetxt``'s default) never write a data row as integers, and per-value
    formats (``%g``, MATLAB) do so only for a row of integral values, which is rarely
    such a sequence.  When the data hold integers too, a row ``0..N-1`` or ``1..N``
    could be either: ambiguous.
    """
    values = _int_values(first)
    if values is None:  # a float or a missing value in the row: data
        return "no"
    n = len(values)
    label_like = values[0] >= 0 and all(b > a for a, b in zip(values, values[1:]))
    style = _data_style(data)
    if style == "float":
        if n >= 2 and label_like:
            return "yes"
        return "ambiguous" if n == 1 and _is_range(values, 1) else "no"
    return "ambiguous" if _is_range(values, n) else "no"


def _index_like(col: list) -> bool:
    """A column of consecutive integers 0..T-1 or 1..T: a row index, or a counter in the data."""
    values = _int_values(col)
    return values is not None and _is_range(values, len(values))


def _text_column(col: list) -> bool:
    return bool(col) and all(_kind(t) == "text" for t in col)


def _header_options(rows, header):
    """Possible answers (``True``: the first row is a header) and why it is unclear."""
    first = rows[0]
    w = len(rows[1]) if len(rows) > 1 else len(first)
    if header is None:
        return [False], None
    if isinstance(header, int):
        return [True], None
    if len(rows) == 1 or len(first) not in (w, w - 1):
        return [False], None  # a single row, or a ragged first row (reported later)
    if len(first) == w - 1:
        return [True], None  # pandas: a header one field short names all but the index
    text = [j for j, t in enumerate(first) if _kind(t) == "text"]
    if any(not _text_column([r[j] for r in rows[1:] if len(r) > j]) for j in text):
        return [True], None  # words above numbers
    if first[0] == "" and w > 1 and all(_kind(t) in ("int", "text") for t in first[1:]):
        return [True], None  # ",0,1,2": pandas' to_csv() with its unnamed index
    skip = 1 if (w > 1 and _text_column([r[0] for r in rows])) else 0  # row names
    body = [r[skip:] for r in rows[1:]]
    block = np.array(body, dtype=str) if all(len(r) == w - skip for r in body) else \
        np.array([], dtype=str)
    verdict = _numeric_header(first[skip:], block)
    if verdict == "ambiguous":
        shown = ",".join(first[skip:][:6]) + (",..." if len(first) - skip > 6 else "")
        why = "a single column" if len(first) - skip == 1 else "the data are integers too"
        return [True, False], f"the first row ({shown}) may be column labels or data ({why})"
    return [verdict == "yes"], None


def _index_options(rows, has_header: bool, index_col, w: int):
    """Possible index columns (``None``: no index) for one header answer, and why unclear."""
    first = rows[0]
    if index_col is None:
        return [None], None
    if isinstance(index_col, int):
        if index_col >= w:
            raise ValueError(f"index_col={index_col} but the rows have {w} fields")
        return [index_col], None
    if index_col != "infer":
        if not has_header:
            raise ValueError(f"index_col={index_col!r} names a column, but the file has no "
                             "header row (pass header=0 if the first row is one)")
        names = first if len(first) == w else [""] + first
        if index_col not in names:
            raise ValueError(f"index_col={index_col!r}: no such column; the header has "
                             f"{names[:10]}{'...' if len(names) > 10 else ''}")
        return [names.index(index_col)], None
    if w < 2:
        return [None], None
    if has_header and (len(first) == w - 1 or first[0] in _INDEX_NAMES):
        return [0], None  # the header marks an index column (pandas, R)
    col0 = [r[0] for r in (rows[1:] if has_header else rows)]
    if _text_column(col0):
        return [0], None  # row names: words where numbers are
    if _index_like(col0) and not (has_header and _kind(first[0]) != "text"):
        # (an index under a numeric header is implausible: writers name it "" or a word)
        return [0, None], ("the first column holds consecutive integers (0..T-1 or 1..T): a "
                           "row index, or a counter in the data")
    return [None], None


def _layout(rows, header, index_col, square: bool):
    """Decide ``(rows, header row or None, index column or None)`` for a text table."""
    if isinstance(header, int):
        if header >= len(rows):
            raise ValueError(f"header={header} but the file has only {len(rows)} rows")
        rows = rows[header:]
    first = rows[0]
    w = len(rows[1]) if len(rows) > 1 else len(first)
    h_opts, h_why = _header_options(rows, header)
    cands, i_why = [], None
    for h in h_opts:
        opts, why = _index_options(rows, h, index_col, w)
        i_why = i_why or why
        cands += [(h, i) for i in opts]
    if index_col is None and len(first) == w - 1 and True in h_opts:
        raise ValueError(f"the first row has {len(first)} fields and the data rows {w}: a header "
                         "over an index column (as pandas reads it); pass index_col=0")
    if len(cands) > 1 and square:  # a matrix: keep the one reading that is square
        sq = [c for c in cands if len(rows) - c[0] == w - (c[1] is not None)]
        if len(sq) == 1:
            cands = sq
    if len(cands) > 1:
        why, hint = [], []
        if len({c[0] for c in cands}) > 1:
            why.append(h_why)
            hint.append(_HINT[0])
        if len({c[1] for c in cands}) > 1:
            why.append(i_why)
            hint.append(_HINT[1])
        raise ValueError(f"cannot tell the layout of this table: {'; '.join(why)}; "
                         f"{' and '.join(hint)}")
    h, i = cands[0]
    return rows, (0 if h else None), i


def _load_text(p: Path, ext: str, header="infer", index_col="infer", square=False) -> np.ndarray:
    rows, line_no = _read_rows(p, ext)
    if isinstance(header, int):
        line_no = line_no[header:]
    rows, h, i = _layout(rows, header, index_col, square)
    if h is not None:
        if len(rows) == 1:
            raise ValueError("the file has a header but no data rows")
        rows, line_no = rows[1:], line_no[1:]
    width = len(rows[0])
    for r, (cells, ln) in enumerate(zip(rows, line_no)):
        if len(cells) != width:
            raise ValueError(f"row {r + 1} of the data (line {ln}) has {len(cells)} fields, "
                             f"expected {width}")
    if i is not None:
        rows = [r[:i] + r[i + 1:] for r in rows]
    if width - (i is not None) == 0:
        raise ValueError("no data columns are left after the index column")
    out = np.empty((len(rows), width - (i is not None)))
    for r, cells in enumerate(rows):
        try:  # fast path: float() parses numbers, "nan" and "inf"
            out[r] = [float(t) for t in cells]
            continue
        except ValueError:
            pass
        for j, t in enumerate(cells):
            kind = _kind(t)
            if kind == "text":
                hint = ""
                if r == 0 and h is None:
                    hint = "; pass header=0 if the first row is a header"
                elif j == 0 and i is None:
                    hint = "; pass index_col=0 if the first column holds row names"
                raise ValueError(f"non-numeric value {t!r} in row {r + 1} of the data "
                                 f"(line {line_no[r]}), column {j + 1}{hint}")
            out[r, j] = np.nan if kind == "na" else float(t)
    return out


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
                    columns=None, header="infer", index_col="infer") -> np.ndarray:
    """One subject's time series ``(n_timepoints, n_regions)`` float64 from a file.

    ``key`` selects the array in ``.npz``/``.mat``/``.h5`` containers;
    ``transpose=True`` reads files stored ``(regions, time)``; ``columns`` (an
    index array or slice) keeps only those regions (e.g. ``slice(1, None)`` to
    drop a global-signal column).  ``header`` / ``index_col``: text tables, as
    in :func:`load_array`.  NaN/inf values are refused.
    """
    arr = load_array(path, key=key, header=header, index_col=index_col)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{os.fspath(path)!r}: a time series must be 2-D, got shape {arr.shape}")
    if transpose:
        arr = arr.T
    if columns is not None:
        arr = arr[:, columns]
    return check_timeseries(arr, f"time series in {os.fspath(path)!r}")


def load_matrix(path, *, key: str | None = None, header="infer",
                index_col="infer") -> np.ndarray:
    """A square matrix ``(N, N)`` float64 (adjacency / connectivity) from a file.

    ``header`` / ``index_col`` as in :func:`load_array`; when inferring them is
    ambiguous, the one reading that gives a square matrix is taken.
    """
    arr = _load_array(path, key, header, index_col, square=True)
    return check_square(arr, f"matrix in {os.fspath(path)!r}")


def load_table(path, *, id_column: str | None = None) -> dict:
    """A label / phenotype table (``.csv`` or ``.tsv`` with a header row).

    Returns ``{"ids": [str, ...], "columns": {name: np.ndarray}}`` where numeric
    columns are float64 (pandas' missing-value markers such as empty, ``NA``,
    ``n/a`` -> NaN) and others are string arrays.  The
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
            cols[h] = np.array([np.nan if _is_na(v) else float(v) for v in values])
        else:
            cols[h] = np.array(values)
    if len(set(ids)) != len(ids):
        raise ValueError(f"{str(p)!r}: the id column {id_column!r} has duplicate entries")
    return {"ids": ids, "columns": cols}
