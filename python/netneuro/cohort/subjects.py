"""Subjects given to cohort.run: names and data (or paths), in input order."""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

import numpy as np

from ..io import file_extension
from .files import _file_stem


def _normalise_subjects(subjects) -> "OrderedDict[str, object]":
    out = _normalise_subjects_(subjects)
    for name in out:
        if len(_file_stem(name).encode("utf-8")) > 200:
            raise ValueError(f"subject name {name[:40]!r}... is too long for a file name "
                             "(at most 200 bytes once percent-encoded)")
    return out


def _normalise_subjects_(subjects) -> "OrderedDict[str, object]":
    if isinstance(subjects, (str, os.PathLike)):
        raise TypeError(
            "subjects must be a dict {name: data or path}, a list of paths or a list of arrays; "
            "got a single path (wrap it in a list)"
        )
    if isinstance(subjects, dict):
        out = OrderedDict()
        for k, v in subjects.items():
            if not isinstance(k, str) or not k:
                raise TypeError(f"subject names must be non-empty strings, got {k!r}")
            out[k] = os.fspath(v) if isinstance(v, os.PathLike) else v
        if not out:
            raise ValueError("subjects is empty")
        return out
    if isinstance(subjects, np.ndarray):
        if subjects.ndim < 2:
            raise ValueError(f"subjects as an array must stack subjects on axis 0, got shape "
                             f"{subjects.shape}")
        subjects = list(subjects)
    try:
        items = list(subjects)
    except TypeError:
        raise TypeError(f"subjects must be a dict or a list, got {type(subjects).__name__}") \
            from None
    if not items:
        raise ValueError("subjects is empty")
    out = OrderedDict()
    if all(isinstance(x, (str, os.PathLike)) for x in items):
        for x in items:
            p = Path(x)
            name = p.name
            ext = file_extension(p)
            if ext:
                name = name[: -len(ext)]
            if name in out:
                raise ValueError(
                    f"two input files give the subject name {name!r} ({out[name]!r} and "
                    f"{os.fspath(x)!r}); pass a dict {{name: path}} instead"
                )
            out[name] = os.fspath(x)
        return out
    if any(isinstance(x, (str, os.PathLike)) for x in items):
        raise TypeError("subjects mixes paths and data; pass a dict {name: data or path}")
    width = max(4, len(str(len(items) - 1)))
    for i, x in enumerate(items):
        out[f"subject-{i:0{width}d}"] = x
    return out
