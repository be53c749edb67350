"""Fingerprints of a subject's input and settings (resume recomputes what changed)."""

from __future__ import annotations

import hashlib
import os

import numpy as np


def _pipeline_description(pipeline) -> str:
    describe = getattr(pipeline, "describe", None)
    if callable(describe):
        return str(describe())
    mod = getattr(pipeline, "__module__", None) or type(pipeline).__module__
    qual = getattr(pipeline, "__qualname__", None) or type(pipeline).__qualname__
    return f"{mod}.{qual}"


def _describe(obj) -> str:
    """A loader's description for the fingerprints: its describe() or name, with the
    settings of a loader object (e.g. ``key``, ``transpose``)."""
    desc = _pipeline_description(obj)
    if callable(getattr(obj, "describe", None)) or hasattr(obj, "__code__") \
            or not hasattr(obj, "__dict__"):
        return desc
    return desc + "(" + ", ".join(f"{k}={v!r}" for k, v in sorted(vars(obj).items())) + ")"


def _input_hash(item):
    """SHA-256 of a subject's input: the file's bytes for a path, else the array's
    dtype, shape and bytes; None for inputs that are not arrays."""
    h = hashlib.sha256()
    if isinstance(item, (str, os.PathLike)):
        try:
            with open(item, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 22), b""):
                    h.update(chunk)
        except OSError:
            return None  # the worker reports the unreadable file
        return "file:" + h.hexdigest()
    try:
        arr = np.ascontiguousarray(item)
    except Exception:
        return None
    if arr.dtype.hasobject:
        return None
    h.update(f"{arr.dtype.str}{arr.shape}".encode())
    h.update(memoryview(arr).cast("B"))
    return "array:" + h.hexdigest()


def _shortest(items, loader) -> int:
    """The fewest time points over the subjects (equalize_length=True); loads path inputs."""
    from .worker import _default_loader

    lengths = []
    for item in items.values():
        if isinstance(item, (str, os.PathLike)):
            item = loader(item) if loader is not None else _default_loader(item)
        lengths.append(int(np.shape(item)[0]))
    return min(lengths)


def _foreign_files(st) -> list:
    """Stems of ``subjects/*.npz`` files without a checksum entry (not written by the store)."""
    sums = st._checksums()
    if sums is None or not st.subjects_dir.exists():
        return []
    return sorted(p.name[:-4] for p in st.subjects_dir.glob("*.npz")
                  if not p.name.startswith(".") and p.name[:-4] not in sums)
