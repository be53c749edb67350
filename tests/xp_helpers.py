"""Shared helpers of the Array API tests (tests/test_array_api*.py).

The namespaces every Array API test runs with, how test data is put into them
and read back, and the check that a result stayed in its input's namespace and
on its device.  ``NETNEURO_TEST_DEVICE=cuda`` puts the torch cases on the GPU
(benchmarks/gpu.py runs the tests so).
"""

import os

import numpy as np
import pytest

NAMESPACES = ["array_api_strict", "torch"]
DEVICE = os.environ.get("NETNEURO_TEST_DEVICE", "cpu")


def _xp(name):
    """The namespace module, or skip the test where that library is not installed."""
    return pytest.importorskip(name)


def _to(xp, a):
    """A NumPy array as a float64 array of ``xp`` (torch: on DEVICE)."""
    if xp.__name__ == "torch":
        return xp.asarray(a, dtype=xp.float64, device=DEVICE)
    return xp.asarray(a)


def _back(x):
    """Any result as a NumPy array, for comparison (a test may convert; the library may not)."""
    if hasattr(x, "detach"):  # torch, on any device
        return x.detach().cpu().numpy()
    return np.from_dlpack(x) if not isinstance(x, np.ndarray) else x


def _same_place(out, inp):
    """``out`` is an array of ``inp``'s library, on ``inp``'s device."""
    from array_api_compat import array_namespace, device

    assert array_namespace(out) is array_namespace(inp)
    assert device(out) == device(inp)
