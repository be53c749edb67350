"""The on-disk cohort store: layout, checksums, reading, resume status, tables."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import numbers
import os
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path

import numpy as np

from .files import (
    _atomic_write,
    _file_stem,
    _fsync_dir,
    _HashingWriter,
    _npz_bytes,
    _stamp,
    _subject_name,
    _write_text,
)

FORMAT = "netneuro-cohort-store"
FORMAT_VERSION = 1
_META_KEY = "__meta__"
_MANIFEST = "netneuro_store.json"
_CHECKSUMS = "checksums.sha256"  # "<sha256>  subjects/<stem>.npz" lines (sha256sum -c)
_QUARANTINE = "quarantine"
_DIR_SYNC_INTERVAL = 1.0  # seconds between fsyncs of subjects/ (and at the end of a run)


class CorruptSubjectError(ValueError):
    """A stored subject file is damaged or is not a netneuro subject file."""


class Store:
    """A cohort results store on disk (see the module docstring for the layout)."""

    def __init__(self, path):
        self.path = Path(path)
        self.subjects_dir = self.path / "subjects"
        self.failures_dir = self.path / "failures"
        # name -> ((mtime_ns, size, inode), meta, {scalar: value}) of files verified or
        # written by this object: summaries and tables reuse them without re-reading
        self._cache = {}
        self._sums, self._sums_stamp = None, None  # checksum entries, file (mtime, size)
        self.fsync = True
        self._dirs_synced = 0.0  # time of the last batched fsync of subjects/ (and failures/)
        self._dirs_dirty = False
        self._sums_fh = None
        # the checksum file and its entries are shared with the commit thread of a run
        self._sums_lock = threading.RLock()
        self._failed_stems = None  # failure record stems (for staged subjects)

    def __getstate__(self):  # picklable (e.g. in a RunResult): no lock or open file
        state = dict(self.__dict__, _sums_lock=None, _sums_fh=None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._sums_lock = threading.RLock()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}, finished={len(self.subjects())}, " \
               f"failed={len(self.failures())})"

    # -- creation ----------------------------------------------------------
    def _init(self, description: str, resume: bool) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        manifest = self.path / _MANIFEST
        if manifest.exists():
            info = self.info()
            if info.get("format") != FORMAT:
                raise ValueError(f"store {str(self.path)!r} is not a {FORMAT} directory")
            if int(info.get("version", 0)) > FORMAT_VERSION:
                raise ValueError(
                    f"store {str(self.path)!r} has format version {info.get('version')}; this "
                    f"netneuro reads up to {FORMAT_VERSION}"
                )
            if resume and info.get("pipeline") != description:
                raise ValueError(
                    f"store {str(self.path)!r} was written by pipeline {info.get('pipeline')!r}, "
                    f"this run uses {description!r}; use a new store, or resume=False to "
                    "recompute every subject"
                )
            if not resume:
                info["pipeline"] = description
                _write_text(manifest, json.dumps(info, indent=2))
        else:
            if any(p.name != ".lock" for p in self.path.iterdir()):
                raise ValueError(
                    f"store {str(self.path)!r} exists, is not empty and is not a netneuro "
                    "store; choose a new directory"
                )
            from .._version import __version__

            _write_text(manifest, json.dumps({
                "format": FORMAT, "version": FORMAT_VERSION, "pipeline": description,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "netneuro_version": __version__,
            }, indent=2))
            (self.path / _CHECKSUMS).touch()
        self.subjects_dir.mkdir(exist_ok=True)
        self.failures_dir.mkdir(exist_ok=True)
        # temp files of a killed run are garbage: no subject is half-written
        for d in (self.subjects_dir, self.failures_dir, self.path):
            for p in d.glob(".*.tmp-*"):
                try:
                    p.unlink()
                except OSError:
                    pass

    def info(self) -> dict:
        """The store manifest (format, version, pipeline, created)."""
        with open(self.path / _MANIFEST, encoding="utf-8") as f:
            return json.load(f)

    # -- checksums ---------------------------------------------------------
    def _checksums(self) -> dict | None:
        """``{file stem: [sha256 hex, ...]}`` (newest last); None for a store without
        checksums (written by netneuro before they existed: read without verification).

        A subject's checksum is appended *before* its file is renamed into place,
        so a kill between the two leaves an entry without (or ahead of) its file,
        never a file without an entry; a file is intact when it matches any entry.
        """
        with self._sums_lock:
            p = self.path / _CHECKSUMS
            try:
                st = p.stat()
            except OSError:
                self._sums = None
                return None
            stamp = (st.st_mtime_ns, st.st_size)
            if getattr(self, "_sums", None) is None or self._sums_stamp != stamp:
                sums = {}
                with open(p, encoding="utf-8") as f:
                    for line in f:
                        digest, _, rel = line.rstrip("\n").partition("  ")
                        if len(digest) == 64 and rel.startswith("subjects/") \
                                and rel.endswith(".npz"):
                            sums.setdefault(rel[len("subjects/"):-4], []).append(digest)
                self._sums, self._sums_stamp = sums, stamp
            return self._sums

    def _append_checksum(self, stem: str, digest: str) -> None:
        """Append one checksum line (not fsync-ed: after a power failure a missing line
        makes its subject count as foreign, which is quarantined and recomputed)."""
        self._append_checksums([(stem, digest)])

    def _append_checksums(self, entries) -> None:
        """Append ``(stem, digest)`` lines in one write (the run's thread that commits)."""
        with self._sums_lock:
            sums = self._checksums()
            fh = self._sums_fh
            if fh is None or fh.closed:
                fh = self._sums_fh = open(self.path / _CHECKSUMS, "a", encoding="utf-8")
            fh.write("".join(f"{digest}  subjects/{stem}.npz\n" for stem, digest in entries))
            fh.flush()
            if sums is not None:
                for stem, digest in entries:
                    sums.setdefault(stem, []).append(digest)
                st = os.fstat(fh.fileno())
                self._sums_stamp = (st.st_mtime_ns, st.st_size)

    def _close_checksums(self) -> None:
        fh = getattr(self, "_sums_fh", None)
        if fh is not None:
            fh.close()
            self._sums_fh = None

    def _compact_checksums(self) -> None:
        """Rewrite the checksum file with one line per subject file present."""
        with self._sums_lock:
            self._close_checksums()
            sums = self._checksums()
        if sums is None:
            return
        present = {p.name[:-4] for p in self.subjects_dir.glob("*.npz")} \
            if self.subjects_dir.exists() else set()
        keep = {k: v[-1:] for k, v in sums.items() if k in present}
        _write_text(self.path / _CHECKSUMS,
                    "".join(f"{v[0]}  subjects/{k}.npz\n" for k, v in sorted(keep.items())))
        self._sums = None  # re-read (and re-stamped) on next use

    # -- reading -----------------------------------------------------------
    def subjects(self) -> list:
        """Names of the finished subjects (sorted).

        In a store with checksums, only files with a checksum entry count: a
        foreign ``.npz`` dropped into ``subjects/`` is not a subject.
        """
        if not self.subjects_dir.exists():
            return []
        sums = self._checksums()
        return sorted(_subject_name(p.name[:-4]) for p in self.subjects_dir.glob("*.npz")
                      if not p.name.startswith(".") and (sums is None or p.name[:-4] in sums))

    def __contains__(self, name) -> bool:
        p = self.file(name)
        sums = self._checksums()
        return p.exists() and (sums is None or p.name[:-4] in sums)

    def __len__(self) -> int:
        return len(self.subjects())

    def file(self, name: str) -> Path:
        """The ``.npz`` file holding subject ``name``."""
        return self.subjects_dir / (_file_stem(name) + ".npz")

    def _read(self, name: str, arrays: bool = True):
        """``(meta, {key: array})`` of subject ``name``, checksum verified.

        Raises KeyError when the subject is absent, :class:`CorruptSubjectError`
        (naming the subject) when its file is damaged or foreign.
        """
        p = self.file(name)
        stem = p.name[:-4]
        sums = self._checksums()
        try:
            stamp = _stamp(p)
        except OSError:
            stamp = None
        if stamp is None or (sums is not None and stem not in sums):
            raise KeyError(f"subject {name!r} is not in store {str(self.path)!r}")
        hit = self._cache.get(name)
        if not arrays and hit is not None and hit[0] == stamp:
            return hit[1], {}
        data = p.read_bytes()
        if sums is not None and hashlib.sha256(data).hexdigest() not in sums[stem]:
            raise CorruptSubjectError(
                f"subject {name!r}: {str(p)!r} does not match its checksum (damaged file); "
                "run `netneuro verify` on the store, then run the cohort again to recompute it")
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as z:
                meta = json.loads(str(z[_META_KEY]))
                if meta.get("subject") != name:
                    raise ValueError(f"it holds subject {meta.get('subject')!r}")
                keys = [k for k in z.files if k != _META_KEY] if arrays else meta["scalars"]
                raw = {k: z[k] for k in keys}
        except Exception as exc:
            raise CorruptSubjectError(
                f"subject {name!r}: {str(p)!r} is not a readable netneuro subject file "
                f"({type(exc).__name__}: {exc})") from None
        self._cache[name] = (stamp, meta, {k: raw[k].item() for k in meta["scalars"]})
        return meta, raw if arrays else {}

    def _status(self, name: str, fingerprint: dict | None = None) -> str:
        """``"missing"``, ``"corrupt"``, ``"stale: <why>"`` or ``"done"`` (resume)."""
        try:
            meta, _ = self._read(name, arrays=False)
        except KeyError:
            return "missing"
        except CorruptSubjectError:
            return "corrupt"
        if fingerprint is not None:
            old = meta.get("fingerprint")
            if old is None:
                return "stale: no input fingerprint (written by an older netneuro)"
            changed = [k for k in fingerprint if old.get(k) != fingerprint[k]]
            if changed:
                return "stale: " + ", ".join(changed) + " changed"
        return "done"

    def _quarantine(self, stem: str) -> Path:
        """Move ``subjects/<stem>.npz`` to ``quarantine/`` (kept for inspection)."""
        q = self.path / _QUARANTINE
        q.mkdir(exist_ok=True)
        dst = q / f"{stem}.npz.{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-" \
                  f"{uuid.uuid4().hex[:6]}"
        os.replace(self.subjects_dir / f"{stem}.npz", dst)
        sums = self._checksums()
        if sums is not None:
            sums.pop(stem, None)
        return dst

    def verify(self) -> dict:
        """Check every subject file against its checksum.

        Returns ``{file name: problem}`` (empty when the store is intact):
        damaged files, files without a checksum entry (foreign), entries whose
        file is missing, and a store without checksums at all.
        """
        problems = {}
        sums = self._checksums()
        if sums is None:
            return {_CHECKSUMS: "missing: the store was written by an older netneuro and "
                                "cannot be verified (run the cohort again: results without "
                                "fingerprints are recomputed and checksummed)"}
        files = {p.name[:-4] for p in self.subjects_dir.glob("*.npz")
                 if not p.name.startswith(".")} if self.subjects_dir.exists() else set()
        for stem in sorted(files | set(sums)):
            fname = f"subjects/{stem}.npz"
            if stem not in sums:
                problems[fname] = "no checksum entry: not written by this store (foreign file)"
            elif stem not in files:
                problems[fname] = "missing: listed in the checksums but absent"
            else:
                try:
                    self._read(_subject_name(stem), arrays=True)
                except CorruptSubjectError as exc:
                    problems[fname] = str(exc)
        return problems

    def meta(self, name: str) -> dict:
        """Subject ``name``'s metadata (structure, seconds, version, fingerprint, input shape)."""
        return self._read(name, arrays=False)[0]

    def load(self, name: str) -> dict:
        """Subject ``name``'s results: arrays, lists of arrays, Python scalars.

        Nested result dicts come back flattened (``"graph.clustering"``).
        Raises :class:`CorruptSubjectError` naming the subject when its file is
        damaged.
        """
        meta, raw = self._read(name)
        out = {}
        for key in meta["order"]:
            if key in meta["lists"]:
                out[key] = [raw[f"{key}[{i}]"] for i in range(meta["lists"][key])]
            elif key in meta["scalars"]:
                out[key] = raw[key].item()
            else:
                out[key] = raw[key]
        return out

    def step_errors(self) -> dict:
        """``{name: {step: "ErrorType: message"}}`` of finished subjects with failed steps."""
        out = {}
        for name in self.subjects():
            errs = self.meta(name).get("step_errors")
            if errs:
                out[name] = {k: f"{v['error_type']}: {v['message']}" for k, v in errs.items()}
        return out

    def inputs(self) -> dict:
        """``{name: input shape}`` of the finished subjects (``(T, N)`` for time series)."""
        return {name: tuple(self.meta(name).get("input_shape") or ()) for name in self.subjects()}

    def timepoints(self) -> dict:
        """``{name: T}``: time points each finished subject was analysed with (the
        input's first axis, or the pipeline's ``equalize_length``); None if unknown."""
        out = {}
        for name in self.subjects():
            meta = self.meta(name)
            used = (meta.get("pipeline_info") or {}).get("n_timepoints")
            shape = meta.get("input_shape") or ()
            out[name] = int(used) if used is not None else (int(shape[0]) if len(shape) == 2
                                                             else None)
        return out

    def failures(self) -> dict:
        """``{name: record}`` for subjects whose last attempt failed."""
        out = {}
        if not self.failures_dir.exists():
            return out
        for p in sorted(self.failures_dir.glob("*.json")):
            if p.name.startswith("."):
                continue
            try:
                with open(p, encoding="utf-8") as f:
                    rec = json.load(f)
            except Exception:
                continue
            out[rec.get("subject", _subject_name(p.name[:-5]))] = rec
        return out

    def summary(self, order=None) -> dict:
        """Scalar results as columns: ``{"subject": [...], name: np.ndarray, ...}``.

        Integer/boolean columns are int64, other numeric columns float64 (NaN where
        a subject lacks the result);
        string columns are ``str`` arrays.  ``order`` lists subjects to put first.
        """
        names = self.subjects()
        if order is not None:
            present = set(names)
            first = [n for n in order if n in present]
            seen = set(first)
            names = first + [n for n in names if n not in seen]
        rows = []
        columns = OrderedDict()
        for name in names:
            self._read(name, arrays=False)  # verified once, then cached
            row = self._cache[name][2]
            for k in row:
                columns.setdefault(k, None)
            rows.append(row)
        table = OrderedDict(subject=np.array(names, dtype=str))
        for col in columns:
            values = [r.get(col) for r in rows]
            if values and all(isinstance(v, (bool, numbers.Integral)) for v in values):
                table[col] = np.array([int(v) for v in values], dtype=np.int64)
            elif all(v is None or isinstance(v, numbers.Real) for v in values):
                table[col] = np.array([np.nan if v is None else float(v) for v in values])
            else:
                table[col] = np.array(["" if v is None else str(v) for v in values])
        return table

    def table(self, order=None):
        """:meth:`summary` as a pandas DataFrame indexed by subject.

        Without pandas: a :class:`SummaryTable` (the same columns as NumPy
        arrays, printed as a text table), so the call works on a plain install.
        """
        s = self.summary(order)
        try:
            import pandas as pd
        except ImportError:
            return SummaryTable(s)
        return pd.DataFrame(s).set_index("subject")

    def write_tables(self, order=None, statuses=None) -> None:
        """(Re)write summary.csv (+ .parquet with pyarrow), failures.csv and manifest.json.

        ``failures.csv`` lists failed subjects (empty ``step``) and the failed
        steps of finished subjects (``step`` named; their other results are kept).
        """
        self._compact_checksums()
        table = self.summary(order)
        cols = list(table)
        n = len(table["subject"])

        def fmt(v):
            if isinstance(v, (float, np.floating)):
                return "" if math.isnan(v) else repr(float(v))
            return str(v)

        def write_csv(f, header, rows):
            text = io.StringIO()
            w = csv.writer(text, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
            f.write(text.getvalue().encode("utf-8"))

        _atomic_write(self.path / "summary.csv", lambda f: write_csv(
            f, cols, ([fmt(table[c][i]) for c in cols] for i in range(n))))
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            pass
        else:
            pa_table = pa.table({c: table[c] for c in cols})
            _atomic_write(self.path / "summary.parquet", lambda f: pq.write_table(pa_table, f))
        fails = self.failures()
        partial = []
        for name in table["subject"]:
            for step, e in (self.meta(name).get("step_errors") or {}).items():
                partial.append([name, step, e.get("error_type", ""), e.get("message", "")])
        _atomic_write(self.path / "failures.csv", lambda f: write_csv(
            f, ["subject", "step", "error_type", "message"],
            [[k, "", v.get("error_type", ""), v.get("message", "")] for k, v in fails.items()]
            + partial))
        status = {name: "done" for name in table["subject"]}
        for name in fails:
            status.setdefault(name, "failed")
        if statuses:
            status.update(statuses)
        _write_text(self.path / "manifest.json", json.dumps({
            "format": FORMAT, "version": FORMAT_VERSION,
            "updated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "n_done": sum(1 for v in status.values() if v == "done"),
            "n_failed": sum(1 for v in status.values() if v == "failed"),
            "n_partial": len({row[0] for row in partial}),
            "subjects": status,
        }, indent=1))

    # -- writing (parent process only) -------------------------------------
    def _write_encoded(self, enc: "_EncodedSubject") -> None:
        """Write a subject file encoded (and hashed) by :func:`_encode_subject`, append its
        checksum before the rename; the directory is fsync-ed in batches (:meth:`_sync_dirs`):
        a rename lost in a power failure only means that subject is computed again."""
        path = self.file(enc.name)
        if enc.blob is not None:
            digest = enc.digest
            _atomic_write(path, lambda f: f.write(enc.blob), self.fsync, sync_dir=False,
                          before_replace=lambda: self._append_checksum(path.name[:-4], digest))
        else:  # zip64-sized: streamed by np.savez, hashed on the way
            out = {}

            def write(f):
                out["w"] = _HashingWriter(f)
                np.savez(out["w"], **enc.payload)

            _atomic_write(path, write, self.fsync, sync_dir=False,
                          before_replace=lambda: self._append_checksum(
                              path.name[:-4], out["w"].sha256.hexdigest()))
        self._cache[enc.name] = (_stamp(path), enc.meta, enc.scalars)
        fail = self.failures_dir / (_file_stem(enc.name) + ".json")
        if fail.exists():
            fail.unlink()
        self._dirs_dirty = True
        self._sync_dirs(force=False)

    # -- batched commits: stage in the computing thread, fsync + rename in the background --
    def _stage(self, enc: "_EncodedSubject") -> "_Staged":
        """Write an encoded subject's bytes to a temp file (left open, not yet fsync-ed).
        The subject counts as finished only after :meth:`_commit` of its batch."""
        if self._failed_stems is None:  # listed once per run, not one stat per subject
            self._failed_stems = {p.name[:-5] for p in self.failures_dir.glob("*.json")} \
                if self.failures_dir.exists() else set()
        path = self.file(enc.name)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
        try:
            view = memoryview(enc.blob)
            while view:
                view = view[os.write(fd, view):]
            st = os.fstat(fd)  # rename and fsync keep mtime, size and inode
        except BaseException:
            os.close(fd)
            _unlink(tmp)
            raise
        return _Staged(enc, fd, tmp, path, (st.st_mtime_ns, st.st_size, st.st_ino))

    def _commit(self, batch: list) -> None:
        """Append the batch's checksum lines (one write), fsync its files, rename them into
        place, drop their old failure records, fsync the directories once (the store's
        background thread: system calls, little Python).  On error the temp files not
        yet renamed are removed."""
        try:
            # before the renames: never a file without its entry
            self._append_checksums([(s.path.name[:-4], s.enc.digest) for s in batch])
            for s in batch:
                if self.fsync:
                    os.fsync(s.fd)
                os.close(s.fd)
                s.fd = -1
            for s in batch:
                os.replace(s.tmp, s.path)
                s.tmp = None
            failures = False
            for s in batch:
                stem = s.path.name[:-4]
                if stem in self._failed_stems:
                    self._failed_stems.discard(stem)
                    _unlink(self.failures_dir / (stem + ".json"))
                    failures = True
            if self.fsync:
                _fsync_dir(self.subjects_dir)
                if failures:
                    _fsync_dir(self.failures_dir)
        except BaseException:
            self._discard(batch)
            raise

    @staticmethod
    def _discard(batch: list) -> None:
        """Close and remove staged temp files that will not be committed."""
        for s in batch:
            if s.fd >= 0:
                os.close(s.fd)
                s.fd = -1
            if s.tmp is not None:
                _unlink(s.tmp)
                s.tmp = None

    def _sync_dirs(self, force: bool = True) -> None:
        """fsync subjects/ and failures/ if renames happened since the last time and (unless
        ``force``) a second has passed: one directory fsync per batch of subjects."""
        if not (self.fsync and self._dirs_dirty):
            return
        now = time.monotonic()
        if force or now - self._dirs_synced >= _DIR_SYNC_INTERVAL:
            self._dirs_dirty = False
            self._dirs_synced = now
            _fsync_dir(self.subjects_dir)
            _fsync_dir(self.failures_dir)

    def _write_failure(self, name, error_type, message, tb, elapsed, attempts=1) -> None:
        rec = {"subject": name, "error_type": error_type, "message": message,
               "traceback": tb, "seconds": round(float(elapsed), 6), "attempts": attempts,
               "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        stem = _file_stem(name)
        _write_text(self.failures_dir / (stem + ".json"), json.dumps(rec, indent=1))
        if self._failed_stems is not None:
            self._failed_stems.add(stem)


class _Staged:
    """A subject written to an open temp file, waiting for :meth:`Store._commit`."""

    __slots__ = ("enc", "fd", "tmp", "path", "stamp")

    def __init__(self, enc, fd, tmp, path, stamp):
        self.enc, self.fd, self.tmp, self.path, self.stamp = enc, fd, tmp, path, stamp


def _unlink(path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


class _EncodedSubject:
    """A subject file ready to write: its bytes and SHA-256 (``blob``, ``digest``; or the
    ``payload`` for np.savez when it needs zip64), metadata and scalar results.  Built in
    the worker, so a pool's parent only writes bytes (one picklable blob, not dozens of
    arrays)."""

    __slots__ = ("name", "blob", "digest", "payload", "meta", "scalars")

    def __init__(self, name, blob, digest, payload, meta, scalars):
        self.name, self.blob, self.digest, self.payload = name, blob, digest, payload
        self.meta, self.scalars = meta, scalars


def _encode_subject(name, arrays, structure, elapsed, extra=None) -> _EncodedSubject:
    """The file of one subject: the flattened ``arrays`` plus ``__meta__`` (JSON), as an npz.

    ``extra``: more metadata (``fingerprint``, ``input_shape``, ``step_errors``).  Raises
    TypeError / ValueError for results that cannot be stored.
    """
    from .._version import __version__

    order = []
    for key in list(structure["scalars"]) + list(arrays):
        base = key.split("[", 1)[0]
        if base not in order:
            order.append(base)
    meta = {"subject": name, "scalars": structure["scalars"], "lists": structure["lists"],
            "order": order, "seconds": round(float(elapsed), 6),
            "netneuro_version": __version__,
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    meta.update({k: v for k, v in (extra or {}).items() if v is not None})
    payload = dict(arrays)
    payload[_META_KEY] = np.array(json.dumps(meta))
    scalars = {k: arrays[k].item() for k in structure["scalars"]}
    blob = _npz_bytes(payload)
    if blob is None:
        return _EncodedSubject(name, None, None, payload, meta, scalars)
    return _EncodedSubject(name, blob, hashlib.sha256(blob).hexdigest(), None, meta, scalars)


class SummaryTable(dict):
    """Scalar results per subject without pandas: ``{column: np.ndarray}`` plus a text repr.

    ``table["subject"]`` names the rows; ``table.to_pandas()`` converts when
    pandas is installed.
    """

    def __repr__(self) -> str:
        cols = list(self)
        n = len(self["subject"]) if "subject" in self else 0
        show = min(n, 20)

        def cell(v):
            if isinstance(v, (float, np.floating)):
                return f"{v:.6g}"
            return str(v)

        rows = [cols] + [[cell(self[c][i]) for c in cols] for i in range(show)]
        widths = [max(len(r[j]) for r in rows) for j in range(len(cols))]
        lines = ["  ".join(v.rjust(w) for v, w in zip(r, widths)) for r in rows]
        if n > show:
            lines.append(f"... ({n} rows)")
        return "\n".join(lines)

    def to_pandas(self):
        import pandas as pd

        return pd.DataFrame(dict(self)).set_index("subject")


def open_store(path) -> Store:
    """Open an existing cohort store for reading (see :class:`Store`)."""
    s = Store(path)
    if not (s.path / _MANIFEST).exists():
        raise FileNotFoundError(f"{str(s.path)!r} is not a netneuro cohort store "
                                f"(no {_MANIFEST})")
    info = s.info()
    if info.get("format") != FORMAT:
        raise ValueError(f"{str(s.path)!r} is not a {FORMAT} directory")
    return s
