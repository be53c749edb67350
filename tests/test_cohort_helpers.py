"""Picklable pipelines for the cohort tests (spawned workers import this module by name).

No tests here: pytest collects nothing from it.
"""

import os
import time

import numpy as np


def stats_pipeline(ts):
    """A small deterministic pipeline producing every result kind the store handles."""
    ts = np.asarray(ts, dtype=float)
    c = np.corrcoef(ts.T)
    iu = np.triu_indices_from(c, 1)
    w = np.sort(c[iu])
    diagram = [np.column_stack([np.zeros(3), w[-3:]]), np.column_stack([w[:2], w[:2] + 0.5])]
    return {
        "mean": float(ts.mean()),
        "n_timepoints": int(ts.shape[0]),
        "connectome": c,
        "strength": c.sum(axis=0) - 1.0,
        "diagram": diagram,
        "graph": {"density": float((np.abs(c[iu]) > 0.1).mean()), "label": "corr"},
        "flag": bool(ts[0, 0] > 0),
    }


class SlowPipeline:
    """stats_pipeline plus a delay; records each call's pid in ``pid_dir`` (kill tests)."""

    def __init__(self, delay, pid_dir=None):
        self.delay = delay
        self.pid_dir = pid_dir

    def describe(self):
        return "SlowPipeline(stats)"

    def __call__(self, ts):
        if self.pid_dir is not None:
            with open(os.path.join(self.pid_dir, f"{os.getpid()}.pid"), "a") as f:
                f.write("x")
        time.sleep(self.delay)
        return stats_pipeline(ts)


def failing_pipeline(ts):
    ts = np.asarray(ts)
    if ts[0, 0] > 1000:
        raise RuntimeError("subject rejected: first sample too large")
    return stats_pipeline(ts)


def bad_result_pipeline(ts):
    return {"obj": object()}


def crash_pipeline(ts):
    """Kill the worker process (simulates a segfault) for marked subjects."""
    if np.asarray(ts)[0, 0] > 1000:
        os._exit(1)
    return stats_pipeline(ts)


def make_cohort(n, t=30, r=5, seed=0):
    rng = np.random.default_rng(seed)
    return {f"sub-{i:03d}": rng.standard_normal((t, r)) for i in range(n)}
