"""Where netneuro's shared data sets live: ``$NETNEURO_SHARED_DATA``, or the nearest
``shared/data`` folder beside the checkout (or beside a parent of it, for a git worktree).

Those files stay out of the repository (HCP-derived or otherwise licensed); the examples
that read them say so and skip that part when the folder is absent.
"""

import os
from pathlib import Path


def shared_data_dir(repo_root) -> Path:
    """The shared data folder for the checkout at ``repo_root`` (may not exist)."""
    if "NETNEURO_SHARED_DATA" in os.environ:
        return Path(os.environ["NETNEURO_SHARED_DATA"])
    root = Path(repo_root).resolve()
    return next((p / "shared" / "data" for p in root.parents if (p / "shared" / "data").is_dir()),
                root.parent / "shared" / "data")
