import os
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_data() -> Path:
    """NETNEURO_SHARED_DATA, else the nearest ``shared/data`` beside the checkout or
    beside one of its parents (a git worktree lives one level further down)."""
    if "NETNEURO_SHARED_DATA" in os.environ:
        return Path(os.environ["NETNEURO_SHARED_DATA"])
    for parent in REPO.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared" / "data"
    return REPO.parent / "shared" / "data"


SHARED_DATA = _shared_data()
TEST_DATA = Path(__file__).resolve().parent / "data"


_warn = warnings.warn


def _warn_attributed_to_netneuro(message, category=None, stacklevel=1, source=None, **kw):
    """warnings.warn, except that a warning issued by netneuro code is attributed to
    the netneuro line that issued it, whatever ``stacklevel`` it asks for.

    netneuro points its warnings at the caller (stacklevel=2 or more), so the
    pyproject filter ``error:::netneuro`` (which matches the module a warning is
    attributed to) would let them through whenever a test calls netneuro directly.
    With this, every warning netneuro issues fails the test unless the test expects
    it (``pytest.warns``, which records instead of raising).
    """
    frame = sys._getframe(1)
    module = frame.f_globals.get("__name__", "")
    if module == "netneuro" or module.startswith("netneuro."):
        if isinstance(message, Warning):
            category = type(message)
        warnings.warn_explicit(message, category or UserWarning, frame.f_code.co_filename,
                               frame.f_lineno, module=module,
                               registry=frame.f_globals.setdefault("__warningregistry__", {}),
                               source=source)
        return
    _warn(message, category, stacklevel + 1, source, **kw)


@pytest.fixture(scope="session", autouse=True)
def _netneuro_warnings_fail_tests():
    warnings.warn = _warn_attributed_to_netneuro
    try:
        yield
    finally:
        warnings.warn = _warn


@pytest.fixture
def rng():
    return np.random.default_rng(20261125)


def shared_file(relpath: str) -> Path:
    """A file of ../shared/data (licence-restricted data stays out of the repo).

    Skipped where absent (a checkout without shared/ beside it); set
    ``NETNEURO_REQUIRE_SHARED=1`` to make a missing file an error instead.
    """
    path = SHARED_DATA / relpath
    if not path.exists():
        if os.environ.get("NETNEURO_REQUIRE_SHARED"):
            pytest.fail(f"shared data file {relpath} not found under {SHARED_DATA}")
        pytest.skip(f"shared data file {relpath} not present")
    return path


# Hypothesis: "default" for CI and development; "sanitize" (fewer examples, no
# deadline) for the AddressSanitizer run in .ci/sanitize.
try:
    from hypothesis import HealthCheck, settings

    settings.register_profile("default", deadline=None, max_examples=50,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("sanitize", deadline=None, max_examples=10,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.load_profile(os.environ.get("NETNEURO_HYPOTHESIS_PROFILE", "default"))
except ImportError:  # hypothesis is a test extra
    pass


class lazy_peer:
    """A peer library (or one of its attributes) imported on first use, skipping the
    test that uses it when the peer is not installed; tests that never touch it run.

    ``bct = lazy_peer("bct")``; ``NilearnCM = lazy_peer("nilearn.connectome",
    "ConnectivityMeasure")``.  Replaces a module-level ``pytest.importorskip``,
    which would skip every test of the module.
    """

    def __init__(self, module: str, attr: str | None = None):
        self._module, self._attr = module, attr

    def _resolve(self):
        obj = pytest.importorskip(self._module)
        return getattr(obj, self._attr) if self._attr else obj

    def __getattr__(self, name):
        if name.startswith("_lazy") or name in ("_module", "_attr"):
            raise AttributeError(name)
        return getattr(self._resolve(), name)

    def __call__(self, *args, **kwargs):
        return self._resolve()(*args, **kwargs)
