"""netneuro.compat.nctpy against nctpy 1.2.0 itself: same calls, same outputs.

Tolerance 1e-10 relative (see test_control.py); shapes and error types must match.
"""

import numpy as np
import pytest

from netneuro.compat import nctpy as nc

# nctpy is optional: tests that compare with it are marked (a failing import of
# netneuro itself is an error, never a skip)
try:
    from nctpy import energies as NE
    from nctpy import metrics as NM
    from nctpy import utils as NU
except ImportError:  # pragma: no cover - depends on the environment
    NE = NM = NU = None

needs_nctpy = pytest.mark.skipif(NU is None, reason="nctpy is not installed")

RTOL = 1e-10


def rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300)


@pytest.fixture
def mats(rng):
    a = rng.random((25, 25))
    a = np.triu(a, 1)
    d = rng.random((25, 25)) * (rng.random((25, 25)) < 0.4)
    np.fill_diagonal(d, 0)
    return a + a.T, d


@needs_nctpy
def test_normalization_and_metrics(mats):
    for A in mats:
        for system in ("continuous", "discrete"):
            ours = nc.matrix_normalization(A, system=system)
            ref = NU.matrix_normalization(A, system=system)
            assert ours.shape == ref.shape and rel(ours, ref) < RTOL
            assert rel(nc.ave_control(ref, system=system), NM.ave_control(ref, system=system)) < RTOL
        ref = NU.matrix_normalization(A, "discrete", c=2, l=30.0)
        assert rel(nc.matrix_normalization(A, "discrete", c=2, l=30.0), ref) < RTOL
        assert rel(nc.modal_control(ref), NM.modal_control(ref)) < RTOL


@needs_nctpy
def test_system_errors_match_nctpy(mats):
    A = mats[0]
    for f in (nc.matrix_normalization, NU.matrix_normalization):
        with pytest.raises(Exception, match="Time system not specified"):
            f(A)
        with pytest.raises(Exception, match="Incorrect system specification"):
            f(A, system="both")
    with pytest.raises(Exception, match="T >= 2"):
        nc.get_control_inputs(A, 1, np.eye(25), np.ones(25), np.zeros(25), system="discrete")


@needs_nctpy
@pytest.mark.parametrize("system,T", [("continuous", 1), ("continuous", 0.5), ("discrete", 5)])
@pytest.mark.parametrize("S", ["zero", "identity"])
def test_get_control_inputs(mats, rng, system, T, S):
    for A in mats:
        An = NU.matrix_normalization(A, system)
        x0, xf = rng.random(25), rng.random(25)
        B = np.eye(25)
        kw = {"S": np.zeros((25, 25))} if S == "zero" else {}
        xo, uo, eo = nc.get_control_inputs(An, T, B, x0, xf, system=system, **kw)
        xr, ur, er = NE.get_control_inputs(An, T, B, x0, xf, system=system, **kw)
        assert xo.shape == xr.shape and uo.shape == ur.shape and len(eo) == 2
        assert rel(xo, xr) < RTOL and rel(uo, ur) < RTOL
        assert rel(nc.integrate_u(uo), NE.integrate_u(ur)) < RTOL
        assert abs(eo[1] - er[1]) < 1e-8


@needs_nctpy
def test_minimum_energy_fast_and_gramian(mats, rng):
    for A in mats:
        An = NU.matrix_normalization(A, "continuous")
        x0, xf = rng.random((25, 4)), rng.random((25, 4))
        B = np.diag(rng.uniform(1, 2, 25))
        ours = nc.minimum_energy_fast(An, 1, B, x0, xf)
        ref = NE.minimum_energy_fast(An, 1, B, x0, xf)
        assert ours.shape == ref.shape == (25, 4) and rel(ours, ref) < RTOL
        one = nc.minimum_energy_fast(An, 1, B, x0[:, 0], xf[:, 0])
        assert one.shape == (25, 1)
        assert rel(nc.gramian(An, 1, system="continuous"), NE.gramian(An, 1, "continuous")) < RTOL
        assert rel(nc.gramian(An, np.inf, system="continuous"),
                   NE.gramian(An, np.inf, "continuous")) < RTOL
        Ad = NU.matrix_normalization(A, "discrete")
        assert rel(nc.gramian(Ad, 4, system="discrete"), NE.gramian(Ad, 4, "discrete")) < RTOL
        e1, r1 = nc.minimum_energy_infinite(An, B, xf, system="continuous")
        e2, r2 = NE.minimum_energy_infinite(An, B, xf, system="continuous")
        assert rel(e1, e2) < 1e-9 and rel(r1, r2) < 1e-9
        assert rel(nc.average_energy_infinite(Ad, B, "discrete"),
                   NE.average_energy_infinite(Ad, B, "discrete")) < 1e-9


def test_unstable_infinite_gramian_gives_nan(mats, capsys):
    A = mats[0]
    assert np.isnan(nc.gramian(A, np.inf, system="continuous"))
    assert "unstable" in capsys.readouterr().out
    assert np.isnan(nc.average_energy_infinite(A, np.eye(25), "continuous"))


@needs_nctpy
def test_sim_state_eq(mats, rng):
    A = NU.matrix_normalization(mats[1], "continuous")
    U = rng.normal(size=(25, 30))
    x0 = rng.random(25)
    for system in ("continuous", "discrete"):
        assert rel(nc.sim_state_eq(A, np.eye(25), x0, U, system=system),
                   NE.sim_state_eq(A, np.eye(25), x0, U, system=system)) < RTOL
