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
