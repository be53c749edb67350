"""Files of the cohort store: safe names, atomic durable writes, hashing, the run lock."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import time
import uuid
import zlib
from pathlib import Path
from urllib.parse import quote, unquote


def _file_stem(name: str) -> str:
    stem = quote(name, safe="-_.+=,@")
    if stem.startswith("."):
        stem = "%2E" + stem[1:]
    return stem


def _subject_name(stem: str) -> str:
    return unquote(stem)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, write, fsync: bool = True, before_replace=None,
                  sync_dir: bool = True) -> None:
    """Write ``path`` via ``write(fileobj)`` to a temp name, fsync, then os.replace.

    The rename alone makes the write atomic for crashes and kills of this
    process; ``fsync`` (file and directory) also makes it durable across a
    power failure or kernel crash.  ``before_replace()`` runs just before the
    rename (the subject checksum is recorded there).  ``sync_dir=False`` leaves
    the directory's fsync to the caller (batched: see ``Store._sync_dirs``).
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        if before_replace is not None:
            before_replace()
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    if fsync and sync_dir:
        _fsync_dir(path.parent)


def _stamp(path: Path) -> tuple:
    """(mtime_ns, size, inode): a rewritten or replaced file gets another stamp."""
    st = os.stat(path)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class _HashingWriter(io.RawIOBase):
    """A write-only, unseekable view of a file that hashes every byte on its way.

    ``zipfile`` (under ``np.savez``) streams to an unseekable file (sizes in data
    descriptors instead of rewritten headers), so the SHA-256 of the file is
    computed from the bytes already in memory: no second pass over the file.
    """

    def __init__(self, f):
        self._f, self._n = f, 0
        self.sha256 = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.sha256.update(b)
        n = self._f.write(b)
        self._n += n
        return n

    def tell(self) -> int:
        return self._n


_NPY_HEADERS = {}  # (dtype, shape, fortran order) -> .npy header bytes
_ZIP32_LIMIT = 0x7FFFFFFF  # larger archives need zip64: np.savez writes those


def _npy_bytes(arr) -> tuple:
    """``(header, data)`` of ``arr`` as ``np.save`` writes them (format 1.0)."""
    import numpy as np

    fortran = arr.flags.f_contiguous and not arr.flags.c_contiguous
    key = (arr.dtype, arr.shape, fortran)
    h = _NPY_HEADERS.get(key)
    if h is None:
        buf = io.BytesIO()
        np.lib.format.write_array_header_1_0(buf, np.lib.format.header_data_from_array_1_0(arr))
        h = buf.getvalue()
        if len(_NPY_HEADERS) > 1024:
            _NPY_HEADERS.clear()
        _NPY_HEADERS[key] = h
    return h, (arr.T if fortran else arr).tobytes()


def _npz_bytes(payload: dict):
    """The bytes of ``np.savez(f, **payload)`` (an uncompressed zip of ``.npy`` entries, read
    by ``np.load``), built in memory in one pass; ``None`` when the archive would need zip64
    (over 2 GiB or 65535 entries: write it with ``np.savez`` instead).

    ``np.savez`` costs ~25 us of Python per entry (zipfile's streaming writer, a header
    dict per array); a subject has dozens of scalar entries.  Here an entry is a cached
    ``.npy`` header, the array's bytes, a CRC-32 and two packed zip headers.
    """
    import numpy as np

    if len(payload) >= 0xFFFF:
        return None
    t = time.localtime()
    dosdate = (max(t.tm_year, 1980) - 1980) << 9 | t.tm_mon << 5 | t.tm_mday
    dostime = t.tm_hour << 11 | t.tm_min << 5 | t.tm_sec // 2
    parts, central, offset = [], [], 0
    for key, arr in payload.items():
        header, data = _npy_bytes(np.asanyarray(arr))
        name = (key + ".npy").encode("utf-8")
        flags = 0 if name.isascii() else 0x800  # UTF-8 names
        size = len(header) + len(data)
        crc = zlib.crc32(data, zlib.crc32(header))
        if offset + size > _ZIP32_LIMIT:
            return None
        fixed = (20, flags, 0, dostime, dosdate, crc, size, size, len(name))
        parts += (struct.pack("<4s5H3L2H", b"PK\x03\x04", *fixed, 0), name, header, data)
        central.append(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fixed, 0, 0, 0, 0, 0,
                                   offset) + name)
        offset += 30 + len(name) + size
    cd = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central), len(cd),
                      offset, 0)
    return b"".join(parts) + cd + end


def _write_text(path: Path, text: str) -> None:
    _atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def _lock_store(path: Path):
    """An exclusive advisory lock on ``path/.lock`` (released by the OS if we die)."""
    f = open(path / ".lock", "a+b")
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locking, best effort
        return f
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        raise RuntimeError(
            f"store {str(path)!r} is in use by another cohort run (lock held on "
            f"{str(path / '.lock')!r}); wait for it to finish or use another store"
        ) from None
    return f


def _unlock_store(f) -> None:
    try:
        import fcntl

        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    except (ImportError, OSError):
        pass
    f.close()
