"""The package skeleton: compiled core, configuration, validation, CLI, distances."""

import io
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.distance import cdist

import netneuro
from netneuro import _core
from netneuro._parallel import check_n_jobs
from netneuro._validation import (
    check_array,
    check_memory,
    check_prime,
    check_square,
)
from netneuro.distance import pairwise_distances

REPO = Path(__file__).resolve().parents[1]


def test_show_config_reports_build():
    buf = io.StringIO()
    netneuro.show_config(file=buf)
    text = buf.getvalue()
    for key in ("netneuro", "compiler", "hardware threads", "CUDA module built", "CuPy / GPU"):
        assert key in text
    # the core is built from this source tree: its version is the project's
    project = re.search(r'(?ms)^\[project\].*?^version = "([^"]+)"',
                        (REPO / "pyproject.toml").read_text()).group(1)
    assert _core.build_info["version"] == project
    if netneuro.__version__ != "0+unknown":  # installed: the metadata agrees too
        assert netneuro.__version__ == project


@pytest.mark.parametrize("metric", ["euclidean", "sqeuclidean", "cityblock", "chebyshev",
                                    "minkowski", "cosine"])
def test_distances_match_scipy(rng, metric):
    X = rng.normal(size=(57, 5))
    Y = rng.normal(size=(33, 5))
    kw = {"p": 3.0} if metric == "minkowski" else {}
    ours = pairwise_distances(X, metric=metric, **kw)
    ref = cdist(X, X, metric=metric, **kw)
    np.fill_diagonal(ref, 0.0)
    # Same formula, same float64 operations: agreement to a few ulps.
    np.testing.assert_allclose(ours, ref, rtol=1e-13, atol=1e-13)
    assert np.array_equal(ours, ours.T)
    np.testing.assert_allclose(pairwise_distances(X, Y, metric=metric, **kw),
                               cdist(X, Y, metric=metric, **kw), rtol=1e-13, atol=1e-13)


def test_distances_identical_for_any_n_jobs(rng):
    X = rng.normal(size=(301, 4))
    ref = pairwise_distances(X, n_jobs=1)
    for n_jobs in (2, 3, 8, -1):
        assert np.array_equal(pairwise_distances(X, n_jobs=n_jobs), ref)


def test_distances_accept_any_real_layout(rng):
    X = rng.normal(size=(20, 3))
    ref = pairwise_distances(X)
    assert np.array_equal(pairwise_distances(np.asfortranarray(X)), ref)
    big = np.zeros((40, 3))
    big[::2] = X
    assert np.array_equal(pairwise_distances(big[::2]), ref)
    assert np.array_equal(pairwise_distances(X.astype(np.float32)),
                          pairwise_distances(X.astype(np.float32).astype(np.float64)))
    ints = rng.integers(0, 5, size=(10, 2))
    np.testing.assert_allclose(pairwise_distances(ints), cdist(ints, ints))


@pytest.mark.parametrize("bad, exc, match", [
    (np.ones((3, 2, 1)), ValueError, "2-D"),
    (np.array([[1.0, np.nan]]), ValueError, "finite"),
    (np.ones((2, 2), dtype=complex), TypeError, "real numbers"),
    (np.array([["a", "b"]]), TypeError, "real numbers"),
    (np.zeros((0, 3)), ValueError, "empty"),
])
def test_distances_reject_bad_input(bad, exc, match):
    with pytest.raises(exc, match=match):
        pairwise_distances(bad)


def test_distances_reject_bad_options(rng):
    X = rng.normal(size=(4, 2))
    with pytest.raises(ValueError, match="metric"):
        pairwise_distances(X, metric="hamming-ish")
    with pytest.raises(ValueError, match="n_jobs"):
        pairwise_distances(X, n_jobs=0)
    with pytest.raises(ValueError, match="same number of columns"):
        pairwise_distances(X, rng.normal(size=(3, 3)))
    with pytest.raises(ValueError, match="all-zero"):
        pairwise_distances(np.zeros((2, 2)), metric="cosine")


def test_validation_helpers():
    assert check_n_jobs(None) >= 1
    assert check_n_jobs(-1) >= 1
    with pytest.raises(TypeError, match="n_jobs"):
        check_n_jobs(1.5)
    assert check_prime(7, "coeff") == 7
    with pytest.raises(ValueError, match="prime"):
        check_prime(9, "coeff")
    with pytest.raises(ValueError, match="square"):
        check_square(np.ones((2, 3)), "A")
    with pytest.raises(MemoryError, match="would need"):
        check_memory(1e30, "a huge thing", hint="use less")
    a = check_array([[1, 2], [3, 4]], "A")
    assert a.dtype == np.float64 and a.flags.c_contiguous


def test_set_config_changes_default_n_jobs():
    try:
        netneuro.set_config(n_jobs=3)
        assert check_n_jobs(None) == 3
    finally:
        netneuro.set_config(n_jobs=None)


def test_cli_version_and_info():
    out = subprocess.run([sys.executable, "-m", "netneuro", "--version"], capture_output=True,
                         text=True, check=True)
    assert netneuro.__version__ in out.stdout
    out = subprocess.run([sys.executable, "-m", "netneuro", "info"], capture_output=True,
                         text=True, check=True)
    assert "hardware threads" in out.stdout
