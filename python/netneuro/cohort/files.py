"""Files of the cohort store: safe names, atomic durable writes, hashing, the run lock."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
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


def _atomic_write(path: Path, write, fsync: bool = True, before_replace=None) -> None:
    """Write ``path`` via ``write(fileobj)`` to a temp name, fsync, then os.replace.

    The rename alone makes the write atomic for crashes and kills of this
    process; ``fsync`` (file and directory) also makes it durable across a
    power failure or kernel crash.  ``before_replace()`` runs just before the
    rename (the subject checksum is recorded there).
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
    if fsync:
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
