import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("NETNEURO_SHARED_DATA", REPO.parent / "shared" / "data"))
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def rng():
    return np.random.default_rng(20261125)


def shared_file(relpath: str) -> Path:
    """A file of ../shared/data (licence-restricted data stays out of the repo); skip if absent."""
    path = SHARED_DATA / relpath
    if not path.exists():
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
